/**
 * Typed group keys: the key columns of a grouping (group by, window partitions, distinct) as
 * "key words", Float64Arrays that an open-addressing GroupTable hashes and compares without an
 * object or a string per row. Equal SQL keys (NULL with NULL, -0 with 0, NaN with NaN) give
 * equal words.
 *
 *   column                       words
 *   DOUBLE                       the value (0 for NULL) and the null flag
 *   BIGINT, DECIMAL, TIMESTAMP   [value, 0] while safe, else its two 32-bit halves; equal from either form
 *   DECIMAL over 18 digits       an id per distinct value, interned in a Map
 *   VARCHAR                      an id per distinct string (from its dictionary's ids)
 *   INTERVAL                     months, days, micros
 *   BOOLEAN, INTEGER, DATE       the value
 * A NULL is NaN in the first word wherever a value cannot be NaN.
 *
 * Within one call the words are consistent. A streaming grouping (an aggregate folding batch
 * after batch into one GroupTable) passes a `KeyIds` per column, which keeps string and big
 * decimal ids stable across batches: each batch's dictionary is mapped onto the ids once.
 */
import type { DataType } from '../../types/datatype.js';
import { isIntegral, isSafe, stringDict, vectorOf, type IntervalValues, type Vector } from '../../types/vector.js';
import { GroupTable } from './group-table.js';
import { take } from './rows.js';

/** Stable ids of one key column's strings or big decimals, across the batches of a streaming grouping. */
export class KeyIds {
  private readonly idOf = new Map<string | number | bigint, number>();
  /** The value of each id. */
  readonly values: (string | number | bigint)[] = [];
  /** Per dictionary seen (its strings array, which may grow): its ids' stable ids. */
  private remaps = new WeakMap<string[], Int32Array>();

  id(v: string | number | bigint): number {
    let id = this.idOf.get(v);
    if (id === undefined) { id = this.values.length; this.idOf.set(v, id); this.values.push(v); }
    return id;
  }

  /** Stable ids of a dictionary's strings (extended when it has grown since). */
  remap(strings: string[]): Int32Array {
    let r = this.remaps.get(strings);
    if (r && r.length >= strings.length) return r;
    const old = r;
    r = new Int32Array(strings.length);
    let j = 0;
    if (old) { r.set(old); j = old.length; }
    for (; j < strings.length; j++) r[j] = this.id(strings[j]);
    this.remaps.set(strings, r);
    return r;
  }
}

/** A big decimal's id key: a number when it is safe (so 5 and 5n are one key). */
const bigKey = (x: number | bigint) => (typeof x === 'number' ? x : isSafe(Number(x)) ? Number(x) : x);

/**
 * Word buffers reused batch after batch by a streaming grouping: a batch's key words are dead
 * once GroupTable.insert has copied the new groups' words, so the next batch writes over them
 * instead of allocating (and the GC collecting) a Float64Array per key word and batch.
 */
export class WordScratch {
  private readonly bufs: Float64Array[] = [];
  private next = 0;

  /** The buffers handed out since are free again (call before each batch). */
  reset(): void {
    this.next = 0;
  }

  /** n words, of undefined content: the caller writes every one. */
  take(n: number): Float64Array {
    let b = this.bufs[this.next];
    if (!b || b.length < n) b = this.bufs[this.next] = new Float64Array(Math.max(n, 8192));
    this.next++;
    return b.length === n ? b : b.subarray(0, n);
  }

  /** Group ids (or any int32s) of rows [0, n) as a word. */
  ints(v: Int32Array, n: number): Float64Array {
    const w = this.take(n);
    for (let i = 0; i < n; i++) w[i] = v[i];
    return w;
  }
}

/** `b` when it holds n rows, else a new buffer for at least n (a per-batch buffer kept across batches). */
export function rowBuffer(b: Int32Array<ArrayBuffer> | undefined, n: number): Int32Array<ArrayBuffer> {
  return b && b.length >= n ? b : new Int32Array(Math.max(n, 8192));
}

type Alloc = (n: number) => Float64Array;
const fresh: Alloc = (n) => new Float64Array(n);

function interned(values: ArrayLike<number | bigint>, nulls: Uint8Array | undefined, n: number, ids: KeyIds, alloc: Alloc): Float64Array {
  const out = alloc(n);
  for (let i = 0; i < n; i++) out[i] = nulls && nulls[i] ? NaN : ids.id(bigKey(values[i]));
  return out;
}

function withNulls(values: Float64Array, nulls: Uint8Array | undefined, n: number, alloc: Alloc): Float64Array {
  if (!nulls) return values;
  const out = alloc(n);
  for (let i = 0; i < n; i++) out[i] = nulls[i] ? NaN : values[i];
  return out;
}

const TWO32 = 4294967296;

let ZEROS = new Float64Array(8192);
/** n zero words (a shared, read-only buffer). */
function zeros(n: number): Float64Array {
  if (ZEROS.length < n) ZEROS = new Float64Array(Math.max(n, ZEROS.length * 2));
  return ZEROS;
}

