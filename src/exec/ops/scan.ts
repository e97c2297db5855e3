/**
 * The table scan: a declared table (TableSource) read into Batches of the engine's vectors.
 *
 *   listSplits   the table's files, cut into splits (the units of scan work)
 *   scanSplit    one split's rows, projected to the columns asked for
 *   scanTable    every split in order (in-process execution, tests); readTable: as one Batch
 *
 * A table's uri names its files as the older engine's input did: a file or a glob names exactly
 * what to read; a directory or prefix is read for the files of the table's format (*.csv and
 * *.csv.gz, *.parquet, *.jsonl), hidden (.x) and underscore (_x) entries excluded. A directory
 * that holds a committed kindling output (a `_SUCCESS` manifest, coordinator/commit.ts) is read
 * for exactly the files its manifest lists: the output directory itself when the manifest has one
 * table (or one named as the table), or its `<output>/<table>` directory.
 *
 * CSV files are cut into splits of about table.splitSize bytes (a record crossing a cut belongs to
 * the split it starts in); a gzip file is one split; a Parquet file is one split, or runs of whole
 * row groups when it is a local file larger than splitSize.
 */
import { KindlingError } from '../../common/errors.js';
import type { TableSource } from '../../plan/logical/nodes.js';
import type { ObjectInfo, ObjectStore } from '../../storage/store.js';
import { hasGlob } from '../../storage/glob.js';
import { storeFor } from '../../storage/index.js';
import type { Batch } from '../../types/vector.js';
import { concatBatches } from './rows.js';
import type { ScanOptions, Split } from './scan-common.js';
import { scanCsvSplit } from './scan-csv.js';
import { parquetSplits, scanParquetSplit } from './scan-parquet.js';
import { scanJsonlSplit } from './scan-jsonl.js';

export type { BadPolicy, BadPolicyOptions, BadRecordReport, ScanOptions, Split } from './scan-common.js';

/** The manifest file of a committed output (coordinator/commit.ts SUCCESS). */
const SUCCESS = '_SUCCESS';

const EXTENSIONS: Record<TableSource['format'], RegExp> = {
  csv: /\.csv(\.gz)?$/i,
  parquet: /\.parquet$/i,
  jsonl: /\.(jsonl|ndjson|json)(\.gz)?$/i,
};

interface Manifest {
  tables?: Record<string, { files?: { path: string }[] }>;
}

async function manifestAt(store: ObjectStore, dir: string): Promise<Manifest | undefined> {
  const uri = store.join(dir, SUCCESS);
  let found;
  try {
    found = await store.head(uri);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined; // dir is a file
    throw e;
  }
  if (!found) return undefined;
  try {
    return JSON.parse(Buffer.from(await store.readAll(uri)).toString('utf8')) as Manifest;
  } catch (e) {
    throw new KindlingError('INPUT_CORRUPT', `${uri} is not a kindling output manifest (${(e as Error).message})`, { place: { file: uri }, cause: e });
  }
}

/** The files a committed output lists for the table (paths relative to `base`), with their sizes and versions. */
async function manifestFiles(store: ObjectStore, base: string, paths: string[], table: TableSource): Promise<ObjectInfo[]> {
  const listed = new Map((await store.list(base)).map((f) => [f.uri, f]));
  const out: ObjectInfo[] = [];
  for (const p of paths) {
    const uri = store.join(base, p);
    const f = listed.get(uri) ?? (await store.head(uri));
    if (!f) {
      throw new KindlingError('INPUT_NOT_FOUND', `${uri} is listed in ${store.join(base, SUCCESS)} but does not exist`, {
        place: { file: uri }, hint: `the output of table ${table.name}'s source was changed after it was committed; rerun the job that wrote it`,
      });
    }
    out.push(f);
  }
  return out;
}

