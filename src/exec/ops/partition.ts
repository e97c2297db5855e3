/**
 * Hash partitioning for the exchanges between stages: a row goes to partition
 * hash(its key) mod n, where the key is the one grouping and joins use (keys.ts), so rows that
 * group or join together meet in one partition whichever task wrote them, and the two forms of
 * an integral value (exact double, bigint) land alike.
 */
import { hashNumber, hashString } from '../../formats/hash.js';
import type { Vector } from '../../types/vector.js';
import { keyFn } from './keys.js';

/** The rows of each of `n` partitions (row indices in order). */
export function hashPartitions(keys: Vector[], rows: number, n: number): Int32Array[] {
  if (n === 1) return [Int32Array.from({ length: rows }, (_, i) => i)];
  const key = keyFn(keys);
  const part = new Int32Array(rows);
  const counts = new Int32Array(n);
  for (let i = 0; i < rows; i++) {
    const k = key(i);
    const h = typeof k === 'number' ? hashNumber(k) : hashString(k);
    const p = (h >>> 0) % n;
    part[i] = p;
    counts[p]++;
  }
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(n);
  for (let i = 0; i < rows; i++) out[part[i]][fill[part[i]]++] = i;
  return out;
}
