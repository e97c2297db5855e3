/**
 * ByteDictionary: turns a string column of a RecordBatch into dense int ids straight from the
 * bytes. An open-addressing table (linear probing, load <= 1/2) is keyed by the MurmurHash3 of
 * the field bytes; on a hash match the bytes are compared against a growable arena. A JS string
 * is created only the first time a value is seen.
 *
 * Ids are dense (0, 1, 2, ... in first-seen order); an empty field gets -1 (null). A quoted
 * empty field ("") is empty too. Bytes that are not valid UTF-8 are checked once, when a value is
 * first seen: `invalidUtf8(id)` tells, and `invalidCount` says whether any such id exists.
 */
import type { RecordBatch } from './types.js';
import { hashBytes, hashString, utf8Encode } from '../hash.js';

const decoder = new TextDecoder('utf-8');
const strict = new TextDecoder('utf-8', { fatal: true });

export class ByteDictionary {
  /** id -> string */
  readonly values: string[] = [];
  private table = new Int32Array(64); // id + 1; 0 = empty slot
  private mask = 63;
  private keyHash = new Int32Array(16); // hashBytes of the raw bytes, per id
  private pubHash = new Uint32Array(16); // hashString(values[id]), per id
  private offs = new Int32Array(16);
  private lens = new Int32Array(16);
  private arena = new Uint8Array(4096);
  private arenaLen = 0;
  private scratch = new Uint8Array(256);
  private invalid = new Uint8Array(16); // 1: the id's bytes are not valid UTF-8
  /** How many ids have bytes that are not valid UTF-8 (they decode with U+FFFD). */
  invalidCount = 0;

  get size(): number {
    return this.values.length;
  }

  /** Whether the bytes of value `id` are not valid UTF-8 (its string holds U+FFFD for them). */
  invalidUtf8(id: number): boolean {
    return this.invalid[id] === 1;
  }

  /** Stable 32-bit (unsigned) hash of the value's UTF-8 bytes; equals hashString(values[id]). */
  hashOf(id: number): number {
    return this.pubHash[id];
  }

  /** Id of a literal, adding it if new. */
  idOf(value: string): number {
    const { bytes, length } = utf8Encode(value);
    return this.lookup(bytes, 0, length, hashBytes(bytes, 0, length), value);
  }

