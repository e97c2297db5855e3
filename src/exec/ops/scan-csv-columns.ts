/**
 * One CSV column of a table scan: the projected field of each record of a RecordBatch into a
 * Vector of the column's type, in types/vector.ts's forms (BIGINT, DECIMAL and TIMESTAMP as exact
 * doubles while every value of the batch is within 2^53, else BigInt64Array / bigint[]).
 *
 * Every type takes a fast pass over the bytes (formats/csv/decode.ts, decode-more.ts) that
 * rejects what it does not read into a per-column sink; those rows alone get a second, lenient
 * reading (decode-more.ts slowValue), and what that cannot read either is a bad value, returned
 * to the caller with its reason. A field equal to the table's nullValue is NULL; with the default
 * nullValue '' an empty field is NULL (a quoted "" too), with another one an empty VARCHAR field
 * is '' and an empty field of another type is still NULL.
 */
import type { Field } from '../../types/schema.js';
import { typeName, type DataType } from '../../types/datatype.js';
import { allocate, bigForm, dictStrings, dictVector, type IntervalValues, type Scalar, type StringDict, type Vector, type VectorValues } from '../../types/vector.js';
import type { RecordBatch } from '../../formats/csv/types.js';
import { decodeBigInt, decodeDecimal, decodeFloat, decodeInt, type BadValueSink, type DecodeContext } from '../../formats/csv/decode.js';
import { decodeBool, decodeDate, decodeInt32, decodeTimestampMicros, slowValue, TYPE_HINTS } from '../../formats/csv/decode-more.js';
import { ByteDictionary, fieldText } from '../../formats/csv/dictionary.js';
import { parseInterval } from '../../types/interval-text.js';
import type { TimestampFormat } from '../../formats/csv/timestamp-format.js';

/** A value of a batch that does not read as its column's type. */
export interface BadValue {
  row: number;
  field: string;
  reason: string;
  hint: string;
}

class Sink implements BadValueSink {
  rows: number[] = [];
  reasons: string[] = [];
  add(row: number, reason: string): void {
    this.rows.push(row);
    this.reasons.push(reason);
  }
  clear(): void {
    this.rows.length = 0;
    this.reasons.length = 0;
  }
}

/** A dictionary over more distinct values than this starts again (a unique-id column would otherwise keep every value of the split). */
const MAX_DICT = 1 << 18;
const decoder = new TextDecoder('utf-8');

export class CsvColumn {
  private readonly type: DataType;
  private readonly sink = new Sink();
  private readonly ctx: DecodeContext;
  private dict: ByteDictionary | undefined;

  constructor(
    private readonly field: Field,
    /** The column's position among the batch's projected fields. */
    private readonly slot: number,
    file: string,
    /** The nullValue's bytes when it is not empty. */
    private readonly nullBytes: Uint8Array | undefined,
    private readonly tsFormat: TimestampFormat | undefined,
  ) {
    this.type = field.type;
    this.ctx = { file, field: field.name, bad: this.sink };
    if (this.type.id === 'VARCHAR') this.dict = new ByteDictionary();
  }

  /** The column of the batch; bad values are appended to `bad` (their slots are NULL). */
  read(batch: RecordBatch, bad: BadValue[]): Vector {
    const n = batch.rows;
    const k = this.slot;
    const t = this.type;
    const ctx = this.ctx;
    const sink = this.sink;
    sink.clear();
    const nulls = new Uint8Array(n);
    const isNullText = this.nullBytes ? this.markNullText(batch) : undefined;
    let values: VectorValues | undefined;
    switch (t.id) {
      case 'BOOLEAN': decodeBool(batch, k, (values = new Uint8Array(n)), nulls, ctx); break;
      case 'INTEGER': decodeInt32(batch, k, (values = new Int32Array(n)), nulls, ctx); break;
      case 'DATE': decodeDate(batch, k, (values = new Int32Array(n)), nulls, ctx); break;
      case 'DOUBLE': decodeFloat(batch, k, (values = new Float64Array(n)), nulls, ctx); break;
      case 'BIGINT': {
        const f = new Float64Array(n);
        values = f;
        if (decodeInt(batch, k, f, nulls, ctx) >= 0) {
          sink.clear(); // decodeBigInt reads the whole batch again, rejections included
          decodeBigInt(batch, k, (values = new BigInt64Array(n)), nulls, ctx);
        }
        break;
      }
      case 'DECIMAL': values = this.decimal(batch, nulls); break;
      case 'TIMESTAMP':
        if (this.tsFormat) values = this.formatted(batch, nulls, bad);
        else decodeTimestampMicros(batch, k, (values = new Float64Array(n)), nulls, ctx);
        break;
      case 'INTERVAL': values = this.interval(batch, nulls, bad); break;
      case 'VARCHAR': values = this.strings(batch, nulls, isNullText, bad); break;
    }
    // The second reading of the rejected rows.
    for (let j = 0; j < sink.rows.length; j++) {
      const r = sink.rows[j];
      const v = slowValue(batch, k, r, t);
      if (v === undefined || v === null) {
        nulls[r] = 1;
        bad.push({ row: r, field: this.field.name, reason: sink.reasons[j], hint: TYPE_HINTS[t.id] });
      } else {
        values = put(t, values!, r, v); // no VARCHAR value is rejected here: strings() reports its own
        nulls[r] = 0;
      }
    }
    const anyNull = nulls.indexOf(1) >= 0;
    // Strings by their dictionary (strings() returned none): the values only if an operator reads them.
    if (values === undefined) return dictVector(t, n, this.lastDict!, anyNull ? nulls : undefined);
    return anyNull ? { type: t, length: n, values, nulls } : { type: t, length: n, values };
  }

