/**
 * Date, time and interval kernels, with DuckDB's semantics (each checked against DuckDB 1.5):
 *
 *   DATE ± INTEGER        DATE (days); DATE - DATE is BIGINT days
 *   DATE|TIMESTAMP ± INTERVAL  TIMESTAMP: months first, the day of the month clamped to the
 *                         month's end (2024-01-31 + 1 month = 2024-02-29), then days, then µs
 *   TIMESTAMP - TIMESTAMP INTERVAL of days and µs, no months: days = the difference in whole
 *                         days truncated toward zero, µs the rest with the same sign
 *                         (-1521 days -10:00:00.5)
 *   INTERVAL ± INTERVAL   field by field (no normalisation); -INTERVAL negates each field
 *   date_part / extract   of DATE, TIMESTAMP: BIGINT (epoch: DOUBLE seconds). week and isoyear
 *                         are ISO 8601's, yearweek isoyear * 100 + week (- week for isoyears 0 and below); dow 0 = Sunday, isodow
 *                         1 = Monday .. 7; second is whole seconds, millisecond and microsecond
 *                         count the seconds too (30.123456 s: 30, 30123, 30123456); decade is
 *                         year / 10 truncated; century and millennium have no year 0 (year 1..100
 *                         is century 1, years 0 and below count -1, -2 ..).
 *                         Of INTERVAL: year = months / 12 and month = months % 12 (truncated),
 *                         day, hour, minute, second (... of the µs), epoch with 365.25-day years
 *                         and 30-day months; week, dow, isodow, doy, yearweek, isoyear are
 *                         DuckDB errors, refused when compiling.
 *   date_trunc            TIMESTAMP (also of a DATE); week starts on Monday; decade, century and
 *                         millennium truncate the year toward zero (1969 -> 1900 for century).
 *
 * Years are astronomical (year 0 is 1 BC). Every division by a day, hour, ... floors, so dates
 * and timestamps before 1970 are right. A TIMESTAMP is read as whole days plus µs of the day
 * (0 <= µs < 86400e6), so both of its forms (exact doubles, bigints beyond 2^53 µs: before 1685
 * or after 2255) take the same path; results go back to exact doubles when all of them fit.
 */
import { KindlingError } from '../../common/errors.js';
import { BIGINT, DATE, DOUBLE, INTERVAL, TIMESTAMP, type DataType } from '../../types/datatype.js';
import { civilFromDays, daysFromCivil } from '../../types/calendar.js';
import { isBig, isSafe, type Batch, type IntervalValues, type Vector } from '../../types/vector.js';
import type { Expr } from '../../plan/logical/expr.js';
import { mergeNulls } from './values.js';

type Kernel = (b: Batch) => Vector;

export const DAY_US = 86_400_000_000;
const HOUR_US = 3_600_000_000;
const MINUTE_US = 60_000_000;
const DAY_BIG = 86_400_000_000n;
const isNull = (nulls: Uint8Array | undefined, i: number) => nulls !== undefined && nulls[i] === 1;

/** Whole days and µs of the day (floored) of each value of a DATE or TIMESTAMP vector. */
export function splitTimestamps(v: Vector): { days: Float64Array; tod: Float64Array } {
  const n = v.length;
  const days = new Float64Array(n);
  const tod = new Float64Array(n);
  if (v.type.id === 'DATE') { days.set(v.values as Int32Array); return { days, tod }; }
  if (isBig(v.values)) {
    const b = v.values as ArrayLike<bigint>;
    for (let i = 0; i < n; i++) {
      let d = b[i] / DAY_BIG;
      if (d * DAY_BIG > b[i]) d -= 1n;
      days[i] = Number(d);
      tod[i] = Number(b[i] - d * DAY_BIG);
    }
    return { days, tod };
  }
  const x = v.values as Float64Array;
  for (let i = 0; i < n; i++) {
    let d = Math.floor(x[i] / DAY_US);
    let t = x[i] - d * DAY_US;
    if (t < 0) { d -= 1; t += DAY_US; } else if (t >= DAY_US) { d += 1; t -= DAY_US; }
    days[i] = d;
    tod[i] = t;
  }
  return { days, tod };
}

