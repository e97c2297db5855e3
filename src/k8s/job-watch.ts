/**
 * Follows one KindlingJob: a list + watch on its collection narrowed by
 * fieldSelector metadata.name=<name> (the Snapshot store: re-lists when the watch ends or
 * expires), calling back with the object on every change, or undefined once it is deleted.
 */
import type { Kube, Obj } from './client.js';
import { paths } from './names.js';
import { Snapshot } from './snapshot.js';

export interface JobWatch {
  stop(): void;
}

/**
 * Resolves after the first successful list (the callback has seen the current object). Failed
 * lists and watches go to `onError` and are retried with backoff (the Snapshot's way); a caller
 * that cannot wait for a lasting failure (403, 404) stops there.
 */
export async function watchJob(kube: Kube, ns: string, name: string, onChange: (job: Obj | undefined) => void, onError: (e: unknown) => void = () => {}): Promise<JobWatch> {
  const snap = new Snapshot(kube, paths.jobs(ns), { fieldSelector: `metadata.name=${name}` });
  let last: string | undefined;
  const emit = () => {
    const job = snap.objects.get(`${ns}/${name}`);
    const rv = job ? String(job.metadata?.resourceVersion) : 'gone';
    if (rv === last) return;
    last = rv;
    onChange(job);
  };
  snap.on('change', emit);
  snap.on('error', onError);
  await snap.start();
  return { stop: () => snap.stop() };
}
