/**
 * Binding a query (SelectStmt): WITH, FROM, WHERE, GROUP BY (keys, ordinals, aliases, grouping
 * sets), aggregates, HAVING, windows, the select list, DISTINCT, ORDER BY, LIMIT / OFFSET, set
 * operations and VALUES. The plan it builds, bottom-up:
 *   from -> filter(where) -> aggregate -> filter(having) -> window -> project(select list
 *   and the ORDER BY expressions it lacks) -> distinct -> sort -> project(drop those) -> limit
 */
import { BIGINT, typeName, type DataType } from '../../types/datatype.js';
import type { Expr, SortKey } from '../../plan/logical/expr.js';
import { mapChildren, sameExpr } from '../../plan/logical/expr.js';
import type { LogicalPlan } from '../../plan/logical/plan.js';
import { commonType } from '../../plan/logical/functions.js';
import type { Field } from '../../types/schema.js';
import { SqlError } from '../errors.js';
import type { PgNode } from '../parse.js';
import { Scope, eq } from './scope.js';
import { at, bindExpr, castTo, containsAggregate, settle, toBoolean, type ExprEnv } from './expr.js';
import { AggState } from './aggregate.js';
import { WindowState, sortKey } from './window.js';
import { bindFrom, type NamedQuery, type QueryContext } from './from.js';
import { groupKeys } from './group-by.js';
import { outputName, uniqueNames } from './names.js';

/** Placeholder base of window columns until the relation they follow is complete. */
const WINDOW_BASE = 1 << 24;

export function bindQuery(s: PgNode, parentCtx: QueryContext, outer: Scope | undefined, parentCtes: Map<string, NamedQuery>): LogicalPlan {
  const ctes = withCtes(s.withClause, parentCtes, parentCtx);
  // Subqueries in expressions see this query's CTEs.
  const ctx: QueryContext = { ...parentCtx, subquery: (select, o) => bindQuery(select, ctx, o, ctes) };
  let plan: LogicalPlan;
  if (s.op && s.op !== 'SETOP_NONE') plan = setOperation(s, ctx, outer, ctes);
  else if (s.valuesLists) plan = values(s.valuesLists, ctx, outer);
  else return simpleSelect(s, ctx, outer, ctes);
  return orderAndLimit(plan, s, ctx, outer);
}

function withCtes(w: PgNode | undefined, parent: Map<string, NamedQuery>, ctx: QueryContext): Map<string, NamedQuery> {
  if (!w) return parent;
  if (w.recursive) throw new SqlError('unsupported', 'with recursive is not supported', w.location >= 0 ? ctx.toChar(w.location) : -1);
  const ctes = new Map(parent);
  for (const c of w.ctes as PgNode[]) {
    const cte = c.CommonTableExpr;
    // Each CTE sees the ones before it.
    ctes.set(cte.ctename, { select: cte.ctequery.SelectStmt, columns: cte.aliascolnames?.map((x: PgNode) => x.String.sval as string), ctes: new Map(ctes) });
  }
  return ctes;
}

