/** A hash set of (group index, value) pairs: the exact state of a grouped count-distinct. */
import { finish, hashNumber, mix } from './ops/group-table.js';

export class PairSet {
  size = 0;
  groups: Int32Array;
  values: Float64Array;
  private slots: Int32Array;
  private mask: number;

  constructor(initial = 1024) {
    let cap = 16;
    while (cap < initial * 2) cap <<= 1;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.groups = new Int32Array(initial);
    this.values = new Float64Array(initial);
  }

  /** Makes room for `more` pairs at once (fewer rehashes when merging known-size inputs). */
  reserve(more: number): void {
    while ((this.size + more) * 2 > this.slots.length) this.rehash();
  }

  add(g: number, v: number): void {
    const h = finish(mix(mix(0x1b873593, g), hashNumber(v)));
    let s = h & this.mask;
    for (;;) {
      const e = this.slots[s];
      if (e < 0) break;
      if (this.groups[e] === g && (this.values[e] === v || (v !== v && this.values[e] !== this.values[e]))) return;
      s = (s + 1) & this.mask;
    }
    const e = this.size++;
    if (e >= this.groups.length) {
      const groups = new Int32Array(this.groups.length * 2);
      groups.set(this.groups);
      this.groups = groups;
      const values = new Float64Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
    }
    this.groups[e] = g;
    this.values[e] = v;
    this.slots[s] = e;
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    const slots = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    for (let e = 0; e < this.size; e++) {
      let s = finish(mix(mix(0x1b873593, this.groups[e]), hashNumber(this.values[e]))) & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = e;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Distinct values per group. */
  countsPerGroup(groups: number): Float64Array {
    const out = new Float64Array(groups);
    for (let e = 0; e < this.size; e++) out[this.groups[e]]++;
    return out;
  }
}
