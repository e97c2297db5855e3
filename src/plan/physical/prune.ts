/**
 * Row-group pruning: can a scan's pushed filters be true anywhere in a row group, given the
 * min, max and null count of its columns? Each conjunct of the form `column op literal` (=, <,
 * <=, >, >=, either side, the column under a widening numeric cast), `column is [not] null`,
 * and an `or` of such, is checked against the statistics; a row group where one conjunct is
 * false for every row is not read. Anything else, a missing statistic, or a comparison that
 * rounding could decide (a DECIMAL's statistics are rounded reals), keeps the row group.
 */
import type { Expr } from '../logical/expr.js';
import { conjuncts } from '../logical/expr.js';
import type { DataType } from '../../types/datatype.js';

export interface Stats {
  min?: number | bigint | string | boolean;
  max?: number | bigint | string | boolean;
  nullCount?: number;
  decimal?: boolean;
}

/** The statistics of scan output column i (undefined: unknown). */
export type StatsOf = (column: number) => Stats | undefined;

const NUMERIC = new Set(['INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE']);

/** The scan column under e (a column, or one under a widening numeric cast), else undefined. */
function columnOf(e: Expr): number | undefined {
  if (e.kind === 'column') return e.index;
  if (e.kind === 'cast' && !e.try && e.arg.kind === 'column' && NUMERIC.has(e.type.id) && NUMERIC.has(e.arg.type.id) && e.arg.type.id !== 'DOUBLE') return e.arg.index;
  return undefined;
}

type Num = { exact: bigint } | { approx: number };

/** A literal or statistic as a number to compare: exact when integral, else a double. */
function num(v: unknown, type?: DataType, rounded = false): Num | undefined {
  if (typeof v === 'bigint') return type?.id === 'DECIMAL' ? { approx: Number(v) / 10 ** type.scale } : { exact: v };
  if (typeof v !== 'number' || Number.isNaN(v)) return undefined;
  if (type?.id === 'DECIMAL') return { approx: v / 10 ** type.scale };
  return Number.isInteger(v) && !rounded ? { exact: BigInt(v) } : { approx: v };
}

/** Sign of a - b, or undefined when rounding could change it. */
function compare(a: Num, b: Num): number | undefined {
  if ('exact' in a && 'exact' in b) return a.exact < b.exact ? -1 : a.exact > b.exact ? 1 : 0;
  const x = 'exact' in a ? Number(a.exact) : a.approx;
  const y = 'exact' in b ? Number(b.exact) : b.approx;
  const slack = 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  if (Math.abs(x - y) <= slack) return undefined;
  return x < y ? -1 : 1;
}

const ascii = (s: string) => /^[\x00-\x7f]*$/.test(s);

/** Sign of stat - literal, undefined when unknown. */
function versus(stat: Stats['min'], s: Stats, lit: Expr & { kind: 'literal' }): number | undefined {
  if (stat === undefined || lit.value === null) return undefined;
  if (typeof stat === 'string' || typeof lit.value === 'string') {
    if (typeof stat !== 'string' || typeof lit.value !== 'string' || !ascii(stat) || !ascii(lit.value)) return undefined;
    return stat < lit.value ? -1 : stat > lit.value ? 1 : 0;
  }
  if (typeof stat === 'boolean' || typeof lit.value === 'boolean' || typeof lit.value === 'object') return undefined;
  const a = num(stat, undefined, s.decimal === true);
  const b = num(lit.value, lit.type);
  return a && b ? compare(a, b) : undefined;
}

const FLIP: Record<string, string> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq' };

/** false when e is false (or NULL) for every row of the row group; true when it may be true. */
function may(e: Expr, stats: StatsOf, rows: number): boolean {
  if (e.kind !== 'call') return true;
  if (e.fn === 'and') return e.args.every((a) => may(a, stats, rows));
  if (e.fn === 'or') return e.args.some((a) => may(a, stats, rows));
  if (e.fn === 'is_null' || e.fn === 'is_not_null') {
    const c = columnOf(e.args[0]);
    const n = c === undefined ? undefined : stats(c)?.nullCount;
    if (n === undefined) return true;
    return e.fn === 'is_null' ? n > 0 : n < rows;
  }
  if (!(e.fn in FLIP) || e.args.length !== 2) return true;
  let [a, b] = e.args;
  let op = e.fn;
  if (a.kind === 'literal') { [a, b] = [b, a]; op = FLIP[op]; }
  const c = columnOf(a);
  if (c === undefined || b.kind !== 'literal') return true;
  const s = stats(c);
  if (!s) return true;
  if (s.nullCount !== undefined && s.nullCount >= rows) return false; // only NULLs: no comparison is true
  const lo = versus(s.min, s, b);
  const hi = versus(s.max, s, b);
  switch (op) {
    case 'eq': return !((lo !== undefined && lo > 0) || (hi !== undefined && hi < 0));
    case 'lt': return !(lo !== undefined && lo >= 0);
    case 'le': return !(lo !== undefined && lo > 0);
    case 'gt': return !(hi !== undefined && hi <= 0);
    case 'ge': return !(hi !== undefined && hi < 0);
    default: return true;
  }
}

/** May any row of a row group with these statistics pass all the filters? */
export function mayMatch(filters: Expr[], stats: StatsOf, rows: number): boolean {
  if (rows === 0) return false;
  return filters.flatMap(conjuncts).every((f) => may(f, stats, rows));
}
