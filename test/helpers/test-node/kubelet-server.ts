// The kubelet's HTTPS endpoint, as far as the API server uses it for logs: `kubectl logs` (and the
// pods/log API) go from kube-apiserver to https://<node InternalIP>:<daemonEndpoints port>
// /containerLogs/{namespace}/{pod}/{container}?follow=&tailLines=&previous=&timestamps=&... The
// serving certificate is self-signed (made with openssl), as a kubelet's is by default; the API
// server does not verify it (no --kubelet-certificate-authority). Client certificates are not
// asked for: anyone on the host can read the logs. exec, attach and port-forward are not served.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';

import { logOptions, serveLog } from './logs.js';
import type { Run } from './util.js';

/** What GET /containerLogs reads: a log file and whether that container is done writing to it. */
export type LogLookup = (ns: string, pod: string, container: string, previous: boolean) => { file: string; ended(): boolean } | { status: number; error: string };

function selfSigned(dir: string, nodeName: string): { key: Buffer; cert: Buffer } {
  const r = spawnSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-keyout', 'kubelet.key', '-out', 'kubelet.crt', '-subj', `/CN=${nodeName}@${Math.floor(Date.now() / 1000)}`,
      '-addext', `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${nodeName}`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  if (r.error) throw new Error(`the test node needs openssl for its kubelet serving certificate: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl failed making the kubelet serving certificate:\n${r.stderr}`);
  return { key: readFileSync(join(dir, 'kubelet.key')), cert: readFileSync(join(dir, 'kubelet.crt')) };
}

export async function startKubeletServer(o: { dir: string; nodeName: string; lookup: LogLookup; log(m: string): void }): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(selfSigned(o.dir, o.nodeName), (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const fail = (status: number, error: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(error);
    };
    if (url.pathname === '/healthz') return void res.end('ok');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!m || req.method !== 'GET') return fail(404, `${req.method} ${url.pathname} is not served by the test node (only /containerLogs and /healthz)`);
    const [ns, pod, container] = m.slice(1).map(decodeURIComponent) as [string, string, string];
    let opts;
    try {
      opts = logOptions(url.searchParams);
    } catch (e) {
      return fail(422, `{"message": "Invalid request."} (${(e as Error).message})`);
    }
    const found = o.lookup(ns, pod, container, opts.previous);
    if ('error' in found) return fail(found.status, found.error);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    let closed = false;
    res.on('close', () => (closed = true));
    serveLog(found.file, opts, res, found.ended, () => closed).then(
      () => res.end(),
      (e: Error) => {
        o.log(`test-node: serving logs of ${ns}/${pod}/${container}: ${e.message}`);
        res.destroy();
      },
    );
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {}); // probes of the port, aborted handshakes
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        for (const s of sockets) s.destroy(); // followers of running containers
      }),
  };
}

/**
 * Which log file `kubectl logs` means, as the kubelet decides (validateContainerLogStatus): the
 * running instance, or the last one when the container is terminated or waiting to restart, or the
 * previous one with --previous; errors with the kubelet's words otherwise.
 */
export function podLookup(find: (ns: string, pod: string) => Run | undefined): LogLookup {
  return (ns, pod, container, previous) => {
    const run = find(ns, pod);
    if (!run) return { status: 404, error: `pod "${pod}" does not exist` };
    const k = run.ctrs.find((c) => c.spec.name === container);
    if (!k) return { status: 404, error: `container "${container}" not found in pod "${pod}"` };
    const byId = (id?: string) => k.insts.find((i) => i.id === id);
    const bad = (error: string) => ({ status: 400, error });
    let inst;
    if (previous) {
      inst = byId(k.last?.containerID);
      if (!inst) return bad(`previous terminated container "${container}" in pod "${pod}" not found`);
    } else if (k.state === 'running') inst = k.inst;
    else if (k.state === 'terminated') {
      inst = byId(k.term?.containerID) ?? byId(k.last?.containerID);
      if (!inst) return bad(`container "${container}" in pod "${pod}" is terminated`);
    } else if (k.last) inst = byId(k.last.containerID);
    else {
      const r = k.waiting.reason;
      const why = r === 'ErrImagePull' ? "image can't be pulled" : r === 'ImagePullBackOff' ? 'trying and failing to pull image' : r;
      return bad(`container "${container}" in pod "${pod}" is waiting to start: ${why}`);
    }
    if (!inst) return bad(`container "${container}" in pod "${pod}" is waiting to start - no logs yet`);
    const i = inst;
    return { file: i.file, ended: () => i.ended };
  };
}
