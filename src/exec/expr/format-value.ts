/**
 * Casts to and from VARCHAR, with DuckDB's text (each form checked against DuckDB 1.5):
 *
 *   DOUBLE     the shortest digits that read back as the same double (JavaScript's and DuckDB's
 *              are the same digits), in positional form with at least one decimal (1.0, 100.0,
 *              0.0001, 1000000000000000.0) for decimal exponents -4 to 15, else as d.ddde±XX
 *              (1e+16, 1e-05, 1.2345678901234568e+17); -0.0, nan, inf, -inf.
 *              Left: DuckDB prints a NaN with its sign bit set as -nan; here every NaN is nan.
 *   DECIMAL    every digit of the scale (12.30, -0.05, 0.00)
 *   DATE       YYYY-MM-DD, years 0 and below as 1 BC, 2 BC ..: 0045-03-15 (BC)
 *   TIMESTAMP  YYYY-MM-DD[ (BC)] HH:MM:SS, then .ffffff without its trailing zeros when not 0
 *   INTERVAL   "1 year 2 months 3 days 04:05:06.5": each of years (months / 12), months, days
 *              when not 0 (singular for ±1), then the µs as [-]HH:MM:SS[.f] when not 0;
 *              00:00:00 for nothing at all
 *   BOOLEAN    true, false
 *
 * From VARCHAR: types/parse-value.ts reads the text (as the binder does for string literals),
 * INTERVAL text here ('1 year 2 months', '3 days 04:05:06', '1.5 days', '2 weeks ago', '5':
 * seconds), an INTEGER or BIGINT may have decimals and rounds half away from zero ('2.5' is 3).
 * Text that is not a value of the type is a QUERY_VALUE error naming both, or NULL for try_cast.
 * Left, where DuckDB accepts more: hexadecimal and 1_000-style integers, exponents for
 * integers and decimals ('1e2'), a time after a DATE, 24:00:00 in a TIMESTAMP, 'infinity' dates
 * and timestamps (kindling has none); and less: spaces around a TIMESTAMP (' 2024-01-05 ').
 */
import { parseInterval } from '../../types/interval-text.js';
import { KindlingError } from '../../common/errors.js';
import { VARCHAR, decimal, typeName, type DataType } from '../../types/datatype.js';
import { parseValue } from '../../types/parse-value.js';
import { valueAt, vectorOf, type Interval, type Scalar, type Vector } from '../../types/vector.js';
import { civilFromDays } from '../../types/calendar.js';
import { splitTimestamps } from './temporal.js';

export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, e] = x.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const sign = x < 0 ? '-' : '';
  const digits = mantissa.replace(/[-.]/g, '');
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${sign}${digits.slice(0, exp + 1).padEnd(exp + 1, '0')}.${digits.slice(exp + 1) || '0'}`;
}

/** A scaled integer with `scale` decimals. */
export function formatDecimal(x: number | bigint, scale: number): string {
  if (scale === 0) return String(x);
  const big = BigInt(x);
  const neg = big < 0n;
  const digits = (neg ? -big : big).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD, and the ' (BC)' that follows the date of years 0 and below. */
function dateText(days: number): [string, string] {
  const [y, m, d] = civilFromDays(days);
  return [`${String(y > 0 ? y : 1 - y).padStart(4, '0')}-${two(m)}-${two(d)}`, y > 0 ? '' : ' (BC)'];
}

export const formatDate = (days: number) => dateText(days).join('');

/** HH:MM:SS[.f] of a µs amount of at least 0 (the hours may pass 24). */
function clock(us: number): string {
  const h = Math.floor(us / 3_600_000_000);
  const rest = us - h * 3_600_000_000;
  const frac = rest % 1e6;
  const text = `${two(h)}:${two(Math.floor(rest / 60e6))}:${two(Math.floor(rest / 1e6) % 60)}`;
  return frac === 0 ? text : `${text}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}

export function formatTimestamp(days: number, tod: number): string {
  const [date, era] = dateText(days);
  return `${date}${era} ${clock(tod)}`;
}

export function formatInterval(iv: Interval): string {
  const parts: string[] = [];
  const unit = (n: number, name: string) => { if (n !== 0) parts.push(`${n} ${name}${n === 1 || n === -1 ? '' : 's'}`); };
  const years = Math.trunc(iv.months / 12);
  unit(years, 'year');
  unit(iv.months - years * 12, 'month');
  unit(iv.days, 'day');
  if (iv.micros !== 0) parts.push(`${iv.micros < 0 ? '-' : ''}${clock(Math.abs(iv.micros))}`);
  return parts.length ? parts.join(' ') : '00:00:00';
}

/** Any vector as VARCHAR. */
export function toText(v: Vector): Vector {
  const n = v.length;
  const out = new Array<string>(n).fill('');
  const t = v.type;
  const ts = t.id === 'TIMESTAMP' ? splitTimestamps(v) : undefined;
  for (let i = 0; i < n; i++) {
    const x = valueAt(v, i);
    if (x === null) continue;
    switch (t.id) {
      case 'DOUBLE': out[i] = formatDouble(x as number); break;
      case 'DECIMAL': out[i] = formatDecimal(x as number | bigint, t.scale); break;
      case 'DATE': out[i] = formatDate(x as number); break;
      case 'TIMESTAMP': out[i] = formatTimestamp(ts!.days[i], ts!.tod[i]); break;
      case 'INTERVAL': out[i] = formatInterval(x as Interval); break;
      default: out[i] = String(x);
    }
  }
  return { type: VARCHAR, length: n, values: out, nulls: v.nulls?.slice() };
}

const FORMS: Partial<Record<DataType['id'], string>> = {
  DATE: "write dates as 'YYYY-MM-DD'", TIMESTAMP: "write timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]'", INTERVAL: "write intervals as '1 year 2 months 3 days 04:05:06'",
};
const article = (t: DataType) => (/^[AEIOU]/.test(t.id) ? 'an' : 'a');

/** One text as a value of `to`; undefined when it is none. */
function fromString(s: string, to: DataType): Scalar | undefined {
  if (to.id === 'INTERVAL') return parseInterval(s);
  const v = parseValue(s, to);
  if (v !== undefined || (to.id !== 'INTEGER' && to.id !== 'BIGINT') || !/^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(s)) return v;
  // DuckDB rounds a number with decimals to the integer (half away from zero).
  const r = parseValue(s, decimal(38, 0));
  if (r === undefined) return undefined;
  return parseValue(String(r), to);
}

/** VARCHAR to any type; a text that does not convert is an error, or NULL when `lenient` (try_cast). */
export function fromText(v: Vector, to: DataType, lenient: boolean): Vector {
  const n = v.length;
  const out = new Array<Scalar>(n);
  const src = v.values as string[];
  for (let i = 0; i < n; i++) {
    if (v.nulls && v.nulls[i]) { out[i] = null; continue; }
    const x = fromString(src[i], to);
    if (x === undefined && !lenient) {
      const form = FORMS[to.id] ? `${FORMS[to.id]}, or ` : '';
      throw new KindlingError('QUERY_VALUE', `cast: the string '${src[i]}' is not ${article(to)} ${typeName(to)}`, { hint: `${form}use try_cast(x as ${typeName(to)}) for NULL instead of an error` });
    }
    out[i] = x ?? null;
  }
  return vectorOf(to, out);
}