/**
 * An integral column's words, equal for both forms: a safe value x is [x, 0]; a value past 2^53
 * is its low and high 32-bit halves (the high one is never 0 there).
 */
function integralWords(vals: Float64Array | BigInt64Array, nulls: Uint8Array | undefined, n: number, alloc: Alloc): Float64Array[] {
  if (!(vals instanceof BigInt64Array)) return [withNulls(vals, nulls, n, alloc), zeros(n)];
  const hi = alloc(n);
  const lo = alloc(n);
  const h = new Int32Array(vals.buffer, vals.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const l = h[2 * i];
    const u = h[2 * i + 1];
    const x = u * TWO32 + (l >>> 0);
    if (nulls && nulls[i]) { lo[i] = NaN; hi[i] = 0; } else if (isSafe(x)) { lo[i] = x; hi[i] = 0; } else { lo[i] = l; hi[i] = u; }
  }
  return [lo, hi];
}

/** A string column's word: its dictionary id (stable ones with `ids`), NaN for NULL; its `values` are not read. */
function stringWords(v: Vector, n: number, ids: KeyIds | undefined, alloc: Alloc): Float64Array {
  const nulls = v.nulls;
  const d = stringDict(v)!;
  const local = d.ids;
  const out = alloc(n);
  if (ids) {
    const stable = ids.remap(d.strings);
    for (let i = 0; i < n; i++) out[i] = nulls && nulls[i] ? NaN : stable[local[i]];
  } else for (let i = 0; i < n; i++) out[i] = nulls && nulls[i] ? NaN : local[i];
  return out;
}

/** The words of one key column over rows [0, n); `ids` keeps string and big decimal ids stable across calls. */
function columnWords(v: Vector, n: number, ids: KeyIds | undefined, alloc: Alloc): Float64Array[] {
  const nulls = v.nulls;
  const t = v.type;
  if (t.id === 'VARCHAR') return [stringWords(v, n, ids, alloc)];
  const vals = v.values;
  if (t.id === 'INTERVAL') {
    const iv = vals as IntervalValues;
    return [small(iv.months, nulls, n, alloc), small(iv.days, undefined, n, alloc), iv.micros];
  }
  if (t.id === 'DECIMAL' && t.precision > 18) return [interned(vals as ArrayLike<number | bigint>, nulls, n, ids ?? new KeyIds(), alloc)];
  if (isIntegral(t)) return integralWords(vals as Float64Array | BigInt64Array, nulls, n, alloc);
  if (t.id === 'DOUBLE') {
    const f = vals as Float64Array;
    if (!nulls) return [f, zeros(n)];
    const flag = alloc(n);
    const out = alloc(n);
    for (let i = 0; i < n; i++) {
      if (nulls[i]) { flag[i] = 1; out[i] = 0; } else { flag[i] = 0; out[i] = f[i]; }
    }
    return [out, flag];
  }
  return [small(vals as Int32Array | Uint8Array, nulls, n, alloc)];
}

/** An Int32Array or Uint8Array column's words: the values, NaN for NULL. */
function small(vals: Int32Array | Uint8Array, nulls: Uint8Array | undefined, n: number, alloc: Alloc): Float64Array {
  const out = alloc(n);
  if (nulls) for (let i = 0; i < n; i++) out[i] = nulls[i] ? NaN : vals[i];
  else for (let i = 0; i < n; i++) out[i] = vals[i];
  return out;
}

/** How many words a key column of the type has (columnWords). */
export function wordCount(t: DataType): number {
  if (t.id === 'INTERVAL') return 3;
  if (t.id === 'VARCHAR' || (t.id === 'DECIMAL' && t.precision > 18)) return 1;
  return isIntegral(t) || t.id === 'DOUBLE' ? 2 : 1;
}

/**
 * The key values of groups 0..groups-1 from a GroupTable's words (the inverse of columnWords
 * with stable ids): column words at `offset` of each group's tuple. Strings come back with a
 * dictionary (the ids' strings), integral values as exact doubles unless one is past 2^53.
 */
