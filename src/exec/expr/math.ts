/**
 * Numeric functions as DuckDB computes them: round half away from zero (DECIMAL exactly, DOUBLE
 * as x * 10^n rounded), floor/ceil/trunc of a DECIMAL to scale 0, `%` with the dividend's sign,
 * integer `//` truncating toward zero, both NULL for a zero divisor (a DOUBLE `%` by zero is
 * NaN and a DOUBLE `//` divides), greatest/least skip NULLs, sqrt/ln/log10 of values out of
 * their domain are errors.
 */
import { KindlingError } from '../../common/errors.js';
import type { DataType } from '../../types/datatype.js';
import { valueAt, vectorOf, type Scalar, type Vector } from '../../types/vector.js';
import { comparator } from './logic.js';

const big = (x: Scalar) => BigInt(x as number | bigint);

/** x / 10^k rounded half away from zero (k > 0), floor, ceil or trunc. */
function scaleDown(x: bigint, k: number, mode: 'round' | 'floor' | 'ceil' | 'trunc'): bigint {
  if (k <= 0) return x;
  const d = 10n ** BigInt(k);
  const q = x / d; // truncates toward zero
  const r = x % d;
  if (r === 0n) return q;
  switch (mode) {
    case 'trunc': return q;
    case 'floor': return x < 0n ? q - 1n : q;
    case 'ceil': return x > 0n ? q + 1n : q;
    default: return 2n * (r < 0n ? -r : r) >= d ? (x < 0n ? q - 1n : q + 1n) : q;
  }
}

export function map1(a: Vector, type: DataType, f: (x: Scalar) => Scalar): Vector {
  const out = new Array<Scalar>(a.length);
  for (let i = 0; i < a.length; i++) { const x = valueAt(a, i); out[i] = x === null ? null : f(x); }
  return vectorOf(type, out);
}

function map2(a: Vector, b: Vector, type: DataType, f: (x: Scalar, y: Scalar) => Scalar): Vector {
  const out = new Array<Scalar>(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = valueAt(a, i);
    const y = valueAt(b, i);
    out[i] = x === null || y === null ? null : f(x, y);
  }
  return vectorOf(type, out);
}

const roundDouble = (x: number, n: number) => {
  const m = 10 ** n;
  const r = Math.sign(x) * Math.round(Math.abs(x * m)) / m;
  return Number.isFinite(r) ? r : x;
};

/** round/floor/ceil/trunc; `places` only for round. */
export function rounding(mode: 'round' | 'floor' | 'ceil' | 'trunc', a: Vector, type: DataType, places?: Vector): Vector {
  const from = a.type;
  if (from.id === 'DOUBLE') {
    const f = mode === 'floor' ? Math.floor : mode === 'ceil' ? Math.ceil : mode === 'trunc' ? Math.trunc : (x: number) => roundDouble(x, 0);
    if (mode === 'round' && places) return map2(a, places, type, (x, n) => roundDouble(x as number, n as number));
    return map1(a, type, (x) => f(x as number));
  }
  if (from.id !== 'DECIMAL') return a; // integers: round/trunc keep them (floor/ceil were cast to DOUBLE)
  const toScale = type.id === 'DECIMAL' ? type.scale : 0;
  const drop = from.scale - toScale;
  if (mode === 'round' && places) {
    // round(m, n) with n below 0 rounds to tens, hundreds …: then back to the result's scale.
    return map2(a, places, type, (x, n) => {
      const k = from.scale - (n as number);
      const r = scaleDown(big(x), k, 'round');
      return (k > drop ? r * 10n ** BigInt(k - drop) : r);
    });
  }
  return map1(a, type, (x) => (scaleDown(big(x), drop, mode)));
}

export function abs(a: Vector): Vector {
  if (a.type.id === 'DOUBLE' || a.type.id === 'INTEGER') return map1(a, a.type, (x) => Math.abs(x as number));
  return map1(a, a.type, (x) => (typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(x as number)));
}

/** x % y and x // y (integers and decimals of one scale, or DOUBLE). */
export function remainder(a: Vector, b: Vector, type: DataType, divide: boolean): Vector {
  if (type.id === 'DOUBLE') return map2(a, b, type, (x, y) => (divide ? (x as number) / (y as number) : (x as number) % (y as number)));
  return map2(a, b, type, (x, y) => {
    const p = big(x);
    const q = big(y);
    if (q === 0n) return null;
    return (divide ? p / q : p % q);
  });
}

/** greatest / least: NULLs are skipped; NULL only when every argument is. */
export function extreme(args: Vector[], greatest: boolean): Vector {
  const n = args[0].length;
  const pick = new Array<Scalar>(n).fill(null);
  const best = new Int32Array(n).fill(-1);
  for (let k = 0; k < args.length; k++) {
    for (let i = 0; i < n; i++) {
      if (args[k].nulls && args[k].nulls![i]) continue;
      if (best[i] < 0) { best[i] = k; continue; }
      const c = comparator(args[k], args[best[i]])(i, i);
      if (greatest ? c > 0 : c < 0) best[i] = k;
    }
  }
  for (let i = 0; i < n; i++) if (best[i] >= 0) pick[i] = valueAt(args[best[i]], i);
  return vectorOf(args[0].type, pick);
}

export function nullIf(a: Vector, b: Vector): Vector {
  const eq = comparator(a, b);
  const out = new Array<Scalar>(a.length);
  for (let i = 0; i < a.length; i++) {
    const bothSet = !(a.nulls && a.nulls[i]) && !(b.nulls && b.nulls[i]);
    out[i] = bothSet && eq(i, i) === 0 ? null : valueAt(a, i);
  }
  return vectorOf(a.type, out);
}

const domain = (name: string, ok: (x: number) => boolean, what: string, f: (x: number) => number) => (x: Scalar) => {
  if (!ok(x as number)) throw new KindlingError('QUERY_VALUE', `cannot take the ${what} of ${x}`, { hint: `${name}() is defined for ${name === 'sqrt' ? 'values of 0 and above' : 'values above 0'}` });
  return f(x as number);
};

export const DOUBLE_FUNCTIONS: Record<string, (x: Scalar) => Scalar> = {
  sqrt: domain('sqrt', (x) => x >= 0, 'square root', Math.sqrt),
  ln: domain('ln', (x) => x > 0, 'logarithm', Math.log),
  log10: domain('log10', (x) => x > 0, 'logarithm', Math.log10),
  exp: (x) => Math.exp(x as number),
};

export function power(a: Vector, b: Vector, type: DataType): Vector {
  return map2(a, b, type, (x, y) => (x as number) ** (y as number));
}
