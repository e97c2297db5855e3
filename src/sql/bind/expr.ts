/**
 * Binding expressions: a PostgreSQL parse-tree expression -> a bound Expr, names resolved in the
 * scope, types from the function catalog, implicit casts inserted. In a grouped query the
 * aggregate state (./aggregate.ts) collects aggregate calls and maps group keys; window calls
 * go to the window state. Subqueries are bound through the context's callback (select.ts), so
 * this file does not import the statement binder.
 */
import { BOOLEAN, VARCHAR, sameType, typeName, type DataType } from '../../types/datatype.js';
import type { Expr } from '../../plan/logical/expr.js';
import type { LogicalPlan } from '../../plan/logical/plan.js';
import { FunctionError, commonType, isAggregateFunction, resolveScalar } from '../../plan/logical/functions.js';
import { parseValue } from '../../types/parse-value.js';
import { SqlError } from '../errors.js';
import type { PgNode } from '../parse.js';
import { Scope } from './scope.js';
import { constant, intervalLiteral, typeOf, untyped } from './literals.js';

export interface BindContext {
  toChar: (byteOffset: number) => number;
  /** Binds a subquery whose names may refer to `outer` (correlation). */
  subquery: (select: PgNode, outer: Scope) => LogicalPlan;
}

export interface ExprEnv {
  scope: Scope;
  ctx: BindContext;
  /** The clause, for messages ("WHERE", "GROUP BY", ...). */
  clause: string;
  agg?: AggregateScope;
  win?: WindowScope;
}

/** What a grouped query offers its expressions (./aggregate.ts implements it). */
export interface AggregateScope {
  /** The scope below the aggregate (group keys and aggregate arguments are bound in it). */
  readonly input: Scope;
  /** Binding an aggregate's arguments now (aggregates do not nest). */
  readonly inAggregate: boolean;
  /** An aggregate call: the aggregate's output column for it. */
  add(name: string, n: PgNode, offset: number, env: ExprEnv): Expr;
  /** An expression over the input, as the aggregate's output (a group key, or an error). */
  toOutput(e: Expr, clause: string): Expr;
}

/** What a query with window calls offers its expressions (./window.ts implements it). */
export interface WindowScope {
  add(name: string, n: PgNode, offset: number, env: ExprEnv): Expr;
}

/** Where each bound expression came from (character offsets), for later errors. */
export const origin = new WeakMap<Expr, number>();

export const at = (env: ExprEnv, node: PgNode): number => {
  const loc = node?.location;
  return typeof loc === 'number' && loc >= 0 ? env.ctx.toChar(loc) : -1;
};