export function keyVector(t: DataType, table: GroupTable, offset: number, groups: number, ids: KeyIds): Vector {
  const k = table.k;
  const w = table.keys;
  // Word c of group g is w[g * k + offset + c]; a NULL is NaN in the first word (DOUBLE: its flag, the second).
  const nulls = new Uint8Array(groups);
  let anyNull = false;
  const done = (values: Vector['values'], dict?: Vector['dict']): Vector => ({ type: t, length: groups, values, ...(anyNull ? { nulls } : {}), ...(dict ? { dict } : {}) });
  if (t.id === 'VARCHAR') {
    const strings = ids.values as string[];
    const codes = new Int32Array(groups);
    const values = new Array<string>(groups);
    for (let g = 0, p = offset; g < groups; g++, p += k) {
      const x = w[p];
      if (x !== x) { nulls[g] = 1; anyNull = true; values[g] = ''; } else { codes[g] = x; values[g] = strings[x]; }
    }
    return done(values, { ids: codes, strings });
  }
  if (t.id === 'DECIMAL' && t.precision > 18) {
    const vals: (number | bigint | null)[] = [];
    for (let g = 0, p = offset; g < groups; g++, p += k) { const x = w[p]; vals.push(x !== x ? null : (ids.values[x] as number | bigint)); }
    return vectorOf(t, vals);
  }
  if (isIntegral(t)) {
    const out = new Float64Array(groups);
    let big: BigInt64Array | undefined;
    for (let g = 0, p = offset; g < groups; g++, p += k) {
      const lo = w[p];
      const hi = w[p + 1];
      if (lo !== lo) { nulls[g] = 1; anyNull = true; continue; }
      if (hi === 0) { out[g] = lo; if (big) big[g] = BigInt(lo); continue; }
      if (!big) { big = new BigInt64Array(groups); for (let h = 0; h < g; h++) big[h] = BigInt(out[h]); }
      big[g] = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
    }
    return done(big ?? out);
  }
  if (t.id === 'DOUBLE') {
    const out = new Float64Array(groups);
    for (let g = 0, p = offset; g < groups; g++, p += k) { if (w[p + 1] === 1) { nulls[g] = 1; anyNull = true; } else out[g] = w[p]; }
    return done(out);
  }
  if (t.id === 'INTERVAL') {
    const months = new Int32Array(groups);
    const days = new Int32Array(groups);
    const micros = new Float64Array(groups);
    for (let g = 0, p = offset; g < groups; g++, p += k) {
      const m = w[p];
      if (m !== m) { nulls[g] = 1; anyNull = true; continue; }
      months[g] = m; days[g] = w[p + 1]; micros[g] = w[p + 2];
    }
    return done({ months, days, micros });
  }
  const out = t.id === 'BOOLEAN' ? new Uint8Array(groups) : new Int32Array(groups);
  for (let g = 0, p = offset; g < groups; g++, p += k) { const x = w[p]; if (x !== x) { nulls[g] = 1; anyNull = true; } else out[g] = x; }
  return done(out);
}

/** The key words of the columns over rows [0, n); with `scratch`, in its buffers (valid until its next reset). */
export function keyWords(cols: Vector[], n: number, ids?: KeyIds[], scratch?: WordScratch): Float64Array[] {
  const alloc = scratch ? (m: number) => scratch.take(m) : fresh;
  return cols.flatMap((c, k) => columnWords(c, n, ids?.[k], alloc));
}

/** Group ids 0..count-1 per row, in order of first appearance, and each group's first row. */
export function groupRows(keys: Vector[], n: number): { ids: Int32Array; count: number; first: number[] } {
  const ids = new Int32Array(n);
  if (keys.length === 0) return { ids, count: 1, first: [0] };
  const words = keyWords(keys, n);
  const table = new GroupTable(words.length, Math.min(Math.max(n >> 2, 16), 1 << 16));
  table.insert(words, n, ids);
  const first: number[] = [];
  for (let i = 0; i < n; i++) if (ids[i] === first.length) first.push(i);
  return { ids, count: first.length, first };
}

/** The (group, arguments) pairs seen so far by a distinct aggregate call, across batches. */
export class DistinctRows {
  private table?: GroupTable;
  private readonly ids: KeyIds[];
  private readonly scratch = new WordScratch();
  private seen = new Int32Array(0);
  constructor(args: number) {
    this.ids = Array.from({ length: args }, () => new KeyIds());
  }

  /** Of rows `rows` (in order; undefined: 0..n-1), those whose (group, arguments) pair is new. */
  firstRows(groupIds: Int32Array, args: Vector[], rows: Int32Array | undefined, n: number): Int32Array {
    this.scratch.reset();
    if (rows && rows.length * 2 < n) {
      // A few of the rows (a final aggregate's pair rows of one distinct call): their words only.
      const m = rows.length;
      const gids = this.scratch.take(m);
      for (let r = 0; r < m; r++) gids[r] = groupIds[rows[r]];
      return this.fresh([gids, ...keyWords(args.map((v) => take(v, rows)), m, this.ids, this.scratch)], m, undefined, rows);
    }
    return this.fresh([this.scratch.ints(groupIds, n), ...keyWords(args, n, this.ids, this.scratch)], n, rows, undefined);
  }

  /** The rows (of `rows`; undefined: all n) whose words are new to the table, as `rowOf` numbers them (undefined: themselves). */
  private fresh(cols: Float64Array[], n: number, rows: Int32Array | undefined, rowOf: Int32Array | undefined): Int32Array {
    this.table ??= new GroupTable(cols.length, Math.min(Math.max(n >> 2, 16), 1 << 16));
    let next = this.table.size;
    const ids = (this.seen = rowBuffer(this.seen, n));
    this.table.insert(cols, n, ids, rows);
    const out = new Int32Array(this.table.size - next);
    const count = rows ? rows.length : n;
    let k = 0;
    for (let r = 0; r < count; r++) {
      const i = rows ? rows[r] : r;
      if (ids[i] === next) { out[k++] = rowOf ? rowOf[i] : i; next++; }
    }
    return out;
  }
}
