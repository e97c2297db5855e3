/**
 * A SQL stage task, in a worker thread: read this task's inputs (its split of a table, its
 * partition of each exchange input), run the stage's fragment with the in-process operators
 * (exec/ops/execute.ts), and write the output: partitioned for the next stage (one file, the
 * partitions one after another, exec/ops/partition.ts and formats/batch-codec.ts), or a part file
 * of the job's table. Every attempt writes its own files; the scheduler picks the winner.
 *
 * Range exchange (a global sort): each upstream task sorts its output and writes it in chunks,
 * reporting the sort keys each chunk starts with. Every sort task derives the same partition
 * boundaries from all those samples (weighted quantiles), reads only the chunks that can hold
 * its key range, keeps the rows in [its lower boundary, its upper one) and sorts them, so the
 * part files in partition order are the sorted result.
 */
import { KindlingError } from '../common/errors.js';
import { decodeBlocks, encodeBatch } from '../formats/batch-codec.js';
import { encodeBatchParquet } from '../formats/parquet-batch.js';
import type { SortKey } from '../plan/logical/expr.js';
import type { TableSource } from '../plan/logical/plan.js';
import type { Partitioning } from '../plan/physical/stages.js';
import type { ExchangePart, SortedRun, StageInput, StageResult, StageTask } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';
import type { Schema } from '../types/schema.js';
import { vectorOf, valueAt, type Batch, type Scalar, type Vector } from '../types/vector.js';
import { compileExpr } from '../exec/expr/compile.js';
import { executeParts } from '../exec/ops/execute.js';
import { hashPartitions } from '../exec/ops/partition.js';
import { concatBatches, sliceBatch, takeBatch } from '../exec/ops/rows.js';
import { scanSplit, type BadRecordReport } from '../exec/ops/scan.js';
import { crossComparator, sortBatch } from '../exec/ops/sort.js';
import { encodeCsv, encodeJsonl } from '../exec/ops/write-text.js';

/** A range exchange's run is cut into about this many chunks (at least CHUNK_MIN_ROWS rows each). */
const CHUNKS_PER_RUN = 64;
const CHUNK_MIN_ROWS = 256;

/** Reads this task's rows of a declared table (tests: in-memory tables); default: its split from the store. */
export type SourceScan = (table: TableSource, columns: number[], task: StageTask) => Promise<Batch>;

export async function runStageTask(task: StageTask, source?: SourceScan): Promise<StageResult> {
  const t0 = Date.now();
  let inputRows = 0;
  let rejectedRows = 0;
  const rejects: string[] = [];
  const bad = task.badRecords === 'fail' ? 'fail' as const : {
    onBadRecord: 'skip' as const,
    onBad: (r: BadRecordReport) => {
      rejectedRows++;
      if (task.rejectsUri) rejects.push(rejectLine(r));
    },
  };
  async function* batches(table: TableSource, columns: number[]): AsyncGenerator<Batch> {
    if (table.exchange !== undefined) { yield* exchangeBatches(task, table, columns); return; }
    if (source) { yield await source(table, columns, task); return; }
    if (!task.split) return;
    for await (const b of scanSplit(storeFor(table.uri), table, task.split, columns, { bad })) {
      inputRows += b.length;
      yield b;
    }
  }
  const parts = await executeParts(task.plan, {
    batches,
    scan: async (table, columns) => {
      const schema = columns.map((c) => table.schema[c]);
      const parts: Batch[] = [];
      for await (const b of batches(table, columns)) parts.push(b);
      if (parts.length === 1) return parts[0];
      return columns.length === 0 ? { length: parts.reduce((s, b) => s + b.length, 0), columns: [] } : concatBatches(schema, parts);
    },
  });
  const out = await writeOutput(task, parts);
  if (rejects.length > 0 && task.rejectsUri) await storeFor(task.rejectsUri).write(task.rejectsUri, rejects.join(''));
  return {
    kind: 'stage', ...out, rows: parts.reduce((sum, b) => sum + b.length, 0),
    ...(task.split ? { inputRows, rejectedRows } : {}),
    ...(rejects.length > 0 && task.rejectsUri ? { rejectsUri: task.rejectsUri } : {}),
    ms: Date.now() - t0,
  };
}

/** A quarantined record as a JSON line, as the built-in analyses write them (README "Output"). */
function rejectLine(r: BadRecordReport): string {
  const record = r.record === undefined ? {} : r.record.length > 65536 ? { record: r.record.slice(0, 65536), truncated: true } : { record: r.record };
  return JSON.stringify({ file: r.file, offset: r.offset, line: r.line ?? null, ...(r.field ? { field: r.field } : {}), reason: r.reason, ...record }) + '\n';
}

