/**
 * The window state of a query: the window calls met in its select list and ORDER BY, bound over
 * the relation they run on (the FROM clause's, or the aggregate's output in a grouped query);
 * each call is a column appended after that relation's columns.
 */
import { BIGINT, DOUBLE, typeName } from '../../types/datatype.js';
import { key, type Expr, type FrameBound, type SortKey, type WindowCall, type WindowFn } from '../../plan/logical/expr.js';
import { FunctionError, isAggregateFunction, resolveAggregate } from '../../plan/logical/functions.js';
import { SqlError } from '../errors.js';
import type { PgNode } from '../parse.js';
import { at, bindExpr, castTo, toBoolean, type ExprEnv, type WindowScope } from './expr.js';

// PostgreSQL's frameOptions bits.
const F = {
  RANGE: 0x2, ROWS: 0x4, GROUPS: 0x8,
  START_UNBOUNDED_PRECEDING: 0x20, END_UNBOUNDED_FOLLOWING: 0x100, START_UNBOUNDED_FOLLOWING: 0x80, END_UNBOUNDED_PRECEDING: 0x40,
  START_CURRENT_ROW: 0x200, END_CURRENT_ROW: 0x400,
  START_OFFSET_PRECEDING: 0x800, END_OFFSET_PRECEDING: 0x1000, START_OFFSET_FOLLOWING: 0x2000, END_OFFSET_FOLLOWING: 0x4000,
  EXCLUDE: 0x8000 | 0x10000 | 0x20000,
};

const RANKING = new Set(['row_number', 'rank', 'dense_rank', 'ntile']);
const VALUE = new Set(['lag', 'lead', 'first_value', 'last_value', 'nth_value']);

export class WindowState implements WindowScope {
  readonly windows: WindowCall[] = [];

  constructor(
    /** How many columns the relation the windows run on has. */
    readonly base: number,
    /** The query's `window w as (…)` definitions. */
    readonly named: Map<string, PgNode>,
  ) {}

  add(name: string, n: PgNode, offset: number, env: ExprEnv): Expr {
    const inner: ExprEnv = { ...env, win: undefined, clause: 'a window function' };
    const def = this.definition(n.over, offset);
    const args = ((n.args ?? []) as PgNode[]).map((a) => bindExpr(a, inner));
    const partitionBy = ((def.partitionClause ?? []) as PgNode[]).map((p) => bindExpr(p, inner));
    const orderBy: SortKey[] = ((def.orderClause ?? []) as PgNode[]).map((s) => sortKey(s.SortBy, inner));
    const fn = (n.agg_star && name === 'count' ? 'count_star' : name) as WindowFn;
    const call: WindowCall = { fn, args, partitionBy, orderBy, frame: frame(def, orderBy.length > 0, inner, offset), type: BIGINT };
    if (n.agg_distinct) call.distinct = true;
    if (n.agg_filter) call.filter = toBoolean(bindExpr(n.agg_filter, inner), 'FILTER', offset);
    if (RANKING.has(fn)) {
      call.type = BIGINT;
      if (fn === 'ntile') {
        if (args.length !== 1) throw new SqlError('type', 'ntile(n) takes one argument, the number of buckets', offset);
        call.args = [castTo(args[0], BIGINT)];
      } else if (args.length) throw new SqlError('type', `${fn}() takes no arguments`, offset);
    } else if (fn === 'percent_rank' || fn === 'cume_dist') call.type = DOUBLE;
    else if (VALUE.has(fn)) {
      if (args.length === 0) throw new SqlError('type', `${fn}() needs the value to return`, offset);
      call.type = args[0].type;
      if (fn === 'lag' || fn === 'lead') {
        if (args.length > 3) throw new SqlError('type', `${fn}(value [, offset [, default]]) takes at most 3 arguments`, offset);
        call.args = [args[0], castTo(args[1] ?? { kind: 'literal', value: 1, type: BIGINT }, BIGINT), ...(args[2] ? [castTo(args[2], args[0].type)] : [])];
      }
      if (n.ignore_nulls) call.ignoreNulls = true;
    } else if (isAggregateFunction(fn)) {
      try {
        const r = resolveAggregate(fn, args.map((a) => a.type), call.distinct === true);
        call.args = args.map((a, i) => castTo(a, r.args[i] ?? a.type));
        call.type = r.type;
      } catch (e) {
        if (e instanceof FunctionError) throw new SqlError('type', e.message, offset, e.hint);
        throw e;
      }
    } else throw new SqlError('name', `unknown window function ${name}`, offset, 'window functions: row_number, rank, dense_rank, ntile, percent_rank, cume_dist, lag, lead, first_value, last_value, nth_value, and the aggregates');
    const k = key(call);
    let i = this.windows.findIndex((w) => key(w) === k);
    if (i < 0) i = this.windows.push(call) - 1;
    return { kind: 'column', index: this.base + i, name: `${fn}_${i}`, type: call.type };
  }

