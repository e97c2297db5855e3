/** The operator's settings: flags override the environment the chart sets. */
import { KindlingError } from '../common/errors.js';
export interface OperatorConfig {
  /** Namespaces to watch; empty: all. */
  namespaces: string[];
  /** The image of coordinator and worker pods. */
  image: string;
  imagePullPolicy?: string;
  /** Applied to jobs that name no S3 endpoint / credentials Secret. */
  s3Endpoint?: string;
  credentialsSecret?: string;
  /** The ClusterRole the coordinator's ServiceAccount is bound to (per namespace). */
  coordinatorClusterRole: string;
  coordinatorServiceAccount: string;
  lease: { namespace: string; name: string; identity: string };
  /** 0 disables the /healthz endpoint. */
  healthPort: number;
  healthHost: string;
  logLevel: string;
  /** Create a NetworkPolicy per job that admits only its worker pods to its coordinator. */
  networkPolicy: boolean;
  /** How often every job is reconciled even without events. */
  resyncMs: number;
}

export interface OperatorFlags {
  namespaces?: string;
  image?: string;
  healthPort?: number;
}

export function operatorConfig(flags: OperatorFlags, env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const list = (flags.namespaces ?? env.KINDLING_WATCH_NAMESPACES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const image = flags.image ?? env.KINDLING_IMAGE;
  if (!image) throw new KindlingError('USAGE', 'the image for coordinator and worker pods is not set: pass --image or set KINDLING_IMAGE');
  const ns = env.POD_NAMESPACE ?? 'default';
  return {
    namespaces: list,
    image,
    imagePullPolicy: env.KINDLING_IMAGE_PULL_POLICY || undefined,
    s3Endpoint: env.KINDLING_S3_ENDPOINT || undefined,
    credentialsSecret: env.KINDLING_CREDENTIALS_SECRET || undefined,
    coordinatorClusterRole: env.KINDLING_COORDINATOR_CLUSTERROLE ?? 'kindling-coordinator',
    coordinatorServiceAccount: env.KINDLING_COORDINATOR_SERVICE_ACCOUNT ?? 'kindling-coordinator',
    lease: { namespace: ns, name: env.KINDLING_LEASE_NAME ?? 'kindling-operator', identity: env.POD_NAME ?? `${process.pid}@local` },
    healthPort: flags.healthPort ?? 8081,
    healthHost: env.POD_IP ?? '127.0.0.1',
    logLevel: env.KINDLING_LOG_LEVEL ?? 'info',
    networkPolicy: flag(env, 'KINDLING_NETWORK_POLICY', true),
    resyncMs: 30_000,
  };
}

/** true/false (also 1/0, yes/no); unset or empty: the default; anything else is a usage error. */
function flag(env: NodeJS.ProcessEnv, key: string, dflt: boolean): boolean {
  const v = (env[key] ?? '').trim().toLowerCase();
  if (v === '') return dflt;
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new KindlingError('USAGE', `${key} must be true or false (got ${JSON.stringify(env[key])})`);
}
