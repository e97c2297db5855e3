/**
 * Aggregates with distinct calls over one argument, as two aggregates, so that a distributed run
 * need not send its input rows through the exchange (DataFusion's single-distinct rewrite):
 *
 *   group by k: count(distinct x) filter (where f), sum(y), count(*)
 *   = group by k over (group by k, x: count(*) filter (where f) as c, sum(y) as s, count(*) as n):
 *     count(x) filter (where c > 0), sum(s), sum(n)
 *
 * The inner aggregate is an ordinary one (partial aggregation applies); grouped by k and x, each
 * distinct x of a group is one inner row, whose count of rows passing the call's filter says
 * whether x counts. sum/avg/min/max (distinct) fold x over those rows the same way; the other
 * calls merge as partial aggregation merges them. The inner aggregate's exchange needs only k,
 * so both aggregates run after one exchange.
 */
import type { AggregateCall, Expr } from '../logical/expr.js';
import { and, key, sameExpr } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { resolveAggregate } from '../logical/functions.js';
import { BIGINT, BOOLEAN } from '../../types/datatype.js';
import { backToSchema, fieldCol } from './partial-aggregate.js';
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

/** The same aggregate as an outer aggregate (schema p.schema) over an inner one grouped by p's keys and the distinct argument. */
export function splitDistinct(p: Aggregate): LogicalPlan {
  const k = p.groupBy.length;
  const x = p.aggregates.find((a) => a.distinct)!.args[0];
  const inner: AggregateCall[] = [];
  /** Per call: the inner columns (after the keys and x) it merges. */
  const slots: number[][] = [];
  // One inner column per distinct inner call (a distinct call's filter flag is often also a plain count of the query).
  const seen = new Map<string, number>();
  const slot = (a: AggregateCall): number => {
    const text = `${a.fn}(${a.args.map(key).join(',')})${a.filter ? ` filter ${key(a.filter)}` : ''}`;
    let at = seen.get(text);
    if (at === undefined) { seen.set(text, (at = inner.length)); inner.push(a); }
    return at;
  };
  for (const a of p.aggregates) {
    if (a.distinct) slots.push(a.filter ? [slot({ fn: 'count_star', args: [], distinct: false, filter: a.filter, type: BIGINT })] : []);
    else if (a.fn === 'avg') slots.push([slot({ ...a, fn: 'sum', type: resolveAggregate('sum', [a.args[0].type]).type }), slot({ ...a, fn: 'count', type: BIGINT })]);
    else slots.push([slot(a)]);
  }
  const innerSchema: Field[] = [
    ...p.schema.slice(0, k),
    { name: 'distinct_arg', type: x.type, nullable: true },
    ...inner.map((a, i): Field => ({ name: `inner_${i}`, type: a.type, nullable: true })),
  ];
  const innerPlan: LogicalPlan = { op: 'aggregate', input: p.input, groupBy: [...p.groupBy, x], aggregates: inner, schema: innerSchema };
  const at = (i: number) => col(k + 1 + i, innerSchema[k + 1 + i]);
  const xcol = col(k, innerSchema[k]);
  const outer: AggregateCall[] = p.aggregates.map((a, n) => {
    const [s, c] = slots[n];
    const merge = (fn: AggregateCall['fn'], args: Expr[], filter?: Expr): AggregateCall => ({ fn, args, distinct: false, type: a.type, ...(filter ? { filter } : {}) });
    if (a.distinct) {
      const passes: Expr | undefined = s === undefined ? undefined : { kind: 'call', fn: 'gt', args: [at(s), { kind: 'literal', value: 0, type: BIGINT }], type: BOOLEAN };
      return merge(a.fn, [xcol], and(passes ? [passes] : []));
    }
    switch (a.fn) {
      case 'count':
      case 'count_star': return merge('sum', [at(s)]);
      case 'avg': return merge('avg_final', [at(s), at(c)]);
      default: return merge(a.fn, [at(s)]);
    }
  });
  const outerSchema: Field[] = [...p.schema.slice(0, k), ...outer.map((a, i): Field => ({ name: `outer_${i}`, type: a.type, nullable: true }))];
  return backToSchema(p, { op: 'aggregate', input: innerPlan, groupBy: p.groupBy.map((_, i) => col(i, innerSchema[i])), aggregates: outer, schema: outerSchema });
}
