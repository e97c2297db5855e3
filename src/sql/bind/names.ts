/**
 * Output column names: the alias when given (`as n`), else the column's name, else the function's
 * (count, sum, …), else col<i>; duplicates get a suffix (_1, _2), as output files need unique
 * names. Name your columns with `as` for stable names.
 */
import type { PgNode } from '../parse.js';

export function outputName(node: PgNode, i: number): string {
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
