/**
 * SQL jobs (spec.sql over spec.tables): planned once, before anything runs, so that every
 * error that can be known from the spec (a bad schema, a syntax error, an unknown column, a type
 * error, an unsupported construct) is a spec error naming spec.sql's line in the spec file and
 * exits 2. Then each output of the script (`create table t as …`, the bare query as `result`)
 * is computed and written to `<output>/<name>/`, and all of them commit together under one
 * `_SUCCESS` that lists each table's files, rows and typed columns.
 *
 * This first form runs the optimized plan in the coordinator's process (exec/ops); the stage DAG
 * that spreads the same operators over the workers is the next step of the engine.
 */
import { randomUUID } from 'node:crypto';
import { KindlingError } from '../common/errors.js';
import type { Manifest } from '../coordinator/commit.js';
import { SUCCESS } from '../coordinator/commit.js';
import { checkParquetSchema, encodeBatchParquet } from '../formats/parquet-batch.js';
import type { LogicalPlan, TableSource } from '../plan/logical/plan.js';
import { inputs, planExprs } from '../plan/logical/plan.js';
import { SqlError, render } from '../sql/errors.js';
import { bindSql } from '../sql/bind/script.js';
import { loadParser } from '../sql/parse.js';
import type { SqlJob, TableSpec } from '../spec/load.js';
import { configureStorage, storeFor } from '../storage/index.js';
import { typeName } from '../types/datatype.js';
import { SchemaSyntaxError, parseSchemaDdl, type Schema } from '../types/schema.js';
import type { Batch } from '../types/vector.js';
import { compileExpr } from '../exec/expr/compile.js';
import { execute, type ExecContext } from '../exec/ops/execute.js';
import { listSplits, readTable, tableFiles, type BadPolicy, type Split } from '../exec/ops/scan.js';
import { parquetSchema } from '../exec/ops/scan-parquet.js';
import { encodeCsv, encodeJsonl } from '../exec/ops/write-text.js';
import { compileWindows } from '../exec/ops/window.js';
import { optimizeForRun } from './local.js';

/** A table's files (uri -> bytes) and split count, listed once while planning. */
export interface TableListing { files: Map<string, number>; splits: Split[] }

export interface SqlJobPlan {
  job: SqlJob;
  sources: TableSource[];
  /** Per table name, when its files could be listed (else the scan says why they cannot). */
  listings: Map<string, TableListing>;
  outputs: { name: string; line: number; plan: LogicalPlan }[];
}

const specErr = (field: string, message: string, hint?: string) => new KindlingError('SPEC_INVALID', `invalid job spec: ${field}: ${message}`, { place: { field }, hint });

async function tableSchema(t: TableSpec): Promise<Schema> {
  if (t.schema === undefined) {
    // Parquet without a declared schema: the columns of its first file.
    const probe: TableSource = { name: t.name, uri: t.uri, format: t.format, schema: [], splitSize: t.splitSize };
    const files = await tableFiles(storeFor(t.uri), probe);
    if (files.length === 0) throw specErr(`spec.tables.${t.name}.uri`, `no ${t.format} files at ${t.uri} to read the schema from`, 'check the uri, or declare the schema');
    return parquetSchema(storeFor(t.uri), files[0].uri);
  }
  try {
    return parseSchemaDdl(t.schema);
  } catch (e) {
    if (e instanceof SchemaSyntaxError) throw specErr(`spec.tables.${t.name}.schema`, e.message, e.hint);
    throw e;
  }
}

export async function tableSource(t: TableSpec): Promise<TableSource> {
  return { name: t.name, uri: t.uri, format: t.format, schema: await tableSchema(t), csv: t.csv, splitSize: t.splitSize };
}

/** Every expression of the plan compiled once, so an unsupported one is refused before anything runs. */
function checkCompiles(p: LogicalPlan): void {
  if (p.op === 'window') compileWindows(p.windows);
  else for (const e of planExprs(p)) compileExpr(e);
  for (const i of inputs(p)) checkCompiles(i);
}

/** A table's files and splits (undefined when it cannot be listed yet: the scan will say why). */
async function listTable(t: TableSource): Promise<TableListing | undefined> {
  try {
    const splits = await listSplits(storeFor(t.uri), t);
    return { files: new Map(splits.map((s) => [s.uri, s.fileSize])), splits };
  } catch {
    return undefined;
  }
}

export async function planSqlJob(job: SqlJob): Promise<SqlJobPlan> {
  const sources: TableSource[] = [];
  for (const t of job.sql.tables) sources.push(await tableSource(t));
  const listings = new Map<string, TableListing>();
  for (const s of sources) {
    const l = await listTable(s);
    if (!l) continue;
    listings.set(s.name, l);
    s.bytes = [...l.files.values()].reduce((a, b) => a + b, 0); // the join order's estimates
  }
  await loadParser();
  const script = job.sql.script;
  let stage = 'binding';
  try {
    const bound = bindSql(script, sources);
    const outputs = bound.outputs.map((o) => {
      stage = `planning ${o.name}`;
      const plan = optimizeForRun(o.plan);
      checkCompiles(plan);
      stage = `writing ${o.name}`;
      if (job.output.format === 'parquet') checkParquetSchema(plan.schema);
      return { name: o.name, line: o.line, plan };
    });
    return { job, sources, listings, outputs };
  } catch (e) {
    if (e instanceof SqlError) {
      throw new KindlingError('SPEC_INVALID', render(script, e, { where: 'spec.sql', firstLine: job.sql.firstLine }), { place: { field: 'spec.sql' } });
    }
    if (e instanceof KindlingError && e.code === 'USAGE') throw new KindlingError('SPEC_INVALID', `spec.sql (${stage}): ${e.message}`, { place: { field: 'spec.sql' }, hint: e.hint });
    throw e;
  }
}

