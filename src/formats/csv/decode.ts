/**
 * Column decoders: one tight loop each from the field bytes of a RecordBatch into preallocated
 * typed arrays. An empty field is null: nulls[i] = 1 and the value slot is 0. A value that does
 * not parse throws INPUT_BAD_RECORD naming the file, the record's byte offset and the field; or,
 * when the context has a `bad` sink, is reported there (the row's slot becomes null) and decoding
 * goes on. Either way the good path does no extra work per row.
 */
import { KindlingError } from '../../common/errors.js';
import type { RecordBatch } from './types.js';
import { daysFromCivil } from '../../types/calendar.js';

export interface DecodeContext {
  /** The file, as the user named it (for error places). */
  file: string;
  /** The column name. */
  field: string;
  /** Collects values that do not parse instead of throwing (the caller drops those rows). */
  bad?: BadValueSink;
}

export interface BadValueSink {
  /** Row `row` of the batch is bad; `reason` names the field and the value. */
  add(row: number, reason: string): void;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO32 = 4294967296;
const POW10: number[] = [];
for (let k = 0, p = 1; k <= 22; k++, p *= 10) POW10.push(p); // all exact doubles
const decoder = new TextDecoder('utf-8');
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function badValue(batch: RecordBatch, c: number, row: number, ctx: DecodeContext, what: string, hint: string): KindlingError {
  return new KindlingError('INPUT_BAD_RECORD', badValueText(batch, c, row, ctx, what), {
    place: { file: ctx.file, offset: batch.baseOffset + batch.recordStarts[row], field: ctx.field },
    hint,
  });
}

function badValueText(batch: RecordBatch, c: number, row: number, ctx: DecodeContext, what: string): string {
  const s = batch.starts[c][row];
  const e = batch.ends[c][row];
  let text = decoder.decode(batch.buf.subarray(s, Math.min(e, s + 120)));
  if (e > s + 120) text += '…';
  return `${ctx.field}: "${text}" ${what}`;
}

/** A value that does not parse: throws, or reports the row to ctx.bad (not hot). */
function reject(batch: RecordBatch, c: number, row: number, ctx: DecodeContext, what: string, hint: string): void {
  if (!ctx.bad) throw badValue(batch, c, row, ctx, what, hint);
  ctx.bad.add(row, badValueText(batch, c, row, ctx, what));
}

/** Whether the integer text buf[s..e) lies outside the int64 range (not hot). */
function outOfInt64(buf: Uint8Array, s: number, e: number): boolean {
  const neg = buf[s] === 45;
  if (neg || buf[s] === 43) s++;
  while (s < e - 1 && buf[s] === 48) s++;
  const digits = decoder.decode(buf.subarray(s, e));
  const max = neg ? '9223372036854775808' : '9223372036854775807';
  return digits.length > max.length || (digits.length === max.length && digits > max);
}

const HINT_NUM = 'fix the value or declare the column with another type (e.g. string)';

/**
 * Integers into doubles. Returns -1 when every value was exact (|v| <= 2^53-1), else the first
 * row whose value is too large for a double: the caller then decodes the batch with decodeBigInt.
 */
export function decodeInt(batch: RecordBatch, c: number, out: Float64Array, nulls: Uint8Array, ctx: DecodeContext): number {
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  rows: for (let r = 0, n = batch.rows; r < n; r++) {
    let i = st[r];
    const e = en[r];
    if (i === e) { nulls[r] = 1; out[r] = 0; continue; }
    nulls[r] = 0;
    const b0 = buf[i];
    const neg = b0 === 45;
    if (neg || b0 === 43) i++;
    if (i === e) { reject(batch, c, r, ctx, 'is not an integer', HINT_NUM); nulls[r] = 1; out[r] = 0; continue; }
    let v = 0;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) { reject(batch, c, r, ctx, 'is not an integer', HINT_NUM); nulls[r] = 1; out[r] = 0; continue rows; }
      v = v * 10 + d;
    }
    if (v > MAX_SAFE) {
      if (!outOfInt64(buf, st[r], e)) return r;
      reject(batch, c, r, ctx, 'is out of the int64 range', HINT_NUM);
      nulls[r] = 1;
      out[r] = 0;
      continue;
    }
    out[r] = neg && v !== 0 ? -v : v;
  }
  return -1;
}

