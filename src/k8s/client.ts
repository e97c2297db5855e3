/**
 * A small typed door to the Kubernetes REST API: @kubernetes/client-node supplies the
 * configuration and authentication (kubeconfig, in-cluster token files, client certificates);
 * requests and watches are plain JSON over node:https, so every call is explicit
 * about its path, verb and patch type. Failures become KindlingErrors (code KUBERNETES) that
 * say which call failed and why, with the API server's own message; never a credential.
 */
import http from 'node:http';
import https from 'node:https';
import { KindlingError } from '../common/errors.js';
import { loadKubeConfig, type KubeTarget } from './config.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Obj = Record<string, any>;
export interface KubeList<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}
export type Query = Record<string, string | number | boolean | undefined>;

export class KubeApiError extends KindlingError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super('KUBERNETES', message, {
      retryable: status === 429 || status >= 500 || status === 0,
      hint: status === 403 ? "the service account lacks this permission: check the chart's RBAC (kubectl auth can-i)" : undefined,
    });
  }
}

export class Kube {
  readonly namespace: string;
  readonly server: string;
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(private readonly target: KubeTarget) {
    this.namespace = target.namespace;
    this.server = target.server;
    this.url = new URL(target.server);
    const Agent = this.url.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 16 });
  }

  static connect(kubeconfig?: string): Kube {
    return new Kube(loadKubeConfig(kubeconfig));
  }

  /** One API call. `body` is JSON; the content type picks the patch flavour. */
  async request<T = Obj>(method: string, path: string, o: { body?: unknown; query?: Query; contentType?: string } = {}): Promise<T> {
    const res = await this.open(method, path, o);
    const text = await readText(res);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return (text ? JSON.parse(text) : {}) as T;
    let st: Obj = {};
    try {
      st = JSON.parse(text) as Obj;
    } catch {
      st = { message: text.slice(0, 300) };
    }
    throw new KubeApiError(status, String(st.reason ?? ''), `${method} ${path}: ${st.message ?? `HTTP ${status}`} (${status}${st.reason ? ` ${st.reason}` : ''})`);
  }

  /** A streaming GET (pod logs); the caller consumes the response. */
  async stream(path: string, query: Query = {}, idleMs = 30_000): Promise<http.IncomingMessage> {
    const res = await this.open('GET', path, { query, idleMs });
    if ((res.statusCode ?? 0) >= 300) {
      const text = await readText(res);
      let msg = text.slice(0, 300);
      try {
        msg = String((JSON.parse(text) as Obj).message ?? msg);
      } catch {
        /* not JSON */
      }
      throw new KubeApiError(res.statusCode ?? 0, '', `GET ${path}: ${msg} (${res.statusCode})`);
    }
    return res;
  }

  private async open(method: string, path: string, o: { body?: unknown; query?: Query; contentType?: string; idleMs?: number }): Promise<http.IncomingMessage> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const opts: https.RequestOptions = {
      method,
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || (this.url.protocol === 'https:' ? 443 : 80),
      path: `${this.url.pathname.replace(/\/$/, '')}${path}${qs.size ? `?${qs}` : ''}`,
      headers: { Accept: 'application/json' },
      agent: this.agent,
    };
    await this.target.kc.applyToHTTPSOptions(opts);
    opts.agent = this.agent; // applyToHTTPSOptions may set its own; keep-alive matters here
    const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
    if (payload) Object.assign(opts.headers!, { 'Content-Type': o.contentType ?? 'application/json', 'Content-Length': payload.length });
    return new Promise((resolve, reject) => {
      const req = (this.url.protocol === 'https:' ? https : http).request(opts, resolve);
      const idle = o.idleMs ?? 30_000;
      if (idle > 0) req.setTimeout(idle, () => req.destroy(new Error(`no answer in ${idle / 1000} s`)));
      req.on('error', (e) => reject(new KubeApiError(0, 'Unreachable', `${method} ${path}: cannot reach the API server ${this.server}: ${e.message}`)));
      req.end(payload);
    });
  }

  async get<T = Obj>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  list<T = Obj>(path: string, query: Query = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', path, { query });
  }

  create<T = Obj>(path: string, body: Obj): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  /** Creates unless an object of that name exists (then returns it): safe to repeat. */
  async ensure<T = Obj>(path: string, body: Obj): Promise<{ obj: T; created: boolean }> {
    try {
      return { obj: await this.create<T>(path, body), created: true };
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 409)) throw e;
      const existing = await this.get<T>(`${path}/${(body.metadata as Obj).name}`);
      if (!existing) throw e;
      return { obj: existing, created: false };
    }
  }

  /** A JSON merge patch (RFC 7386); `null` deletes a field. */
  mergePatch<T = Obj>(path: string, body: Obj): Promise<T> {
    return this.request<T>('PATCH', path, { body, contentType: 'application/merge-patch+json' });
  }

  /** Deletes; false when it was already gone. */
  async delete(path: string, query: Query = {}): Promise<boolean> {
    try {
      await this.request('DELETE', path, { query });
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return false;
      throw e;
    }
  }

  /**
   * A watch stream from `resourceVersion`: one JSON event per line. `done` gets the error, or
   * undefined when the server ends the stream (its timeout); the caller re-lists and watches
   * again. (Our own reader over node:https: client-node's Watch rides on node-fetch, whose
   * "Premature close" on a cut chunked stream escapes as an uncaught exception.)
   */
  async watch(path: string, query: Query, onEvent: (type: string, obj: Obj) => void, done: (err?: unknown) => void): Promise<AbortController> {
    const abort = new AbortController();
    // The server ends the watch after timeoutSeconds (then we re-list); no idle timeout here.
    const res = await this.stream(path, { timeoutSeconds: 300, ...query, watch: true, allowWatchBookmarks: true }, 0);
    let buf = '';
    let finished = false;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      res.destroy();
      done(err);
    };
    abort.signal.addEventListener('abort', () => finish(), { once: true });
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          const ev = JSON.parse(line) as { type: string; object: Obj };
          if (ev.type === 'ERROR') return finish(new KubeApiError(Number(ev.object?.code) || 500, String(ev.object?.reason ?? ''), `watch ${path}: ${ev.object?.message ?? 'error'}`));
          onEvent(ev.type, ev.object);
        } catch (e) {
          return finish(e);
        }
      }
    });
    res.on('end', () => finish());
    res.on('error', (e) => finish(e));
    res.on('close', () => finish());
    return abort;
  }

  close(): void {
    this.agent.destroy();
  }
}

function readText(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
