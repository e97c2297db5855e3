/**
 * Arrow column data (as parquet-wasm decodes a Parquet file) to a Vector of the column's declared
 * type, in types/vector.ts's forms. Each declared type reads the Arrow types that hold its values
 * exactly: BOOLEAN <- Bool; INTEGER <- 8/16/32-bit integers (and wider ones within int32);
 * BIGINT <- any integer; DOUBLE <- floats and integers; DECIMAL(p,s) <- decimals of any scale
 * (rescaled, rounding half away from zero) and integers; VARCHAR <- Utf8, LargeUtf8; DATE <-
 * Date32; TIMESTAMP <- Timestamp of any unit (ns truncated to µs) and Date32; and any of these
 * dictionary-encoded. Other pairs are an error naming the column and both types.
 */
import type { Data } from 'apache-arrow';
import { KindlingError } from '../../common/errors.js';
import { typeName, type DataType } from '../../types/datatype.js';
import { bigForm, isSafe, type Vector, type VectorValues } from '../../types/vector.js';
import { take } from './rows.js';

// apache-arrow's Type ids (the enum is a runtime value of the lazily loaded module).
const INT = 2, FLOAT = 3, UTF8 = 5, BOOL = 6, DECIMAL = 7, DATE = 8, TIMESTAMP = 10, LARGE_UTF8 = 20, DICTIONARY = -1;
const TWO32 = 4294967296;
const DAY_US = 86_400_000_000;
const utf8 = new TextDecoder('utf-8');

/**
 * The SQL type a Parquet file's column (as Arrow reads it) is declared with when a table gives
 * no schema: integers of up to 32 bits INTEGER, 64 bits BIGINT, floats DOUBLE, strings VARCHAR,
 * decimals DECIMAL(p,s), dates DATE, timestamps TIMESTAMP; anything else is an error naming it.
 */
export function sqlTypeOf(at: { typeId: number; bitWidth?: number; isSigned?: boolean; precision?: number; scale?: number; unit?: number }, file: string, field: string): DataType {
  const t = (id: DataType['id']) => ({ id }) as DataType;
  switch (at.typeId) {
    case INT:
      if ((at.bitWidth ?? 64) <= 16 || (at.bitWidth === 32 && at.isSigned !== false)) return t('INTEGER');
      if (at.bitWidth === 64 && at.isSigned === false) break;
      return t('BIGINT');
    case FLOAT: return t('DOUBLE');
    case UTF8: case LARGE_UTF8: return t('VARCHAR');
    case BOOL: return t('BOOLEAN');
    case DECIMAL: if ((at.precision ?? 39) <= 38) return { id: 'DECIMAL', precision: at.precision!, scale: at.scale ?? 0 } as DataType; break;
    case DATE: if (at.unit === 0) return t('DATE'); break;
    case TIMESTAMP: return t('TIMESTAMP');
  }
  throw new KindlingError('INPUT_BAD_HEADER', `${file}: column ${field} has the Parquet/Arrow type ${String(at)}, which kindling cannot read yet`, {
    place: { file, field }, hint: 'convert the column when writing the file (e.g. to VARCHAR or BIGINT)',
  });
}

