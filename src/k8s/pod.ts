/**
 * Pods from small composable steps. The operator (coordinator pods) and the coordinator's
 * Kubernetes backend (worker pods) build theirs from the same steps, and every setting of
 * the job spec is applied here natively: no mutating webhook that could be down.
 */
import type { PodSettings } from '../spec/schema.js';
import type { Obj } from './client.js';
import { LABELS } from './names.js';

export type PodStep = (pod: Obj) => Obj;

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

const container = (pod: Obj): Obj => pod.spec.containers[0];

export function buildPod(...steps: PodStep[]): Obj {
  const base: Obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels: { [LABELS.name]: 'kindling' }, annotations: {} },
    // FallbackToLogsOnError: a container that fails puts the end of its log into its status,
    // so the operator's "exited with code 1" carries the reason.
    spec: { containers: [{ name: 'kindling', env: [], terminationMessagePolicy: 'FallbackToLogsOnError' }], restartPolicy: 'Never', volumes: [] },
  };
  return steps.reduce((pod, step) => step(pod), base);
}

export const named = (name: string, namespace: string): PodStep => (pod) => ({ ...pod, metadata: { ...pod.metadata, name, namespace } });

export const labelled = (labels: Record<string, string>, annotations: Record<string, string> = {}): PodStep => (pod) => ({
  ...pod,
  metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, ...labels }, annotations: { ...pod.metadata.annotations, ...annotations } },
});

export const ownedBy = (owner: OwnerRef, controller = true): PodStep => (pod) => ({
  ...pod,
  metadata: { ...pod.metadata, ownerReferences: [{ ...owner, controller, blockOwnerDeletion: true }] },
});

export const image = (ref: string, pullPolicy?: string): PodStep => (pod) => {
  Object.assign(container(pod), { image: ref, ...(pullPolicy ? { imagePullPolicy: pullPolicy } : {}) });
  return pod;
};

export const command = (argv: string[], port?: number): PodStep => (pod) => {
  Object.assign(container(pod), { command: argv, ...(port ? { ports: [{ name: 'http', containerPort: port }] } : {}) });
  return pod;
};

export const env = (vars: Obj[]): PodStep => (pod) => {
  container(pod).env.push(...vars);
  return pod;
};

export const plainEnv = (vars: Record<string, string | undefined>): PodStep =>
  env(Object.entries(vars).filter(([, v]) => v !== undefined && v !== '').map(([name, value]) => ({ name, value })));

export const secretEnv = (secret: string, keys: Record<string, string>): PodStep =>
  env(Object.entries(keys).map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } })));

/** S3 credentials from the job's Secret (keys AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). */
export const s3Credentials = (secret: string | undefined): PodStep =>
  secret ? secretEnv(secret, { AWS_ACCESS_KEY_ID: 'AWS_ACCESS_KEY_ID', AWS_SECRET_ACCESS_KEY: 'AWS_SECRET_ACCESS_KEY' }) : (pod) => pod;

/** The pod's name, namespace and IP through the downward API. */
export const identity: PodStep = env([
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
]);

export const resources = (r: PodSettings['resources'] | undefined, fallback: Obj): PodStep => (pod) => {
  container(pod).resources = r ? { ...(r.requests ? { requests: r.requests } : {}), ...(r.limits ? { limits: r.limits } : {}) } : fallback;
  return pod;
};

/** A service account, or none mounted at all (workers never talk to the API). */
export const serviceAccount = (name: string | undefined): PodStep => (pod) => ({
  ...pod,
  spec: { ...pod.spec, ...(name ? { serviceAccountName: name, automountServiceAccountToken: true } : { automountServiceAccountToken: false }) },
});

/** Non-root, read-only root filesystem, no privilege escalation, no capabilities; /tmp writable. */
export const hardened: PodStep = (pod) => {
  Object.assign(container(pod), {
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  });
  return {
    ...pod,
    spec: {
      ...pod.spec,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      volumes: [...pod.spec.volumes, { name: 'tmp', emptyDir: {} }],
    },
  };
};

/**
 * The user's pod settings from the spec: scheduling, labels, annotations. kindling's own labels
 * win over the user's: a job must not pass its pods off as another job's workers (the
 * coordinator's NetworkPolicy admits them by label) or its workers as a coordinator.
 */
export const userSettings = (s: PodSettings): PodStep => (pod) => {
  const p = labelled({ ...(s.labels ?? {}), ...pod.metadata.labels }, s.annotations ?? {})(pod);
  return {
    ...p,
    spec: {
      ...p.spec,
      ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}),
      ...(s.tolerations ? { tolerations: s.tolerations } : {}),
      ...(s.affinity ? { affinity: s.affinity } : {}),
    },
  };
};

export const restartPolicy = (policy: 'Never' | 'OnFailure' | 'Always'): PodStep => (pod) => ({ ...pod, spec: { ...pod.spec, restartPolicy: policy } });

/** How a pod is doing, from its status: what the backend and the operator decide on. */
export type PodState =
  | { kind: 'pending'; reason?: string; message?: string; fatal: boolean }
  | { kind: 'running'; ready: boolean }
  | { kind: 'exited'; code: number; reason: string; message?: string };

/** Waiting reasons that mean the container will not start by waiting a little longer. */
const STUCK = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError', 'CrashLoopBackOff', 'RunContainerError']);

export function podState(pod: Obj): PodState {
  const st = pod.status ?? {};
  const cs = (st.containerStatuses ?? [])[0] as Obj | undefined;
  if (st.phase === 'Succeeded' || st.phase === 'Failed') {
    const t = cs?.state?.terminated ?? {};
    return { kind: 'exited', code: t.exitCode ?? (st.phase === 'Succeeded' ? 0 : 1), reason: t.reason ?? st.reason ?? st.phase, message: t.message ?? st.message };
  }
  if (st.phase === 'Running') return { kind: 'running', ready: cs?.ready === true };
  const waiting = cs?.state?.waiting as Obj | undefined;
  if (waiting?.reason && waiting.reason !== 'ContainerCreating' && waiting.reason !== 'PodInitializing') {
    return { kind: 'pending', reason: waiting.reason, message: waiting.message, fatal: STUCK.has(waiting.reason) };
  }
  const sched = ((st.conditions ?? []) as Obj[]).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (sched) return { kind: 'pending', reason: sched.reason ?? 'Unschedulable', message: sched.message, fatal: sched.reason === 'Unschedulable' };
  return { kind: 'pending', fatal: false };
}

/** One line for a user: "pod x: ErrImagePull: ..." */
export function describeState(name: string, s: PodState): string {
  if (s.kind === 'pending') return `pod ${name} is pending${s.reason ? `: ${s.reason}` : ''}${s.message ? `: ${s.message}` : ''}`;
  if (s.kind === 'exited') return `pod ${name} exited with code ${s.code} (${s.reason})${s.message ? `: ${s.message}` : ''}`;
  return `pod ${name} is running`;
}
