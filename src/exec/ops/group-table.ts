/**
 * An open-addressing hash table from key tuples (k float64 values per row) to dense group
 * indices. Strings arrive as dictionary ids, numbers as themselves, null as -1 (ids) or NaN.
 * No object per row or group: keys live in one growable Float64Array.
 */
const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/** 32-bit hash of a number's exact value (integers in int32 range take the fast path). */
export function hashNumber(v: number): number {
  if ((v | 0) === v) return v | 0; // also turns -0 into 0
  f64[0] = v !== v ? NaN : v; // one canonical NaN
  return i32[0] ^ Math.imul(i32[1], 0x27d4eb2d);
}

export function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1);
  return h ^ (h >>> 15);
}

export function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const sameKey = (a: number, b: number) => a === b || (a !== a && b !== b);

export class GroupTable {
  readonly k: number;
  /** Number of groups. */
  size = 0;
  /** Group g's key c is keys[g * k + c]. */
  keys: Float64Array;
  private hashes: Int32Array;
  private slots: Int32Array;
  private mask: number;

  constructor(k: number, initialGroups = 1024) {
    this.k = k;
    let cap = 16;
    while (cap < initialGroups * 2) cap <<= 1;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.keys = new Float64Array(Math.max(1, initialGroups * k));
    this.hashes = new Int32Array(initialGroups);
  }

  /** out[i] = group index of row i's key tuple, adding new groups as they appear; `only`: just those rows (in order). */
  insert(cols: Float64Array[], rows: number, out: Int32Array, only?: Int32Array): void {
    if (this.k === 2) this.insert2(cols, rows, out, only);
    else if (this.k === 3) this.insert3(cols, rows, out, only);
    else this.insertK(cols, rows, out, only);
  }

  // insert2 and insert3: insertK unrolled for the common tuple widths (a key of two words, a
  // group and a BIGINT): on 2M rows into 1.2M groups, 35-45% less time than the loops over the words.
  private insert2(cols: Float64Array[], rows: number, out: Int32Array, only?: Int32Array): void {
    const [a, b] = cols;
    const count = only ? only.length : rows;
    let keys = this.keys;
    for (let r = 0; r < count; r++) {
      const i = only ? only[r] : r;
      const x = a[i];
      const y = b[i];
      const h = finish(mix(mix(0x2545f491, hashNumber(x)), hashNumber(y)));
      let s = h & this.mask;
      for (;;) {
        const g = this.slots[s];
        if (g < 0) {
          out[i] = this.add(cols, i, h, s);
          keys = this.keys;
          break;
        }
        if (this.hashes[g] === h && sameKey(keys[2 * g], x) && sameKey(keys[2 * g + 1], y)) {
          out[i] = g;
          break;
        }
        s = (s + 1) & this.mask;
      }
    }
  }

  private insert3(cols: Float64Array[], rows: number, out: Int32Array, only?: Int32Array): void {
    const [a, b, c] = cols;
    const count = only ? only.length : rows;
    let keys = this.keys;
    for (let r = 0; r < count; r++) {
      const i = only ? only[r] : r;
      const x = a[i];
      const y = b[i];
      const z = c[i];
      const h = finish(mix(mix(mix(0x2545f491, hashNumber(x)), hashNumber(y)), hashNumber(z)));
      let s = h & this.mask;
      for (;;) {
        const g = this.slots[s];
        if (g < 0) {
          out[i] = this.add(cols, i, h, s);
          keys = this.keys;
          break;
        }
        if (this.hashes[g] === h && sameKey(keys[3 * g], x) && sameKey(keys[3 * g + 1], y) && sameKey(keys[3 * g + 2], z)) {
          out[i] = g;
          break;
        }
        s = (s + 1) & this.mask;
      }
    }
  }

  private insertK(cols: Float64Array[], rows: number, out: Int32Array, only?: Int32Array): void {
    const k = this.k;
    const count = only ? only.length : rows;
    for (let r = 0; r < count; r++) {
      const i = only ? only[r] : r;
      let h = 0x2545f491;
      for (let c = 0; c < k; c++) h = mix(h, hashNumber(cols[c][i]));
      h = finish(h);
      let s = h & this.mask;
      for (;;) {
        const g = this.slots[s];
        if (g < 0) {
          out[i] = this.add(cols, i, h, s);
          break;
        }
        if (this.hashes[g] === h && this.equals(g, cols, i)) {
          out[i] = g;
          break;
        }
        s = (s + 1) & this.mask;
      }
    }
  }

  private equals(g: number, cols: Float64Array[], i: number): boolean {
    const base = g * this.k;
    for (let c = 0; c < this.k; c++) if (!sameKey(this.keys[base + c], cols[c][i])) return false;
    return true;
  }

  private add(cols: Float64Array[], i: number, h: number, slot: number): number {
    const g = this.size++;
    if (g >= this.hashes.length) this.growGroups();
    const base = g * this.k;
    for (let c = 0; c < this.k; c++) this.keys[base + c] = cols[c][i];
    this.hashes[g] = h;
    this.slots[slot] = g;
    if (this.size * 2 > this.slots.length) this.rehash();
    return g;
  }

  private growGroups(): void {
    const n = this.hashes.length * 2;
    const keys = new Float64Array(n * this.k);
    keys.set(this.keys);
    this.keys = keys;
    const hashes = new Int32Array(n);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    const slots = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    for (let g = 0; g < this.size; g++) {
      let s = this.hashes[g] & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = g;
    }
    this.slots = slots;
    this.mask = mask;
  }

  key(g: number, c: number): number {
    return this.keys[g * this.k + c];
  }
}
