/**
 * Constants, typed as DuckDB types them: 42 is an INTEGER, 3000000000 a BIGINT, a larger integer
 * a DECIMAL(38,0) (DuckDB: HUGEINT), 1.50 a DECIMAL(3,2), 1e3 a DOUBLE, 'x' a string literal
 * (VARCHAR, which converts implicitly to the type it meets), NULL a NULL of no type yet. Also type
 * names (TypeCast's) and interval literals: interval '3' month, interval '1 day 2 hours'.
 */
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, INTERVAL, VARCHAR, UnknownTypeError, decimal, resolveTypeName, type DataType } from '../../types/datatype.js';
import type { Interval } from '../../types/vector.js';
import { isSafe } from '../../types/vector.js';
import type { Expr } from '../../plan/logical/expr.js';
import { SqlError } from '../errors.js';
import type { PgNode } from '../parse.js';

/** Literals whose type is not settled: string literals and NULL (they take the type they meet). */
export const untyped = new WeakSet<Expr>();

const literal = (value: Expr & { kind: 'literal' }, flexible = false): Expr => {
  if (flexible) untyped.add(value);
  return value;
};

const INT64_MAX = 9223372036854775807n;

export function constant(c: PgNode, offset: number): Expr {
  if (c.isnull) return literal({ kind: 'literal', value: null, type: INTEGER }, true);
  if (c.ival) return literal({ kind: 'literal', value: c.ival.ival ?? 0, type: INTEGER });
  if (c.boolval) return literal({ kind: 'literal', value: c.boolval.boolval === true, type: BOOLEAN });
  if (c.sval) return literal({ kind: 'literal', value: c.sval.sval ?? '', type: VARCHAR }, true);
  if (c.fval) return numeric(c.fval.fval as string, offset);
  if (c.bsval) throw new SqlError('unsupported', 'bit-string literals are not supported', offset);
  return literal({ kind: 'literal', value: 0, type: INTEGER });
}

/** A numeric literal's text: exact, typed as DuckDB does. */
export function numeric(text: string, offset: number): Expr {
  if (/[eE]/.test(text)) return { kind: 'literal', value: Number(text), type: DOUBLE };
  const [whole, frac = ''] = text.split('.');
  const digits = (whole.replace(/^0+/, '') + frac).length;
  if (!frac && !text.includes('.')) {
    const v = BigInt(whole);
    if (v <= 2147483647n) return { kind: 'literal', value: Number(v), type: INTEGER };
    const value = isSafe(Number(v)) ? Number(v) : v;
    if (v <= INT64_MAX) return { kind: 'literal', value, type: BIGINT };
    if (digits > 38) throw new SqlError('type', `the integer ${text} has more than 38 digits`, offset, 'use a DOUBLE: write it with an exponent, e.g. 1e40');
    return { kind: 'literal', value, type: decimal(38, 0) };
  }
  const precision = Math.max(digits, frac.length, 1);
  if (precision > 38) return { kind: 'literal', value: Number(text), type: DOUBLE };
  const scaled = BigInt((whole || '0') + frac);
  return { kind: 'literal', value: isSafe(Number(scaled)) ? Number(scaled) : scaled, type: decimal(precision, frac.length) };
}

/** The type a TypeCast's typeName names (pg_catalog. prefixes dropped; typmods as numbers). */
export function typeOf(typeName: PgNode, offset: number): DataType {
  const names = (typeName.names as PgNode[]).map((n) => n.String.sval as string).filter((n, i, all) => !(n === 'pg_catalog' && i === 0 && all.length > 1));
  if (typeName.arrayBounds?.length) throw new SqlError('unsupported', 'array types are not supported', offset);
  const name = PG_NAMES[names.join('.')] ?? names.join('.');
  if (name === 'INTERVAL') return INTERVAL;
  const mods = ((typeName.typmods ?? []) as PgNode[]).map((m) => m.A_Const?.ival?.ival ?? 0);
  try {
    return resolveTypeName(name, mods);
  } catch (e) {
    if (e instanceof UnknownTypeError) throw new SqlError('type', e.message, offset, e.hint);
    throw e;
  }
}

/** PostgreSQL's internal names for the SQL spellings it rewrites. */
const PG_NAMES: Record<string, string> = {
  int4: 'INTEGER', int8: 'BIGINT', int2: 'SMALLINT', float8: 'DOUBLE', float4: 'REAL', bool: 'BOOLEAN', numeric: 'DECIMAL',
  varchar: 'VARCHAR', bpchar: 'VARCHAR', text: 'VARCHAR', timestamp: 'TIMESTAMP', timestamptz: 'TIMESTAMPTZ', date: 'DATE', interval: 'INTERVAL', time: 'TIME',
};

// PostgreSQL's interval field masks (the typmod of interval '…' <field>).
const MONTH = 1 << 1, YEAR = 1 << 2, DAY = 1 << 3, HOUR = 1 << 10, MINUTE = 1 << 11, SECOND = 1 << 12;
const US: Record<string, number> = { hour: 3_600_000_000, minute: 60_000_000, second: 1_000_000, millisecond: 1000, microsecond: 1 };

/** interval '<text>' [field]: the value, or a clear error. */
export function intervalLiteral(text: string, typeName: PgNode, offset: number): Interval {
  const mods = ((typeName.typmods ?? []) as PgNode[]).map((m) => m.A_Const?.ival?.ival ?? 0);
  const mask = mods[0];
  const iv: Interval = { months: 0, days: 0, micros: 0 };
  const t = text.trim();
  if (mask !== undefined && /^[+-]?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    const unit = mask & YEAR && !(mask & MONTH) ? 'year' : mask & MONTH && !(mask & YEAR) ? 'month' : mask === DAY ? 'day' : mask === HOUR ? 'hour' : mask === MINUTE ? 'minute' : mask === SECOND ? 'second' : undefined;
    if (!unit) throw new SqlError('unsupported', 'this interval qualifier is not supported', offset, "write interval '3' month, or interval '1 day 2 hours'");
    add(iv, n, unit, offset);
    return iv;
  }
  const re = /([+-]?\d+(?:\.\d+)?)\s*([a-z]+)/gi;
  if (!re.test(t) || t.replace(re, '').replace(/[\s,]+/g, '') !== '') {
    throw new SqlError('type', `cannot read the interval '${text}'`, offset, "write e.g. interval '3' month, interval '90' day or interval '1 day 2 hours'");
  }
  for (const m of t.matchAll(re)) add(iv, Number(m[1]), m[2].toLowerCase().replace(/s$/, ''), offset);
  return iv;
}

function add(iv: Interval, n: number, unit: string, offset: number): void {
  const u = unit === 'mon' ? 'month' : unit === 'yr' || unit === 'y' ? 'year' : unit === 'd' ? 'day' : unit === 'h' || unit === 'hr' ? 'hour' : unit === 'min' || unit === 'm' ? 'minute' : unit === 's' || unit === 'sec' ? 'second' : unit;
  if (u === 'year' || u === 'month' || u === 'day' || u === 'week') {
    if (!Number.isInteger(n)) throw new SqlError('type', `a fractional number of ${u}s (${n}) is not supported in an interval`, offset);
    if (u === 'year') iv.months += 12 * n;
    else if (u === 'month') iv.months += n;
    else iv.days += u === 'week' ? 7 * n : n;
  } else if (US[u] !== undefined) iv.micros += Math.round(n * US[u]);
  else throw new SqlError('type', `unknown interval unit ${unit}`, offset, 'units: year, month, week, day, hour, minute, second, millisecond, microsecond');
}
