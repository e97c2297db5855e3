/**
 * The stage graph: a DAG of stages of any depth. A stage's tasks run once every stage it reads
 * has succeeded (a built-in analysis: map tasks, one per split, then reduce tasks, one per
 * partition; a SQL job: the stages of engine/sql-plan.ts, independent ones side by side).
 * Hands out tasks, applies results and failures, and knows when the job is done.
 * Deterministic: the clock is injected, nothing here does I/O.
 */
import { EventEmitter } from 'node:events';
import { KindlingError, type SerializedError } from '../common/errors.js';
import type { PhysicalPlan } from '../plan/physical.js';
import { buildStageTask, isSqlPlan, stageAttemptFile, type SqlPhysicalPlan } from '../engine/sql-plan.js';
import { pad5, taskName, type MapResult, type StageResult, type Task, type TaskId, type TaskResult } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';
import { fail, initialTask, invalidate, lose, runningAttempt, speculate, start, succeed, type Running, type TaskState } from './task-state.js';
import { badRecordPolicy } from '../plan/bad-records.js';

type Succeeded = Extract<TaskState, { kind: 'succeeded' }>;

/**
 * Speculative execution (spec.speculation, default on): when a worker finds nothing pending,
 * it gets a second copy of the current stage's worst straggler: a task running alone for
 * longer than SPECULATION_FACTOR x the median time of the stage's finished tasks, and at least
 * SPECULATION_MIN_MS, once at least half of the stage has finished. The first copy to finish
 * wins; the other is cancelled and its output deleted.
 */
export const SPECULATION_FACTOR = 1.5;
export const SPECULATION_MIN_MS = 1000;

export type JobState = { kind: 'running' } | { kind: 'succeeded' } | { kind: 'failed'; error: SerializedError };

/** A plan the scheduler runs: a built-in analysis's two stages, or a SQL job's DAG. */
export type RunPlan = PhysicalPlan | SqlPhysicalPlan;

export interface StageStatus {
  id: number;
  /** map, reduce, or sql. */
  kind: string;
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  startedAt?: number;
  finishedAt?: number;
}

export class Scheduler extends EventEmitter {
  readonly plan: RunPlan;
  readonly tasks: TaskState[][];
  job: JobState = { kind: 'running' };
  private readonly now: () => number;
  private readonly stageTimes: { startedAt?: number; finishedAt?: number }[];

  /**
   * epoch: which coordinator runs this plan (0 the first; n after n take-overs from the
   * journal). Attempt files of a later epoch carry it in their names, so a straggler of a dead
   * coordinator never overwrites them.
   */
  readonly epoch: number;

  constructor(plan: RunPlan, now: () => number = Date.now, epoch = 0) {
    super();
    this.plan = plan;
    this.now = now;
    this.epoch = epoch;
    this.tasks = plan.stages.map((s) => Array.from({ length: s.tasks }, initialTask));
    this.stageTimes = plan.stages.map(() => ({}));
    this.setMaxListeners(0); // one listener per long-polling worker
  }

  /** The first stage not fully succeeded (tasks.length when all are). */
  currentStage(): number {
    const i = this.tasks.findIndex((ts) => !done(ts));
    return i < 0 ? this.tasks.length : i;
  }

  /** The stages a stage reads. */
  inputsOf(stage: number): number[] {
    return isSqlPlan(this.plan) ? this.plan.stages[stage].inputs : stage > 0 ? [stage - 1] : [];
  }

  /** Can the stage's tasks run: it is not done and every stage it reads is. */
  runnable(stage: number): boolean {
    return !done(this.tasks[stage]) && this.inputsOf(stage).every((s) => done(this.tasks[s]));
  }

  private allDone(): boolean {
    return this.tasks.every(done);
  }

  /** The next pending task of a runnable stage (lowest stage first), marked running on `worker`. */
  assign(worker: string): Task | undefined {
    if (this.job.kind !== 'running') return undefined;
    const now = this.now();
    const runnable = this.tasks.map((_, s) => s).filter((s) => this.runnable(s));
    for (const stage of runnable) {
      const ts = this.tasks[stage];
      const p = ts.findIndex((t) => t.kind === 'pending' && (t.notBefore ?? 0) <= now);
      if (p < 0) continue;
      this.stageTimes[stage].startedAt ??= now;
      ts[p] = start(ts[p], worker, now);
      return this.build(stage, p, (ts[p] as Running).attempts[0].attempt);
    }
    for (const stage of runnable) {
      const t = this.speculate(stage, worker, now);
      if (t) return t;
    }
    return undefined;
  }

