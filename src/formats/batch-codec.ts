/**
 * The exchange codec: one Batch of engine vectors as bytes, for the shuffle files between the
 * stages of a SQL job. Columnar, every vector in its own physical form, so a round trip is
 * exact (bigints past 2^53, DECIMAL(38), -0, NaN, NULLs):
 *   "KBB1" | u32 header length | header JSON | pad to 8 | arrays (each 8-byte aligned)
 * Strings travel as one UTF-8 blob plus int32 end offsets in UTF-16 units (one decode per
 * column, then slices). A column that repeats its strings (at most half of its rows distinct)
 * travels as its distinct strings plus an int32 id per row ('dstr'), and reads back as shared
 * string instances. A fixed-width column at least half NULL carries only its non-NULL rows'
 * values ('present'); one with no value in any row, or one value in every row, carries none
 * (the header says so: a grouping set's other keys and calls, its id). A writer may encode chosen
 * rows of a batch (a hash partition's), gathered straight into the block, and may write several
 * blocks one after another for one partition (decodeBlocks reads them all). The reader knows the
 * schema; the header says each column's form.
 */
import { KindlingError } from '../common/errors.js';
import type { DataType } from '../types/datatype.js';
import { stringDict, type Batch, type IntervalValues, type StringDict, type Vector, type VectorValues } from '../types/vector.js';

type Form = 'u8' | 'i32' | 'f64' | 'i64' | 'big' | 'str' | 'dstr' | 'iv';

interface Header {
  rows: number;
  /**
   * present: a sparse fixed-width column's non-NULL rows, the only ones whose values travel;
   * allNull: no row has a value (nothing travels); constant: every row's value (nothing travels).
   */
  cols: Omit<Column, 'parts'>[];
}

const MAGIC = 0x3142424b; // "KBB1" little-endian
const pad8 = (n: number) => (n + 7) & ~7;

function formOf(v: VectorValues): Form {
  if (v instanceof Uint8Array) return 'u8';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof BigInt64Array) return 'i64';
  if (Array.isArray(v)) return v.length > 0 && typeof v[0] === 'bigint' ? 'big' : 'str';
  return 'iv';
}

type Fixed = Uint8Array | Int32Array | Float64Array | BigInt64Array;

/** Rows `rows` of a (then n long) array; without rows, its first n. */
function pick<T extends Fixed>(a: T, rows: Int32Array | undefined, n: number): T {
  if (!rows) return a.subarray(0, n) as T;
  const out = new (a.constructor as new (n: number) => T)(n);
  for (let j = 0; j < n; j++) out[j] = a[rows[j]];
  return out;
}

const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

type Column = { form: Form; nulls: boolean; parts: Uint8Array[]; bytes?: number; distinct?: number; present?: number; allNull?: boolean; constant?: number };

/** The arrays of one column's rows `rows` (undefined: all), in the order they are written. */
function arraysOf(v: Vector, form: Form, rows: Int32Array | undefined): Column {
  const n = rows ? rows.length : v.length;
  const nulls = v.nulls && pick(v.nulls, rows, n);
  const present = nulls ? countPresent(nulls, n) : n;
  // Every row NULL (a grouping set's other keys and calls): nothing but the flag travels.
  if (present === 0 && n > 0) return { form, nulls: true, parts: [], allNull: true };
  const withNulls = nulls !== undefined && present < n;
  const parts: Uint8Array[] = withNulls ? [view(nulls)] : [];
  const vals = v.values;
  const at = (i: number) => (rows ? rows[i] : i);
  switch (form) {
    case 'u8':
    case 'i32':
    case 'f64':
    case 'i64': {
      const all = vals as Fixed;
      if (!withNulls && form !== 'i64') {
        // One value in every row (a grouping set's id): the value in the header.
        const first = all[at(0)] as number;
        let same = n > 0 && Number.isFinite(first) && !Object.is(first, -0);
        for (let i = 1; same && i < n; i++) same = all[at(i)] === first;
        if (same) return { form, nulls: false, parts: [], constant: first };
      }
      if (!withNulls || present * 2 > n) {
        parts.push(view(pick(all, rows, n)));
        return { form, nulls: withNulls, parts };
      }
      // Mostly NULL (an outer join's missing side): only the values of non-NULL rows.
      const out = new (all.constructor as Uint8ArrayConstructor)(present);
      let m = 0;
      for (let i = 0; i < n; i++) if (!nulls![i]) out[m++] = all[at(i)] as number;
      parts.push(view(out));
      return { form, nulls: true, parts, present };
    }
    case 'iv': {
      const iv = vals as IntervalValues;
      parts.push(view(pick(iv.months, rows, n)), view(pick(iv.days, rows, n)), view(pick(iv.micros, rows, n)));
      return { form, nulls: withNulls, parts };
    }
    case 'big':
    case 'str': {
      // A dictionary when at most half the rows are distinct (a vector's own: only the strings it uses).
      if (form === 'str' && v.dict) return stringsOf(compact(v.dict, withNulls ? nulls : undefined, n, rows), withNulls, parts);
      const chosen = rows ? pickStrings(vals as string[], rows) : (vals as string[]).slice(0, n);
      const own = form === 'str' && n >= 16 ? stringDict({ type: v.type, length: n, values: chosen, ...(withNulls ? { nulls } : {}) }, n >> 1) : undefined;
      if (own) return stringsOf(compact(own, withNulls ? nulls : undefined, n, undefined), withNulls, parts);
      return stringsOf({ distinct: form === 'big' ? chosen.map(String) : chosen }, withNulls, parts, form);
    }
    default:
      throw new Error(`no exchange form ${form}`);
  }
}