/** A TIMESTAMP vector of days + µs (the µs may be any exact amount: it carries into the days). */
export function joinTimestamps(days: Float64Array, tod: Float64Array, nulls: Uint8Array | undefined): Vector {
  const n = days.length;
  const out = new Float64Array(n);
  let safe = true;
  for (let i = 0; i < n; i++) {
    if (isNull(nulls, i)) { days[i] = 0; tod[i] = 0; continue; }
    const carry = Math.floor(tod[i] / DAY_US);
    days[i] += carry;
    tod[i] -= carry * DAY_US;
    out[i] = days[i] * DAY_US + tod[i];
    if (!isSafe(out[i])) safe = false;
  }
  if (safe) return { type: TIMESTAMP, length: n, values: out, nulls };
  const big = new BigInt64Array(n);
  for (let i = 0; i < n; i++) big[i] = BigInt(days[i]) * DAY_BIG + BigInt(tod[i]);
  return { type: TIMESTAMP, length: n, values: big, nulls };
}

const monthLength = (y: number, m: number) => (m === 12 ? 31 : daysFromCivil(y, m + 1, 1) - daysFromCivil(y, m, 1));

/** The date k months after `days`, its day of the month clamped to the month's end. */
function addMonths(days: number, k: number): number {
  const [y, m, d] = civilFromDays(days);
  const total = y * 12 + (m - 1) + k;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return daysFromCivil(ny, nm, Math.min(d, monthLength(ny, nm)));
}

const fits32 = (x: number) => x <= 2147483647 && x >= -2147483648;

/** DATE ± INTEGER days. */
function addDays(d: Vector, k: Vector, sign: number): Vector {
  const x = d.values as Int32Array;
  const y = k.values as Int32Array;
  const nulls = mergeNulls(d.length, [d, k]);
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const r = x[i] + sign * y[i];
    if (!fits32(r) && !isNull(nulls, i)) throw new KindlingError('QUERY_VALUE', `DATE ${sign > 0 ? '+' : '-'} INTEGER: the date is out of range`);
    out[i] = r;
  }
  return { type: DATE, length: d.length, values: out, nulls };
}

/** DATE - DATE: BIGINT days. */
function dateDiff(a: Vector, b: Vector): Vector {
  const x = a.values as Int32Array;
  const y = b.values as Int32Array;
  const nulls = mergeNulls(a.length, [a, b]);
  return { type: BIGINT, length: a.length, values: Float64Array.from(x, (v, i) => (isNull(nulls, i) ? 0 : v - y[i])), nulls };
}

/** DATE or TIMESTAMP ± INTERVAL: TIMESTAMP. */
function shift(t: Vector, iv: Vector, sign: number): Vector {
  const { days, tod } = splitTimestamps(t);
  const v = iv.values as IntervalValues;
  const nulls = mergeNulls(t.length, [t, iv]);
  for (let i = 0; i < t.length; i++) {
    if (isNull(nulls, i)) continue;
    if (v.months[i] !== 0) days[i] = addMonths(days[i], sign * v.months[i]);
    days[i] += sign * v.days[i];
    tod[i] += sign * v.micros[i];
  }
  return joinTimestamps(days, tod, nulls);
}

/** TIMESTAMP - TIMESTAMP: days and µs, both truncated toward zero. */
function timestampDiff(a: Vector, b: Vector): Vector {
  const n = a.length;
  const x = splitTimestamps(a);
  const y = splitTimestamps(b);
  const nulls = mergeNulls(n, [a, b]);
  const out: IntervalValues = { months: new Int32Array(n), days: new Int32Array(n), micros: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    if (isNull(nulls, i)) continue;
    let d = x.days[i] - y.days[i];
    let us = x.tod[i] - y.tod[i];
    if (d > 0 && us < 0) { d -= 1; us += DAY_US; } else if (d < 0 && us > 0) { d += 1; us -= DAY_US; }
    out.days[i] = d;
    out.micros[i] = us;
  }
  return { type: INTERVAL, length: n, values: out, nulls };
}

function intervals(a: Vector, b: Vector | undefined, f: (x: number, y: number) => number): Vector {
  const n = a.length;
  const x = a.values as IntervalValues;
  const y = (b ?? a).values as IntervalValues;
  const nulls = mergeNulls(n, b ? [a, b] : [a]);
  const out: IntervalValues = { months: new Int32Array(n), days: new Int32Array(n), micros: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    if (isNull(nulls, i)) continue;
    const m = f(x.months[i], y.months[i]);
    const d = f(x.days[i], y.days[i]);
    if (!fits32(m) || !fits32(d)) throw new KindlingError('QUERY_VALUE', 'overflow in INTERVAL arithmetic: the months or days do not fit 32 bits');
    out.months[i] = m;
    out.days[i] = d;
    out.micros[i] = f(x.micros[i], y.micros[i]);
  }
  return { type: INTERVAL, length: n, values: out, nulls };
}

