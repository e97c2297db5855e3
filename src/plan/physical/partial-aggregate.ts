/**
 * Partial aggregation: an aggregate split around its exchange, so that each task of the
 * input's stage sends one row per group it saw instead of its input rows.
 *
 *   partial (in the input's stage)       final (after hash(group keys))
 *   count(x), count(*)  -> count            sum of the counts (BIGINT; 0 over no rows)
 *   sum(x)              -> sum              sum of the sums (exact: the same DECIMAL(38,s))
 *   min(x), max(x)      -> min, max         min of the mins, max of the maxes
 *   avg(x)              -> sum(x), count(x) avg_final(sums, counts): the exact sum divided once
 *   any_value(x)        -> any_value        any_value
 *
 * `filter (where …)` applies in the partial. Aggregates with distinct, grouping sets and
 * stddev/variance are not split (their input rows go through the exchange).
 */
import type { AggregateCall, Expr } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { resolveAggregate } from '../logical/functions.js';
import { BIGINT } from '../../types/datatype.js';
import type { Field } from '../../types/schema.js';

type Aggregate = Extract<LogicalPlan, { op: 'aggregate' }>;

const SPLITTABLE = new Set<AggregateCall['fn']>(['count', 'count_star', 'sum', 'min', 'max', 'avg', 'any_value']);

export function canSplit(p: Aggregate): boolean {
  return !p.groupingSets && p.aggregates.every((a) => !a.distinct && SPLITTABLE.has(a.fn));
}

/** A reference to column `index`, a field of the schema it reads. */
export const fieldCol = (index: number, f: Field): Expr => ({ kind: 'column', index, name: f.name, type: f.type });
const col = fieldCol;

/** The partial aggregate over `input`, and the final one (with the projection back to p's schema) over the exchange leaf. */
export function splitAggregate(p: Aggregate): { partial(input: LogicalPlan): LogicalPlan; final(leaf: LogicalPlan): LogicalPlan; keys: Expr[] } {
  const k = p.groupBy.length;
  const partials: AggregateCall[] = [];
  /** Per original call: the indices of its partial columns (after the keys). */
  const slots: number[][] = [];
  for (const a of p.aggregates) {
    if (a.fn === 'avg') {
      const sum = resolveAggregate('sum', [a.args[0].type]);
      slots.push([partials.length, partials.length + 1]);
      partials.push({ ...a, fn: 'sum', type: sum.type }, { ...a, fn: 'count', type: BIGINT });
    } else {
      slots.push([partials.length]);
      partials.push(a);
    }
  }
  const partialSchema: Field[] = [...p.schema.slice(0, k), ...partials.map((a, i): Field => ({ name: `partial_${i}`, type: a.type, nullable: true }))];
  const keys = partialSchema.slice(0, k).map((f, i) => col(i, f));
  return {
    keys,
    partial: (input) => ({ op: 'aggregate', input, groupBy: p.groupBy, aggregates: partials, schema: partialSchema }),
    final: (leaf) => {
      const at = (i: number) => col(k + i, partialSchema[k + i]);
      const finals: AggregateCall[] = p.aggregates.map((a, n) => {
        const [s, c] = slots[n];
        const merge = (fn: AggregateCall['fn'], args: Expr[]): AggregateCall => ({ fn, args, distinct: false, type: a.type });
        switch (a.fn) {
          case 'count':
          case 'count_star': return merge('sum', [at(s)]);
          case 'avg': return merge('avg_final', [at(s), at(c)]);
          default: return merge(a.fn, [at(s)]);
        }
      });
      const finalSchema: Field[] = [...keys.map((e, i) => partialSchema[i]), ...finals.map((a, i): Field => ({ name: `final_${i}`, type: a.type, nullable: true }))];
      return backToSchema(p, { op: 'aggregate', input: leaf, groupBy: keys, aggregates: finals, schema: finalSchema });
    },
  };
}

/** A merging aggregate (one column per p's column) back to p's schema; a count over no rows at all (no keys: one group) is 0, not NULL. */
export function backToSchema(p: Aggregate, merged: Extract<LogicalPlan, { op: 'aggregate' }>): LogicalPlan {
  const k = p.groupBy.length;
  const exprs: Expr[] = p.schema.map((f, i) => {
    const e = col(i, merged.schema[i]);
    const a = i >= k ? p.aggregates[i - k] : undefined;
    return a && (a.fn === 'count' || a.fn === 'count_star') && k === 0 ? { kind: 'call', fn: 'coalesce', args: [e, { kind: 'literal', value: 0, type: BIGINT }], type: BIGINT } : e;
  });
  return { op: 'project', input: merged, exprs, schema: p.schema };
}
