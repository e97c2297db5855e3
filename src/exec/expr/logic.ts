/**
 * Comparison and logic kernels, with SQL's three-valued logic: a comparison with a NULL is
 * NULL; `and` is false when either side is false, `or` true when either is true, otherwise
 * NULL when a side is NULL. Both sides of a comparison have one type (the binder cast them).
 * Integral values compare alike in both forms (exact doubles and bigints).
 */
import { BOOLEAN } from '../../types/datatype.js';
import { isBig, type IntervalValues, type Vector } from '../../types/vector.js';
import { mergeNulls } from './values.js';

export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** -1, 0, 1 for two numbers; NaN equals NaN and sorts above every other double, as in DuckDB. */
export function compareNumbers(u: number, v: number): number {
  return u < v ? -1 : u > v ? 1 : u === v ? 0 : u !== u ? (v !== v ? 0 : 1) : -1;
}

/** -1, 0, 1: a[i] against b[j], for any type's values. */
export function comparator(a: Vector, b: Vector): (i: number, j: number) => number {
  if (a.type.id === 'INTERVAL') {
    // DuckDB compares intervals by their normalised value (30-day months, 24-hour days).
    const x = a.values as IntervalValues;
    const y = b.values as IntervalValues;
    const norm = (v: IntervalValues, i: number) => (v.months[i] * 30 + v.days[i]) * 86_400e6 + v.micros[i];
    return (i, j) => Math.sign(norm(x, i) - norm(y, j));
  }
  const x = a.values as ArrayLike<number | bigint | string>;
  const y = b.values as ArrayLike<number | bigint | string>;
  if (isBig(a.values) !== isBig(b.values)) {
    return (i, j) => { const p = BigInt(x[i] as number | bigint); const q = BigInt(y[j] as number | bigint); return p < q ? -1 : p > q ? 1 : 0; };
  }
  // Strings compare by code point, as DuckDB's binary collation does (not UTF-16 code units).
  if (a.type.id === 'VARCHAR') return (i, j) => codePointCompare(x[i] as string, y[j] as string);
  if (a.type.id === 'DOUBLE') {
    const p = x as Float64Array;
    const q = y as Float64Array;
    return (i, j) => compareNumbers(p[i], q[j]);
  }
  return (i, j) => (x[i] < y[j] ? -1 : x[i] > y[j] ? 1 : 0);
}

export function codePointCompare(p: string, q: string): number {
  if (p === q) return 0;
  const n = Math.min(p.length, q.length);
  for (let k = 0; k < n; k++) {
    const c = p.charCodeAt(k);
    const d = q.charCodeAt(k);
    if (c !== d) {
      // A surrogate (an astral code point) sorts above every BMP character.
      const cs = c >= 0xd800 && c <= 0xdfff;
      const ds = d >= 0xd800 && d <= 0xdfff;
      if (cs !== ds) return cs ? 1 : -1;
      return c < d ? -1 : 1;
    }
  }
  return p.length < q.length ? -1 : p.length > q.length ? 1 : 0;
}

const TEST: Record<Comparison, (c: number) => boolean> = {
  eq: (c) => c === 0, ne: (c) => c !== 0, lt: (c) => c < 0, le: (c) => c <= 0, gt: (c) => c > 0, ge: (c) => c >= 0,
};

export function compare(op: Comparison, a: Vector, b: Vector): Vector {
  const n = a.length;
  const cmp = comparator(a, b);
  const test = TEST[op];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = test(cmp(i, i)) ? 1 : 0;
  const nulls = mergeNulls(n, [a, b]);
  if (nulls) for (let i = 0; i < n; i++) if (nulls[i]) out[i] = 0;
  return { type: BOOLEAN, length: n, values: out, nulls };
}

