/**
 * The Kubernetes backend: the coordinator's workers are pods. It creates them (owned by the
 * coordinator pod, so they go when it goes), watches them through one snapshot, reports lost
 * ones to the scheduler and replaces them (bounded), and fails the job with the pods' own
 * reasons (ErrImagePull, Unschedulable, CrashLoopBackOff...) when none is running within the
 * start timeout, instead of waiting forever.
 */
import type { Logger } from '../../common/logger.js';
import type { Kube, Obj } from '../../k8s/client.js';
import { LABELS, names, paths, selector } from '../../k8s/names.js';
import { describeState, podState, type PodState } from '../../k8s/pod.js';
import { Snapshot } from '../../k8s/snapshot.js';
import type { Backend, WorkerLaunch } from '../backend.js';
import { workerPod, type WorkerPodSettings } from './worker-pod.js';

export interface KubernetesBackendOptions extends WorkerPodSettings {
  kube: Kube;
  log: Logger;
  /** Which coordinator of the run this is (0, or n after n take-overs): part of pod names. */
  epoch?: number;
  /** Overrides job.workers.startTimeoutSeconds (tests). */
  startTimeoutMs?: number;
  now?: () => number;
}

interface Tracked {
  name: string;
  reported: boolean;
  everRunning: boolean;
  state?: PodState;
}

const STOP_GRACE_MS = 15_000;

export class KubernetesBackend implements Backend {
  readonly name = 'kubernetes';
  private launch?: WorkerLaunch;
  private snapshot?: Snapshot;
  private readonly pods = new Map<string, Tracked>();
  private next = 0;
  private replacements = 0;
  private stopping = false;
  private startedAt = 0;
  private fatal = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: KubernetesBackendOptions) {}

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  async start(launch: WorkerLaunch): Promise<void> {
    this.launch = launch;
    this.startedAt = this.now;
    const labels = { [LABELS.job]: this.o.job.name, [LABELS.role]: 'worker', [LABELS.run]: launch.runId };
    this.snapshot = new Snapshot(this.o.kube, paths.pods(this.o.namespace), { labelSelector: selector(labels) });
    this.snapshot.on('change', () => this.observe());
    this.snapshot.on('error', (e) => this.o.log.warn({ err: String(e) }, 'worker pod watch failed; re-listing'));
    await this.snapshot.start();
    await Promise.all(Array.from({ length: launch.replicas }, () => this.createOne()));
    // Start timeouts are checked on a timer as well: a pod that never changes sends no event.
    this.timer = setInterval(() => this.observe(), 1000);
    this.timer.unref();
  }

  alive(): number {
    let n = 0;
    for (const t of this.pods.values()) if (!t.reported) n++;
    return n;
  }

  /** Every worker pod this backend created (for log archiving). */
  podNames(): string[] {
    return [...this.pods.keys()];
  }

  /** For the status: pods wanted now, and those running. */
  counts(): { desired: number; ready: number } {
    let desired = 0;
    let ready = 0;
    for (const t of this.pods.values()) {
      if (t.reported) continue;
      desired++;
      if (t.state?.kind === 'running') ready++;
    }
    return { desired, ready };
  }

  private async createOne(): Promise<void> {
    const l = this.launch!;
    const name = names.workerPod(this.o.job.name, l.runId, this.next++, this.o.epoch ?? 0);
    const pod = workerPod({ ...this.o, name, launch: l });
    this.pods.set(name, { name, reported: false, everRunning: false });
    try {
      await this.o.kube.ensure(paths.pods(this.o.namespace), pod);
      l.onSpawn?.(name);
    } catch (e) {
      this.pods.get(name)!.reported = true;
      this.o.log.error({ pod: name, err: (e as Error).message }, 'cannot create a worker pod');
      this.fail(`cannot create worker pod ${name}: ${(e as Error).message}`);
    }
  }

  private observe(): void {
    if (!this.launch || this.fatal) return;
    const seen = new Map<string, Obj>();
    for (const p of this.snapshot!.list()) seen.set(p.metadata.name, p);
    for (const t of this.pods.values()) {
      if (t.reported) continue;
      const pod = seen.get(t.name);
      if (!pod) {
        // Created but gone from the snapshot: deleted (by a user, an eviction) unless not listed yet.
        if (t.state) this.lost(t, 'the pod was deleted');
        continue;
      }
      const s = podState(pod);
      t.state = s;
      if (s.kind === 'running') t.everRunning = true;
      if (s.kind === 'exited') this.lost(t, describeState(t.name, s), s.code === 0);
    }
    this.checkStart();
  }

  private lost(t: Tracked, detail: string, clean = false): void {
    t.reported = true;
    const expected = this.stopping || clean;
    this.launch!.onExit(t.name, expected, detail);
    if (!expected && !this.stopping && this.replacements < (this.launch!.maxReplacements ?? this.launch!.replicas * 2)) {
      this.replacements++;
      this.o.log.warn({ pod: t.name, detail }, 'worker pod lost; starting a replacement');
      void this.createOne();
    }
  }

  /** No worker running long after launch: fail with what the pods say. */
  private checkStart(): void {
    const tracked = [...this.pods.values()];
    if (tracked.some((t) => t.everRunning) || this.stopping) return;
    const timeoutMs = this.o.startTimeoutMs ?? this.o.job.workers.startTimeoutSeconds * 1000;
    if (this.now - this.startedAt < timeoutMs) return;
    const reasons = tracked.filter((t) => t.state).map((t) => describeState(t.name, t.state!));
    this.fail(
      `no worker pod started within ${Math.round(timeoutMs / 1000)} s (spec.workers.startTimeoutSeconds): ${reasons.slice(0, 3).join('; ') || 'no pod status reported'}`,
    );
  }

  private fail(message: string): void {
    if (this.fatal) return;
    this.fatal = true;
    this.launch?.onFatal?.({ code: 'PODS_NOT_STARTING', message, retryable: false, hint: 'check the image, the pod resources and node selectors; `kubectl describe pod` shows more' });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    const deadline = this.now + STOP_GRACE_MS;
    // Workers are told to stop by the coordinator and exit 0; wait for that, then delete
    // whatever still runs or never started. Finished pods stay (their logs) until the job's TTL.
    while (this.now < deadline && [...this.pods.values()].some((t) => !t.reported && t.state?.kind === 'running')) {
      await new Promise((r) => setTimeout(r, 250));
      this.observe();
    }
    await Promise.all(
      [...this.pods.values()]
        .filter((t) => !t.reported)
        .map((t) => this.o.kube.delete(paths.pod(this.o.namespace, t.name)).catch((e) => this.o.log.warn({ pod: t.name, err: String(e) }, 'cannot delete worker pod'))),
    );
    this.snapshot?.stop();
  }
}
