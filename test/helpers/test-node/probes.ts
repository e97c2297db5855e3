// Container probes as the kubelet runs them: startupProbe, then readinessProbe and livenessProbe,
// each every periodSeconds once initialDelaySeconds have passed, with timeoutSeconds and the
// success/failure thresholds. httpGet (host defaults to the pod IP; named ports resolved from the
// container's ports; 200-399 is success), tcpSocket and exec are supported; grpc probes are
// reported as unsupported and count as success.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

import type { Ctr, Obj } from './util.js';

export interface ProbeTarget {
  ip: string;
  /** run argv in the container (env, cwd, command table) and say how it exited */
  exec(argv: string[], timeoutMs: number): Promise<{ code: number | null; output: string }>;
  kubeletVersion: string;
}
export interface ProbeHooks {
  /** readiness or started changed: push the pod status */
  changed(): void;
  /** liveness or startup failed for good: kill the container (it restarts per restartPolicy) */
  kill(message: string): void;
  event(reason: string, message: string): void;
  log(m: string): void;
}

function port(p: Obj, spec: Obj): number {
  const v = p.port;
  if (typeof v === 'number') return v;
  if (/^\d+$/.test(String(v))) return Number(v);
  const named = ((spec.ports ?? []) as Obj[]).find((x) => x.name === v);
  if (!named) throw new Error(`port "${v}" is not a port of the container`);
  return named.containerPort as number;
}

/** Runs one probe; resolves { ok, message }. */
export async function probeOnce(p: Obj, spec: Obj, t: ProbeTarget): Promise<{ ok: boolean; message: string }> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  if (p.httpGet) {
    const g = p.httpGet as Obj;
    const https = String(g.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
    const host = (g.host as string | undefined) || t.ip;
    const url = `${https ? 'https' : 'http'}://${host}:${port(g, spec)}${g.path ?? '/'}`;
    const headers: Record<string, string> = { 'user-agent': `kube-probe/${t.kubeletVersion.replace(/^v(\d+\.\d+).*/, '$1')}`, accept: '*/*' };
    for (const h of (g.httpHeaders ?? []) as { name: string; value: string }[]) headers[h.name.toLowerCase()] = h.value;
    return new Promise((res) => {
      const req = (https ? httpsRequest : httpRequest)(url, { headers, timeout: timeoutMs, rejectUnauthorized: false }, (r) => {
        r.resume();
        const code = r.statusCode ?? 0;
        res(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
      req.on('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'ECONNREFUSED' ? `dial tcp ${host}:${port(g, spec)}: connect: connection refused` : e.message;
        res({ ok: false, message: `Get "${url}": ${why}` });
      });
      req.end();
    });
  }
  if (p.tcpSocket) {
    const host = (p.tcpSocket.host as string | undefined) || t.ip;
    const n = port(p.tcpSocket, spec);
    return new Promise((res) => {
      const s = connect({ host, port: n, timeout: timeoutMs });
      s.on('connect', () => (s.destroy(), res({ ok: true, message: '' })));
      s.on('timeout', () => (s.destroy(), res({ ok: false, message: `dial tcp ${host}:${n}: i/o timeout` })));
      s.on('error', (e: NodeJS.ErrnoException) => res({ ok: false, message: `dial tcp ${host}:${n}: ${e.code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message}` }));
    });
  }
  if (p.exec) {
    const r = await t.exec((p.exec.command ?? []) as string[], timeoutMs);
    if (r.code === null) return { ok: false, message: `command ${JSON.stringify((p.exec.command ?? []).join(' '))} timed out` };
    return r.code === 0 ? { ok: true, message: '' } : { ok: false, message: r.output.trim() };
  }
  return { ok: true, message: `${Object.keys(p).find((k) => !/Seconds|Threshold/.test(k)) ?? 'this'} probes are not supported by the test node (counted as success)` };
}

/**
 * Starts the probes of a container's running instance. They stop by themselves when the instance
 * is no longer the running one (`k.inst` changes, or the container is not running).
 */
export function startProbes(k: Ctr, t: ProbeTarget, h: ProbeHooks): void {
  const inst = k.inst;
  const t0 = Date.now();
  const alive = () => k.inst === inst && k.state === 'running' && !k.killing;
  const kinds = [
    ['startup', k.spec.startupProbe],
    ['readiness', k.spec.readinessProbe],
    ['liveness', k.spec.livenessProbe],
  ] as const;
  k.started = !k.spec.startupProbe;
  k.ready = !k.spec.readinessProbe;
  for (const [kind, p] of kinds) {
    if (!p) continue;
    const Kind = kind[0]!.toUpperCase() + kind.slice(1);
    let last: boolean | undefined;
    let run = 0;
    let warned = false;
    const tick = async () => {
      if (!alive()) return;
      const due = kind === 'startup' ? !k.started : k.started;
      if (due && Date.now() - t0 >= (p.initialDelaySeconds ?? 0) * 1000) {
        let r: { ok: boolean; message: string };
        try {
          r = await probeOnce(p, k.spec, t);
        } catch (e) {
          r = { ok: false, message: (e as Error).message };
        }
        if (!alive()) return;
        if (r.ok && r.message && !warned) (warned = true), h.log(`test-node: ${r.message}`);
        run = r.ok === last ? run + 1 : 1;
        last = r.ok;
        if (!r.ok) h.event('Unhealthy', `${Kind} probe failed: ${r.message}`);
        if (kind === 'readiness') {
          const need = r.ok ? (p.successThreshold ?? 1) : (p.failureThreshold ?? 3);
          if (run >= need && k.ready !== r.ok) {
            k.ready = r.ok;
            h.changed();
          }
        } else if (kind === 'startup' && r.ok) {
          k.started = true;
          h.changed();
          return; // the startup probe is done
        } else if (!r.ok && run >= (p.failureThreshold ?? 3)) {
          h.kill(`Container ${k.spec.name} failed ${kind} probe, will be restarted`);
          return;
        }
      }
      setTimeout(() => void tick(), (p.periodSeconds ?? 10) * 1000).unref();
    };
    void tick();
  }
}

/** Runs argv with a container's env and working dir (an exec probe); code null = timed out. */
export function execIn(argv: string[], c: { env: Record<string, string>; cwd: string }, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((res) => {
    const [cmd, ...rest] = argv;
    if (!cmd) return res({ code: 126, output: 'no command' });
    const p = spawn(cmd, rest, { cwd: c.cwd, env: c.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', (e) => res({ code: 126, output: e.message }));
    p.on('close', (code, sig) => res({ code: sig === 'SIGKILL' ? null : code, output: out }));
  });
}
