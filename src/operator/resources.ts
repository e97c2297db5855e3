/**
 * What the operator creates for a job, each with a deterministic name and, except the shared
 * per-namespace access objects, an owner reference to the KindlingJob (so deleting the job
 * garbage-collects them, and the coordinator's worker pods through the coordinator pod).
 */
import { randomBytes } from 'node:crypto';
import type { Obj } from '../k8s/client.js';
import { API_VERSION, COORDINATOR_PORT, KIND, LABELS, names } from '../k8s/names.js';
import { buildPod, command, hardened, identity, image, labelled, named, ownedBy, plainEnv, resources, s3Credentials, secretEnv, serviceAccount, userSettings, type OwnerRef } from '../k8s/pod.js';
import type { Job } from '../spec/load.js';
import type { OperatorConfig } from './config.js';

export const ATTEMPT_LABEL = 'kindling.dev/attempt';

export const ownerOf = (job: Obj): OwnerRef => ({ apiVersion: API_VERSION, kind: KIND, name: job.metadata.name, uid: job.metadata.uid });

const jobLabels = (name: string, role?: string) => ({ [LABELS.name]: 'kindling', [LABELS.managedBy]: 'kindling', [LABELS.job]: name, ...(role ? { [LABELS.role]: role } : {}) });
const meta = (job: Obj, name: string, role?: string) => ({
  name,
  namespace: job.metadata.namespace,
  labels: jobLabels(job.metadata.name, role),
  ownerReferences: [{ ...ownerOf(job), controller: true, blockOwnerDeletion: true }],
});

export function tokenSecret(job: Obj): Obj {
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(job, names.tokenSecret(job.metadata.name)), type: 'Opaque', stringData: { token: randomBytes(24).toString('base64url') } };
}

export function coordinatorService(job: Obj): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(job, names.service(job.metadata.name)),
    spec: { selector: { [LABELS.job]: job.metadata.name, [LABELS.role]: 'coordinator' }, ports: [{ name: 'http', port: COORDINATOR_PORT, targetPort: COORDINATOR_PORT }] },
  };
}

/**
 * Only the job's own worker pods may reach its coordinator, and only on the worker API port.
 * Stored by every API server; enforced only where the network plugin implements NetworkPolicy.
 * Ingress only: the coordinator's own calls (API server, S3) are left alone.
 */
export function coordinatorNetworkPolicy(job: Obj): Obj {
  const name = job.metadata.name as string;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(job, names.networkPolicy(name)),
    spec: {
      podSelector: { matchLabels: { [LABELS.job]: name, [LABELS.role]: 'coordinator' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { [LABELS.job]: name, [LABELS.role]: 'worker' } } }],
          ports: [{ protocol: 'TCP', port: COORDINATOR_PORT }],
        },
      ],
    },
  };
}

export function coordinatorAccount(ns: string, cfg: OperatorConfig): { serviceAccount: Obj; roleBinding: Obj } {
  const labels = { [LABELS.name]: 'kindling', [LABELS.managedBy]: 'kindling' };
  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: cfg.coordinatorServiceAccount, namespace: ns, labels } },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: cfg.coordinatorServiceAccount, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: cfg.coordinatorClusterRole },
      subjects: [{ kind: 'ServiceAccount', name: cfg.coordinatorServiceAccount, namespace: ns }],
    },
  };
}

/** A test-only switch: the job's workers inject these faults (KINDLING_FAULTS grammar). */
export const FAULTS_ANNOTATION = 'kindling.dev/faults';

export function coordinatorPod(job: Obj, spec: Job, attempt: number, cfg: OperatorConfig): Obj {
  const c = spec.coordinator.pod;
  const name = job.metadata.name;
  return buildPod(
    named(names.coordinatorPod(name, attempt), job.metadata.namespace),
    labelled({ ...jobLabels(name, 'coordinator'), [ATTEMPT_LABEL]: String(attempt) }),
    ownedBy(ownerOf(job)),
    image(c.image ?? cfg.image, c.imagePullPolicy ?? cfg.imagePullPolicy),
    command(['kindling', 'coordinator'], COORDINATOR_PORT),
    resources(c.resources, { requests: { cpu: '100m', memory: '256Mi' } }),
    identity,
    plainEnv({
      KINDLING_JOB_NAME: name,
      KINDLING_COORDINATOR_ATTEMPT: String(attempt),
      KINDLING_IMAGE: cfg.image,
      KINDLING_IMAGE_PULL_POLICY: cfg.imagePullPolicy,
      KINDLING_S3_ENDPOINT: spec.storage.endpoint ? undefined : cfg.s3Endpoint,
      KINDLING_CREDENTIALS_SECRET: spec.storage.credentialsSecret ? undefined : cfg.credentialsSecret,
      KINDLING_LOG_LEVEL: cfg.logLevel,
      // Tests only (the chaos suite): faults injected into this job's workers, see src/worker/faults.ts.
      KINDLING_FAULTS: job.metadata.annotations?.[FAULTS_ANNOTATION] || undefined,
    }),
    secretEnv(names.tokenSecret(name), { KINDLING_TOKEN: 'token' }),
    s3Credentials(spec.storage.credentialsSecret ?? cfg.credentialsSecret),
    serviceAccount(c.serviceAccountName ?? cfg.coordinatorServiceAccount),
    hardened,
    userSettings(c),
  );
}
