/**
 * The in-process executor: runs an optimized logical plan to one materialized batch, each
 * operator over its inputs' batches. The distributed runner runs the same operators inside its
 * stages (a partial aggregate before a shuffle, the final one after; a hash join's build and
 * probe sides; a sort per partition); this is its single-process form, for `kindling run` on
 * small inputs, for tests and as the reference the stages are checked against.
 *
 * Scans go through `ExecContext.scan`, which reads a table's columns (local files, S3, or
 * in-memory tables in tests) and applies the filters pushed into it. Subqueries and outer
 * references must have been removed by decorrelation; one left is an internal error.
 */
import { KindlingError } from '../../common/errors.js';
import { conjuncts, type Expr } from '../../plan/logical/expr.js';
import type { LogicalPlan, TableSource } from '../../plan/logical/plan.js';
import type { Batch } from '../../types/vector.js';
import { compileExpr, compileShared } from '../expr/compile.js';
import { FLIPPED, type Comparison } from '../expr/logic.js';
import { aggregateBatches, aggregateParts, aggregateSpec } from './aggregate.js';
import { hashJoin, planJoin } from './join.js';
import { concatBatches, sliceBatch, takeBatch, trueRows } from './rows.js';
import { distinctRows, setOperation } from './setops.js';
import { sortBatch } from './sort.js';
import { compileWindows, windowOp } from './window.js';

export interface ExecContext {
  /** The table's columns (indices into its schema), in that order, all rows. */
  scan(table: TableSource, columns: number[]): Promise<Batch>;
  /** The same rows batch by batch (absent: the one batch of `scan`). */
  batches?(table: TableSource, columns: number[]): AsyncIterable<Batch>;
}

const conjunction = (es: Expr[]): Expr | undefined => (es.length === 0 ? undefined : es.reduce((a, b) => ({ kind: 'call', fn: 'and', args: [a, b], type: a.type })));

export function filterBatch(b: Batch, predicate: Expr): Batch {
  return takeBatch(b, trueRows(compileExpr(predicate)(b)));
}

/** Per window call (index): the K of a conjunct `rn <= K` (`<`, `=`, either side) on its row_number column. */
export function rowNumberLimits(predicate: Expr, width: number, calls: { fn: string }[]): Map<number, number> {
  const out = new Map<number, number>();
  const BOUND: Record<string, (v: number) => number> = { le: (v) => v, lt: (v) => v - 1, eq: (v) => v };
  for (const c of conjuncts(predicate)) {
    if (c.kind !== 'call' || c.args.length !== 2) continue;
    let [l, r] = c.args;
    let fn = c.fn;
    if (l.kind === 'literal' && fn in FLIPPED) { [l, r] = [r, l]; fn = FLIPPED[fn as Comparison]; }
    if (l.kind !== 'column' || r.kind !== 'literal' || typeof r.value !== 'number' || !BOUND[fn]) continue;
    const j = l.index - width;
    if (j < 0 || calls[j]?.fn !== 'row_number') continue;
    const k = Math.floor(BOUND[fn](r.value));
    if (k >= 0) out.set(j, Math.min(out.get(j) ?? Infinity, k));
  }
  return out;
}

async function runWindow(p: Extract<LogicalPlan, { op: 'window' }>, ctx: ExecContext, limits?: Map<number, number>): Promise<Batch> {
  return windowOp(compileWindows(p.windows), await execute(p.input, ctx), limits);
}

/**
 * The plan's rows batch by batch: scans, filters and projections stream (an aggregate over them
 * folds each batch as it comes); any other operator is one materialized batch.
 */
export async function* batches(p: LogicalPlan, ctx: ExecContext): AsyncGenerator<Batch> {
  switch (p.op) {
    case 'scan': {
      if (!ctx.batches) break;
      const f = conjunction(p.filters);
      const pred = f ? compileExpr(f) : undefined;
      for await (const b of ctx.batches(p.table, p.columns)) yield pred ? takeBatch(b, trueRows(pred(b))) : b;
      return;
    }
    case 'filter': {
      if (p.input.op === 'window') break;
      const pred = compileExpr(p.predicate);
      for await (const b of batches(p.input, ctx)) yield takeBatch(b, trueRows(pred(b)));
      return;
    }
    case 'project': {
      const exprs = compileShared(p.exprs);
      for await (const b of batches(p.input, ctx)) yield { length: b.length, columns: exprs.map((e) => e(b)) };
      return;
    }
  }
  yield await execute(p, ctx);
}

/**
 * The plan's rows in parts whose concatenation is its result: an aggregate over grouping sets
 * gives one part per set (the exchange codec then sends a set's all-NULL columns as a flag);
 * anything else, its one batch.
 */
export async function executeParts(p: LogicalPlan, ctx: ExecContext): Promise<Batch[]> {
  if (p.op === 'aggregate' && p.groupingSets) return aggregateParts(aggregateSpec(p), batches(p.input, ctx));
  return [await execute(p, ctx)];
}

export async function execute(p: LogicalPlan, ctx: ExecContext): Promise<Batch> {
  switch (p.op) {
    case 'scan': {
      const b = await ctx.scan(p.table, p.columns);
      const f = conjunction(p.filters);
      return f ? filterBatch(b, f) : b;
    }
    case 'values': {
      const one: Batch = { length: 1, columns: [] };
      const rows = p.rows.map((r) => ({ length: 1, columns: r.map((e) => compileExpr(e)(one)) }));
      return concatBatches(p.schema, rows);
    }
    case 'filter': {
      if (p.input.op === 'window') {
        // rn <= K over row_number(): only each partition's first K rows need their numbers (a top-K per partition).
        const w = p.input;
        return filterBatch(await runWindow(w, ctx, rowNumberLimits(p.predicate, w.input.schema.length, w.windows)), p.predicate);
      }
      return filterBatch(await execute(p.input, ctx), p.predicate);
    }
    case 'project': {
      const b = await execute(p.input, ctx);
      return { length: b.length, columns: compileShared(p.exprs).map((e) => e(b)) };
    }
    case 'aggregate':
      return aggregateBatches(aggregateSpec(p), batches(p.input, ctx));
    case 'join': {
      const [l, r] = await Promise.all([execute(p.left, ctx), execute(p.right, ctx)]);
      return hashJoin(planJoin(p.kind, p.condition, p.left.schema.length, p.nullAware === true, p.schema), l, r);
    }
    case 'window':
      return runWindow(p, ctx);
    case 'sort': {
      const b = await execute(p.input, ctx);
      return sortBatch(p.keys.map((k) => ({ expr: compileExpr(k.expr), desc: k.desc, nullsFirst: k.nullsFirst })), b);
    }
    case 'limit': {
      const b = await execute(p.input, ctx);
      const end = p.limit === undefined ? b.length : Math.min(b.length, p.offset + p.limit);
      return p.offset === 0 && end === b.length ? b : sliceBatch(b, Math.min(p.offset, b.length), end);
    }
    case 'setop': {
      const [l, r] = await Promise.all([execute(p.left, ctx), execute(p.right, ctx)]);
      return setOperation(p.kind, p.all, p.schema, l, r);
    }
    case 'distinct':
      return distinctRows(await execute(p.input, ctx));
    default:
      throw new KindlingError('INTERNAL', `cannot execute ${(p as LogicalPlan).op}`);
  }
}
