/**
 * The function catalog: every scalar function and operator, and every aggregate, with the types
 * it takes and returns. Result types follow DuckDB's (checked with typeof()): INTEGER + INTEGER
 * is an INTEGER, `/` divides as DOUBLE, DECIMAL arithmetic widens as DuckDB's does, sum() of
 * integers is a DECIMAL(38,0) (DuckDB's HUGEINT), a DATE plus an INTERVAL is a TIMESTAMP.
 *
 * Resolution returns the argument types the call needs (the binder casts to them), so the
 * kernels in exec/ see exactly the types named here. Some result types depend on a constant
 * argument (round(x, 2), date_part('year', d)): the binder passes literal values along.
 */
import { closest } from '../../common/names.js';
import {
  BIGINT, BOOLEAN, DATE, DOUBLE, INTEGER, INTERVAL, TIMESTAMP, VARCHAR, decimal, isInteger, isNumeric, sameType, typeName, type DataType,
} from '../../types/datatype.js';
import type { Scalar } from '../../types/vector.js';
import { asDecimal, boundedDecimal, canImplicitlyCast, commonOf, commonType, decimalProduct, decimalRemainder, decimalSum } from './coercion.js';

export { canImplicitlyCast, commonType } from './coercion.js';

export interface ResolvedCall {
  /** The catalog name (aliases resolved). */
  fn: string;
  /** The type each argument must have. */
  args: DataType[];
  type: DataType;
}

/** A call that does not fit its function: the message names the function and the types given. */
export class FunctionError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

type Resolver = (types: DataType[], consts: (Scalar | undefined)[]) => { args: DataType[]; type: DataType } | string;

interface Entry {
  min: number;
  max: number;
  resolve: Resolver;
  /** How it is written, for messages. */
  usage: string;
}

const same = (types: DataType[], t: DataType) => types.map(() => t);
const fixed = (args: DataType[], type: DataType, usage: string): Entry => ({
  min: args.length, max: args.length, usage,
  resolve: (types) => (types.every((t, i) => canImplicitlyCast(t, args[i])) ? { args, type } : `takes ${usage}`),
});

/** x + y, x - y: numbers, and DATE/TIMESTAMP/INTERVAL arithmetic. */
function additive(sub: boolean): Resolver {
  return ([a, b]) => {
    if (isNumeric(a) && isNumeric(b)) return arithmetic(a, b, decimalSum);
    const pair = `${a.id},${b.id}`;
    switch (pair) {
      case 'DATE,INTEGER': return { args: [DATE, INTEGER], type: DATE };
      case 'DATE,INTERVAL': case 'TIMESTAMP,INTERVAL': return { args: [a, INTERVAL], type: TIMESTAMP };
      case 'INTERVAL,INTERVAL': return { args: [INTERVAL, INTERVAL], type: INTERVAL };
    }
    if (!sub) {
      if (pair === 'INTEGER,DATE') return { args: [INTEGER, DATE], type: DATE };
      if (pair === 'INTERVAL,DATE' || pair === 'INTERVAL,TIMESTAMP') return { args: [INTERVAL, b], type: TIMESTAMP };
    } else {
      if (pair === 'DATE,DATE') return { args: [DATE, DATE], type: BIGINT };
      if (pair === 'TIMESTAMP,TIMESTAMP' || pair === 'TIMESTAMP,DATE' || pair === 'DATE,TIMESTAMP') return { args: [TIMESTAMP, TIMESTAMP], type: INTERVAL };
    }
    return sub ? 'takes two numbers, two dates, or a DATE or TIMESTAMP and a number of days (INTEGER) or an INTERVAL' : 'takes two numbers, or a DATE or TIMESTAMP and a number of days (INTEGER) or an INTERVAL';
  };
}

/** Numeric arithmetic: integers stay integers, DOUBLE wins, decimals widen by `rule` (args cast to its result when `cast`). */
function arithmetic(a: DataType, b: DataType, rule: (a: DataType, b: DataType) => DataType | undefined, castArgs = true) {
  if (a.id === 'DOUBLE' || b.id === 'DOUBLE') return { args: [DOUBLE, DOUBLE], type: DOUBLE };
  if (a.id !== 'DECIMAL' && b.id !== 'DECIMAL') {
    const t = commonType(a, b)!;
    return { args: [t, t], type: t };
  }
  const t = rule(a, b);
  if (!t) return `the result would have a scale above 38 (${typeName(a)} and ${typeName(b)}); cast one side to DOUBLE`;
  const d = (x: DataType) => { const q = asDecimal(x)!; return decimal(q.precision, q.scale); };
  return { args: castArgs ? [t, t] : [d(a), d(b)], type: t };
}