function pickStrings<T>(a: T[], rows: Int32Array): T[] {
  const out = new Array<T>(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = a[rows[j]];
  return out;
}

/** A string column's arrays: its (distinct) strings' end offsets and UTF-8 blob, after the row ids of a dictionary. */
function stringsOf(d: { distinct: string[]; ids?: Int32Array }, nulls: boolean, parts: Uint8Array[], form: Form = 'dstr'): Column {
  const { distinct } = d;
  const ends = new Int32Array(distinct.length);
  let end = 0;
  for (let i = 0; i < distinct.length; i++) ends[i] = end += distinct[i].length;
  const blob = Buffer.from(distinct.join(''), 'utf8');
  if (d.ids) parts.push(view(d.ids));
  parts.push(view(ends), view(blob));
  return { form, nulls, parts, bytes: blob.length, ...(d.ids ? { distinct: distinct.length } : {}) };
}


function countPresent(nulls: Uint8Array, n: number): number {
  let present = 0;
  for (let i = 0; i < n; i++) present += nulls[i] ^ 1;
  return present;
}

/** A sparse column's values at its non-NULL rows (0 elsewhere). */
function expand<T extends Fixed>(present: T, nulls: Uint8Array, n: number): T {
  const out = new (present.constructor as new (n: number) => T)(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (!nulls[i]) out[i] = present[m++];
  return out;
}

/** The strings a dictionary's ids use at rows `rows` (undefined: 0..n-1; NULL rows: id 0), renumbered densely. */
function compact(d: StringDict, nulls: Uint8Array | undefined, n: number, rows: Int32Array | undefined): { distinct: string[]; ids: Int32Array } {
  const remap = new Int32Array(d.strings.length).fill(-1);
  const distinct: string[] = [];
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (nulls && nulls[i]) continue;
    const old = d.ids[rows ? rows[i] : i];
    let id = remap[old];
    if (id < 0) { id = remap[old] = distinct.length; distinct.push(d.strings[old]); }
    ids[i] = id;
  }
  if (distinct.length === 0) distinct.push('');
  return { distinct, ids };
}

/** Rows `rows` of a batch (undefined: all of them) as one block. */
export function encodeBatch(b: Batch, rows?: Int32Array): Uint8Array {
  const cols = b.columns.map((v) => arraysOf(v, formOf(v.values), rows));
  const header: Header = {
    rows: rows ? rows.length : b.length,
    cols: cols.map(({ parts: _, ...c }) => c),
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  let size = pad8(8 + head.length);
  for (const c of cols) for (const p of c.parts) size += pad8(p.byteLength);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, head.length, true);
  out.set(head, 8);
  let at = pad8(8 + head.length);
  for (const c of cols) {
    for (const p of c.parts) {
      out.set(p, at);
      at += pad8(p.byteLength);
    }
  }
  return out;
}

/** Decodes one block written by encodeBatch; `types` are the schema's column types, `what` names the block in errors. */
export function decodeBatch(bytes: Uint8Array, types: DataType[], what: string): Batch {
  return decodeBlock(bytes, types, what).batch;
}

/** Decodes blocks written by encodeBatch one after another (a partition's range of an exchange file). */
export function decodeBlocks(bytes: Uint8Array, types: DataType[], what: string): Batch[] {
  const out: Batch[] = [];
  for (let at = 0; at < bytes.byteLength;) {
    const { batch, end } = decodeBlock(bytes.subarray(at), types, what);
    out.push(batch);
    at += end;
  }
  return out;
}

/** A column without a value in any row: every row NULL, its values zeros of its form. */
function nullColumn(form: Form, n: number): VectorValues {
  switch (form) {
    case 'u8': return new Uint8Array(n);
    case 'i32': return new Int32Array(n);
    case 'f64': return new Float64Array(n);
    case 'i64': return new BigInt64Array(n);
    case 'iv': return { months: new Int32Array(n), days: new Int32Array(n), micros: new Float64Array(n) };
    case 'big': return new Array<bigint>(n).fill(0n);
    default: return new Array<string>(n).fill('');
  }
}

/** One value in every row. */
function constantColumn(form: Form, n: number, value: number): VectorValues {
  const make = { u8: Uint8Array, i32: Int32Array, f64: Float64Array }[form as 'u8' | 'i32' | 'f64'];
  if (!make) throw new Error(`no constant form ${form}`);
  return new make(n).fill(value);
}

function decodeBlock(bytes: Uint8Array, types: DataType[], what: string): { batch: Batch; end: number } {
  const bad = (why: string) => new KindlingError('SHUFFLE_FETCH', `${what} is not a kindling exchange block (${why})`, { place: { file: what }, retryable: true });
  if (bytes.byteLength < 8) throw bad('too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw bad('bad magic');
  const headLen = dv.getUint32(4, true);
  if (8 + headLen > bytes.byteLength) throw bad('truncated');
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headLen).toString('utf8')) as Header;
  } catch {
    throw bad('bad header');
  }
  if (header.cols.length !== types.length) throw bad(`${header.cols.length} columns, expected ${types.length}`);
  const n = header.rows;
  let at = pad8(8 + headLen);
  // Copies (slice): the block's buffer may be unaligned and is shared with other blocks.
  const take = (elem: number, count = n): Uint8Array => {
    const len = elem * count;
    if (at + len > bytes.byteLength) throw bad('truncated');
    const part = new Uint8Array(len); // a copy (a Buffer's slice would be a view of its pool)
    part.set(bytes.subarray(at, at + len));
    at += pad8(len);
    return part;
  };
  const columns: Vector[] = header.cols.map((c, k) => {
    if (c.allNull) return { type: types[k], length: n, values: nullColumn(c.form, n), nulls: new Uint8Array(n).fill(1) };
    if (c.constant !== undefined) return { type: types[k], length: n, values: constantColumn(c.form, n, c.constant) };
    const nulls = c.nulls ? take(1) : undefined;
    let values: VectorValues;
    let dict: StringDict | undefined;
    const count = c.present ?? n;
    if (c.present !== undefined && (!nulls || c.present > n)) throw bad(`sparse column ${k} without its NULLs`);
    const fixed = <T extends Fixed>(v: T): T => (c.present === undefined ? v : expand(v, nulls!, n));
    switch (c.form) {
      case 'u8': values = fixed(take(1, count)); break;
      case 'i32': values = fixed(new Int32Array(take(4, count).buffer)); break;
      case 'f64': values = fixed(new Float64Array(take(8, count).buffer)); break;
      case 'i64': values = fixed(new BigInt64Array(take(8, count).buffer)); break;
      case 'iv': values = { months: new Int32Array(take(4).buffer), days: new Int32Array(take(4).buffer), micros: new Float64Array(take(8).buffer) }; break;
      case 'big':
      case 'str':
      case 'dstr': {
        const ids = c.form === 'dstr' ? new Int32Array(take(4).buffer) : undefined;
        const count = ids ? c.distinct ?? 0 : n;
        const ends = new Int32Array(take(4, count).buffer);
        const len = c.bytes ?? 0;
        if (at + len > bytes.byteLength) throw bad('truncated');
        const all = Buffer.from(bytes.buffer, bytes.byteOffset + at, len).toString('utf8');
        at += pad8(len);
        const strs = new Array<string>(count);
        let from = 0;
        for (let i = 0; i < count; i++) {
          strs[i] = all.slice(from, ends[i]);
          from = ends[i];
        }
        if (ids) {
          const out = new Array<string>(n);
          for (let i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= count) throw bad(`string id ${ids[i]} of ${count}`);
            out[i] = strs[ids[i]];
          }
          values = out;
          dict = { ids, strings: strs };
        } else values = c.form === 'big' ? strs.map((s) => BigInt(s)) : strs;
        break;
      }
      default:
        throw bad(`unknown column form ${String(c.form)}`);
    }
    return { type: types[k], length: n, values, ...(nulls ? { nulls } : {}), ...(dict ? { dict } : {}) };
  });
  return { batch: { length: n, columns }, end: at };
}