  /** A speculative copy of the stage's worst straggler for this idle worker, if one is due. */
  private speculate(stage: number, worker: string, now: number): Task | undefined {
    if (this.plan.job.speculation === false) return undefined;
    const ts = this.tasks[stage];
    const done = ts.flatMap((t) => (t.kind === 'succeeded' ? [t.ms] : [])).sort((a, b) => a - b);
    if (done.length === 0 || done.length * 2 < ts.length) return undefined;
    const median = done.length % 2 ? done[(done.length - 1) / 2] : (done[done.length / 2 - 1] + done[done.length / 2]) / 2;
    const thresholdMs = Math.max(SPECULATION_FACTOR * median, SPECULATION_MIN_MS);
    let best = -1;
    let due = Infinity;
    ts.forEach((t, p) => {
      if (t.kind !== 'running' || t.attempts.length !== 1 || t.attempts[0].worker === worker) return;
      const at = t.attempts[0].startedAt + thresholdMs;
      if (at > now) due = Math.min(due, at);
      else if (best < 0 || t.attempts[0].startedAt < (ts[best] as Running).attempts[0].startedAt) best = p;
    });
    if (best < 0) {
      if (due < Infinity) this.wakeAt(due); // let waiting workers look again when a straggler becomes due
      return undefined;
    }
    const original = (ts[best] as Running).attempts[0];
    ts[best] = speculate(ts[best], worker, now);
    const copy = (ts[best] as Running).attempts[1];
    this.emit('speculated', { stage, partition: best, attempt: copy.attempt }, { original: original.attempt, worker: original.worker, runningMs: now - original.startedAt, thresholdMs, medianMs: median });
    return this.build(stage, best, copy.attempt);
  }

  private wake?: { at: number; timer: NodeJS.Timeout };

  private wakeAt(at: number): void {
    if (this.wake && this.wake.at <= at) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(() => {
      this.wake = undefined;
      this.emit('change');
    }, Math.max(0, at - this.now()) + 5);
    timer.unref();
    this.wake = { at, timer };
  }

  /** Is this attempt still wanted (running, in a running job)? Workers cancel the others. */
  wanted(id: TaskId): boolean {
    const t = this.tasks[id.stage]?.[id.partition];
    return this.job.kind === 'running' && t !== undefined && runningAttempt(t, id.attempt) !== undefined;
  }

  private build(stage: number, partition: number, attempt: number): Task {
    const plan = this.plan;
    const { endpoint, region, forcePathStyle } = plan.job.storage;
    const storage = { endpoint, region, forcePathStyle };
    if (isSqlPlan(plan)) {
      const upstream = (s: number) => (this.tasks[s] as Succeeded[]).map((t) => ({ attempt: t.attempt, result: t.result as StageResult }));
      return buildStageTask(plan, { stage, partition, attempt }, storage, this.epochTag(), upstream);
    }
    const id = { stage, partition, attempt, storage };
    if (plan.stages[stage].kind === 'map') {
      return {
        kind: 'map', ...id, runId: plan.runId, split: plan.splits[partition], query: plan.query,
        partitions: plan.job.shuffle.partitions,
        shuffleBase: this.shuffleBase(stage, partition, attempt),
        badRecords: badRecordPolicy(plan, partition, `-a${attempt}${this.epochTag()}`),
      };
    }
    const maps = this.tasks[stage - 1] as Succeeded[];
    return {
      kind: 'reduce', ...id, runId: plan.runId, query: plan.query, compression: plan.job.output.compression,
      inputs: maps.map((t, map) => {
        const m = t.result as MapResult;
        return { map, attempt: t.attempt, uri: m.dataUri, start: m.offsets[partition], end: m.offsets[partition + 1] };
      }),
      outputUri: this.partUri(partition, attempt),
    };
  }

