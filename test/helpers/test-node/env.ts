// A container's environment as the kubelet builds it: the `kubernetes` Service's variables, then
// envFrom (Secrets, ConfigMaps), then env in order (`$(VAR)` expanded against what came before,
// valueFrom secretKeyRef / configMapKeyRef / fieldRef resolved). A missing Secret, ConfigMap or
// key throws with the kubelet's message (the container then waits with CreateContainerConfigError).
import type { Api } from './api.js';
import { expand, type Obj } from './util.js';

export interface EnvContext {
  api: Api;
  nodeName: string;
  podIP: string;
  /** the real API server (pods cannot reach the `kubernetes` Service's cluster IP here) */
  apiHost: string;
  apiPort: string;
}

/** The downward API fields the test node knows (fieldRef.fieldPath -> value). */
export function podField(pod: Obj, path: string, c: Pick<EnvContext, 'nodeName' | 'podIP'>): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (pod.metadata[m[1]!] ?? {})[m[2]!] ?? '';
  if (path === 'metadata.labels' || path === 'metadata.annotations') {
    return Object.entries((pod.metadata[path.slice(9)] ?? {}) as Record<string, string>)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n');
  }
  const fields: Record<string, string> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': c.nodeName,
    'spec.serviceAccountName': pod.spec.serviceAccountName ?? 'default',
    'status.podIP': c.podIP,
    'status.podIPs': c.podIP,
    'status.hostIP': '127.0.0.1',
    'status.hostIPs': '127.0.0.1',
  };
  return fields[path];
}

/** Reads Secrets and ConfigMaps of one namespace, once each (Secret values decoded). */
export function objectReader(api: Api, ns: string): (kind: 'secrets' | 'configmaps', name: string) => Promise<Record<string, string> | undefined> {
  const cache = new Map<string, Record<string, string> | undefined>();
  return async (kind, name) => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) {
      const r = await api.call('GET', `/api/v1/namespaces/${ns}/${kind}/${name}`);
      if (r.status !== 200 && r.status !== 404) throw new Error(`GET ${key}: HTTP ${r.status}`);
      let data: Record<string, string> | undefined;
      if (r.status === 200) {
        const d: Record<string, string> = { ...(r.body.data ?? {}) };
        if (kind === 'secrets') for (const [k, v] of Object.entries(d)) d[k] = Buffer.from(String(v), 'base64').toString('utf8');
        else for (const [k, v] of Object.entries((r.body.binaryData ?? {}) as Record<string, string>)) d[k] = Buffer.from(v, 'base64').toString('utf8');
        data = d;
      }
      cache.set(key, data);
    }
    return cache.get(key);
  };
}

/** The variables the pod declares (service variables, envFrom, env), before path mapping. */
export async function containerEnv(pod: Obj, spec: Obj, c: EnvContext): Promise<Record<string, string>> {
  const get = objectReader(c.api, pod.metadata.namespace);
  const env: Record<string, string> = {
    KUBERNETES_SERVICE_HOST: c.apiHost,
    KUBERNETES_SERVICE_PORT: c.apiPort,
    KUBERNETES_SERVICE_PORT_HTTPS: c.apiPort,
    KUBERNETES_PORT: `tcp://${c.apiHost}:${c.apiPort}`,
  };
  for (const f of spec.envFrom ?? []) {
    const ref = f.secretRef ?? f.configMapRef;
    const what = f.secretRef ? 'secret' : 'configmap';
    const data = await get(f.secretRef ? 'secrets' : 'configmaps', ref.name);
    if (!data && !ref.optional) throw new Error(`${what} "${ref.name}" not found`);
    for (const [k, v] of Object.entries(data ?? {})) env[`${f.prefix ?? ''}${k}`] = v;
  }
  for (const e of spec.env ?? []) {
    const from = e.valueFrom;
    if (!from) env[e.name] = expand(e.value ?? '', env);
    else if (from.fieldRef) {
      const v = podField(pod, from.fieldRef.fieldPath, c);
      if (v === undefined) throw new Error(`env ${e.name}: fieldRef ${from.fieldRef.fieldPath} is not supported by the test node`);
      env[e.name] = v;
    } else if (from.secretKeyRef || from.configMapKeyRef) {
      const ref = from.secretKeyRef ?? from.configMapKeyRef;
      const what = from.secretKeyRef ? 'secret' : 'configmap';
      const data = await get(from.secretKeyRef ? 'secrets' : 'configmaps', ref.name);
      if (!data) {
        if (!ref.optional) throw new Error(`${what} "${ref.name}" not found`);
      } else if (data[ref.key] !== undefined) env[e.name] = data[ref.key]!;
      else if (!ref.optional) throw new Error(`couldn't find key ${ref.key} in ${what[0]!.toUpperCase()}${what.slice(1)} ${pod.metadata.namespace}/${ref.name}`);
    } else {
      throw new Error(`env ${e.name}: valueFrom ${Object.keys(from).join()} is not supported by the test node`);
    }
  }
  return env;
}
