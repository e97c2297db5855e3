/**
 * EXPLAIN for logical plans: one line per operator, inputs indented below it, expressions in SQL
 * (column names, not indices). `kindling plan` prints this; the binder's and the optimizer's
 * tests compare plans in this form.
 */
import { typeName, type DataType } from '../../types/datatype.js';
import type { Scalar } from '../../types/vector.js';
import { children, type AggregateCall, type Expr, type SortKey, type WindowCall } from './expr.js';
import type { LogicalPlan } from './plan.js';
import { inputs } from './plan.js';

const INFIX: Record<string, string> = {
  add: '+', subtract: '-', multiply: '*', divide: '/', integer_divide: '//', mod: '%', concat_op: '||',
  eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=', and: 'AND', or: 'OR', like: 'LIKE', ilike: 'ILIKE',
  is_distinct_from: 'IS DISTINCT FROM', is_not_distinct_from: 'IS NOT DISTINCT FROM',
};

export function explain(plan: LogicalPlan): string {
  const lines: string[] = [];
  const walk = (p: LogicalPlan, depth: number) => {
    const pad = '  '.repeat(depth);
    lines.push(pad + describe(p));
    for (const sub of subqueries(p)) {
      lines.push(`${pad}  Subquery:`);
      walk(sub, depth + 2);
    }
    for (const i of inputs(p)) walk(i, depth + 1);
  };
  walk(plan, 0);
  return lines.join('\n');
}

function describe(p: LogicalPlan): string {
  switch (p.op) {
    case 'scan': {
      const cols = p.columns.map((i) => p.table.schema[i].name);
      const alias = p.alias !== p.table.name ? ` AS ${p.alias}` : '';
      return `Scan: ${p.table.name}${alias} [${cols.join(', ')}]${p.filters.length ? ` filters=[${p.filters.map(expr).join(', ')}]` : ''}`;
    }
    case 'values':
      return `Values: ${p.rows.map((r) => `(${r.map(expr).join(', ')})`).join(', ')}`;
    case 'filter':
      return `Filter: ${expr(p.predicate)}`;
    case 'project':
      return `Project: ${p.exprs.map((e, i) => named(expr(e), p.schema[i].name)).join(', ')}`;
    case 'aggregate': {
      const calls = (j: number) => (p.setCalls ? `: ${p.setCalls[j].length === p.aggregates.length ? 'all' : p.setCalls[j].length === 0 ? 'none' : p.setCalls[j].map((c) => aggregate(p.aggregates[c])).join(', ')}` : '');
      const sets = p.groupingSets ? ` sets=[${p.groupingSets.map((s, j) => `(${s.map((i) => expr(p.groupBy[i])).join(', ')})${calls(j)}`).join(', ')}]` : '';
      return `Aggregate: groupBy=[${p.groupBy.map(expr).join(', ')}]${sets} aggr=[${p.aggregates.map(aggregate).join(', ')}]`;
    }
    case 'join':
      return `Join: ${p.kind}${p.nullAware ? ' (null-aware)' : ''}${p.condition ? ` on ${expr(p.condition)}` : ''}`;
    case 'window':
      return `Window: ${p.windows.map(window).join(', ')}`;
    case 'sort':
      return `Sort: ${p.keys.map(sortKey).join(', ')}`;
    case 'limit':
      return `Limit: ${p.limit ?? 'all'}${p.offset ? ` offset ${p.offset}` : ''}`;
    case 'setop':
      return `${p.kind[0].toUpperCase()}${p.kind.slice(1)}${p.all ? ' all' : ''}`;
    case 'distinct':
      return 'Distinct';
  }
}

const named = (text: string, name: string) => (text === name ? text : `${text} AS ${name}`);

/** The subquery plans of the node's expressions (before decorrelation). */
function subqueries(p: LogicalPlan): LogicalPlan[] {
  const es: Expr[] = p.op === 'filter' ? [p.predicate] : p.op === 'project' ? p.exprs : p.op === 'join' && p.condition ? [p.condition] : [];
  const out: LogicalPlan[] = [];
  const find = (e: Expr) => {
    if (e.kind === 'subquery') out.push(e.plan);
    children(e).forEach(find);
  };
  es.forEach(find);
  return out;
}

