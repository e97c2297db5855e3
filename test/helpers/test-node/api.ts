// A minimal Kubernetes API client for the test node: the kubeconfig's current context (bearer
// token or client certificate, CA data or file), JSON over node:https, nothing else.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean } }[];
  users?: { name: string; user: { token?: string; tokenFile?: string; 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

export class Api {
  readonly server: URL;
  private readonly agent: Agent;
  private readonly token?: string;

  constructor(kubeconfig: string) {
    const kc = parse(readFileSync(kubeconfig, 'utf8')) as KubeconfigFile;
    const ctxName = kc['current-context'] ?? kc.contexts?.[0]?.name;
    const ctx = kc.contexts?.find((c) => c.name === ctxName)?.context;
    const cluster = kc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster ?? kc.clusters?.[0]?.cluster;
    const user = kc.users?.find((u) => u.name === ctx?.user)?.user ?? kc.users?.[0]?.user ?? {};
    if (!cluster) throw new Error(`${kubeconfig}: no cluster`);
    const base = dirname(kubeconfig);
    const b64 = (s?: string) => (s ? Buffer.from(s, 'base64') : undefined);
    const ca = b64(cluster['certificate-authority-data']) ?? (cluster['certificate-authority'] ? readFileSync(resolve(base, cluster['certificate-authority'])) : undefined);
    this.server = new URL(cluster.server);
    this.token = user.token ?? (user.tokenFile ? readFileSync(resolve(base, user.tokenFile), 'utf8').trim() : undefined);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 16,
      ca,
      cert: b64(user['client-certificate-data']),
      key: b64(user['client-key-data']),
      rejectUnauthorized: !cluster['insecure-skip-tls-verify'],
    });
  }

  /** One request; any HTTP status is returned (not thrown). Network errors and timeouts reject. */
  call<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse<T>> {
    return new Promise((res, rej) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (data) Object.assign(headers, { 'content-type': contentType, 'content-length': String(data.length) });
      const req = request(new URL(path, this.server), { method, headers, agent: this.agent, timeout: 15_000 }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('error', rej);
        r.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON: keep the text */
          }
          res({ status: r.statusCode ?? 0, body: parsed as T });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', rej);
      req.end(data);
    });
  }

  /** call() that rejects unless the status is 2xx (or one of `also`). */
  async must<T = any>(method: string, path: string, body?: unknown, contentType?: string, also: number[] = []): Promise<ApiResponse<T>> {
    const r = await this.call<T>(method, path, body, contentType);
    if ((r.status < 200 || r.status > 299) && !also.includes(r.status)) {
      const msg = (r.body as { message?: string } | undefined)?.message ?? JSON.stringify(r.body);
      throw new Error(`${method} ${path}: HTTP ${r.status}: ${msg}`);
    }
    return r;
  }

  /**
   * A watch (`path` with watch=true): calls onEvent for each event until the server ends it or
   * close() is called; then calls onEnd once. The caller restarts it as it sees fit.
   */
  watch(path: string, onEvent: (e: { type: string; object: any }) => void, onEnd: (err?: Error) => void): { close(): void } {
    let ended = false;
    const end = (err?: Error) => {
      if (!ended) (ended = true), onEnd(err);
    };
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const req = request(new URL(path, this.server), { method: 'GET', headers, agent: this.agent }, (r) => {
      if (r.statusCode !== 200) {
        r.resume();
        return end(new Error(`watch ${path}: HTTP ${r.statusCode}`));
      }
      let buf = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) {
            try {
              onEvent(JSON.parse(line) as { type: string; object: any });
            } catch {
              /* a torn line: the next resync catches up */
            }
          }
        }
      });
      r.on('end', () => end());
      r.on('error', end);
    });
    req.on('error', end);
    req.end();
    return { close: () => (req.destroy(), end()) };
  }

  close(): void {
    this.agent.destroy();
  }
}
