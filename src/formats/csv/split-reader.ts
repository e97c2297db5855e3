/**
 * Reads the records of one split of a CSV file (plain or gzip) as RecordBatches.
 *
 * Ownership: a split owns exactly the records whose first byte lies in [start, end). It reads past
 * `end` to finish its last record; a record starting exactly at `end` belongs to the next split.
 * A "record boundary" is the file start or the position just after an LF outside quotes (empty
 * lines are boundaries too, they just hold no record). The summary's endOffset is the first
 * boundary >= end where the scan stopped, and firstRecordOffset is the first boundary >= start the
 * split chose, so the coordinator can check endOffset(i) == firstRecordOffset(i + 1).
 *
 * Finding the first record of a split that starts inside the file (start > 0) is quote-aware,
 * because `start` may fall inside a quoted field holding newlines (see chooseFirstRecord). When a
 * record start is already known (e.g. the previous split's endOffset after a mismatch),
 * `CsvSplit.firstRecordOffset` skips the search.
 */
import { createGunzip } from 'node:zlib';
import { Readable, pipeline } from 'node:stream';
import { KindlingError } from '../../common/errors.js';
import type { ObjectStore } from '../../storage/store.js';
import type { BadRecord, CsvDialect, RecordBatch } from './types.js';
import { CR, CsvScanner, LF, readRecordFields, resolveDialect } from './scanner.js';

export interface CsvSplit {
  uri: string;
  start: number;
  end: number;
  fileSize: number;
  gzip: boolean;
  header: boolean;
  /** A record boundary known to be right (>= start); reading begins there without searching. */
  firstRecordOffset?: number;
  /** The object's version when the job was planned: a changed file fails with INPUT_CHANGED. */
  etag?: string;
}

export interface SplitSummary {
  /** First record boundary of the split (after the BOM and header for the file's first split). */
  firstRecordOffset: number;
  /** Where the split stopped: the first record boundary >= end, or the end of the data. */
  endOffset: number;
  records: number;
  badRecords: number;
  /** LF bytes in [firstRecordOffset, endOffset): the lines the split covers. */
  lines: number;
  /** 1-based line number of the first record, when the split starts at the start of the file. */
  firstLine?: number;
  /** The file holds no data at all (nothing but a BOM); only for a split at the file start. */
  empty?: boolean;
}

export interface SplitReadOptions {
  columns: number;
  project: number[];
  /** When given, the header (first split only) must equal these names exactly. */
  expectHeader?: string[];
  dialect?: Partial<CsvDialect>;
  /** Bytes per read (default 4 MiB); also the least data buffered before a scan. */
  chunkSize?: number;
  /** Good records per batch at most (default 65536). */
  batchRows?: number;
  /** Bytes read past the first newline of a split to choose its first record (default 1 MiB). */
  lookahead?: number;
  /** A quoted field not closed within this many bytes of its record's start is a bad record (default 16 MiB). */
  maxRecordBytes?: number;
}

/** Whether the split's first record is the file's first: then its line numbers are the file's. */
export function startsFile(split: CsvSplit): boolean {
  return split.gzip || (split.firstRecordOffset ?? split.start) === 0;
}

const DEFAULT_CHUNK = 4 << 20;
const DEFAULT_LOOKAHEAD = 1 << 20;

/** A growable byte window over the file: buf[0..len) holds the bytes from file offset `base`. */
class Window {
  buf = new Uint8Array(0);
  len = 0;
  constructor(public base: number) {}
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
  append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length));
      b.set(this.buf.subarray(0, this.len));
      this.buf = b;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }
  drop(k: number): void {
    if (k <= 0) return;
    this.buf.copyWithin(0, k, this.len);
    this.len -= k;
    this.base += k;
  }
}

/**
 * Yields the split's good records in batches (each batch valid until the next iteration) and the
 * bad records beside them; returns the summary. For gzip files (one split per file) all offsets
 * are positions in the decompressed data. Line numbers (BadRecord.line, batch.scanLine) count
 * from the start of the file when the split starts the file (`startsFile`), else from the
 * split's first record, which is line 1.
 */
