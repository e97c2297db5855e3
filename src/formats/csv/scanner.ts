/**
 * The CSV byte scanner: finds record and field boundaries in raw bytes in one pass and records
 * the byte offsets of the projected fields in typed arrays. No string or object per row or field.
 *
 * Tokenizer rules (shared with the record-start finder in split-reader.ts, which must agree):
 *  - A record ends at LF outside quotes; a CR right before that LF is not part of the last field.
 *    An empty line (LF or CRLF at a record start) is skipped, it is not a record.
 *  - A field that starts with the quote byte is quoted: it ends at a quote that is not followed by
 *    another quote; `""` inside it is one literal quote (flag 2). Delimiters, CR and LF inside
 *    quotes are data.
 *  - RFC 4180 violations keep the tokenization deterministic but make the record bad: a quote
 *    inside an unquoted field is a literal byte; bytes between a closing quote and the next
 *    delimiter/line end are literal garbage (the record is reported, not returned).
 *  - At the end of the data (final=true) the last record needs no newline.
 *  - A quoted field that does not close before the end of the data, or not within `maxRecordBytes`
 *    of its record's start, is unterminated: the record is bad and ends at the first LF after the
 *    opening quote (or at the end of the data); scanning resumes there. One stray quote thus costs
 *    one line, not the rest of the file, and no split ever buffers more than maxRecordBytes of it.
 *
 * Line accounting: every scan reports how many LF bytes it consumed (record ends, empty lines and
 * newlines inside quoted fields) and each bad record its line relative to the scan's start, so
 * the split reader can give line numbers without a second pass over the bytes.
 */
import type { BadRecord, CsvDialect, RecordBatch } from './types.js';
import { KindlingError } from '../../common/errors.js';

export const DEFAULT_DIALECT: CsvDialect = { delimiter: 0x2c, quote: 0x22 };
export const LF = 0x0a;
export const CR = 0x0d;

export interface ScanResult {
  batch: RecordBatch;
  /** Index just past the last record scanned; the caller keeps buf[consumed..]. */
  consumed: number;
  bad: BadRecord[];
  /** The scan stopped at a record boundary at or after stopAt. */
  done: boolean;
  /** LF bytes in buf[from..consumed): the number of lines the scan moved past. */
  lines: number;
}

export interface ScannerOptions {
  /** Number of fields every good record has. */
  columns: number;
  /** Column indexes to record, in output order (no duplicates). */
  project: number[];
  dialect?: Partial<CsvDialect>;
  /** Good records per batch at most (default 65536). */
  batchRows?: number;
  /** A quoted field not closed within this many bytes of its record's start is unterminated (default 16 MiB). */
  maxRecordBytes?: number;
}

export const DEFAULT_MAX_RECORD_BYTES = 16 << 20;

export function resolveDialect(d?: Partial<CsvDialect>): CsvDialect {
  const out = { ...DEFAULT_DIALECT, ...d };
  const ok = (b: number) => Number.isInteger(b) && b >= 0 && b < 256 && b !== LF && b !== CR;
  if (!ok(out.delimiter) || !ok(out.quote) || out.delimiter === out.quote) {
    throw new KindlingError('INTERNAL', `bad CSV dialect: delimiter ${out.delimiter}, quote ${out.quote}`, {
      hint: 'delimiter and quote must be distinct single bytes other than CR and LF',
    });
  }
  return out;
}

const W1 = 0x01010101;
const W80 = 0x80808080 | 0;
const WLF = 0x0a0a0a0a;

const BAD_NONE = 0;
const BAD_QUOTE_IN_FIELD = 1;
const BAD_AFTER_CLOSE = 2;
const BAD_UNTERMINATED = 3;
const BAD_TOO_LONG = 4;
const MAX_RECORD_TEXT = 300;

const decoder = new TextDecoder('utf-8');

/** The raw text of a record for error reports (truncated, without its line end). */
export function recordText(buf: Uint8Array, start: number, end: number): string {
  let e = Math.min(end, start + MAX_RECORD_TEXT);
  if (e === end) {
    if (e > start && buf[e - 1] === LF) e--;
    if (e > start && buf[e - 1] === CR) e--;
  }
  return decoder.decode(buf.subarray(start, e)) + (e < end - 2 ? '…' : '');
}

