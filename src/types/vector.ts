/**
 * Column vectors: how the engine holds a column of values of one DataType, in memory and
 * between operators. One physical form per type, except for the integral types, which have two:
 *
 *   type                values                                       null slots hold
 *   BOOLEAN             Uint8Array (0 | 1)                           0
 *   INTEGER, DATE       Int32Array (DATE: days since 1970-01-01)     0
 *   DOUBLE              Float64Array                                 0
 *   VARCHAR             string[] (UTF-16 JS strings, UTF-8 on disk)  ''
 *   BIGINT, DECIMAL,    Float64Array, every value an integer of at   0 (or 0n)
 *   TIMESTAMP           most 2^53 in magnitude (`exact doubles`), or
 *                       BigInt64Array (BIGINT, TIMESTAMP, DECIMAL up to 18 digits) /
 *                       bigint[] (DECIMAL of 19 to 38 digits)
 *   INTERVAL            { months: Int32Array, days: Int32Array, micros: Float64Array }
 *
 * A DECIMAL(p,s) value is the integer value x 10^s; a TIMESTAMP is microseconds since the epoch
 * (UTC). Exact doubles are the fast path: integer arithmetic on doubles is exact while results
 * stay within 2^53, which an operator checks (`isSafe`) before it keeps a result as a double;
 * beyond that it computes with bigint. The two forms of one type compare and hash alike.
 *
 * `nulls` (absent: no nulls) has 1 where the value is NULL.
 */
import type { DataType } from './datatype.js';

export interface IntervalValues {
  months: Int32Array;
  days: Int32Array;
  micros: Float64Array;
}

export type IntegralValues = Float64Array | BigInt64Array | bigint[];
export type VectorValues = Uint8Array | Int32Array | Float64Array | BigInt64Array | bigint[] | string[] | IntervalValues;

export interface Vector {
  type: DataType;
  length: number;
  values: VectorValues;
  nulls?: Uint8Array;
  /** VARCHAR only, optional: the same strings as ids (see StringDict). */
  dict?: StringDict;
}

/**
 * A string column's dictionary, an accelerator beside `values` (which always holds every row's
 * string): for every non-NULL row i, values[i] === strings[ids[i]], and `strings` holds each
 * string at most once, so equal ids are equal strings. Grouping, sorting, hashing and the exchange
 * codec work on the ids; an operator that moves rows keeps them (take, concat) or drops them.
 * A NULL row's id is unspecified. `strings` may hold strings that no row uses, and may grow
 * (the CSV scan's dictionary appends), never change.
 */
export interface StringDict {
  ids: Int32Array;
  strings: string[];
}

/** Every row's string of a dictionary's ids; NULL rows and ids < 0 give ''. */
export function dictStrings(dict: StringDict, length: number, nulls?: Uint8Array): string[] {
  const { ids, strings } = dict;
  const values = new Array<string>(length);
  for (let i = 0; i < length; i++) values[i] = (nulls && nulls[i]) || ids[i] < 0 ? '' : strings[ids[i]];
  return values;
}

/**
 * A VARCHAR vector given by its dictionary, whose `values` (every row's string) are made when
 * first read: grouping, hashing, comparisons with a constant and the exchange codec use the ids
 * only, so a scanned column often never needs them. NULL rows (id < 0 allowed) read ''.
 */
export function dictVector(type: DataType, length: number, dict: StringDict, nulls?: Uint8Array): Vector {
  const v = { type, length, ...(nulls ? { nulls } : {}), dict } as Vector;
  Object.defineProperty(v, 'values', {
    configurable: true,
    enumerable: true,
    get(): string[] {
      const values = dictStrings(dict, length, nulls);
      Object.defineProperty(v, 'values', { value: values, writable: true, enumerable: true, configurable: true });
      return values;
    },
  });
  return v;
}

/** A VARCHAR vector's dictionary: its own, else one built (NULL rows: id 0); undefined past maxDistinct strings. */
export function stringDict(v: Vector, maxDistinct = Infinity): StringDict | undefined {
  if (v.dict) return v.dict;
  const strs = v.values as string[];
  const nulls = v.nulls;
  const idOf = new Map<string, number>();
  const ids = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (nulls && nulls[i]) continue;
    let id = idOf.get(strs[i]);
    if (id === undefined) {
      if (idOf.size >= maxDistinct) return undefined;
      id = idOf.size;
      idOf.set(strs[i], id);
    }
    ids[i] = id;
  }
  return { ids, strings: [...idOf.keys()] };
}

