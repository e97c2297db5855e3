/**
 * Binding the FROM clause: tables (declared in spec.tables), views and CTEs (bound anew at each
 * reference), subqueries, and joins (inner, left, right, full, cross, comma, using, natural).
 * Returns the plan and the columns it offers, each with the alias it is reached by.
 */
import { BOOLEAN, typeName } from '../../types/datatype.js';
import type { Expr } from '../../plan/logical/expr.js';
import type { JoinKind, LogicalPlan, TableSource } from '../../plan/logical/plan.js';
import type { Field } from '../../types/schema.js';
import { SqlError, suggest } from '../errors.js';
import type { PgNode } from '../parse.js';
import { Scope, eq, type ScopeColumn } from './scope.js';
import { at, bindExpr, callOf, toBoolean, type BindContext } from './expr.js';

export interface Relation {
  plan: LogicalPlan;
  columns: ScopeColumn[];
}

/** A named query (view or CTE): bound at each reference. */
export interface NamedQuery {
  select: PgNode;
  /** Column names given with the name (`with t(a, b) as …`). */
  columns?: string[];
  /** The CTEs visible where it was defined. */
  ctes?: Map<string, NamedQuery>;
}

export interface QueryContext extends BindContext {
  tables: Map<string, TableSource>;
  views: Map<string, NamedQuery>;
  /** Binds a named query or a subquery: its plan and output names. */
  query: (select: PgNode, outer: Scope | undefined, ctes: Map<string, NamedQuery>) => LogicalPlan;
}

export function bindFrom(items: PgNode[] | undefined, ctx: QueryContext, ctes: Map<string, NamedQuery>, outer?: Scope): Relation {
  if (!items || items.length === 0) return { plan: { op: 'values', rows: [[]], schema: [] }, columns: [] };
  return items.map((i) => item(i, ctx, ctes, outer)).reduce((l, r) => join('cross', l, r));
}

function item(node: PgNode, ctx: QueryContext, ctes: Map<string, NamedQuery>, outer?: Scope): Relation {
  const [type] = Object.keys(node);
  const n = node[type];
  const offset = n.location >= 0 ? ctx.toChar(n.location) : -1;
  switch (type) {
    case 'RangeVar':
      return named(n, offset, ctx, ctes, outer);
    case 'RangeSubselect': {
      if (n.lateral) throw new SqlError('unsupported', 'lateral subqueries are not supported', offset);
      const plan = ctx.query(n.subquery.SelectStmt, outer, ctes);
      return aliased(plan, n.alias?.aliasname ?? 'unnamed_subquery', aliasColumns(n.alias), offset);
    }
    case 'JoinExpr':
      return joinExpr(n, ctx, ctes, outer);
    case 'RangeFunction':
      throw new SqlError('unsupported', 'table functions in FROM are not supported', offset, 'declare the files as a table in spec.tables');
    default:
      throw new SqlError('unsupported', `${type} in FROM is not supported`, offset);
  }
}

function aliasColumns(alias: PgNode | undefined): string[] | undefined {
  return alias?.colnames?.map((c: PgNode) => c.String.sval as string);
}

function named(n: PgNode, offset: number, ctx: QueryContext, ctes: Map<string, NamedQuery>, outer?: Scope): Relation {
  if (n.schemaname) throw new SqlError('unsupported', `schema-qualified names (${n.schemaname}.${n.relname}) are not supported`, offset);
  const name = n.relname as string;
  const alias = n.alias?.aliasname ?? name;
  const q = lookup(ctes, name) ?? lookup(ctx.views, name);
  if (q) {
    const plan = ctx.query(q.select, undefined, q.ctes ?? new Map());
    return aliased(plan, alias, aliasColumns(n.alias) ?? q.columns, offset);
  }
  const t = lookup(ctx.tables, name);
  if (!t) {
    const known = [...ctes.keys(), ...ctx.views.keys(), ...ctx.tables.keys()];
    throw new SqlError('name', `unknown table ${name}`, offset, `${suggest(name, known, 'tables')}; tables are declared in spec.tables`);
  }
  const schema = t.schema.map((f) => ({ ...f }));
  const plan: LogicalPlan = { op: 'scan', table: t, alias, columns: schema.map((_, i) => i), filters: [], schema };
  return aliased(plan, alias, aliasColumns(n.alias), offset);
}

function lookup<T>(m: Map<string, T>, name: string): T | undefined {
  for (const [k, v] of m) if (eq(k, name)) return v;
  return undefined;
}

/** The plan's columns under an alias, renamed by a column list when one is given. */
export function aliased(plan: LogicalPlan, alias: string, names: string[] | undefined, offset: number): Relation {
  if (names && names.length > plan.schema.length) throw new SqlError('semantic', `${alias} has ${plan.schema.length} columns but ${names.length} names were given`, offset);
  const columns = plan.schema.map((f, i) => ({ name: names?.[i] ?? f.name, table: alias, type: f.type, nullable: f.nullable }));
  const renamed = names ? { ...plan, schema: plan.schema.map((f, i) => ({ ...f, name: names[i] ?? f.name })) } as LogicalPlan : plan;
  return { plan: renamed, columns };
}