export class CsvScanner {
  readonly columns: number;
  readonly project: readonly number[];
  readonly batchRows: number;
  readonly maxRecordBytes: number;
  private readonly delim: number;
  private readonly quote: number;
  /** column index -> position in `project`, or -1 */
  private readonly slot: Int32Array;
  private cap: number;
  /** 1 for the bytes that end an unquoted field run: delimiter, LF, quote */
  private readonly cls = new Uint8Array(256);
  private readonly batch: RecordBatch;

  constructor(opts: ScannerOptions) {
    const { columns, project } = opts;
    if (!Number.isInteger(columns) || columns < 1) throw new KindlingError('INTERNAL', `CsvScanner: bad column count ${columns}`);
    this.columns = columns;
    this.project = [...project];
    const d = resolveDialect(opts.dialect);
    this.delim = d.delimiter;
    this.quote = d.quote;
    this.batchRows = Math.max(1, opts.batchRows ?? 65536);
    this.maxRecordBytes = Math.max(1, opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES);
    this.slot = new Int32Array(columns).fill(-1);
    this.cls[this.delim] = 1;
    this.cls[this.quote] = 1;
    this.cls[LF] = 1;
    project.forEach((c, k) => {
      if (!Number.isInteger(c) || c < 0 || c >= columns || this.slot[c] !== -1) {
        throw new KindlingError('INTERNAL', `CsvScanner: bad projection [${project.join(', ')}] for ${columns} columns`);
      }
      this.slot[c] = k;
    });
    // Full-size arrays up front for ordinary batch sizes: growing mid-scan runs a path the
    // optimized scan has no type feedback for, and V8 then deoptimizes it once per split.
    this.cap = Math.min(this.batchRows, 65536);
    this.batch = {
      buf: new Uint8Array(0),
      baseOffset: 0,
      rows: 0,
      starts: project.map(() => new Int32Array(this.cap)),
      ends: project.map(() => new Int32Array(this.cap)),
      quoted: project.map(() => new Uint8Array(this.cap)),
      recordStarts: new Int32Array(this.cap),
      quote: this.quote,
      scanFrom: 0,
      scanLine: 0,
    };
    // A warm-up scan in the interpreter gives V8 type feedback for the whole function, so the
    // first real scan (optimized on-stack mid-loop) does not deoptimize when it returns. It
    // must run enough bytecode for V8 to allocate the feedback vector first (~200 records).
    const record = String.fromCharCode(this.delim).repeat(columns - 1) + '\n';
    this.scan(new TextEncoder().encode(record.repeat(256)), 0, 0, true);
  }

  private grow(): void {
    const cap = Math.min(this.batchRows, this.cap * 2);
    const b = this.batch;
    const g32 = (a: Int32Array) => { const n = new Int32Array(cap); n.set(a); return n; };
    const g8 = (a: Uint8Array) => { const n = new Uint8Array(cap); n.set(a); return n; };
    b.starts = b.starts.map(g32);
    b.ends = b.ends.map(g32);
    b.quoted = b.quoted.map(g8);
    b.recordStarts = g32(b.recordStarts);
    this.cap = cap;
  }

