/**
 * Runs one job: plan -> coordinator API -> workers (through a backend) -> stages -> commit.
 * The same code serves the embedded mode and (with another backend) the cluster.
 */
import { randomBytes } from 'node:crypto';
import { fromSerialized } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Backend } from '../backends/backend.js';
import type { PhysicalPlan } from '../plan/physical.js';
import type { MapResult, ReduceResult, StageResult, TaskId, TaskResult } from '../plan/tasks.js';
import { isSqlPlan, type SqlPhysicalPlan } from '../engine/sql-plan.js';
import { commitSql } from './commit-sql.js';
import { checkOutput, cleanup, commit, committedManifest, type Manifest } from './commit.js';
import { Journal, type JournalEntry } from './journal.js';
import { Scheduler, describeSplit, type RunPlan, type StageStatus } from './scheduler.js';
import { handleAttemptEvents } from './attempts.js';
import { CoordinatorServer } from './server.js';
import { checkBadRecordLimit, tableBadRecordLimit } from '../plan/bad-records.js';

export interface Progress {
  stages: StageStatus[];
  /** Input records parsed so far (finished map tasks). */
  records: number;
  bytesDone: number;
  bytesTotal: number;
  elapsedMs: number;
}

export interface RunOptions {
  backend: Backend;
  log: Logger;
  workerEnv?: Record<string, string>;
  onProgress?: (p: Progress) => void;
  keepShuffle?: boolean;
  /** How long a worker may stay silent before its tasks are rerun elsewhere. */
  workerTimeoutMs?: number;
  /** Aborting fails the job (INTERRUPTED): workers stop, nothing is committed, staging is removed. */
  signal?: AbortSignal;
  /** The job token workers must present (default: a fresh random one). */
  token?: string;
  /** Where the worker API listens (default 127.0.0.1, any port) and the host workers use to reach it. */
  listen?: { host: string; port: number; advertise?: string };
  /** Take over a run whose coordinator died: its journal (the plan must be the journal's). */
  resume?: { entries: JournalEntry[]; epoch: number };
}

