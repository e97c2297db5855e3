/**
 * The Parquet writer: turns a finished result table (`OutTable`) into one complete Parquet
 * file in memory.
 *
 * Backend: parquet-wasm (the Rust `parquet` crate of arrow-rs compiled to WebAssembly), fed an
 * Arrow IPC stream built with apache-arrow. Chosen by measurement (bench/parquet-libs.ts,
 * docs/parquet-libraries.md): it is the only candidate that writes every int64 exactly AND
 * supports all four codecs we offer (zstd, snappy, gzip, none), and it was the fastest.
 *
 * What the file looks like:
 * - one OPTIONAL column per table column: utf8 -> BYTE_ARRAY + STRING logical type,
 *   int64 -> INT64, int32 -> INT32, float64 -> DOUBLE; nulls as definition levels;
 * - dictionary encoding on (the writer falls back to plain for a column chunk whose
 *   dictionary outgrows the 1 MiB dictionary page limit, e.g. unique ids);
 * - the requested codec on every column chunk; data page v1 (readable by every reader);
 * - the Arrow schema in the footer (`ARROW:schema`), so pyarrow reads back the same types;
 * - a zero-row table still gives a valid file carrying the schema.
 *
 * The SQL engine's batches (every DataType: DECIMAL, DATE, TIMESTAMP, ...) are written by
 * parquet-batch.ts through the same backend (`writeParquetIPC`).
 *
 * int64 columns given as Float64Array must hold integers with |v| <= 2^53 (exact doubles);
 * anything else is rejected rather than silently rounded. Give BigInt64Array for ids above that.
 *
 * Cost: apache-arrow and the ~5 MB wasm module load once per process on first use (~110 ms on
 * 2 cores: ~80 ms arrow, ~35 ms wasm; see the bench); call `initParquet()` at worker start to
 * pay it up front. WebAssembly memory grows to
 * the largest table written and is not returned to the OS while the process lives.
 */
import type { Data, DataType, Field, Utf8 } from 'apache-arrow';
import type { Compression, OutColumn, OutTable } from '../types/table.js';
import { KindlingError } from '../common/errors.js';
import { createRequire } from 'node:module';

export type Arrow = typeof import('apache-arrow');
interface Backend { pw: typeof import('parquet-wasm'); arrow: Arrow }

let backend: Promise<Backend> | undefined;

/**
 * Loads apache-arrow and compiles the parquet-wasm module, once per process (importing this
 * file costs nothing until then). Safe to call many times; encodeParquet calls it too.
 */
export function initParquet(): Promise<void> {
  return loadBackend().then(() => undefined);
}

/**
 * apache-arrow's single-file build: the same API as its ESM entry, but one file to load
 * instead of ~200 modules (13 ms instead of ~100 ms per thread, measured here).
 */
export function loadArrow(): Arrow {
  return createRequire(import.meta.url)('apache-arrow/Arrow.esnext.min') as Arrow;
}

function loadBackend(): Promise<Backend> {
  if (!backend) {
    backend = Promise.all([import('parquet-wasm'), Promise.resolve().then(loadArrow)]).then(([pw, arrow]) => ({ pw, arrow })).catch((e: unknown) => {
      backend = undefined;
      throw new KindlingError('INTERNAL', `cannot load the Parquet writer (parquet-wasm, apache-arrow): ${errText(e)}`, {
        cause: e, hint: 'reinstall dependencies (npm ci); parquet-wasm and apache-arrow must be present',
      });
    });
  }
  return backend;
}

const CODECS: Record<Compression, 'ZSTD' | 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED'> = {
  zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', none: 'UNCOMPRESSED',
};

/** Encodes `table` as a complete Parquet file, every column chunk compressed with `compression`. */
export function encodeParquet(table: OutTable, compression: Compression): Promise<Uint8Array> {
  return writeParquetIPC(compression, (arrow) => toArrowIPC(arrow, table));
}

/**
 * The Parquet file of the Arrow IPC stream that `build` makes (with the loaded apache-arrow),
 * written as above: `compression` on every column chunk, dictionary encoding on. Shared by the
 * writer of engine batches (parquet-batch.ts).
 */
export async function writeParquetIPC(compression: Compression, build: (arrow: Arrow) => Uint8Array): Promise<Uint8Array> {
  const codec = CODECS[compression];
  if (codec === undefined) {
    throw new KindlingError('USAGE', `unknown Parquet compression '${String(compression)}'`, {
      hint: 'use one of zstd, snappy, gzip, none',
    });
  }
  const { pw, arrow } = await loadBackend();
  const ipc = build(arrow);
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression[codec])
    .setDictionaryEnabled(true)
    .setCreatedBy('kindling (parquet-wasm 0.8 / arrow-rs)')
    .build();
  let wasmTable;
  try {
    wasmTable = pw.Table.fromIPCStream(ipc);
  } catch (e) {
    props.free();
    throw new KindlingError('INTERNAL', `Parquet writer rejected the Arrow data: ${errText(e)}`, { cause: e });
  }
  try {
    return pw.writeParquet(wasmTable, props); // consumes both wasm objects
  } catch (e) {
    throw new KindlingError('INTERNAL', `Parquet write failed: ${errText(e)}`, { cause: e });
  }
}