  private shuffleBase(stage: number, partition: number, attempt: number): string {
    return storeFor(this.plan.shuffleUri).join(this.plan.shuffleUri, `stage-${stage}`, `map-${pad5(partition)}-a${attempt}${this.epochTag()}`);
  }

  private partUri(partition: number, attempt: number): string {
    const plan = this.plan as PhysicalPlan;
    return storeFor(plan.stagingUri).join(plan.stagingUri, plan.query.table, `part-${pad5(partition)}-a${attempt}${this.epochTag()}.parquet`);
  }

  /** The files an attempt writes (by name: never what a report claims). */
  attemptFiles(id: TaskId): string[] {
    if (isSqlPlan(this.plan)) return [stageAttemptFile(this.plan, id, this.epochTag())];
    if (this.plan.stages[id.stage]?.kind !== 'map') return [this.partUri(id.partition, id.attempt)];
    const base = this.shuffleBase(id.stage, id.partition, id.attempt);
    return [`${base}.data`, `${base}.index.json`];
  }

  private epochTag(): string {
    return this.epoch > 0 ? `-e${this.epoch}` : '';
  }

  /** A task that succeeded under an earlier coordinator (from the journal): not run again. */
  restore(id: TaskId, result: TaskResult): void {
    const ts = this.tasks[id.stage];
    if (!ts || ts[id.partition]?.kind === 'succeeded') return;
    ts[id.partition] = { kind: 'succeeded', attempt: id.attempt, result, ms: 0 };
    if (!done(ts)) return;
    if (this.plan.stages[id.stage].kind === 'map') this.checkSplitsMeet();
    if (this.allDone() && this.job.kind === 'running') this.job = { kind: 'succeeded' };
  }

  complete(id: TaskId, result: TaskResult): void {
    const ts = this.tasks[id.stage];
    const before = ts?.[id.partition];
    if (!before) return;
    if (this.job.kind === 'running') ts[id.partition] = succeed(before, id.attempt, result, this.now());
    if (ts[id.partition] === before) {
      // Stale (a lost or superseded attempt, or the job is over) or a duplicate of the winner:
      // ignored. Files of an attempt that did not win are used by nobody: 'discarded' lets them go.
      if (!(before.kind === 'succeeded' && before.attempt === id.attempt) && id.attempt < nextAttempt(before)) this.emit('discarded', id, this.attemptFiles(id));
      return;
    }
    if (before.kind === 'running' && before.attempts.length > 1) this.emit('superseded', id, before.attempts.filter((a) => a.attempt !== id.attempt));
    this.emit('completed', id, result);
    if (done(ts)) {
      this.stageTimes[id.stage].finishedAt = this.now();
      if (this.plan.stages[id.stage].kind === 'map') this.checkSplitsMeet();
      if (this.allDone() && this.job.kind === 'running') this.job = { kind: 'succeeded' };
    }
    this.emit('change');
  }

  failed(id: TaskId, error: SerializedError): void {
    const ts = this.tasks[id.stage];
    if (!ts || this.job.kind !== 'running') return;
    const before = ts[id.partition];
    // A task that found upstream outputs gone: the tasks that wrote them run again first (this
    // stage waits for theirs), then this task, at once; the failure counts as one attempt of it.
    const lost = id.stage > 0 && error.code === 'SHUFFLE_FETCH' && error.lost?.length ? error.lost : undefined;
    ts[id.partition] = fail(before, id.attempt, error, this.plan.job.maxTaskAttempts, this.now(), !lost);
    if (lost && ts[id.partition] !== before) this.rerunLost(id.stage, lost);
    this.afterFailure(id.stage, id.partition);
  }

