/** Shared helpers for the CSV tests (no tests here). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BadRecord, RecordBatch } from '../../../src/formats/csv/types.js';
import { fieldText } from '../../../src/formats/csv/dictionary.js';
import { readCsvSplit, type CsvSplit, type SplitReadOptions, type SplitSummary } from '../../../src/formats/csv/split-reader.js';
import type { ObjectStore } from '../../../src/storage/store.js';

export const enc = new TextEncoder();

/** mulberry32: a small seeded PRNG returning [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string | undefined;
/** Writes a file under a fresh temporary directory; returns its path. */
export function tmpFile(name: string, data: Uint8Array | string): string {
  if (!dir) {
    const d = mkdtempSync(path.join(os.tmpdir(), 'kindling-csv-'));
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
    dir = d;
  }
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** The projected fields of every row of a batch, as strings. */
export function rowsOf(batch: RecordBatch): string[][] {
  const out: string[][] = [];
  for (let r = 0; r < batch.rows; r++) {
    const row: string[] = [];
    for (let c = 0; c < batch.starts.length; c++) row.push(fieldText(batch, c, r));
    out.push(row);
  }
  return out;
}

export interface Collected {
  rows: string[][];
  offsets: number[];
  bad: BadRecord[];
  summary: SplitSummary;
}

/** Reads one split completely. */
export async function collect(store: ObjectStore, split: CsvSplit, opts: SplitReadOptions): Promise<Collected> {
  const it = readCsvSplit(store, split, opts);
  const rows: string[][] = [];
  const offsets: number[] = [];
  const bad: BadRecord[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return { rows, offsets, bad, summary: r.value };
    const b = r.value.batch;
    rows.push(...rowsOf(b));
    for (let i = 0; i < b.rows; i++) offsets.push(b.baseOffset + b.recordStarts[i]);
    bad.push(...r.value.bad);
  }
}

/** Splits [0, size) at the given cut points. */
export function splitsAt(uri: string, size: number, cuts: number[], header = false): CsvSplit[] {
  const pts = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < size).sort((a, b) => a - b), size];
  const out: CsvSplit[] = [];
  for (let i = 0; i + 1 < pts.length; i++) out.push({ uri, start: pts[i], end: pts[i + 1], fileSize: size, gzip: false, header });
  return out;
}

/**
 * A reference RFC 4180 parser over a JS string (slow and simple): records as string arrays with
 * the byte offset of each record's first byte; empty lines skipped.
 */
export function refParse(text: string): { fields: string[]; offset: number }[] {
  const out: { fields: string[]; offset: number }[] = [];
  let i = 0;
  let byte = 0;
  const bytesOf = (s: string) => enc.encode(s).length;
  while (i < text.length) {
    if (text[i] === '\n') { i++; byte++; continue; }
    if (text[i] === '\r' && text[i + 1] === '\n') { i += 2; byte += 2; continue; }
    const start = i;
    const fields: string[] = [];
    let cur = '';
    let keep = 0; // length of quoted content, never stripped
    for (;;) {
      keep = 0;
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (text[i] === '"' && text[i + 1] === '"') { cur += '"'; i += 2; }
          else if (text[i] === '"') { i++; break; }
          else cur += text[i++];
        }
        keep = cur.length;
      }
      while (i < text.length && text[i] !== ',' && text[i] !== '\n') cur += text[i++];
      if (i >= text.length || text[i] === '\n') {
        if (cur.length > keep && cur.endsWith('\r')) cur = cur.slice(0, -1);
        fields.push(cur);
        i++;
        break;
      }
      fields.push(cur);
      cur = '';
      i++;
    }
    out.push({ fields, offset: byte });
    byte += bytesOf(text.slice(start, Math.min(i, text.length)));
  }
  return out;
}

/** A random valid CSV text (RFC 4180) with quoted commas, doubled quotes, newlines, multi-byte text. */
export function randomCsv(rand: () => number, rows: number, columns: number, opts: { crlf?: boolean; blankLines?: boolean } = {}): string {
  const words = ['a', 'view', 'cart', 'é', '中文', '😀', 'x y', '12.5', '', 'électronique', 'ß'];
  const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)];
  const nl = () => (opts.crlf && rand() < 0.5 ? '\r\n' : '\n');
  let s = '';
  for (let r = 0; r < rows; r++) {
    const fields: string[] = [];
    for (let c = 0; c < columns; c++) {
      const k = rand();
      if (k < 0.55) fields.push(pick(words));
      else {
        let v = '';
        const parts = 1 + Math.floor(rand() * 4);
        for (let p = 0; p < parts; p++) v += pick([pick(words), ',', '""', '\n', '\r\n', ' ', pick(words) + '\n' + pick(words)]);
        fields.push(`"${v}"`);
      }
    }
    s += fields.join(',') + nl();
    if (opts.blankLines && rand() < 0.05) s += nl();
  }
  return s;
}
