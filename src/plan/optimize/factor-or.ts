/**
 * Common factors out of disjunctions: `(a and b) or (a and c)` is `a and (b or c)`. TPC-H Q19
 * repeats its join condition `p_partkey = l_partkey` in each branch of an or; factored out, it
 * becomes a conjunct that pushdown turns into an equi-join (else: a nested loop over all pairs).
 * Equal under SQL's three-valued logic too: when a is false both sides are false, when a is NULL
 * both are NULL or false alike, when a is true both are (b or c).
 */
import { BOOLEAN } from '../../types/datatype.js';
import type { Expr } from '../logical/expr.js';
import { and, conjuncts, key, mapChildren } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { mapPlanExprs, transformUp } from '../logical/plan.js';

const disjuncts = (e: Expr): Expr[] => (e.kind === 'call' && e.fn === 'or' ? e.args.flatMap(disjuncts) : [e]);
const or = (es: Expr[]): Expr => es.reduce((a, b) => ({ kind: 'call', fn: 'or', args: [a, b], type: BOOLEAN }));

export function factorOr(e: Expr): Expr {
  const x = mapChildren(e, factorOr);
  if (x.kind !== 'call' || x.fn !== 'or') return x;
  const branches = disjuncts(x).map(conjuncts);
  const common = branches[0].filter((c) => branches.every((b) => b.some((d) => key(d) === key(c))));
  if (common.length === 0) return x;
  const keys = new Set(common.map(key));
  const rests = branches.map((b) => b.filter((c) => !keys.has(key(c))));
  // A branch with nothing left is true: the or of the rests is then just the common part's truth.
  if (rests.some((r) => r.length === 0)) return and(common)!;
  return and([...common, or(rests.map((r) => and(r)!))])!;
}

export function factorOrs(p: LogicalPlan): LogicalPlan {
  return transformUp(p, (q) => mapPlanExprs(q, factorOr));
}