export async function runJob(plan: RunPlan, o: RunOptions): Promise<Manifest> {
  const startedAt = Date.now();
  if (o.resume) {
    // The dead coordinator may have committed already: then that is the result.
    const done = await committedManifest(plan);
    if (done) {
      o.log.info({ runId: plan.runId }, 'the run was already committed; nothing to resume');
      await cleanup(plan, o.keepShuffle).catch(() => undefined);
      return done;
    }
  } else await checkOutput(plan);
  const epoch = o.resume?.epoch ?? 0;
  const scheduler = new Scheduler(plan, Date.now, epoch);
  for (const e of o.resume?.entries ?? []) scheduler.restore(e, e.result);
  if (o.resume) o.log.info({ runId: plan.runId, epoch, restored: o.resume.entries.length }, 'resuming the run from its journal');
  const journal = new Journal(plan, o.log);
  await journal.start(epoch);
  scheduler.on('completed', (id: TaskId, result: TaskResult) => journal.record(id, result));
  handleAttemptEvents(scheduler, o.log);
  // Bad records over spec.input.maxBadRecords fail the job as soon as the map results show it.
  scheduler.on('completed', (id: TaskId) => {
    if (scheduler.job.kind !== 'running') return;
    const e = isSqlPlan(plan) ? sqlBadRecords(plan, scheduler, id.stage) : id.stage === 0 ? checkBadRecordLimit(plan.job, plan.splits, scheduler.tasks[0].map((t) => (t.kind === 'succeeded' ? (t.result as MapResult) : undefined))) : undefined;
    if (e) scheduler.abort(e.toJSON());
  });
  scheduler.on('resplit', (id: TaskId, at: { chose: number; from: number }) => {
    o.log.info({ split: describeSplit(plan as PhysicalPlan, id.partition), ...at }, 'a split chose its first record where its neighbour did not end; it runs again from there');
  });
  const token = o.token ?? randomBytes(24).toString('base64url');
  const lastSeen = new Map<string, number>();
  const peakRssKb = new Map<string, number>();
  let shuttingDown = false;
  // Scale down: when fewer tasks remain than workers, an idle worker is told to go.
  const released = new Set<string>();
  const server = new CoordinatorServer(scheduler, token, o.log, {
    onSeen: (w, rssKb) => {
      lastSeen.set(w, Date.now());
      peakRssKb.set(w, Math.max(rssKb, peakRssKb.get(w) ?? 0));
    },
    shuttingDown: () => shuttingDown,
    surplus: (worker) => {
      // With speculation on, one idle worker stays in the last stage for a copy of a straggler
      // (before it, the later stage's tasks count as remaining: there are workers to spare).
      const spare = plan.job.speculation !== false && scheduler.currentStage() === plan.stages.length - 1 ? 1 : 0;
      if (released.has(worker) || scheduler.remaining() + spare >= lastSeen.size - released.size) return false;
      released.add(worker);
      o.log.info({ worker, remaining: scheduler.remaining() }, 'fewer tasks than workers: releasing an idle worker');
      return true;
    },
  });
  const bound = await server.listen(o.listen?.host, o.listen?.port);
  const adv = o.listen?.advertise;
  const url = adv ? `http://${adv.includes(':') ? `[${adv}]` : adv}:${new URL(bound).port}` : bound;
  o.log.info({ url, runId: plan.runId, stages: plan.stages.length }, 'coordinator listening');

  const done = new Promise<void>((resolve) => {
    const check = () => {
      if (scheduler.job.kind !== 'running') {
        scheduler.off('change', check);
        resolve();
      }
    };
    scheduler.on('change', check);
    check(); // a resumed run may have nothing left to do
  });
  let ticker: NodeJS.Timeout | undefined;
  const interrupt = () => scheduler.abort({ code: 'INTERRUPTED', message: 'the job was interrupted; nothing was committed', retryable: false });
  try {
    await o.backend.start({
      url, token, runId: plan.runId, replicas: plan.job.workers.replicas, threads: plan.job.workers.threads, env: o.workerEnv ?? {},
      maxReplacements: plan.job.workers.maxReplacements,
      onSpawn: (worker) => o.log.debug({ worker }, 'worker launched'),
      onFatal: (error) => {
        if (scheduler.job.kind === 'running') scheduler.abort(error);
      },
      onExit: (worker, expected, detail) => {
        lastSeen.delete(worker);
        if (released.delete(worker) || expected || scheduler.job.kind !== 'running') return;
        o.log.warn({ worker, detail }, 'worker lost; its tasks will be rerun');
        scheduler.workerLost(worker);
        setImmediate(() => {
          if (o.backend.alive() === 0 && scheduler.job.kind === 'running') {
            const budget = plan.job.workers.maxReplacements ?? plan.job.workers.replicas * 2;
            scheduler.abort({
              code: 'WORKER_LOST',
              message: `every worker has exited (last: ${worker}, ${detail}) and no replacement could start (spec.workers.maxReplacements: at most ${budget} per job)`,
              retryable: false,
              hint: 'see why the workers died in the log; raise spec.workers.maxReplacements if they are killed from outside',
            });
          }
        });
      },
    });

    if (o.signal?.aborted) interrupt();
    o.signal?.addEventListener('abort', interrupt, { once: true });
    const timeout = o.workerTimeoutMs ?? 60_000;
    ticker = setInterval(() => {
      const now = Date.now();
      for (const [w, t] of lastSeen) {
        if (now - t > timeout) {
          o.log.warn({ worker: w }, 'worker silent too long; rerunning its tasks');
          lastSeen.delete(w);
          scheduler.workerLost(w);
        }
      }
      o.onProgress?.(progress(plan, scheduler, startedAt));
    }, 200);
    await done;
    shuttingDown = true;
    o.onProgress?.(progress(plan, scheduler, startedAt));
    if (scheduler.job.kind === 'failed') throw fromSerialized(scheduler.job.error);
    const workers = [...peakRssKb].map(([id, kb]) => ({ id, peakRssBytes: kb * 1024 }));
    if (isSqlPlan(plan)) {
      for (const s of plan.stages) {
        const e = sqlBadRecords(plan, scheduler, s.id); // also for results restored from a journal
        if (e) throw e;
      }
      const manifest = await commitSql(plan, (s) => scheduler.results(s) as StageResult[], scheduler.status(), startedAt, workers);
      o.log.info({ rows: manifest.counters.outputRows, tables: Object.keys(manifest.tables) }, 'committed');
      return manifest;
    }
    const maps = scheduler.results(0) as MapResult[];
    const reduces = scheduler.results(1) as ReduceResult[];
    const tooMany = checkBadRecordLimit(plan.job, plan.splits, maps); // also for map results restored from a journal
    if (tooMany) throw tooMany;
    const manifest = await commit(plan, maps, reduces, scheduler.status(), startedAt, workers);
    o.log.info({ rows: manifest.counters.outputRows }, 'committed');
    return manifest;
  } finally {
    shuttingDown = true;
    o.signal?.removeEventListener('abort', interrupt);
    clearInterval(ticker);
    await o.backend.stop();
    o.log.debug('workers stopped');
    await server.close();
    await cleanup(plan, o.keepShuffle).catch((e) => o.log.warn({ err: e }, 'cleanup failed'));
    o.log.debug('cleaned up');
  }
}

/** Bad records of a SQL job's scan stage over its table's spec.tables.<t>.maxBadRecords. */
function sqlBadRecords(plan: SqlPhysicalPlan, s: Scheduler, stage: number) {
  const name = plan.stages[stage].stage.scan;
  const table = name === undefined ? undefined : plan.job.sql.tables.find((t) => t.name === name);
  if (!table) return undefined;
  let bad = 0;
  let read = 0;
  let complete = true;
  for (const t of s.tasks[stage]) {
    if (t.kind !== 'succeeded') { complete = false; continue; }
    const r = t.result as StageResult;
    bad += r.rejectedRows ?? 0;
    read += (r.inputRows ?? 0) + (r.rejectedRows ?? 0);
  }
  return tableBadRecordLimit(table, bad, read, complete);
}

function progress(plan: RunPlan, s: Scheduler, startedAt: number): Progress {
  let records = 0;
  let bytesDone = 0;
  let bytesTotal = 0;
  const splitsOf = (stage: number) => (isSqlPlan(plan) ? plan.stages[stage].splits : stage === 0 ? plan.splits : undefined);
  s.tasks.forEach((ts, stage) => {
    const splits = splitsOf(stage);
    if (!splits) return;
    for (const sp of splits) bytesTotal += sp.end - sp.start;
    ts.forEach((t, i) => {
      if (t.kind !== 'succeeded' || !splits[i]) return;
      records += t.result.kind === 'map' ? t.result.records : t.result.kind === 'stage' ? t.result.inputRows ?? 0 : 0;
      bytesDone += splits[i].end - splits[i].start;
    });
  });
  return { stages: s.status(), records, bytesDone, bytesTotal, elapsedMs: Date.now() - startedAt };
}