  /** Fields that spell the nullValue become empty (so every decoder reads NULL); returns which. */
  private markNullText(batch: RecordBatch): Uint8Array {
    const nb = this.nullBytes!;
    const buf = batch.buf;
    const st = batch.starts[this.slot];
    const en = batch.ends[this.slot];
    const marks = new Uint8Array(batch.rows);
    rows: for (let r = 0; r < batch.rows; r++) {
      const s = st[r];
      if (en[r] - s !== nb.length) continue;
      for (let i = 0; i < nb.length; i++) if (buf[s + i] !== nb[i]) continue rows;
      marks[r] = 1;
      en[r] = s;
    }
    return marks;
  }

  private decimal(batch: RecordBatch, nulls: Uint8Array): VectorValues {
    const t = this.type as { id: 'DECIMAL'; precision: number; scale: number };
    const n = batch.rows;
    const f = new Float64Array(n);
    if (t.scale > 18) {
      // Beyond decodeDecimal's scales: every value takes the exact (bigint) reading.
      for (let r = 0; r < n; r++) {
        if (batch.starts[this.slot][r] === batch.ends[this.slot][r]) nulls[r] = 1;
        else this.sink.add(r, `${this.field.name}: "${fieldText(batch, this.slot, r).slice(0, 120)}" is not a ${typeName(t)}`);
      }
      return f;
    }
    decodeDecimal(batch, this.slot, t.scale, f, nulls, this.ctx);
    if (t.precision <= 15) {
      // decodeDecimal bounds values by 2^53 only; the precision bounds them by 10^p.
      const max = 10 ** t.precision;
      for (let r = beyond(f, n, max, 0); r >= 0; r = beyond(f, n, max, r + 1)) {
        this.sink.add(r, `${this.field.name}: "${fieldText(batch, this.slot, r).slice(0, 120)}" is out of the range of ${typeName(t)}`);
        nulls[r] = 1;
        f[r] = 0;
      }
    }
    return f;
  }

  private formatted(batch: RecordBatch, nulls: Uint8Array, bad: BadValue[]): VectorValues {
    let values: VectorValues = new Float64Array(batch.rows);
    const st = batch.starts[this.slot];
    const en = batch.ends[this.slot];
    for (let r = 0; r < batch.rows; r++) {
      if (st[r] === en[r]) { nulls[r] = 1; continue; }
      const v = this.tsFormat!.parse(batch.buf, st[r], en[r]);
      if (v !== undefined) { values = put(this.type, values, r, v); continue; }
      nulls[r] = 1;
      bad.push({ row: r, field: this.field.name, reason: `${this.field.name}: "${text(batch, this.slot, r)}" does not match the timestamp format ${JSON.stringify(this.tsFormat!.format)}`, hint: 'fix the value or the table\'s timestampFormat' });
    }
    return values;
  }

  private interval(batch: RecordBatch, nulls: Uint8Array, bad: BadValue[]): VectorValues {
    const iv = allocate(this.type, batch.rows) as IntervalValues;
    for (let r = 0; r < batch.rows; r++) {
      if (batch.starts[this.slot][r] === batch.ends[this.slot][r]) { nulls[r] = 1; continue; }
      const v = parseInterval(fieldText(batch, this.slot, r));
      if (v) { iv.months[r] = v.months; iv.days[r] = v.days; iv.micros[r] = v.micros; continue; }
      nulls[r] = 1;
      bad.push({ row: r, field: this.field.name, reason: `${this.field.name}: "${text(batch, this.slot, r)}" is not an INTERVAL`, hint: TYPE_HINTS.INTERVAL });
    }
    return iv;
  }

  /** Per dictionary id: 1 allowed, 2 not, 0 not yet seen (a column with declared values). */
  private allowedIds = new Uint8Array(0);
  private allowedFor: string[] | undefined;