  /** Id of a literal, or -1 when the dictionary does not hold it (nothing is added). */
  find(value: string): number {
    const { bytes, length } = utf8Encode(value);
    const h = hashBytes(bytes, 0, length) | 0;
    const table = this.table;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = table[slot];
      if (e === 0) return -1;
      const id = e - 1;
      if (this.keyHash[id] === h && this.same(id, bytes, 0, length)) return id;
    }
  }

  /**
   * ids for projected column c of the batch into out[0..rows); an empty field -> -1 (null).
   * Fields with doubled quotes (flag 2) are unescaped first. Returns the number of nulls.
   */
  encode(batch: RecordBatch, c: number, out: Int32Array): number {
    const rows = batch.rows;
    const buf = batch.buf;
    const st = batch.starts[c];
    const en = batch.ends[c];
    const qt = batch.quoted[c];
    const Q = batch.quote ?? 0x22;
    // A one-entry cache: runs of one value (sorted or clustered columns) skip the table.
    let lastS = 0;
    let lastLen = -1;
    let lastId = -1;
    let nulls = 0;
    for (let r = 0; r < rows; r++) {
      let s = st[r];
      const e = en[r];
      if (s === e) { out[r] = -1; nulls++; continue; }
      let src = buf;
      let len = e - s;
      if (qt[r] === 2) {
        len = this.unescape(buf, s, e, Q);
        src = this.scratch;
        s = 0;
        lastLen = -1;
      } else if (len === lastLen && equalBytes(buf, lastS, buf, s, len)) {
        out[r] = lastId;
        continue;
      }
      const h = hashBytes(src, s, s + len) | 0;
      const table = this.table;
      const mask = this.mask;
      const keyHash = this.keyHash;
      let id = -1;
      for (let slot = h & mask; ; slot = (slot + 1) & mask) {
        const v = table[slot];
        if (v === 0) {
          id = this.insert(src, s, len, h, slot, undefined);
          break;
        }
        if (keyHash[v - 1] === h && this.lens[v - 1] === len && equalBytes(this.arena, this.offs[v - 1], src, s, len)) {
          id = v - 1;
          break;
        }
      }
      out[r] = id;
      if (src === buf) { lastS = s; lastLen = len; lastId = id; }
    }
    return nulls;
  }

  private same(id: number, src: Uint8Array, s: number, len: number): boolean {
    return this.lens[id] === len && equalBytes(this.arena, this.offs[id], src, s, len);
  }

  private lookup(src: Uint8Array, s: number, len: number, hash: number, value?: string): number {
    const h = hash | 0;
    const table = this.table;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = table[slot];
      if (v === 0) return this.insert(src, s, len, h, slot, value);
      if (this.keyHash[v - 1] === h && this.same(v - 1, src, s, len)) return v - 1;
    }
  }

  private insert(src: Uint8Array, s: number, len: number, h: number, slot: number, value: string | undefined): number {
    const id = this.values.length;
    if (id === this.offs.length) this.growIds();
    if (this.arenaLen + len > this.arena.length) {
      const a = new Uint8Array(Math.max(this.arena.length * 2, this.arenaLen + len));
      a.set(this.arena.subarray(0, this.arenaLen));
      this.arena = a;
    }
    this.arena.set(src.subarray(s, s + len), this.arenaLen);
    this.offs[id] = this.arenaLen;
    this.lens[id] = len;
    this.arenaLen += len;
    let str = value;
    if (str === undefined) {
      const bytes = src.subarray(s, s + len);
      try {
        str = strict.decode(bytes);
        this.invalid[id] = 0;
      } catch {
        str = decoder.decode(bytes);
        this.invalid[id] = 1;
        this.invalidCount++;
      }
    }
    this.values.push(str);
    this.keyHash[id] = h;
    // Bytes that are not valid UTF-8 decode to U+FFFD; hash the string then, as promised.
    this.pubHash[id] = str.includes('\uFFFD') ? hashString(str) : h >>> 0;
    this.table[slot] = id + 1;
    if ((id + 1) * 2 > this.table.length) this.rehash();
    return id;
  }

  private growIds(): void {
    const n = this.offs.length * 2;
    const g = <T extends Int32Array | Uint32Array>(a: T, b: T): T => { b.set(a); return b; };
    this.keyHash = g(this.keyHash, new Int32Array(n));
    this.pubHash = g(this.pubHash, new Uint32Array(n));
    this.offs = g(this.offs, new Int32Array(n));
    this.lens = g(this.lens, new Int32Array(n));
    const inv = new Uint8Array(n);
    inv.set(this.invalid);
    this.invalid = inv;
  }

  private rehash(): void {
    const size = this.table.length * 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let id = 0; id < this.values.length; id++) {
      let slot = this.keyHash[id] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
    this.mask = mask;
  }

  /** Copies buf[s..e) into the scratch buffer with each doubled quote made single; returns its length. */
  private unescape(buf: Uint8Array, s: number, e: number, Q: number): number {
    if (this.scratch.length < e - s) this.scratch = new Uint8Array(Math.max(e - s, this.scratch.length * 2));
    const out = this.scratch;
    let n = 0;
    for (let i = s; i < e; i++) {
      const b = buf[i];
      out[n++] = b;
      if (b === Q && i + 1 < e && buf[i + 1] === Q) i++;
    }
    return n;
  }
}

function equalBytes(a: Uint8Array, ai: number, b: Uint8Array, bi: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

/** The text of projected field (c, row), unescaped (not hot: for tests, errors and headers). */
export function fieldText(batch: RecordBatch, c: number, row: number): string {
  const s = batch.starts[c][row];
  const e = batch.ends[c][row];
  const t = decoder.decode(batch.buf.subarray(s, e));
  if (batch.quoted[c][row] !== 2) return t;
  const q = String.fromCharCode(batch.quote ?? 0x22);
  return t.split(q + q).join(q);
}
