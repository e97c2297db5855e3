/**
 * `kindling operator`: health endpoint, leader election, then the controller. Losing the
 * Lease stops the process (the Deployment restarts it as a candidate); SIGTERM releases it.
 */
import http from 'node:http';
import type { Logger } from '../common/logger.js';
import { Kube } from '../k8s/client.js';
import type { OperatorConfig } from './config.js';
import { Controller } from './controller.js';
import { elect } from './leader.js';

export async function runOperator(cfg: OperatorConfig, log: Logger, signal: AbortSignal, kubeconfig?: string): Promise<void> {
  const kube = Kube.connect(kubeconfig);
  let state: 'candidate' | 'leader' = 'candidate';
  const health = cfg.healthPort
    ? http.createServer((req, res) => {
        res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: req.url === '/healthz', state }));
      })
    : undefined;
  if (health) await new Promise<void>((resolve, reject) => health.once('error', reject).listen(cfg.healthPort, cfg.healthHost, resolve));
  log.info({ server: kube.server, identity: cfg.lease.identity, image: cfg.image }, 'operator starting');
  const leadership = elect(kube, { ...cfg.lease, log });
  let controller: Controller | undefined;
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await Promise.race([leadership.acquired, stopped]);
    if (signal.aborted) return;
    state = 'leader';
    controller = new Controller(kube, cfg, log);
    await controller.start();
    const lost = await Promise.race([leadership.lost.then(() => true), stopped.then(() => false)]);
    if (lost) throw new Error('lost the leader lease; exiting so that a fresh candidate takes over');
  } finally {
    controller?.stop();
    await leadership.release();
    health?.close();
    kube.close();
    log.info('operator stopped');
  }
}