const floorMod = (x: number, k: number) => ((x % k) + k) % k;
const century = (y: number, k: number) => (y > 0 ? Math.trunc((y - 1) / k) + 1 : Math.trunc(y / k) - 1);

/** ISO 8601 [isoyear, week] of a date. */
function isoWeek(days: number): [number, number] {
  const thursday = days - (floorMod(days + 3, 7) + 1) + 4; // the Thursday of its Monday-to-Sunday week
  const y = civilFromDays(thursday)[0];
  return [y, Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1];
}

type Part = (days: number, tod: number, raw: number) => number;
const PARTS: Record<string, Part> = {
  year: (d) => civilFromDays(d)[0],
  quarter: (d) => Math.floor((civilFromDays(d)[1] - 1) / 3) + 1,
  month: (d) => civilFromDays(d)[1],
  day: (d) => civilFromDays(d)[2],
  dow: (d) => floorMod(d + 4, 7),
  isodow: (d) => floorMod(d + 3, 7) + 1,
  doy: (d) => d - daysFromCivil(civilFromDays(d)[0], 1, 1) + 1,
  week: (d) => isoWeek(d)[1],
  isoyear: (d) => isoWeek(d)[0],
  yearweek: (d) => { const [y, w] = isoWeek(d); return y * 100 + (y > 0 ? w : -w); },
  hour: (_d, t) => Math.floor(t / HOUR_US),
  minute: (_d, t) => Math.floor(t / MINUTE_US) % 60,
  second: (_d, t) => Math.floor(t / 1e6) % 60,
  millisecond: (_d, t) => Math.floor((t % MINUTE_US) / 1000),
  microsecond: (_d, t) => t % MINUTE_US,
  epoch: (_d, _t, raw) => raw / 1e6,
  decade: (d) => Math.trunc(civilFromDays(d)[0] / 10),
  century: (d) => century(civilFromDays(d)[0], 100),
  millennium: (d) => century(civilFromDays(d)[0], 1000),
};
const SYNONYMS: Record<string, string> = { dayofweek: 'dow', dayofyear: 'doy' };

type IntervalPart = (months: number, days: number, us: number) => number;
const INTERVAL_PARTS: Record<string, IntervalPart> = {
  year: (m) => Math.trunc(m / 12),
  quarter: (m) => Math.trunc((m % 12) / 3) + 1,
  month: (m) => m % 12,
  day: (_m, d) => d,
  decade: (m) => Math.trunc(m / 120),
  century: (m) => Math.trunc(m / 1200),
  millennium: (m) => Math.trunc(m / 12000),
  hour: (_m, _d, us) => Math.trunc(us / HOUR_US),
  minute: (_m, _d, us) => Math.trunc((us % HOUR_US) / MINUTE_US),
  second: (_m, _d, us) => Math.trunc((us % MINUTE_US) / 1e6),
  millisecond: (_m, _d, us) => Math.trunc((us % MINUTE_US) / 1000),
  microsecond: (_m, _d, us) => us % MINUTE_US,
  // DuckDB: 365 days a year plus a quarter day, 30-day months, then the µs as seconds.
  epoch: (m, d, us) => { const y = Math.trunc(m / 12); return ((y * 365 + (m % 12) * 30 + d) * 86400 + y * 21600) + us / 1e6; },
};

const unitOf = (e: Expr) => {
  const u = e.kind === 'literal' && typeof e.value === 'string' ? e.value.toLowerCase().replace(/s$/, '') : '';
  return SYNONYMS[u] ?? u;
};

/** date_part(unit, x) of a DATE, TIMESTAMP or INTERVAL vector. */
function datePart(unit: string, v: Vector, type: DataType): Vector {
  const n = v.length;
  const out = new Float64Array(n);
  const nulls = v.nulls?.slice();
  if (v.type.id === 'INTERVAL') {
    const f = INTERVAL_PARTS[unit];
    const iv = v.values as IntervalValues;
    for (let i = 0; i < n; i++) if (!isNull(nulls, i)) out[i] = f(iv.months[i], iv.days[i], iv.micros[i]);
  } else {
    const f = PARTS[unit];
    const { days, tod } = splitTimestamps(v);
    const raw = unit !== 'epoch' ? undefined : v.type.id === 'DATE' ? Float64Array.from(days, (d) => d * DAY_US) : Float64Array.from(v.values as ArrayLike<number | bigint>, Number);
    for (let i = 0; i < n; i++) if (!isNull(nulls, i)) out[i] = f(days[i], tod[i], raw ? raw[i] : 0);
  }
  return { type: type.id === 'DOUBLE' ? DOUBLE : BIGINT, length: n, values: out, nulls };
}

