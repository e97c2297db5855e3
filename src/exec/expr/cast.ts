/**
 * Casts between the numeric types, BOOLEAN <-> numbers (true is 1, a number is true when not 0),
 * DATE <-> TIMESTAMP (a TIMESTAMP's date floors), and every type to and from VARCHAR
 * (./format-value.ts). A DECIMAL loses scale by rounding half away from zero, and a value that
 * does not fit the target is an error naming it, both as in DuckDB; so does a DOUBLE cast to an
 * integral type. A try_cast (`lenient`) makes text that does not convert NULL.
 */
import { KindlingError } from '../../common/errors.js';
import { typeName, type DataType } from '../../types/datatype.js';
import { isIntegral, valueAt, type Vector } from '../../types/vector.js';
import { fromText, toText } from './format-value.js';
import { joinTimestamps, splitTimestamps } from './temporal.js';
import { fromBig, toBig } from './values.js';

const scaleOf = (t: DataType) => (t.id === 'DECIMAL' ? t.scale : 0);
const numericIds = new Set(['INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE']);

/** Can cast() convert `from` to `to` yet? (The others name themselves as not supported.) */
export const castSupported = (from: DataType, to: DataType) =>
  (numericIds.has(from.id) && numericIds.has(to.id)) || (from.id === 'DATE' && to.id === 'TIMESTAMP') || (from.id === 'TIMESTAMP' && to.id === 'DATE') ||
  from.id === 'VARCHAR' || to.id === 'VARCHAR' || (from.id === 'BOOLEAN' && numericIds.has(to.id)) || (numericIds.has(from.id) && to.id === 'BOOLEAN');

/** round(x / 10^k) half away from zero, for bigints. */
function divRound(x: bigint, k: bigint): bigint {
  const q = x / k;
  const r = x % k;
  if (2n * (r < 0n ? -r : r) >= k) return x < 0n ? q - 1n : q + 1n;
  return q;
}

export function cast(v: Vector, to: DataType, lenient = false): Vector {
  const n = v.length;
  const from = v.type;
  const nulls = v.nulls?.slice();
  if (!castSupported(from, to)) throw new KindlingError('QUERY_VALUE', `cast from ${typeName(from)} to ${typeName(to)} is not supported yet`);
  if (to.id === 'VARCHAR') return toText(v);
  if (from.id === 'VARCHAR') return fromText(v, to, lenient);
  if (from.id === 'DATE') return joinTimestamps(splitTimestamps(v).days, new Float64Array(n), nulls);
  if (from.id === 'TIMESTAMP') return { type: to, length: n, values: Int32Array.from(splitTimestamps(v).days), nulls };
  if (to.id === 'BOOLEAN') return { type: to, length: n, values: Uint8Array.from({ length: n }, (_, i) => (nulls?.[i] ? 0 : Number(valueAt(v, i)) !== 0 ? 1 : 0)), nulls };
  if (from.id === 'BOOLEAN') return cast({ type: { id: 'INTEGER' }, length: n, values: Int32Array.from(v.values as Uint8Array), nulls }, to);
  if (to.id === 'DOUBLE') {
    const div = 10 ** scaleOf(from);
    const src = v.values as ArrayLike<number | bigint>;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(src[i]) / div;
    return { type: to, length: n, values: out, nulls };
  }
  // To INTEGER, BIGINT or DECIMAL.
  let big: bigint[];
  if (from.id === 'DOUBLE') {
    const d = v.values as Float64Array;
    const mul = 10 ** scaleOf(to);
    big = new Array<bigint>(n);
    for (let i = 0; i < n; i++) {
      const x = d[i] * mul;
      if (!Number.isFinite(x)) {
        if (nulls && nulls[i]) { big[i] = 0n; continue; }
        throw new KindlingError('QUERY_VALUE', `cannot cast the DOUBLE ${d[i]} to ${typeName(to)}`);
      }
      big[i] = BigInt(Math.sign(x) * Math.round(Math.abs(x)));
    }
  } else {
    const up = scaleOf(to) - scaleOf(from);
    big = toBig(v.values, n);
    if (up > 0) { const k = 10n ** BigInt(up); for (let i = 0; i < n; i++) big[i] *= k; }
    if (up < 0) { const k = 10n ** BigInt(-up); for (let i = 0; i < n; i++) big[i] = divRound(big[i], k); }
  }
  if (to.id === 'INTEGER') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (nulls && nulls[i]) continue;
      if (big[i] > 2147483647n || big[i] < -2147483648n) throw new KindlingError('QUERY_VALUE', `the value ${big[i]} does not fit an INTEGER (cast from ${typeName(from)})`, { hint: 'cast to BIGINT' });
      out[i] = Number(big[i]);
    }
    return { type: to, length: n, values: out, nulls };
  }
  if (!isIntegral(to)) throw new KindlingError('INTERNAL', `cast to ${typeName(to)}`);
  return fromBig(to, big, nulls, `the cast from ${typeName(from)} to ${typeName(to)}`);
}
