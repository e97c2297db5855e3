/** The reduce task: fetch partition p of every map output -> merge -> finalize -> Parquet part file. */
import { KindlingError } from '../common/errors.js';
import { decodeBlock, type ShuffleBlock } from '../formats/shuffle-codec.js';
import { encodeParquet } from '../formats/parquet.js';
import type { ReduceResult, ReduceTask } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';
import { Aggregator } from './aggregate.js';
import { finalize } from './finalize.js';

type Input = ReduceTask['inputs'][number];

/** A map output that is gone (deleted, or shorter than its index says): its map task must run again. */
class Lost extends Error {
  constructor(readonly input: Input, why: string) {
    super(why);
  }
}

async function fetchBlock(input: Input): Promise<ShuffleBlock> {
  let bytes: Uint8Array;
  try {
    bytes = await storeFor(input.uri).readRange(input.uri, input.start, input.end);
  } catch (e) {
    if (e instanceof KindlingError && e.code === 'INPUT_NOT_FOUND') throw new Lost(input, 'it is gone');
    throw new KindlingError('SHUFFLE_FETCH', `cannot read shuffle data ${input.uri} [${input.start}, ${input.end}): ${(e as Error).message}`, { retryable: true, cause: e });
  }
  if (bytes.byteLength !== input.end - input.start) throw new Lost(input, 'it is shorter than its index says');
  return decodeBlock(bytes, input.uri);
}

/**
 * Every block of this partition. Map outputs that are gone are named together in one
 * SHUFFLE_FETCH error (its `lost` list): the coordinator reruns those map tasks, then this
 * reduce task. Other read errors are plain retryable SHUFFLE_FETCH failures.
 */
async function fetchAll(inputs: Input[]): Promise<ShuffleBlock[]> {
  const settled = await Promise.allSettled(inputs.filter((i) => i.end > i.start).map(fetchBlock));
  const lost = settled.flatMap((r) => (r.status === 'rejected' && r.reason instanceof Lost ? [r.reason] : []));
  if (lost.length > 0) {
    const what = lost.map((l) => `map ${l.input.map} (${l.input.uri}: ${l.message})`).join(', ');
    throw new KindlingError('SHUFFLE_FETCH', `shuffle output of ${lost.length} map task(s) is missing: ${what}`, {
      retryable: true,
      lost: lost.map((l) => ({ map: l.input.map, uri: l.input.uri })),
      hint: 'the coordinator reruns those map tasks, then this reduce task',
    });
  }
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<ShuffleBlock>).value);
}

export async function runReduceTask(task: ReduceTask): Promise<ReduceResult> {
  const t0 = Date.now();
  const q = task.query;
  // Reduce-local dictionaries for string keys: block dictionaries are remapped into these.
  const dicts: ({ values: string[]; ids: Map<string, number> } | null)[] = q.groupBy.map(() => null);
  let keyBufs: Float64Array[] = [];
  const blocks = await fetchAll(task.inputs);
  // At most as many groups as incoming rows: size the table once (no rehash while merging).
  const agg = new Aggregator(q.groupBy.length, q.aggregates, Math.max(1024, blocks.reduce((n, b) => n + b.rows, 0)));
  // Size the distinct-pair sets once for everything that will arrive.
  agg.distinct.forEach((set, j) => {
    const d = agg.specs.slice(0, j).filter((a) => a.fn === 'countDistinct').length;
    set?.reserve(blocks.reduce((n, b) => n + b.distinct[d].rows.length, 0));
  });
  for (const block of blocks) {
    const rows = block.rows;
    if (keyBufs.length === 0 || keyBufs[0].length < rows) keyBufs = q.groupBy.map(() => new Float64Array(Math.max(rows, 1024)));
    const keys = block.keys.map((k, c) => {
      if (k.kind === 'num') return k.values;
      const d = (dicts[c] ??= { values: [] as string[], ids: new Map<string, number>() });
      const remap = k.dict.map((s) => {
        let id = d.ids.get(s);
        if (id === undefined) {
          id = d.values.length;
          d.values.push(s);
          d.ids.set(s, id);
        }
        return id;
      });
      const out = keyBufs[c];
      for (let i = 0; i < rows; i++) out[i] = k.ids[i] < 0 ? -1 : remap[k.ids[i]];
      return out;
    });
    agg.merge(keys, rows, block.states, block.distinct);
  }
  blocks.length = 0;
  // A key column that never held a string (no input at all) is still a string column if the
  // schema says so: give it an empty dictionary so nulls print as null, not -1.
  const keyDicts = q.groupBy.map((k, c) => dicts[c]?.values ?? (q.schema.find((s) => s.name === k)?.type === 'string' ? [] : null));
  const table = finalize(q, agg, keyDicts);
  const file = await encodeParquet(table, task.compression);
  await storeFor(task.outputUri).write(task.outputUri, file);
  return { kind: 'reduce', uri: task.outputUri, rows: table.rows, bytes: file.byteLength, groups: agg.groups, ms: Date.now() - t0 };
}