const numeric2 = (op: string, body: (a: DataType, b: DataType) => ReturnType<Resolver>): Resolver => ([a, b]) => (isNumeric(a) && isNumeric(b) ? body(a, b) : `${op} takes numbers, not ${typeName(a)} and ${typeName(b)}`);

const comparison: Entry = {
  min: 2, max: 2, usage: 'two values of comparable types',
  resolve: ([a, b]) => {
    const t = commonType(a, b);
    return t ? { args: [t, t], type: BOOLEAN } : `cannot compare ${typeName(a)} with ${typeName(b)}`;
  },
};

const unary = (test: (t: DataType) => boolean, what: string, result: (t: DataType) => DataType = (t) => t): Entry => ({
  min: 1, max: 1, usage: what,
  resolve: ([t]) => (test(t) ? { args: [t], type: result(t) } : `takes ${what}, not ${typeName(t)}`),
});

const variadicCommon = (min: number, usage: string): Entry => ({
  min, max: Infinity, usage,
  resolve: (types) => {
    const t = commonOf(types);
    return t ? { args: same(types, t), type: t } : `has arguments of types with no common type (${types.map(typeName).join(', ')})`;
  },
});

/** round/floor/ceil/trunc of a DECIMAL keep its precision; the scale is the digits kept. */
function rounding(keepsIntegers: boolean): Entry {
  return {
    min: 1, max: 1, usage: 'a number',
    resolve: ([t]) => {
      if (t.id === 'DECIMAL') return { args: [t], type: decimal(t.precision, 0) };
      if (t.id === 'DOUBLE') return { args: [t], type: DOUBLE };
      if (isInteger(t)) return keepsIntegers ? { args: [t], type: t } : { args: [DOUBLE], type: DOUBLE };
      return `takes a number, not ${typeName(t)}`;
    },
  };
}

const round: Entry = {
  min: 1, max: 2, usage: 'a number and optionally the decimal places: round(x, 2)',
  resolve: (types, consts) => {
    const [t, places] = types;
    if (!isNumeric(t)) return `takes a number, not ${typeName(t)}`;
    if (places && !isInteger(places)) return `takes an integer number of places, not ${typeName(places)}`;
    const args = places ? [t, INTEGER] : [t];
    if (t.id !== 'DECIMAL') return { args, type: t };
    if (!places) return { args, type: decimal(t.precision, 0) };
    const n = consts[1];
    if (typeof n !== 'number') return 'of a DECIMAL needs a constant number of places (round(price, 2)); cast to DOUBLE to round by a computed number';
    return { args, type: decimal(t.precision, Math.max(0, Math.min(t.scale, n))) };
  },
};

const text = (n: number, type: DataType, usage: string, ints: number[] = []): Entry => {
  const args = Array.from({ length: n }, (_, i) => (ints.includes(i) ? BIGINT : VARCHAR));
  return fixed(args, type, usage);
};

const textRange = (min: number, max: number, type: DataType, usage: string, ints: number[] = []): Entry => ({
  min, max, usage,
  resolve: (types) => {
    const args = types.map((_, i) => (ints.includes(i) ? BIGINT : VARCHAR));
    return types.every((t, i) => sameType(t, args[i]) || (ints.includes(i) && isInteger(t))) ? { args, type } : `takes ${usage}`;
  },
});

export const DATE_PART_UNITS = ['year', 'quarter', 'month', 'week', 'day', 'dayofweek', 'dow', 'isodow', 'dayofyear', 'doy', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'epoch', 'decade', 'century', 'millennium', 'yearweek', 'isoyear'];
export const DATE_TRUNC_UNITS = ['millennium', 'century', 'decade', 'year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond'];

function unitOf(v: Scalar | undefined, units: string[], fn: string): string {
  if (typeof v !== 'string') return `${fn} needs a constant unit such as '${units[0] === 'millennium' ? 'month' : 'year'}'`;
  const u = v.toLowerCase().replace(/s$/, '');
  if (!units.includes(u)) {
    const near = closest(u, units);
    return `${fn} has no unit '${v}'${near ? ` (did you mean '${near}'?)` : ''}; units: ${units.join(', ')}`;
  }
  return '';
}

const datePart: Entry = {
  min: 2, max: 2, usage: "a unit and a DATE, TIMESTAMP or INTERVAL: date_part('year', d)",
  resolve: ([u, t], consts) => {
    if (u.id !== 'VARCHAR' || !['DATE', 'TIMESTAMP', 'INTERVAL'].includes(t.id)) return 'takes ' + datePart.usage;
    const bad = unitOf(consts[0], DATE_PART_UNITS, 'date_part');
    if (bad) return bad;
    return { args: [VARCHAR, t], type: String(consts[0]).toLowerCase() === 'epoch' ? DOUBLE : BIGINT };
  },
};