export async function* readCsvSplit(store: ObjectStore, split: CsvSplit, opts: SplitReadOptions): AsyncGenerator<{ batch: RecordBatch; bad: BadRecord[] }, SplitSummary> {
  const dialect = resolveDialect(opts.dialect);
  const chunkSize = Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK);
  const file = split.uri;
  if (split.gzip && (split.start !== 0 || split.firstRecordOffset)) {
    throw new KindlingError('INTERNAL', `a gzip file is read as one split, got start ${split.start} for ${file}`);
  }
  const known = split.firstRecordOffset;
  const fromStart = startsFile(split);
  const readFrom = split.gzip ? 0 : known ?? Math.max(0, split.start - 1);
  const end = split.gzip ? Infinity : Math.min(split.end, split.fileSize);
  if (!split.gzip && readFrom >= split.fileSize) {
    return { firstRecordOffset: split.fileSize, endOffset: split.fileSize, records: 0, badRecords: 0, lines: 0, empty: fromStart || undefined };
  }

  const win = new Window(readFrom);
  let rawBytes = 0;
  const counted = (async function* () {
    for await (const c of store.readStream(file, readFrom, chunkSize, { etag: split.etag, end: split.gzip ? undefined : split.end })) {
      rawBytes += c.length;
      if (readFrom + rawBytes > split.fileSize) throw changed(file, split.fileSize, 'grew');
      yield c;
    }
    if (readFrom + rawBytes !== split.fileSize) throw changed(file, split.fileSize, 'shrank');
  })();
  const source = split.gzip ? gunzip(counted, file, chunkSize) : counted;
  const it = source[Symbol.asyncIterator]();
  let eof = false;
  const pull = async (): Promise<void> => {
    const r = await it.next();
    if (r.done) eof = true;
    else win.append(r.value);
  };

  try {
    // 1. The first record.
    let first: number;
    if (fromStart) {
      while (win.len < 3 && !eof) await pull();
      const b = win.buf;
      first = win.len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
      if (first >= win.len && eof) return { firstRecordOffset: first, endOffset: first, records: 0, badRecords: 0, lines: 0, firstLine: 1, empty: true };
      if (split.header) {
        let h;
        while (!(h = readRecordFields(win.view(), first, eof, dialect))) await pull();
        if (opts.expectHeader) checkHeader(file, win.base + first, opts.expectHeader, h.fields);
        first = h.next;
      }
    } else if (known !== undefined) {
      first = 0;
    } else {
      let L = -1;
      for (let searched = 0; ; ) {
        L = win.view().indexOf(LF, searched);
        if (L >= 0 || eof) break;
        searched = win.len;
        await pull();
      }
      if (L < 0) {
        first = win.len; // no record starts in the rest of the file
      } else {
        // Read `lookahead` bytes past L; while the choice is not sure, up to 16 times more.
        const lookahead = Math.max(1, opts.lookahead ?? DEFAULT_LOOKAHEAD);
        for (let want = lookahead; ; want *= 2) {
          while (!eof && win.len < L + 1 + want) await pull();
          const c = chooseFirstRecord(win.view(), L, eof, opts.columns, dialect);
          first = c.first;
          if (c.sure || eof || want >= 16 * lookahead) break;
        }
      }
    }
    const firstRecordOffset = win.base + first;
    // The header (and any BOM) precede the first record of the file: count their lines once.
    let firstLine: number | undefined;
    if (fromStart) {
      firstLine = 1;
      for (let k = win.buf.indexOf(LF); k >= 0 && k < first; k = win.buf.indexOf(LF, k + 1)) firstLine++;
    }

    // 2. The records.
    const scanner = new CsvScanner({ columns: opts.columns, project: opts.project, dialect, batchRows: opts.batchRows, maxRecordBytes: opts.maxRecordBytes });
    let pos = first;
    let records = 0;
    let badRecords = 0;
    // Line numbers count from the file start when the split starts the file, else from its first record.
    const lineBase = firstLine === undefined ? 0 : firstLine - 1;
    let lines = lineBase; // LFs before pos
    for (;;) {
      const r = scanner.scan(win.view(), pos, win.base, eof, end - win.base);
      r.batch.scanLine = lines;
      for (const b of r.bad) b.line += lines;
      pos = r.consumed;
      lines += r.lines;
      records += r.batch.rows;
      badRecords += r.bad.length;
      if (r.batch.rows > 0 || r.bad.length > 0) yield { batch: r.batch, bad: r.bad };
      if (r.done || (eof && pos >= win.len)) break;
      if (r.batch.rows === scanner.batchRows) continue; // the batch filled up; more may be buffered
      win.drop(pos);
      pos = 0;
      do await pull(); while (!eof && win.len < chunkSize);
    }
    return { firstRecordOffset, endOffset: win.base + pos, records, badRecords, lines: lines - lineBase, firstLine };
  } finally {
    await it.return?.(undefined);
  }
}

