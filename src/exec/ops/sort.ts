/**
 * Sorting: a stable sort of row indices by the sort keys (each ascending or descending, NULLs
 * first or last as the key says), then one gather per column. Strings order by code point, as
 * DuckDB's default collation does; equal keys keep their input order.
 */
import type { Batch, Vector } from '../../types/vector.js';
import { comparator } from '../expr/logic.js';
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
  return crossComparator(keys, vs, vs);
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
