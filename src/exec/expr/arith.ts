/**
 * Arithmetic kernels: + - * / and unary minus over INTEGER, DOUBLE and the integral types
 * (BIGINT, DECIMAL scaled, as exact doubles or bigints). The binder has cast both arguments to
 * the catalog's types: for + and - of decimals both have the result's scale; for * the scales
 * add by themselves. INTEGER results out of range and integral results beyond their type are
 * errors, as in DuckDB; `/` is DOUBLE division (x / 0 is ±Infinity, as in DuckDB).
 */
import { KindlingError } from '../../common/errors.js';
import type { DataType } from '../../types/datatype.js';
import { isBig, isSafe, type Vector } from '../../types/vector.js';
import { fromBig, mergeNulls, toBig } from './values.js';

type Op = 'add' | 'subtract' | 'multiply';
const SIGN: Record<Op, string> = { add: '+', subtract: '-', multiply: '*' };

function doubles(op: Op, a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
  else if (op === 'subtract') for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
  else for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
  return out;
}

function integers(op: Op, a: Int32Array, b: Int32Array, n: number, nulls: Uint8Array | undefined): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = op === 'add' ? a[i] + b[i] : op === 'subtract' ? a[i] - b[i] : a[i] * b[i];
    if ((x > 2147483647 || x < -2147483648) && !(nulls && nulls[i])) {
      throw new KindlingError('QUERY_VALUE', `overflow in INTEGER ${SIGN[op]}: ${a[i]} ${SIGN[op]} ${b[i]} is out of range`, { hint: 'cast one side to BIGINT' });
    }
    out[i] = x;
  }
  return out;
}

export function arithmetic(op: Op, a: Vector, b: Vector, type: DataType): Vector {
  const n = a.length;
  const nulls = mergeNulls(n, [a, b]);
  if (type.id === 'DOUBLE') return { type, length: n, values: doubles(op, a.values as Float64Array, b.values as Float64Array, n), nulls };
  if (type.id === 'INTEGER') return { type, length: n, values: integers(op, a.values as Int32Array, b.values as Int32Array, n, nulls), nulls };
  if (!isBig(a.values) && !isBig(b.values)) {
    const out = doubles(op, a.values as Float64Array, b.values as Float64Array, n);
    let safe = true;
    for (let i = 0; i < n && safe; i++) safe = isSafe(out[i]);
    if (safe) return checked(type, { type, length: n, values: out, nulls }, op);
  }
  const x = toBig(a.values, n);
  const y = toBig(b.values, n);
  const r = new Array<bigint>(n);
  for (let i = 0; i < n; i++) r[i] = op === 'add' ? x[i] + y[i] : op === 'subtract' ? x[i] - y[i] : x[i] * y[i];
  return fromBig(type, r, nulls, `${type.id} ${SIGN[op]}`);
}

/** A DECIMAL result held as doubles still has to fit its precision. */
function checked(type: DataType, v: Vector, op: Op): Vector {
  if (type.id !== 'DECIMAL' || type.precision > 15) return v;
  const limit = 10 ** type.precision;
  const d = v.values as Float64Array;
  for (let i = 0; i < v.length; i++) {
    if ((d[i] >= limit || d[i] <= -limit) && !(v.nulls && v.nulls[i])) {
      throw new KindlingError('QUERY_VALUE', `overflow in DECIMAL ${SIGN[op]}: the result does not fit DECIMAL(${type.precision},${type.scale})`, { hint: 'cast the inputs to a wider DECIMAL or to DOUBLE' });
    }
  }
  return v;
}

export function negate(a: Vector): Vector {
  const n = a.length;
  const nulls = a.nulls?.slice();
  if (isBig(a.values)) return fromBig(a.type, toBig(a.values, n).map((x) => -x), nulls, 'negation');
  const src = a.values as Float64Array | Int32Array;
  const out = a.type.id === 'INTEGER' ? new Int32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -src[i];
  return { type: a.type, length: n, values: out, nulls };
}

/** x / y as DOUBLE, with IEEE semantics as in DuckDB: x / 0 is ±Infinity, 0 / 0 is NaN. */
export function divide(a: Vector, b: Vector, type: DataType): Vector {
  const n = a.length;
  const x = a.values as Float64Array;
  const y = b.values as Float64Array;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] / y[i];
  return { type, length: n, values: out, nulls: mergeNulls(n, [a, b]) };
}
