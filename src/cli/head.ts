import type { Command } from 'commander';
import { KindlingError } from '../common/errors.js';
import type { Manifest } from '../coordinator/commit.js';
import type { Row } from '../formats/parquet-read.js';
import { storeFor } from '../storage/index.js';
import { table } from './format.js';

export interface HeadOptions {
  table?: string;
  limit: number;
  /** Sort by these columns first (a leading '-' sorts descending). */
  sort?: string[];
}

/** Reads a committed output (trusting only its manifest) and returns its first rows. */
export async function headOutput(uri: string, o: HeadOptions): Promise<{ table: string; columns: string[]; rows: Row[]; total: number }> {
  const store = storeFor(uri);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(Buffer.from(await store.readAll(store.join(uri, '_SUCCESS'))).toString('utf8'));
  } catch {
    throw new KindlingError('INPUT_NOT_FOUND', `no committed output at ${uri} (no _SUCCESS manifest)`, { hint: 'run the job first; a failed or running job has no manifest' });
  }
  const name = o.table ?? Object.keys(manifest.tables)[0];
  const t = manifest.tables[name];
  if (!t) throw new KindlingError('USAGE', `no table ${name} in ${uri}; tables: ${Object.keys(manifest.tables).join(', ')}`);
  if (t.types) {
    const rows = await typedRows(store.join(uri, `${name}/`), t.columns, t.types);
    if (o.sort?.length) rows.sort(compareBy(o.sort));
    return { table: name, columns: t.columns, rows: rows.slice(0, o.limit), total: rows.length };
  }
  const { readParquetRows } = await import('../formats/parquet-read.js'); // Arrow + wasm: load only when used
  const rows: Row[] = [];
  let columns = t.columns;
  for (const f of t.files) {
    const r = readParquetRows(await store.readAll(store.join(uri, f.path)));
    columns = r.columns;
    rows.push(...r.rows);
  }
  if (o.sort?.length) rows.sort(compareBy(o.sort));
  return { table: name, columns, rows: rows.slice(0, o.limit), total: rows.length };
}

/**
 * A SQL job's table (its manifest names the SQL types) read by the engine's own scan: numbers
 * stay numbers (a DECIMAL as its value, exact ones beyond 2^53 as text), dates, timestamps and
 * intervals as DuckDB writes them.
 */
async function typedRows(dir: string, columns: string[], types: string[]): Promise<Row[]> {
  const { readTable } = await import('../exec/ops/scan.js');
  const { parseSchemaDdl, quoteIdent } = await import('../types/schema.js');
  const { toText } = await import('../exec/expr/format-value.js');
  const { valueAt } = await import('../types/vector.js');
  const schema = parseSchemaDdl(columns.map((c, i) => `${quoteIdent(c)} ${types[i]}`).join(', '));
  const b = await readTable(storeFor(dir), { name: 'head', uri: dir, format: 'parquet', schema, splitSize: 1 << 30 }, schema.map((_, i) => i));
  const cols = b.columns.map((v) => {
    const id = v.type.id;
    const text = toText(v);
    if (id === 'DATE' || id === 'TIMESTAMP' || id === 'INTERVAL' || id === 'BOOLEAN') return (i: number) => valueAt(text, i) as string | null;
    const scale = v.type.id === 'DECIMAL' ? 10 ** v.type.scale : 1;
    return (i: number) => {
      const x = valueAt(v, i);
      if (x === null || typeof x === 'string') return x;
      if (typeof x === 'bigint') return scale === 1 ? x : (valueAt(text, i) as string);
      return (x as number) / scale;
    };
  });
  return Array.from({ length: b.length }, (_, i) => Object.fromEntries(columns.map((c, k) => [c, cols[k](i)])));
}

function compareBy(keys: string[]) {
  return (a: Row, b: Row) => {
    for (const k of keys) {
      const desc = k.startsWith('-');
      const c = desc ? k.slice(1) : k;
      const x = a[c];
      const y = b[c];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const r = x < y ? -1 : 1;
      return desc ? -r : r;
    }
    return 0;
  };
}

export function registerHead(program: Command): void {
  program
    .command('head')
    .description('print the first rows of a committed job output')
    .argument('<output>', 'the job\'s output.uri')
    .option('-t, --table <name>', 'which table (default: the first)')
    .option('-n, --limit <n>', 'rows to print', (v) => parseInt(v, 10), 10)
    .option('-s, --sort <columns>', 'sort first, e.g. -s -revenue,category_code', (v) => v.split(','))
    .action(async (uri: string, flags: HeadOptions) => {
      const r = await headOutput(uri, flags);
      process.stdout.write(`${r.table}: ${r.total} rows\n${table(r.columns, r.rows.map((row) => r.columns.map((c) => row[c])))}\n`);
    });
}
