/**
 * The commit protocol. Task attempts write part files under the run's staging prefix; when
 * every reduce task has succeeded, the coordinator moves each winning attempt's file to
 * `<output>/<table>/part-NNNNN.parquet` and writes the `_SUCCESS` manifest last. A reader
 * that trusts the manifest never sees a partial or duplicate result. Failed runs leave no
 * part files behind.
 */
import { KindlingError } from '../common/errors.js';
import type { PhysicalPlan } from '../plan/physical.js';
import { pad5, type MapResult, type ReduceResult } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';
import { add as addIo, type IoStats } from '../storage/stats.js';
import type { StageStatus } from './scheduler.js';
import { commitRejects, type RejectsManifest } from '../plan/bad-records.js';

export interface Manifest {
  job: string;
  analysis: string;
  runId: string;
  committedAt: string;
  /** Per table: rows, column names (and, for SQL jobs, their SQL types), the part files in read order. */
  tables: Record<string, { rows: number; columns: string[]; types?: string[]; files: { path: string; rows: number; bytes: number }[] }>;
  /** inputRows: records read, good and bad; rejectedRows: the bad ones (onBadRecord skip or quarantine). */
  counters: { inputFiles: number; inputBytes: number; inputRows: number; rejectedRows: number; shuffleBytes: number; outputRows: number };
  /** onBadRecord quarantine: the rejected records, as JSON Lines under _rejects/. */
  rejects?: RejectsManifest;
  /** Object-store traffic of the tasks (S3 requests and bytes; 0 for local disk). */
  storage: IoStats;
  timings: { totalMs: number; stages: { stage: number; kind: string; tasks: number; ms: number }[] };
  /** Each worker's peak resident memory. */
  workers: { id: string; peakRssBytes: number }[];
}

export const SUCCESS = '_SUCCESS';

/** What the commit protocol needs of a plan (a built-in analysis's or a SQL job's). */
type RunIds = Pick<PhysicalPlan, 'runId' | 'shuffleUri' | 'stagingUri'> & { job: Pick<PhysicalPlan['job'], 'output'> };

/** The manifest of this plan's run if it was committed (a coordinator died after committing). */
export async function committedManifest(plan: RunIds): Promise<Manifest | undefined> {
  const out = storeFor(plan.job.output.uri);
  const marker = out.join(plan.job.output.uri, SUCCESS);
  if (!(await out.head(marker))) return undefined;
  const m = JSON.parse(Buffer.from(await out.readAll(marker)).toString('utf8')) as Manifest;
  return m.runId === plan.runId ? m : undefined;
}

/** Refuses to run over a committed output unless overwrite is set. */
export async function checkOutput(plan: RunIds): Promise<void> {
  const out = storeFor(plan.job.output.uri);
  const marker = out.join(plan.job.output.uri, SUCCESS);
  if ((await out.head(marker)) && !plan.job.output.overwrite) {
    throw new KindlingError('OUTPUT_EXISTS', `output ${plan.job.output.uri} already holds a committed result`, {
      place: { file: marker, field: 'spec.output.uri' },
      hint: 'choose another spec.output.uri, delete it, or set spec.output.overwrite: true (--set spec.output.overwrite=true)',
    });
  }
}

export async function commit(plan: PhysicalPlan, maps: MapResult[], reduces: ReduceResult[], stages: StageStatus[], startedAt: number, workers: Manifest['workers']): Promise<Manifest> {
  const base = plan.job.output.uri;
  const out = storeFor(base);
  const table = plan.query.table;
  // Take down an older result first, so no reader ever mixes two runs.
  await out.delete(out.join(base, SUCCESS));
  await out.deletePrefix(out.join(base, table));
  const files: Manifest['tables'][string]['files'] = [];
  for (let p = 0; p < reduces.length; p++) {
    const r = reduces[p];
    const rel = `${table}/part-${pad5(p)}.parquet`;
    await out.rename(r.uri, out.join(base, rel));
    files.push({ path: rel, rows: r.rows, bytes: r.bytes });
  }
  const outputRows = files.reduce((s, f) => s + f.rows, 0);
  const rejects = await commitRejects(plan, maps);
  const rejectedRows = maps.reduce((s, m) => s + (m.rejectedRows ?? 0), 0);
  const manifest: Manifest = {
    job: plan.job.name,
    analysis: plan.job.analysis,
    runId: plan.runId,
    committedAt: new Date().toISOString(),
    tables: { [table]: { rows: outputRows, columns: plan.query.output.map((o) => o.name), files } },
    counters: {
      inputFiles: plan.files.length,
      inputBytes: plan.inputBytes,
      inputRows: maps.reduce((s, m) => s + m.records, 0) + rejectedRows,
      rejectedRows,
      shuffleBytes: maps.reduce((s, m) => s + m.shuffleBytes, 0),
      outputRows,
    },
    ...(rejects ? { rejects } : {}),
    storage: [...maps, ...reduces].reduce((a, r) => addIo(a, r.io), { requests: 0, bytesRead: 0, bytesWritten: 0 }),
    timings: {
      totalMs: Date.now() - startedAt,
      stages: stages.map((s) => ({ stage: s.id, kind: s.kind, tasks: s.total, ms: (s.finishedAt ?? 0) - (s.startedAt ?? 0) })),
    },
    workers,
  };
  await writeManifest(base, manifest);
  return manifest;
}

/** Writes the manifest, last. Create-if-absent: of two runs committing into one output at once, exactly one wins. */
export async function writeManifest(base: string, manifest: Manifest): Promise<void> {
  const out = storeFor(base);
  if (!(await out.writeIfAbsent(out.join(base, SUCCESS), JSON.stringify(manifest, null, 2) + '\n'))) {
    throw new KindlingError('OUTPUT_EXISTS', `another run committed ${base} at the same time`, {
      place: { file: out.join(base, SUCCESS) },
      hint: 'give concurrent jobs different spec.output.uri values',
    });
  }
}

/** Removes the run's shuffle and staging data (after a commit or a failure). */
export async function cleanup(plan: RunIds, keepShuffle = false): Promise<void> {
  if (!keepShuffle) await storeFor(plan.shuffleUri).deletePrefix(plan.shuffleUri);
  await storeFor(plan.stagingUri).deletePrefix(plan.stagingUri);
  // Drop the now-empty parents (_temporary/, _shuffle/) where the store has directories.
  for (const dir of ['_temporary', '_shuffle']) {
    const uri = storeFor(plan.job.output.uri).join(plan.job.output.uri, dir);
    const st = storeFor(uri);
    if ((await st.list(uri)).length === 0) await st.deletePrefix(uri);
  }
}