  /** A column with declared values: any other value, and NULL, is a bad value. */
  private checkAllowed(ids: Int32Array, nulls: Uint8Array, strs: string[], bad: BadValue[]): void {
    const values = this.field.values!;
    const allowed = new Set(values);
    if (this.allowedFor !== strs) { this.allowedFor = strs; this.allowedIds = new Uint8Array(0); }
    if (this.allowedIds.length < strs.length) {
      const grown = new Uint8Array(Math.max(strs.length, 2 * this.allowedIds.length));
      grown.set(this.allowedIds);
      this.allowedIds = grown;
    }
    const seen = this.allowedIds;
    const name = this.field.name;
    const list = values.map((v) => JSON.stringify(v)).join(', ');
    const hint = `the table's schema allows only these values in ${name} (spec.tables.<table>.schema[].values)`;
    for (let r = 0; r < ids.length; r++) {
      if (nulls[r]) {
        bad.push({ row: r, field: name, reason: `${name}: is empty, expected one of ${list}`, hint });
        continue;
      }
      const id = ids[r];
      if (id < 0) {
        // An empty field that is not NULL (another nullValue is declared): the empty string.
        if (!allowed.has('')) { nulls[r] = 1; bad.push({ row: r, field: name, reason: `${name}: "" is not one of ${list}`, hint }); }
        continue;
      }
      if (seen[id] === 0) seen[id] = allowed.has(strs[id]) ? 1 : 2;
      if (seen[id] === 2) {
        nulls[r] = 1;
        bad.push({ row: r, field: name, reason: `${name}: ${JSON.stringify(strs[id].slice(0, 120))} is not one of ${list}`, hint });
      }
    }
  }

  /** The dictionary ids of the last strings() batch, when every non-NULL row has one. */
  private lastDict: StringDict | undefined;

  /** The batch's strings, undefined when the dictionary ids give every row's (read() makes a dictVector then). */
  private strings(batch: RecordBatch, nulls: Uint8Array, isNullText: Uint8Array | undefined, bad: BadValue[]): string[] | undefined {
    const n = batch.rows;
    if (this.dict!.size > MAX_DICT) this.dict = new ByteDictionary();
    const dict = this.dict!;
    const ids = new Int32Array(n);
    dict.encode(batch, this.slot, ids);
    const strs = dict.values;
    let idless = false;
    for (let r = 0; r < n; r++) {
      if (ids[r] >= 0) continue;
      // Empty: NULL under the default nullValue '', else only where the field spelled the nullValue.
      if (!isNullText || isNullText[r]) nulls[r] = 1;
      else idless = true;
    }
    // Invalid UTF-8 may decode two byte strings to one string: no dictionary then.
    this.lastDict = idless || dict.invalidCount > 0 ? undefined : { ids, strings: strs };
    if (this.field.values) this.checkAllowed(ids, nulls, strs, bad);
    if (dict.invalidCount > 0) {
      for (let r = 0; r < n; r++) {
        if (ids[r] >= 0 && dict.invalidUtf8(ids[r])) {
          nulls[r] = 1;
          bad.push({ row: r, field: this.field.name, reason: `${this.field.name}: ${JSON.stringify(strs[ids[r]].slice(0, 120))} is not valid UTF-8`, hint: TYPE_HINTS.VARCHAR });
        }
      }
    }
    return this.lastDict ? undefined : dictStrings({ ids, strings: strs }, n);
  }
}

/** The first row from `from` whose value is at least max in magnitude, or -1. */
function beyond(f: Float64Array, n: number, max: number, from: number): number {
  for (let r = from; r < n; r++) if (f[r] >= max || f[r] <= -max) return r;
  return -1;
}

function text(batch: RecordBatch, c: number, r: number): string {
  const s = batch.starts[c][r];
  const e = batch.ends[c][r];
  return decoder.decode(batch.buf.subarray(s, Math.min(e, s + 120))) + (e > s + 120 ? '…' : '');
}

/** Sets row r of an integral or other column to v, moving the column to its bigint form when v needs it. */
function put(t: DataType, values: VectorValues, r: number, v: Scalar): VectorValues {
  if (typeof v === 'bigint' && values instanceof Float64Array) {
    const big = bigForm(t, values.length);
    for (let i = 0; i < values.length; i++) big[i] = BigInt(values[i]);
    values = big;
  }
  if (values instanceof BigInt64Array || (Array.isArray(values) && t.id !== 'VARCHAR')) (values as bigint[])[r] = BigInt(v as number | bigint);
  else if (t.id === 'BOOLEAN') (values as Uint8Array)[r] = v === true ? 1 : 0;
  else if (t.id === 'INTERVAL') {
    const iv = values as IntervalValues;
    const x = v as { months: number; days: number; micros: number };
    iv.months[r] = x.months; iv.days[r] = x.days; iv.micros[r] = x.micros;
  } else (values as Float64Array | Int32Array)[r] = Number(v);
  return values;
}
