/**
 * Decorrelation: every subquery becomes a join, so nothing runs once per row.
 *
 *   where [not] exists (S)          -> semi (anti) join with S on S's correlated predicates
 *   where x [not] in (S)            -> semi (null-aware anti) join on x = S's column and them
 *   a scalar subquery (S), S = an aggregate without group by over correlated rows
 *                                   -> S grouped by its correlation keys, left-joined on them;
 *                                      rows without a group get S's value over no rows (count 0)
 *   any other scalar subquery       -> a `single` join (a left join that fails when a row
 *                                      finds more than one match, as DuckDB's does)
 *
 * A subquery's correlated predicates (those reading outer columns) are pulled up through its
 * filters and projections to the join; the rest stays in S. Subqueries inside subqueries are
 * decorrelated first, innermost out. What is not one of these shapes (a correlated predicate
 * under a join or an aggregate it cannot become a key of, exists / in under an or, a subquery in
 * a join condition) is refused by name.
 */
import { KindlingError } from '../../common/errors.js';
import { BIGINT, BOOLEAN } from '../../types/datatype.js';
import type { AggregateCall, Expr } from '../logical/expr.js';
import { and, conjuncts, mapChildren, visit } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { inputs, planExprs, withInputs } from '../logical/plan.js';

const unsupported = (what: string) => new KindlingError('USAGE', `${what} is not supported yet by kindling's SQL engine`, { hint: 'rewrite the subquery as a join' });

type Sub = Expr & { kind: 'subquery' };

export function decorrelate(p: LogicalPlan): LogicalPlan {
  const ins = inputs(p).map(decorrelate);
  const q = ins.length ? withInputs(p, ins) : p;
  if (q.op === 'filter' && hasSubquery(q.predicate)) return rewriteFilter(q);
  if (q.op === 'project' && q.exprs.some(hasSubquery)) return rewriteProject(q);
  if (q.op === 'aggregate' && planExprs(q).some(hasSubquery)) return rewriteAggregate(q);
  for (const e of planExprs(q)) if (hasSubquery(e)) throw unsupported(`a subquery in ${q.op === 'join' ? 'a join condition' : `an ${q.op}`}`);
  return q;
}

function hasSubquery(e: Expr): boolean {
  let found = false;
  visit(e, (x) => { if (x.kind === 'subquery') found = true; });
  return found;
}

function hasOuter(e: Expr): boolean {
  let found = false;
  visit(e, (x) => { if (x.kind === 'outer') found = true; });
  return found;
}

function correlated(p: LogicalPlan): boolean {
  return planExprs(p).some(hasOuter) || inputs(p).some(correlated);
}

/** e with f applied bottom-up to every node. */
function rewrite(e: Expr, f: (e: Expr) => Expr): Expr {
  return f(mapChildren(e, (c) => rewrite(c, f)));
}

/**
 * A predicate pulled out of a subquery, moved onto the join of `left` (width w) and the
 * subquery: outer columns of depth 1 become the left's columns, deeper ones one level less
 * deep, the subquery's columns follow the left's.
 */
function onJoin(e: Expr, w: number): Expr {
  return rewrite(e, (x) => {
    if (x.kind === 'column') return { ...x, index: x.index + w };
    if (x.kind === 'outer') return x.depth === 1 ? { kind: 'column', index: x.index, name: x.name, type: x.type } : { ...x, depth: x.depth - 1 };
    return x;
  });
}

interface Pulled {
  /** The subquery without its correlated predicates; its output: the original columns, then any it had to add. */
  plan: LogicalPlan;
  /** The correlated predicates, over plan's output and outer columns. */
  corr: Expr[];
}

function pull(p: LogicalPlan): Pulled {
  if (!correlated(p)) return { plan: p, corr: [] };
  switch (p.op) {
    case 'filter': {
      const below = pull(p.input);
      const cs = conjuncts(p.predicate);
      const rest = and(cs.filter((c) => !hasOuter(c)));
      const plan: LogicalPlan = rest ? { op: 'filter', input: below.plan, predicate: rest, schema: below.plan.schema } : below.plan;
      return { plan, corr: [...below.corr, ...cs.filter(hasOuter)] };
    }
    case 'project': {
      if (p.exprs.some(hasOuter)) throw unsupported('an outer column in the select list of a subquery');
      const below = pull(p.input);
      const exprs = [...p.exprs];
      const schema = [...p.schema];
      const at = new Map<number, number>();
      for (const c of below.corr) {
        visit(c, (x) => {
          if (x.kind !== 'column' || at.has(x.index)) return;
          at.set(x.index, exprs.length);
          exprs.push(x);
          schema.push({ name: x.name, type: x.type, nullable: true } as (typeof schema)[number]);
        });
      }
      const corr = below.corr.map((c) => rewrite(c, (x) => (x.kind === 'column' ? { ...x, index: at.get(x.index)! } : x)));
      return { plan: { ...p, input: below.plan, exprs, schema }, corr };
    }
    default:
      throw unsupported(`a correlated subquery with outer columns under ${p.op === 'join' ? 'a join' : `an ${p.op}`}`);
  }
}

