/**
 * Implicit conversions, as DuckDB makes them (checked against DuckDB 1.x with typeof()):
 * INTEGER -> BIGINT -> DECIMAL -> DOUBLE, DATE -> TIMESTAMP, and the decimal result types of
 * arithmetic. VARCHAR never converts implicitly (a string *literal* does: the binder settles it
 * to the type it meets). The function catalog (./functions.ts) builds its signatures on these.
 */
import { DOUBLE, MAX_DECIMAL_PRECISION, TIMESTAMP, decimal, sameType, type DataType } from '../../types/datatype.js';

/** The widest value of a 64-bit-backed decimal: DuckDB caps products of such decimals at 18 digits (and checks overflow). */
const INT64_DECIMAL = 18;

/** An exact numeric type as a decimal: INTEGER is DECIMAL(10,0), BIGINT DECIMAL(19,0). */
export function asDecimal(t: DataType): { precision: number; scale: number } | undefined {
  if (t.id === 'DECIMAL') return { precision: t.precision, scale: t.scale };
  if (t.id === 'INTEGER') return { precision: 10, scale: 0 };
  if (t.id === 'BIGINT') return { precision: 19, scale: 0 };
  return undefined;
}

const RANK: Record<string, number> = { INTEGER: 1, BIGINT: 2, DECIMAL: 3, DOUBLE: 4 };

/** The type both a and b convert to implicitly; undefined when there is none. */
export function commonType(a: DataType, b: DataType): DataType | undefined {
  if (sameType(a, b)) return a;
  const ra = RANK[a.id];
  const rb = RANK[b.id];
  if (ra && rb) {
    if (a.id === 'DOUBLE' || b.id === 'DOUBLE') return DOUBLE;
    if (a.id !== 'DECIMAL' && b.id !== 'DECIMAL') return ra > rb ? a : b;
    const da = asDecimal(a)!;
    const db = asDecimal(b)!;
    const scale = Math.max(da.scale, db.scale);
    const whole = Math.max(da.precision - da.scale, db.precision - db.scale);
    return boundedDecimal(whole + scale, scale);
  }
  if ((a.id === 'DATE' && b.id === 'TIMESTAMP') || (a.id === 'TIMESTAMP' && b.id === 'DATE')) return TIMESTAMP;
  return undefined;
}

/** Does a value of type `from` convert to `to` without an explicit cast? */
export function canImplicitlyCast(from: DataType, to: DataType): boolean {
  const c = commonType(from, to);
  return c !== undefined && sameType(c, to);
}

/** The common type of a list (undefined: no common type, or an empty list). */
export function commonOf(types: DataType[]): DataType | undefined {
  let t: DataType | undefined = types[0];
  for (const x of types.slice(1)) t = t && commonType(t, x);
  return t;
}

/** DECIMAL(p,s) with p capped at 38 (the scale kept, as DuckDB does, as long as it fits). */
export function boundedDecimal(precision: number, scale: number): DataType {
  const p = Math.min(precision, MAX_DECIMAL_PRECISION);
  return decimal(p, Math.min(scale, p));
}

/** a + b and a - b of exact numbers, one of them a DECIMAL: max integral digits + max scale + 1. */
export function decimalSum(a: DataType, b: DataType): DataType {
  const da = asDecimal(a)!;
  const db = asDecimal(b)!;
  const scale = Math.max(da.scale, db.scale);
  return boundedDecimal(Math.max(da.precision - da.scale, db.precision - db.scale) + scale + 1, scale);
}

/** a * b of exact numbers, one a DECIMAL: digits and scales add; two 18-digit inputs stay at 18 digits. */
export function decimalProduct(a: DataType, b: DataType): DataType | undefined {
  const da = asDecimal(a)!;
  const db = asDecimal(b)!;
  const scale = da.scale + db.scale;
  if (scale > MAX_DECIMAL_PRECISION) return undefined;
  let precision = da.precision + db.precision;
  if (precision > INT64_DECIMAL && da.precision <= INT64_DECIMAL && db.precision <= INT64_DECIMAL && scale < INT64_DECIMAL) precision = INT64_DECIMAL;
  return boundedDecimal(Math.max(precision, scale), scale);
}

/** a % b of exact numbers, one a DECIMAL: max integral digits + max scale. */
export function decimalRemainder(a: DataType, b: DataType): DataType {
  const da = asDecimal(a)!;
  const db = asDecimal(b)!;
  const scale = Math.max(da.scale, db.scale);
  return boundedDecimal(Math.max(da.precision - da.scale, db.precision - db.scale) + scale, scale);
}
