/**
 * The logical plan of an aggregate job:
 *   scan(schema) -> filter -> derive -> aggregate(groupBy, aggregates) [partial | final]
 *     -> window sums -> top-K per group -> output columns -> write
 * Analyses are values of this type (see src/analyses/); the executor (src/exec/) runs any
 * of them, split into a map stage (scan..partial aggregate) and a reduce stage (the rest),
 * cut at the shuffle on `partitionBy`.
 */
import type { OutType } from '../types/table.js';

export type ColType = 'string' | 'int64' | 'decimal' | 'float64' | 'timestamp';

export interface InputColumn {
  name: string;
  type: ColType;
  /** Fraction digits of a decimal column (its values are exact scaled integers). */
  scale?: number;
  /**
   * The only values a string column may hold (empty included: an empty field is not one of them).
   * A record with another value is bad, when the analysis reads the column.
   */
  values?: string[];
}

/** Row expressions, evaluated column-at-a-time over decoded batches on the map side. */
export type Expr =
  | { op: 'col'; name: string }
  | { op: 'lit'; value: string | number | null }
  | { op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'; left: Expr; right: Expr }
  | { op: 'and' | 'or'; args: Expr[] }
  | { op: 'not'; arg: Expr }
  | { op: 'isNull'; arg: Expr }
  /** Index of the band a number falls in: 0 below edges[0], i for [edges[i-1], edges[i]), edges.length from the last edge up. */
  | { op: 'bucket'; arg: Expr; edges: number[] };

export type Aggregate =
  | { fn: 'count'; name: string; where?: Expr }
  | { fn: 'sum' | 'min' | 'max'; name: string; column: string; where?: Expr }
  | { fn: 'countDistinct'; name: string; column: string; where?: Expr };

/** Expressions over a result row (group keys, aggregates, window sums, rank). */
export type OutExpr =
  | { op: 'col'; name: string }
  /** num / den as a double; null when den is 0 or null. */
  | { op: 'div'; num: OutExpr; den: OutExpr }
  /** labels[value] for an integer value (e.g. a band index). */
  | { op: 'label'; arg: OutExpr; labels: string[] };

export interface OrderKey {
  name: string;
  desc?: boolean;
  /** Nulls sort after every value (the default), whatever the direction. */
  nullsFirst?: boolean;
}

export interface AggregateQuery {
  /** Output table name: `<output>/<table>/part-NNNNN.parquet`. */
  table: string;
  /** The input's columns, in file order. */
  schema: InputColumn[];
  filter?: Expr;
  derive: { name: string; expr: Expr }[];
  groupBy: string[];
  /** The shuffle routes groups by these keys (a subset of groupBy): a top-K or window per
   *  partitionBy group then sees all of its rows in one reduce task. Default: groupBy. */
  partitionBy?: string[];
  aggregates: Aggregate[];
  /** Per-group totals over `partitionBy`, added as columns (e.g. a user's interactions). */
  window?: { partitionBy: string[]; sums: { name: string; of: string }[] };
  /** Keep the first k rows of each partitionBy group in orderBy order, numbered in `rank`. */
  topK?: { partitionBy: string[]; orderBy: OrderKey[]; k: number; rank?: string };
  output: { name: string; type: OutType; expr: OutExpr }[];
}

/** Names of the input columns an expression reads. */
export function exprColumns(e: Expr | undefined, out: Set<string> = new Set()): Set<string> {
  if (!e) return out;
  switch (e.op) {
    case 'col': out.add(e.name); break;
    case 'lit': break;
    case 'and': case 'or': e.args.forEach((a) => exprColumns(a, out)); break;
    case 'not': case 'isNull': case 'bucket': exprColumns(e.arg, out); break;
    default: exprColumns(e.left, out); exprColumns(e.right, out);
  }
  return out;
}

/** The input columns the map stage must decode (projection pushdown). */
export function neededColumns(q: AggregateQuery): string[] {
  const derived = new Set(q.derive.map((d) => d.name));
  const need = new Set<string>();
  exprColumns(q.filter, need);
  q.derive.forEach((d) => exprColumns(d.expr, need));
  q.groupBy.forEach((k) => need.add(k));
  for (const a of q.aggregates) {
    exprColumns(a.where, need);
    if (a.fn !== 'count') need.add(a.column);
  }
  return q.schema.map((c) => c.name).filter((n) => need.has(n) && !derived.has(n));
}

export function describeExpr(e: Expr): string {
  switch (e.op) {
    case 'col': return e.name;
    case 'lit': return JSON.stringify(e.value);
    case 'and': case 'or': return `(${e.args.map(describeExpr).join(` ${e.op} `)})`;
    case 'not': return `not ${describeExpr(e.arg)}`;
    case 'isNull': return `${describeExpr(e.arg)} is null`;
    case 'bucket': return `bucket(${describeExpr(e.arg)}, [${e.edges.join(', ')}])`;
    default: {
      const sym = { eq: '=', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' }[e.op];
      return `${describeExpr(e.left)} ${sym} ${describeExpr(e.right)}`;
    }
  }
}
