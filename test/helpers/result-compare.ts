/**
 * Comparing a kindling result with DuckDB's, value by value: both as Scalars (src/types/vector.ts),
 * DOUBLEs equal to a relative 1e-9 (sums of doubles depend on the order of addition), every other
 * type exactly. An unordered result is compared as a multiset (both sides sorted by their text);
 * an ordered one row by row, in order.
 */
import type { Scalar } from '../../src/types/vector.js';
import { valueAt, type Batch } from '../../src/types/vector.js';

const text = (x: Scalar): string => (typeof x === 'bigint' ? `${x}` : typeof x === 'number' ? String(x) : JSON.stringify(x));

export function batchRows(b: Batch): Scalar[][] {
  return Array.from({ length: b.length }, (_, i) => b.columns.map((c) => valueAt(c, i)));
}

function sameValue(a: Scalar, b: Scalar, double: boolean): boolean {
  if (a === null || b === null) return a === b;
  if (double) {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
    return x === y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
  }
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return BigInt(a) === BigInt(b);
  return text(a) === text(b);
}

/** The differences (at most `max`), empty when equal. `doubles[c]`: column c is DOUBLE. */
export function diffRows(ours: Scalar[][], theirs: Scalar[][], doubles: boolean[], ordered: boolean, max = 5): string[] {
  const rowText = (r: Scalar[]) => r.map((x, c) => (doubles[c] && x !== null ? Number(x).toPrecision(8) : text(x))).join(' | ');
  const a = ordered ? ours : [...ours].sort((p, q) => (rowText(p) < rowText(q) ? -1 : rowText(p) > rowText(q) ? 1 : 0));
  const b = ordered ? theirs : [...theirs].sort((p, q) => (rowText(p) < rowText(q) ? -1 : rowText(p) > rowText(q) ? 1 : 0));
  const out: string[] = [];
  if (a.length !== b.length) out.push(`${a.length} rows, DuckDB ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length) && out.length < max; i++) {
    if (!a[i].every((x, c) => sameValue(x, b[i][c], doubles[c]))) out.push(`row ${i}: kindling [${rowText(a[i])}], DuckDB [${rowText(b[i])}]`);
  }
  return out;
}