  /**
   * Scans complete records of buf[from..]. A record is complete when its terminating newline
   * (outside quotes) is in buf, or when final=true. Records starting at or after `stopAt` are not
   * scanned and done=true is returned. Stops after batchRows good records. The returned batch's
   * typed arrays are reused by the next call.
   */
  scan(input: Uint8Array, from: number, baseOffset: number, final: boolean, stopAt: number = input.length): ScanResult {
    // Always a plain Uint8Array view (never a Buffer): one hidden class for every load in the
    // loop and for batch.buf, else V8 deoptimizes this function each time the class changes.
    const buf = Object.getPrototypeOf(input) === Uint8Array.prototype ? input : new Uint8Array(input.buffer, input.byteOffset, input.length);
    const n = buf.length;
    const D = this.delim;
    const Q = this.quote;
    const slot = this.slot;
    const cls = this.cls;
    // A word view of buf from its first 4-byte-aligned byte w0; words cover buf[w0..nw).
    const w0 = Math.min(n, (4 - (buf.byteOffset & 3)) & 3);
    const words = new Int32Array(buf.buffer, buf.byteOffset + w0, (n - w0) >> 2);
    const nw = w0 + words.length * 4;
    const wD = Math.imul(D, W1);
    const wQ = Math.imul(Q, W1);
    const columns = this.columns;
    const limit = this.batchRows;
    const maxRec = this.maxRecordBytes;
    const batch = this.batch;
    let starts = batch.starts;
    let ends = batch.ends;
    let quoted = batch.quoted;
    let recStarts = batch.recordStarts;
    let cap = this.cap;
    let bad: BadRecord[] | undefined;
    let rows = 0;
    let i = from;
    let consumed = from;
    let done = false;
    let empties = 0; // empty lines (each one LF) consumed
    let qlf = 0; // LFs inside the quoted fields of the records consumed
    let crTail = false; // the data ended in a lone CR after the last record

    records: while (rows < limit) {
      if (i >= stopAt) { done = true; break; }
      if (i >= n) break;
      const rs = i;
      let b = buf[i];
      // Empty lines are not records.
      if (b === LF) { consumed = ++i; empties++; continue; }
      if (b === CR) {
        if (i + 1 < n) {
          if (buf[i + 1] === LF) { i += 2; consumed = i; empties++; continue; }
        } else if (final) { consumed = ++i; crTail = true; continue; } else break;
      }
      if (rows === cap) {
        this.grow();
        starts = batch.starts; ends = batch.ends; quoted = batch.quoted; recStarts = batch.recordStarts;
        cap = this.cap;
      }
      recStarts[rows] = rs;
      let field = 0;
      let badKind = BAD_NONE;
      let rq = 0; // LFs inside this record's quoted fields
      for (;;) {
        // i is at the start of a field (i may equal n).
        let fs = i;
        let fe: number;
        let q = 0;
        let atEnd = false; // the field ended the record
        if (i < n && buf[i] === Q) {
          fs = ++i;
          q = 1;
          const rqf = rq;
          // The closing quote must come within maxRec bytes of the record start.
          const lim = rs + maxRec < n ? rs + maxRec : n;
          for (;;) {
            for (; i < lim; i++) {
              const c = buf[i];
              if (c === Q) break;
              if (c === LF) rq++;
            }
            if (i < lim) {
              if (i + 1 < n) {
                if (buf[i + 1] === Q) { q = 2; i += 2; continue; }
                fe = i++;
                break;
              }
              if (!final) break records; // incomplete: need the byte after the quote
              fe = i++; // closing quote is the last byte of the data
              break;
            }
            if (!final && rs + maxRec > n) break records; // incomplete: need more data
            // Unterminated (the end of the data, or maxRec bytes, came first): the bad record
            // ends at the first LF after the opening quote.
            badKind = rs + maxRec <= n ? BAD_TOO_LONG : BAD_UNTERMINATED;
            rq = rqf;
            let j = fs;
            while (j < n && buf[j] !== LF) j++;
            if (j < n) i = j + 1;
            else if (!final) break records;
            else i = n;
            fe = fs;
            break;
          }
          // After the closing quote: delimiter, LF, CRLF or the end of the data.
          if (badKind >= BAD_UNTERMINATED) atEnd = true; // i is past the record already
          else if (i < n) {
            b = buf[i];
            if (b === D) i++;
            else if (b === LF) { i++; atEnd = true; }
            else {
              if (b === CR && i + 1 < n && buf[i + 1] === LF) { i += 2; atEnd = true; }
              else if (b === CR && i + 1 === n) {
                if (!final) break records;
                i++;
                atEnd = true;
              }
              else {
                badKind = BAD_AFTER_CLOSE;
                while (i < n && buf[i] !== D && buf[i] !== LF) i++;
                if (i < n) { if (buf[i++] === LF) atEnd = true; }
                else if (!final) break records;
                else atEnd = true;
              }
            }
          } else if (!final) break records;
          else atEnd = true;
        } else {
          for (;;) {
            // Bytes up to a word boundary, then 4 bytes at a time while no byte of the word is a
            // delimiter, LF or quote (SWAR zero-byte test), then bytes again.
            while (((i - w0) & 3) !== 0 && i < n && cls[buf[i]] === 0) i++;
            if (((i - w0) & 3) === 0) {
              while (i < nw) {
                const w = words[(i - w0) >> 2];
                const x = w ^ wD;
                const y = w ^ WLF;
                const z = w ^ wQ;
                if (((((x - W1) | 0) & ~x) | (((y - W1) | 0) & ~y) | (((z - W1) | 0) & ~z)) & W80) break;
                i += 4;
              }
              while (i < n && cls[buf[i]] === 0) i++;
            }
            if (i < n) b = buf[i];
            if (i < n && b === Q) { badKind = BAD_QUOTE_IN_FIELD; i++; continue; }
            break;
          }
          if (i < n) {
            fe = i;
            if (b === LF) {
              atEnd = true;
              if (fe > fs && buf[fe - 1] === CR) fe--;
            }
            i++;
          } else {
            if (!final) break records;
            fe = n;
            if (fe > fs && buf[fe - 1] === CR) fe--;
            atEnd = true;
          }
        }
        if (field < columns) {
          const k = slot[field];
          if (k >= 0) {
            starts[k][rows] = fs;
            ends[k][rows] = fe;
            quoted[k][rows] = q;
          }
        }
        field++;
        if (atEnd) break;
      }
      consumed = i;
      if (field === columns && badKind === BAD_NONE) rows++;
      else {
        bad ??= [];
        bad.push({
          offset: baseOffset + rs,
          length: i - rs,
          line: 1 + rows + bad.length + empties + qlf,
          reason: badKind === BAD_UNTERMINATED ? 'unterminated quoted field'
            : badKind === BAD_TOO_LONG ? `unterminated quoted field (not closed within ${maxRec} bytes)`
            : badKind === BAD_QUOTE_IN_FIELD ? 'quote inside an unquoted field'
            : badKind === BAD_AFTER_CLOSE ? 'unexpected character after a closing quote'
            : `expected ${columns} fields, found ${field}`,
          record: recordText(buf, rs, i),
        });
      }
      qlf += rq;
    }
    // Every record consumed ended in one LF, except a last one cut by the end of the data.
    let lines = rows + (bad ? bad.length : 0) + empties + qlf;
    if (final && consumed === n && n > from && !crTail && buf[n - 1] !== LF && rows + (bad ? bad.length : 0) > 0) lines--;
    batch.buf = buf;
    batch.baseOffset = baseOffset;
    batch.rows = rows;
    batch.scanFrom = from;
    batch.scanLine = 0;
    return { batch, consumed, bad: bad ?? [], done, lines };
  }
}

