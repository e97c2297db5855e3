/**
 * Fuzzing helpers (no tests here): seeded mutations of CSV bytes, and a reference tokenizer that
 * states the scanner's record rules in the plainest code, byte by byte: which records a file holds,
 * where each starts, and whether its shape is bad (field count, quotes).
 */

/** mulberry32, the seeded PRNG the CSV tests use. */
export { rng } from '../formats/csv/helpers.js';

const LF = 0x0a;
const CR = 0x0d;
const Q = 0x22;
const D = 0x2c;
const INTERESTING = [Q, D, LF, CR, 0x00, 0xff, 0xc3, 0x80, 0x20, 0x2e, 0x2d, 0x30, 0x39];

/** Applies 1..maxOps random mutations to buf[from..]: byte flips, truncation, quotes, duplicated or dropped lines, CR/LF/delimiters, invalid UTF-8. */
export function mutate(input: Uint8Array, rand: () => number, from = 0, maxOps = 4): { bytes: Uint8Array; ops: string[] } {
  let b = Array.from(input);
  const ops: string[] = [];
  const pos = () => from + Math.floor(rand() * Math.max(1, b.length - from));
  const lineAt = (p: number): [number, number] => {
    let s = p;
    while (s > from && b[s - 1] !== LF) s--;
    let e = p;
    while (e < b.length && b[e] !== LF) e++;
    return [s, Math.min(b.length, e + 1)];
  };
  const n = 1 + Math.floor(rand() * maxOps);
  for (let k = 0; k < n && b.length > from; k++) {
    const op = Math.floor(rand() * 9);
    const p = pos();
    switch (op) {
      case 0: { // flip bytes
        const count = 1 + Math.floor(rand() * 4);
        for (let j = 0; j < count; j++) {
          const q = pos();
          b[q] = rand() < 0.5 ? INTERESTING[Math.floor(rand() * INTERESTING.length)] : Math.floor(rand() * 256);
        }
        ops.push(`flip ${count} @${p}`);
        break;
      }
      case 1: // truncate
        b = b.slice(0, p);
        ops.push(`truncate @${p}`);
        break;
      case 2: // insert a quote
        b.splice(p, 0, Q);
        ops.push(`quote @${p}`);
        break;
      case 3: { // duplicate a line elsewhere
        const [s, e] = lineAt(p);
        const line = b.slice(s, e);
        const to = lineAt(pos())[0];
        b.splice(to, 0, ...line);
        ops.push(`dup line @${s} -> ${to}`);
        break;
      }
      case 4: { // drop a range of bytes
        const len = 1 + Math.floor(rand() * 40);
        b.splice(p, len);
        ops.push(`drop ${len} @${p}`);
        break;
      }
      case 5: // a line break, a CR or a delimiter
        b.splice(p, 0, ...([[LF], [CR], [CR, LF], [D], [D, D]][Math.floor(rand() * 5)]));
        ops.push(`break @${p}`);
        break;
      case 6: // invalid UTF-8 or a stray multi-byte lead
        b.splice(p, 0, ...([[0xff], [0xc3], [0xe2, 0x82], [0xc3, 0xa9]][Math.floor(rand() * 4)]));
        ops.push(`utf8 @${p}`);
        break;
      case 7: { // a quoted field with a delimiter, doubled quotes or a newline inside
        const [s] = lineAt(p);
        b.splice(s, 0, ...Array.from(new TextEncoder().encode(['"a,b",', '"x""y",', '"l1\nl2",', '"",'][Math.floor(rand() * 4)])));
        ops.push(`quoted @${s}`);
        break;
      }
      default: { // swap two lines
        const [s1, e1] = lineAt(p);
        const line = b.splice(s1, e1 - s1);
        const to = lineAt(pos())[0];
        b.splice(Math.min(to, b.length), 0, ...line);
        ops.push(`move line @${s1} -> ${to}`);
      }
    }
  }
  return { bytes: Uint8Array.from(b), ops };
}

export interface RefRecord {
  offset: number;
  /** End of the record, its line end included. */
  end: number;
  bad: boolean;
  /** Field contents (quotes removed, doubled quotes undone) of a good record. */
  fields?: Uint8Array[];
}

/**
 * The records of buf by the scanner's rules (see scanner.ts): empty lines are no records; a
 * quoted field closes at a quote not followed by another; a quote inside an unquoted field, bytes
 * after a closing quote, or a field count other than `columns` make a record bad; a quoted field
 * not closed before the end of the data, or within maxRecordBytes of the record's start, makes
 * the record bad and it ends at the first LF after the opening quote.
 */
export function refRecords(buf: Uint8Array, columns: number, maxRecordBytes = 16 << 20, from = 0): RefRecord[] {
  const out: RefRecord[] = [];
  const n = buf.length;
  let i = from;
  while (i < n) {
    if (buf[i] === LF) { i++; continue; }
    if (buf[i] === CR && (i + 1 === n || buf[i + 1] === LF)) { i += i + 1 === n ? 1 : 2; continue; }
    const rs = i;
    let bad = false;
    const fields: Uint8Array[] = [];
    let ended = false;
    while (!ended) {
      if (i < n && buf[i] === Q) {
        const content: number[] = [];
        const lim = Math.min(n, rs + maxRecordBytes);
        let j = i + 1;
        let closed = -1;
        for (;;) {
          while (j < lim && buf[j] !== Q) content.push(buf[j++]);
          if (j < lim) {
            if (j + 1 < n && buf[j + 1] === Q) { content.push(Q); j += 2; continue; }
            closed = j;
          }
          break;
        }
        if (closed < 0) {
          // unterminated: the record ends at the first LF after the opening quote
          const k = buf.indexOf(LF, i + 1);
          i = k < 0 ? n : k + 1;
          bad = true;
          fields.push(new Uint8Array(0));
          break;
        }
        fields.push(Uint8Array.from(content));
        i = closed + 1;
        if (i >= n) { ended = true; break; }
        const b = buf[i];
        if (b === D) { i++; continue; }
        if (b === LF) { i++; ended = true; break; }
        if (b === CR && i + 1 < n && buf[i + 1] === LF) { i += 2; ended = true; break; }
        if (b === CR && i + 1 === n) { i++; ended = true; break; }
        bad = true; // bytes after the closing quote, up to the next delimiter or LF
        while (i < n && buf[i] !== D && buf[i] !== LF) i++;
        if (i >= n) { ended = true; break; }
        if (buf[i++] === LF) { ended = true; break; }
        continue;
      }
      const s = i;
      while (i < n && buf[i] !== D && buf[i] !== LF) {
        if (buf[i] === Q) bad = true;
        i++;
      }
      let e = i;
      if (i >= n || buf[i] === LF) {
        if (e > s && buf[e - 1] === CR) e--;
        ended = true;
      }
      fields.push(buf.slice(s, e));
      if (i < n) i++;
    }
    const good = !bad && fields.length === columns;
    out.push({ offset: rs, end: i, bad: !good, ...(good ? { fields } : {}) });
  }
  return out;
}
