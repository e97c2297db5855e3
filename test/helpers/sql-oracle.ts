/**
 * Running SQL in kindling and in DuckDB over the same in-memory tables: each table is created
 * in DuckDB from its DDL and rows, and handed to kindling's executor as batches of the same
 * values (the scan reads them from memory), so a query's two answers can be compared.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataType } from '../../src/types/datatype.js';
import type { TableSource } from '../../src/plan/logical/plan.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import { vectorOf, type Scalar } from '../../src/types/vector.js';
import type { ExecContext } from '../../src/exec/ops/execute.js';
import { runScript } from '../../src/engine/local.js';
import { duckdbRows } from './tpch.js';
import { batchRows, diffRows } from './result-compare.js';

/** Rows per batch of a streamed in-memory table. */
const BATCH_ROWS = 5;

export interface MemoryTable { name: string; ddl: string; rows: Scalar[][] }

/** The tables as kindling sources and an ExecContext that scans them from memory. */
export function memoryTables(tables: MemoryTable[]): { sources: TableSource[]; ctx: ExecContext } {
  const sources: TableSource[] = tables.map((t) => ({ name: t.name, uri: `memory:${t.name}`, format: 'csv', schema: parseSchemaDdl(t.ddl), splitSize: 1 << 26 }));
  const rows = new Map(tables.map((t) => [t.name, t.rows]));
  const batch = (t: TableSource, cols: number[], rs: Scalar[][]) => ({ length: rs.length, columns: cols.map((k) => vectorOf(t.schema[k].type, rs.map((r) => r[k]))) });
  const ctx: ExecContext = {
    scan: async (t, cols) => batch(t, cols, rows.get(t.name)!),
    // Streaming operators (an aggregate) read the table in batches of BATCH_ROWS rows, each with its own
    // vectors: a string column's dictionary and an integral column's form (double or bigint) differ between them.
    batches: async function* (t, cols) {
      const rs = rows.get(t.name)!;
      for (let at = 0; at < rs.length; at += BATCH_ROWS) yield batch(t, cols, rs.slice(at, at + BATCH_ROWS));
    },
  };
  return { sources, ctx };
}

/** A kindling Scalar as a DuckDB SQL literal of the type (DECIMAL scaled, DATE in days). */
function literal(x: Scalar, type: DataType): string {
  if (x === null) return 'null';
  if (type.id === 'VARCHAR') return `'${String(x).replace(/'/g, "''")}'`;
  if (type.id === 'DECIMAL') return `${Number(x) / 10 ** type.scale}`;
  if (type.id === 'DATE') return `(date '1970-01-01' + ${x}::INTEGER)`;
  return String(x);
}

/** The same tables created and filled in DuckDB. */
export async function loadIntoDuck(c: DuckDBConnection, tables: MemoryTable[], sources: TableSource[]): Promise<void> {
  for (const t of tables) {
    await c.run(`create table ${t.name} (${t.ddl})`);
    const types = sources.find((s) => s.name === t.name)!.schema.map((f) => f.type);
    for (const r of t.rows) await c.run(`insert into ${t.name} values (${r.map((x, k) => literal(x, types[k])).join(', ')})`);
  }
}

/** Does the query order its result (an order by at its end, outside any parentheses)? */
export function isOrdered(sql: string): boolean {
  let depth = 0;
  let last = -1;
  const lower = sql.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const ch = lower[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && lower.startsWith('order by', i)) last = i;
  }
  return last >= 0;
}

/** The differences between kindling's and DuckDB's answers to one query (empty: equal). */
export async function compareQuery(c: DuckDBConnection, sources: TableSource[], ctx: ExecContext, sql: string): Promise<string[]> {
  const [res] = await runScript(sql, sources, ctx);
  const theirs = await duckdbRows(c, sql);
  const types = res.schema.map((f) => f.type.id === 'DOUBLE');
  return diffRows(batchRows(res.batch), theirs.rows, types, isOrdered(sql));
}