/**
 * Reads one record's fields as strings starting at buf[from] (for headers; not hot).
 * Returns undefined when the record is not complete and final is false.
 */
export function readRecordFields(buf: Uint8Array, from: number, final: boolean, dialect?: Partial<CsvDialect>):
  { fields: string[]; next: number } | undefined {
  const { delimiter: D, quote: Q } = resolveDialect(dialect);
  const n = buf.length;
  const fields: string[] = [];
  let i = from;
  let cur: number[] = [];
  const flush = () => { fields.push(decoder.decode(Uint8Array.from(cur))); cur = []; };
  for (;;) {
    if (i < n && buf[i] === Q) {
      i++;
      for (;;) {
        if (i >= n) { if (!final) return undefined; break; }
        if (buf[i] === Q) {
          if (i + 1 >= n && !final) return undefined;
          if (buf[i + 1] === Q) { cur.push(Q); i += 2; continue; }
          i++;
          break;
        }
        cur.push(buf[i++]);
      }
    }
    while (i < n && buf[i] !== D && buf[i] !== LF) cur.push(buf[i++]);
    if (i >= n) {
      if (!final) return undefined;
      if (cur.length && cur[cur.length - 1] === CR) cur.pop();
      flush();
      return { fields, next: n };
    }
    if (buf[i] === LF) {
      if (cur.length && cur[cur.length - 1] === CR) cur.pop();
      flush();
      return { fields, next: i + 1 };
    }
    flush();
    i++;
  }
}
