/**
 * What the table scan's readers share: the split (a byte range of a CSV file, or a whole file),
 * the scan options, and the bad-record policy. A bad record is a CSV record with the wrong field
 * count or broken quoting, or a value that does not read as its column's type:
 *
 *  - fail (default): the first one throws INPUT_BAD_RECORD with its file, byte offset, line (when
 *    the split starts the file, so the line is the file's) and field;
 *  - skip: it is dropped, counted and reported to `onBad`; more than `maxCount` of them in one
 *    split throws.
 */
import { KindlingError } from '../../common/errors.js';

/** A unit of scan work: bytes [start, end) of one file (a gzip or Parquet file: all of it). */
export interface Split {
  uri: string;
  /** CSV: the split owns the records whose first byte lies in [start, end). */
  start: number;
  end: number;
  fileSize: number;
  /** The object's version when the splits were listed: a file that changed is INPUT_CHANGED. */
  etag?: string;
  /** A gzip-compressed CSV file (read whole, as one split). */
  gzip: boolean;
  /** Parquet: the row groups to read (absent: all). */
  rowGroups?: number[];
}

export interface BadRecordReport {
  file: string;
  offset: number;
  /** 1-based line in the file, when known. */
  line?: number;
  field?: string;
  reason: string;
  /** The raw record without its line end, when the reader has it (quarantine writes it). */
  record?: string;
}

export interface BadPolicyOptions {
  onBadRecord: 'fail' | 'skip';
  /** skip: more than this many bad records in one split throws. */
  maxCount?: number;
  /** skip: called for each bad record dropped. */
  onBad?: (r: BadRecordReport) => void;
}
export type BadPolicy = 'fail' | 'skip' | BadPolicyOptions;

export interface ScanOptions {
  bad?: BadPolicy;
  /** Rows per batch at most (default 8192). */
  batchRows?: number;
  /** Bytes per read (default 1 MiB). */
  chunkSize?: number;
}

const HINT = 'fix or remove the record, or read the table with onBadRecord: skip to drop bad records';

/** One split's bad records under the policy: throws for the first (fail) or counts them (skip). */
export class BadRecords {
  count = 0;
  private readonly policy: BadPolicyOptions;

  constructor(policy: BadPolicy | undefined) {
    this.policy = typeof policy === 'string' || policy === undefined ? { onBadRecord: policy ?? 'fail' } : policy;
  }

  get failing(): boolean {
    return this.policy.onBadRecord === 'fail';
  }

  /** A bad record; `hint` and `excerpt` (the raw record) only shape the error of fail mode. */
  add(r: BadRecordReport, hint = HINT, excerpt?: string): void {
    if (this.failing) {
      const message = excerpt === undefined ? r.reason : `${r.reason}: ${JSON.stringify(excerpt.slice(0, 120))}`;
      throw new KindlingError('INPUT_BAD_RECORD', message, {
        place: { file: r.file, ...(r.line !== undefined ? { line: r.line } : {}), offset: r.offset, ...(r.field ? { field: r.field } : {}) },
        hint,
      });
    }
    this.count++;
    this.policy.onBad?.(excerpt !== undefined && r.record === undefined ? { ...r, record: excerpt } : r);
    const max = this.policy.maxCount;
    if (max !== undefined && this.count > max) {
      throw new KindlingError('INPUT_BAD_RECORD', `too many bad records: more than ${max} in ${r.file}; the last: byte ${r.offset}: ${r.reason}`, {
        place: { file: r.file, offset: r.offset },
        hint: 'fix the input, or raise the limit of bad records',
      });
    }
  }
}
