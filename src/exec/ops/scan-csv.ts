/**
 * The table scan of a CSV split (plain or gzip): formats/csv/split-reader.ts finds the records
 * of the split (each record of a file belongs to exactly one split) and the byte offsets of the
 * projected fields; ./scan-csv-columns.ts turns those into Vectors. The table's csv options give
 * the dialect (header, delimiter, quote, nullValue, timestampFormat); the header line, when the
 * table has one, is skipped, not checked (the declared schema names the columns, as DuckDB's
 * read_csv with explicit columns does).
 *
 * Bad records (a wrong field count, broken quoting, a value that is not of its column's type)
 * follow the scan's policy (./scan-common.ts). Their line numbers are the file's when the split
 * starts the file, and absent otherwise (the byte offset always is the file's).
 */
import { KindlingError } from '../../common/errors.js';
import type { TableSource } from '../../plan/logical/nodes.js';
import type { ObjectStore } from '../../storage/store.js';
import type { Batch } from '../../types/vector.js';
import type { RecordBatch, BadRecord } from '../../formats/csv/types.js';
import { readCsvSplit, startsFile } from '../../formats/csv/split-reader.js';
import { LF } from '../../formats/csv/scanner.js';
import { compileTimestampFormat } from '../../formats/csv/timestamp-format.js';
import { CsvColumn, type BadValue } from './scan-csv-columns.js';
import { BadRecords, type BadRecordReport, type ScanOptions, type Split } from './scan-common.js';
import { takeBatch } from './rows.js';

export interface CsvOptions {
  header: boolean;
  delimiter: string;
  quote: string;
  nullValue: string;
  timestampFormat?: string;
}

/** The table's csv options, defaults filled in (a header line, ',', '"', empty = NULL). */
export function csvOptions(table: TableSource): CsvOptions {
  return { header: true, delimiter: ',', quote: '"', nullValue: '', ...table.csv };
}

function dialectByte(table: TableSource, what: 'delimiter' | 'quote', s: string): number {
  const b = Buffer.from(s, 'utf8');
  if (b.length !== 1 || s === '\n' || s === '\r') {
    throw new KindlingError('USAGE', `table ${table.name}: the CSV ${what} must be a single one-byte character other than a line end, not ${JSON.stringify(s)}`, {
      hint: `use e.g. ${what === 'delimiter' ? "',' or '\\t' or '|'" : `'"' or "'"`}`,
    });
  }
  return b[0];
}

/** The split's rows as Batches of the table's columns `columns` (indices into its schema), in that order. */
export async function* scanCsvSplit(store: ObjectStore, table: TableSource, split: Split, columns: number[], opts: ScanOptions = {}): AsyncGenerator<Batch> {
  const o = csvOptions(table);
  const delimiter = dialectByte(table, 'delimiter', o.delimiter);
  const quote = dialectByte(table, 'quote', o.quote);
  const file = split.uri;
  // Each table column once in the scanner's projection, however often `columns` names it.
  const project: number[] = [];
  for (const c of columns) if (!project.includes(c)) project.push(c);
  const nullBytes = o.nullValue ? new TextEncoder().encode(o.nullValue) : undefined;
  const tsFormat = o.timestampFormat ? compileTimestampFormat(o.timestampFormat) : undefined;
  const readers = project.map((c, k) => new CsvColumn(table.schema[c], k, file, nullBytes, tsFormat));
  const order = columns.map((c) => project.indexOf(c));
  const bad = new BadRecords(opts.bad);
  const lineKnown = startsFile({ ...split, header: o.header });
  const reader = readCsvSplit(store, { uri: file, start: split.start, end: split.end, fileSize: split.fileSize, gzip: split.gzip, header: o.header, etag: split.etag }, {
    columns: table.schema.length,
    project,
    dialect: { delimiter, quote },
    chunkSize: opts.chunkSize ?? 1 << 20,
    batchRows: opts.batchRows ?? 8192,
  });
  for await (const { batch, bad: badRecords } of reader) {
    const values: BadValue[] = [];
    const vectors = batch.rows > 0 ? readers.map((r) => r.read(batch, values)) : [];
    let out: Batch = { length: batch.rows, columns: order.map((k) => vectors[k]) };
    if (badRecords.length > 0 || values.length > 0) {
      const dropped = report(bad, file, lineKnown, batch, badRecords, values);
      if (dropped.size > 0) {
        const keep: number[] = [];
        for (let r = 0; r < batch.rows; r++) if (!dropped.has(r)) keep.push(r);
        out = takeBatch(out, keep);
      }
    }
    if (out.length > 0) yield out;
  }
}

/** Feeds the batch's bad records to the policy in file order; returns the rows to drop (skip). */
function report(bad: BadRecords, file: string, lineKnown: boolean, batch: RecordBatch, records: BadRecord[], values: BadValue[]): Set<number> {
  const all: { r: BadRecordReport; hint?: string; excerpt?: string; row?: number }[] = records.map((b) => ({
    r: { file, offset: b.offset, ...(lineKnown ? { line: b.line } : {}), reason: `bad record: ${b.reason}` },
    excerpt: b.record,
  }));
  values.sort((a, b) => a.row - b.row);
  // Line numbers of decoded rows: LFs from the scan's start, counted once over the batch.
  let pos = batch.scanFrom;
  let line = batch.scanLine + 1;
  const buf = batch.buf;
  for (const v of values) {
    const start = batch.recordStarts[v.row];
    if (lineKnown) for (let k = buf.indexOf(LF, pos); k >= 0 && k < start; k = buf.indexOf(LF, k + 1)) line++;
    pos = start;
    // The record's text: up to the next record's start, without its line end.
    const next = v.row + 1 < batch.rows ? batch.recordStarts[v.row + 1] : buf.indexOf(LF, start);
    const raw = Buffer.from(buf.buffer, buf.byteOffset + start, Math.max(0, (next < 0 ? buf.length : next) - start)).toString('utf8').replace(/\r?\n$/, '');
    all.push({ r: { file, offset: batch.baseOffset + start, ...(lineKnown ? { line } : {}), field: v.field, reason: v.reason, record: raw }, hint: v.hint, row: v.row });
  }
  all.sort((a, b) => a.r.offset - b.r.offset);
  const dropped = new Set<number>();
  for (const a of all) {
    if (a.row !== undefined && dropped.has(a.row)) continue; // one report per record
    bad.add(a.r, a.hint, a.excerpt);
    if (a.row !== undefined) dropped.add(a.row);
  }
  return dropped;
}