/** A single value, as literals, aggregates' states and tests see it. */
export interface Interval {
  months: number;
  days: number;
  micros: number;
}
/** BIGINT, DECIMAL (scaled) and TIMESTAMP (µs) values are number when safe, else bigint. */
export type Scalar = null | boolean | number | bigint | string | Interval;

export const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1

/** Is this double an integer that a double holds exactly (and so do its sums and products, while they stay this small)? */
export const isSafe = (x: number) => x <= MAX_SAFE && x >= -MAX_SAFE;

/** Types whose values are integers in memory (and may take the bigint form). */
export function isIntegral(t: DataType): boolean {
  return t.id === 'BIGINT' || t.id === 'DECIMAL' || t.id === 'TIMESTAMP';
}

/** The bigint form of an integral type: BigInt64Array up to 18 digits, bigint[] beyond. */
export function bigForm(t: DataType, n: number): BigInt64Array | bigint[] {
  return t.id === 'DECIMAL' && t.precision > 18 ? new Array<bigint>(n).fill(0n) : new BigInt64Array(n);
}

/** Empty values of n slots, in the type's first form (exact doubles for integral types). */
export function allocate(t: DataType, n: number): VectorValues {
  switch (t.id) {
    case 'BOOLEAN':
      return new Uint8Array(n);
    case 'INTEGER':
    case 'DATE':
      return new Int32Array(n);
    case 'DOUBLE':
    case 'BIGINT':
    case 'DECIMAL':
    case 'TIMESTAMP':
      return new Float64Array(n);
    case 'VARCHAR':
      return new Array<string>(n).fill('');
    case 'INTERVAL':
      return { months: new Int32Array(n), days: new Int32Array(n), micros: new Float64Array(n) };
  }
}

export function isBig(v: VectorValues): v is BigInt64Array | bigint[] {
  return v instanceof BigInt64Array || (Array.isArray(v) && v.length > 0 && typeof v[0] === 'bigint');
}

/** The value at row i, as a Scalar (null when null); for tests, output and the odd slow path. */
export function valueAt(v: Vector, i: number): Scalar {
  if (v.nulls && v.nulls[i]) return null;
  const vals = v.values;
  switch (v.type.id) {
    case 'BOOLEAN':
      return (vals as Uint8Array)[i] === 1;
    case 'INTERVAL': {
      const iv = vals as IntervalValues;
      return { months: iv.months[i], days: iv.days[i], micros: iv.micros[i] };
    }
    default:
      return (vals as ArrayLike<number | bigint | string>)[i];
  }
}

/** A vector of the given scalars (numbers or bigints for integral types: the form follows the values). */
export function vectorOf(type: DataType, values: Scalar[]): Vector {
  const n = values.length;
  const nulls = values.some((x) => x === null) ? Uint8Array.from(values, (x) => (x === null ? 1 : 0)) : undefined;
  let out: VectorValues;
  if (isIntegral(type)) {
    const big = values.some((x) => typeof x === 'bigint' ? !isSafe(Number(x)) : false);
    if (big) {
      const b = bigForm(type, n);
      values.forEach((x, i) => (b[i] = x === null ? 0n : BigInt(x as number | bigint)));
      out = b;
    } else out = Float64Array.from(values, (x) => (x === null ? 0 : Number(x)));
  } else if (type.id === 'INTERVAL') {
    const iv = allocate(type, n) as IntervalValues;
    values.forEach((x, i) => {
      if (x === null) return;
      const y = x as Interval;
      iv.months[i] = y.months;
      iv.days[i] = y.days;
      iv.micros[i] = y.micros;
    });
    out = iv;
  } else if (type.id === 'BOOLEAN') out = Uint8Array.from(values, (x) => (x === true ? 1 : 0));
  else if (type.id === 'VARCHAR') out = values.map((x) => (x === null ? '' : String(x)));
  else {
    const a = allocate(type, n) as Int32Array | Float64Array;
    values.forEach((x, i) => (a[i] = x === null ? 0 : Number(x)));
    out = a;
  }
  return { type, length: n, values: out, nulls };
}

/** Every value of the vector, as scalars. */
export function scalars(v: Vector): Scalar[] {
  return Array.from({ length: v.length }, (_, i) => valueAt(v, i));
}

/** A batch: equally long columns, in the order of a schema. */
export interface Batch {
  length: number;
  columns: Vector[];
}
