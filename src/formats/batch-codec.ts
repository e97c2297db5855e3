/**
 * The exchange codec: one Batch of engine vectors as bytes, for the shuffle files between the
 * stages of a SQL job. Columnar, every vector in its own physical form, so a round trip is
 * exact (bigints past 2^53, DECIMAL(38), -0, NaN, NULLs):
 *   "KBB1" | u32 header length | header JSON | pad to 8 | arrays (each 8-byte aligned)
 * Strings travel as one UTF-8 blob plus int32 end offsets in UTF-16 units (one decode per
 * column, then slices). A column that repeats its strings (at most half of its rows distinct)
 * travels as its distinct strings plus an int32 id per row ('dstr'), and reads back as shared
 * string instances. A fixed-width column at least half NULL carries only its non-NULL rows'
 * values ('present'). The reader knows the schema; the header says each column's form.
 */
import { KindlingError } from '../common/errors.js';
import type { DataType } from '../types/datatype.js';
import { stringDict, type Batch, type IntervalValues, type StringDict, type Vector, type VectorValues } from '../types/vector.js';

type Form = 'u8' | 'i32' | 'f64' | 'i64' | 'big' | 'str' | 'dstr' | 'iv';

interface Header {
  rows: number;
  /** present: a sparse fixed-width column's non-NULL rows, the only ones whose values travel. */
  cols: { form: Form; nulls: boolean; bytes?: number; distinct?: number; present?: number }[];
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

/** The arrays of one column, in the order they are written. */
function arraysOf(v: Vector, form: Form): { form: Form; parts: Uint8Array[]; bytes?: number; distinct?: number; present?: number } {
  const n = v.length;
  const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const parts: Uint8Array[] = v.nulls ? [view(v.nulls.subarray(0, n))] : [];
  const vals = v.values;
  switch (form) {
    case 'u8':
    case 'i32':
    case 'f64':
    case 'i64': {
      const fixed = (vals as Uint8Array).subarray(0, n);
      const present = v.nulls ? sparse(v.nulls, n) : -1;
      if (present < 0) {
        parts.push(view(fixed));
        return { form, parts };
      }
      // Mostly NULL (an outer join's missing side, a grouping set's other columns): only the values of non-NULL rows.
      const out = new (fixed.constructor as Uint8ArrayConstructor)(present);
      let m = 0;
      for (let i = 0; i < n; i++) if (!v.nulls![i]) out[m++] = fixed[i];
      parts.push(view(out));
      return { form, parts, present };
    }
    case 'iv': {
      const iv = vals as IntervalValues;
      parts.push(view(iv.months.subarray(0, n)), view(iv.days.subarray(0, n)), view(iv.micros.subarray(0, n)));
      return { form, parts };
    }
    case 'big':
    case 'str': {
      // A dictionary when at most half the rows are distinct (a vector's own: only the strings it uses).
      const own = form !== 'str' ? undefined : v.dict ? v.dict : n >= 16 ? stringDict(v, n >> 1) : undefined;
      const dict = own && compact(own, v.nulls, n);
      const distinct = dict ? dict.distinct : form === 'big' ? (vals as bigint[]).slice(0, n).map(String) : (vals as string[]).slice(0, n);
      const ends = new Int32Array(distinct.length);
      let at = 0;
      for (let i = 0; i < distinct.length; i++) ends[i] = at += distinct[i].length;
      const blob = Buffer.from(distinct.join(''), 'utf8');
      if (dict) parts.push(view(dict.ids));
      parts.push(view(ends), view(blob));
      return dict ? { form: 'dstr', parts, bytes: blob.length, distinct: distinct.length } : { form, parts, bytes: blob.length };
    }
    default:
      throw new Error(`no exchange form ${form}`);
  }
}

/** The non-NULL rows of a column at least half NULL, else -1. */
function sparse(nulls: Uint8Array, n: number): number {
  let present = 0;
  for (let i = 0; i < n; i++) present += nulls[i] ^ 1;
  return present * 2 <= n ? present : -1;
}

/** A sparse column's values at its non-NULL rows (0 elsewhere). */
function expand<T extends Uint8Array | Int32Array | Float64Array | BigInt64Array>(present: T, nulls: Uint8Array, n: number): T {
  const out = new (present.constructor as new (n: number) => T)(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (!nulls[i]) out[i] = present[m++];
  return out;
}

/** The strings a vector's dictionary ids use (NULL rows: id 0), renumbered densely. */
function compact(d: StringDict, nulls: Uint8Array | undefined, n: number): { distinct: string[]; ids: Int32Array } {
  const remap = new Int32Array(d.strings.length).fill(-1);
  const distinct: string[] = [];
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (nulls && nulls[i]) continue;
    const old = d.ids[i];
    let id = remap[old];
    if (id < 0) { id = remap[old] = distinct.length; distinct.push(d.strings[old]); }
    ids[i] = id;
  }
  if (distinct.length === 0) distinct.push('');
  return { distinct, ids };
}

export function encodeBatch(b: Batch): Uint8Array {
  const cols = b.columns.map((v) => {
    return { nulls: v.nulls !== undefined, ...arraysOf(v, formOf(v.values)) };
  });
  const header: Header = {
    rows: b.length,
    cols: cols.map((c) => ({ form: c.form, nulls: c.nulls, ...(c.bytes !== undefined ? { bytes: c.bytes } : {}), ...(c.distinct !== undefined ? { distinct: c.distinct } : {}), ...(c.present !== undefined ? { present: c.present } : {}) })),
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

/** Decodes a block written by encodeBatch; `types` are the schema's column types, `what` names the block in errors. */
export function decodeBatch(bytes: Uint8Array, types: DataType[], what: string): Batch {
  const bad = (why: string) => new KindlingError('SHUFFLE_FETCH', `${what} is not a kindling exchange block (${why})`, { place: { file: what }, retryable: true });
  if (bytes.byteLength < 8) throw bad('too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw bad('bad magic');
  const headLen = dv.getUint32(4, true);
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
    const nulls = c.nulls ? take(1) : undefined;
    let values: VectorValues;
    let dict: StringDict | undefined;
    const count = c.present ?? n;
    if (c.present !== undefined && (!nulls || c.present > n)) throw bad(`sparse column ${k} without its NULLs`);
    const fixed = <T extends Uint8Array | Int32Array | Float64Array | BigInt64Array>(v: T): T => (c.present === undefined ? v : expand(v, nulls!, n));
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
  return { length: n, columns };
}
