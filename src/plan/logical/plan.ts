/**
 * The logical plan: a tree of relational operators, one discriminated union, each node with its
 * output schema. The binder (sql/bind/) builds it from SQL, the DataFrame API will build the
 * same values; the optimizer (plan/optimize/) rewrites it, plan -> plan; the physical planner
 * cuts it into stages at exchanges.
 *
 * Expressions (./expr.ts) refer to the columns of the node's input by index: for a join, the
 * left input's columns come first, then the right's.
 */
import type { Expr, JoinKind, LogicalPlan, PlanOp, TableSource } from './nodes.js';

export type { JoinKind, LogicalPlan, PlanOp, TableSource };

/** The node's inputs, in order. */
export function inputs(p: LogicalPlan): LogicalPlan[] {
  switch (p.op) {
    case 'scan':
    case 'values':
      return [];
    case 'join':
    case 'setop':
      return [p.left, p.right];
    default:
      return [p.input];
  }
}

/** p with its inputs replaced (same order as inputs()); the schema stays. */
export function withInputs(p: LogicalPlan, ins: LogicalPlan[]): LogicalPlan {
  switch (p.op) {
    case 'scan':
    case 'values':
      return p;
    case 'join':
    case 'setop':
      return { ...p, left: ins[0], right: ins[1] };
    default:
      return { ...p, input: ins[0] };
  }
}

/** Rewrites bottom-up: f sees each node after its inputs were rewritten. */
export function transformUp(p: LogicalPlan, f: (p: LogicalPlan) => LogicalPlan): LogicalPlan {
  const ins = inputs(p);
  const next = ins.length ? withInputs(p, ins.map((i) => transformUp(i, f))) : p;
  return f(next);
}

/** The statements of a SQL script, bound: what a job computes and writes. */
export interface BoundScript {
  /** Tables the job writes: `create table t as …` (name t) and the bare query (name "result"). */
  outputs: { name: string; plan: LogicalPlan; line: number }[];
}

/** The expressions a node holds itself (not its inputs'). */
export function planExprs(p: LogicalPlan): Expr[] {
  switch (p.op) {
    case 'scan': return p.filters;
    case 'values': return p.rows.flat();
    case 'filter': return [p.predicate];
    case 'project': return p.exprs;
    case 'aggregate': return [...p.groupBy, ...p.aggregates.flatMap((a) => [...a.args, ...(a.filter ? [a.filter] : [])])];
    case 'join': return p.condition ? [p.condition] : [];
    case 'window': return p.windows.flatMap((w) => [...w.args, ...w.partitionBy, ...w.orderBy.map((k) => k.expr), ...(w.filter ? [w.filter] : [])]);
    case 'sort': return p.keys.map((k) => k.expr);
    default: return [];
  }
}

/** p with f applied to each expression it holds itself (same places as planExprs). */
export function mapPlanExprs(p: LogicalPlan, f: (e: Expr) => Expr): LogicalPlan {
  switch (p.op) {
    case 'scan': return { ...p, filters: p.filters.map(f) };
    case 'values': return { ...p, rows: p.rows.map((r) => r.map(f)) };
    case 'filter': return { ...p, predicate: f(p.predicate) };
    case 'project': return { ...p, exprs: p.exprs.map(f) };
    case 'aggregate': return { ...p, groupBy: p.groupBy.map(f), aggregates: p.aggregates.map((a) => ({ ...a, args: a.args.map(f), ...(a.filter ? { filter: f(a.filter) } : {}) })) };
    case 'join': return p.condition ? { ...p, condition: f(p.condition) } : p;
    case 'window': return { ...p, windows: p.windows.map((w) => ({ ...w, args: w.args.map(f), partitionBy: w.partitionBy.map(f), orderBy: w.orderBy.map((k) => ({ ...k, expr: f(k.expr) })), ...(w.filter ? { filter: f(w.filter) } : {}) })) };
    case 'sort': return { ...p, keys: p.keys.map((k) => ({ ...k, expr: f(k.expr) })) };
    default: return p;
  }
}
