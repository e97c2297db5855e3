// Pod volumes on the test node. There is no mount namespace: each volume is a directory under
// <podDir>/volumes/<name>/, filled as the kubelet fills it (emptyDir: empty; configMap, secret,
// downwardAPI and projected: one file per item; projected serviceAccountToken: a real bound token
// from the TokenRequest API, refreshed at 80% of its lifetime), and a container sees it through
// path mapping: its volumeMounts' mountPaths are rewritten to those directories wherever they
// appear as a path in its command, args and env values (`minio server /data` with an emptyDir at
// /data runs `minio server <podDir>/volumes/data`). hostPath volumes are the host path itself.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { Api } from './api.js';
import { objectReader, podField } from './env.js';
import type { Obj } from './util.js';

/** Where the kubelet mounts the service account token (ServiceAccount admission adds the mount). */
export const SERVICEACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface VolumeContext {
  api: Api;
  nodeName: string;
  podIP: string;
  /** timers (token refreshes) to clear when the pod goes */
  timers: Set<NodeJS.Timeout>;
  log(m: string): void;
}

/** A volume could not be set up; the message is the kubelet's FailedMount event message. */
export class MountError extends Error {}

type Get = ReturnType<typeof objectReader>;

/** Sets up every volume of the pod; returns volume name -> host directory. Throws MountError. */
export async function setupVolumes(pod: Obj, podDir: string, c: VolumeContext): Promise<Map<string, string>> {
  const vols = new Map<string, string>();
  const get = objectReader(c.api, pod.metadata.namespace);
  for (const v of (pod.spec.volumes ?? []) as Obj[]) {
    if (v.hostPath) {
      vols.set(v.name, v.hostPath.path);
      continue;
    }
    const dir = join(podDir, 'volumes', v.name);
    try {
      mkdirSync(dir, { recursive: true });
      if (v.emptyDir) {
        /* nothing to fill */
      } else if (v.configMap) await keys(dir, get, 'configmaps', v.configMap.name, v.configMap, v.configMap.defaultMode);
      else if (v.secret) await keys(dir, get, 'secrets', v.secret.secretName, v.secret, v.secret.defaultMode);
      else if (v.downwardAPI) downward(dir, pod, v.downwardAPI.items ?? [], c, v.downwardAPI.defaultMode);
      else if (v.projected) {
        const mode = v.projected.defaultMode;
        for (const s of (v.projected.sources ?? []) as Obj[]) {
          if (s.configMap) await keys(dir, get, 'configmaps', s.configMap.name, s.configMap, mode);
          else if (s.secret) await keys(dir, get, 'secrets', s.secret.name, s.secret, mode);
          else if (s.downwardAPI) downward(dir, pod, s.downwardAPI.items ?? [], c, mode);
          else if (s.serviceAccountToken) await token(dir, pod, s.serviceAccountToken, mode, c);
          else throw new Error(`projected source ${Object.keys(s).join()} is not supported by the test node`);
        }
      } else {
        const type = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
        throw new Error(`${type} volumes are not supported by the test node`);
      }
    } catch (e) {
      throw new MountError(`MountVolume.SetUp failed for volume "${v.name}" : ${(e as Error).message}`);
    }
    vols.set(v.name, dir);
  }
  return vols;
}

function put(dir: string, path: string, data: string, mode: number | undefined): void {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data, { mode: mode ?? 0o644 });
}

async function keys(dir: string, get: Get, kind: 'configmaps' | 'secrets', name: string, src: Obj, mode: number | undefined): Promise<void> {
  const what = kind === 'secrets' ? 'secret' : 'configmap';
  const data = await get(kind, name);
  if (!data) {
    if (src.optional) return;
    throw new Error(`${what} "${name}" not found`);
  }
  const items = (src.items as { key: string; path: string; mode?: number }[] | undefined) ?? Object.keys(data).map((key) => ({ key, path: key, mode: undefined }));
  for (const it of items) {
    if (data[it.key] === undefined) {
      if (src.optional) continue;
      throw new Error(`${what} references non-existent config key: ${it.key}`);
    }
    put(dir, it.path, data[it.key]!, it.mode ?? mode);
  }
}

function downward(dir: string, pod: Obj, items: Obj[], c: VolumeContext, mode: number | undefined): void {
  for (const it of items) {
    if (!it.fieldRef) throw new Error(`downwardAPI item ${it.path}: only fieldRef is supported by the test node`);
    const v = podField(pod, it.fieldRef.fieldPath, c);
    if (v === undefined) throw new Error(`downwardAPI fieldRef ${it.fieldRef.fieldPath} is not supported by the test node`);
    put(dir, it.path, v, it.mode ?? mode);
  }
}

/** A bound token for the pod's service account, written to dir/<path> and kept fresh. */
async function token(dir: string, pod: Obj, src: Obj, mode: number | undefined, c: VolumeContext): Promise<void> {
  const ns = pod.metadata.namespace as string;
  const sa = (pod.spec.serviceAccountName as string | undefined) ?? 'default';
  const seconds = (src.expirationSeconds as number | undefined) ?? 3600;
  const request = async () => {
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        ...(src.audience ? { audiences: [src.audience] } : {}),
        expirationSeconds: seconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
      },
    };
    const r = await c.api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, body);
    if (r.status !== 201 && r.status !== 200) throw new Error(`failed to fetch token: ${r.body?.message ?? `HTTP ${r.status}`}`);
    put(dir, src.path, r.body.status.token, mode ?? 0o644);
  };
  await request();
  // The kubelet refreshes at 80% of the requested lifetime (and at least daily).
  const refresh = (ms: number) => {
    const t = setTimeout(() => {
      c.timers.delete(t);
      request().then(
        () => refresh(Math.min(seconds * 800, 86_400_000)),
        (e: Error) => {
          c.log(`test-node: refreshing the token of ${ns}/${pod.metadata.name}: ${e.message}`);
          refresh(10_000);
        },
      );
    }, ms);
    t.unref();
    c.timers.add(t);
  };
  refresh(Math.min(seconds * 800, 86_400_000));
}

/**
 * The path mapping of one container: a function rewriting its mountPaths (where they appear as a
 * path: at the start of the string or after `=`, `:`, `,` or a space) to the volumes' host dirs.
 */
export function pathMapper(spec: Obj, vols: Map<string, string>): (s: string) => string {
  const mounts = new Map<string, string>();
  for (const m of (spec.volumeMounts ?? []) as Obj[]) {
    const host = vols.get(m.name);
    if (host === undefined) continue;
    const dir = m.subPath ? join(host, m.subPath) : host;
    if (m.subPath) mkdirSync(dir, { recursive: true }); // the kubelet creates missing subPaths
    mounts.set(String(m.mountPath).replace(/\/+$/, '') || '/', dir);
  }
  if (mounts.size === 0) return (s) => s;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alts = [...mounts.keys()].sort((a, b) => b.length - a.length).map(esc).join('|');
  const re = new RegExp(`(^|[=:,\\s])(${alts})(?=$|[/=:,\\s])`, 'g');
  return (s) => s.replace(re, (_m, pre: string, mp: string) => pre + mounts.get(mp)!);
}