export interface SqlRunOptions {
  /** The run's id (default: a new one). */
  runId?: string;
  log?: { info(o: unknown, msg?: string): void };
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
}

/** skip: the job-wide limit of spec.tables.<t>.maxBadRecords, checked after each scan. */
export function checkBadLimit(t: TableSpec, bad: number, read: number): void {
  const m = t.maxBadRecords;
  if (!m || bad === 0) return;
  const over = m.count !== undefined ? bad > m.count : bad / Math.max(read, 1) > (m.fraction ?? 1);
  if (over) {
    throw new KindlingError('INPUT_BAD_RECORD', `table ${t.name}: ${bad} bad record(s) of ${read} read, more than spec.tables.${t.name}.maxBadRecords (${JSON.stringify(m.spec)}) allows`, {
      place: { file: t.uri, field: `spec.tables.${t.name}.maxBadRecords` },
      hint: 'fix the input, or raise maxBadRecords',
    });
  }
}

export async function runSqlJob(job: SqlJob, o: SqlRunOptions = {}): Promise<Manifest> {
  configureStorage(job.storage);
  const started = Date.now();
  const plan = await planSqlJob(job);
  const base = job.output.uri;
  const out = storeFor(base);
  const marker = out.join(base, SUCCESS);
  if ((await out.head(marker)) && !job.output.overwrite) {
    throw new KindlingError('OUTPUT_EXISTS', `output ${base} already holds a committed result`, {
      place: { file: marker, field: 'spec.output.uri' },
      hint: 'choose another spec.output.uri, delete it, or set spec.output.overwrite: true (--set spec.output.overwrite=true)',
    });
  }
  const runId = o.runId ?? randomUUID().slice(0, 8);
  const staging = out.join(base, `_temporary/${runId}`);
  const byName = new Map(job.sql.tables.map((t) => [t.name, t]));
  let inputRows = 0;
  let rejectedRows = 0;
  const ctx: ExecContext = {
    scan: async (t, columns) => {
      const spec = byName.get(t.name)!;
      let bad = 0;
      const policy: BadPolicy = spec.onBadRecord === 'fail' ? 'fail' : { onBadRecord: 'skip', onBad: () => { bad++; } };
      const b = await readTable(storeFor(t.uri), t, columns, { bad: policy });
      checkBadLimit(spec, bad, b.length + bad);
      inputRows += b.length;
      rejectedRows += bad;
      return b;
    },
  };
  const files = new Map<string, number>();
  for (const l of plan.listings.values()) for (const [uri, size] of l.files) files.set(uri, size);
  const inputBytes = [...files.values()].reduce((a, b) => a + b, 0);
  const tables: Manifest['tables'] = {};
  const stages: Manifest['timings']['stages'] = [];
  try {
    for (const [k, output] of plan.outputs.entries()) {
      const t0 = Date.now();
      o.onProgress?.({ stage: output.name, done: k, total: plan.outputs.length });
      const batch: Batch = await execute(output.plan, ctx);
      const format = job.output.format;
      const bytes = format === 'csv' ? encodeCsv(output.plan.schema, batch) : format === 'jsonl' ? encodeJsonl(output.plan.schema, batch) : await encodeBatchParquet(output.plan.schema, batch, job.output.compression);
      const rel = `${output.name}/part-00000.${format}`;
      await out.write(out.join(staging, rel), bytes);
      tables[output.name] = {
        rows: batch.length,
        columns: output.plan.schema.map((f) => f.name),
        types: output.plan.schema.map((f) => typeName(f.type)),
        files: [{ path: rel, rows: batch.length, bytes: bytes.length }],
      };
      stages.push({ stage: k, kind: `sql ${output.name}`, tasks: 1, ms: Date.now() - t0 });
      o.log?.info({ table: output.name, rows: batch.length }, 'table computed');
    }
    // Commit: take down an older result first, move every table in, write the manifest last.
    await out.delete(marker);
    for (const name of Object.keys(tables)) {
      await out.deletePrefix(out.join(base, `${name}/`));
      for (const f of tables[name].files) await out.rename(out.join(staging, f.path), out.join(base, f.path));
    }
    const outputRows = Object.values(tables).reduce((s, t) => s + t.rows, 0);
    const manifest: Manifest = {
      job: job.name,
      analysis: 'sql',
      runId,
      committedAt: new Date().toISOString(),
      tables,
      counters: { inputFiles: files.size, inputBytes, inputRows: inputRows + rejectedRows, rejectedRows, shuffleBytes: 0, outputRows },
      storage: { requests: 0, bytesRead: 0, bytesWritten: 0 },
      timings: { totalMs: Date.now() - started, stages },
      workers: [{ id: 'coordinator', peakRssBytes: process.memoryUsage().rss }],
    };
    if (!(await out.writeIfAbsent(marker, JSON.stringify(manifest, null, 2) + '\n'))) {
      throw new KindlingError('OUTPUT_EXISTS', `another run committed ${base} at the same time`, { place: { file: marker }, hint: 'give concurrent jobs different spec.output.uri values' });
    }
    o.onProgress?.({ stage: 'commit', done: plan.outputs.length, total: plan.outputs.length });
    return manifest;
  } finally {
    await out.deletePrefix(staging);
    const tmp = out.join(base, '_temporary');
    if ((await out.list(tmp)).length === 0) await out.deletePrefix(tmp);
  }
}
