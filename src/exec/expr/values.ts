/**
 * Reading and building vectors in the kernels: integral values (BIGINT, DECIMAL, TIMESTAMP) as
 * exact doubles when every value is safe, else as bigints; nulls merged from arguments.
 */
import { KindlingError } from '../../common/errors.js';
import type { DataType } from '../../types/datatype.js';
import { allocate, bigForm, isBig, isSafe, vectorOf, type Scalar, type Vector, type VectorValues } from '../../types/vector.js';

/** The union of the arguments' null masks (undefined: no nulls anywhere). */
export function mergeNulls(n: number, vs: Vector[]): Uint8Array | undefined {
  const masks = vs.map((v) => v.nulls).filter((m): m is Uint8Array => m !== undefined);
  if (masks.length === 0) return undefined;
  if (masks.length === 1) return masks[0].slice();
  const out = new Uint8Array(n);
  for (const m of masks) for (let i = 0; i < n; i++) out[i] |= m[i];
  return out;
}

/** A column of one value (literals are broadcast to the batch's length). */
export function constantVector(type: DataType, value: Scalar, n: number): Vector {
  if (value === null) {
    return { type, length: n, values: allocate(type, n), nulls: new Uint8Array(n).fill(1) };
  }
  if (typeof value === 'number' && type.id !== 'INTERVAL' && type.id !== 'VARCHAR') {
    const values = allocate(type, n) as Float64Array | Int32Array | Uint8Array;
    values.fill(value);
    return { type, length: n, values };
  }
  if (typeof value === 'string' && type.id === 'VARCHAR') return { type, length: n, values: new Array<string>(n).fill(value) };
  return vectorOf(type, new Array<Scalar>(n).fill(value));
}

/** Integral values as bigints (for the slow path). */
export function toBig(v: VectorValues, n: number): bigint[] {
  if (isBig(v)) return Array.from(v as ArrayLike<bigint>);
  const d = v as Float64Array | Int32Array;
  const out = new Array<bigint>(n);
  for (let i = 0; i < n; i++) out[i] = BigInt(d[i]);
  return out;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Integral results computed as bigints: back to exact doubles when all fit, else checked against the type's range. */
export function fromBig(type: DataType, vals: bigint[], nulls: Uint8Array | undefined, what: string): Vector {
  const n = vals.length;
  const limit = type.id === 'DECIMAL' ? 10n ** BigInt(type.precision) : undefined;
  let safe = true;
  for (let i = 0; i < n; i++) {
    if (nulls && nulls[i]) { vals[i] = 0n; continue; }
    const x = vals[i];
    if (limit !== undefined ? x >= limit || x <= -limit : x < INT64_MIN || x > INT64_MAX) {
      throw new KindlingError('QUERY_VALUE', `overflow in ${what}: the result does not fit ${type.id === 'DECIMAL' ? `DECIMAL(${type.precision},${type.scale})` : type.id}`, { hint: 'cast the inputs to a wider type (DECIMAL(38,s) or DOUBLE)' });
    }
    if (safe && !isSafe(Number(x))) safe = false;
  }
  if (safe) return { type, length: n, values: Float64Array.from(vals, Number), nulls };
  const b = bigForm(type, n);
  for (let i = 0; i < n; i++) b[i] = vals[i];
  return { type, length: n, values: b, nulls };
}
