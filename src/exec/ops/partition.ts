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
  const hashes = keys.map((v): ((i: number) => number) => {
    const d = v.dict;
    if (!d) {
      const at = columnKey(v);
      return (i) => hash(at(i));
    }
    // A dictionary column: each string hashed once, by its id; NULL as columnKey has it.
    const byId = new Float64Array(d.strings.length).fill(-1);
    const nulls = v.nulls;
    const nullHash = hash(nullKey(v));
    return (i) => {
      if (nulls && nulls[i]) return nullHash;
      const id = d.ids[i];
      let h = byId[id];
      if (h < 0) h = byId[id] = hash(d.strings[id]);
      return h;
    };
  });
  const part = new Int32Array(rows);
  const counts = new Int32Array(n);
  for (let i = 0; i < rows; i++) {
    let h = hashes.length === 0 ? 0 : hashes[0](i);
    for (let c = 1; c < hashes.length; c++) h = mix(h, hashes[c](i));
    const p = (h >>> 0) % n;
    part[i] = p;
    counts[p]++;
  }
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(n);
  for (let i = 0; i < rows; i++) out[part[i]][fill[part[i]]++] = i;
  return out;
}
