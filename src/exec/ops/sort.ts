/**
 * Sorting: a stable sort of row indices by the sort keys (each ascending or descending, NULLs
 * first or last as the key says), then one gather per column. Strings order by code point, as
 * DuckDB's default collation does; equal keys keep their input order.
 *
 * Within one batch a key of strings or of (finite, non-bigint) numbers is first turned into one
 * double per row that orders as the key does: the string's rank among the key's distinct values,
 * or the number itself; negated when descending, and -/+Infinity for NULLs first/last. The sort
 * then compares doubles, never strings.
 */
import { stringDict, type Batch, type Vector } from '../../types/vector.js';
import { codePointCompare, comparator } from '../expr/logic.js';
import type { Compiled } from '../expr/compile.js';
import { takeBatch } from './rows.js';

export interface CompiledSortKey {
  expr: Compiled;
  desc: boolean;
  nullsFirst: boolean;
}

/** A comparator of rows i and j of the batch by the keys. */
export function rowComparator(keys: CompiledSortKey[], b: Batch): (i: number, j: number) => number {
  const vs = keys.map((k) => k.expr(b));
  const parts = keys.map((k, n) => {
    const w = sortWords(vs[n], k);
    return w ? (i: number, j: number) => (w[i] < w[j] ? -1 : w[i] > w[j] ? 1 : 0) : crossComparator([k], [vs[n]], [vs[n]]);
  });
  if (parts.length === 1) return parts[0];
  if (parts.length === 2) {
    const [p, q] = parts;
    return (i, j) => p(i, j) || q(i, j);
  }
  return (i, j) => {
    for (const p of parts) { const c = p(i, j); if (c !== 0) return c; }
    return 0;
  };
}

/** The key as one double per row that orders as the key does, or undefined (bigints, intervals, NaN or infinite doubles). */
function sortWords(v: Vector, k: { desc: boolean; nullsFirst: boolean }): Float64Array | undefined {
  const n = v.length;
  const out = new Float64Array(n);
  const nulls = v.nulls;
  const vals = v.values;
  if (v.type.id === 'VARCHAR') {
    const { ids, strings: distinct } = stringDict(v)!;
    // Rank only the ids in use (a scan's dictionary may hold many more).
    const rank = new Float64Array(distinct.length).fill(-1);
    const used: number[] = [];
    for (let i = 0; i < n; i++) if (!(nulls && nulls[i]) && rank[ids[i]] < 0) { rank[ids[i]] = 0; used.push(ids[i]); }
    used.sort((p, q) => codePointCompare(distinct[p], distinct[q]));
    used.forEach((id, r) => { rank[id] = r; });
    for (let i = 0; i < n; i++) out[i] = nulls && nulls[i] ? 0 : rank[ids[i]];
  } else if (vals instanceof Float64Array || vals instanceof Int32Array || vals instanceof Uint8Array) {
    for (let i = 0; i < n; i++) {
      const x = vals[i];
      if (!Number.isFinite(x) && !(nulls && nulls[i])) return undefined;
      out[i] = x;
    }
  } else return undefined;
  const nullWord = k.nullsFirst ? -Infinity : Infinity;
  for (let i = 0; i < n; i++) {
    if (nulls && nulls[i]) out[i] = nullWord;
    else if (k.desc) out[i] = -out[i];
  }
  return out;
}

/** Compares row i of the key vectors `a` with row j of the key vectors `b` (same types), by the keys' orders. */
export function crossComparator(keys: { desc: boolean; nullsFirst: boolean }[], a: Vector[], b: Vector[]): (i: number, j: number) => number {
  const parts = keys.map((k, n) => {
    const cmp = comparator(a[n], b[n]);
    const na = a[n].nulls;
    const nb = b[n].nulls;
    const sign = k.desc ? -1 : 1;
    const nullSide = k.nullsFirst ? -1 : 1;
    return (i: number, j: number) => {
      if (na || nb) {
        const x = na ? na[i] : 0;
        const y = nb ? nb[j] : 0;
        if (x || y) return x && y ? 0 : x ? nullSide : -nullSide;
      }
      return sign * cmp(i, j);
    };
  });
  return (i, j) => {
    for (const p of parts) { const c = p(i, j); if (c !== 0) return c; }
    return 0;
  };
}

/** The permutation that sorts the batch (stable). */
export function sortOrder(keys: CompiledSortKey[], b: Batch): Int32Array {
  const cmp = rowComparator(keys, b);
  const idx = Array.from({ length: b.length }, (_, i) => i);
  idx.sort((i, j) => cmp(i, j) || i - j);
  return Int32Array.from(idx);
}

export function sortBatch(keys: CompiledSortKey[], b: Batch, limit?: number): Batch {
  const order = sortOrder(keys, b);
  return takeBatch(b, limit === undefined || limit >= order.length ? order : order.subarray(0, limit));
}
