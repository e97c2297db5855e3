/**
 * Row keys for hashing (group by, joins, distinct, set operations): the values of some columns
 * at a row as one Map key, equal exactly when the values are equal as SQL groups them (NULL
 * groups with NULL). One key column of a number type is its number (or NULL's sentinel); several
 * columns, or strings and bigints, are joined into a string with type-safe separators. The two
 * forms of an integral value (exact double, bigint) give the same key; -0 groups with 0.
 */
import { isBig, type IntervalValues, type Vector } from '../../types/vector.js';

export type RowKey = number | string;
export type KeyFn = (i: number) => RowKey;

/** NULL's key: of the other kind than the column's values (a number among strings, a string among numbers). */
const NULL_NUM = 0;
const NULL_STR = 'N';

/** The key a NULL of this column has. */
export function nullKey(v: Vector): RowKey {
  return v.type.id === 'VARCHAR' || v.type.id === 'INTERVAL' ? NULL_NUM : NULL_STR;
}

/** One column's key of row i (what keyFn joins for several columns). */
export function columnKey(v: Vector): KeyFn {
  return one(v).at;
}

function one(v: Vector): { num: boolean; at: (i: number) => RowKey } {
  const nulls = v.nulls;
  if (v.type.id === 'INTERVAL') {
    const iv = v.values as IntervalValues;
    return { num: false, at: (i) => (nulls && nulls[i] ? NULL_NUM : `${iv.months[i]}:${iv.days[i]}:${iv.micros[i]}`) };
  }
  if (v.type.id === 'VARCHAR') {
    const s = v.values as string[];
    return { num: false, at: (i) => (nulls && nulls[i] ? NULL_NUM : s[i]) };
  }
  if (isBig(v.values)) {
    const b = v.values as ArrayLike<bigint>;
    return {
      num: false,
      at: (i) => {
        if (nulls && nulls[i]) return NULL_STR;
        const x = b[i];
        const d = Number(x);
        return Number.isSafeInteger(d) ? d : `${x}n`;
      },
    };
  }
  const d = v.values as Float64Array | Int32Array | Uint8Array;
  return { num: true, at: (i) => (nulls && nulls[i] ? NULL_STR : d[i] + 0) };
}

/** The key of row i over the given columns. */
export function keyFn(cols: Vector[]): KeyFn {
  if (cols.length === 0) return () => 0;
  const parts = cols.map(one);
  if (parts.length === 1) return parts[0].at;
  if (parts.length === 2) {
    const [a, b] = [parts[0].at, parts[1].at];
    return (i) => { const x = a(i); const y = b(i); return `${typeof x === 'string' ? JSON.stringify(x) : x}\u0001${typeof y === 'string' ? JSON.stringify(y) : y}`; };
  }
  const ats = parts.map((p) => p.at);
  return (i) => {
    let s = '';
    for (const at of ats) { const x = at(i); s += (typeof x === 'string' ? JSON.stringify(x) : x) + '\u0001'; }
    return s;
  };
}

/** Does row i have a NULL in any of the columns? (Join keys with a NULL match nothing.) */
export function nullIn(cols: Vector[]): (i: number) => boolean {
  const masks = cols.map((c) => c.nulls).filter((m): m is Uint8Array => m !== undefined);
  if (masks.length === 0) return () => false;
  return (i) => masks.some((m) => m[i] === 1);
}
