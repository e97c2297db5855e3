/**
 * Grouped aggregation with partial (map side, from rows) and final (reduce side, merging
 * partial states) halves. States are one Float64Array per aggregate, indexed by group;
 * count-distinct keeps its exact (group, value) pairs in a PairSet.
 */
import type { Aggregate } from '../plan/logical.js';
import { GroupTable } from './ops/group-table.js';
import { PairSet } from './pair-set.js';

/** One aggregate's input for a batch: its values (none for count), their nulls, and its where-mask. */
export interface AggInput {
  values: Float64Array | null;
  nulls: Uint8Array | null;
  mask: Uint8Array | null;
}

export interface DistinctPairs {
  rows: Int32Array;
  values: Float64Array;
}

function initial(a: Aggregate): number {
  return a.fn === 'min' ? Infinity : a.fn === 'max' ? -Infinity : 0;
}

export class Aggregator {
  readonly table: GroupTable;
  readonly specs: Aggregate[];
  states: Float64Array[];
  readonly distinct: (PairSet | null)[];
  private gidx = new Int32Array(0);

  constructor(keyCount: number, specs: Aggregate[], expectedGroups = 1024) {
    this.table = new GroupTable(keyCount, expectedGroups);
    this.specs = specs;
    this.states = specs.map((a) => new Float64Array(a.fn === 'countDistinct' ? 0 : expectedGroups).fill(initial(a)));
    this.distinct = specs.map((a) => (a.fn === 'countDistinct' ? new PairSet() : null));
  }

  get groups(): number {
    return this.table.size;
  }

  private groupRows(keys: Float64Array[], rows: number): Int32Array {
    if (this.gidx.length < rows) this.gidx = new Int32Array(Math.max(rows, 1024));
    this.table.insert(keys, rows, this.gidx);
    this.ensureStates();
    return this.gidx;
  }

  private ensureStates(): void {
    const need = this.table.size;
    this.specs.forEach((a, j) => {
      const s = this.states[j];
      if (a.fn === 'countDistinct' || s.length >= need) return;
      const grown = new Float64Array(Math.max(need, s.length * 2)).fill(initial(a));
      grown.set(s);
      this.states[j] = grown;
    });
  }

  /** Map side: folds a batch of rows into the groups. */
  update(keys: Float64Array[], rows: number, inputs: AggInput[]): void {
    const g = this.groupRows(keys, rows);
    this.specs.forEach((a, j) => {
      const { values, nulls, mask } = inputs[j];
      if (a.fn === 'count') countRows(this.states[j], g, rows, mask);
      else if (a.fn === 'countDistinct') addPairs(this.distinct[j]!, g, rows, values!, nulls, mask);
      else foldValues(a.fn, this.states[j], g, rows, values!, nulls, mask);
    });
  }

  /** Reduce side: folds a block of partial states into the groups. */
  merge(keys: Float64Array[], rows: number, states: Float64Array[], distinct: DistinctPairs[]): void {
    const g = this.groupRows(keys, rows);
    let s = 0;
    let d = 0;
    this.specs.forEach((a, j) => {
      if (a.fn === 'countDistinct') {
        const pairs = distinct[d++];
        const set = this.distinct[j]!;
        for (let e = 0; e < pairs.rows.length; e++) set.add(g[pairs.rows[e]], pairs.values[e]);
        return;
      }
      const src = states[s++];
      const dst = this.states[j];
      if (a.fn === 'min') for (let i = 0; i < rows; i++) dst[g[i]] = Math.min(dst[g[i]], src[i]);
      else if (a.fn === 'max') for (let i = 0; i < rows; i++) dst[g[i]] = Math.max(dst[g[i]], src[i]);
      else for (let i = 0; i < rows; i++) dst[g[i]] += src[i];
    });
  }

  /** Final values per group: states, with count-distinct pairs counted. */
  results(): Float64Array[] {
    return this.specs.map((a, j) => (a.fn === 'countDistinct' ? this.distinct[j]!.countsPerGroup(this.groups) : this.states[j].subarray(0, this.groups)));
  }
}

function countRows(state: Float64Array, g: Int32Array, rows: number, mask: Uint8Array | null): void {
  if (mask) for (let i = 0; i < rows; i++) state[g[i]] += mask[i];
  else for (let i = 0; i < rows; i++) state[g[i]]++;
}

function foldValues(fn: 'sum' | 'min' | 'max', state: Float64Array, g: Int32Array, rows: number, v: Float64Array, nulls: Uint8Array | null, mask: Uint8Array | null): void {
  for (let i = 0; i < rows; i++) {
    if ((mask && mask[i] === 0) || (nulls && nulls[i] === 1)) continue;
    const x = v[i];
    const gi = g[i];
    if (fn === 'sum') state[gi] += x;
    else if (fn === 'min') { if (x < state[gi]) state[gi] = x; }
    else if (x > state[gi]) state[gi] = x;
  }
}

function addPairs(set: PairSet, g: Int32Array, rows: number, v: Float64Array, nulls: Uint8Array | null, mask: Uint8Array | null): void {
  for (let i = 0; i < rows; i++) {
    if ((mask && mask[i] === 0) || (nulls && nulls[i] === 1)) continue;
    set.add(g[i], v[i]);
  }
}