/** Converts a column's Arrow data; `file` and `field` name it in errors. */
export function arrowToVector(d: Data, t: DataType, file: string, field: string): Vector {
  const n = d.length;
  const nulls = nullMask(d);
  const at = d.type;
  const id = at.typeId as number;
  const mismatch = () => new KindlingError('INPUT_BAD_HEADER', `${file}: column ${field} is ${String(at)} in the file, which does not read as ${typeName(t)}`, {
    place: { file, field },
    hint: 'declare the column with the type the file holds (DESCRIBE it in DuckDB), or convert the file',
  });
  if (id === DICTIONARY) {
    const dict = (d as unknown as { dictionary: { data: Data[] } }).dictionary;
    if (dict.data.length !== 1) throw mismatch();
    const entries = arrowToVector(dict.data[0], t, file, field);
    return take(entries, Int32Array.from(d.values as ArrayLike<number>, (x, i) => (nulls && nulls[i] ? -1 : Number(x))));
  }
  let values: VectorValues;
  const vals = d.values as ArrayLike<number | bigint>;
  switch (t.id) {
    case 'BOOLEAN': {
      if (id !== BOOL) throw mismatch();
      const bits = d.values as Uint8Array;
      const b = new Uint8Array(n);
      for (let i = 0, j = d.offset; i < n; i++, j++) b[i] = (bits[j >> 3] >> (j & 7)) & 1;
      values = b;
      break;
    }
    case 'INTEGER': case 'DATE': {
      if (!(t.id === 'INTEGER' ? id === INT : id === DATE && vals instanceof Int32Array)) throw mismatch();
      const o = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (nulls && nulls[i]) continue;
        const v = Number(vals[i]);
        if (v > 2147483647 || v < -2147483648) throw outOfRange(file, field, t, vals[i]);
        o[i] = v;
      }
      values = o;
      break;
    }
    case 'DOUBLE': {
      if (id === FLOAT && (vals instanceof Float32Array || vals instanceof Float64Array)) values = Float64Array.from(vals);
      else if (id === INT || id === DECIMAL) {
        const x = id === INT ? ints(vals, n) : decimals(d);
        const scale = id === INT ? 0 : (at as unknown as { scale: number }).scale;
        values = Float64Array.from(x.d, (v, i) => (v === v ? v : Number(x.big!.get(i)!)) / 10 ** scale);
      } else throw mismatch(); // half floats too
      break;
    }
    case 'VARCHAR': {
      if (id !== UTF8 && id !== LARGE_UTF8) throw mismatch();
      const offs = d.valueOffsets as unknown as ArrayLike<number | bigint>;
      const bytes = d.values as Uint8Array;
      const s = new Array<string>(n);
      for (let i = 0; i < n; i++) s[i] = nulls && nulls[i] ? '' : utf8.decode(bytes.subarray(Number(offs[i]), Number(offs[i + 1])));
      values = s;
      break;
    }
    case 'BIGINT': case 'DECIMAL': case 'TIMESTAMP': {
      let xs: Ints;
      if (t.id === 'BIGINT' && id === INT) xs = ints(vals, n);
      else if (t.id === 'DECIMAL' && (id === DECIMAL || id === INT)) xs = rescale(id === INT ? ints(vals, n) : decimals(d), id === INT ? 0 : (at as unknown as { scale: number }).scale, t, nulls, file, field);
      else if (t.id === 'TIMESTAMP' && id === TIMESTAMP) xs = micros(ints(vals, n), (at as unknown as { unit: number }).unit);
      else if (t.id === 'TIMESTAMP' && id === DATE && vals instanceof Int32Array) xs = days(vals);
      else throw mismatch();
      values = integral(t, xs, nulls, file, field);
      break;
    }
    case 'INTERVAL':
      throw new KindlingError('INPUT_BAD_HEADER', `${file}: column ${field}: INTERVAL columns of Parquet files are not read (the Parquet reader drops their months)`, {
        place: { file, field }, hint: 'store the interval as VARCHAR or as its parts (months, days, microseconds)',
      });
  }
  if (nulls) clearNulls(t, values, nulls);
  return { type: t, length: n, values, ...(nulls ? { nulls } : {}) };
}

/** 1 where the value is null, or undefined when none is. */
function nullMask(d: Data): Uint8Array | undefined {
  const bm = d.nullBitmap;
  if (!d.nullCount || !bm || bm.length === 0) return undefined;
  const out = new Uint8Array(d.length);
  for (let i = 0, j = d.offset; i < d.length; i++, j++) out[i] = ((bm[j >> 3] >> (j & 7)) & 1) ^ 1;
  return out;
}

/** Null slots hold 0 (or '' / 0n), as Vectors require. */
function clearNulls(t: DataType, values: VectorValues, nulls: Uint8Array): void {
  for (let i = 0; i < nulls.length; i++) {
    if (!nulls[i]) continue;
    if (values instanceof BigInt64Array) values[i] = 0n;
    else if (Array.isArray(values)) (values as unknown[])[i] = t.id === 'VARCHAR' ? '' : 0n;
    else (values as Float64Array)[i] = 0;
  }
}

/** Integer values: d[i] when exact, else NaN and big.get(i). */
interface Ints {
  d: Float64Array;
  big?: Map<number, bigint>;
}

/** Integer column values as Ints; int64 values are read as two 32-bit words, without a BigInt each (little-endian). */
function ints(vals: ArrayLike<number | bigint>, n: number): Ints {
  if (!(vals instanceof BigInt64Array || vals instanceof BigUint64Array)) return { d: Float64Array.from(vals as ArrayLike<number>) };
  const w = new Int32Array(vals.buffer, vals.byteOffset, n * 2);
  const signed = vals instanceof BigInt64Array;
  const d = new Float64Array(n);
  let big: Map<number, bigint> | undefined;
  for (let i = 0; i < n; i++) {
    const hi = signed ? w[2 * i + 1] : w[2 * i + 1] >>> 0;
    const v = hi * TWO32 + (w[2 * i] >>> 0);
    if (hi >= -0x200000 && hi < 0x200000 && isSafe(v)) d[i] = v;
    else { d[i] = NaN; (big ??= new Map()).set(i, BigInt(vals[i])); }
  }
  return { d, big };
}

