/**
 * The physical plan of a SQL job: every output of the script cut into stages (plan/physical/
 * stages.ts), the outputs' DAGs numbered as one, each source stage with the splits of the table
 * it scans (one task per split), and the task of any (stage, partition, attempt) built from it
 * and the winning results of the stages it reads. Plain data, so the journal can hold it and a
 * new coordinator can take the run over.
 */
import { randomBytes } from 'node:crypto';
import type { SqlJob } from '../spec/load.js';
import { storeFor } from '../storage/index.js';
import type { Schema } from '../types/schema.js';
import { listSplits, type Split } from '../exec/ops/scan.js';
import { rowGroupStats, type RowGroupStats } from '../formats/parquet-stats.js';
import { mayMatch } from '../plan/physical/prune.js';
import { inputs, type LogicalPlan } from '../plan/logical/plan.js';
import { DEFAULT_BROADCAST_BYTES, stageDag, type Stage, type StageOptions } from '../plan/physical/stages.js';
import { pad5, type StageInput, type StageResult, type StageTask, type TaskStorage } from '../plan/tasks.js';
import { planSqlJob, type SqlJobPlan } from './sql-job.js';

export interface SqlStagePlan {
  id: number;
  kind: 'sql';
  tasks: number;
  /** The stages whose outputs it reads (it runs when they are done). */
  inputs: number[];
  stage: Stage;
  /** A source stage: the splits of its table, one per task. */
  splits?: Split[];
  /** The last stage of an output: the table it writes. */
  table?: string;
}

export interface SqlPhysicalPlan {
  kind: 'sql';
  runId: string;
  job: SqlJob;
  stages: SqlStagePlan[];
  outputs: { name: string; line: number; stage: number; schema: Schema }[];
  shuffleUri: string;
  stagingUri: string;
  inputBytes: number;
  inputFiles: number;
}

export const isSqlPlan = (p: object): p is SqlPhysicalPlan => (p as { kind?: string }).kind === 'sql';

export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

/** How the job's plans are cut: spec.shuffle.partitions and broadcastThreshold. */
export function stageOptions(job: SqlJob): StageOptions {
  return { partitions: job.shuffle.partitions, broadcastBytes: job.shuffle.broadcastThreshold ?? DEFAULT_BROADCAST_BYTES, splitSize: job.sql.tables[0]?.splitSize ?? 64 << 20 };
}

/** Plans the job (all spec errors first, planSqlJob) and cuts it into stages. */
export async function sqlPhysicalPlan(job: SqlJob, opts: { runId?: string; planned?: SqlJobPlan } = {}): Promise<SqlPhysicalPlan> {
  const planned = opts.planned ?? (await planSqlJob(job));
  const options = stageOptions(job);
  const stages: SqlStagePlan[] = [];
  const outputs: SqlPhysicalPlan['outputs'] = [];
  for (const o of planned.outputs) {
    const dag = stageDag(o.plan, options, stages.length);
    for (const s of dag) {
      let splits = s.scan !== undefined ? await splitsOf(planned, s.scan) : undefined;
      if (splits) {
        const pruned = await pruneRowGroups(s.plan, splits);
        if (pruned.total > pruned.read) s.ops[s.ops.length - 1] += ` (row groups: ${pruned.read} of ${pruned.total}, by statistics)`;
        splits = pruned.splits;
      }
      stages.push({ id: s.id, kind: 'sql', tasks: splits ? Math.max(1, splits.length) : s.tasks, inputs: s.inputs.map((i) => i.stage), stage: s, ...(splits ? { splits } : {}) });
    }
    const last = stages[stages.length - 1];
    last.table = o.name;
    outputs.push({ name: o.name, line: o.line, stage: last.id, schema: o.plan.schema });
  }
  const files = new Map<string, number>();
  for (const l of planned.listings.values()) for (const [uri, size] of l.files) files.set(uri, size);
  const runId = opts.runId ?? newRunId();
  const out = storeFor(job.output.uri);
  const shuffleBase = job.shuffle.uri ?? out.join(job.output.uri, '_shuffle');
  return {
    kind: 'sql',
    runId,
    job,
    stages,
    outputs,
    shuffleUri: out.join(shuffleBase, runId),
    stagingUri: out.join(job.output.uri, '_temporary', runId),
    inputBytes: [...files.values()].reduce((a, b) => a + b, 0),
    inputFiles: files.size,
  };
}

/** A scanned table's splits; one the planner could not list fails here with the scan's own error. */
async function splitsOf(planned: SqlJobPlan, table: string): Promise<Split[]> {
  const l = planned.listings.get(table);
  if (l) return l.splits;
  const t = planned.sources.find((x) => x.name === table)!;
  return listSplits(storeFor(t.uri), t);
}

/** The declared-table scan of a fragment (a source stage has one). */
function sourceScan(p: LogicalPlan): Extract<LogicalPlan, { op: 'scan' }> | undefined {
  if (p.op === 'scan') return p.table.exchange === undefined ? p : undefined;
  for (const i of inputs(p)) {
    const s = sourceScan(i);
    if (s) return s;
  }
  return undefined;
}

