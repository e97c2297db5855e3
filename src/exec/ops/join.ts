/**
 * Joins. An equi-join (the condition's conjuncts include `left expr = right expr`) builds a hash
 * table on the right side's keys and probes it with the left's (an inner join: on the smaller side); the other conjuncts (the
 * residual) are evaluated over the candidate pairs. A join without equal keys compares every
 * pair, in blocks (a nested loop). A key with a NULL matches nothing.
 *
 * Kinds: inner, left / right / full outer (the unmatched rows of the preserved side with NULLs
 * for the other), single (a left join where a second match is an error: scalar subqueries), cross, semi / anti (the left rows with / without a match; anti with
 * `nullAware` is NOT IN: a NULL key on either side makes the comparison unknown, so if the
 * right side has a NULL key, or the left row's key is NULL, the row is not kept, unless the
 * right side has no rows at all).
 */
import { KindlingError } from '../../common/errors.js';
import type { Schema } from '../../types/schema.js';
import type { Batch, Vector } from '../../types/vector.js';
import { and, equiKeys, type Expr } from '../../plan/logical/expr.js';
import type { JoinKind } from '../../plan/logical/plan.js';
import { compileExpr, type Compiled } from '../expr/compile.js';
import { keyFn, nullIn, type RowKey } from './keys.js';
import { take, trueRows } from './rows.js';

export interface JoinSpec {
  kind: JoinKind;
  /** Key expressions over the left input, and the matching ones over the right input. */
  leftKeys: Compiled[];
  rightKeys: Compiled[];
  /** The rest of the condition, over the joined row (left columns, then right). */
  residual?: Compiled;
  nullAware: boolean;
  schema: Schema;
}

/** Splits a join condition into equal keys (left = right) and the residual. */
export function planJoin(kind: JoinKind, condition: Expr | undefined, leftWidth: number, nullAware: boolean, schema: Schema): JoinSpec {
  // NOT IN: only the first conjunct (the IN comparison) is the null-aware key; the rest (correlation) is residual.
  const { left, right, rest } = equiKeys(condition, leftWidth, nullAware);
  const residual = rest.length === 0 ? undefined : compileExpr(and(rest)!);
  return { kind, leftKeys: left.map(compileExpr), rightKeys: right.map(compileExpr), residual, nullAware, schema };
}

/** Candidate pairs (left row, right row) before the residual: by hash on the keys, or all pairs. */
function* candidatePairs(spec: JoinSpec, left: Batch, right: Batch): Generator<{ l: Int32Array; r: Int32Array }> {
  const BLOCK = 1 << 16;
  let l = new Int32Array(BLOCK);
  let r = new Int32Array(BLOCK);
  let n = 0;
  const flush = () => { const out = { l: l.subarray(0, n), r: r.subarray(0, n) }; l = new Int32Array(BLOCK); r = new Int32Array(BLOCK); n = 0; return out; };
  if (spec.leftKeys.length === 0) {
    for (let i = 0; i < left.length; i++) {
      for (let j = 0; j < right.length; j++) {
        l[n] = i; r[n] = j;
        if (++n === BLOCK) yield flush();
      }
    }
  } else {
    // An inner join builds its hash table on the smaller side and probes it with the larger.
    const swap = spec.kind === 'inner' && left.length < right.length;
    const lk = spec.leftKeys.map((f) => f(left));
    const rk = spec.rightKeys.map((f) => f(right));
    const table = swap ? buildTable(lk, left.length) : buildTable(rk, right.length);
    const probe = swap ? rk : lk;
    const key = keyFn(probe);
    const hasNull = nullIn(probe);
    for (let p = 0, pn = swap ? right.length : left.length; p < pn; p++) {
      if (hasNull(p)) continue;
      const m = table.get(key(p));
      if (m === undefined) continue;
      const many = typeof m === 'number' ? undefined : m;
      for (let t = 0, tn = many ? many.length : 1; t < tn; t++) {
        const b = many ? many[t] : (m as number);
        if (swap) { l[n] = b; r[n] = p; } else { l[n] = p; r[n] = b; }
        if (++n === BLOCK) yield flush();
      }
    }
  }
  if (n > 0) yield flush();
}

/** Right rows by key: one row as a number, several as an array (rows with a NULL key left out). */
function buildTable(keys: Vector[], n: number): Map<RowKey, number | number[]> {
  const table = new Map<RowKey, number | number[]>();
  const key = keyFn(keys);
  const hasNull = nullIn(keys);
  for (let j = 0; j < n; j++) {
    if (hasNull(j)) continue;
    const k = key(j);
    const m = table.get(k);
    if (m === undefined) table.set(k, j);
    else if (typeof m === 'number') table.set(k, [m, j]);
    else m.push(j);
  }
  return table;
}

const pairBatch = (left: Batch, right: Batch, l: ArrayLike<number>, r: ArrayLike<number>): Batch => ({
  length: l.length,
  columns: [...left.columns.map((c) => take(c, l)), ...right.columns.map((c) => take(c, r))],
});

