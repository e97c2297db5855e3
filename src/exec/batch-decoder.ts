/**
 * Decodes the projected fields of a CSV record batch into column vectors, reusing its typed
 * arrays from batch to batch. String columns get one ByteDictionary each for the whole task.
 *
 * Bad values (a number or timestamp that does not parse, bytes that are not UTF-8, a value
 * outside a column's allowed `values`) throw INPUT_BAD_RECORD, or, with `collectBad`, are listed
 * in `bad` and their rows removed from the columns. A batch without bad values costs nothing
 * extra: the decoders report only on their failure branch, dictionary values are checked once
 * when first seen, and rows are scanned for bad ids only when a bad id or a null in a column
 * with allowed values exists.
 */
import { KindlingError } from '../common/errors.js';
import type { InputColumn } from '../plan/logical.js';
import type { RecordBatch } from '../formats/csv/types.js';
import { ByteDictionary } from '../formats/csv/dictionary.js';
import { decodeDecimal, decodeFloat, decodeInt, decodeTimestamp, type BadValueSink, type DecodeContext } from '../formats/csv/decode.js';
import type { Columns, Vec } from './vector.js';

const ID_OK = 0;
const ID_NOT_UTF8 = 1;
const ID_NOT_ALLOWED = 2;

interface Slot {
  col: InputColumn;
  index: number; // position in the batch's projected columns
  ctx: DecodeContext;
  dict?: ByteDictionary;
  /** Per dictionary id: ID_OK, ID_NOT_UTF8 or ID_NOT_ALLOWED; ids below `checked` are classified. */
  idState: Uint8Array;
  checked: number;
  badIds: number;
  allowed?: Set<string>;
  ids: Int32Array;
  values: Float64Array;
  nulls: Uint8Array;
}

/** A bad row of the last batch: its index in the batch and why. */
export interface BadRow {
  row: number;
  reason: string;
  field: string;
}

class Sink implements BadValueSink {
  rows: number[] = [];
  reasons: string[] = [];
  fields: string[] = [];
  field = '';
  add(row: number, reason: string): void {
    this.rows.push(row);
    this.reasons.push(reason);
    this.fields.push(this.field);
  }
  clear(): void {
    this.rows.length = 0;
    this.reasons.length = 0;
    this.fields.length = 0;
  }
}

export class BatchDecoder {
  private slots: Slot[];
  private readonly file: string;
  private readonly sink: Sink | undefined;
  private mask = new Uint8Array(0);
  /** With collectBad: the bad rows of the last batch, by row (first reason per row), removed from its columns. */
  bad: BadRow[] = [];
  /** The rows left in the columns of the last batch. */
  rows = 0;

  constructor(columns: InputColumn[], file: string, opts: { collectBad?: boolean } = {}) {
    this.file = file;
    this.sink = opts.collectBad ? new Sink() : undefined;
    this.slots = columns.map((col, index) => ({
      col,
      index,
      ctx: { file, field: col.name, bad: this.sink },
      dict: col.type === 'string' ? new ByteDictionary() : undefined,
      idState: new Uint8Array(16),
      checked: 0,
      badIds: 0,
      allowed: col.values ? new Set(col.values) : undefined,
      ids: new Int32Array(0),
      values: new Float64Array(0),
      nulls: new Uint8Array(0),
    }));
  }

  dictionary(name: string): ByteDictionary | undefined {
    return this.slots.find((s) => s.col.name === name)?.dict;
  }

