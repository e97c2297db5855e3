/**
 * Constant folding: an expression over literals alone is computed once, while planning, and
 * becomes a literal (`date '1994-01-01' + interval '1' year`, `cast(7.0 as double)`), so that
 * later rules see plain comparisons of a column with a literal (scan pushdown, row-group
 * statistics) and nothing is recomputed per batch. The evaluator is the executor's own (passed
 * in: the planner does not import the executor), so a folded value is exactly the value the
 * query would have computed. An expression whose evaluation fails (1 / 0 in an integer, an
 * overflow) is left as it is: the error belongs to run time, and only if a row reaches it.
 */
import type { Expr } from '../logical/expr.js';
import { children, mapChildren } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { mapPlanExprs, transformUp } from '../logical/plan.js';
import type { Scalar } from '../../types/vector.js';

export type Evaluate = (e: Expr) => Scalar;

export function foldConstants(evaluate: Evaluate): (p: LogicalPlan) => LogicalPlan {
  const fold = (e: Expr): Expr => {
    const x = mapChildren(e, fold);
    if (x.kind === 'literal' || x.kind === 'column' || x.kind === 'outer' || x.kind === 'subquery') return x;
    if (!children(x).every((c) => c.kind === 'literal')) return x;
    try {
      return { kind: 'literal', value: evaluate(x), type: x.type };
    } catch {
      return x;
    }
  };
  return (p) => transformUp(p, (q) => mapPlanExprs(q, fold));
}
