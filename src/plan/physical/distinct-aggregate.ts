/**
 * Aggregates with distinct calls over one argument, split around one exchange so that a
 * distributed run sends each task's groups and its distinct (keys, argument) pairs, not its input
 * rows (Spark's expand rewrite, as grouping sets):
 *
 *   group by k: count(distinct x) filter (where f), count(distinct x), sum(y)
 *
 *   partial (in the input's stage), one pass over the rows:
 *     group by grouping sets ((k): sum(y), (k, x_f), (k, x))  where x_f = case when f then x end
 *     the set (k) computes the other calls' partials; each other set only its distinct pairs
 *   final (after hash(k)):
 *     group by k: count(distinct x_f), count(distinct x), sum of the partial sums
 *
 * In a pair set's rows the partials are NULL; in the (k) set's rows every x_f is NULL; the final
 * calls skip NULLs, so each sees only its own rows. Distinct calls with the same filter share a
 * pair set. sum/avg/min/max (distinct) work the same way; the other calls merge as partial
 * aggregation merges them (./partial-aggregate.ts).
 */
import type { AggregateCall, Expr } from '../logical/expr.js';
import { key, sameExpr } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { BIGINT } from '../../types/datatype.js';
import { backToSchema, fieldCol, mergeCall, partialCalls } from './partial-aggregate.js';
import type { Field } from '../../types/schema.js';

type Aggregate = Extract<LogicalPlan, { op: 'aggregate' }>;

const DISTINCT_FNS = new Set<AggregateCall['fn']>(['count', 'sum', 'avg', 'min', 'max']);
const MERGEABLE = new Set<AggregateCall['fn']>(['count', 'count_star', 'sum', 'min', 'max', 'avg', 'any_value']);

const col = fieldCol;

/** Whether splitDistinct applies: distinct calls over one argument, every other call mergeable. */
export function canSplitDistinct(p: Aggregate): boolean {
  if (p.groupingSets) return false;
  const distinct = p.aggregates.filter((a) => a.distinct);
  if (distinct.length === 0) return false;
  const x = distinct[0].args[0];
  return distinct.every((a) => DISTINCT_FNS.has(a.fn) && a.args.length === 1 && sameExpr(a.args[0], x))
    && p.aggregates.every((a) => a.distinct || MERGEABLE.has(a.fn));
}

/** The partial aggregate (grouping sets of the keys and of each pair set) over `input`, and the final one over the exchange leaf. */
export function splitDistinct(p: Aggregate): { partial(input: LogicalPlan): LogicalPlan; final(leaf: LogicalPlan): LogicalPlan; keys: Expr[] } {
  const k = p.groupBy.length;
  const x = p.aggregates.find((a) => a.distinct)!.args[0];
  // One pair column per distinct filter: x where the filter holds, else NULL.
  const pairCols: Expr[] = [];
  const pairOf = new Map<string, number>();
  const pairs = p.aggregates.map((a) => {
    if (!a.distinct) return -1;
    const f = a.filter ? key(a.filter) : '';
    if (!pairOf.has(f)) {
      pairOf.set(f, pairCols.length);
      pairCols.push(a.filter ? { kind: 'case', whens: [{ when: a.filter, then: x }], else: { kind: 'literal', value: null, type: x.type }, type: x.type } : x);
    }
    return pairOf.get(f)!;
  });
  const plain = partialCalls(p.aggregates.filter((a) => !a.distinct));
  const m = pairCols.length;
  const keyIdx = p.groupBy.map((_, i) => i);
  const partialSchema: Field[] = [
    ...p.schema.slice(0, k),
    ...pairCols.map((_, j): Field => ({ name: `distinct_${j}`, type: x.type, nullable: true })),
    { name: 'grouping_id', type: BIGINT, nullable: false },
    ...plain.calls.map((a, i): Field => ({ name: `partial_${i}`, type: a.type, nullable: true })),
  ];
  const keys = partialSchema.slice(0, k).map((f, i) => col(i, f));
  return {
    keys,
    partial: (input) => ({
      op: 'aggregate', input, groupBy: [...p.groupBy, ...pairCols],
      groupingSets: [keyIdx, ...pairCols.map((_, j) => [...keyIdx, k + j])],
      setCalls: [plain.calls.map((_, i) => i), ...pairCols.map(() => [])],
      aggregates: plain.calls, schema: partialSchema,
    }),
    final: (leaf) => {
      let n = 0;
      const finals: AggregateCall[] = p.aggregates.map((a, c) => {
        if (a.distinct) return { fn: a.fn, args: [col(k + pairs[c], partialSchema[k + pairs[c]])], distinct: true, type: a.type };
        const slots = plain.slots[n++].map((s) => col(k + m + 1 + s, partialSchema[k + m + 1 + s]));
        return mergeCall(a, slots);
      });
      const finalSchema: Field[] = [...p.schema.slice(0, k), ...finals.map((a, i): Field => ({ name: `final_${i}`, type: a.type, nullable: true }))];
      return backToSchema(p, { op: 'aggregate', input: leaf, groupBy: keys, aggregates: finals, schema: finalSchema });
    },
  };
}