/** The table as one Arrow IPC stream (schema message + one record batch). */
function toArrowIPC(arrow: Arrow, table: OutTable): Uint8Array {
  const { Field, makeData, RecordBatch, Schema, Struct, Table, tableToIPC } = arrow;
  const n = table.rows;
  if (!Number.isInteger(n) || n < 0) throw new KindlingError('INTERNAL', `bad row count ${n} for a Parquet table`);
  const seen = new Set<string>();
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const col of table.columns) {
    if (seen.has(col.name)) {
      throw new KindlingError('INTERNAL', `duplicate output column '${col.name}'`, { place: { field: col.name } });
    }
    seen.add(col.name);
    if (col.values.length !== n) {
      throw new KindlingError('INTERNAL', `column '${col.name}' has ${col.values.length} values, the table has ${n} rows`, {
        place: { field: col.name },
      });
    }
    const data = columnData(arrow, col, n);
    fields.push(new Field(col.name, data.type, true));
    children.push(data);
  }
  const schema = new Schema(fields);
  const struct = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
  return tableToIPC(new Table(new RecordBatch(schema, struct)), 'stream');
}

function columnData(arrow: Arrow, col: OutColumn, n: number): Data<DataType> {
  const { Float64, Int32, Int64, makeData } = arrow;
  switch (col.type) {
    case 'utf8':
      return utf8Data(arrow, col.name, col.values, n);
    case 'int64': {
      const { bitmap, nullCount } = validity(col.nulls, n);
      const data = col.values instanceof BigInt64Array ? col.values : exactInt64(col.name, col.values, col.nulls);
      return makeData({ type: new Int64(), length: n, nullCount, nullBitmap: bitmap, data });
    }
    case 'int32': {
      const { bitmap, nullCount } = validity(col.nulls, n);
      return makeData({ type: new Int32(), length: n, nullCount, nullBitmap: bitmap, data: col.values });
    }
    case 'float64': {
      const { bitmap, nullCount } = validity(col.nulls, n);
      return makeData({ type: new Float64(), length: n, nullCount, nullBitmap: bitmap, data: col.values });
    }
    default:
      throw new KindlingError('INTERNAL', `unsupported output column type '${(col as { type: string }).type}'`);
  }
}

/** Arrow validity bitmap (bit set = value present) from our null mask (byte 1 = null). */
export function validity(nulls: Uint8Array | undefined, n: number): { bitmap: Uint8Array | undefined; nullCount: number } {
  if (!nulls) return { bitmap: undefined, nullCount: 0 };
  if (nulls.length < n) throw new KindlingError('INTERNAL', `null mask has ${nulls.length} entries for ${n} rows`);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (nulls[i]) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return nullCount === 0 ? { bitmap: undefined, nullCount: 0 } : { bitmap, nullCount };
}

const TWO_53 = 2 ** 53;
const TWO_32 = 2 ** 32;

/** Float64 integers -> two's complement int64, without a BigInt per value. */
export function exactInt64(name: string, values: Float64Array, nulls: Uint8Array | undefined): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const words = new Int32Array(out.buffer); // little-endian: [lo, hi] per value
  for (let i = 0; i < values.length; i++) {
    if (nulls && nulls[i]) continue;
    const v = values[i];
    if (!Number.isInteger(v) || v > TWO_53 || v < -TWO_53) {
      throw new KindlingError('INTERNAL', `int64 column '${name}' row ${i} holds ${v}, not an exact integer`, {
        place: { field: name },
        hint: 'int64 values beyond 2^53 must be given as a BigInt64Array',
      });
    }
    words[2 * i] = v >>> 0 | 0;
    words[2 * i + 1] = Math.floor(v / TWO_32) | 0;
  }
  return out;
}

const encoder = new TextEncoder();
/** Distinct strings encoded once and kept; beyond, each is written straight into the data (unique ids). */
const UTF8_CACHE_LIMIT = 4096;

/**
 * Arrow Utf8 data: the first 4096 distinct strings are encoded once (result columns are mostly
 * low-cardinality), any further ones written in place (a cache of 1M unique strings cost ~15x).
 * A value is null when it is null, or when `nulls` (engine vectors' mask, 1 = null) says so.
 */
export function utf8Data(arrow: Arrow, name: string, values: (string | null)[], n: number, nulls?: Uint8Array): Data<Utf8> {
  const cache = new Map<string, Uint8Array>();
  let bytes = 0;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s === null || s === undefined || (nulls && nulls[i])) { nullCount++; continue; }
    let enc = cache.get(s);
    if (enc === undefined && cache.size < UTF8_CACHE_LIMIT) { enc = encoder.encode(s); cache.set(s, enc); }
    bytes += enc === undefined ? Buffer.byteLength(s, 'utf8') : enc.length;
  }
  if (bytes > 0x7fffffff) {
    throw new KindlingError('INTERNAL', `string column '${name}' holds ${bytes} bytes, more than one Arrow batch can (2 GiB)`, {
      place: { field: name }, hint: 'write the result in more partitions',
    });
  }
  const offsets = new Int32Array(n + 1);
  const data = Buffer.alloc(bytes);
  const bitmap = nullCount > 0 ? new Uint8Array((n + 7) >> 3) : undefined;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s !== null && s !== undefined && !(nulls && nulls[i])) {
      const enc = cache.get(s);
      if (enc === undefined) pos += data.write(s, pos, 'utf8');
      else { data.set(enc, pos); pos += enc.length; }
      if (bitmap) bitmap[i >> 3] |= 1 << (i & 7);
    }
    offsets[i + 1] = pos;
  }
  return arrow.makeData({ type: new arrow.Utf8(), length: n, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data });
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
