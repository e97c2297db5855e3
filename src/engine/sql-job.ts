/**
 * SQL jobs (spec.sql over spec.tables): planned once, before anything runs, so that every
 * error that can be known from the spec (a bad schema, a syntax error, an unknown column, a type
 * error, an unsupported construct) is a spec error naming spec.sql's line in the spec file and
 * exits 2. Then each output of the script (`create table t as …`, the bare query as `result`)
 * is computed and written to `<output>/<name>/`, and all of them commit together under one
 * `_SUCCESS` that lists each table's files, rows and typed columns.
 *
 * engine/sql-plan.ts cuts the plans into the stages the workers run; coordinator/commit-sql.ts
 * commits their tables.
 */
import { KindlingError } from '../common/errors.js';
import { checkParquetSchema } from '../formats/parquet-batch.js';
import type { LogicalPlan, TableSource } from '../plan/logical/plan.js';
import { inputs, planExprs } from '../plan/logical/plan.js';
import { SqlError, render } from '../sql/errors.js';
import { bindSql } from '../sql/bind/script.js';
import { loadParser } from '../sql/parse.js';
import type { SqlJob, TableSpec } from '../spec/load.js';
import { storeFor } from '../storage/index.js';
import { SchemaSyntaxError, parseSchemaDdl, type Schema } from '../types/schema.js';
import { typeName } from '../types/datatype.js';
import { compileExpr } from '../exec/expr/compile.js';
import { listSplits, tableFiles, type Split } from '../exec/ops/scan.js';
import { parquetSchema } from '../exec/ops/scan-parquet.js';
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
  let schema: Schema;
  try {
    schema = parseSchemaDdl(t.schema);
  } catch (e) {
    if (e instanceof SchemaSyntaxError) throw specErr(`spec.tables.${t.name}.schema`, e.message, e.hint);
    throw e;
  }
  return schema.map((f, k) => {
    const values = t.allowed?.[f.name];
    if (!values) return f;
    if (f.type.id !== 'VARCHAR') throw specErr(`spec.tables.${t.name}.schema[${k}].values`, `column ${f.name} is ${typeName(f.type)}: allowed values are for VARCHAR columns`, 'declare the column VARCHAR, or drop values');
    return { ...f, values };
  });
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
