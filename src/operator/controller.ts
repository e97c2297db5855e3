/**
 * The KindlingJob controller: snapshots of jobs and coordinator pods feed a queue of job
 * keys; each key is reconciled alone (observe -> decide -> act), requeued after errors with
 * backoff, when a decision asks for it (timeouts, TTLs), and on a periodic resync.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../common/logger.js';
import type { Kube, Obj } from '../k8s/client.js';
import { timestamp } from '../k8s/job-status.js';
import { LABELS, paths, selector } from '../k8s/names.js';
import { Snapshot } from '../k8s/snapshot.js';
import type { OperatorConfig } from './config.js';
import { decide, type Action } from './decide.js';
import { coordinatorAccount, coordinatorNetworkPolicy, coordinatorPod, coordinatorService, ownerOf, tokenSecret } from './resources.js';

export class Controller {
  private readonly jobs: Snapshot[];
  private readonly pods: Snapshot[];
  private readonly queue = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private readonly accessReady = new Set<string>();
  private running = false;
  private wake?: () => void;
  private stopped = false;
  private resync?: NodeJS.Timeout;

  constructor(
    private readonly kube: Kube,
    private readonly cfg: OperatorConfig,
    private readonly log: Logger,
  ) {
    const scopes = cfg.namespaces.length ? cfg.namespaces : [undefined];
    this.jobs = scopes.map((ns) => new Snapshot(kube, paths.jobs(ns)));
    this.pods = scopes.map((ns) => new Snapshot(kube, paths.pods(ns), { labelSelector: selector({ [LABELS.role]: 'coordinator' }) }));
  }

  async start(): Promise<void> {
    for (const s of this.jobs) s.on('change', (o?: Obj) => (o ? this.enqueue(Snapshot.key(o)) : this.enqueueAll()));
    for (const s of this.pods) s.on('change', (o?: Obj) => (o ? this.enqueue(`${o.metadata.namespace}/${o.metadata.labels?.[LABELS.job]}`) : this.enqueueAll()));
    for (const s of [...this.jobs, ...this.pods]) s.on('error', (e) => this.log.warn({ err: String(e) }, 'watch failed; re-listing'));
    await Promise.all([...this.jobs, ...this.pods].map((s) => s.start()));
    this.log.info({ namespaces: this.cfg.namespaces.length ? this.cfg.namespaces : 'all', jobs: this.jobList().length }, 'watching KindlingJobs');
    this.enqueueAll();
    this.resync = setInterval(() => this.enqueueAll(), this.cfg.resyncMs);
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.resync);
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of [...this.jobs, ...this.pods]) s.stop();
    this.wake?.();
  }

  private jobList(): Obj[] {
    return this.jobs.flatMap((s) => s.list());
  }

  private enqueueAll(): void {
    for (const j of this.jobList()) this.enqueue(Snapshot.key(j));
  }

  enqueue(key: string, afterMs = 0): void {
    if (afterMs > 0) {
      clearTimeout(this.timers.get(key));
      this.timers.set(key, setTimeout(() => {
        this.timers.delete(key);
        this.enqueue(key);
      }, afterMs));
      return;
    }
    this.queue.add(key);
    this.wake?.();
  }

  private async loop(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (!this.stopped) {
      const key = this.queue.values().next().value as string | undefined;
      if (key === undefined) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      this.queue.delete(key);
      try {
        await this.reconcile(key);
        this.failures.delete(key);
      } catch (e) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const ms = Math.min(500 * 2 ** (n - 1), 30_000);
        const message = e instanceof Error ? e.message : String(e);
        this.log.warn({ job: key, err: message, retryInMs: ms }, 'reconcile failed; will retry');
        // The namespace's ServiceAccount or RoleBinding may have been removed: check them again.
        this.accessReady.delete(key.split('/')[0]!);
        // Say it where the user looks (kubectl describe), not only in the operator's log.
        if (n === 3 || n % 20 === 0) await this.reportFailure(key, message, n).catch(() => undefined);
        this.enqueue(key, ms);
      }
    }
    this.running = false;
  }

  /** observe -> decide -> act for one job. */
  async reconcile(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    // The job is read fresh: deciding from a stale copy could restart a coordinator that has
    // just reported success.
    const job = await this.kube.get<Obj>(paths.job(ns, name));
    if (!job) return;
    // So are its coordinator pods (the snapshot only triggers reconciles): a pod created a
    // moment ago must not look "disappeared" and be created twice.
    const pods = (await this.kube.list<Obj>(paths.pods(ns), { labelSelector: selector({ [LABELS.job]: name, [LABELS.role]: 'coordinator' }) })).items;
    const actions = decide({ job, pods, now: Date.now(), networkPolicy: this.cfg.networkPolicy });
    for (const a of actions) await this.act(job, a, key);
  }

  private async act(job: Obj, a: Action, key: string): Promise<void> {
    const ns = job.metadata.namespace as string;
    switch (a.kind) {
      case 'ensureAccess': {
        if (this.accessReady.has(ns)) return;
        const { serviceAccount, roleBinding } = coordinatorAccount(ns, this.cfg);
        await this.kube.ensure(paths.serviceAccounts(ns), serviceAccount);
        await this.kube.ensure(paths.roleBindings(ns), roleBinding);
        this.accessReady.add(ns);
        return;
      }
      case 'ensureToken':
        await this.kube.ensure(paths.secrets(ns), tokenSecret(job));
        return;
      case 'ensureService':
        await this.kube.ensure(paths.services(ns), coordinatorService(job));
        return;
      case 'ensureNetworkPolicy':
        await this.kube.ensure(paths.networkPolicies(ns), coordinatorNetworkPolicy(job));
        return;
      case 'createCoordinator': {
        const pod = coordinatorPod(job, a.spec, a.attempt, this.cfg);
        const { created } = await this.kube.ensure(paths.pods(ns), pod);
        if (created) this.log.info({ job: key, pod: pod.metadata.name }, 'created coordinator pod');
        return;
      }
      case 'deletePods': {
        const pods = await this.kube.list<Obj>(paths.pods(ns), { labelSelector: selector({ [LABELS.job]: job.metadata.name }) });
        for (const p of pods.items) await this.kube.delete(paths.pod(ns, p.metadata.name));
        this.log.info({ job: key, pods: pods.items.length, why: a.why }, 'deleted the job\'s pods');
        return;
      }
      case 'status':
        await this.kube.mergePatch(paths.jobStatus(ns, job.metadata.name), { status: a.status });
        return;
      case 'event':
        await this.event(job, a).catch((e) => this.log.warn({ err: String(e) }, 'cannot record an event'));
        return;
      case 'requeueAfter':
        this.enqueue(key, a.ms);
        return;
    }
  }

  private async reportFailure(key: string, message: string, attempts: number): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const job = await this.kube.get<Obj>(paths.job(ns, name));
    if (job) await this.event(job, { kind: 'event', type: 'Warning', reason: 'ReconcileFailed', message: `the operator failed ${attempts} times and keeps retrying: ${message}` });
  }

  private async event(job: Obj, a: Extract<Action, { kind: 'event' }>): Promise<void> {
    const ns = job.metadata.namespace as string;
    const now = timestamp();
    this.log[a.type === 'Warning' ? 'warn' : 'info']({ job: `${ns}/${job.metadata.name}`, reason: a.reason }, a.message);
    await this.kube.create(paths.events(ns), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${job.metadata.name}.${randomBytes(6).toString('hex')}`, namespace: ns },
      involvedObject: { ...ownerOf(job), namespace: ns, resourceVersion: job.metadata.resourceVersion },
      type: a.type,
      reason: a.reason,
      message: a.message,
      source: { component: 'kindling-operator' },
      reportingComponent: 'kindling.dev/operator',
      reportingInstance: this.cfg.lease.identity,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }
}