const valueAt = (x: Ints, i: number): bigint => x.big?.get(i) ?? BigInt(x.d[i]);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Ints into the type's exact doubles when every non-null value is exact, else its bigint form (int64 values range-checked). */
function integral(t: DataType, x: Ints, nulls: Uint8Array | undefined, file: string, field: string): VectorValues {
  const n = x.d.length;
  const bigs = x.big && [...x.big.keys()].some((i) => !(nulls && nulls[i]));
  if (!bigs) {
    if (x.big) for (const i of x.big.keys()) x.d[i] = 0;
    return x.d;
  }
  const b = bigForm(t, n);
  if (b instanceof BigInt64Array) {
    for (const [i, v] of x.big!) if (!(nulls && nulls[i]) && (v < INT64_MIN || v > INT64_MAX)) throw outOfRange(file, field, t, v);
  }
  for (let i = 0; i < n; i++) b[i] = nulls && nulls[i] ? 0n : valueAt(x, i);
  return b;
}

/** The decimals' unscaled values (little-endian two's complement words of 128 or 256 bits). */
function decimals(d: Data): Ints {
  const w = d.values as Uint32Array;
  const k = ((d.type as unknown as { bitWidth?: number }).bitWidth ?? 128) / 32;
  const out = new Float64Array(d.length);
  let big: Map<number, bigint> | undefined;
  for (let i = 0; i < d.length; i++) {
    const o = i * k;
    const hi = w[o + 1] | 0;
    let ext = true; // the upper words only extend the sign of word 1
    for (let j = 2; j < k && ext; j++) ext = w[o + j] === (hi < 0 ? 0xffffffff : 0);
    const v = hi * TWO32 + w[o];
    if (ext && hi >= -0x200000 && hi < 0x200000 && isSafe(v)) { out[i] = v; continue; }
    let b = 0n;
    for (let j = k - 1; j >= 0; j--) b = (b << 32n) | BigInt(w[o + j]);
    out[i] = NaN;
    (big ??= new Map()).set(i, BigInt.asIntN(k * 32, b));
  }
  return { d: out, big };
}

/** Unscaled values of scale `from` at the declared DECIMAL's scale (half away from zero), checked against its precision. */
function rescale(x: Ints, from: number, t: DataType & { id: 'DECIMAL' }, nulls: Uint8Array | undefined, file: string, field: string): Ints {
  const max = 10n ** BigInt(t.precision);
  const maxNum = t.precision <= 15 ? 10 ** t.precision : 2 ** 53;
  const d = new Float64Array(x.d.length);
  let big: Map<number, bigint> | undefined;
  for (let i = 0; i < d.length; i++) {
    if (nulls && nulls[i]) continue;
    const n = x.d[i];
    if (from === t.scale && n < maxNum && n > -maxNum) { d[i] = n; continue; }
    let v = valueAt(x, i);
    if (t.scale > from) v *= 10n ** BigInt(t.scale - from);
    else if (t.scale < from) {
      const p = 10n ** BigInt(from - t.scale);
      const q = v / p;
      const r = v % p;
      v = (r < 0n ? -r : r) * 2n >= p ? q + (v < 0n ? -1n : 1n) : q;
    }
    if (v >= max || v <= -max) throw outOfRange(file, field, t, v);
    if (isSafe(Number(v))) d[i] = Number(v);
    else { d[i] = NaN; (big ??= new Map()).set(i, v); }
  }
  return { d, big };
}

/** Dates (days) as timestamps (µs). */
function days(vals: Int32Array): Ints {
  const d = new Float64Array(vals.length);
  let big: Map<number, bigint> | undefined;
  for (let i = 0; i < vals.length; i++) {
    const us = vals[i] * DAY_US;
    if (isSafe(us)) d[i] = us;
    else { d[i] = NaN; (big ??= new Map()).set(i, BigInt(vals[i]) * BigInt(DAY_US)); }
  }
  return { d, big };
}

/** Timestamps of an Arrow time unit (0 s, 1 ms, 2 µs, 3 ns, truncated toward the past) in microseconds. */
function micros(x: Ints, unit: number): Ints {
  if (unit === 2) return x;
  const d = new Float64Array(x.d.length);
  let big: Map<number, bigint> | undefined;
  const f = unit === 0 ? 1_000_000 : 1000;
  for (let i = 0; i < d.length; i++) {
    const n = x.d[i];
    const v = unit === 3 ? Math.floor(n / 1000) : n * f;
    if (isSafe(v)) { d[i] = v; continue; }
    const b = valueAt(x, i);
    const us = unit === 3 ? b / 1000n - (b % 1000n < 0n ? 1n : 0n) : b * BigInt(f);
    if (isSafe(Number(us))) d[i] = Number(us);
    else { d[i] = NaN; (big ??= new Map()).set(i, us); }
  }
  return { d, big };
}

function outOfRange(file: string, field: string, t: DataType, v: number | bigint): KindlingError {
  return new KindlingError('INPUT_BAD_RECORD', `${file}: column ${field}: ${String(v)} is out of the range of ${typeName(t)}`, {
    place: { file, field }, hint: 'declare the column with a wider type',
  });
}
