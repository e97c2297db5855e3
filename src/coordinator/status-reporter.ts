/**
 * The coordinator's half of the KindlingJob status: task progress per stage, workers, the
 * output when committed, the failure when not. Progress patches are throttled (at most one
 * per second, only when something changed); the terminal patch is always written, retried.
 */
import { KindlingError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Kube } from '../k8s/client.js';
import { conditionsFor, progressText, timestamp, type Condition, type JobStatus, type Phase, type StageTasks } from '../k8s/job-status.js';
import { paths } from '../k8s/names.js';
import { SUCCESS, type Manifest } from './commit.js';
import type { Progress } from './run-job.js';

const THROTTLE_MS = 1000;

export class StatusReporter {
  private conditions: Condition[];
  private last = '';
  private lastAt = 0;
  private pending?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  /** The latest task counts, for the final patch (progress patches may be throttled away). */
  private tasks?: StageTasks[];
  private latest?: Progress;

  constructor(
    private readonly kube: Kube,
    private readonly ns: string,
    private readonly name: string,
    private readonly log: Logger,
    previous: JobStatus = {},
    private readonly workers: () => { desired: number; ready: number } = () => ({ desired: 0, ready: 0 }),
  ) {
    this.conditions = previous.conditions ?? [];
  }

  private write(status: JobStatus): Promise<void> {
    const next = this.chain.then(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.kube.mergePatch(paths.jobStatus(this.ns, this.name), { status });
          return;
        } catch (e) {
          if (attempt >= 4 || !(e instanceof KindlingError && e.retryable)) throw e;
          await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        }
      }
    });
    this.chain = next.catch((e) => this.log.warn({ err: String(e) }, 'cannot update the job status'));
    return next;
  }

  private phase(phase: Phase, reason: string, message: string): Pick<JobStatus, 'phase' | 'conditions'> {
    this.conditions = conditionsFor(phase, reason, message, this.conditions);
    return { phase, conditions: this.conditions };
  }

  running(runId: string, pod: string, attempts: number, url: string, logs: string): Promise<void> {
    return this.write({ ...this.phase('Running', 'CoordinatorRunning', `coordinator ${pod} runs ${runId}`), runId, logs, coordinator: { pod, attempts, url } });
  }

  /** Called often; writes at most once a second, and only changes. */
  progress(p: Progress): void {
    this.latest = p;
    const tasks: StageTasks[] = p.stages.map((s) => ({ stage: s.kind === 'sql' ? `stage ${s.id}` : s.kind, total: s.total, pending: s.pending, running: s.running, succeeded: s.succeeded, failed: s.failed }));
    this.tasks = tasks;
    const w = this.workers();
    const status: JobStatus = { progress: progressText(tasks), tasks, workers: { ...w, summary: `${w.ready}/${w.desired}` } };
    const text = JSON.stringify(status);
    if (text === this.last) return;
    const wait = this.lastAt + THROTTLE_MS - Date.now();
    if (wait > 0) {
      this.pending ??= setTimeout(() => {
        this.pending = undefined;
        if (this.latest) this.progress(this.latest);
      }, wait);
      return;
    }
    this.last = text;
    this.lastAt = Date.now();
    void this.write(status).catch(() => undefined);
  }

  private final(): JobStatus {
    return { workers: { desired: 0, ready: 0, summary: '0/0' }, ...(this.tasks ? { tasks: this.tasks, progress: progressText(this.tasks) } : {}) };
  }

  async succeeded(m: Manifest, outputUri: string): Promise<void> {
    clearTimeout(this.pending);
    const files = Object.values(m.tables).reduce((a, t) => a + t.files.length, 0);
    const rows = m.counters.outputRows;
    await this.write({
      ...this.phase('Succeeded', 'Committed', `${rows} rows committed to ${outputUri}`),
      completionTime: timestamp(),
      ...this.final(),
      output: { uri: outputUri, manifest: `${outputUri.replace(/\/$/, '')}/${SUCCESS}`, rows, files, inputRecords: m.counters.inputRows, rejectedRows: m.counters.rejectedRows },
      failure: null as never,
    });
  }

  async failed(e: unknown): Promise<void> {
    clearTimeout(this.pending);
    const err = e instanceof KindlingError ? e : new KindlingError('INTERNAL', (e as Error)?.message ?? String(e));
    const message = err.describe();
    const task = /^task (\S+) failed/.exec(err.message)?.[1];
    await this.write({
      ...this.phase('Failed', reasonOf(err.code), message),
      completionTime: timestamp(),
      ...this.final(),
      failure: { reason: reasonOf(err.code), message, ...(task ? { task } : {}) },
    });
  }
}

/** SPEC_INVALID -> SpecInvalid: Kubernetes reasons are CamelCase. */
export function reasonOf(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
