/**
 * The Parquet writer for the SQL engine's results: a `Schema` and its `Batch`es (columns of any
 * kindling DataType, src/types/vector.ts) as one complete Parquet file in memory, through the
 * backend of parquet.ts (parquet-wasm fed an Arrow IPC stream; same codecs, dictionary encoding,
 * `ARROW:schema` footer, OPTIONAL columns with nulls as definition levels).
 *
 * Type mapping (checked against DuckDB 1.5 and pyarrow 26, test/formats/parquet-batch.test.ts):
 *
 *   kindling       Arrow                    Parquet (physical, logical)           DuckDB reads   pyarrow reads
 *   BOOLEAN        Bool                     BOOLEAN                               BOOLEAN        bool
 *   INTEGER        Int32                    INT32                                 INTEGER        int32
 *   BIGINT         Int64                    INT64                                 BIGINT         int64
 *   DOUBLE         Float64                  DOUBLE                                DOUBLE         double
 *   VARCHAR        Utf8                     BYTE_ARRAY, STRING                    VARCHAR        string
 *   DECIMAL(p,s)   Decimal128(p,s)          p <= 9: INT32, p <= 18: INT64,        DECIMAL(p,s)   decimal128(p,s)
 *                                           else FIXED_LEN_BYTE_ARRAY(16); DECIMAL(p,s)
 *   DATE           Date32 (DateDay)         INT32, DATE                           DATE           date32[day]
 *   TIMESTAMP      Timestamp(µs, no zone)   INT64, TIMESTAMP(MICROS,              TIMESTAMP      timestamp[us]
 *                                           isAdjustedToUTC=false)
 *   INTERVAL       refused (KindlingError USAGE naming the column; cast it to VARCHAR)
 *
 * TIMESTAMP: our timestamps are UTC instants without a zone, as DuckDB's TIMESTAMP. Written with
 * a 'UTC' zone (isAdjustedToUTC=true) DuckDB reads them as TIMESTAMP WITH TIME ZONE and pyarrow
 * as timestamp[us, tz=UTC]; without a zone both read back the plain type, so that is what we write
 * (the stored microseconds are the same either way).
 *
 * INTERVAL: nothing round-trips. parquet-wasm 0.8 refuses Arrow's MonthDayNano interval ("NYI");
 * Parquet's own INTERVAL (what it writes for Arrow YearMonth / DayTime) is months, days and
 * *milliseconds*, can't hold months and days together from one Arrow type, and DuckDB reads its
 * millisecond part unsigned (-7 ms came back as 4294967289 ms). So an INTERVAL column is refused
 * up front, before any work, with the column's name and the cast to use.
 *
 * Every value is exact: integral values given as exact doubles must be integers of at most 2^53,
 * DECIMAL values must fit their precision; anything else is an INTERNAL error, not a rounding.
 * Several batches go in as several Arrow record batches (the writer packs rows into row groups of
 * up to 1Mi rows); none, or only empty ones, still give a valid file carrying the schema.
 */
import type { Data, DataType as ArrowType, Field as ArrowField, RecordBatch } from 'apache-arrow';
import type { Compression } from '../types/table.js';
import { quoteIdent, type Schema } from '../types/schema.js';
import { sameType, typeName, type DataType } from '../types/datatype.js';
import { allocate, type Batch, type Vector } from '../types/vector.js';
import { KindlingError } from '../common/errors.js';
import { exactInt64, utf8Data, validity, writeParquetIPC, type Arrow } from './parquet.js';

/**
 * Encodes `schema` and its `batches` as a complete Parquet file, every column chunk compressed
 * with `compression`. Throws KindlingError USAGE for a schema Parquet cannot hold (INTERVAL,
 * duplicate names), INTERNAL for batches that do not match the schema or hold inexact values.
 */
export async function encodeBatchParquet(schema: Schema, batches: Batch[] | Batch, compression: Compression): Promise<Uint8Array> {
  checkParquetSchema(schema);
  const list = Array.isArray(batches) ? batches : [batches];
  return writeParquetIPC(compression, (arrow) => toArrowIPC(arrow, schema, list));
}