const TRUNC_US: Record<string, number> = { day: DAY_US, hour: HOUR_US, minute: MINUTE_US, second: 1e6, millisecond: 1000, microsecond: 1 };

/** date_trunc(unit, x) of a DATE or TIMESTAMP: TIMESTAMP. */
function dateTrunc(unit: string, v: Vector): Vector {
  const { days, tod } = splitTimestamps(v);
  const nulls = v.nulls?.slice();
  const step = TRUNC_US[unit];
  for (let i = 0; i < v.length; i++) {
    if (step !== undefined) { tod[i] -= tod[i] % step; continue; }
    tod[i] = 0;
    const [y, m] = civilFromDays(days[i]);
    if (unit === 'week') days[i] -= floorMod(days[i] + 3, 7);
    else if (unit === 'month') days[i] = daysFromCivil(y, m, 1);
    else if (unit === 'quarter') days[i] = daysFromCivil(y, m - ((m - 1) % 3), 1);
    else {
      const k = unit === 'year' ? 1 : unit === 'decade' ? 10 : unit === 'century' ? 100 : 1000;
      days[i] = daysFromCivil(Math.trunc(y / k) * k, 1, 1);
    }
  }
  return joinTimestamps(days, tod, nulls);
}

const TEMPORAL = new Set(['DATE', 'TIMESTAMP']);

/**
 * The kernel of a call on dates, timestamps or intervals (undefined: not one of these). The
 * arguments have the catalog's types (plan/logical/functions.ts); units are constants.
 */
export function temporalCall(fn: string, args: Kernel[], e: Expr & { kind: 'call' }): Kernel | undefined {
  const [a, b] = args;
  const [ta, tb] = e.args.map((x) => x.type.id);
  if (fn === 'add' || fn === 'subtract') {
    const sign = fn === 'add' ? 1 : -1;
    if (ta === 'DATE' && tb === 'INTEGER') return (x) => addDays(a(x), b(x), sign);
    if (ta === 'INTEGER' && tb === 'DATE') return (x) => addDays(b(x), a(x), 1);
    if (ta === 'DATE' && tb === 'DATE') return (x) => dateDiff(a(x), b(x));
    if (TEMPORAL.has(ta) && tb === 'INTERVAL') return (x) => shift(a(x), b(x), sign);
    if (ta === 'INTERVAL' && TEMPORAL.has(tb)) return (x) => shift(b(x), a(x), 1);
    if (ta === 'TIMESTAMP' && tb === 'TIMESTAMP') return (x) => timestampDiff(a(x), b(x));
    if (ta === 'INTERVAL' && tb === 'INTERVAL') return (x) => intervals(a(x), b(x), (p, q) => p + sign * q);
    return undefined;
  }
  if (fn === 'negate' && ta === 'INTERVAL') return (x) => intervals(a(x), undefined, (p) => -p);
  if (fn === 'year' || fn === 'month' || fn === 'day' || fn === 'hour' || fn === 'minute') return (x) => datePart(fn, a(x), e.type);
  if (fn === 'date_part') {
    const unit = unitOf(e.args[0]);
    const ok = tb === 'INTERVAL' ? Object.hasOwn(INTERVAL_PARTS, unit) : Object.hasOwn(PARTS, unit);
    if (!ok) throw new KindlingError('USAGE', `date_part('${unit}', …) of ${tb === 'INTERVAL' ? 'an INTERVAL' : `a ${tb}`} is not defined (in DuckDB neither)`, { hint: tb === 'INTERVAL' ? 'an INTERVAL has year, quarter, month, day, hour, minute, second, millisecond, microsecond, epoch, decade, century, millennium' : undefined });
    return (x) => datePart(unit, b(x), e.type);
  }
  if (fn === 'date_trunc') {
    const unit = unitOf(e.args[0]);
    if (!['millennium', 'century', 'decade', 'year', 'quarter', 'month', 'week', ...Object.keys(TRUNC_US)].includes(unit)) throw new KindlingError('USAGE', `date_trunc has no unit '${unit}'`);
    return (x) => dateTrunc(unit, b(x));
  }
  return undefined;
}