function simpleSelect(s: PgNode, ctx: QueryContext, outer: Scope | undefined, ctes: Map<string, NamedQuery>): LogicalPlan {
  if (s.distinctClause?.some((d: PgNode) => Object.keys(d).length > 0)) throw new SqlError('unsupported', 'distinct on (…) is not supported', -1, 'use row_number() over (partition by … order by …) = 1');
  if (s.intoClause) throw new SqlError('unsupported', 'select … into is not supported', -1, 'use create table <name> as select …');
  const from = bindFrom(s.fromClause, ctx, ctes, outer);
  const scope = new Scope(from.columns, outer);
  let plan = from.plan;
  const base: ExprEnv = { scope, ctx, clause: 'WHERE' };
  if (s.whereClause) {
    if (containsAggregate(s.whereClause)) throw new SqlError('semantic', 'aggregate functions are not allowed in WHERE', at(base, firstNode(s.whereClause)), 'filter groups with HAVING');
    plan = { op: 'filter', input: plan, predicate: toBoolean(bindExpr(s.whereClause, base), 'WHERE', at(base, firstNode(s.whereClause))), schema: plan.schema };
  }
  const targets = (s.targetList ?? []) as PgNode[];
  const grouped = !!s.groupClause?.length || !!s.havingClause || targets.some((t) => containsAggregate(t.ResTarget.val));
  const named = new Map<string, PgNode>(((s.windowClause ?? []) as PgNode[]).map((w) => [w.WindowDef.name, w.WindowDef]));
  let agg: AggState | undefined;
  if (grouped) {
    const g = groupKeys(s.groupClause ?? [], targets, { scope, ctx, clause: 'GROUP BY' });
    agg = new AggState(scope, g.keys, g.names, g.sets);
  }
  const win = new WindowState(WINDOW_BASE, named);
  const env: ExprEnv = { scope, ctx, clause: 'the select list', agg, win };
  // The select list, * expanded.
  const exprs: Expr[] = [];
  const names: string[] = [];
  for (const t of targets) {
    const r = t.ResTarget;
    const star = r.val.ColumnRef?.fields?.some((f: PgNode) => f.A_Star);
    if (star) {
      if (agg) throw new SqlError('semantic', '* is not allowed in a grouped query', at(env, r.val.ColumnRef), 'list the grouped columns');
      const fields = r.val.ColumnRef.fields as PgNode[];
      const table = fields.length === 2 ? (fields[0].String.sval as string) : undefined;
      const cols = from.columns.map((c, i) => ({ c, i })).filter(({ c }) => !c.hidden && (!table || eq(c.table, table)));
      if (table && cols.length === 0) throw new SqlError('name', `unknown table or alias ${table} in ${table}.*`, at(env, r.val.ColumnRef));
      for (const { c, i } of cols) {
        exprs.push({ kind: 'column', index: i, name: c.name, type: c.type });
        names.push(c.name);
      }
      continue;
    }
    exprs.push(bindExpr(r.val, env));
    names.push(r.name ?? outputName(r.val, exprs.length - 1));
  }
  if (exprs.length === 0) throw new SqlError('semantic', 'the select list is empty', -1);
  let having: Expr | undefined;
  if (s.havingClause) having = toBoolean(bindExpr(s.havingClause, { ...env, win: undefined, clause: 'HAVING' }), 'HAVING', -1);
  // ORDER BY: select-list names and ordinals, or expressions (added as hidden columns).
  const distinct = !!s.distinctClause;
  const hidden: Expr[] = [];
  const order = ((s.sortClause ?? []) as PgNode[]).map((o) => {
    const item = orderItem(o.SortBy, exprs, names, { ...env, clause: 'ORDER BY' }, distinct);
    if ('index' in item) return item;
    let j = hidden.findIndex((h) => sameExpr(h, item.expr));
    if (j < 0) j = hidden.push(item.expr) - 1;
    return { key: item.key, index: exprs.length + j };
  });
  // The relation the select list reads: the aggregate's output, or the FROM clause's.
  if (agg) {
    plan = { op: 'aggregate', input: plan, groupBy: agg.groupBy, aggregates: agg.aggregates, schema: agg.schema(), ...(agg.groupingSets ? { groupingSets: agg.groupingSets } : {}) };
    if (having) plan = { op: 'filter', input: plan, predicate: having, schema: plan.schema };
  }
  const width = plan.schema.length;
  const fix = (e: Expr): Expr => (e.kind === 'column' && e.index >= WINDOW_BASE ? { ...e, index: e.index - WINDOW_BASE + width } : mapChildren(e, fix));
  if (win.windows.length) {
    const windows = win.windows.map((w) => ({ ...w, args: w.args.map(fix), partitionBy: w.partitionBy.map(fix), orderBy: w.orderBy.map((k) => ({ ...k, expr: fix(k.expr) })), ...(w.filter ? { filter: fix(w.filter) } : {}) }));
    const schema: Field[] = [...plan.schema, ...windows.map((w, i) => ({ name: `${w.fn}_${i}`, type: w.type, nullable: true }))];
    plan = { op: 'window', input: plan, windows, schema };
  }
  const all = [...exprs, ...hidden].map(fix);
  const outNames = uniqueNames(names);
  const schema: Field[] = all.map((e, i) => ({ name: i < outNames.length ? outNames[i] : `#order${i}`, type: e.type, nullable: true }));
  plan = { op: 'project', input: plan, exprs: all, schema };
  if (distinct) plan = { op: 'distinct', input: plan, schema };
  if (order.length) {
    const keys: SortKey[] = order.map((o) => ({ ...o.key, expr: { kind: 'column', index: o.index, name: schema[o.index].name, type: schema[o.index].type } }));
    plan = { op: 'sort', input: plan, keys, schema };
  }
  if (all.length > exprs.length) {
    const visible = schema.slice(0, exprs.length);
    plan = { op: 'project', input: plan, exprs: visible.map((f, i) => ({ kind: 'column', index: i, name: f.name, type: f.type })), schema: visible };
  }
  return limit(plan, s, ctx);
}

