/**
 * Text to a value of a SQL type, as DuckDB's cast from VARCHAR reads it: the binder converts
 * string literals with it ('1998-12-01' next to a DATE, date '…', timestamp '…', '42'::BIGINT).
 * Returns undefined for text that is not a value of the type; the caller names the error.
 *
 *   DATE       YYYY-MM-DD
 *   TIMESTAMP  YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]] (UTC; a trailing Z or +00 accepted)
 *   INTEGER, BIGINT, DECIMAL(p,s), DOUBLE: numbers (a DECIMAL rounds half away from zero)
 *   BOOLEAN    true/false/t/f/yes/no/1/0 (any case)
 */
import { daysFromCivil, validDate } from './calendar.js';
import { isSafe, type Scalar } from './vector.js';
import type { DataType } from './datatype.js';

const DATE_RE = /^(-?\d{1,6})-(\d{1,2})-(\d{1,2})$/;
const TS_RE = /^(-?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(?:Z|UTC|[+-]00(?::?00)?)?$/i;
const INT_RE = /^[+-]?\d+$/;
const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const BOOLS: Record<string, boolean> = { true: true, t: true, yes: true, y: true, 1: true, false: false, f: false, no: false, n: false, 0: false };

const exact = (v: bigint): number | bigint => (isSafe(Number(v)) ? Number(v) : v);

export function parseValue(text: string, t: DataType): Scalar | undefined {
  const s = text.trim();
  switch (t.id) {
    case 'VARCHAR':
      return text;
    case 'BOOLEAN':
      return BOOLS[s.toLowerCase()];
    case 'DATE': {
      const m = DATE_RE.exec(s);
      if (!m) return undefined;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      return validDate(y, mo, d) ? daysFromCivil(y, mo, d) : undefined;
    }
    case 'TIMESTAMP': {
      const m = TS_RE.exec(s);
      if (!m) return undefined;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const [hh, mi, ss] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
      if (!validDate(y, mo, d) || hh > 23 || mi > 59 || ss > 59) return undefined;
      const micros = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6) || 0);
      const v = BigInt(daysFromCivil(y, mo, d)) * 86_400_000_000n + BigInt(((hh * 60 + mi) * 60 + ss) * 1_000_000 + micros);
      return exact(v);
    }
    case 'INTEGER': {
      if (!INT_RE.test(s)) return undefined;
      const v = Number(s);
      return v >= -2147483648 && v <= 2147483647 ? v : undefined;
    }
    case 'BIGINT': {
      if (!INT_RE.test(s)) return undefined;
      const v = BigInt(s);
      return v >= -(1n << 63n) && v < 1n << 63n ? exact(v) : undefined;
    }
    case 'DECIMAL': {
      const m = DEC_RE.exec(s);
      if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
      const frac = m[3] ?? '';
      let v = BigInt((m[2] || '0') + frac.slice(0, t.scale).padEnd(t.scale, '0'));
      if (frac.length > t.scale && frac.charCodeAt(t.scale) >= 53) v += 1n; // the next digit is 5 or more: away from zero
      if (v >= 10n ** BigInt(t.precision)) return undefined;
      return exact(m[1] === '-' ? -v : v);
    }
    case 'DOUBLE': {
      if (!/^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)$/i.test(s)) return undefined;
      const l = s.toLowerCase().replace(/^\+/, '');
      return l.includes('inf') ? (l.startsWith('-') ? -Infinity : Infinity) : l === 'nan' ? NaN : Number(s);
    }
    case 'INTERVAL':
      return undefined;
  }
}
