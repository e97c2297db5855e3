/**
 * INTERVAL text, as DuckDB's cast from VARCHAR reads it and prints it: `<number> <unit>` parts
 * (`1 year 2 months 3 days`, `90 minutes`, `-1.5 seconds`, units in any case, singular, plural
 * or abbreviated: y/yr, mon, w, d, h/hr, m/min, s/sec, ms, us) and a clock part `[-]H:MM[:SS[.f]]`
 * (`1 month -03:00:00`), an optional leading `@` and trailing `ago` (negates); a number alone
 * counts seconds (`'42'` is 42 seconds). The CSV scan and the cast from VARCHAR both read it. Fractions spill
 * down as DuckDB's do: 1.5 years is 18 months, 1.5 months is 1 month 15 days (30-day months),
 * 1.5 days is 1 day 12 hours; microseconds are rounded.
 */
import type { Interval } from './vector.js';

const MONTH = 0;
const DAY = 1;
const MICRO = 2;
const DAY_US = 86_400_000_000;

/** unit word (lower case) -> [field, factor]. */
const UNITS = new Map<string, [number, number]>();
const unit = (names: string, field: number, factor: number) => { for (const n of names.split(' ')) UNITS.set(n, [field, factor]); };
unit('millennium millennia millenniums mil mils', MONTH, 12000);
unit('century centuries cent c', MONTH, 1200);
unit('decade decades dec decs', MONTH, 120);
unit('year years yr yrs y', MONTH, 12);
unit('quarter quarters', MONTH, 3);
unit('month months mon mons', MONTH, 1);
unit('week weeks w', DAY, 7);
unit('day days d', DAY, 1);
unit('hour hours hr hrs h', MICRO, 3_600_000_000);
unit('minute minutes min mins m', MICRO, 60_000_000);
unit('second seconds sec secs s', MICRO, 1_000_000);
unit('millisecond milliseconds msec msecs ms', MICRO, 1000);
unit('microsecond microseconds usec usecs us', MICRO, 1);

const PART = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)/;
const CLOCK = /^([+-]?)(\d+):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?(?![\d:])/;

/** The interval the text denotes, or undefined when it is not one. */
export function parseInterval(text: string): Interval | undefined {
  let s = text.trim().toLowerCase();
  if (s.startsWith('@')) s = s.slice(1).trimStart();
  let ago = false;
  if (/\sago$/.test(s)) { ago = true; s = s.slice(0, -3).trimEnd(); }
  if (!s) return undefined;
  if (/^-?\d+\.?\d*$/.test(s)) s += ' seconds'; // DuckDB: no + sign, no leading dot
  let months = 0;
  let days = 0;
  let micros = 0;
  while (s) {
    const clock = CLOCK.exec(s);
    if (clock) {
      const mi = Number(clock[3]);
      const se = Number(clock[4] ?? 0);
      if (mi > 59 || se > 59) return undefined;
      const frac = clock[5] ? Number(clock[5].slice(0, 6).padEnd(6, '0')) : 0;
      const us = (Number(clock[2]) * 3600 + mi * 60 + se) * 1_000_000 + frac;
      micros += clock[1] === '-' ? -us : us;
      s = s.slice(clock[0].length).trimStart();
      continue;
    }
    const m = PART.exec(s);
    const u = m && UNITS.get(m[3]);
    if (!m || !u) return undefined;
    const sign = m[1] === '-' ? -1 : 1;
    const v = Number(m[2]);
    const whole = Math.trunc(v);
    const frac = v - whole;
    const [field, factor] = u;
    if (field === MICRO) micros += sign * Math.round(v * factor);
    else {
      if (field === MONTH) months += sign * whole * factor;
      else days += sign * whole * factor;
      // The fraction, in microseconds of 30-day months or of days, spills into the smaller fields.
      let us = Math.round(frac * factor * (field === MONTH ? 30 : 1) * DAY_US);
      if (field === MONTH && (frac * factor) % 1 === 0) { months += sign * frac * factor; us = 0; }
      const d = Math.trunc(us / DAY_US);
      days += sign * d;
      micros += sign * (us - d * DAY_US);
    }
    s = s.slice(m[0].length).trimStart();
  }
  if (!Number.isSafeInteger(micros) || Math.abs(months) > 0x7fffffff || Math.abs(days) > 0x7fffffff) return undefined;
  return ago ? { months: -months || 0, days: -days || 0, micros: -micros || 0 } : { months, days, micros };
}
