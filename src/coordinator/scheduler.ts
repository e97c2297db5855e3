/**
 * The stage graph: map tasks (one per split), then reduce tasks (one per partition) once
 * every map task has succeeded. Hands out tasks, applies results and failures, and knows
 * when the job is done. Deterministic: the clock is injected, nothing here does I/O.
 */
import { EventEmitter } from 'node:events';
import { KindlingError, type SerializedError } from '../common/errors.js';
import type { PhysicalPlan } from '../plan/physical.js';
import { pad5, taskName, type MapResult, type Task, type TaskId, type TaskResult } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';
import { fail, initialTask, lose, start, succeed, type TaskState } from './task-state.js';

export type JobState = { kind: 'running' } | { kind: 'succeeded' } | { kind: 'failed'; error: SerializedError };

export interface StageStatus {
  id: number;
  kind: 'map' | 'reduce';
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  startedAt?: number;
  finishedAt?: number;
}

export class Scheduler extends EventEmitter {
  readonly plan: PhysicalPlan;
  readonly tasks: TaskState[][];
  job: JobState = { kind: 'running' };
  private readonly now: () => number;
  private readonly stageTimes: { startedAt?: number; finishedAt?: number }[];

  constructor(plan: PhysicalPlan, now: () => number = Date.now) {
    super();
    this.plan = plan;
    this.now = now;
    this.tasks = plan.stages.map((s) => Array.from({ length: s.tasks }, initialTask));
    this.stageTimes = plan.stages.map(() => ({}));
    this.setMaxListeners(0); // one listener per long-polling worker
  }

  /** The stage whose tasks can run now: the first not fully succeeded. */
  currentStage(): number {
    const i = this.tasks.findIndex((ts) => ts.some((t) => t.kind !== 'succeeded'));
    return i < 0 ? this.tasks.length : i;
  }

  /** The next pending task of the runnable stage, marked running on `worker`. */
  assign(worker: string): Task | undefined {
    if (this.job.kind !== 'running') return undefined;
    const stage = this.currentStage();
    if (stage >= this.tasks.length) return undefined;
    const ts = this.tasks[stage];
    const now = this.now();
    const p = ts.findIndex((t) => t.kind === 'pending' && (t.notBefore ?? 0) <= now);
    if (p < 0) return undefined;
    this.stageTimes[stage].startedAt ??= now;
    ts[p] = start(ts[p], worker, now);
    return this.build(stage, p, ts[p].attempt);
  }

  private build(stage: number, partition: number, attempt: number): Task {
    const plan = this.plan;
    const { endpoint, region, forcePathStyle } = plan.job.storage;
    const id = { stage, partition, attempt, storage: { endpoint, region, forcePathStyle } };
    if (plan.stages[stage].kind === 'map') {
      const store = storeFor(plan.shuffleUri);
      return {
        kind: 'map', ...id, runId: plan.runId, split: plan.splits[partition], query: plan.query,
        partitions: plan.job.shuffle.partitions,
        shuffleBase: store.join(plan.shuffleUri, `stage-${stage}`, `map-${pad5(partition)}-a${attempt}`),
      };
    }
    const maps = this.tasks[stage - 1].map((t) => (t as Extract<TaskState, { kind: 'succeeded' }>).result as MapResult);
    const out = storeFor(plan.stagingUri);
    return {
      kind: 'reduce', ...id, runId: plan.runId, query: plan.query, compression: plan.job.output.compression,
      inputs: maps.map((m) => ({ uri: m.dataUri, start: m.offsets[partition], end: m.offsets[partition + 1] })),
      outputUri: out.join(plan.stagingUri, plan.query.table, `part-${pad5(partition)}-a${attempt}.parquet`),
    };
  }

