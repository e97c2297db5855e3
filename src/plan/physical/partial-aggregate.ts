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
 * `filter (where …)` applies in the partial; equal partial calls are computed once. Distinct
 * calls split as ./distinct-aggregate.ts says; aggregates with grouping sets and
 * stddev/variance are not split (their input rows go through the exchange).
 */
import type { AggregateCall, Expr } from '../logical/expr.js';
import { key } from '../logical/expr.js';
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

/** The partial calls of mergeable calls (equal ones once), and per call the indices of its partials. */
export function partialCalls(calls: AggregateCall[]): { calls: AggregateCall[]; slots: number[][] } {
  const partials: AggregateCall[] = [];
  const seen = new Map<string, number>();
  const slot = (a: AggregateCall): number => {
    const text = `${a.fn}(${a.args.map(key).join(',')})${a.filter ? ` filter ${key(a.filter)}` : ''}`;
    let at = seen.get(text);
    if (at === undefined) { seen.set(text, (at = partials.length)); partials.push(a); }
    return at;
  };
  const slots = calls.map((a) => (a.fn === 'avg'
    ? [slot({ ...a, fn: 'sum', type: resolveAggregate('sum', [a.args[0].type]).type }), slot({ ...a, fn: 'count', type: BIGINT })]
    : [slot(a)]));
  return { calls: partials, slots };
}

/** The final call that merges a call's partial columns. */
export function mergeCall(a: AggregateCall, partials: Expr[]): AggregateCall {
  const merge = (fn: AggregateCall['fn']): AggregateCall => ({ fn, args: partials, distinct: false, type: a.type });
  return merge(a.fn === 'count' || a.fn === 'count_star' ? 'sum' : a.fn === 'avg' ? 'avg_final' : a.fn);
}

/** The partial aggregate over `input`, and the final one (with the projection back to p's schema) over the exchange leaf. */
export function splitAggregate(p: Aggregate): { partial(input: LogicalPlan): LogicalPlan; final(leaf: LogicalPlan): LogicalPlan; keys: Expr[] } {
  const k = p.groupBy.length;
  const { calls: partials, slots } = partialCalls(p.aggregates);
  const partialSchema: Field[] = [...p.schema.slice(0, k), ...partials.map((a, i): Field => ({ name: `partial_${i}`, type: a.type, nullable: true }))];
  const keys = partialSchema.slice(0, k).map((f, i) => col(i, f));
  return {
    keys,
    partial: (input) => ({ op: 'aggregate', input, groupBy: p.groupBy, aggregates: partials, schema: partialSchema }),
    final: (leaf) => {
      const finals = p.aggregates.map((a, n) => mergeCall(a, slots[n].map((s) => col(k + s, partialSchema[k + s]))));
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
