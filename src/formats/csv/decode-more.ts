/**
 * More column decoders, for the SQL engine's types that decode.ts does not cover: INTEGER
 * (range-checked int32), BOOLEAN, DATE (days) and TIMESTAMP in microseconds. They follow
 * decode.ts's contract: one tight loop per column from the field bytes of a RecordBatch into
 * typed arrays, an empty field is null, and a value the fast path does not take is rejected
 * (thrown as INPUT_BAD_RECORD, or reported to ctx.bad, its slot then null).
 *
 * The fast paths take the canonical spellings only (2019-10-01, true, 42); with a `bad` sink the
 * caller gives the rejected rows a second, lenient reading (`slowValue`: DuckDB's spellings
 * through types/parse-value.ts, timestamps beyond the exact-double range as bigints), so the
 * common case stays one pass over bytes and the rare one still reads what DuckDB reads.
 */
import { KindlingError } from '../../common/errors.js';
import type { DataType } from '../../types/datatype.js';
import { daysFromCivil, validDate } from '../../types/calendar.js';
import { parseValue } from '../../types/parse-value.js';
import { isSafe, type Scalar } from '../../types/vector.js';
import type { RecordBatch } from './types.js';
import type { DecodeContext } from './decode.js';
import { digitsAt, parseTimestamp } from './decode.js';
import { fieldText } from './dictionary.js';
import { parseInterval } from '../../types/interval-text.js';

const decoder = new TextDecoder('utf-8');
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Per type: what a value must look like (the hint of a bad value). */
export const TYPE_HINTS: Record<DataType['id'], string> = {
  BOOLEAN: 'expected true or false (also t/f, yes/no, 1/0)',
  INTEGER: 'expected an integer between -2147483648 and 2147483647, or declare the column BIGINT',
  BIGINT: 'expected an integer in the int64 range, or declare the column DECIMAL(38,0) or VARCHAR',
  DOUBLE: 'expected a number such as 1.5, -2e10, inf or nan',
  DECIMAL: 'expected a decimal number within the declared precision, or declare a larger DECIMAL(p,s)',
  VARCHAR: 'the input must be UTF-8; convert the file (e.g. iconv -f latin1 -t utf-8)',
  DATE: 'expected a date as YYYY-MM-DD',
  TIMESTAMP: 'expected e.g. 2019-10-01 00:00:00, 2019-10-01T00:00:00.123456Z or 2019-10-01 00:00:00 UTC',
  INTERVAL: "expected e.g. '1 year 2 months 3 days 04:05:06' or '90 minutes'",
};

function reject(batch: RecordBatch, c: number, row: number, ctx: DecodeContext, what: string, hint: string): void {
  const s = batch.starts[c][row];
  const e = batch.ends[c][row];
  let text = decoder.decode(batch.buf.subarray(s, Math.min(e, s + 120)));
  if (e > s + 120) text += '…';
  const reason = `${ctx.field}: "${text}" ${what}`;
  if (ctx.bad) { ctx.bad.add(row, reason); return; }
  throw new KindlingError('INPUT_BAD_RECORD', reason, {
    place: { file: ctx.file, offset: batch.baseOffset + batch.recordStarts[row], field: ctx.field },
    hint,
  });
}

/** INTEGER: decimal digits with an optional sign, within the int32 range. */
export function decodeInt32(batch: RecordBatch, c: number, out: Int32Array, nulls: Uint8Array, ctx: DecodeContext): void {
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  rows: for (let r = 0, n = batch.rows; r < n; r++) {
    let i = st[r];
    const e = en[r];
    out[r] = 0;
    if (i === e) { nulls[r] = 1; continue; }
    nulls[r] = 0;
    const b0 = buf[i];
    const neg = b0 === 45;
    if (neg || b0 === 43) i++;
    if (i === e || e - i > 10) { reject(batch, c, r, ctx, 'is not an INTEGER', TYPE_HINTS.INTEGER); nulls[r] = 1; continue; }
    let v = 0;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) { reject(batch, c, r, ctx, 'is not an INTEGER', TYPE_HINTS.INTEGER); nulls[r] = 1; continue rows; }
      v = v * 10 + d;
    }
    if (neg) v = -v;
    if (v < INT32_MIN || v > INT32_MAX) { reject(batch, c, r, ctx, 'is out of the INTEGER range', TYPE_HINTS.INTEGER); nulls[r] = 1; continue; }
    out[r] = v;
  }
}

/** BOOLEAN: `true` and `false` on the fast path (other spellings are rejected to the slow one). */
export function decodeBool(batch: RecordBatch, c: number, out: Uint8Array, nulls: Uint8Array, ctx: DecodeContext): void {
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  for (let r = 0, n = batch.rows; r < n; r++) {
    const s = st[r];
    const len = en[r] - s;
    out[r] = 0;
    nulls[r] = 0;
    if (len === 0) nulls[r] = 1;
    else if (len === 4 && buf[s] === 116 && buf[s + 1] === 114 && buf[s + 2] === 117 && buf[s + 3] === 101) out[r] = 1;
    else if (!(len === 5 && buf[s] === 102 && buf[s + 1] === 97 && buf[s + 2] === 108 && buf[s + 3] === 115 && buf[s + 4] === 101)) {
      reject(batch, c, r, ctx, 'is not a BOOLEAN', TYPE_HINTS.BOOLEAN);
      nulls[r] = 1;
    }
  }
}