/** Integers into int64, exactly; a value outside the int64 range is a bad value. */
export function decodeBigInt(batch: RecordBatch, c: number, out: BigInt64Array, nulls: Uint8Array, ctx: DecodeContext): void {
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  // Write the two 32-bit halves straight into the int64 slots: no BigInt per value.
  const words = LITTLE_ENDIAN ? new Uint32Array(out.buffer, out.byteOffset, out.length * 2) : undefined;
  rows: for (let r = 0, n = batch.rows; r < n; r++) {
    let i = st[r];
    const e = en[r];
    let lo = 0;
    let hi = 0;
    if (i === e) {
      nulls[r] = 1;
    } else {
      nulls[r] = 0;
      const b0 = buf[i];
      const neg = b0 === 45;
      if (neg || b0 === 43) i++;
      let what = '';
      if (i === e) what = 'is not an integer';
      for (; i < e && !what; i++) {
        const d = buf[i] - 48;
        if (d < 0 || d > 9) { what = 'is not an integer'; break; }
        lo = lo * 10 + d; // < 2^36: exact
        const carry = Math.floor(lo / TWO32);
        lo -= carry * TWO32;
        hi = hi * 10 + carry;
        if (hi > 0x80000000) what = 'is out of the int64 range';
      }
      if (!what && hi === 0x80000000 && (!neg || lo !== 0)) what = 'is out of the int64 range';
      if (what) {
        reject(batch, c, r, ctx, what, HINT_NUM);
        nulls[r] = 1;
        if (words) { words[2 * r] = 0; words[2 * r + 1] = 0; } else out[r] = 0n;
        continue rows;
      }
      if (neg) {
        // two's complement of the 64-bit magnitude
        hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
        lo = lo === 0 ? 0 : TWO32 - lo;
      }
    }
    if (words) {
      words[2 * r] = lo;
      words[2 * r + 1] = hi;
    } else {
      out[r] = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    }
  }
}

/**
 * Exact decimals as scaled integers: with scale 2, "126" -> 12600, "35.79" -> 3579, "-3.5" -> -350.
 * More significant fraction digits than `scale` is a bad value (extra trailing zeros are fine:
 * "1.500" with scale 2 is 150, nothing is lost). |scaled value| must stay <= 2^53-1.
 */
export function decodeDecimal(batch: RecordBatch, c: number, scale: number, out: Float64Array, nulls: Uint8Array, ctx: DecodeContext): void {
  if (!Number.isInteger(scale) || scale < 0 || scale > 18) {
    throw new KindlingError('INTERNAL', `decodeDecimal: bad scale ${scale} for ${ctx.field}`);
  }
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  rows: for (let r = 0, n = batch.rows; r < n; r++) {
    let i = st[r];
    const e = en[r];
    if (i === e) { nulls[r] = 1; out[r] = 0; continue; }
    nulls[r] = 0;
    const b0 = buf[i];
    const neg = b0 === 45;
    if (neg || b0 === 43) i++;
    let v = 0;
    let digits = 0;
    let frac = -1; // fraction digits kept; -1 = no '.' yet
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d >= 0 && d <= 9) {
        digits++;
        if (frac >= 0) {
          if (frac === scale) {
            if (d === 0) continue;
            reject(batch, c, r, ctx, `has more than ${scale} fraction digits`, 'declare the column with a larger scale');
            nulls[r] = 1; out[r] = 0;
            continue rows;
          }
          frac++;
        }
        v = v * 10 + d;
      } else if (d === -2 && frac < 0) frac = 0; // '.'
      else { reject(batch, c, r, ctx, 'is not a number', HINT_NUM); nulls[r] = 1; out[r] = 0; continue rows; }
    }
    if (digits === 0) { reject(batch, c, r, ctx, 'is not a number', HINT_NUM); nulls[r] = 1; out[r] = 0; continue; }
    if (frac < scale) v *= POW10[frac < 0 ? scale : scale - frac];
    if (v > MAX_SAFE) { reject(batch, c, r, ctx, `is too large for an exact decimal with scale ${scale}`, HINT_NUM); nulls[r] = 1; out[r] = 0; continue; }
    out[r] = neg && v !== 0 ? -v : v;
  }
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Doubles, with exactly the result of Number(text). Plain decimals with a mantissa below 2^53 and
 * at most 22 fraction digits take the fast path m / 10^k: both are exact doubles and one IEEE
 * division rounds correctly, so the result is the correctly rounded value, as Number() gives.
 * Everything else (exponents, long mantissas) goes through Number() after a syntax check.
 */
export function decodeFloat(batch: RecordBatch, c: number, out: Float64Array, nulls: Uint8Array, ctx: DecodeContext): void {
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  for (let r = 0, rows = batch.rows; r < rows; r++) {
    const s = st[r];
    const e = en[r];
    if (s === e) { nulls[r] = 1; out[r] = 0; continue; }
    nulls[r] = 0;
    let i = s;
    const b0 = buf[i];
    const neg = b0 === 45;
    if (neg || b0 === 43) i++;
    let m = 0;
    let digits = 0;
    let frac = -1;
    let plain = true;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d >= 0 && d <= 9) {
        m = m * 10 + d;
        digits++;
        if (frac >= 0) frac++;
      } else if (d === -2 && frac < 0) frac = 0;
      else { plain = false; break; }
    }
    if (plain && digits > 0 && m <= MAX_SAFE && frac <= 22) {
      const x = frac > 0 ? m / POW10[frac] : m;
      out[r] = neg ? -x : x;
      continue;
    }
    const text = decoder.decode(buf.subarray(s, e));
    if (!FLOAT_RE.test(text)) { reject(batch, c, r, ctx, 'is not a number', HINT_NUM); nulls[r] = 1; out[r] = 0; continue; }
    out[r] = Number(text);
  }
}