  decode(batch: RecordBatch): Columns {
    const rows = batch.rows;
    const out: Columns = new Map();
    const sink = this.sink;
    if (sink && sink.rows.length > 0) sink.clear();
    if (this.bad.length > 0) this.bad = [];
    for (const s of this.slots) {
      const ctx = s.ctx;
      if (sink) sink.field = s.col.name;
      if (s.dict) {
        if (s.ids.length < rows) s.ids = new Int32Array(grow(rows));
        const nulls = s.dict.encode(batch, s.index, s.ids);
        if (s.dict.size > s.checked) this.classify(s);
        if (s.badIds > 0 || (nulls > 0 && s.allowed)) this.badIds(batch, s, rows);
        out.set(s.col.name, { kind: 'dict', ids: s.ids, dict: s.dict });
        continue;
      }
      if (s.values.length < rows) {
        s.values = new Float64Array(grow(rows));
        s.nulls = new Uint8Array(grow(rows));
      }
      let scale = 0;
      switch (s.col.type) {
        case 'int64': {
          const big = decodeInt(batch, s.index, s.values, s.nulls, ctx);
          if (big >= 0) {
            throw new KindlingError('INPUT_BAD_RECORD', `${s.col.name}: an int64 value above 2^53 cannot be used as a key or value yet`, {
              place: { file: this.file, offset: batch.baseOffset + batch.recordStarts[big], field: s.col.name },
              hint: 'kindling keeps such values exact in storage but does not aggregate on them yet',
            });
          }
          break;
        }
        case 'decimal':
          scale = s.col.scale ?? 2;
          decodeDecimal(batch, s.index, scale, s.values, s.nulls, ctx);
          break;
        case 'float64':
          decodeFloat(batch, s.index, s.values, s.nulls, ctx);
          break;
        case 'timestamp':
          decodeTimestamp(batch, s.index, s.values, s.nulls, ctx);
          break;
      }
      const vec: Vec = { kind: 'num', values: s.values, nulls: s.nulls, scale };
      out.set(s.col.name, vec);
    }
    this.rows = rows;
    if (sink && sink.rows.length > 0) this.drop(rows);
    return out;
  }

  /** Classifies the dictionary ids first seen in the last batch (not hot: once per distinct value). */
  private classify(s: Slot): void {
    const dict = s.dict!;
    if (s.idState.length < dict.size) {
      const a = new Uint8Array(grow(dict.size));
      a.set(s.idState);
      s.idState = a;
    }
    for (let id = s.checked; id < dict.size; id++) {
      const state = dict.invalidUtf8(id) ? ID_NOT_UTF8 : s.allowed && !s.allowed.has(dict.values[id]) ? ID_NOT_ALLOWED : ID_OK;
      s.idState[id] = state;
      if (state !== ID_OK) s.badIds++;
    }
    s.checked = dict.size;
  }

  /** Reports the rows of a string column whose id is bad, or null where values are required (not hot). */
  private badIds(batch: RecordBatch, s: Slot, rows: number): void {
    const ids = s.ids;
    const state = s.idState;
    const dict = s.dict!;
    const allowed = s.allowed;
    for (let r = 0; r < rows; r++) {
      const id = ids[r];
      let reason: string | undefined;
      let hint = '';
      if (id < 0) {
        if (!allowed) continue;
        reason = `${s.col.name}: is empty, expected one of ${[...allowed].join(', ')}`;
        hint = 'fix the value';
      } else if (state[id] === ID_OK) continue;
      else if (state[id] === ID_NOT_UTF8) {
        reason = `${s.col.name}: ${JSON.stringify(dict.values[id].slice(0, 120))} is not valid UTF-8`;
        hint = 'the input must be UTF-8; convert the file (e.g. iconv -f latin1 -t utf-8)';
      } else {
        reason = `${s.col.name}: ${JSON.stringify(dict.values[id].slice(0, 120))} is not one of ${[...allowed!].join(', ')}`;
        hint = 'fix the value';
      }
      if (!this.sink) {
        throw new KindlingError('INPUT_BAD_RECORD', reason, {
          place: { file: this.file, offset: batch.baseOffset + batch.recordStarts[r], field: s.col.name },
          hint,
        });
      }
      this.sink.add(r, reason);
    }
  }

  /** Removes the sink's rows from every column, in place; fills `bad` (not hot: only batches with bad rows). */
  private drop(rows: number): void {
    const sink = this.sink!;
    if (this.mask.length < rows) this.mask = new Uint8Array(grow(rows));
    const mask = this.mask;
    const first = new Map<number, number>();
    sink.rows.forEach((r, k) => {
      mask[r] = 1;
      if (!first.has(r)) first.set(r, k);
    });
    this.bad = [...first].sort((a, b) => a[0] - b[0]).map(([row, k]) => ({ row, reason: sink.reasons[k], field: sink.fields[k] }));
    let kept = 0;
    for (const s of this.slots) {
      const a = s.dict ? s.ids : s.values;
      const nulls = s.dict ? undefined : s.nulls;
      let w = 0;
      for (let r = 0; r < rows; r++) {
        if (mask[r]) continue;
        a[w] = a[r];
        if (nulls) nulls[w] = nulls[r];
        w++;
      }
      kept = w;
    }
    if (this.slots.length === 0) kept = rows - first.size;
    mask.fill(0, 0, rows);
    this.rows = kept;
  }
}

function grow(n: number): number {
  let c = 1024;
  while (c < n) c *= 2;
  return c;
}
