/**
 * distinct and the set operations, with SQL's set semantics: rows are equal when every column is
 * (NULL equal to NULL, as in grouping). union all concatenates; union, intersect and except
 * return distinct rows; intersect all / except all keep min(m, n) / max(m - n, 0) copies of a
 * row that appears m times on the left and n times on the right.
 */
import type { Schema } from '../../types/schema.js';
import type { Batch } from '../../types/vector.js';
import { keyFn, type RowKey } from './keys.js';
import { concatBatches, takeBatch } from './rows.js';

export function distinctRows(b: Batch): Batch {
  const key = keyFn(b.columns);
  const seen = new Set<RowKey>();
  const keep: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const k = key(i);
    if (!seen.has(k)) { seen.add(k); keep.push(i); }
  }
  return keep.length === b.length ? b : takeBatch(b, keep);
}

function counts(b: Batch): Map<RowKey, number> {
  const key = keyFn(b.columns);
  const m = new Map<RowKey, number>();
  for (let i = 0; i < b.length; i++) { const k = key(i); m.set(k, (m.get(k) ?? 0) + 1); }
  return m;
}

export function setOperation(kind: 'union' | 'intersect' | 'except', all: boolean, schema: Schema, left: Batch, right: Batch): Batch {
  if (kind === 'union') {
    const both = concatBatches(schema, [left, right]);
    return all ? both : distinctRows(both);
  }
  const other = counts(right);
  const key = keyFn(left.columns);
  const used = new Map<RowKey, number>();
  const keep: number[] = [];
  for (let i = 0; i < left.length; i++) {
    const k = key(i);
    const n = other.get(k) ?? 0;
    const seen = used.get(k) ?? 0;
    used.set(k, seen + 1);
    if (!all) {
      if (seen === 0 && (kind === 'intersect' ? n > 0 : n === 0)) keep.push(i);
    } else if (kind === 'intersect' ? seen < n : seen >= n) keep.push(i);
  }
  return takeBatch(left, keep);
}