const MS_DAY = 86400000;

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** n decimal digits at buf[i..i+n) as a number, or -1 if any is not a digit (or out of bounds). */
export function digitsAt(buf: Uint8Array, i: number, n: number, e: number): number {
  if (i + n > e) return -1;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = buf[i + k] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Parses one timestamp in buf[s..e) to epoch milliseconds, or NaN. Accepts
 * `YYYY-MM-DD[( |T)HH:MM[:SS[.fff…]]][ ][Z|UTC|GMT|±HH[:MM]|±HHMM]`; no zone means UTC.
 * Fraction digits beyond milliseconds are truncated.
 */
export function parseTimestamp(buf: Uint8Array, s: number, e: number): number {
  const y = digitsAt(buf, s, 4, e);
  const mo = digitsAt(buf, s + 5, 2, e);
  const d = digitsAt(buf, s + 8, 2, e);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || buf[s + 4] !== 45 || buf[s + 7] !== 45) return NaN;
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > MONTH_DAYS[mo] + (leap ? 1 : 0)) return NaN;
  let ms = daysFromCivil(y, mo, d) * MS_DAY;
  let i = s + 10;
  if (i === e) return ms;
  if (buf[i] !== 32 && buf[i] !== 84) return NaN; // ' ' or 'T'
  const hh = digitsAt(buf, i + 1, 2, e);
  const mi = digitsAt(buf, i + 4, 2, e);
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || buf[i + 3] !== 58) return NaN;
  ms += hh * 3600000 + mi * 60000;
  i += 6;
  if (i < e && buf[i] === 58) {
    const ss = digitsAt(buf, i + 1, 2, e);
    if (ss < 0 || ss > 59) return NaN;
    ms += ss * 1000;
    i += 3;
    if (i < e && buf[i] === 46) {
      i++;
      let k = 0;
      let f = 0;
      for (; i < e; i++, k++) {
        const dg = buf[i] - 48;
        if (dg < 0 || dg > 9) break;
        if (k < 3) f = f * 10 + dg;
      }
      if (k === 0) return NaN;
      ms += k >= 3 ? f : f * POW10[3 - k];
    }
  }
  if (i === e) return ms;
  if (buf[i] === 32) i++;
  const z = buf[i];
  if (e - i === 1 && z === 90) return ms; // Z
  if (e - i === 3 && ((z === 85 && buf[i + 1] === 84 && buf[i + 2] === 67) || (z === 71 && buf[i + 1] === 77 && buf[i + 2] === 84))) return ms; // UTC, GMT
  if (z === 43 || z === 45) {
    const oh = digitsAt(buf, i + 1, 2, e);
    if (oh < 0 || oh > 23) return NaN;
    let om = 0;
    const rest = e - i - 3;
    if (rest === 3 && buf[i + 3] === 58) om = digitsAt(buf, i + 4, 2, e);
    else if (rest === 2) om = digitsAt(buf, i + 3, 2, e);
    else if (rest !== 0) return NaN;
    if (om < 0 || om > 59) return NaN;
    const off = (oh * 60 + om) * 60000;
    return z === 43 ? ms - off : ms + off;
  }
  return NaN;
}

/** Timestamps to epoch milliseconds (see parseTimestamp for the accepted forms). */
export function decodeTimestamp(batch: RecordBatch, c: number, out: Float64Array, nulls: Uint8Array, ctx: DecodeContext): void {
  const buf = batch.buf;
  const st = batch.starts[c];
  const en = batch.ends[c];
  for (let r = 0, rows = batch.rows; r < rows; r++) {
    const s = st[r];
    const e = en[r];
    if (s === e) { nulls[r] = 1; out[r] = 0; continue; }
    nulls[r] = 0;
    const v = parseTimestamp(buf, s, e);
    if (v !== v) {
      reject(batch, c, r, ctx, 'is not a timestamp', 'expected e.g. 2019-10-01 00:00:00 UTC, 2019-10-01T00:00:00Z or 2019-10-01 00:00:00+02:00');
      nulls[r] = 1;
      out[r] = 0;
      continue;
    }
    out[r] = v;
  }
}