  /** Upstream tasks whose output is gone go back to pending (unless already rerun). */
  private rerunLost(reader: number, lost: NonNullable<SerializedError['lost']>): void {
    for (const l of lost) {
      const stage = l.stage ?? reader - 1;
      const ts = this.tasks[stage];
      if (!ts || !this.inputsOf(reader).includes(stage)) continue;
      const t = ts[l.map];
      if (t?.kind !== 'succeeded' || outputUri(t.result) !== l.uri) continue; // rerun already
      const error: SerializedError = { code: 'SHUFFLE_FETCH', message: `its shuffle output ${l.uri} is gone`, retryable: true };
      ts[l.map] = invalidate(t, error, this.plan.job.maxTaskAttempts);
      this.emit('rerun', { stage, partition: l.map, attempt: t.attempt }, error);
      this.afterFailure(stage, l.map);
    }
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
      const where = this.where(stage, p);
      this.abort({ ...t.error, message: `task ${name} failed after ${t.attempt + 1} attempt(s)${where}: ${t.error.message}` });
    }
    this.emit('change');
  }

  /**
   * Neighbouring splits of a file must meet exactly: no record lost or read twice. Where they do
   * not (a split chose its first record wrongly, e.g. near an ambiguous quoted field or a stray
   * quote), the later split runs again from the record boundary where the earlier one stopped.
   * That is right once the earlier split is, and a file's first split starts at its first byte,
   * so the reruns (each a new attempt that does not count against maxTaskAttempts) converge.
   */
  private where(stage: number, p: number): string {
    const plan = this.plan;
    if (!isSqlPlan(plan)) return plan.stages[stage].kind === 'map' ? ` on split ${describeSplit(plan, p)}` : ` on partition ${p}`;
    const split = plan.stages[stage].splits?.[p];
    return split ? ` (stage ${stage}) on ${split.gzip ? `${split.uri} (whole gzip file)` : `${split.uri} bytes ${split.start}-${split.end}`}` : ` (stage ${stage}) on partition ${p}`;
  }

  private checkSplitsMeet(): void {
    if (isSqlPlan(this.plan)) return;
    const { splits } = this.plan;
    const ts = this.tasks[0];
    const res = ts.map((t) => (t as Succeeded).result as MapResult);
    const rerun: number[] = [];
    for (let i = 1; i < splits.length; i++) {
      if (splits[i].uri !== splits[i - 1].uri || res[i - 1].endOffset === res[i].firstRecordOffset) continue;
      if (splits[i].firstRecordOffset === res[i - 1].endOffset) {
        // Started where its neighbour ended and still does not meet: cannot happen; never loop.
        const e = new KindlingError('INPUT_BAD_RECORD', `splits of ${splits[i].uri} do not meet: one ends at byte ${res[i - 1].endOffset}, the next starts at ${res[i].firstRecordOffset}`, {
          place: { file: splits[i].uri, offset: splits[i].start },
          hint: 'set spec.input.splitSize larger than the file so it is read as one split',
        });
        this.abort(e.toJSON());
        return;
      }
      if (rerun[rerun.length - 1] !== i - 1) rerun.push(i); // a split after one that reruns waits for it
    }
    for (const i of rerun) {
      const t = ts[i] as Succeeded;
      const from = res[i - 1].endOffset;
      this.emit('resplit', { stage: 0, partition: i, attempt: t.attempt }, { chose: res[i].firstRecordOffset, from });
      this.emit('discarded', { stage: 0, partition: i, attempt: t.attempt }, this.attemptFiles({ stage: 0, partition: i, attempt: t.attempt }));
      this.plan.splits[i] = { ...splits[i], firstRecordOffset: from };
      ts[i] = { kind: 'pending', attempt: t.next ?? t.attempt + 1 };
    }
    if (rerun.length > 0) this.stageTimes[0].finishedAt = undefined;
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

const done = (ts: TaskState[]) => ts.every((t) => t.kind === 'succeeded');

/** The output file of a task's result (a map task's shuffle data, a SQL stage task's file). */
const outputUri = (r: TaskResult) => (r.kind === 'map' ? r.dataUri : r.uri);

/** The number the task's next attempt would get: every attempt below it has been started. */
function nextAttempt(t: TaskState): number {
  if (t.kind === 'pending') return t.attempt;
  if (t.kind === 'running') return t.next;
  if (t.kind === 'succeeded') return t.next ?? t.attempt + 1;
  return t.attempt + 1;
}

export function describeSplit(plan: PhysicalPlan, p: number): string {
  const s = plan.splits[p];
  return s.gzip ? `${s.uri} (whole gzip file)` : `${s.uri} bytes ${s.start}-${s.end}`;
}