const dateTrunc: Entry = {
  min: 2, max: 2, usage: "a unit and a DATE or TIMESTAMP: date_trunc('month', ts)",
  resolve: ([u, t], consts) => {
    if (u.id !== 'VARCHAR' || (t.id !== 'DATE' && t.id !== 'TIMESTAMP')) return 'takes ' + dateTrunc.usage;
    const bad = unitOf(consts[0], DATE_TRUNC_UNITS, 'date_trunc');
    return bad || { args: [VARCHAR, t], type: TIMESTAMP };
  },
};

const dateField = (name: string): Entry => ({
  min: 1, max: 1, usage: 'a DATE or TIMESTAMP',
  resolve: ([t]) => (t.id === 'DATE' || t.id === 'TIMESTAMP' ? { args: [t], type: BIGINT } : `${name} takes a DATE or TIMESTAMP, not ${typeName(t)}`),
});

const anyType = (result: DataType): Entry => ({ min: 1, max: 1, usage: 'one value', resolve: ([t]) => ({ args: [t], type: result }) });
/** min, max, any_value: the argument's type. */
const anyValue = (): Entry => ({ min: 1, max: 1, usage: 'one value', resolve: ([t]) => ({ args: [t], type: t }) });
const bool2: Entry = fixed([BOOLEAN, BOOLEAN], BOOLEAN, 'two BOOLEANs');
const toDouble = (n: number, usage: string): Entry => ({
  min: n, max: n, usage,
  resolve: (types) => (types.every(isNumeric) ? { args: same(types, DOUBLE), type: DOUBLE } : `takes ${usage}`),
});

const SCALARS: Record<string, Entry> = {
  add: { min: 2, max: 2, usage: 'two numbers, or a DATE/TIMESTAMP and a number of days or an INTERVAL', resolve: additive(false) },
  subtract: { min: 2, max: 2, usage: 'two numbers, two dates, or a DATE/TIMESTAMP and a number of days or an INTERVAL', resolve: additive(true) },
  multiply: { min: 2, max: 2, usage: 'two numbers', resolve: numeric2('*', (a, b) => arithmetic(a, b, decimalProduct, false)) },
  divide: { min: 2, max: 2, usage: 'two numbers', resolve: numeric2('/', () => ({ args: [DOUBLE, DOUBLE], type: DOUBLE })) },
  integer_divide: { min: 2, max: 2, usage: 'two numbers', resolve: numeric2('//', (a, b) => (isInteger(a) && isInteger(b) ? arithmetic(a, b, decimalSum) : { args: [DOUBLE, DOUBLE], type: DOUBLE })) },
  mod: { min: 2, max: 2, usage: 'two numbers', resolve: numeric2('%', (a, b) => arithmetic(a, b, decimalRemainder)) },
  negate: unary((t) => isNumeric(t) || t.id === 'INTERVAL', 'a number or an INTERVAL'),
  eq: comparison, ne: comparison, lt: comparison, le: comparison, gt: comparison, ge: comparison,
  is_distinct_from: comparison, is_not_distinct_from: comparison,
  and: bool2, or: bool2, not: fixed([BOOLEAN], BOOLEAN, 'a BOOLEAN'),
  is_null: anyType(BOOLEAN), is_not_null: anyType(BOOLEAN),
  // `||`: NULL if any side is NULL; concat(): NULLs are skipped (both as in DuckDB). Any type converts to text.
  concat_op: { min: 2, max: 2, usage: 'two values', resolve: (types) => ({ args: same(types, VARCHAR), type: VARCHAR }) },
  concat: { min: 1, max: Infinity, usage: 'values to join', resolve: (types) => ({ args: same(types, VARCHAR), type: VARCHAR }) },
  like: text(2, BOOLEAN, 'a string and a pattern'), ilike: text(2, BOOLEAN, 'a string and a pattern'),
  coalesce: variadicCommon(1, 'values of one type'),
  greatest: variadicCommon(1, 'values of one type'), least: variadicCommon(1, 'values of one type'),
  nullif: { ...variadicCommon(2, 'two values of one type'), max: 2 },
  substring: textRange(2, 3, VARCHAR, 'a string, a start (1-based) and optionally a length', [1, 2]),
  upper: text(1, VARCHAR, 'a string'), lower: text(1, VARCHAR, 'a string'), reverse: text(1, VARCHAR, 'a string'),
  trim: textRange(1, 2, VARCHAR, 'a string and optionally the characters to remove'),
  ltrim: textRange(1, 2, VARCHAR, 'a string and optionally the characters to remove'),
  rtrim: textRange(1, 2, VARCHAR, 'a string and optionally the characters to remove'),
  length: text(1, BIGINT, 'a string'),
  replace: text(3, VARCHAR, 'a string, what to find and what to put instead'),
  split_part: text(3, VARCHAR, 'a string, a separator and a 1-based index', [2]),
  starts_with: text(2, BOOLEAN, 'two strings'), ends_with: text(2, BOOLEAN, 'two strings'), contains: text(2, BOOLEAN, 'two strings'),
  strpos: text(2, BIGINT, 'a string and the string to find'),
  left: text(2, VARCHAR, 'a string and a count', [1]), right: text(2, VARCHAR, 'a string and a count', [1]),
  repeat: text(2, VARCHAR, 'a string and a count', [1]),
  lpad: text(3, VARCHAR, 'a string, a length and the padding', [1]), rpad: text(3, VARCHAR, 'a string, a length and the padding', [1]),
  regexp_matches: text(2, BOOLEAN, 'a string and a regular expression'),
  regexp_replace: textRange(3, 4, VARCHAR, "a string, a regular expression, the replacement and optionally 'g' (all matches)"),
  regexp_extract: textRange(2, 3, VARCHAR, 'a string, a regular expression and optionally the group', [2]),
  abs: unary(isNumeric, 'a number'),
  round,
  floor: rounding(false), ceil: rounding(false), trunc: rounding(true),
  power: toDouble(2, 'two numbers'), sqrt: toDouble(1, 'a number'), ln: toDouble(1, 'a number'), log10: toDouble(1, 'a number'), exp: toDouble(1, 'a number'),
  date_part: datePart, date_trunc: dateTrunc,
  year: dateField('year'), month: dateField('month'), day: dateField('day'), hour: dateField('hour'), minute: dateField('minute'),
};