/** An exchange leaf's rows for this task: each upstream part as a batch (a range exchange's as one). */
async function* exchangeBatches(task: StageTask, table: TableSource, columns: number[]): AsyncGenerator<Batch> {
  const input = task.inputs.find((i) => i.stage === table.exchange);
  if (!input) throw new KindlingError('INTERNAL', `task ${task.stage}/${task.partition} has no input from stage ${table.exchange}`);
  const types = table.schema.map((f) => f.type);
  const parts = input.kind === 'range' ? [await readRange(input, task.partition, table.schema)] : await fetchParts(input.stage, input.parts, types);
  const all = columns.length === table.schema.length && columns.every((c, i) => c === i);
  for (const b of parts) yield all ? b : { length: b.length, columns: columns.map((c) => b.columns[c]) };
}

/** Reads and decodes byte ranges of upstream outputs; outputs that are gone are named together (their tasks run again). */
async function fetchParts(stage: number, parts: ExchangePart[], types: Schema[number]['type'][]): Promise<Batch[]> {
  const lost: { part: ExchangePart; why: string }[] = [];
  const got = await Promise.all(parts.filter((p) => p.end > p.start).map(async (p) => {
    let bytes: Uint8Array;
    try {
      bytes = await storeFor(p.uri).readRange(p.uri, p.start, p.end);
    } catch (e) {
      if (e instanceof KindlingError && e.code === 'INPUT_NOT_FOUND') { lost.push({ part: p, why: 'it is gone' }); return undefined; }
      throw new KindlingError('SHUFFLE_FETCH', `cannot read exchange data ${p.uri} [${p.start}, ${p.end}): ${(e as Error).message}`, { retryable: true, cause: e });
    }
    if (bytes.byteLength !== p.end - p.start) { lost.push({ part: p, why: 'it is shorter than its task reported' }); return undefined; }
    try {
      return decodeBlocks(bytes, types, p.uri);
    } catch (e) {
      lost.push({ part: p, why: (e as Error).message });
      return undefined;
    }
  }));
  if (lost.length > 0) {
    throw new KindlingError('SHUFFLE_FETCH', `output of ${lost.length} task(s) of stage ${stage} is missing: ${lost.map((l) => `task ${l.part.task} (${l.part.uri}: ${l.why})`).join(', ')}`, {
      retryable: true,
      lost: lost.map((l) => ({ stage, map: l.part.task, uri: l.part.uri })),
      hint: 'the coordinator reruns those tasks, then this one',
    });
  }
  return got.flatMap((b) => b ?? []);
}

const sortKeys = (keys: SortKey[]) => keys.map((k) => ({ expr: compileExpr(k.expr), desc: k.desc, nullsFirst: k.nullsFirst }));

/** Partition p of a range exchange: the rows of every sorted run in [lower, upper) by the keys. */
async function readRange(input: StageInput, p: number, schema: Schema): Promise<Batch> {
  const keys = input.keys ?? [];
  const n = input.partitions ?? 1;
  const runs = input.runs ?? [];
  // Every chunk's first keys as one batch of sample rows (run r's chunk c at index base[r] + c).
  const base: number[] = [];
  const rows: Scalar[][] = [];
  const weights: number[] = [];
  for (const r of runs) {
    base.push(rows.length);
    r.samples.forEach((s, c) => { rows.push(s); weights.push(r.chunks[c].rows); });
  }
  const samples: Vector[] = keys.map((k, j) => vectorOf(k.expr.type, rows.map((r) => r[j])));
  const cmpSamples = crossComparator(keys, samples, samples);
  const order = rows.map((_, i) => i).sort((a, b) => cmpSamples(a, b) || a - b);
  // Boundary k (1..n-1): the first sample (in key order) at or past k/n of the rows; -1: past every row.
  const total = weights.reduce((s, w) => s + w, 0);
  const bounds: number[] = [];
  let seen = 0;
  for (const i of order) {
    while (bounds.length < n - 1 && seen >= ((bounds.length + 1) * total) / n) bounds.push(i);
    seen += weights[i];
  }
  while (bounds.length < n - 1) bounds.push(-1);
  const lo = p === 0 ? undefined : bounds[p - 1];
  const hi = p === n - 1 ? undefined : bounds[p];
  // Which chunks can hold keys in [lo, hi): chunk c holds keys from its first up to the next chunk's first.
  const below = (i: number, b: number | undefined) => b === undefined || b < 0 || cmpSamples(i, b) < 0;
  const parts: ExchangePart[] = [];
  runs.forEach((r: SortedRun, k) => r.chunks.forEach((c, j) => {
    const first = base[k] + j;
    if (lo === -1) return;
    const startsBelowHi = below(first, hi);
    const endsAtOrAboveLo = lo === undefined || j === r.chunks.length - 1 || !below(first + 1, lo);
    if (startsBelowHi && endsAtOrAboveLo) parts.push({ task: r.task, attempt: r.attempt, uri: r.uri, start: c.start, end: c.end });
  }));
  const b = concatBatches(schema, await fetchParts(input.stage, parts, schema.map((f) => f.type)));
  if (lo === undefined && hi === undefined) return b;
  const sk = sortKeys(keys);
  const kv = sk.map((k) => k.expr(b));
  const cmp = crossComparator(keys, kv, samples);
  const keep: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (lo !== undefined && cmp(i, lo) < 0) continue;
    if (hi !== undefined && hi >= 0 && cmp(i, hi) >= 0) continue;
    keep.push(i);
  }
  return keep.length === b.length ? b : takeBatch(b, keep);
}

