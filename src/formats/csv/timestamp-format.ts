/**
 * Timestamps in a declared format (a table's csv.timestampFormat), with DuckDB's strptime
 * specifiers: %Y %y %m %d %H %I %p %M %S, fractions %g (ms) %f (µs) %n (ns, truncated), %z
 * (Z, ±HH, ±HHMM, ±HH:MM: applied, the result is UTC) %Z (UTC, GMT or Z), month names %b %h %B,
 * weekday names %a %A (read, not checked), %j (day of the year) and %%; `%-d` and the like
 * are the same as `%d` (numbers are read with or without their leading zeros). Anything else
 * in the format must appear literally. The format compiles once; parsing is over the bytes.
 */
import { KindlingError } from '../../common/errors.js';
import { daysFromCivil, isLeapYear, validDate } from '../../types/calendar.js';
import { isSafe } from '../../types/vector.js';

type Op = { lit: number } | { spec: string };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const SPECS = 'YymdHIpMSgfnzZbhBaAj%';
const encoder = new TextEncoder();

/** A compiled format: `parse(buf, s, e)` is the timestamp's µs since the epoch (UTC), or undefined. */
export interface TimestampFormat {
  readonly format: string;
  parse(buf: Uint8Array, s: number, e: number): number | bigint | undefined;
}

export function compileTimestampFormat(format: string): TimestampFormat {
  const ops: Op[] = [];
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') { for (const b of encoder.encode(format[i])) ops.push({ lit: b }); continue; }
    let spec = format[++i];
    if (spec === '-') spec = format[++i];
    if (spec === undefined || !SPECS.includes(spec)) {
      throw new KindlingError('USAGE', `timestampFormat ${JSON.stringify(format)}: unknown specifier %${spec ?? ''}`, {
        hint: `use DuckDB's strptime specifiers: ${[...SPECS].map((c) => '%' + c).join(' ')}`,
      });
    }
    ops.push(spec === '%' ? { lit: 37 } : { spec });
  }
  return { format, parse: (buf, s, e) => parseWith(ops, buf, s, e) };
}

function parseWith(ops: Op[], buf: Uint8Array, s: number, e: number): number | bigint | undefined {
  let i = s;
  let y = 1970, mo = 1, d = 1, h = 0, mi = 0, sec = 0, us = 0, yday = -1, offMin = 0;
  let pm = -1; // %p: 0 AM, 1 PM
  /** Up to max digits (at least one) at i; -1 when there is none. */
  const num = (max: number): number => {
    let v = 0;
    let k = 0;
    for (; k < max && i < e; k++, i++) {
      const dg = buf[i] - 48;
      if (dg < 0 || dg > 9) break;
      v = v * 10 + dg;
    }
    return k === 0 ? -1 : v;
  };
  const frac = (max: number): number => {
    const from = i;
    const v = num(max);
    return v < 0 ? -1 : v * 10 ** (max - (i - from));
  };
  const word = (names: string[], minLen: number): number => {
    let j = i;
    while (j < e && ((buf[j] | 32) >= 97 && (buf[j] | 32) <= 122)) j++;
    const w = String.fromCharCode(...buf.subarray(i, j)).toLowerCase();
    const k = names.findIndex((n) => w.length >= minLen && n.startsWith(w));
    if (k >= 0) i = j;
    return k;
  };
  for (const op of ops) {
    if ('lit' in op) { if (i >= e || buf[i] !== op.lit) return undefined; i++; continue; }
    let v = 0;
    switch (op.spec) {
      case 'Y': { const neg = buf[i] === 45; if (neg) i++; v = num(6); if (v < 0) return undefined; y = neg ? -v : v; break; }
      case 'y': v = num(2); if (v < 0) return undefined; y = v < 69 ? 2000 + v : 1900 + v; break;
      case 'm': v = mo = num(2); break;
      case 'd': v = d = num(2); break;
      case 'H': v = h = num(2); if (h > 23) return undefined; break;
      case 'I': v = h = num(2); if (h < 1 || h > 12) return undefined; break;
      case 'M': v = mi = num(2); if (mi > 59) return undefined; break;
      case 'S': v = sec = num(2); if (sec > 59) return undefined; break;
      case 'g': v = frac(3); us = v * 1000; break;
      case 'f': v = us = frac(6); break;
      case 'n': v = frac(9); us = Math.trunc(v / 1000); break;
      case 'j': v = yday = num(3); break;
      case 'p': { const w = String.fromCharCode(buf[i] | 32, buf[i + 1] | 32); if (w !== 'am' && w !== 'pm') return undefined; pm = w === 'pm' ? 1 : 0; i += 2; break; }
      case 'b': case 'h': case 'B': { const k = word(op.spec === 'B' ? MONTH_NAMES : MONTHS, 3); if (k < 0) return undefined; mo = k + 1; break; }
      case 'a': case 'A': v = word(WEEKDAYS, 3); break;
      case 'Z': {
        const w = String.fromCharCode(...buf.subarray(i, Math.min(e, i + 3))).toUpperCase();
        if (w === 'UTC' || w === 'GMT') i += 3;
        else if (w[0] === 'Z') i++;
        else return undefined;
        break;
      }
      case 'z': {
        if (buf[i] === 90) { i++; break; }
        const sign = buf[i] === 43 ? 1 : buf[i] === 45 ? -1 : 0;
        if (!sign) return undefined;
        i++;
        const from = i;
        const oh = num(2);
        if (oh < 0 || i - from !== 2) return undefined;
        if (buf[i] === 58) i++;
        const om = i < e && buf[i] >= 48 && buf[i] <= 57 ? num(2) : 0;
        if (om > 59) return undefined;
        offMin = sign * (oh * 60 + om);
        break;
      }
    }
    if (v < 0) return undefined;
  }
  if (i !== e) return undefined;
  if (pm >= 0) h = (h % 12) + (pm ? 12 : 0);
  let days: number;
  if (yday >= 0) {
    if (yday < 1 || yday > (isLeapYear(y) ? 366 : 365)) return undefined;
    days = daysFromCivil(y, 1, 1) + yday - 1;
  } else {
    if (!validDate(y, mo, d)) return undefined;
    days = daysFromCivil(y, mo, d);
  }
  const secs = ((days * 24 + h) * 60 + mi - offMin) * 60 + sec;
  const micros = secs * 1_000_000 + us;
  return isSafe(micros) ? micros : BigInt(secs) * 1_000_000n + BigInt(us);
}