/** Aggregates: the result type from the argument type. */
const AGGREGATES: Record<string, Entry> = {
  count_star: { min: 0, max: 0, usage: 'count(*)', resolve: () => ({ args: [], type: BIGINT }) },
  count: anyType(BIGINT),
  sum: unary(isNumeric, 'a number', (t) => (isInteger(t) ? decimal(38, 0) : t.id === 'DECIMAL' ? boundedDecimal(38, t.scale) : DOUBLE)),
  avg: { min: 1, max: 1, usage: 'a number', resolve: ([t]) => (isNumeric(t) ? { args: [t], type: DOUBLE } : `takes a number, not ${typeName(t)}`) },
  min: anyValue(), max: anyValue(), any_value: anyValue(),
  stddev_samp: toDouble(1, 'a number'), stddev_pop: toDouble(1, 'a number'), var_samp: toDouble(1, 'a number'), var_pop: toDouble(1, 'a number'),
};

export const isScalarFunction = (name: string): boolean => Object.hasOwn(SCALARS, name);
export const isAggregateFunction = (name: string): boolean => Object.hasOwn(AGGREGATES, name);

/** The names users write (operators excluded), for "did you mean". */
const OPERATOR_NAMES = new Set(['add', 'subtract', 'multiply', 'divide', 'integer_divide', 'mod', 'negate', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'is_distinct_from', 'is_not_distinct_from', 'and', 'or', 'not', 'is_null', 'is_not_null', 'concat_op', 'like', 'ilike', 'count_star']);
export const functionNames = (): string[] => [...Object.keys(SCALARS), ...Object.keys(AGGREGATES)].filter((n) => !OPERATOR_NAMES.has(n)).sort();

function resolveIn(table: Record<string, Entry>, kind: string, name: string, types: DataType[], consts: (Scalar | undefined)[]): ResolvedCall {
  const entry = Object.hasOwn(table, name) ? table[name] : undefined;
  const shown = `${name}(${types.map(typeName).join(', ')})`;
  if (!entry) {
    const near = closest(name, functionNames());
    throw new FunctionError(`unknown ${kind} function ${name}`, `${near ? `did you mean ${near}? ` : ''}the functions are listed in the README (SQL reference)`);
  }
  if (types.length < entry.min || types.length > entry.max) {
    const n = entry.min === entry.max ? `${entry.min}` : entry.max === Infinity ? `at least ${entry.min}` : `${entry.min} to ${entry.max}`;
    throw new FunctionError(`${name} takes ${n} argument${n === '1' ? '' : 's'}, not ${types.length}`, `${name} takes ${entry.usage}`);
  }
  const r = entry.resolve(types, consts);
  if (typeof r === 'string') throw new FunctionError(`${shown}: ${r.startsWith('takes ') ? `${name} ${r}` : r}`, 'add an explicit cast, e.g. cast(x as DOUBLE)');
  return { fn: name, args: r.args, type: r.type };
}

/** A scalar function or operator call: the argument types it needs and its result type. */
export function resolveScalar(name: string, types: DataType[], consts: (Scalar | undefined)[] = []): ResolvedCall {
  return resolveIn(SCALARS, 'scalar', name, types, consts);
}

/** An aggregate call (`distinct` does not change the types). */
export function resolveAggregate(name: string, types: DataType[], _distinct = false): ResolvedCall {
  return resolveIn(AGGREGATES, 'aggregate', name, types, []);
}
