/**
 * The table scan of a Parquet split: parquet-wasm (the Rust reader of arrow-rs, the same
 * library the writer uses, see formats/parquet.ts) streams the projected columns of the split's
 * row groups as Arrow record batches, and ./scan-arrow.ts turns each column into a Vector of its
 * declared type. Columns are found by name (exactly, else ignoring case).
 *
 * A local file is read through a file-backed Blob (only the footer and the row groups read are
 * loaded), and can be cut into splits of whole row groups; an object-store file is fetched whole
 * and read as one split.
 */
import { openAsBlob } from 'node:fs';
import type { Field as ArrowField, Schema as ArrowSchema } from 'apache-arrow';
import { KindlingError } from '../../common/errors.js';
import type { TableSource } from '../../plan/logical/nodes.js';
import type { ObjectInfo, ObjectStore } from '../../storage/store.js';
import { LocalStore } from '../../storage/local.js';
import type { Batch, Vector } from '../../types/vector.js';
import { loadArrow } from '../../formats/parquet.js';
import { arrowToVector, sqlTypeOf } from './scan-arrow.js';
import type { Schema } from '../../types/schema.js';
import type { ScanOptions, Split } from './scan-common.js';

type ParquetWasm = typeof import('parquet-wasm');
type ParquetFile = import('parquet-wasm').ParquetFile;

let wasm: Promise<ParquetWasm> | undefined;

function corrupt(file: string, e: unknown): KindlingError {
  if (e instanceof KindlingError) return e;
  return new KindlingError('INPUT_CORRUPT', `${file}: not a readable Parquet file (${e instanceof Error ? e.message : String(e)})`, {
    place: { file },
    hint: 'check that the file is Parquet (and complete), or declare the table with another format',
    cause: e,
  });
}

async function open(store: ObjectStore, file: string, etag?: string): Promise<ParquetFile> {
  const pw = await (wasm ??= import('parquet-wasm'));
  if (etag) {
    const now = await store.head(file);
    if (!now || now.etag !== etag) {
      throw new KindlingError('INPUT_CHANGED', `${file} changed since its splits were listed`, { place: { file }, hint: 'rerun the query once the input is stable' });
    }
  }
  const blob = store instanceof LocalStore ? await openAsBlob(store.toPath(file)) : new Blob([(await store.readAll(file)) as Uint8Array<ArrayBuffer>]);
  try {
    return await pw.ParquetFile.fromFile(blob);
  } catch (e) {
    throw corrupt(file, e);
  }
}

/**
 * The splits of one Parquet file: runs of whole row groups of about splitSize compressed bytes
 * for a local file, the whole file otherwise.
 */
export async function parquetSplits(store: ObjectStore, f: ObjectInfo, splitSize: number): Promise<Split[]> {
  const whole: Split = { uri: f.uri, start: 0, end: f.size, fileSize: f.size, gzip: false, etag: f.etag || undefined };
  if (!(store instanceof LocalStore) || f.size <= splitSize) return [whole];
  const pf = await open(store, f.uri);
  try {
    const meta = pf.metadata();
    const out: Split[] = [];
    let group: number[] = [];
    let bytes = 0;
    for (let g = 0, n = meta.numRowGroups(); g < n; g++) {
      group.push(g);
      bytes += meta.rowGroup(g).compressedSize();
      if (bytes >= splitSize || g === n - 1) {
        out.push({ ...whole, rowGroups: group });
        group = [];
        bytes = 0;
      }
    }
    return out.length > 1 ? out : [whole];
  } finally {
    pf.free();
  }
}

/** The columns of a Parquet file as a schema (a table declared without one). */
export async function parquetSchema(store: ObjectStore, file: string): Promise<Schema> {
  const pf = await open(store, file);
  try {
    const schema = loadArrow().tableFromIPC(pf.schema().intoIPCStream()).schema;
    return schema.fields.map((f: ArrowField) => ({ name: f.name, type: sqlTypeOf(f.type as never, file, f.name), nullable: true }));
  } finally {
    pf.free();
  }
}

/** The file's column for a declared name: the same name, else the only one equal ignoring case. */
function fileColumn(schema: ArrowSchema, name: string, file: string): number {
  const exact = schema.fields.findIndex((f: ArrowField) => f.name === name);
  if (exact >= 0) return exact;
  const folded = schema.fields.flatMap((f: ArrowField, i: number) => (f.name.toLowerCase() === name.toLowerCase() ? [i] : []));
  if (folded.length === 1) return folded[0];
  throw new KindlingError('INPUT_BAD_HEADER', `${file} has no column ${name} (its columns: ${schema.fields.map((f: ArrowField) => f.name).join(', ')})`, {
    place: { file, field: name },
    hint: 'declare the table with the file\'s column names',
  });
}

/** The split's rows as Batches of the table's columns `columns` (indices into its schema), in that order. */
export async function* scanParquetSplit(store: ObjectStore, table: TableSource, split: Split, columns: number[], opts: ScanOptions = {}): AsyncGenerator<Batch> {
  const file = split.uri;
  const arrow = loadArrow();
  const pf = await open(store, file, split.etag);
  try {
    const schema = arrow.tableFromIPC(pf.schema().intoIPCStream()).schema;
    const project: number[] = [];
    for (const c of columns) if (!project.includes(c)) project.push(c);
    const names = project.map((c) => schema.fields[fileColumn(schema, table.schema[c].name, file)].name);
    if (project.length === 0) {
      // No columns (count(*)): the row counts of the row groups are the answer.
      const meta = pf.metadata();
      const groups = split.rowGroups ?? Array.from({ length: meta.numRowGroups() }, (_, g) => g);
      for (const g of groups) {
        const rows = meta.rowGroup(g).numRows();
        if (rows > 0) yield { length: rows, columns: [] };
      }
      return;
    }
    let stream: ReadableStream;
    try {
      stream = await pf.stream({ columns: [...new Set(names)], batchSize: opts.batchRows ?? 8192, ...(split.rowGroups ? { rowGroups: split.rowGroups } : {}) });
    } catch (e) {
      throw corrupt(file, e);
    }
    const order = columns.map((c) => project.indexOf(c));
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<{ intoIPCStream(): Uint8Array }>;
    for (;;) {
      let next;
      try {
        next = await it.next();
      } catch (e) {
        throw corrupt(file, e);
      }
      if (next.done) break;
      const t = arrow.tableFromIPC(next.value.intoIPCStream());
      for (const b of t.batches) {
        if (b.numRows === 0) continue;
        const vectors: Vector[] = project.map((c, k) => {
          const child = b.getChild(names[k]);
          if (!child || child.data.length !== 1) throw new KindlingError('INTERNAL', `${file}: column ${names[k]} came back in ${child?.data.length ?? 0} chunks`);
          return arrowToVector(child.data[0], table.schema[c].type, file, table.schema[c].name);
        });
        yield { length: b.numRows, columns: order.map((k) => vectors[k]) };
      }
    }
  } finally {
    pf.free();
  }
}