  complete(id: TaskId, result: TaskResult): void {
    const ts = this.tasks[id.stage];
    if (!ts || this.job.kind !== 'running') return;
    const before = ts[id.partition];
    ts[id.partition] = succeed(before, id.attempt, result, this.now());
    if (ts[id.partition] === before) return; // stale or duplicate
    if (ts.every((t) => t.kind === 'succeeded')) {
      this.stageTimes[id.stage].finishedAt = this.now();
      if (this.plan.stages[id.stage].kind === 'map') this.checkSplitsMeet();
      if (this.currentStage() >= this.tasks.length && this.job.kind === 'running') this.job = { kind: 'succeeded' };
    }
    this.emit('change');
  }

  failed(id: TaskId, error: SerializedError): void {
    const ts = this.tasks[id.stage];
    if (!ts || this.job.kind !== 'running') return;
    ts[id.partition] = fail(ts[id.partition], id.attempt, error, this.plan.job.maxTaskAttempts, this.now());
    this.afterFailure(id.stage, id.partition);
  }

  workerLost(worker: string): void {
    this.tasks.forEach((ts, stage) =>
      ts.forEach((t, p) => {
        ts[p] = lose(t, worker, this.plan.job.maxTaskAttempts, this.now());
        if (t !== ts[p]) this.afterFailure(stage, p);
      }),
    );
  }

  /** Fails the whole job (e.g. no workers left). */
  abort(error: SerializedError): void {
    if (this.job.kind !== 'running') return;
    this.job = { kind: 'failed', error };
    this.emit('change');
  }

  private afterFailure(stage: number, p: number): void {
    const t = this.tasks[stage][p];
    // Wake waiting workers when a backed-off retry becomes due.
    if (t.kind === 'pending' && t.notBefore !== undefined) setTimeout(() => this.emit('change'), Math.max(0, t.notBefore - this.now())).unref();
    if (t.kind === 'failed') {
      const name = taskName(this.plan.runId, { stage, partition: p, attempt: t.attempt });
      const where = this.plan.stages[stage].kind === 'map' ? ` on split ${describeSplit(this.plan, p)}` : ` on partition ${p}`;
      this.abort({ ...t.error, message: `task ${name} failed after ${t.attempt + 1} attempt(s)${where}: ${t.error.message}` });
    }
    this.emit('change');
  }

  /** Neighbouring splits of a file must meet exactly: no record lost or read twice. */
  private checkSplitsMeet(): void {
    const { splits } = this.plan;
    const res = this.tasks[0].map((t) => (t as Extract<TaskState, { kind: 'succeeded' }>).result as MapResult);
    for (let i = 1; i < splits.length; i++) {
      if (splits[i].uri !== splits[i - 1].uri) continue;
      if (res[i - 1].endOffset !== res[i].firstRecordOffset && res[i].records + res[i - 1].records > 0) {
        const e = new KindlingError('INPUT_BAD_RECORD', `splits of ${splits[i].uri} do not meet: one ends at byte ${res[i - 1].endOffset}, the next starts at ${res[i].firstRecordOffset} (an ambiguous quoted field near a split boundary)`, {
          place: { file: splits[i].uri, offset: splits[i].start },
          hint: 'set spec.input.splitSize larger than the file so it is read as one split',
        });
        this.abort(e.toJSON());
        return;
      }
    }
  }

  status(): StageStatus[] {
    return this.tasks.map((ts, id) => {
      const c = { pending: 0, running: 0, succeeded: 0, failed: 0 };
      for (const t of ts) c[t.kind]++;
      return { id, kind: this.plan.stages[id].kind, total: ts.length, ...c, ...this.stageTimes[id] };
    });
  }

  /** Tasks of every stage not yet succeeded (later stages count before they are runnable). */
  remaining(): number {
    let n = 0;
    for (const ts of this.tasks) for (const t of ts) if (t.kind !== 'succeeded') n++;
    return n;
  }

  results(stage: number): TaskResult[] {
    return this.tasks[stage].map((t) => (t as Extract<TaskState, { kind: 'succeeded' }>).result);
  }
}

export function describeSplit(plan: PhysicalPlan, p: number): string {
  const s = plan.splits[p];
  return s.gzip ? `${s.uri} (whole gzip file)` : `${s.uri} bytes ${s.start}-${s.end}`;
}
