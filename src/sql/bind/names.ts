/**
 * Output column names: the alias when given (`as n`), else the column's name, else, as DuckDB
 * names them, the expression's text for calls and operators over columns and constants
 * (`sum(l_quantity)`, `count_star()`, `(price * 2)`), else the function's name or col<i>;
 * duplicates get a suffix (_1, _2), as output files need unique names. Name your columns with
 * `as` for stable names.
 */
import type { PgNode } from '../parse.js';

export function outputName(node: PgNode, i: number): string {
  const text = node.ColumnRef ? undefined : exprText(node);
  if (text !== undefined) return text;
  if (node.ColumnRef) {
    const f = node.ColumnRef.fields as PgNode[];
    return (f[f.length - 1].String?.sval as string) ?? `col${i}`;
  }
  if (node.FuncCall) {
    const n = node.FuncCall.funcname as PgNode[];
    const name = n[n.length - 1].String.sval as string;
    return name === 'btrim' ? 'trim' : name;
  }
  if (node.TypeCast) return outputName(node.TypeCast.arg, i);
  if (node.CaseExpr) return 'case';
  if (node.CoalesceExpr) return 'coalesce';
  return `col${i}`;
}

export function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = n.toLowerCase();
    const c = seen.get(k);
    seen.set(k, (c ?? 0) + 1);
    return c === undefined ? n : `${n}_${c}`;
  });
}

/** DuckDB's text of a simple expression (columns, constants, calls, binary and unary operators); undefined for others. */
function exprText(node: PgNode): string | undefined {
  if (node.ColumnRef) {
    const parts = (node.ColumnRef.fields as PgNode[]).map((f) => (f.A_Star ? '*' : (f.String?.sval as string)));
    return parts.every((x) => typeof x === 'string') ? parts.join('.') : undefined;
  }
  if (node.A_Const) {
    const c = node.A_Const;
    if (c.isnull) return 'NULL';
    if (c.ival) return String(c.ival.ival ?? 0);
    if (c.fval) return String(c.fval.fval);
    if (c.sval) return `'${String(c.sval.sval ?? '').replace(/'/g, "''")}'`;
    return undefined;
  }
  if (node.FuncCall) {
    const f = node.FuncCall;
    if (f.over || f.agg_order?.length) return undefined;
    const names = (f.funcname as PgNode[]).map((x) => x.String.sval as string);
    if (names.length > 1) return undefined;
    const name = names[0].toLowerCase();
    if (f.agg_star) return name === 'count' ? 'count_star()' : undefined;
    const args = ((f.args ?? []) as PgNode[]).map(exprText);
    if (args.some((a) => a === undefined)) return undefined;
    const filter = f.agg_filter ? exprText(f.agg_filter) : '';
    if (filter === undefined) return undefined;
    return `${name}(${f.agg_distinct ? 'DISTINCT ' : ''}${args.join(', ')})${filter ? ` FILTER (WHERE ${filter})` : ''}`;
  }
  if (node.CoalesceExpr) {
    const args = ((node.CoalesceExpr.args ?? []) as PgNode[]).map(exprText);
    return args.some((a) => a === undefined) ? undefined : `COALESCE(${args.join(', ')})`;
  }
  if (node.A_Expr && node.A_Expr.kind === 'AEXPR_OP') {
    const e = node.A_Expr;
    const op = ((e.name ?? []) as PgNode[]).map((x) => x.String.sval as string).join('.');
    const r = exprText(e.rexpr);
    if (r === undefined) return undefined;
    if (!e.lexpr) return op === '-' ? `-(${r})` : undefined;
    const l = exprText(e.lexpr);
    return l === undefined ? undefined : `(${l} ${op} ${r})`;
  }
  return undefined;
}