/** The semi / anti join for a top-level [not] exists / [not] in of a filter. */
function semiJoin(left: LogicalPlan, s: Sub, negated: boolean): LogicalPlan {
  const w = left.schema.length;
  const { plan, corr } = pull(s.plan);
  const preds = corr.map((c) => onJoin(c, w));
  const not = s.negated !== negated;
  if (s.mode === 'in') {
    const col = plan.schema[0];
    // The IN comparison comes first: a null-aware anti join treats it (only it) as the NOT IN.
    preds.unshift({ kind: 'call', fn: 'eq', args: [s.arg!, { kind: 'column', index: w, name: col.name, type: col.type }], type: BOOLEAN });
  }
  const condition = and(preds);
  return {
    op: 'join', kind: not ? 'anti' : 'semi', left, right: plan, schema: left.schema,
    ...(condition ? { condition } : {}), ...(not && s.mode === 'in' ? { nullAware: true } : {}),
  };
}

/** exists / in (subquery) inside an expression: a mark join, whose mark column is the value. */
function markJoin(left: LogicalPlan, s: Sub): { plan: LogicalPlan; value: Expr } {
  const semi = semiJoin(left, s, false) as LogicalPlan & { op: 'join' };
  const w = left.schema.length;
  const { nullAware: _n, ...rest } = semi;
  void _n;
  const plan: LogicalPlan = { ...rest, kind: 'mark', ...(s.mode === 'in' ? { nullAware: true } : {}), schema: [...left.schema, { name: 'mark', type: BOOLEAN, nullable: true } as LogicalPlan['schema'][number]] };
  const col: Expr = { kind: 'column', index: w, name: 'mark', type: BOOLEAN };
  return { plan, value: s.negated ? { kind: 'call', fn: 'not', args: [col], type: BOOLEAN } : col };
}

/** left joined with scalar subquery s: the new plan and the expression for the subquery's value. */
function scalarJoin(left: LogicalPlan, s: Sub): { plan: LogicalPlan; value: Expr } {
  const w = left.schema.length;
  const valueCol: Expr = { kind: 'column', index: w, name: s.plan.schema[0].name, type: s.type };
  const grouped = groupedAggregate(s.plan);
  if (grouped) {
    const { plan, keys, outerKeys, empty } = grouped;
    const condition = and(outerKeys.map((o, i) => ({ kind: 'call', fn: 'eq', args: [onJoin(o, 0), { kind: 'column', index: w + keys[i], name: plan.schema[keys[i]].name, type: o.type }], type: BOOLEAN } as Expr)))!;
    const joined: LogicalPlan = { op: 'join', kind: 'left', left, right: plan, condition, schema: [...left.schema, ...plan.schema] };
    const k0 = keys[0];
    const missing: Expr = { kind: 'call', fn: 'is_null', args: [{ kind: 'column', index: w + k0, name: plan.schema[k0].name, type: plan.schema[k0].type }], type: BOOLEAN };
    const value: Expr = empty.kind === 'literal' && empty.value === null ? valueCol : { kind: 'case', whens: [{ when: missing, then: empty }], else: valueCol, type: s.type };
    return { plan: joined, value };
  }
  const { plan, corr } = pull(s.plan);
  const condition = and(corr.map((c) => onJoin(c, w)));
  return { plan: { op: 'join', kind: 'single', left, right: plan, schema: [...left.schema, ...plan.schema], ...(condition ? { condition } : {}) }, value: valueCol };
}

/**
 * S = project(aggregate without group by (X)), correlated only by equalities `inner = outer`
 * in X's filters: X grouped by the inner sides. Returns the grouped plan (S's columns, then the
 * keys), where the keys are, the outer sides, and S's value over no rows.
 */
function groupedAggregate(s: LogicalPlan): { plan: LogicalPlan; keys: number[]; outerKeys: Expr[]; empty: Expr } | undefined {
  const top = s.op === 'project' ? s : undefined;
  const agg = top ? top.input : s;
  if (agg.op !== 'aggregate' || agg.groupBy.length > 0 || agg.groupingSets || !correlated(agg.input)) return undefined;
  if (top && top.exprs.some(hasOuter)) return undefined;
  const { plan: x, corr } = pull(agg.input);
  const inner: Expr[] = [];
  const outer: Expr[] = [];
  for (const c of corr) {
    if (c.kind !== 'call' || c.fn !== 'eq') throw unsupported('a correlated scalar subquery whose correlation is not an equality');
    const [a, b] = c.args;
    if (hasOuter(a) && !hasOuter(b) && onlyOuter(a)) { outer.push(a); inner.push(b); }
    else if (hasOuter(b) && !hasOuter(a) && onlyOuter(b)) { outer.push(b); inner.push(a); }
    else throw unsupported('a correlated scalar subquery comparing inner and outer columns in one expression');
  }
  const k = inner.length;
  const grouped: LogicalPlan = {
    op: 'aggregate', input: x, groupBy: inner, aggregates: agg.aggregates,
    schema: [...inner.map((e, i) => ({ name: `__key${i}`, type: e.type, nullable: true } as (typeof agg.schema)[number])), ...agg.schema],
  };
  const exprs0 = top ? top.exprs : agg.schema.map((f, i) => ({ kind: 'column', index: i, name: f.name, type: f.type } as Expr));
  const shifted = exprs0.map((e) => rewrite(e, (y) => (y.kind === 'column' ? { ...y, index: y.index + k } : y)));
  const keyCols = inner.map((e, i) => ({ kind: 'column', index: i, name: `__key${i}`, type: e.type } as Expr));
  const plan: LogicalPlan = { op: 'project', input: grouped, exprs: [...shifted, ...keyCols], schema: [...(top ? top.schema : agg.schema), ...grouped.schema.slice(0, k)] };
  const empty = rewrite(exprs0[0], (y) => (y.kind === 'column' ? emptyAggregate(agg.aggregates[y.index]) : y));
  return { plan, keys: inner.map((_, i) => exprs0.length + i), outerKeys: outer, empty };
}