/** The files of the table, in order. */
export async function tableFiles(store: ObjectStore, table: TableSource): Promise<ObjectInfo[]> {
  const uri = table.uri;
  const listed = await store.list(uri);
  const exact = hasGlob(uri) || (listed.length === 1 && listed[0].uri === uri);
  if (!exact) {
    const m = await manifestAt(store, uri);
    if (m) {
      const names = Object.keys(m.tables ?? {});
      const name = names.length === 1 ? names[0] : names.find((n) => n === table.name);
      if (!name) {
        throw new KindlingError('USAGE', `${uri} is a committed output of ${names.length} tables (${names.join(', ')}); table ${table.name} must name one`, {
          place: { file: uri }, hint: `set the table's uri to ${store.join(uri, names[0] ?? '<table>')}`,
        });
      }
      return manifestFiles(store, uri, (m.tables![name].files ?? []).map((f) => f.path), table);
    }
    // <output>/<table> of a committed output: the manifest one level up lists its files.
    const trimmed = uri.replace(/\/+$/, '');
    const cut = trimmed.lastIndexOf('/');
    if (cut > 0 && !trimmed.endsWith(':/')) {
      const parent = trimmed.slice(0, cut);
      const t = (await manifestAt(store, parent))?.tables?.[trimmed.slice(cut + 1)];
      if (t) return manifestFiles(store, parent, (t.files ?? []).map((f) => f.path), table);
    }
  }
  const files = listed.filter((f) => exact || EXTENSIONS[table.format].test(f.uri));
  if (files.length === 0) {
    const why = hasGlob(uri) ? '(no file matches the glob)'
      : listed.length === 0 ? '(the path does not exist, or is an empty directory or prefix)'
      : `(it holds ${listed.length} file(s), none of them ${table.format}: ${listed.slice(0, 3).map((f) => f.uri).join(', ')}${listed.length > 3 ? ', …' : ''})`;
    throw new KindlingError('INPUT_NOT_FOUND', `table ${table.name}: no input files at ${uri} ${why}`, {
      place: { file: uri },
      hint: `check the path; a directory is read for its ${EXTENSIONS[table.format].source.replace(/\\/g, '')} files, a glob like data/*.${table.format} also works`,
    });
  }
  return files;
}

/** The table's files cut into splits, in file order. */
export async function listSplits(store: ObjectStore, table: TableSource): Promise<Split[]> {
  const files = await tableFiles(store, table);
  const size = Math.max(1, table.splitSize);
  const splits: Split[] = [];
  for (const f of files) {
    if (table.format === 'parquet') {
      splits.push(...(await parquetSplits(store, f, size)));
      continue;
    }
    const gzip = /\.gz$/i.test(f.uri);
    const n = gzip || f.size === 0 ? 1 : Math.max(1, Math.ceil(f.size / size));
    for (let i = 0; i < n; i++) {
      const start = Math.floor((f.size * i) / n);
      const end = i === n - 1 ? f.size : Math.floor((f.size * (i + 1)) / n);
      splits.push({ uri: f.uri, start, end, fileSize: f.size, gzip, etag: f.etag || undefined });
    }
  }
  return splits;
}

/** One split's rows: Batches of exactly the table's columns `columns` (indices into table.schema), in that order. */
export function scanSplit(store: ObjectStore, table: TableSource, split: Split, columns: number[], opts: ScanOptions = {}): AsyncGenerator<Batch> {
  for (const c of columns) {
    if (!Number.isInteger(c) || c < 0 || c >= table.schema.length) {
      throw new KindlingError('INTERNAL', `scan of ${table.name}: no column ${c} (the table has ${table.schema.length})`);
    }
  }
  switch (table.format) {
    case 'csv':
      return scanCsvSplit(store, table, split, columns, opts);
    case 'parquet':
      return scanParquetSplit(store, table, split, columns, opts);
    case 'jsonl':
      return scanJsonlSplit(store, table, split, columns, opts);
    default:
      throw new KindlingError('USAGE', `table ${table.name}: ${String(table.format)} tables cannot be read`, { hint: 'declare the table as csv, parquet or jsonl' });
  }
}

/** Every split of the table in order, for in-process execution and tests. */
export async function* scanTable(store: ObjectStore, table: TableSource, columns: number[], opts: ScanOptions = {}): AsyncGenerator<Batch> {
  for (const split of await listSplits(store, table)) yield* scanSplit(store, table, split, columns, opts);
}

/** The whole table's columns as one Batch. */
export async function readTable(store: ObjectStore, table: TableSource, columns: number[], opts: ScanOptions = {}): Promise<Batch> {
  const parts: Batch[] = [];
  for await (const b of scanTable(store, table, columns, opts)) parts.push(b);
  const schema = columns.map((c) => table.schema[c]);
  if (columns.length === 0) return { length: parts.reduce((s, b) => s + b.length, 0), columns: [] };
  return concatBatches(schema, parts);
}

/** A scan for the in-process executor (exec/ops/execute.ts ExecContext): each table from its uri's store. */
export function storageScan(opts: ScanOptions = {}): { scan(table: TableSource, columns: number[]): Promise<Batch>; batches(table: TableSource, columns: number[]): AsyncIterable<Batch> } {
  return {
    scan: (table, columns) => readTable(storeFor(table.uri), table, columns, opts),
    batches: (table, columns) => scanTable(storeFor(table.uri), table, columns, opts),
  };
}
