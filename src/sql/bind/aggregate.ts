/**
 * The aggregate state of a grouped query: the group keys (bound over the FROM clause's columns),
 * the aggregate calls met while binding the select list, HAVING and ORDER BY, and the mapping of
 * expressions onto the aggregate's output (keys, [grouping_id], aggregates).
 */
import { BIGINT } from '../../types/datatype.js';
import { key, mapChildren, type AggregateCall, type Expr } from '../../plan/logical/expr.js';
import { FunctionError, resolveAggregate } from '../../plan/logical/functions.js';
import type { Field } from '../../types/schema.js';
import { SqlError } from '../errors.js';
import type { PgNode } from '../parse.js';
import type { Scope } from './scope.js';
import { bindExpr, castTo, origin, toBoolean, type AggregateScope, type ExprEnv } from './expr.js';

export class AggState implements AggregateScope {
  readonly aggregates: AggregateCall[] = [];
  inAggregate = false;
  private readonly keys: Map<string, number>;

  constructor(
    /** The columns the aggregate reads (the FROM clause's). */
    readonly input: Scope,
    readonly groupBy: Expr[],
    /** The output names of the keys. */
    readonly keyNames: string[],
    readonly groupingSets?: number[][],
  ) {
    this.keys = new Map(groupBy.map((g, i) => [key(g), i]));
  }

  private get first(): number {
    return this.groupBy.length + (this.groupingSets ? 1 : 0);
  }

  /** An expression over the input, as an expression over the aggregate's output. */
  toOutput(e: Expr, clause: string): Expr {
    const k = this.keys.get(key(e));
    if (k !== undefined) return { kind: 'column', index: k, name: this.keyNames[k], type: e.type };
    if (e.kind === 'column') {
      throw new SqlError('semantic', `column ${e.name} must appear in the GROUP BY clause or be used in an aggregate function (in ${clause})`, origin.get(e) ?? -1,
        `add ${e.name} to the GROUP BY clause, or wrap it in an aggregate such as any_value(${e.name})`);
    }
    return mapChildren(e, (c) => this.toOutput(c, clause));
  }

  /** An aggregate call met while binding: its output column. */
  add(name: string, n: PgNode, offset: number, env: ExprEnv): Expr {
    if (this.inAggregate) throw new SqlError('semantic', 'aggregate function calls cannot be nested', offset);
    this.inAggregate = true;
    try {
      const inner: ExprEnv = { scope: this.input, ctx: env.ctx, clause: `${name}(…)` };
      const raw = name === 'count_star' ? [] : ((n.args ?? []) as PgNode[]).map((a) => bindExpr(a, inner));
      const filter = n.agg_filter ? toBoolean(bindExpr(n.agg_filter, { ...inner, clause: 'FILTER' }), 'FILTER', offset) : undefined;
      let r;
      try {
        r = resolveAggregate(name, raw.map((a) => a.type), n.agg_distinct === true);
      } catch (e) {
        if (e instanceof FunctionError) throw new SqlError('type', e.message, offset, e.hint);
        throw e;
      }
      const call: AggregateCall = { fn: r.fn as AggregateCall['fn'], args: raw.map((a, i) => castTo(a, r.args[i] ?? a.type)), distinct: n.agg_distinct === true, type: r.type };
      if (filter) call.filter = filter;
      const k = key(call);
      let i = this.aggregates.findIndex((a) => key(a) === k);
      if (i < 0) i = this.aggregates.push(call) - 1;
      return { kind: 'column', index: this.first + i, name: `${call.fn}_${i}`, type: call.type };
    } finally {
      this.inAggregate = false;
    }
  }

  /** The aggregate's output schema (keys nullable under grouping sets). */
  schema(): Field[] {
    const keys: Field[] = this.groupBy.map((g, i) => ({ name: this.keyNames[i], type: g.type, nullable: true }));
    const gid: Field[] = this.groupingSets ? [{ name: 'grouping_id', type: BIGINT, nullable: false }] : [];
    const aggs: Field[] = this.aggregates.map((a, i) => ({ name: `${a.fn}_${i}`, type: a.type, nullable: a.fn !== 'count' && a.fn !== 'count_star' }));
    return [...keys, ...gid, ...aggs];
  }
}
