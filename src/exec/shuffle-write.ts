/**
 * Map-side shuffle write: routes each group to a reduce partition by a content hash of its
 * partitionBy keys (the same in every map task, whatever its local dictionary ids), then
 * writes one data file with a block per partition, and an index of partition offsets.
 */
import { encodeBlock, type KeyColumn, type ShuffleBlock } from '../formats/shuffle-codec.js';
import type { ObjectStore } from '../storage/index.js';
import type { ByteDictionary } from '../formats/csv/dictionary.js';
import type { Aggregator } from './aggregate.js';
import { finish, hashNumber, mix } from './ops/group-table.js';

export interface ShuffleOutput {
  dataUri: string;
  indexUri: string;
  /** offsets[p]..offsets[p+1] is partition p's block. */
  offsets: number[];
  bytes: number;
}

/** dicts[c] is the dictionary of group key c, or undefined for a numeric key. */
export function partitionOf(agg: Aggregator, dicts: (ByteDictionary | undefined)[], partitionKeys: number[], partitions: number): Int32Array {
  const t = agg.table;
  const out = new Int32Array(t.size);
  const k = t.k;
  const tk = t.keys;
  for (let g = 0; g < t.size; g++) {
    let h = 0x6a09e667;
    for (const c of partitionKeys) {
      const v = tk[g * k + c];
      const d = dicts[c];
      h = mix(h, d ? (v < 0 ? 0x5bd1e995 : d.hashOf(v)) : hashNumber(v));
    }
    out[g] = (finish(h) >>> 0) % partitions;
  }
  return out;
}

export function buildBlocks(agg: Aggregator, dicts: (ByteDictionary | undefined)[], part: Int32Array, partitions: number): ShuffleBlock[] {
  const t = agg.table;
  const G = t.size;
  // Counting sort of groups by partition; rowOf[g] = g's row in its partition's block.
  const counts = new Int32Array(partitions);
  for (let g = 0; g < G; g++) counts[part[g]]++;
  const starts = new Int32Array(partitions + 1);
  for (let p = 0; p < partitions; p++) starts[p + 1] = starts[p] + counts[p];
  const order = new Int32Array(G);
  const rowOf = new Int32Array(G);
  const fill = starts.slice(0, partitions);
  for (let g = 0; g < G; g++) {
    const p = part[g];
    rowOf[g] = fill[p] - starts[p];
    order[fill[p]++] = g;
  }
  const results = agg.specs.map((a, j) => (a.fn === 'countDistinct' ? null : agg.states[j]));
  const pairSets = agg.distinct.filter((d) => d !== null);
  const blocks: ShuffleBlock[] = [];
  for (let p = 0; p < partitions; p++) {
    const n = counts[p];
    const groups = order.subarray(starts[p], starts[p + 1]);
    const k = t.k;
    const tk = t.keys;
    const keys: KeyColumn[] = dicts.map((d, c) => {
      if (!d) {
        const values = new Float64Array(n);
        for (let r = 0; r < n; r++) values[r] = tk[groups[r] * k + c];
        return { kind: 'num', values };
      }
      const local = new Int32Array(d.size).fill(-1);
      const dict: string[] = [];
      const ids = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        const id = tk[groups[r] * k + c];
        if (id < 0) { ids[r] = -1; continue; }
        if (local[id] < 0) { local[id] = dict.length; dict.push(d.values[id]); }
        ids[r] = local[id];
      }
      return { kind: 'str', dict, ids };
    });
    const states = results.filter((s): s is Float64Array => s !== null).map((s) => {
      const out = new Float64Array(n);
      for (let r = 0; r < n; r++) out[r] = s[groups[r]];
      return out;
    });
    blocks.push({ rows: n, keys, states, distinct: [] });
  }
  // Distinct pairs follow their group into its partition.
  for (const set of pairSets) {
    const pc = new Int32Array(partitions);
    for (let e = 0; e < set.size; e++) pc[part[set.groups[e]]]++;
    const lists = Array.from({ length: partitions }, (_, p) => ({ rows: new Int32Array(pc[p]), values: new Float64Array(pc[p]) }));
    const at = new Int32Array(partitions);
    for (let e = 0; e < set.size; e++) {
      const g = set.groups[e];
      const p = part[g];
      lists[p].rows[at[p]] = rowOf[g];
      lists[p].values[at[p]++] = set.values[e];
    }
    lists.forEach((l, p) => blocks[p].distinct.push(l));
  }
  return blocks;
}

export async function writeShuffle(store: ObjectStore, baseUri: string, blocks: ShuffleBlock[]): Promise<ShuffleOutput> {
  const encoded = blocks.map((b) => encodeBlock(b));
  const offsets = [0];
  for (const e of encoded) offsets.push(offsets[offsets.length - 1] + e.byteLength);
  const data = Buffer.concat(encoded);
  const dataUri = `${baseUri}.data`;
  const indexUri = `${baseUri}.index.json`;
  await store.write(dataUri, data);
  await store.write(indexUri, JSON.stringify({ offsets }));
  return { dataUri, indexUri, offsets, bytes: data.byteLength };
}
