/** A worker pod, composed from the shared pod steps and the job's worker settings. */
import type { Obj } from '../../k8s/client.js';
import { LABELS } from '../../k8s/names.js';
import { buildPod, command, hardened, identity, image, labelled, named, ownedBy, plainEnv, resources, s3Credentials, secretEnv, serviceAccount, userSettings, type OwnerRef } from '../../k8s/pod.js';
import type { Job } from '../../spec/load.js';
import type { WorkerLaunch } from '../backend.js';

/** What every worker pod of a job shares (the backend's settings). */
export interface WorkerPodSettings {
  namespace: string;
  job: Job;
  /** The coordinator pod: owner of the worker pods. */
  owner: OwnerRef;
  image: string;
  imagePullPolicy?: string;
  /** The Secret holding the job token (key `token`). */
  tokenSecret: string;
}

export interface WorkerPodInput extends WorkerPodSettings {
  name: string;
  launch: WorkerLaunch;
}

export function workerPod(i: WorkerPodInput): Obj {
  const w = i.job.workers;
  return buildPod(
    named(i.name, i.namespace),
    labelled({ [LABELS.job]: i.job.name, [LABELS.role]: 'worker', [LABELS.run]: i.launch.runId, [LABELS.managedBy]: 'kindling' }),
    ownedBy(i.owner),
    image(w.pod.image ?? i.image, w.pod.imagePullPolicy ?? i.imagePullPolicy),
    command(['kindling', 'worker', '--coordinator', i.launch.url, '--id', i.name, '--threads', String(w.threads)]),
    resources(w.pod.resources, { requests: { cpu: String(w.threads), memory: '512Mi' } }),
    identity,
    secretEnv(i.tokenSecret, { KINDLING_TOKEN: 'token' }),
    s3Credentials(i.job.storage.credentialsSecret),
    plainEnv(i.launch.env),
    serviceAccount(w.pod.serviceAccountName),
    hardened,
    userSettings(w.pod),
  );
}
