/**
 * The table scan of a JSON Lines split (plain or gzip): one JSON object per line, a table
 * column read from the field of its name (exactly, else ignoring case; a missing field or null
 * is NULL). Values convert as a cast from their JSON kind would: numbers keep their digits
 * (BIGINT and DECIMAL exact), strings read as the column's type (a TIMESTAMP or DATE as text,
 * a number in quotes), true/false as BOOLEAN; any value reads as VARCHAR (a number's text, a
 * nested object's JSON). A split owns the lines that start in it (a gzip file: one split).
 * A line that is not a JSON object, or a value that does not convert, is a bad record under
 * the scan's policy, named by file, byte offset, line (when the split starts the file) and field.
 */
import { gunzipSync } from 'node:zlib';
import { KindlingError } from '../../common/errors.js';
import type { TableSource } from '../../plan/logical/nodes.js';
import type { ObjectStore } from '../../storage/store.js';
import { parseJsonObject, plainNumber, type JsonToken } from '../../formats/jsonl.js';
import { parseValue } from '../../types/parse-value.js';
import type { DataType } from '../../types/datatype.js';
import { typeName } from '../../types/datatype.js';
import { vectorOf, type Batch, type Scalar } from '../../types/vector.js';
import { BadRecords, type ScanOptions, type Split } from './scan-common.js';

const LF = 10;

/** The bytes holding the split's lines: from its first line start to the end of the line crossing its end. */
async function splitBytes(store: ObjectStore, split: Split): Promise<{ buf: Uint8Array; base: number; from: number; to: number }> {
  if (split.gzip) {
    let raw: Uint8Array;
    try {
      raw = gunzipSync(await store.readAll(split.uri));
    } catch (e) {
      throw new KindlingError('INPUT_CORRUPT', `${split.uri}: not a readable gzip file (${(e as Error).message})`, { place: { file: split.uri }, cause: e });
    }
    return { buf: raw, base: 0, from: 0, to: raw.length };
  }
  const base = Math.max(0, split.start - 1);
  const endRel = split.end - base;
  let buf = await store.readRange(split.uri, base, Math.min(split.fileSize, split.end));
  // Read on until the line holding the split's last byte is complete (an LF at or after it, or the file's end).
  for (let at = Math.min(split.fileSize, split.end); at < split.fileSize && buf.indexOf(LF, Math.max(0, endRel - 1)) < 0;) {
    const next = await store.readRange(split.uri, at, Math.min(split.fileSize, at + (1 << 20)));
    buf = Buffer.concat([buf, next]);
    at += next.length;
  }
  // The first line that starts in the split (buf[0] is the byte before it, when it does not start the file).
  let from = 0;
  if (split.start > 0) {
    const lf = buf.indexOf(LF);
    from = lf < 0 ? buf.length : lf + 1;
  }
  if (from >= endRel) return { buf, base, from, to: from };
  // Up to the end of the line holding the split's last byte.
  const lf = buf.indexOf(LF, Math.max(from, endRel - 1));
  return { buf, base, from, to: lf < 0 ? buf.length : lf + 1 };
}

/** The value of a token for a column of type t, or a reason it does not convert. */
function convert(tok: JsonToken | undefined, t: DataType): Scalar | { bad: string } {
  if (!tok || tok.kind === 'null') return null;
  if (t.id === 'VARCHAR') return tok.kind === 'string' ? tok.value : tok.kind === 'bool' ? String(tok.value) : tok.text;
  if (tok.kind === 'bool') return t.id === 'BOOLEAN' ? tok.value : { bad: `a boolean is not a ${typeName(t)}` };
  if (tok.kind === 'json') return { bad: `a nested value is not a ${typeName(t)}` };
  if (tok.kind === 'number' && !/\d/.test(tok.text)) return t.id === 'DOUBLE' ? Number(tok.text) : { bad: `${tok.text} is not a ${typeName(t)}` };
  const text = tok.kind === 'string' ? tok.value : t.id === 'DOUBLE' ? tok.text : plainNumber(tok.text);
  if (tok.kind === 'number' && (t.id === 'INTEGER' || t.id === 'BIGINT') && /\.\d*[1-9]/.test(text)) return { bad: `${tok.text} is not an integer` };
  const v = parseValue(t.id === 'INTEGER' || t.id === 'BIGINT' ? text.replace(/\.0*$/, '') : text, t);
  return v === undefined ? { bad: `${JSON.stringify(text.slice(0, 60))} is not a ${typeName(t)}` } : v;
}

export async function* scanJsonlSplit(store: ObjectStore, table: TableSource, split: Split, columns: number[], opts: ScanOptions = {}): AsyncGenerator<Batch> {
  const file = split.uri;
  const bad = new BadRecords(opts.bad);
  const { buf, base, from, to } = await splitBytes(store, split);
  const batchRows = opts.batchRows ?? 8192;
  const names = columns.map((c) => table.schema[c].name);
  const types = columns.map((c) => table.schema[c].type);
  const lineKnown = split.start === 0;
  let line = 0;
  let rows: Scalar[][] = columns.map(() => []);
  let n = 0;
  const flush = (): Batch => {
    const b: Batch = { length: n, columns: rows.map((vs, k) => vectorOf(types[k], vs)) };
    rows = columns.map(() => []);
    n = 0;
    return b;
  };
  for (let p = from; p < to;) {
    let e = buf.indexOf(LF, p);
    if (e < 0 || e >= to) e = to;
    line++;
    const offset = base + p;
    let text = Buffer.from(buf.buffer, buf.byteOffset + p, e - p).toString('utf8');
    p = e + 1;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') continue;
    const fields = parseJsonObject(text);
    const place = { file, offset, ...(lineKnown ? { line } : {}) };
    if (typeof fields === 'string') {
      bad.add({ ...place, reason: `bad record: ${fields}` }, undefined, text);
      continue;
    }
    const values: Scalar[] = [];
    let failed = false;
    for (let k = 0; k < columns.length; k++) {
      let tok = fields.get(names[k]);
      if (tok === undefined) for (const [key, v] of fields) if (key.toLowerCase() === names[k].toLowerCase()) { tok = v; break; }
      const v = convert(tok, types[k]);
      if (v !== null && typeof v === 'object' && 'bad' in v) {
        bad.add({ ...place, field: names[k], reason: `bad value in column ${names[k]}: ${v.bad}`, record: text }, 'fix the value, or read the table with onBadRecord: skip to drop bad records');
        failed = true;
        break;
      }
      values.push(v);
    }
    if (failed) continue;
    for (let k = 0; k < columns.length; k++) rows[k].push(values[k]);
    n++;
    if (n >= batchRows) yield flush();
  }
  if (n > 0) yield flush();
}