/** A string column against one (non-NULL) string: with a dictionary, each distinct string is compared once. */
export function compareWithString(op: Comparison, v: Vector, s: string): Vector {
  const n = v.length;
  const test = TEST[op];
  const out = new Uint8Array(n);
  const nulls = v.nulls;
  if (v.dict) {
    const { ids, strings } = v.dict;
    const memo = new Int8Array(strings.length).fill(-1);
    for (let i = 0; i < n; i++) {
      if (nulls && nulls[i]) continue;
      const id = ids[i];
      let r = memo[id];
      if (r < 0) r = memo[id] = test(codePointCompare(strings[id], s)) ? 1 : 0;
      out[i] = r;
    }
  } else {
    const strs = v.values as string[];
    for (let i = 0; i < n; i++) if (!(nulls && nulls[i]) && test(codePointCompare(strs[i], s))) out[i] = 1;
  }
  return { type: BOOLEAN, length: n, values: out, ...(nulls ? { nulls: Uint8Array.from(nulls.subarray(0, n)) } : {}) };
}

/** A number column (in a typed array) against one number: no column of the literal; else the general compare. */
export function compareWithNumber(op: Comparison, v: Vector, x: number, literal: () => Vector): Vector {
  const vals = v.values;
  if (!(vals instanceof Float64Array || vals instanceof Int32Array) || x !== x) return compare(op, v, literal());
  const n = v.length;
  const out = new Uint8Array(n);
  const nulls = v.nulls;
  // One loop per operator (x is not NaN; a NaN value sorts above every number, as compareNumbers has it).
  switch (op) {
    case 'lt': for (let i = 0; i < n; i++) out[i] = vals[i] < x ? 1 : 0; break;
    case 'le': for (let i = 0; i < n; i++) out[i] = vals[i] <= x ? 1 : 0; break;
    case 'gt': for (let i = 0; i < n; i++) { const a = vals[i]; out[i] = a > x || a !== a ? 1 : 0; } break;
    case 'ge': for (let i = 0; i < n; i++) { const a = vals[i]; out[i] = a >= x || a !== a ? 1 : 0; } break;
    case 'eq': for (let i = 0; i < n; i++) out[i] = vals[i] === x ? 1 : 0; break;
    case 'ne': for (let i = 0; i < n; i++) out[i] = vals[i] !== x ? 1 : 0; break;
  }
  if (!nulls) return { type: BOOLEAN, length: n, values: out };
  for (let i = 0; i < n; i++) if (nulls[i]) out[i] = 0;
  return { type: BOOLEAN, length: n, values: out, nulls: Uint8Array.from(nulls.subarray(0, n)) };
}

/** The comparison with its sides swapped (x < 5 is 5 > x). */
export const FLIPPED: Record<Comparison, Comparison> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };

/** is [not] distinct from: NULLs equal each other; never NULL. */
export function distinctFrom(a: Vector, b: Vector, negated: boolean): Vector {
  const n = a.length;
  const cmp = comparator(a, b);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const an = a.nulls ? a.nulls[i] : 0;
    const bn = b.nulls ? b.nulls[i] : 0;
    const distinct = an || bn ? an !== bn : cmp(i, i) !== 0;
    out[i] = distinct !== negated ? 1 : 0;
  }
  return { type: BOOLEAN, length: n, values: out };
}

export function andOr(isAnd: boolean, a: Vector, b: Vector): Vector {
  const n = a.length;
  const x = a.values as Uint8Array;
  const y = b.values as Uint8Array;
  const out = new Uint8Array(n);
  let nulls: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const an = a.nulls ? a.nulls[i] === 1 : false;
    const bn = b.nulls ? b.nulls[i] === 1 : false;
    const dominant = isAnd ? 0 : 1; // false decides an and, true decides an or
    if ((!an && x[i] === dominant) || (!bn && y[i] === dominant)) out[i] = dominant;
    else if (an || bn) (nulls ??= new Uint8Array(n))[i] = 1;
    else out[i] = 1 - dominant;
  }
  return { type: BOOLEAN, length: n, values: out, nulls };
}

export function not(a: Vector): Vector {
  const x = a.values as Uint8Array;
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a.nulls && a.nulls[i] ? 0 : 1 - x[i];
  return { type: BOOLEAN, length: a.length, values: out, nulls: a.nulls?.slice() };
}

export function isNull(a: Vector, negated: boolean): Vector {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a.nulls ? a.nulls[i] : 0) === (negated ? 0 : 1) ? 1 : 0;
  return { type: BOOLEAN, length: a.length, values: out };
}

/** Row i of the condition is true (not false, not NULL). */
export const isTrue = (c: Vector, i: number) => (c.values as Uint8Array)[i] === 1 && !(c.nulls && c.nulls[i]);