  /** over w / over (w order by …): the named definition merged with the call's own. */
  private definition(over: PgNode, offset: number): PgNode {
    const ref = over.refname ?? (over.partitionClause || over.orderClause || over.frameOptions & 1 ? undefined : over.name);
    if (!ref) return over;
    const base = this.named.get(ref);
    if (!base) throw new SqlError('name', `unknown window ${ref}`, offset, this.named.size ? `windows defined here: ${[...this.named.keys()].join(', ')}` : 'define it: window w as (partition by … order by …)');
    return { ...base, ...Object.fromEntries(Object.entries(over).filter(([k, v]) => k !== 'name' && k !== 'refname' && v !== undefined && !(k === 'frameOptions' && !(Number(v) & 1)))) };
  }
}

export function sortKey(s: PgNode, env: ExprEnv, bound?: Expr): SortKey {
  if (s.sortby_dir === 'SORTBY_USING') throw new SqlError('unsupported', 'order by … using is not supported', at(env, s.node));
  const desc = s.sortby_dir === 'SORTBY_DESC';
  // DuckDB's default: NULLS LAST in both directions.
  const nullsFirst = s.sortby_nulls === 'SORTBY_NULLS_FIRST';
  return { expr: bound ?? bindExpr(s.node, env), desc, nullsFirst };
}

function frame(def: PgNode, ordered: boolean, env: ExprEnv, offset: number): WindowCall['frame'] {
  const o = Number(def.frameOptions ?? 0);
  if (o & F.GROUPS) throw new SqlError('unsupported', 'groups frames are not supported', offset, 'use rows or range');
  if (o & F.EXCLUDE) throw new SqlError('unsupported', 'frame exclusion (exclude …) is not supported', offset);
  if (!(o & 1)) {
    // The default: the whole partition without order by; else range from its start to the current row's peers.
    return ordered ? { mode: 'range', start: { kind: 'unboundedPreceding' }, end: { kind: 'currentRow' } } : { mode: 'rows', start: { kind: 'unboundedPreceding' }, end: { kind: 'unboundedFollowing' } };
  }
  const mode = o & F.ROWS ? 'rows' : 'range';
  const bound = (side: 'START' | 'END'): FrameBound => {
    const has = (b: string) => o & F[`${side}_${b}` as keyof typeof F];
    if (has('UNBOUNDED_PRECEDING')) return { kind: 'unboundedPreceding' };
    if (has('UNBOUNDED_FOLLOWING')) return { kind: 'unboundedFollowing' };
    if (has('CURRENT_ROW')) return { kind: 'currentRow' };
    const node = side === 'START' ? def.startOffset : def.endOffset;
    const e = bindExpr(node, env);
    if (e.kind !== 'literal') throw new SqlError('unsupported', 'a frame offset must be a constant', at(env, node));
    if (mode === 'rows' && (typeof e.value !== 'number' || !Number.isInteger(e.value) || e.value < 0)) throw new SqlError('type', `a rows frame offset must be a non-negative integer, not ${typeName(e.type)} ${String(e.value)}`, at(env, node));
    return { kind: has('OFFSET_PRECEDING') ? 'preceding' : 'following', offset: e.value, offsetType: e.type };
  };
  return { mode, start: bound('START'), end: bound('END') };
}
