/**
 * The logical plan: a tree of relational operators, one discriminated union, each node with its
 * output schema. The binder (sql/bind/) builds it from SQL, the DataFrame API will build the
 * same values; the optimizer (plan/optimize/) rewrites it, plan -> plan; the physical planner
 * cuts it into stages at exchanges.
 *
 * Expressions (./expr.ts) refer to the columns of the node's input by index: for a join, the
 * left input's columns come first, then the right's.
 */
import type { JoinKind, LogicalPlan, PlanOp, TableSource } from './nodes.js';

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