export function hashJoin(spec: JoinSpec, left: Batch, right: Batch): Batch {
  if (spec.kind === 'anti' && spec.nullAware) return notIn(spec, left, right);
  if (spec.kind === 'mark') return markJoin(spec, left, right);
  const semi = spec.kind === 'semi' || spec.kind === 'anti';
  if (semi && spec.leftKeys.length === 0 && !spec.residual) {
    // An uncorrelated [not] exists: all left rows or none.
    return (right.length > 0) === (spec.kind === 'semi') ? left : { length: 0, columns: left.columns.map((c) => take(c, [])) };
  }
  const leftMatched = new Uint8Array(left.length);
  const rightMatched = new Uint8Array(right.length);
  const outL: Int32Array[] = [];
  const outR: Int32Array[] = [];
  for (const pairs of candidatePairs(spec, left, right)) {
    let { l, r } = pairs;
    if (spec.residual) {
      const keep = trueRows(spec.residual(pairBatch(left, right, l, r)));
      l = Int32Array.from(keep, (k) => l[k]);
      r = Int32Array.from(keep, (k) => r[k]);
    }
    for (let k = 0; k < l.length; k++) {
      if (spec.kind === 'single' && leftMatched[l[k]]) throw new KindlingError('QUERY_VALUE', 'more than one row returned by a subquery used as an expression', { hint: 'a scalar subquery must return at most one row: add an aggregate, limit 1, or a stricter where' });
      leftMatched[l[k]] = 1;
      rightMatched[r[k]] = 1;
    }
    if (!semi) { outL.push(l); outR.push(r); }
  }
  if (semi) {
    const want = spec.kind === 'semi' ? 1 : 0;
    const rows: number[] = [];
    for (let i = 0; i < left.length; i++) if (leftMatched[i] === want) rows.push(i);
    return { length: rows.length, columns: left.columns.map((c) => take(c, rows)) };
  }
  if (spec.kind === 'left' || spec.kind === 'full' || spec.kind === 'single') {
    const rows = unmatched(leftMatched);
    outL.push(rows); outR.push(new Int32Array(rows.length).fill(-1));
  }
  if (spec.kind === 'right' || spec.kind === 'full') {
    const rows = unmatched(rightMatched);
    outL.push(new Int32Array(rows.length).fill(-1)); outR.push(rows);
  }
  return pairBatch(left, right, concatIdx(outL), concatIdx(outR));
}

function unmatched(matched: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < matched.length; i++) if (!matched[i]) out.push(i);
  return Int32Array.from(out);
}

function concatIdx(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The left rows and their mark: exists (a match), or with nullAware the three-valued x in (subquery). */
function markJoin(spec: JoinSpec, left: Batch, right: Batch): Batch {
  const n = left.length;
  const mark = new Uint8Array(n);
  let nulls: Uint8Array | undefined;
  if (!spec.nullAware) {
    for (const pairs of candidatePairs(spec, left, right)) {
      let { l } = pairs;
      if (spec.residual) l = Int32Array.from(trueRows(spec.residual(pairBatch(left, right, l, pairs.r))), (k) => l[k]);
      for (const i of l) mark[i] = 1;
    }
  } else {
    const lk = spec.leftKeys.map((f) => f(left));
    const rk = spec.rightKeys.map((f) => f(right));
    const lNull = nullIn(lk);
    const rNull = nullIn(rk);
    const lkey = keyFn(lk);
    const rkey = keyFn(rk);
    const all = Int32Array.from({ length: right.length }, (_, j) => j);
    const table = spec.residual ? undefined : buildTable(rk, right.length);
    const anyNull = all.some((j) => rNull(j));
    for (let i = 0; i < n; i++) {
      // The candidates: every right row, or those the (correlation) residual accepts for this row.
      const cands = spec.residual ? trueRows(spec.residual(pairBatch(left, right, new Int32Array(right.length).fill(i), all))) : undefined;
      const count = cands ? cands.length : right.length;
      if (count === 0) continue;
      let found = false;
      let unknown = lNull(i);
      if (!unknown) {
        if (table) { found = table.has(lkey(i)); unknown = !found && anyNull; }
        else for (const j of cands!) { if (rNull(j)) unknown = true; else if (rkey(j) === lkey(i)) { found = true; break; } }
      }
      if (found) mark[i] = 1;
      else if (unknown) (nulls ??= new Uint8Array(n))[i] = 1;
    }
  }
  return { length: n, columns: [...left.columns, { type: spec.schema[spec.schema.length - 1].type, length: n, values: mark, nulls }] };
}

/**
 * NOT IN (anti, null-aware), the keys being the IN's operands. Without a residual: all left
 * rows when the right is empty; else none when a right key is NULL; else the left rows with a
 * non-NULL key and no match. With a residual (a correlated NOT IN) the same holds per left row,
 * over the right rows its residual accepts.
 */
function notIn(spec: JoinSpec, left: Batch, right: Batch): Batch {
  if (spec.leftKeys.length === 0) throw new KindlingError('INTERNAL', 'NOT IN without keys');
  const lk = spec.leftKeys.map((f) => f(left));
  const rk = spec.rightKeys.map((f) => f(right));
  const lNull = nullIn(lk);
  const rNull = nullIn(rk);
  const keep: number[] = [];
  if (!spec.residual) {
    if (right.length === 0) return left;
    for (let j = 0; j < right.length; j++) if (rNull(j)) return { length: 0, columns: left.columns.map((c) => take(c, [])) };
    const table = buildTable(rk, right.length);
    const key = keyFn(lk);
    for (let i = 0; i < left.length; i++) if (!lNull(i) && !table.has(key(i))) keep.push(i);
  } else {
    const lkey = keyFn(lk);
    const rkey = keyFn(rk);
    const all = Int32Array.from({ length: right.length }, (_, j) => j);
    for (let i = 0; i < left.length; i++) {
      const ls = new Int32Array(right.length).fill(i);
      const ok = trueRows(spec.residual(pairBatch(left, right, ls, all)));
      if (ok.length === 0) { keep.push(i); continue; }
      if (lNull(i)) continue;
      const k = lkey(i);
      let out = true;
      for (const j of ok) if (rNull(j) || rkey(j) === k) { out = false; break; }
      if (out) keep.push(i);
    }
  }
  return { length: keep.length, columns: left.columns.map((c) => take(c, keep)) };
}
