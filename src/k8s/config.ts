/**
 * Where the Kubernetes API is and who we are to it: a kubeconfig (`--kubeconfig`, KUBECONFIG,
 * ~/.kube/config) or, inside a pod, the service account token mounted by the kubelet.
 * KINDLING_SERVICEACCOUNT_DIR points at another token directory (the test node uses it, since
 * it cannot mount the standard path); it holds the same three files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export const SERVICEACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeTarget {
  kc: KubeConfig;
  /** The namespace of the context, or the pod's own namespace in the cluster. */
  namespace: string;
  server: string;
}

export function loadKubeConfig(kubeconfig?: string, env: NodeJS.ProcessEnv = process.env): KubeTarget {
  const kc = new KubeConfig();
  const saDir = env.KINDLING_SERVICEACCOUNT_DIR;
  let namespace: string | undefined;
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else if (saDir && env.KUBERNETES_SERVICE_HOST) {
    const host = env.KUBERNETES_SERVICE_HOST.includes(':') ? `[${env.KUBERNETES_SERVICE_HOST}]` : env.KUBERNETES_SERVICE_HOST;
    kc.loadFromClusterAndUser(
      { name: 'inCluster', server: `https://${host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`, caFile: join(saDir, 'ca.crt'), skipTLSVerify: false },
      { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: join(saDir, 'token') } } },
    );
    namespace = readIfExists(join(saDir, 'namespace'));
  } else {
    kc.loadFromDefault();
    if (env.KUBERNETES_SERVICE_HOST && !env.KUBECONFIG) namespace = readIfExists(join(SERVICEACCOUNT_DIR, 'namespace'));
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no Kubernetes cluster configured: set KUBECONFIG or pass --kubeconfig');
  namespace ??= kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { kc, namespace: namespace.trim(), server: cluster.server };
}

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