/** Writes the task's result (parts whose concatenation is its rows: executeParts). */
async function writeOutput(task: StageTask, parts: Batch[]): Promise<Pick<StageResult, 'uri' | 'bytes' | 'offsets' | 'chunks' | 'samples'>> {
  const o = task.output;
  const store = storeFor(o.uri);
  const whole = () => (parts.length === 1 ? parts[0] : concatBatches(task.plan.schema, parts));
  if (o.kind === 'table') {
    const schema = task.plan.schema;
    const bytes = o.format === 'csv' ? encodeCsv(schema, whole()) : o.format === 'jsonl' ? encodeJsonl(schema, whole()) : await encodeBatchParquet(schema, parts, o.compression);
    await store.write(o.uri, bytes);
    return { uri: o.uri, bytes: bytes.length };
  }
  const blocks: Uint8Array[] = [];
  let extra: Pick<StageResult, 'chunks' | 'samples' | 'offsets'>;
  if (o.partitioning.kind === 'range') {
    const r = sortedRun(o.partitioning, whole());
    blocks.push(...r.blocks);
    let at = 0;
    extra = { chunks: r.blocks.map((x, c) => ({ start: at, end: (at += x.length), rows: r.rows[c] })), samples: r.samples };
  } else {
    const offsets = [0];
    for (const bs of partitioned(o.partitioning, parts)) {
      blocks.push(...bs);
      offsets.push(bs.reduce((at, x) => at + x.length, offsets[offsets.length - 1]));
    }
    extra = { offsets };
  }
  const data = Buffer.concat(blocks);
  await store.write(o.uri, data);
  return { uri: o.uri, bytes: data.length, ...extra };
}

/**
 * Each partition's blocks, one per part that has rows in it (at least one: an empty partition
 * is an empty block), the rows gathered straight into their encoding.
 */
function partitioned(p: Exclude<Partitioning, { kind: 'range' }>, parts: Batch[]): Uint8Array[][] {
  const n = p.kind === 'hash' ? p.partitions : 1;
  const keys = p.kind === 'hash' ? p.keys.map((k) => compileExpr(k)) : [];
  const rows = parts.map((b) => (p.kind === 'hash' ? hashPartitions(keys.map((f) => f(b)), b.length, n) : [undefined]));
  return Array.from({ length: n }, (_, q) => {
    const blocks = parts.flatMap((b, j) => (rows[j][q]?.length === 0 ? [] : [encodeBatch(b, rows[j][q])]));
    return blocks.length === 0 ? [encodeBatch(parts[0], new Int32Array(0))] : blocks;
  });
}

/** The batch sorted by the keys, in chunks, with each chunk's first keys. */
function sortedRun(p: Extract<Partitioning, { kind: 'range' }>, b: Batch): { blocks: Uint8Array[]; rows: number[]; samples: Scalar[][] } {
  const sk = sortKeys(p.keys);
  const sorted = sortBatch(sk, b);
  const size = Math.max(CHUNK_MIN_ROWS, Math.ceil(sorted.length / CHUNKS_PER_RUN));
  const kv = sk.map((k) => k.expr(sorted));
  const blocks: Uint8Array[] = [];
  const rows: number[] = [];
  const samples: Scalar[][] = [];
  for (let at = 0; at < sorted.length; at += size) {
    const end = Math.min(sorted.length, at + size);
    blocks.push(encodeBatch(sliceBatch(sorted, at, end)));
    rows.push(end - at);
    samples.push(kv.map((v) => valueAt(v, at)));
  }
  return { blocks, rows, samples };
}
