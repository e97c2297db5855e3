/**
 * Logs outlive pods: at the end of a run (committed or failed) the coordinator copies its own
 * log and each worker pod's log, through the pods/log API, to `<output>/_logs/<run>/<pod>.log`.
 * `_`-prefixed directories are not part of the output for readers. A failure here is logged,
 * never fatal: the job's verdict is already written.
 */
import type { Logger } from '../common/logger.js';
import type { Kube } from '../k8s/client.js';
import { paths } from '../k8s/names.js';
import { storeFor } from '../storage/index.js';

const MAX_BYTES = 16 << 20;

export async function archiveLogs(kube: Kube, ns: string, pods: string[], target: string, log: Logger): Promise<number> {
  const store = storeFor(target);
  let n = 0;
  for (const pod of pods) {
    try {
      const res = await kube.stream(paths.podLog(ns, pod), { container: 'kindling', limitBytes: MAX_BYTES });
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      await store.write(store.join(target, `${pod}.log`), Buffer.concat(chunks));
      n++;
    } catch (e) {
      log.warn({ pod, err: e instanceof Error ? e.message : String(e) }, 'cannot archive the log of a pod');
    }
  }
  log.info({ pods: n, target }, 'archived pod logs');
  return n;
}

export const logsUri = (output: string, runId: string): string => `${output.replace(/\/+$/, '')}/_logs/${runId}/`;
