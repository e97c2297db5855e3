/**
 * The optimizer: rules, each a pure function from plan to plan (one per file, each tested on its
 * own), applied in this order. Later rules (constant folding, decorrelation, join strategy and
 * order) slot into this list.
 */
import type { LogicalPlan } from '../logical/plan.js';
import { pushFilters } from './push-filters.js';
import { pruneColumns } from './prune-columns.js';

export interface Rule {
  name: string;
  apply: (p: LogicalPlan) => LogicalPlan;
}

export const RULES: Rule[] = [
  { name: 'push filters', apply: pushFilters },
  { name: 'prune columns', apply: pruneColumns },
];

export function optimize(plan: LogicalPlan, rules: Rule[] = RULES): LogicalPlan {
  return rules.reduce((p, r) => r.apply(p), plan);
}
