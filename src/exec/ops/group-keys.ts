/**
 * Typed group keys: the key columns of a grouping (group by, window partitions, distinct) as
 * "key words", Float64Arrays that an open-addressing GroupTable hashes and compares without an
 * object or a string per row. Equal SQL keys (NULL with NULL, -0 with 0, NaN with NaN) give
 * equal words within one call; the words are not stable across calls (strings become ids).
 *
 *   column                       words
 *   numbers in a typed array     the value (DOUBLE with NULLs: a second word, the null flag)
 *   BIGINT etc. as BigInt64Array its two 32-bit halves
 *   VARCHAR                      its dictionary ids (types/vector.ts stringDict)
 *   bigint[]                     an id per distinct value, interned in a Map
 *   INTERVAL                     months, days, micros
 * A NULL is NaN in the first word wherever a value cannot be NaN.
 */
import { isBig, stringDict, type IntervalValues, type Vector } from '../../types/vector.js';
import { GroupTable } from './group-table.js';
import { take } from './rows.js';

function interned(values: ArrayLike<unknown>, nulls: Uint8Array | undefined, n: number): Float64Array {
  const ids = new Map<unknown, number>();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (nulls && nulls[i]) { out[i] = NaN; continue; }
    const v = values[i];
    let id = ids.get(v);
    if (id === undefined) { id = ids.size; ids.set(v, id); }
    out[i] = id;
  }
  return out;
}

function withNulls(values: Float64Array, nulls: Uint8Array | undefined, n: number): Float64Array {
  if (!nulls) return values;
  const out = Float64Array.from(values.subarray(0, n));
  for (let i = 0; i < n; i++) if (nulls[i]) out[i] = NaN;
  return out;
}

/** The words of one key column over rows [0, n). */
function columnWords(v: Vector, n: number): Float64Array[] {
  const nulls = v.nulls;
  const vals = v.values;
  if (v.type.id === 'INTERVAL') {
    const iv = vals as IntervalValues;
    return [withNulls(Float64Array.from(iv.months.subarray(0, n)), nulls, n), Float64Array.from(iv.days.subarray(0, n)), iv.micros];
  }
  if (v.type.id === 'VARCHAR') {
    const ids = stringDict(v)!.ids;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = nulls && nulls[i] ? NaN : ids[i];
    return [out];
  }
  if (Array.isArray(vals) && isBig(vals)) return [interned(vals, nulls, n)];
  if (vals instanceof BigInt64Array) {
    const halves = new Int32Array(vals.buffer, vals.byteOffset, n * 2);
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    for (let i = 0; i < n; i++) { lo[i] = halves[2 * i]; hi[i] = halves[2 * i + 1]; }
    return [withNulls(lo, nulls, n), hi];
  }
  if (vals instanceof Float64Array) {
    if (v.type.id !== 'DOUBLE') return [withNulls(vals, nulls, n)];
    if (!nulls) return [vals];
    const flag = new Float64Array(n);
    const out = Float64Array.from(vals.subarray(0, n));
    for (let i = 0; i < n; i++) if (nulls[i]) { flag[i] = 1; out[i] = 0; }
    return [out, flag];
  }
  return [withNulls(Float64Array.from(vals as Int32Array | Uint8Array), nulls, n)];
}

/** The key words of the columns over rows [0, n). */
export function keyWords(cols: Vector[], n: number): Float64Array[] {
  return cols.flatMap((c) => columnWords(c, n));
}

/** Group ids 0..count-1 per row, in order of first appearance, and each group's first row. */
export function groupRows(keys: Vector[], n: number): { ids: Int32Array; count: number; first: number[] } {
  const ids = new Int32Array(n);
  if (keys.length === 0) return { ids, count: 1, first: [0] };
  const words = keyWords(keys, n);
  const table = new GroupTable(words.length, Math.min(Math.max(n >> 2, 16), 1 << 16));
  table.insert(words, n, ids);
  const first: number[] = [];
  for (let i = 0; i < n; i++) if (ids[i] === first.length) first.push(i);
  return { ids, count: first.length, first };
}

/** For rows `rows` (in order), 1 where the row is the first with its (group, key) pair. */
export function firstInGroup(groupIds: Int32Array, keys: Vector[], rows: Int32Array): Uint8Array {
  const n = rows.length;
  const cols: Float64Array[] = [new Float64Array(n)];
  for (const w of keyWords(keys.map((k) => take(k, rows)), n)) cols.push(w);
  for (let r = 0; r < n; r++) cols[0][r] = groupIds[rows[r]];
  const table = new GroupTable(cols.length, Math.min(Math.max(n >> 2, 16), 1 << 16));
  const ids = new Int32Array(n);
  table.insert(cols, n, ids);
  const out = new Uint8Array(n);
  let seen = 0;
  for (let r = 0; r < n; r++) if (ids[r] === seen) { out[r] = 1; seen++; }
  return out;
}