/** Throws the USAGE error encodeBatchParquet would throw for this schema; for planners to check early. */
export function checkParquetSchema(schema: Schema): void {
  const seen = new Set<string>();
  for (const f of schema) {
    if (f.type.id === 'INTERVAL') {
      throw new KindlingError('USAGE', `column ${quoteIdent(f.name)} is an INTERVAL, which kindling cannot write to Parquet exactly`, {
        place: { field: f.name },
        hint: `cast it to text in the query: CAST(${quoteIdent(f.name)} AS VARCHAR) AS ${quoteIdent(f.name)}`,
      });
    }
    if (seen.has(f.name)) {
      throw new KindlingError('USAGE', `two output columns are named ${quoteIdent(f.name)}; a Parquet file needs distinct column names`, {
        place: { field: f.name }, hint: 'give each output column its own name (... AS name)',
      });
    }
    seen.add(f.name);
  }
}

function toArrowIPC(arrow: Arrow, schema: Schema, batches: Batch[]): Uint8Array {
  const { Field, makeData, RecordBatch, Schema: ArrowSchema, Struct, Table, tableToIPC } = arrow;
  const fields: ArrowField[] = schema.map((f) => new Field(f.name, arrowType(arrow, f.type), true));
  const arrowSchema = new ArrowSchema(fields);
  const list = batches.length ? batches : [emptyBatch(schema)];
  const records: RecordBatch[] = list.map((b, k) => {
    const n = b.length;
    if (!Number.isInteger(n) || n < 0) throw new KindlingError('INTERNAL', `batch ${k} has a bad row count ${n}`);
    if (b.columns.length !== schema.length) {
      throw new KindlingError('INTERNAL', `batch ${k} has ${b.columns.length} columns, the schema ${schema.length}`);
    }
    const children = schema.map((f, c) => columnData(arrow, fields[c].type, f.name, f.type, b.columns[c], n));
    return new RecordBatch(arrowSchema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
  });
  return tableToIPC(new Table(arrowSchema, records), 'stream');
}

function emptyBatch(schema: Schema): Batch {
  return { length: 0, columns: schema.map((f) => ({ type: f.type, length: 0, values: allocate(f.type, 0) })) };
}

function arrowType(arrow: Arrow, t: DataType): ArrowType {
  switch (t.id) {
    case 'BOOLEAN': return new arrow.Bool();
    case 'INTEGER': return new arrow.Int32();
    case 'BIGINT': return new arrow.Int64();
    case 'DOUBLE': return new arrow.Float64();
    case 'VARCHAR': return new arrow.Utf8();
    case 'DECIMAL': return new arrow.Decimal(t.scale, t.precision, 128);
    case 'DATE': return new arrow.DateDay();
    case 'TIMESTAMP': return new arrow.TimestampMicrosecond(); // no zone: see the header
    case 'INTERVAL': throw new KindlingError('INTERNAL', 'INTERVAL reached the Parquet writer'); // checkParquetSchema refused it
  }
}

function columnData(arrow: Arrow, type: ArrowType, name: string, t: DataType, v: Vector, n: number): Data<ArrowType> {
  const place = { field: name };
  if (!v || !sameType(v.type, t)) {
    throw new KindlingError('INTERNAL', `column '${name}' holds ${v ? typeName(v.type) : 'nothing'}, the schema says ${typeName(t)}`, { place });
  }
  const values = v.values as ArrayLike<unknown>;
  if (v.length !== n || values.length < n) {
    throw new KindlingError('INTERNAL', `column '${name}' has ${Math.min(v.length, values.length)} values, the batch has ${n} rows`, { place });
  }
  if (t.id === 'VARCHAR') return utf8Data(arrow, name, values as string[], n, v.nulls);
  const { bitmap, nullCount } = validity(v.nulls, n);
  const make = (data: ArrayBufferView) => arrow.makeData({ type, length: n, nullCount, nullBitmap: bitmap, data } as never) as Data<ArrowType>;
  switch (t.id) {
    case 'BOOLEAN': return make(packBits(values as Uint8Array, n));
    case 'INTEGER':
    case 'DATE':
    case 'DOUBLE': return make((values as Int32Array | Float64Array).subarray(0, n));
    case 'BIGINT':
    case 'TIMESTAMP': return make(int64Of(name, values, v.nulls, n));
    case 'DECIMAL': return make(decimal128(name, t.precision, values, v.nulls, n));
    default: throw new KindlingError('INTERNAL', `cannot write ${typeName(t)} to Parquet`, { place });
  }
}

function packBits(values: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (values[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}

const MIN64 = -(2n ** 63n);
const MAX64 = 2n ** 63n - 1n;

/** BIGINT / TIMESTAMP values in any of the integral forms as int64. */
function int64Of(name: string, values: ArrayLike<unknown>, nulls: Uint8Array | undefined, n: number): BigInt64Array {
  if (values instanceof BigInt64Array) return values.subarray(0, n);
  if (values instanceof Float64Array) return exactInt64(name, values.subarray(0, n), nulls);
  const big = values as bigint[];
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    if (nulls && nulls[i]) continue;
    const x = big[i];
    if (typeof x !== 'bigint' || x < MIN64 || x > MAX64) throw inexact(name, i, String(x), 'not a 64-bit integer');
    out[i] = x;
  }
  return out;
}

const TWO_32 = 2 ** 32;
const TWO_53 = 2 ** 53;

/**
 * DECIMAL values (the integers value x 10^s) as Arrow Decimal128 data: four little-endian 32-bit
 * words per value, two's complement. Each value must have at most `precision` digits: the writer
 * narrows p <= 18 decimals to INT32 / INT64 without checking.
 */
function decimal128(name: string, precision: number, values: ArrayLike<unknown>, nulls: Uint8Array | undefined, n: number): Uint32Array {
  const out = new BigInt64Array(2 * n); // [lo, hi] per value
  if (values instanceof Float64Array) {
    const words = new Int32Array(out.buffer);
    const limit = 10 ** precision; // exact for p <= 15; beyond, larger than any exact double
    for (let i = 0; i < n; i++) {
      if (nulls && nulls[i]) continue;
      const x = values[i];
      if (!Number.isInteger(x) || x > TWO_53 || x < -TWO_53) throw inexact(name, i, String(x), 'not an exact integer');
      if (x >= limit || x <= -limit) throw inexact(name, i, String(x), `more than ${precision} digits`);
      words[4 * i] = x >>> 0 | 0;
      words[4 * i + 1] = Math.floor(x / TWO_32) | 0;
      if (x < 0) words[4 * i + 2] = words[4 * i + 3] = -1;
    }
  } else if (values instanceof BigInt64Array) {
    const limit = 10n ** BigInt(precision);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if ((x >= limit || x <= -limit) && !(nulls && nulls[i])) throw inexact(name, i, String(x), `more than ${precision} digits`);
      out[2 * i] = x;
      out[2 * i + 1] = x < 0n ? -1n : 0n;
    }
  } else {
    const limit = 10n ** BigInt(precision);
    for (let i = 0; i < n; i++) {
      if (nulls && nulls[i]) continue;
      const x = (values as ArrayLike<bigint>)[i];
      if (typeof x !== 'bigint' || x >= limit || x <= -limit) throw inexact(name, i, String(x), `not an integer of at most ${precision} digits`);
      out[2 * i] = BigInt.asIntN(64, x);
      out[2 * i + 1] = BigInt.asIntN(64, x >> 64n);
    }
  }
  return new Uint32Array(out.buffer);
}

function inexact(name: string, row: number, value: string, why: string): KindlingError {
  return new KindlingError('INTERNAL', `column '${name}' row ${row} holds ${value}, ${why}`, { place: { field: name } });
}
