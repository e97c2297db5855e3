/**
 * Fixed names, label keys and API paths: every object kindling creates has a deterministic
 * name and the same labels, so each create is safe to repeat and each cleanup finds what it made.
 */
import { createHash } from 'node:crypto';

export const GROUP = 'kindling.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'KindlingJob';
export const PLURAL = 'kindlingjobs';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  job: 'kindling.dev/job',
  role: 'kindling.dev/role',
  run: 'kindling.dev/run',
} as const;
export type Role = 'coordinator' | 'worker';

/** The port the coordinator serves workers on, in the cluster. */
export const COORDINATOR_PORT = 7070;

/** `<job>-<suffix>`, kept a DNS-1123 label (63 characters) by hashing long job names. */
export function childName(job: string, suffix: string): string {
  const name = `${job}-${suffix}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(job).digest('hex').slice(0, 6);
  return `${job.slice(0, 63 - suffix.length - hash.length - 2).replace(/-+$/, '')}-${hash}-${suffix}`;
}

export const names = {
  coordinatorPod: (job: string, attempt: number) => childName(job, `coordinator-${attempt}`),
  service: (job: string) => childName(job, 'coordinator'),
  /** Who may reach the coordinator (its worker pods); the same name as the Service, another kind. */
  networkPolicy: (job: string) => childName(job, 'coordinator'),
  tokenSecret: (job: string) => childName(job, 'token'),
  workerPod: (job: string, run: string, i: number, epoch = 0) => childName(job, `${run.slice(-6)}${epoch ? `e${epoch}` : ''}-w${i}`),
};

export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

const core = (ns: string | undefined, kind: string) => (ns ? `/api/v1/namespaces/${ns}/${kind}` : `/api/v1/${kind}`);
const jobs = (ns?: string) => (ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`);

export const paths = {
  jobs,
  job: (ns: string, name: string) => `${jobs(ns)}/${name}`,
  jobStatus: (ns: string, name: string) => `${jobs(ns)}/${name}/status`,
  pods: (ns?: string) => core(ns, 'pods'),
  pod: (ns: string, name: string) => `${core(ns, 'pods')}/${name}`,
  podLog: (ns: string, name: string) => `${core(ns, 'pods')}/${name}/log`,
  services: (ns: string) => core(ns, 'services'),
  secrets: (ns: string) => core(ns, 'secrets'),
  serviceAccounts: (ns: string) => core(ns, 'serviceaccounts'),
  events: (ns: string) => core(ns, 'events'),
  roleBindings: (ns: string) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  networkPolicies: (ns: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
  leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
};
