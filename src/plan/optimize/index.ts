/**
 * The optimizer: rules, each a pure function from plan to plan (one per file, each tested on its
 * own), applied in this order. Decorrelation runs first (the other rules leave subqueries
 * alone), constant folding before pushdown (so pushed predicates compare columns with literals).
 * Later rules (join strategy and order) slot into this list.
 */
import type { LogicalPlan } from '../logical/plan.js';
import { decorrelate } from './decorrelate.js';
import { factorOrs } from './factor-or.js';
import { foldConstants, type Evaluate } from './fold-constants.js';
import { pushFilters } from './push-filters.js';
import { pruneColumns } from './prune-columns.js';
import { reorderJoins } from './reorder-joins.js';

export interface Rule {
  name: string;
  apply: (p: LogicalPlan) => LogicalPlan;
}

/** The rules in order; constant folding needs the executor's evaluator (the planner does not import the executor). */
export function rules(evaluate?: Evaluate): Rule[] {
  return [
    { name: 'decorrelate', apply: decorrelate },
    ...(evaluate ? [{ name: 'fold constants', apply: foldConstants(evaluate) }] : []),
    { name: 'factor ors', apply: factorOrs },
    { name: 'push filters', apply: pushFilters },
    { name: 'reorder joins', apply: reorderJoins },
    { name: 'prune columns', apply: pruneColumns },
  ];
}

export function optimize(plan: LogicalPlan, list: Rule[] = rules()): LogicalPlan {
  return list.reduce((p, r) => r.apply(p), plan);
}
