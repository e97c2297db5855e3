/**
 * The CSV byte scanner's contract. The scanner finds record and field boundaries in raw
 * bytes (RFC 4180: quoted fields may hold delimiters, doubled quotes and newlines; CRLF or
 * LF line ends). It allocates nothing per row: it fills typed arrays with byte offsets of the
 * projected fields only, and the column decoders (decode.ts) turn those into values.
 */
export interface CsvDialect {
  delimiter: number; // byte, default 0x2c ','
  quote: number;     // byte, default 0x22 '"'
}

export interface RecordBatch {
  /** The bytes all offsets refer to (valid until the next call to the scanner). */
  buf: Uint8Array;
  /** Offset of buf[0] in the source file (for error messages). */
  baseOffset: number;
  /** Number of good records in this batch. */
  rows: number;
  /** Per projected column (in `project` order): start of the field's content in buf (quotes excluded). */
  starts: Int32Array[];
  /** Per projected column: end (exclusive) of the field's content in buf (quotes excluded). */
  ends: Int32Array[];
  /** Per projected column: 0 = plain, 1 = was quoted (no escapes inside), 2 = quoted with doubled quotes to unescape. */
  quoted: Uint8Array[];
  /** Start of each good record in buf. */
  recordStarts: Int32Array;
  /** The dialect's quote byte, for unescaping flag-2 fields (absent: 0x22 '"'). */
  quote?: number;
  /** Where in buf the scan that made this batch began (records start at or after it). */
  scanFrom: number;
  /** LFs before buf[scanFrom], counted as BadRecord.line is (set by the split reader; for line numbers). */
  scanLine: number;
}

export interface BadRecord {
  /** Byte offset of the record's first byte in the file. */
  offset: number;
  /** The record's length in bytes, its line end included. */
  length: number;
  /**
   * 1-based line number of the record's first byte: the scanner counts from the start of its scan,
   * the split reader from the split's first record, the map task from the file start when known.
   */
  line: number;
  reason: string;
  /** The raw record text (possibly truncated to a few hundred bytes). */
  record: string;
}