const WINDOW_ONLY = new Set(['row_number', 'rank', 'dense_rank', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value', 'percent_rank', 'cume_dist']);

/** Binds a parse-tree expression in env. */
export function bindExpr(node: PgNode, env: ExprEnv): Expr {
  const [type] = Object.keys(node);
  const n = node[type];
  const offset = at(env, n);
  // In a grouped query, an expression without aggregates is bound over the input and then
  // mapped onto the group keys (so `group by a + b` matches `a + b` in the select list).
  if (env.agg && !env.agg.inAggregate && !containsAggregate(node)) {
    const e = bindExpr(node, { ...env, agg: undefined, win: undefined, scope: env.agg.input });
    return env.agg.toOutput(e, env.clause);
  }
  const e = bindNode(type, n, offset, env);
  if (offset >= 0 && !origin.has(e)) origin.set(e, offset);
  return e;
}

function bindNode(type: string, n: PgNode, offset: number, env: ExprEnv): Expr {
  switch (type) {
    case 'ColumnRef':
      return column(n, offset, env);
    case 'A_Const':
      return constant(n, offset);
    case 'TypeCast':
      return typeCast(n, offset, env);
    case 'A_Expr':
      return operator(n, offset, env);
    case 'BoolExpr': {
      const args = (n.args as PgNode[]).map((a) => toBoolean(bindExpr(a, env), env.clause, at(env, a)));
      const fn = n.boolop === 'AND_EXPR' ? 'and' : n.boolop === 'OR_EXPR' ? 'or' : 'not';
      return fn === 'not' ? { kind: 'call', fn, args, type: BOOLEAN } : args.reduce((l, r) => ({ kind: 'call', fn, args: [l, r], type: BOOLEAN }));
    }
    case 'NullTest':
      return { kind: 'call', fn: n.nulltesttype === 'IS_NULL' ? 'is_null' : 'is_not_null', args: [bindExpr(n.arg, env)], type: BOOLEAN };
    case 'CaseExpr':
      return caseExpr(n, offset, env);
    case 'CoalesceExpr':
      return callOf('coalesce', (n.args as PgNode[]).map((a) => bindExpr(a, env)), offset);
    case 'MinMaxExpr':
      return callOf(n.op === 'IS_GREATEST' ? 'greatest' : 'least', (n.args as PgNode[]).map((a) => bindExpr(a, env)), offset);
    case 'FuncCall':
      return funcCall(n, offset, env);
    case 'SubLink':
      return subLink(n, offset, env);
    case 'BooleanTest':
      return booleanTest(n, env);
    default:
      throw new SqlError('unsupported', `${describe(type)} is not supported in an expression`, offset);
  }
}

function describe(type: string): string {
  const names: Record<string, string> = { A_Indirection: 'subscripting ([…] or .field)', ParamRef: 'a parameter ($1)', RowExpr: 'a row constructor', A_ArrayExpr: 'an array', CollateClause: 'collate', SQLValueFunction: 'current_date / current_timestamp (a job must give the same answer each run)' };
  return names[type] ?? type;
}

function column(n: PgNode, offset: number, env: ExprEnv): Expr {
  const parts = (n.fields as PgNode[]).map((f) => (f.A_Star ? '*' : (f.String.sval as string)));
  if (parts.includes('*')) throw new SqlError('semantic', `${parts.join('.')} is only allowed in the select list or in count(*)`, offset);
  if (parts.length > 2) throw new SqlError('unsupported', `the name ${parts.join('.')} has too many parts (kindling has no schemas)`, offset);
  const r = env.scope.resolve(parts, offset);
  if (r.depth > 0) return { kind: 'outer', depth: r.depth, index: r.index, name: r.column.name, type: r.column.type };
  return { kind: 'column', index: r.index, name: r.column.name, type: r.column.type };
}

function typeCast(n: PgNode, offset: number, env: ExprEnv): Expr {
  const target = typeOf(n.typeName, at(env, n.typeName));
  const arg = n.arg.A_Const;
  if (target.id === 'INTERVAL') {
    if (!arg?.sval) throw new SqlError('unsupported', 'a cast to INTERVAL is supported for literals only', offset, "write interval '3' month or interval '1 day'");
    return { kind: 'literal', value: intervalLiteral(arg.sval.sval ?? '', n.typeName, offset), type: target };
  }
  return castTo(bindExpr(n.arg, env), target);
}

/** e as type t: the same expression when it has t, a retyped NULL or number literal, else a cast. */
export function castTo(e: Expr, t: DataType): Expr {
  if (sameType(e.type, t)) return e;
  if (e.kind === 'literal' && e.value === null) return { kind: 'literal', value: null, type: t };
  if (e.kind === 'literal' && typeof e.value === 'string' && t.id !== 'INTERVAL') {
    // A string constant converts now, as DuckDB converts it while binding: a bad one is an error before anything runs.
    const value = parseValue(e.value, t);
    if (value === undefined) throw new SqlError('type', `the string '${e.value}' is not a ${typeName(t)}`, origin.get(e) ?? -1, FORMATS[t.id]);
    return { kind: 'literal', value, type: t };
  }
  if (e.kind === 'literal' && (typeof e.value === 'number' || typeof e.value === 'bigint')) {
    const value = widen(e.value, e.type, t);
    if (value !== undefined) return { kind: 'literal', value, type: t };
  }
  return { kind: 'cast', arg: e, type: t };
}

const FORMATS: Partial<Record<DataType['id'], string>> = {
  DATE: "write dates as 'YYYY-MM-DD'", TIMESTAMP: "write timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC)",
  BOOLEAN: 'write true or false', INTEGER: 'write an integer from -2147483648 to 2147483647', BIGINT: 'write an integer within 64 bits',
  DECIMAL: 'write a number with at most the precision of the type', DOUBLE: 'write a number such as 1.5 or 1e-3',
};

/** An exact number literal in a wider numeric type (undefined: leave it to a cast). */
function widen(v: number | bigint, from: DataType, to: DataType): number | bigint | undefined {
  const scale = (t: DataType) => (t.id === 'DECIMAL' ? t.scale : 0);
  if (from.id === 'DOUBLE') return undefined;
  if (to.id === 'DOUBLE') return from.id === 'DECIMAL' ? undefined : Number(v);
  if (to.id !== 'BIGINT' && to.id !== 'DECIMAL') return undefined;
  const up = scale(to) - scale(from);
  if (up < 0) return undefined;
  const big = BigInt(v) * 10n ** BigInt(up);
  const digits = (big < 0n ? -big : big).toString().length;
  if (to.id === 'DECIMAL' && digits > to.precision) return undefined;
  if (to.id === 'BIGINT' && (big > 9223372036854775807n || big < -9223372036854775808n)) return undefined;
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big;
}

/** Flexible literals take their siblings' type ('1998-12-01' next to a DATE is a DATE). */
export function settle(args: Expr[]): Expr[] {
  const typed = args.filter((a) => !untyped.has(a));
  // Without typed arguments, NULLs take the string literals' type.
  const pool = typed.length ? typed : args.filter((a) => !(a.kind === 'literal' && a.value === null));
  if (pool.length === 0 || pool.length === args.length) return args;
  let t: DataType | undefined = pool[0].type;
  for (const a of pool.slice(1)) t = t && (commonType(t, a.type) ?? t);
  return args.map((a) => (!pool.includes(a) && t ? castTo(a, t) : a));
}

/** Operators and functions whose string literals take the type of their other arguments. */
const SETTLING = new Set(['add', 'subtract', 'multiply', 'divide', 'integer_divide', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'coalesce', 'nullif', 'greatest', 'least', 'is_distinct_from', 'is_not_distinct_from']);

/** A call of the catalog's function `fn`, with the casts its signature asks for. */
export function callOf(fn: string, rawArgs: Expr[], offset: number): Expr {
  const args = SETTLING.has(fn) ? settle(rawArgs) : rawArgs;
  try {
    const r = resolveScalar(fn, args.map((a) => a.type), args.map((a) => (a.kind === 'literal' ? a.value : undefined)));
    return { kind: 'call', fn: r.fn, args: args.map((a, i) => castTo(a, r.args[i] ?? a.type)), type: r.type };
  } catch (e) {
    if (e instanceof FunctionError) throw new SqlError('type', e.message, offset, e.hint);
    throw e;
  }
}

export function toBoolean(e: Expr, clause: string, offset: number): Expr {
  if (e.type.id === 'BOOLEAN') return e;
  if (untyped.has(e)) return castTo(e, BOOLEAN);
  throw new SqlError('type', `${clause} needs a BOOLEAN condition, this expression is ${typeName(e.type)}`, offset);
}

const OPS: Record<string, string> = {
  '+': 'add', '-': 'subtract', '*': 'multiply', '/': 'divide', '//': 'integer_divide', '%': 'mod', '||': 'concat_op',
  '=': 'eq', '<>': 'ne', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '~~': 'like', '~~*': 'ilike',
};

function operator(n: PgNode, offset: number, env: ExprEnv): Expr {
  const op = ((n.name ?? []) as PgNode[]).map((x) => x.String.sval as string).join('.');
  const left = () => bindExpr(n.lexpr, env);
  const list = () => ((n.rexpr.List?.items ?? [n.rexpr]) as PgNode[]).map((x) => bindExpr(x, env));
  switch (n.kind) {
    case 'AEXPR_OP': {
      if (!n.lexpr) return op === '-' ? callOf('negate', [bindExpr(n.rexpr, env)], offset) : op === '+' ? bindExpr(n.rexpr, env) : unsupportedOp(op, offset);
      const fn = OPS[op];
      if (!fn) return unsupportedOp(op, offset);
      return callOf(fn, [left(), bindExpr(n.rexpr, env)], offset);
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      const fn = n.kind === 'AEXPR_LIKE' ? 'like' : 'ilike';
      const e = callOf(fn, [left(), bindExpr(n.rexpr, env)], offset);
      return op.startsWith('!') ? not(e) : e;
    }
    case 'AEXPR_IN': {
      const [arg, ...items] = settle([left(), ...list()]);
      let t: DataType | undefined = arg.type;
      for (const x of items) t = t && commonType(t, x.type);
      if (!t) throw new SqlError('type', `cannot compare ${typeName(arg.type)} with the list's ${[...new Set(items.map((x) => typeName(x.type)))].join(', ')}`, offset);
      return { kind: 'inList', arg: castTo(arg, t), list: items.map((x) => castTo(x, t!)), negated: op === '<>', type: BOOLEAN };
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      const [lo, hi] = list();
      const x = left();
      const e = callOf('and', [callOf('ge', [x, lo], offset), callOf('le', [x, hi], offset)], offset);
      return n.kind === 'AEXPR_NOT_BETWEEN' ? not(e) : e;
    }
    case 'AEXPR_NULLIF':
      return callOf('nullif', [left(), bindExpr(n.rexpr, env)], offset);
    case 'AEXPR_DISTINCT':
      return callOf('is_distinct_from', [left(), bindExpr(n.rexpr, env)], offset);
    case 'AEXPR_NOT_DISTINCT':
      return callOf('is_not_distinct_from', [left(), bindExpr(n.rexpr, env)], offset);
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      throw new SqlError('unsupported', `${op} ${n.kind === 'AEXPR_OP_ANY' ? 'any' : 'all'} (array) is not supported`, offset, 'use in (…) or a subquery');
    default:
      throw new SqlError('unsupported', `the operator ${op || n.kind} is not supported`, offset);
  }
}

const not = (e: Expr): Expr => ({ kind: 'call', fn: 'not', args: [e], type: BOOLEAN });

function unsupportedOp(op: string, offset: number): never {
  throw new SqlError('unsupported', `the operator ${op} is not supported`, offset, 'operators: + - * / // % || = <> < <= > >= and or not like ilike');
}

function booleanTest(n: PgNode, env: ExprEnv): Expr {
  const arg = toBoolean(bindExpr(n.arg, env), 'IS TRUE', at(env, n.arg));
  const lit = (v: boolean): Expr => ({ kind: 'literal', value: v, type: BOOLEAN });
  const t = n.booltesttype as string;
  if (t === 'IS_UNKNOWN' || t === 'IS_NOT_UNKNOWN') return { kind: 'call', fn: t === 'IS_UNKNOWN' ? 'is_null' : 'is_not_null', args: [arg], type: BOOLEAN };
  const want = t === 'IS_TRUE' || t === 'IS_NOT_TRUE';
  const fn = t.startsWith('IS_NOT') ? 'is_distinct_from' : 'is_not_distinct_from';
  return { kind: 'call', fn, args: [arg, lit(want)], type: BOOLEAN };
}

function caseExpr(n: PgNode, offset: number, env: ExprEnv): Expr {
  const subject = n.arg ? bindExpr(n.arg, env) : undefined;
  const whens = (n.args as PgNode[]).map((w) => {
    const c = w.CaseWhen;
    const cond = bindExpr(c.expr, env);
    const when = subject ? callOf('eq', [subject, cond], at(env, c.expr)) : toBoolean(cond, 'CASE WHEN', at(env, c.expr));
    return { when, then: bindExpr(c.result, env) };
  });
  const results = settle([...whens.map((w) => w.then), ...(n.defresult ? [bindExpr(n.defresult, env)] : [])]);
  const typed = results.filter((r) => !untyped.has(r));
  let t: DataType | undefined = typed.length ? typed[0].type : results.find((r) => !(r.kind === 'literal' && r.value === null))?.type ?? VARCHAR;
  for (const r of typed) t = t && commonType(t, r.type);
  if (!t) throw new SqlError('type', `the branches of this CASE have types that do not combine: ${[...new Set(results.map((r) => typeName(r.type)))].join(', ')}`, offset);
  const otherwise: Expr = n.defresult ? results[results.length - 1] : { kind: 'literal', value: null, type: t };
  return { kind: 'case', whens: whens.map((w, i) => ({ when: w.when, then: castTo(results[i], t!) })), else: castTo(otherwise, t), type: t };
}

const ALIASES: Record<string, string> = { ifnull: 'coalesce', btrim: 'trim', substr: 'substring', extract: 'date_part', datepart: 'date_part', ceiling: 'ceil', stddev: 'stddev_samp', variance: 'var_samp', strpos: 'strpos', pow: 'power', char_length: 'length', character_length: 'length' };

function funcCall(n: PgNode, offset: number, env: ExprEnv): Expr {
  const names = (n.funcname as PgNode[]).map((x) => x.String.sval as string);
  const raw = names[names.length - 1].toLowerCase();
  let name = ALIASES[raw] ?? raw;
  if (names.length > 1 && names[0] !== 'pg_catalog') throw new SqlError('unsupported', `schema-qualified function names (${names.join('.')}) are not supported`, offset);
  if (n.agg_order?.length) throw new SqlError('unsupported', `order by inside ${name}(…) is not supported`, offset);
  if (n.agg_within_group) throw new SqlError('unsupported', 'within group (…) is not supported', offset);
  if (n.agg_star) name = name === 'count' ? 'count_star' : name;
  if (n.over) {
    if (!env.win) throw new SqlError('semantic', `window functions are not allowed in ${env.clause}`, offset);
    return env.win.add(name, n, offset, env);
  }
  if (WINDOW_ONLY.has(name)) throw new SqlError('semantic', `${name}() is a window function: it needs an over (…) clause`, offset);
  if (isAggregateFunction(name)) {
    if (!env.agg) throw new SqlError('semantic', `aggregate functions are not allowed in ${env.clause}`, offset);
    return env.agg.add(name, n, offset, env);
  }
  if (n.agg_distinct || n.agg_filter) throw new SqlError('semantic', `distinct and filter apply to aggregate functions; ${name} is not one`, offset);
  const args = ((n.args ?? []) as PgNode[]).map((a) => bindExpr(a, env));
  // PostgreSQL reads position(a in b) as position(b, a): DuckDB's strpos(b, a).
  return callOf(name === 'position' ? 'strpos' : name, args, offset);
}

function subLink(n: PgNode, offset: number, env: ExprEnv): Expr {
  const plan = env.ctx.subquery(n.subselect.SelectStmt, env.agg ? env.agg.input : env.scope);
  switch (n.subLinkType) {
    case 'EXISTS_SUBLINK':
      return { kind: 'subquery', mode: 'exists', plan, negated: false, type: BOOLEAN };
    case 'EXPR_SUBLINK':
      if (plan.schema.length !== 1) throw new SqlError('semantic', `a scalar subquery must return one column, this one returns ${plan.schema.length}`, offset);
      return { kind: 'subquery', mode: 'scalar', plan, negated: false, type: plan.schema[0].type };
    case 'ANY_SUBLINK': {
      const op = ((n.operName ?? []) as PgNode[]).map((x) => x.String.sval).join('');
      if (op && op !== '=') throw new SqlError('unsupported', `${op} any (subquery) is not supported`, offset, 'use in (subquery) or exists');
      if (plan.schema.length !== 1) throw new SqlError('semantic', `the subquery of in (…) must return one column, this one returns ${plan.schema.length}`, offset);
      const arg = bindExpr(n.testexpr, env);
      const t = commonType(arg.type, plan.schema[0].type);
      if (!t) throw new SqlError('type', `cannot compare ${typeName(arg.type)} with the subquery's ${typeName(plan.schema[0].type)}`, offset);
      return { kind: 'subquery', mode: 'in', plan, arg: castTo(arg, t), negated: false, type: BOOLEAN };
    }
    default:
      throw new SqlError('unsupported', `this kind of subquery (${String(n.subLinkType).replace('_SUBLINK', '').toLowerCase()}) is not supported`, offset, 'use exists, in (subquery), or a scalar subquery');
  }
}

/** Does the tree hold an aggregate call (outside subqueries, not a window call)? */
export function containsAggregate(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsAggregate);
  if (!node || typeof node !== 'object') return false;
  const o = node as PgNode;
  if (o.SubLink) return false;
  if (o.FuncCall) {
    const f = o.FuncCall;
    const names = (f.funcname as PgNode[]).map((x) => x.String.sval as string);
    const nm = ALIASES[names[names.length - 1]] ?? names[names.length - 1];
    if (!f.over && (isAggregateFunction(nm) || (f.agg_star && nm === 'count'))) return true;
    if (f.over) return containsAggregate(f.args) || containsAggregate(f.over);
  }
  return Object.values(o).some(containsAggregate);
}
