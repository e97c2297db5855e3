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
