/**
 * Decodes the projected fields of a CSV record batch into column vectors, reusing its typed
 * arrays from batch to batch. String columns get one ByteDictionary each for the whole task.
 */
import { KindlingError } from '../common/errors.js';
import type { InputColumn } from '../plan/logical.js';
import type { RecordBatch } from '../formats/csv/types.js';
import { ByteDictionary } from '../formats/csv/dictionary.js';
import { decodeDecimal, decodeFloat, decodeInt, decodeTimestamp } from '../formats/csv/decode.js';
import type { Columns, Vec } from './vector.js';

interface Slot {
  col: InputColumn;
  index: number; // position in the batch's projected columns
  dict?: ByteDictionary;
  ids: Int32Array;
  values: Float64Array;
  nulls: Uint8Array;
}

export class BatchDecoder {
  private slots: Slot[];
  private readonly file: string;

  constructor(columns: InputColumn[], file: string) {
    this.file = file;
    this.slots = columns.map((col, index) => ({
      col,
      index,
      dict: col.type === 'string' ? new ByteDictionary() : undefined,
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
    for (const s of this.slots) {
      const ctx = { file: this.file, field: s.col.name };
      if (s.dict) {
        if (s.ids.length < rows) s.ids = new Int32Array(grow(rows));
        s.dict.encode(batch, s.index, s.ids);
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
    return out;
  }
}

function grow(n: number): number {
  let c = 1024;
  while (c < n) c *= 2;
  return c;
}
