/**
 * CSV scanner throughput on the REES46 sample replicated to ~256 MB (a plain script, not a test).
 *   npx tsc -p tsconfig.json && node dist/bench/csv-scan.js [MB]
 * Prints MB/s for: the scanner alone (in memory, projecting event_type, category_code, price,
 * user_id), scanner + decoders + dictionaries, and readCsvSplit from a temporary file.
 */
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CsvScanner } from '../src/formats/csv/scanner.js';
import { ByteDictionary } from '../src/formats/csv/dictionary.js';
import { decodeDecimal, decodeInt } from '../src/formats/csv/decode.js';
import { readCsvSplit } from '../src/formats/csv/split-reader.js';
import { LocalStore } from '../src/storage/local.js';
import { REAL_OCT } from '../test/helpers/fixtures.js';

const SRC = REAL_OCT;
const targetMB = Number(process.argv[2] ?? 256);

const raw = readFileSync(SRC);
const body = raw.subarray(raw.indexOf(0x0a) + 1);
const copies = Math.ceil((targetMB * 1e6) / body.length);
const data = new Uint8Array(copies * body.length);
for (let k = 0; k < copies; k++) data.set(body, k * body.length);
const MB = data.length / 1e6;
const PROJECT = [1, 4, 6, 7]; // event_type, category_code, price, user_id

function best(label: string, runs: number, fn: () => number): void {
  let bestMs = Infinity;
  let check = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    check = fn();
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  console.log(`${label.padEnd(44)} ${(MB / (bestMs / 1000)).toFixed(0).padStart(6)} MB/s  (${MB.toFixed(0)} MB in ${bestMs.toFixed(0)} ms, rows ${check})`);
}

function scanOnly(): number {
  const sc = new CsvScanner({ columns: 9, project: PROJECT });
  let pos = 0;
  let rows = 0;
  for (;;) {
    const r = sc.scan(data, pos, 0, true);
    rows += r.batch.rows;
    if (r.consumed === pos) break;
    pos = r.consumed;
  }
  return rows;
}

function scanDecode(): number {
  const sc = new CsvScanner({ columns: 9, project: PROJECT });
  const et = new ByteDictionary();
  const cc = new ByteDictionary();
  const ids = new Int32Array(65536);
  const vals = new Float64Array(65536);
  const nulls = new Uint8Array(65536);
  let pos = 0;
  let rows = 0;
  let sum = 0;
  for (;;) {
    const r = sc.scan(data, pos, 0, true);
    const b = r.batch;
    et.encode(b, 0, ids);
    cc.encode(b, 1, ids);
    decodeDecimal(b, 2, 2, vals, nulls, { file: 'bench', field: 'price' });
    for (let i = 0; i < b.rows; i++) sum += vals[i];
    decodeInt(b, 3, vals, nulls, { file: 'bench', field: 'user_id' });
    rows += b.rows;
    if (r.consumed === pos) break;
    pos = r.consumed;
  }
  return rows + (sum > 0 ? 0 : 1);
}

async function fromFile(file: string): Promise<number> {
  const it = readCsvSplit(new LocalStore(), { uri: file, start: 0, end: data.length, fileSize: data.length, gzip: false, header: false },
    { columns: 9, project: PROJECT });
  let rows = 0;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    rows += r.value.batch.rows;
  }
  return rows;
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}; data ${MB.toFixed(0)} MB (${copies} copies of the REES46 sample)`);
best('scan, 4 of 9 columns (in memory)', 7, scanOnly);
if (process.argv[3] === 'scan') process.exit(0);
best('scan + 2 dictionaries + decimal + int', 3, scanDecode);
const tmp = path.join(os.tmpdir(), `kindling-bench-${process.pid}.csv`);
writeFileSync(tmp, data);
try {
  let bestMs = Infinity;
  let rows = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    rows = await fromFile(tmp);
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  console.log(`${'readCsvSplit from a file (4 MiB chunks)'.padEnd(44)} ${(MB / (bestMs / 1000)).toFixed(0).padStart(6)} MB/s  (${bestMs.toFixed(0)} ms, rows ${rows})`);
} finally {
  rmSync(tmp, { force: true });
}