function firstNode(n: PgNode): PgNode {
  return n[Object.keys(n)[0]];
}

/** An ORDER BY item: a select-list column, or an expression to add as a hidden column. */
type OrderItem = { key: SortKey; index: number } | { key: SortKey; expr: Expr };

function orderItem(sb: PgNode, exprs: Expr[], names: string[], env: ExprEnv, distinct: boolean): OrderItem {
  const node = sb.node;
  const k = sortKey(sb, env, { kind: 'literal', value: null, type: BIGINT });
  if (node.A_Const?.ival !== undefined) {
    const i = (node.A_Const.ival.ival ?? 0) as number;
    if (i < 1 || i > names.length) throw new SqlError('semantic', `ORDER BY position ${i} is not in the select list (1 to ${names.length})`, at(env, node.A_Const));
    return { key: k, index: i - 1 };
  }
  const fields = node.ColumnRef?.fields as PgNode[] | undefined;
  if (fields?.length === 1 && fields[0].String) {
    const i = names.findIndex((n) => eq(n, fields[0].String.sval));
    if (i >= 0) return { key: k, index: i };
  }
  const e = bindExpr(node, env);
  const i = exprs.findIndex((x) => sameExpr(x, e));
  if (i >= 0) return { key: k, index: i };
  if (distinct) throw new SqlError('semantic', 'with select distinct, ORDER BY expressions must appear in the select list', at(env, firstNode(node)));
  return { key: k, expr: e };
}

function limit(plan: LogicalPlan, s: PgNode, ctx: QueryContext): LogicalPlan {
  if (!s.limitCount && !s.limitOffset) return plan;
  if (s.limitOption === 'LIMIT_OPTION_WITH_TIES') throw new SqlError('unsupported', 'fetch … with ties is not supported', -1);
  const count = (n: PgNode | undefined, what: string): number | undefined => {
    if (!n || n.A_Const?.isnull) return undefined;
    const v = n.A_Const?.ival ? (n.A_Const.ival.ival ?? 0) : n.A_Const?.fval ? Number(n.A_Const.fval.fval) : NaN;
    if (!Number.isInteger(v) || v < 0) throw new SqlError('type', `${what} must be a non-negative integer constant`, n[Object.keys(n)[0]]?.location >= 0 ? ctx.toChar(n[Object.keys(n)[0]].location) : -1);
    return v;
  };
  return { op: 'limit', input: plan, limit: count(s.limitCount, 'LIMIT'), offset: count(s.limitOffset, 'OFFSET') ?? 0, schema: plan.schema };
}

