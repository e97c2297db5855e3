/**
 * Leader election on a coordination.k8s.io Lease, so two operator replicas are safe: only the
 * holder reconciles. Acquire when the Lease is free or expired, renew every third of its
 * duration, give up (and stop the process) when renewing fails for a whole duration. Writes
 * are optimistic (resourceVersion), so two candidates never both win.
 */
import type { Logger } from '../common/logger.js';
import { KubeApiError, type Kube, type Obj } from '../k8s/client.js';
import { paths } from '../k8s/names.js';

const microTime = (ms = Date.now()) => new Date(ms).toISOString().replace('Z', '000Z');

export interface Leadership {
  /** Resolves when this process holds the Lease. */
  acquired: Promise<void>;
  /** Resolves if it loses it. */
  lost: Promise<void>;
  release(): Promise<void>;
}

export function elect(kube: Kube, o: { namespace: string; name: string; identity: string; durationS?: number; log: Logger }): Leadership {
  const duration = o.durationS ?? 15;
  const path = `${paths.leases(o.namespace)}/${o.name}`;
  let stopped = false;
  let lastRenew = 0;
  let timer: NodeJS.Timeout | undefined;
  let onAcquired!: () => void;
  let onLost!: () => void;
  const acquired = new Promise<void>((r) => (onAcquired = r));
  const lost = new Promise<void>((r) => (onLost = r));
  let leading = false;

  const attempt = async (): Promise<boolean> => {
    const now = Date.now();
    const lease = await kube.get<Obj>(path);
    const spec = { holderIdentity: o.identity, leaseDurationSeconds: duration, renewTime: microTime(now) };
    if (!lease) {
      await kube.create(paths.leases(o.namespace), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: o.name, namespace: o.namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } });
      return true;
    }
    const s = lease.spec ?? {};
    const expired = !s.holderIdentity || !s.renewTime || Date.parse(s.renewTime) + (s.leaseDurationSeconds ?? duration) * 1000 < now;
    if (s.holderIdentity !== o.identity && !expired) return false;
    const takeover = s.holderIdentity !== o.identity;
    await kube.request('PUT', path, {
      body: { ...lease, spec: { ...s, ...spec, ...(takeover ? { acquireTime: microTime(now), leaseTransitions: (s.leaseTransitions ?? 0) + 1 } : {}) } },
    });
    return true;
  };

  const tick = async () => {
    if (stopped) return;
    let ok = false;
    try {
      ok = await attempt();
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 409)) o.log.warn({ err: String(e) }, 'leader election: lease update failed');
    }
    if (ok) {
      lastRenew = Date.now();
      if (!leading) {
        leading = true;
        o.log.info({ lease: `${o.namespace}/${o.name}`, identity: o.identity }, 'became the leader');
        onAcquired();
      }
    } else if (leading && Date.now() - lastRenew > duration * 1000) {
      leading = false;
      stopped = true;
      o.log.error({ lease: `${o.namespace}/${o.name}` }, 'lost the leader lease');
      onLost();
      return;
    }
    timer = setTimeout(() => void tick(), leading ? (duration * 1000) / 3 : 2000);
  };
  void tick();

  return {
    acquired,
    lost,
    async release() {
      stopped = true;
      clearTimeout(timer);
      if (!leading) return;
      // Hand over at once instead of letting the other replica wait out the duration.
      const lease = await kube.get<Obj>(path).catch(() => undefined);
      if (lease?.spec?.holderIdentity === o.identity) {
        await kube.request('PUT', path, { body: { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(0) } } }).catch(() => undefined);
      }
    },
  };
}