const KINDS: Record<string, JoinKind> = { JOIN_INNER: 'inner', JOIN_LEFT: 'left', JOIN_RIGHT: 'right', JOIN_FULL: 'full' };

function joinExpr(n: PgNode, ctx: QueryContext, ctes: Map<string, NamedQuery>, outer?: Scope): Relation {
  const offset = firstLocation(n, ctx);
  const left = item(n.larg, ctx, ctes, outer);
  const right = item(n.rarg, ctx, ctes, outer);
  const kind = KINDS[n.jointype];
  if (!kind) throw new SqlError('unsupported', `${String(n.jointype).replace('JOIN_', '').toLowerCase()} joins are not supported`, offset);
  let using: string[] | undefined = n.usingClause?.map((u: PgNode) => u.String.sval as string);
  if (n.isNatural) using = left.columns.filter((l) => right.columns.some((r) => !r.hidden && eq(r.name, l.name))).map((c) => c.name);
  if (!using && !n.quals) return join(kind === 'inner' ? 'cross' : kind, left, right);
  if (!using) {
    const scope = new Scope([...left.columns, ...right.columns], outer);
    const cond = toBoolean(bindExpr(n.quals, { scope, ctx, clause: 'the join condition' }), 'the join condition', at({ scope, ctx, clause: '' }, n.quals.A_Expr ?? n.quals.BoolExpr ?? n.quals));
    return join(kind, left, right, cond);
  }
  return joinUsing(kind, left, right, using, n, ctx);
}

function joinUsing(kind: JoinKind, left: Relation, right: Relation, using: string[], n: PgNode, ctx: QueryContext): Relation {
  const offset = firstLocation(n, ctx);
  const conds: Expr[] = [];
  const pairs: [number, number][] = [];
  for (const name of using) {
    const l = left.columns.findIndex((c) => !c.hidden && eq(c.name, name));
    const r = right.columns.findIndex((c) => !c.hidden && eq(c.name, name));
    if (l < 0 || r < 0) throw new SqlError('name', `the using column ${name} is not in ${l < 0 ? 'the left' : 'the right'} side of the join`, offset, suggest(name, (l < 0 ? left : right).columns.map((c) => c.name), 'columns'));
    const lc = left.columns[l];
    const rc = right.columns[r];
    const lx: Expr = { kind: 'column', index: l, name: lc.name, type: lc.type };
    const rx: Expr = { kind: 'column', index: left.columns.length + r, name: rc.name, type: rc.type };
    try {
      conds.push(callOf('eq', [lx, rx], offset));
    } catch {
      throw new SqlError('type', `cannot join on ${name}: ${typeName(lc.type)} on the left, ${typeName(rc.type)} on the right`, offset);
    }
    pairs.push([l, r]);
  }
  const cond = conds.reduce((a, b): Expr => ({ kind: 'call', fn: 'and', args: [a, b], type: BOOLEAN }));
  const j = join(kind, left, right, cond);
  const width = left.columns.length;
  // The unqualified name reaches the side that keeps its value: the left, the right for a right
  // join, and for a full join coalesce(left, right), a column of its own.
  const columns = j.columns.map((c, i) => {
    const isLeft = pairs.some(([l]) => l === i);
    const isRight = pairs.some(([, r]) => width + r === i);
    return { ...c, hidden: c.hidden || (kind === 'right' || kind === 'full' ? isLeft : isRight) };
  });
  if (kind !== 'full') return { plan: j.plan, columns };
  const exprs: Expr[] = j.plan.schema.map((f, i) => ({ kind: 'column', index: i, name: f.name, type: f.type }));
  const extra: ScopeColumn[] = [];
  for (const [l, r] of pairs) {
    const lc = left.columns[l];
    exprs.push(callOf('coalesce', [exprs[l], exprs[width + r]], offset));
    extra.push({ name: lc.name, type: exprs[exprs.length - 1].type, nullable: true });
  }
  const schema: Field[] = exprs.map((e, i) => ({ name: i < j.plan.schema.length ? j.plan.schema[i].name : extra[i - j.plan.schema.length].name, type: e.type, nullable: true }));
  return { plan: { op: 'project', input: j.plan, exprs, schema }, columns: [...columns, ...extra] };
}

export function join(kind: JoinKind, left: Relation, right: Relation, condition?: Expr): Relation {
  const nullL = kind === 'right' || kind === 'full';
  const nullR = kind === 'left' || kind === 'full';
  const columns = [...left.columns.map((c) => ({ ...c, nullable: c.nullable || nullL })), ...right.columns.map((c) => ({ ...c, nullable: c.nullable || nullR }))];
  const schema: Field[] = columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
  const plan: LogicalPlan = { op: 'join', kind, left: left.plan, right: right.plan, schema, ...(condition ? { condition } : {}) };
  return { plan, columns };
}

/** Where a join starts (JoinExpr has no location of its own): its first table's. */
function firstLocation(n: PgNode, ctx: QueryContext): number {
  const side = n.larg?.RangeVar ?? n.larg?.RangeSubselect?.alias ?? undefined;
  if (side && side.location >= 0) return ctx.toChar(side.location);
  return n.larg?.JoinExpr ? firstLocation(n.larg.JoinExpr, ctx) : -1;
}