/** ORDER BY and LIMIT of a set operation or VALUES: by output name or position. */
function orderAndLimit(plan: LogicalPlan, s: PgNode, ctx: QueryContext, outer: Scope | undefined): LogicalPlan {
  if (s.sortClause?.length) {
    const scope = new Scope(plan.schema.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })), outer);
    const env: ExprEnv = { scope, ctx, clause: 'ORDER BY' };
    const keys = (s.sortClause as PgNode[]).map((o) => {
      const n = o.SortBy.node;
      if (n.A_Const?.ival !== undefined) {
        const i = (n.A_Const.ival.ival ?? 0) as number;
        if (i < 1 || i > plan.schema.length) throw new SqlError('semantic', `ORDER BY position ${i} is not in the select list (1 to ${plan.schema.length})`, at(env, n.A_Const));
        const f = plan.schema[i - 1];
        return sortKey(o.SortBy, env, { kind: 'column', index: i - 1, name: f.name, type: f.type });
      }
      return sortKey(o.SortBy, env);
    });
    plan = { op: 'sort', input: plan, keys, schema: plan.schema };
  }
  return limit(plan, s, ctx);
}

function setOperation(s: PgNode, ctx: QueryContext, outer: Scope | undefined, ctes: Map<string, NamedQuery>): LogicalPlan {
  const kind = s.op === 'SETOP_UNION' ? 'union' : s.op === 'SETOP_INTERSECT' ? 'intersect' : 'except';
  const left = bindQuery(s.larg, ctx, outer, ctes);
  const right = bindQuery(s.rarg, ctx, outer, ctes);
  if (left.schema.length !== right.schema.length) {
    throw new SqlError('semantic', `each side of ${kind} must have the same number of columns: ${left.schema.length} on the left, ${right.schema.length} on the right`, -1);
  }
  const types = left.schema.map((f, i) => {
    const t = commonType(f.type, right.schema[i].type);
    if (!t) throw new SqlError('type', `column ${i + 1} of ${kind} is ${typeName(f.type)} on the left and ${typeName(right.schema[i].type)} on the right`, -1);
    return t;
  });
  const schema: Field[] = left.schema.map((f, i) => ({ name: f.name, type: types[i], nullable: f.nullable || right.schema[i].nullable }));
  return { op: 'setop', kind, all: s.all === true, left: conform(left, types), right: conform(right, types), schema };
}

/** plan with its columns cast to `types` (a project only when some type differs). */
export function conform(plan: LogicalPlan, types: DataType[]): LogicalPlan {
  const exprs: Expr[] = plan.schema.map((f, i) => castTo({ kind: 'column', index: i, name: f.name, type: f.type }, types[i]));
  if (exprs.every((e) => e.kind === 'column')) return plan;
  return { op: 'project', input: plan, exprs, schema: plan.schema.map((f, i) => ({ ...f, type: types[i] })) };
}

function values(lists: PgNode[], ctx: QueryContext, outer: Scope | undefined): LogicalPlan {
  const env: ExprEnv = { scope: new Scope([], outer), ctx, clause: 'VALUES' };
  const rows = lists.map((l) => (l.List.items as PgNode[]).map((x) => bindExpr(x, env)));
  const width = rows[0].length;
  if (rows.some((r) => r.length !== width)) throw new SqlError('semantic', 'every row of VALUES must have the same number of columns', -1);
  // Column by column: NULLs and string literals take the type of the column's other values.
  const cols = rows[0].map((_, i) => settle(rows.map((r) => r[i])));
  const types = cols.map((c, i) => c.map((e) => e.type).reduce((a, b) => {
    const t = commonType(a, b);
    if (!t) throw new SqlError('type', `column ${i + 1} of VALUES mixes ${typeName(a)} and ${typeName(b)}`, -1);
    return t;
  }));
  rows.forEach((r, j) => r.forEach((_, i) => (r[i] = cols[i][j])));
  return { op: 'values', rows: rows.map((r) => r.map((e, i) => castTo(e, types[i]))), schema: types.map((t, i) => ({ name: `col${i}`, type: t, nullable: true })) };
}