function changed(file: string, size: number, how: string): KindlingError {
  return new KindlingError('INPUT_CHANGED', `${file} ${how} while it was read (planned size ${size} bytes)`, {
    place: { file },
    retryable: false,
    hint: 'do not modify input files while a job runs; rerun the job',
  });
}

function checkHeader(file: string, offset: number, expected: string[], found: string[]): void {
  if (expected.length === found.length && expected.every((e, i) => e === found[i])) return;
  const i = expected.findIndex((e, k) => e !== found[k]);
  const detail = i >= 0 && i < found.length
    ? `column ${i + 1} is "${found[i]}", expected "${expected[i]}"`
    : `found ${found.length} columns, expected ${expected.length}`;
  throw new KindlingError('INPUT_BAD_HEADER',
    `${file}: the header does not match the schema (${detail}): expected [${expected.join(', ')}], found [${found.join(', ')}]`, {
      place: { file, offset, line: 1 },
      hint: 'fix the columns in the job spec to match the file, or set header: false if the file has no header line',
    });
}

/** Decompresses a gzip byte stream; zlib failures become INPUT_CORRUPT naming the file. */
async function* gunzip(src: AsyncIterable<Uint8Array>, file: string, chunkSize: number): AsyncGenerator<Uint8Array> {
  const gz = createGunzip({ chunkSize: Math.max(64, Math.min(chunkSize, 1 << 20)) });
  pipeline(Readable.from(src), gz, () => {}); // errors reach the iteration below via gz
  try {
    for await (const c of gz) yield c as Buffer;
  } catch (e) {
    if (e instanceof KindlingError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code.startsWith('ERR_ZLIB') || /unexpected end of file|incorrect header check|invalid/.test(String((e as Error).message))) {
      throw new KindlingError('INPUT_CORRUPT', `${file}: the gzip data is corrupt or truncated (${(e as Error).message})`, {
        place: { file },
        hint: 'the file is damaged or was cut short; re-upload it (record offsets in gzip files count decompressed bytes)',
        cause: e,
      });
    }
    throw e;
  } finally {
    gz.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing the first record of a split that starts at start > 0.
//
// Let L be the first LF at or after start - 1 (found; none means the split owns no record). The
// byte at L is either inside a quoted field or it ends a record; there is no third case. So:
//   OUT: L ends a record; the first record starts at L + 1.
//   IN:  L lies inside a quoted field; the first record starts after the LF that ends the record
//        holding that field.
// Both hypotheses are walked over the data read so far (`lookahead` bytes past L, or to the end of
// the file) with the scanner's own tokenizer rules, counting violations: a quote inside an
// unquoted field, a byte other than delimiter/CRLF/LF after a closing quote, a record whose field
// count differs from `columns` (unknown for IN's first, partial record), a quoted field still open
// at the end of the file. From a boundary both reach, the two walks are identical, so the walk
// stops there and only violations before it count. Rule: choose IN only when it is possible (its
// opening quoted field closed within the data read) and it has strictly fewer violations than
// OUT; otherwise choose OUT. On quote-free data IN never closes, so OUT wins at once. When the
// walks neither converged nor ruled IN out while OUT is clean, the window doubles (up to 16x
// `lookahead`) before the counts decide.
// ---------------------------------------------------------------------------------------------

const FS = 0; // at a field start
const UQ = 1; // in an unquoted field
const QT = 2; // in a quoted field
const QQ = 3; // just saw a quote inside a quoted field
const AC = 4; // after a closing quote (CR or garbage)

interface Walk { violations: number; open: boolean }

function walk(buf: Uint8Array, from: number, final: boolean, inQuoted: boolean, columns: number, d: CsvDialect,
  onBoundary: (pos: number, violations: number) => boolean): Walk {
  const n = buf.length;
  const D = d.delimiter;
  const Q = d.quote;
  let state = inQuoted ? QT : FS;
  let field = inQuoted ? -(1 << 30) : 0; // negative: count unknown (IN's partial first record)
  let bad = false;
  let violations = 0;
  let opening = inQuoted; // IN's first field is still open
  let rs = from;
  let i = from;
  const endRecord = (at: number): boolean => {
    field++;
    if (bad || (field >= 0 && field !== columns)) violations++;
    field = 0;
    bad = false;
    state = FS;
    rs = at;
    return onBoundary(at, violations);
  };
  for (; i < n; i++) {
    const b = buf[i];
    switch (state) {
      case FS:
        if (i === rs && field === 0) {
          if (b === LF) { rs = i + 1; if (onBoundary(rs, violations)) return { violations, open: false }; continue; }
          if (b === CR && i + 1 < n && buf[i + 1] === LF) { rs = ++i + 1; if (onBoundary(rs, violations)) return { violations, open: false }; continue; }
        }
        if (b === Q) state = QT;
        else if (b === D) field++;
        else if (b === LF) { if (endRecord(i + 1)) return { violations, open: false }; }
        else state = UQ;
        break;
      case UQ:
        if (b === D) { field++; state = FS; }
        else if (b === LF) { if (endRecord(i + 1)) return { violations, open: false }; }
        else if (b === Q) bad = true;
        break;
      case QT:
        if (b === Q) state = QQ;
        break;
      case QQ:
        if (b === Q) { state = QT; break; }
        opening = false;
        if (b === D) { field++; state = FS; }
        else if (b === LF) { if (endRecord(i + 1)) return { violations, open: false }; }
        else { if (!(b === CR && (i + 1 === n || buf[i + 1] === LF))) bad = true; state = AC; }
        break;
      default: // AC
        if (b === D) { field++; state = FS; }
        else if (b === LF) { if (endRecord(i + 1)) return { violations, open: false }; }
    }
  }
  if (!final) return { violations, open: opening };
  if (state === QT) { violations++; return { violations, open: opening }; } // unterminated
  if (state === QQ) opening = false;
  if (i > rs && !(i - rs === 1 && buf[rs] === CR)) endRecord(n);
  else onBoundary(n, violations);
  return { violations, open: opening };
}

/**
 * The first record start (index into buf) of a split whose data begins at buf[0] = byte start - 1,
 * and whether more data could change the choice (sure = false: the caller may read more first).
 */
export function chooseFirstRecord(buf: Uint8Array, L: number, final: boolean, columns: number, dialect: CsvDialect): { first: number; sure: boolean } {
  if (buf.indexOf(dialect.quote, L + 1) < 0) {
    // No quote byte at all: IN cannot close, so it is impossible at the end of the file and
    // otherwise possible only if OUT is not clean. Count OUT's bad records with the fast scanner.
    if (final) return { first: L + 1, sure: true };
    const sc = new CsvScanner({ columns, project: [], dialect, batchRows: 1 << 30 });
    return { first: L + 1, sure: sc.scan(buf, L + 1, 0, false).bad.length === 0 };
  }
  const outAt = new Map<number, number>([[L + 1, 0]]);
  const out = walk(buf, L + 1, final, false, columns, dialect, (p, v) => { outAt.set(p, v); return false; });
  let inFirst = -1;
  let inV = 0;
  let outV = -1;
  const inn = walk(buf, L + 1, final, true, columns, dialect, (p, v) => {
    if (inFirst < 0) inFirst = p;
    const o = outAt.get(p);
    if (o === undefined) return false;
    inV = v;
    outV = o;
    return true;
  });
  if (outV >= 0) return { first: inV < outV ? inFirst : L + 1, sure: true }; // converged
  if (inn.open || inFirst < 0) return { first: L + 1, sure: final || out.violations === 0 };
  return { first: inn.violations < out.violations ? inFirst : L + 1, sure: final };
}