const onlyOuter = (e: Expr): boolean => {
  let ok = true;
  visit(e, (x) => { if (x.kind === 'column' || x.kind === 'subquery') ok = false; });
  return ok;
};

/** An aggregate's value over no rows: count is 0, the others NULL. */
function emptyAggregate(a: AggregateCall): Expr {
  return a.fn === 'count' || a.fn === 'count_star' ? { kind: 'literal', value: 0, type: BIGINT } : { kind: 'literal', value: null, type: a.type };
}

/** The subquery of a top-level conjunct `[not] exists (S)` / `x [not] in (S)`, and whether a `not` wraps it. */
function existsOrIn(c: Expr): { s: Sub; negated: boolean } | undefined {
  if (c.kind === 'subquery' && c.mode !== 'scalar') return { s: c, negated: false };
  if (c.kind === 'call' && c.fn === 'not' && c.args[0].kind === 'subquery' && c.args[0].mode !== 'scalar') return { s: c.args[0], negated: true };
  return undefined;
}

/** Each scalar subquery of e joined onto plan; e reads their values. */
function joinScalars(plan: LogicalPlan, e: Expr): { plan: LogicalPlan; expr: Expr } {
  let cur = plan;
  const expr = rewrite(e, (x) => {
    if (x.kind !== 'subquery') return x;
    if (x.mode !== 'scalar') {
      const j = markJoin(cur, { ...x, plan: decorrelate(x.plan) });
      cur = j.plan;
      return j.value;
    }
    const j = scalarJoin(cur, { ...x, plan: decorrelate(x.plan) });
    cur = j.plan;
    return j.value;
  });
  return { plan: cur, expr };
}

function rewriteFilter(p: LogicalPlan & { op: 'filter' }): LogicalPlan {
  const w = p.input.schema.length;
  const cs = conjuncts(p.predicate);
  const plain = and(cs.filter((c) => !hasSubquery(c)));
  let cur: LogicalPlan = plain ? { op: 'filter', input: p.input, predicate: plain, schema: p.input.schema } : p.input;
  const rest: Expr[] = [];
  for (const c of cs.filter(hasSubquery)) {
    const ei = existsOrIn(c);
    if (ei && !(ei.s.arg && hasSubquery(ei.s.arg))) {
      cur = semiJoin(cur, { ...ei.s, plan: decorrelate(ei.s.plan) }, ei.negated);
      continue;
    }
    const j = joinScalars(cur, c);
    cur = j.plan;
    rest.push(j.expr);
  }
  const pred = and(rest);
  if (pred) cur = { op: 'filter', input: cur, predicate: pred, schema: cur.schema };
  if (cur.schema.length === w) return cur;
  return { op: 'project', input: cur, exprs: p.schema.map((f, i) => ({ kind: 'column', index: i, name: f.name, type: f.type })), schema: p.schema };
}

/** An aggregate's expressions with subqueries are computed by a projection below it (which is then decorrelated). */
function rewriteAggregate(p: LogicalPlan & { op: 'aggregate' }): LogicalPlan {
  const w = p.input.schema.length;
  const exprs: Expr[] = p.input.schema.map((f, i) => ({ kind: 'column', index: i, name: f.name, type: f.type }));
  const schema = [...p.input.schema];
  const lift = (e: Expr): Expr => {
    if (!hasSubquery(e)) return e;
    exprs.push(e);
    schema.push({ name: `__sub${exprs.length - w - 1}`, type: e.type, nullable: true } as (typeof schema)[number]);
    return { kind: 'column', index: exprs.length - 1, name: `__sub${exprs.length - w - 1}`, type: e.type };
  };
  const groupBy = p.groupBy.map(lift);
  const aggregates = p.aggregates.map((a) => ({ ...a, args: a.args.map(lift), ...(a.filter ? { filter: lift(a.filter) } : {}) }));
  const input = rewriteProject({ op: 'project', input: p.input, exprs, schema });
  return { ...p, input, groupBy, aggregates };
}

function rewriteProject(p: LogicalPlan & { op: 'project' }): LogicalPlan {
  let cur = p.input;
  const exprs = p.exprs.map((e) => {
    const j = joinScalars(cur, e);
    cur = j.plan;
    return j.expr;
  });
  return { ...p, input: cur, exprs };
}

