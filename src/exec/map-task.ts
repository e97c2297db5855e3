/** The map task: read a split -> decode -> filter -> derive -> partial aggregate -> shuffle write. */
import { KindlingError } from '../common/errors.js';
import type { BadRecord } from '../formats/csv/types.js';
import { readCsvSplit } from '../formats/csv/split-reader.js';
import { neededColumns, type AggregateQuery } from '../plan/logical.js';
import type { MapResult, MapTask } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';
import { Aggregator, type AggInput } from './aggregate.js';
import { BatchDecoder } from './batch-decoder.js';
import { buildBlocks, partitionOf, writeShuffle } from './shuffle-write.js';
import { asMask, evaluate, keyValues, type Columns } from './vector.js';

export async function runMapTask(task: MapTask): Promise<MapResult> {
  const t0 = Date.now();
  const q = task.query;
  const names = neededColumns(q);
  const schemaIndex = new Map(q.schema.map((c, i) => [c.name, i]));
  const project = names.map((n) => schemaIndex.get(n)!);
  const decoder = new BatchDecoder(names.map((n) => q.schema[schemaIndex.get(n)!]), task.split.uri);
  const agg = new Aggregator(q.groupBy.length, q.aggregates);
  const keyBufs = q.groupBy.map(() => new Float64Array(0));
  const store = storeFor(task.split.uri);
  const reader = readCsvSplit(store, task.split, {
    columns: q.schema.length,
    project,
    expectHeader: q.schema.map((c) => c.name),
    // Small reads and batches keep a batch's bytes, offsets and columns in the CPU caches:
    // measured on 2 cores, 1 MiB / 8K rows beat 4 MiB / 64K rows by 10-20% with two workers.
    chunkSize: 1 << 20,
    batchRows: 8192,
  });
  // Aggregates often share a condition (views and viewers: event_type = 'view'): evaluate each once per batch.
  const whereKeys = q.aggregates.map((a) => (a.where ? JSON.stringify(a.where) : ''));
  let records = 0;
  for (;;) {
    const next = await reader.next();
    if (next.done) {
      const summary = next.value;
      const dicts = q.groupBy.map((k) => decoder.dictionary(k));
      const partKeys = (q.partitionBy ?? q.groupBy).map((k) => q.groupBy.indexOf(k));
      const part = partitionOf(agg, dicts, partKeys, task.partitions);
      const blocks = buildBlocks(agg, dicts, part, task.partitions);
      const out = await writeShuffle(storeFor(task.shuffleBase), task.shuffleBase, blocks);
      return {
        kind: 'map',
        dataUri: out.dataUri,
        indexUri: out.indexUri,
        offsets: out.offsets,
        shuffleBytes: out.bytes,
        records,
        bytesRead: summary.endOffset - summary.firstRecordOffset,
        groups: agg.groups,
        firstRecordOffset: summary.firstRecordOffset,
        endOffset: summary.endOffset,
        ms: Date.now() - t0,
      };
    }
    const { batch, bad } = next.value;
    if (bad.length > 0) throw badRecordError(task.split.uri, bad[0]);
    records += batch.rows;
    if (batch.rows === 0) continue;
    let cols = decoder.decode(batch);
    let rows = batch.rows;
    if (q.filter) [cols, rows] = select(cols, asMask(evaluate(q.filter, cols, rows), rows), rows);
    for (const d of q.derive) cols.set(d.name, evaluate(d.expr, cols, rows));
    const keys = q.groupBy.map((k, c) => {
      const v = cols.get(k)!;
      if (keyBufs[c].length < rows) keyBufs[c] = new Float64Array(Math.max(rows, 1024));
      return keyValues(v, rows, keyBufs[c]);
    });
    agg.update(keys, rows, aggInputs(q, whereKeys, cols, rows));
  }
}

function aggInputs(q: AggregateQuery, whereKeys: string[], cols: Columns, rows: number): AggInput[] {
  const masks = new Map<string, Uint8Array>();
  return q.aggregates.map((a, j) => {
    let mask: Uint8Array | null = null;
    if (a.where) {
      const key = whereKeys[j];
      mask = masks.get(key) ?? asMask(evaluate(a.where, cols, rows), rows);
      masks.set(key, mask);
    }
    if (a.fn === 'count') return { values: null, nulls: null, mask };
    const v = cols.get(a.column)!;
    if (v.kind !== 'num') throw new Error(`${a.fn}(${a.column}) needs a numeric column`);
    return { values: v.values, nulls: v.nulls, mask };
  });
}

/** Keeps the rows whose mask is 1 (a filter). */
function select(cols: Columns, mask: Uint8Array, rows: number): [Columns, number] {
  const idx: number[] = [];
  for (let i = 0; i < rows; i++) if (mask[i]) idx.push(i);
  const out: Columns = new Map();
  for (const [name, v] of cols) {
    if (v.kind === 'dict') out.set(name, { kind: 'dict', dict: v.dict, ids: Int32Array.from(idx, (i) => v.ids[i]) });
    else if (v.kind === 'num') out.set(name, { kind: 'num', scale: v.scale, values: Float64Array.from(idx, (i) => v.values[i]), nulls: Uint8Array.from(idx, (i) => v.nulls[i]) });
    else if (v.kind === 'bool') out.set(name, { kind: 'bool', mask: Uint8Array.from(idx, (i) => v.mask[i]) });
    else out.set(name, v);
  }
  return [out, idx.length];
}

function badRecordError(file: string, b: BadRecord): KindlingError {
  return new KindlingError('INPUT_BAD_RECORD', `bad record: ${b.reason}: ${JSON.stringify(b.record.slice(0, 120))}`, {
    place: { file, offset: b.offset },
    hint: 'fix or remove the record (skipping bad records arrives with input.onBadRecord)',
  });
}
