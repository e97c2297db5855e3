/**
 * The shuffle block codec: one block holds the partial aggregates of one map task for one
 * reduce partition, columnar:
 *   "KSB1" | u32 header length | header JSON | pad to 8 | arrays (8-byte aligned)
 * String keys travel as a block dictionary (the strings, once) plus int32 ids (-1 = null).
 */
import { KindlingError } from '../common/errors.js';

export type KeyColumn = { kind: 'str'; dict: string[]; ids: Int32Array } | { kind: 'num'; values: Float64Array };

export interface ShuffleBlock {
  rows: number;
  keys: KeyColumn[];
  states: Float64Array[];
  distinct: { rows: Int32Array; values: Float64Array }[];
}

interface Header {
  rows: number;
  keys: ({ kind: 'str'; dict: string[] } | { kind: 'num' })[];
  states: number;
  distinct: number[];
}

const MAGIC = 0x3142534b; // "KSB1" little-endian
const pad8 = (n: number) => (n + 7) & ~7;

export function encodeBlock(b: ShuffleBlock): Uint8Array {
  const header: Header = {
    rows: b.rows,
    keys: b.keys.map((k) => (k.kind === 'str' ? { kind: 'str', dict: k.dict } : { kind: 'num' })),
    states: b.states.length,
    distinct: b.distinct.map((d) => d.rows.length),
  };
  const json = Buffer.from(JSON.stringify(header));
  const parts: ArrayBufferView[] = [];
  for (const k of b.keys) parts.push(k.kind === 'str' ? k.ids.subarray(0, b.rows) : k.values.subarray(0, b.rows));
  for (const s of b.states) parts.push(s.subarray(0, b.rows));
  for (const d of b.distinct) parts.push(d.values, d.rows);
  let size = pad8(8 + json.length);
  for (const p of parts) size += pad8(p.byteLength);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, json.length, true);
  out.set(json, 8);
  let off = pad8(8 + json.length);
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), off);
    off += pad8(p.byteLength);
  }
  return out;
}

export function decodeBlock(input: Uint8Array, source = 'shuffle block'): ShuffleBlock {
  // Typed array views need 8-byte alignment: copy when the bytes are not aligned.
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || dv.getUint32(0, true) !== MAGIC) {
    throw new KindlingError('SHUFFLE_FETCH', `corrupt shuffle data in ${source}: bad magic`, { retryable: true });
  }
  const len = dv.getUint32(4, true);
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, len).toString('utf8')) as Header;
  let off = bytes.byteOffset + pad8(8 + len);
  const take = <T>(ctor: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number }, n: number): T => {
    const arr = new ctor(bytes.buffer, off, n);
    off += pad8(n * ctor.BYTES_PER_ELEMENT);
    return arr;
  };
  const keys: KeyColumn[] = header.keys.map((k) =>
    k.kind === 'str' ? { kind: 'str', dict: k.dict, ids: take(Int32Array, header.rows) } : { kind: 'num', values: take(Float64Array, header.rows) },
  );
  const states = Array.from({ length: header.states }, () => take(Float64Array, header.rows));
  const distinct = header.distinct.map((m) => {
    const values = take(Float64Array, m);
    return { values, rows: take(Int32Array, m) };
  });
  if (off > bytes.byteOffset + bytes.byteLength) throw new KindlingError('SHUFFLE_FETCH', `truncated shuffle data in ${source}`, { retryable: true });
  return { rows: header.rows, keys, states, distinct };
}