/** DATE: YYYY-MM-DD (a real date) to days since 1970-01-01. */
export function decodeDate(batch: RecordBatch, c: number, out: Int32Array, nulls: Uint8Array, ctx: DecodeContext): void {
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  for (let r = 0, n = batch.rows; r < n; r++) {
    const s = st[r];
    const e = en[r];
    out[r] = 0;
    if (s === e) { nulls[r] = 1; continue; }
    nulls[r] = 0;
    const y = e - s === 10 && buf[s + 4] === 45 && buf[s + 7] === 45 ? digitsAt(buf, s, 4, e) : -1;
    const m = y >= 0 ? digitsAt(buf, s + 5, 2, e) : -1;
    const d = m >= 0 ? digitsAt(buf, s + 8, 2, e) : -1;
    if (d < 0 || !validDate(y, m, d)) { reject(batch, c, r, ctx, 'is not a DATE', TYPE_HINTS.DATE); nulls[r] = 1; continue; }
    out[r] = daysFromCivil(y, m, d);
  }
}

/**
 * The microseconds below the millisecond of a timestamp parseTimestamp read (0..999): the 4th to
 * 6th fraction digits, which sit at fixed places since its layout has fixed widths.
 */
function subMillis(buf: Uint8Array, s: number, e: number): number {
  if (e - s < 24 || buf[s + 19] !== 46) return 0;
  let v = 0;
  for (let k = 0, i = s + 23; k < 3; k++, i++) {
    const d = i < e ? buf[i] - 48 : -1;
    v = v * 10 + (d >= 0 && d <= 9 ? d : 0);
    if (d < 0 || d > 9) { for (k++; k < 3; k++) v *= 10; break; }
  }
  return v;
}

/**
 * TIMESTAMP: microseconds since the epoch (UTC), as exact doubles; the forms are decode.ts
 * parseTimestamp's (a zone offset is applied, digits beyond microseconds are truncated). A value
 * beyond 2^53 µs (before 1684 or after 2255) is rejected to the slow path, which gives a bigint.
 */
export function decodeTimestampMicros(batch: RecordBatch, c: number, out: Float64Array, nulls: Uint8Array, ctx: DecodeContext): void {
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  for (let r = 0, n = batch.rows; r < n; r++) {
    const s = st[r];
    const e = en[r];
    out[r] = 0;
    if (s === e) { nulls[r] = 1; continue; }
    nulls[r] = 0;
    const ms = parseTimestamp(buf, s, e);
    const us = ms * 1000 + subMillis(buf, s, e);
    if (us !== us || !isSafe(us)) { reject(batch, c, r, ctx, 'is not a TIMESTAMP', TYPE_HINTS.TIMESTAMP); nulls[r] = 1; continue; }
    out[r] = us;
  }
}

/** A timestamp in parseTimestamp's forms as exact bigint microseconds (any year 0000-9999), or undefined. */
function timestampBig(buf: Uint8Array, s: number, e: number): bigint | undefined {
  const ms = parseTimestamp(buf, s, e);
  return ms === ms ? BigInt(ms) * 1000n + BigInt(subMillis(buf, s, e)) : undefined;
}

/**
 * The second, lenient reading of field (c, row) as a value of type t (not hot: rejected rows
 * only): DuckDB's spellings via parseValue (' 12 ', 'T', 'inf', decimals rounded half away from
 * zero to the scale), INTERVAL text, timestamps beyond the double range. Undefined: a bad value.
 */
export function slowValue(batch: RecordBatch, c: number, row: number, t: DataType): Scalar | undefined {
  if (t.id === 'TIMESTAMP') {
    const big = timestampBig(batch.buf, batch.starts[c][row], batch.ends[c][row]);
    if (big !== undefined) return isSafe(Number(big)) ? Number(big) : big;
  }
  const text = fieldText(batch, c, row);
  if (t.id === 'INTERVAL') return parseInterval(text);
  if (t.id === 'DECIMAL' && /^\s*[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+\s*$/.test(text)) return exponentDecimal(text.trim(), t.precision, t.scale);
  return parseValue(text, t);
}

/** A decimal written with an exponent (1.5e3), exactly, rounded half away from zero to `scale`. */
function exponentDecimal(text: string, precision: number, scale: number): Scalar | undefined {
  const m = /^([+-]?)(\d*)\.?(\d*)[eE]([+-]?\d+)$/.exec(text)!;
  const exp = Number(m[4]);
  const digitsText = (m[2] + m[3]).replace(/^0+(?=\d)/, '') || '0';
  const shift = exp - m[3].length + scale; // value * 10^scale = digits * 10^shift
  if (shift > 80) return undefined;
  let v = BigInt(digitsText);
  if (shift >= 0) v *= 10n ** BigInt(shift);
  else {
    const p = 10n ** BigInt(-shift);
    const q = v / p;
    v = (v % p) * 2n >= p ? q + 1n : q;
  }
  if (v >= 10n ** BigInt(precision)) return undefined;
  if (m[1] === '-') v = -v;
  return isSafe(Number(v)) ? Number(v) : v;
}