export function expr(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.name;
    case 'outer':
      return `outer(${e.name})`;
    case 'literal':
      return literal(e.value, e.type);
    case 'cast':
      return `CAST(${expr(e.arg)} AS ${typeName(e.type)})`;
    case 'case':
      return `CASE ${e.whens.map((w) => `WHEN ${expr(w.when)} THEN ${expr(w.then)}`).join(' ')} ELSE ${expr(e.else)} END`;
    case 'inList':
      return `${expr(e.arg)}${e.negated ? ' NOT' : ''} IN (${e.list.map(expr).join(', ')})`;
    case 'subquery':
      return e.mode === 'exists' ? `${e.negated ? 'NOT ' : ''}EXISTS (subquery)` : e.mode === 'in' ? `${expr(e.arg!)}${e.negated ? ' NOT' : ''} IN (subquery)` : '(scalar subquery)';
    case 'call': {
      const op = INFIX[e.fn];
      if (op && e.args.length === 2) return `(${expr(e.args[0])} ${op} ${expr(e.args[1])})`;
      if (e.fn === 'not') return `NOT ${expr(e.args[0])}`;
      if (e.fn === 'negate') return `-${expr(e.args[0])}`;
      if (e.fn === 'is_null' || e.fn === 'is_not_null') return `${expr(e.args[0])} IS ${e.fn === 'is_null' ? '' : 'NOT '}NULL`;
      return `${e.fn}(${e.args.map(expr).join(', ')})`;
    }
  }
}

function literal(v: Scalar, type: DataType): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  if (typeof v === 'object') return `INTERVAL '${v.months} months ${v.days} days ${v.micros} microseconds'`;
  if (type.id === 'DECIMAL' && type.scale > 0) {
    const t = (typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(Number(v))).toString().padStart(type.scale + 1, '0');
    return `${Number(v) < 0 ? '-' : ''}${t.slice(0, -type.scale)}.${t.slice(-type.scale)}`;
  }
  if (type.id === 'DATE') return `DATE '${new Date(Number(v) * 86_400_000).toISOString().slice(0, 10)}'`;
  if (type.id === 'TIMESTAMP') return `TIMESTAMP '${new Date(Number(v) / 1000).toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '')}'`;
  return String(v);
}

function aggregate(a: AggregateCall): string {
  const args = a.fn === 'count_star' ? '*' : `${a.distinct ? 'DISTINCT ' : ''}${a.args.map(expr).join(', ')}`;
  return `${a.fn === 'count_star' ? 'count' : a.fn}(${args})${a.filter ? ` FILTER (WHERE ${expr(a.filter)})` : ''}`;
}

function sortKey(k: SortKey): string {
  return `${expr(k.expr)} ${k.desc ? 'DESC' : 'ASC'}${k.nullsFirst ? ' NULLS FIRST' : ''}`;
}

function window(w: WindowCall): string {
  const over = [
    w.partitionBy.length ? `PARTITION BY ${w.partitionBy.map(expr).join(', ')}` : '',
    w.orderBy.length ? `ORDER BY ${w.orderBy.map(sortKey).join(', ')}` : '',
    `${w.frame.mode.toUpperCase()} ${bound(w.frame.start)} TO ${bound(w.frame.end)}`,
  ].filter(Boolean).join(' ');
  return `${w.fn === 'count_star' ? 'count' : w.fn}(${w.fn === 'count_star' ? '*' : w.args.map(expr).join(', ')}) OVER (${over})`;
}

function bound(b: WindowCall['frame']['start']): string {
  return b.kind === 'preceding' || b.kind === 'following' ? `${String(b.offset)} ${b.kind.toUpperCase()}` : b.kind.replace(/([A-Z])/g, ' $1').toUpperCase();
}
