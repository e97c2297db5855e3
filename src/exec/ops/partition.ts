/**
 * Hash partitioning for the exchanges between stages: a row goes to partition
 * hash(its key) mod n, where the key of each column is the one grouping and joins use (keys.ts)
 * and several columns' hashes are combined, so rows that group or join together meet in one
 * partition whichever task wrote them, and the two forms of an integral value (exact double,
 * bigint) land alike. String hashes are cached per call (key columns repeat their values).
 */
import { hashNumber, hashString } from '../../formats/hash.js';
import type { Vector } from '../../types/vector.js';
import { mix } from './group-table.js';
import { columnKey, nullKey, type RowKey } from './keys.js';

/** Distinct strings whose hash a call remembers. */
const CACHE = 1 << 16;

/** The rows of each of `n` partitions (row indices in order). */
export function hashPartitions(keys: Vector[], rows: number, n: number): Int32Array[] {
  if (n === 1) return [Int32Array.from({ length: rows }, (_, i) => i)];
  const cache = new Map<string, number>();
  const hash = (k: RowKey) => {
    if (typeof k === 'number') return hashNumber(k);
    let h = cache.get(k);
    if (h === undefined) { h = hashString(k); if (cache.size < CACHE) cache.set(k, h); }
    return h;
  };
  // Column by column: each key column's hashes, combined into the row's.
  const part = new Int32Array(rows);
  keys.forEach((v, c) => {
    const h = columnHashes(v, rows, hash);
    if (c === 0) part.set(h);
    else for (let i = 0; i < rows; i++) part[i] = mix(part[i], h[i]);
  });
  const counts = new Int32Array(n);
  for (let i = 0; i < rows; i++) {
    const p = (part[i] >>> 0) % n;
    part[i] = p;
    counts[p]++;
  }
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(n);
  for (let i = 0; i < rows; i++) out[part[i]][fill[part[i]]++] = i;
  return out;
}

/** One key column's hash per row (as columnKey's key hashes, NULL too). */
function columnHashes(v: Vector, rows: number, hash: (k: RowKey) => number): Int32Array {
  const out = new Int32Array(rows);
  const nulls = v.nulls;
  const nullHash = hash(nullKey(v));
  const d = v.dict;
  const vals = v.values;
  if (d) {
    // A dictionary column: each string hashed once, by its id.
    const byId = new Float64Array(d.strings.length).fill(-1);
    for (let i = 0; i < rows; i++) {
      if (nulls && nulls[i]) { out[i] = nullHash; continue; }
      const id = d.ids[i];
      let h = byId[id];
      if (h < 0) h = byId[id] = hash(d.strings[id]);
      out[i] = h;
    }
  } else if (vals instanceof Float64Array || vals instanceof Int32Array || vals instanceof Uint8Array) {
    for (let i = 0; i < rows; i++) out[i] = nulls && nulls[i] ? nullHash : hashNumber(vals[i] + 0);
  } else {
    const at = columnKey(v);
    for (let i = 0; i < rows; i++) out[i] = hash(at(i));
  }
  return out;
}