/**
 * A Parquet scan's splits without the row groups its pushed filters cannot match, by the
 * files' row-group statistics (plan/physical/prune.ts); a split left with none is dropped.
 * A file whose statistics cannot be read keeps every row group (its scan reports the file).
 */
async function pruneRowGroups(fragment: LogicalPlan, splits: Split[]): Promise<{ splits: Split[]; read: number; total: number }> {
  const scan = sourceScan(fragment);
  if (!scan || scan.table.format !== 'parquet' || scan.filters.length === 0) return { splits, read: 0, total: 0 };
  const byFile = new Map<string, RowGroupStats[] | undefined>();
  for (const sp of splits) {
    if (byFile.has(sp.uri)) continue;
    byFile.set(sp.uri, await rowGroupStats(storeFor(sp.uri), sp.uri, sp.fileSize).catch(() => undefined));
  }
  const names = scan.columns.map((c) => scan.table.schema[c].name);
  let read = 0;
  let total = 0;
  const out: Split[] = [];
  for (const sp of splits) {
    const groups = byFile.get(sp.uri);
    if (!groups) { out.push(sp); continue; }
    const all = sp.rowGroups ?? groups.map((_, g) => g);
    // The file's column for each scan column: the same name, else one equal ignoring case (as the scan finds it).
    const fileNames = [...(groups[0]?.columns.keys() ?? [])];
    const columnOf = names.map((n) => (fileNames.includes(n) ? n : fileNames.find((f) => f.toLowerCase() === n.toLowerCase())));
    const keep = all.filter((g) => mayMatch(scan.filters, (i) => (columnOf[i] === undefined ? undefined : groups[g].columns.get(columnOf[i]!)), groups[g].rows));
    total += all.length;
    read += keep.length;
    if (keep.length === all.length) out.push(sp);
    else if (keep.length > 0) out.push({ ...sp, rowGroups: keep });
  }
  return { splits: out, read, total };
}

/** The file an attempt writes (by name, never what a report claims). */
export function stageAttemptFile(plan: SqlPhysicalPlan, id: { stage: number; partition: number; attempt: number }, epochTag: string): string {
  const s = plan.stages[id.stage];
  if (s.table !== undefined) {
    const st = storeFor(plan.stagingUri);
    return st.join(plan.stagingUri, s.table, `part-${pad5(id.partition)}-a${id.attempt}${epochTag}.${plan.job.output.format}`);
  }
  return storeFor(plan.shuffleUri).join(plan.shuffleUri, `stage-${id.stage}`, `task-${pad5(id.partition)}-a${id.attempt}${epochTag}.data`);
}

/** Where a quarantining scan attempt writes its bad records: `<staging>/_rejects/s<stage>-part-<partition>-a<attempt>.jsonl`. */
export function stageRejectsFile(plan: SqlPhysicalPlan, id: { stage: number; partition: number; attempt: number }, epochTag: string): string {
  return storeFor(plan.stagingUri).join(plan.stagingUri, '_rejects', `s${id.stage}-part-${pad5(id.partition)}-a${id.attempt}${epochTag}.jsonl`);
}

/** Task (stage, partition, attempt), from the winners of the stages it reads (`upstream(s)`: their attempts and results). */
export function buildStageTask(
  plan: SqlPhysicalPlan,
  id: { stage: number; partition: number; attempt: number },
  storage: TaskStorage,
  epochTag: string,
  upstream: (stage: number) => { attempt: number; result: StageResult }[],
): StageTask {
  const s = plan.stages[id.stage];
  const inputs: StageInput[] = s.inputs.map((u) => {
    const out = plan.stages[u].stage.output!;
    const ups = upstream(u);
    if (out.kind === 'range') {
      return {
        stage: u, kind: 'range', parts: [], keys: out.keys, partitions: out.partitions,
        runs: ups.map((t, task) => ({ task, attempt: t.attempt, uri: t.result.uri, chunks: t.result.chunks ?? [], samples: t.result.samples ?? [] })),
      };
    }
    const p = out.kind === 'hash' ? id.partition : 0;
    return {
      stage: u, kind: out.kind,
      parts: ups.map((t, task) => ({ task, attempt: t.attempt, uri: t.result.uri, start: t.result.offsets![p], end: t.result.offsets![p + 1] })),
    };
  });
  const uri = stageAttemptFile(plan, id, epochTag);
  const table = s.stage.scan !== undefined ? plan.job.sql.tables.find((t) => t.name === s.stage.scan) : undefined;
  return {
    kind: 'stage',
    ...id,
    runId: plan.runId,
    storage,
    plan: s.stage.plan,
    ...(s.splits?.[id.partition] ? { split: s.splits[id.partition] } : {}),
    inputs,
    output: s.table !== undefined
      ? { kind: 'table', uri, format: plan.job.output.format, compression: plan.job.output.compression }
      : { kind: 'exchange', partitioning: s.stage.output!, uri },
    badRecords: table?.onBadRecord ?? 'fail',
    ...(table?.onBadRecord === 'quarantine' ? { rejectsUri: stageRejectsFile(plan, id, epochTag) } : {}),
  };
}
