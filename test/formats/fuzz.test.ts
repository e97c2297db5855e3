/**
 * Fuzzing the CSV reading path: thousands of seeded, mutated files (bytes flipped, truncated,
 * quotes and line breaks inserted, lines duplicated, dropped or moved, invalid UTF-8) through the
 * split reader, whole and cut into splits at random places, in random chunk and batch sizes.
 * Every case must finish quickly, throw nothing, and agree with a plain reference tokenizer
 * (test/helpers/fuzz.ts): the same records at the same offsets, the same fields of the good ones,
 * the same bad ones with their lines and lengths; good + bad = records read. Cut into splits, the
 * records are read exactly once, once a split that does not meet its neighbour is read again
 * from where the neighbour ended (as the coordinator does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LocalStore } from '../../src/storage/local.js';
import { readCsvSplit, type CsvSplit } from '../../src/formats/csv/split-reader.js';
import { fieldText } from '../../src/formats/csv/dictionary.js';
import { mutate, refRecords, rng } from '../helpers/fuzz.js';
import { randomCsv, tmpFile } from './csv/helpers.js';
import { REAL_OCT } from '../helpers/jobs.js';

const CASES = Number(process.env.KINDLING_FUZZ_CASES ?? 2000);
let reruns = 0;
const store = new LocalStore();
const enc = new TextEncoder();
const dec = new TextDecoder();

interface Read {
  good: { offset: number; fields: string[] }[];
  bad: { offset: number; line: number; length: number; reason: string }[];
  first: number;
  end: number;
  lines: number;
  firstLine?: number;
}

async function read(uri: string, split: CsvSplit, columns: number, rand: () => number, maxRecordBytes: number): Promise<Read> {
  const it = readCsvSplit(store, split, {
    columns, project: Array.from({ length: columns }, (_, i) => i),
    chunkSize: 1 + Math.floor(rand() * 700), batchRows: 1 + Math.floor(rand() * 40), lookahead: 1 + Math.floor(rand() * 300), maxRecordBytes,
  });
  const out: Read = { good: [], bad: [], first: 0, end: 0, lines: 0 };
  for (;;) {
    const r = await it.next();
    if (r.done) {
      Object.assign(out, { first: r.value.firstRecordOffset, end: r.value.endOffset, lines: r.value.lines, firstLine: r.value.firstLine });
      return out;
    }
    const b = r.value.batch;
    for (let row = 0; row < b.rows; row++) {
      out.good.push({ offset: b.baseOffset + b.recordStarts[row], fields: Array.from({ length: columns }, (_, c) => fieldText(b, c, row)) });
    }
    for (const x of r.value.bad) out.bad.push({ offset: x.offset, line: x.line, length: x.length, reason: x.reason });
  }
}

const lfBefore = (buf: Uint8Array) => {
  const pre = new Int32Array(buf.length + 1);
  for (let i = 0; i < buf.length; i++) pre[i + 1] = pre[i] + (buf[i] === 0x0a ? 1 : 0);
  return pre;
};

/** The records of a file read in splits cut at `cuts`, rerunning a split that does not meet its neighbour. */
async function readSplits(uri: string, size: number, cuts: number[], columns: number, rand: () => number, maxRecordBytes: number, pre: Int32Array): Promise<Read> {
  const pts = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < size).sort((a, b) => a - b), size];
  const all: Read = { good: [], bad: [], first: 0, end: 0, lines: 0 };
  let prevEnd: number | undefined;
  let line = 1; // the line of the current split's first record
  for (let k = 0; k + 1 < pts.length; k++) {
    let split: CsvSplit = { uri, start: pts[k], end: pts[k + 1], fileSize: size, gzip: false, header: false };
    let r = await read(uri, split, columns, rand, maxRecordBytes);
    if (prevEnd !== undefined && r.first !== prevEnd) {
      split = { ...split, firstRecordOffset: prevEnd };
      reruns++;
      r = await read(uri, split, columns, rand, maxRecordBytes);
      assert.equal(r.first, prevEnd);
    }
    assert.equal(r.lines, pre[r.end] - pre[r.first], 'summary.lines');
    if (k === 0) line = r.firstLine!;
    all.good.push(...r.good);
    // lines count from the file start in the first split, from the split's first record after
    all.bad.push(...r.bad.map((b) => ({ ...b, line: k === 0 ? b.line : line + b.line - 1 })));
    line += r.lines;
    prevEnd = r.end;
  }
  assert.equal(prevEnd, size, 'the last split ends at the end of the file');
  return all;
}

function check(label: string, got: Read, bytes: Uint8Array, columns: number, maxRecordBytes: number, pre: Int32Array): number {
  const ref = refRecords(bytes, columns, maxRecordBytes);
  const refGood = ref.filter((r) => !r.bad);
  const refBad = ref.filter((r) => r.bad);
  assert.deepEqual(got.good.map((g) => g.offset), refGood.map((r) => r.offset), `${label}: good record offsets`);
  assert.deepEqual(got.bad.map((g) => g.offset), refBad.map((r) => r.offset), `${label}: bad record offsets`);
  assert.equal(got.good.length + got.bad.length, ref.length, `${label}: good + bad = records read`);
  got.good.forEach((g, i) => assert.deepEqual(g.fields, refGood[i].fields!.map((f) => dec.decode(f)), `${label}: fields of the record at ${g.offset}`));
  got.bad.forEach((g, i) => {
    assert.equal(g.line, pre[g.offset] + 1, `${label}: line of the bad record at ${g.offset}`);
    assert.equal(g.length, refBad[i].end - refBad[i].offset, `${label}: length of the bad record at ${g.offset}`);
  });
  return ref.length;
}

test(`fuzz: ${CASES} mutated CSV files through the split reader, whole and in splits`, { timeout: 120_000 }, async () => {
  const t0 = Date.now();
  const real = readFileSync(REAL_OCT).toString('utf8').split('\n').slice(1, -1);
  let records = 0;
  let bad = 0;
  let slowest = 0;
  for (let n = 0; n < CASES; n++) {
    const rand = rng(1000 + n);
    const quoted = n % 3 === 2;
    const columns = quoted ? 2 + Math.floor(rand() * 4) : 9;
    let text: string;
    if (quoted) text = randomCsv(rand, 5 + Math.floor(rand() * 30), columns, { crlf: rand() < 0.3, blankLines: true });
    else {
      const at = Math.floor(rand() * (real.length - 60));
      text = real.slice(at, at + 5 + Math.floor(rand() * 50)).join('\n') + '\n';
    }
    const { bytes, ops } = mutate(enc.encode(text), rand);
    const maxRecordBytes = rand() < 0.3 ? 20 + Math.floor(rand() * 300) : 16 << 20;
    const label = `case ${n} (${ops.join(', ')}; maxRecordBytes ${maxRecordBytes})`;
    const uri = tmpFile(`fuzz-${n % 50}.csv`, bytes);
    const pre = lfBefore(bytes);
    const c0 = Date.now();
    const whole = await read(uri, { uri, start: 0, end: bytes.length, fileSize: bytes.length, gzip: false, header: false }, columns, rand, maxRecordBytes);
    records += check(`${label}, whole`, whole, bytes, columns, maxRecordBytes, pre);
    bad += whole.bad.length;
    assert.equal(whole.lines, pre[bytes.length] - pre[whole.first]);
    const cuts = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Math.floor(rand() * bytes.length));
    const split = await readSplits(uri, bytes.length, cuts, columns, rand, maxRecordBytes, pre);
    check(`${label}, cut at ${cuts.join(',')}`, split, bytes, columns, maxRecordBytes, pre);
    const ms = Date.now() - c0;
    slowest = Math.max(slowest, ms);
  }
  const summary = `${CASES} cases, ${records} records (${bad} bad), ${reruns} splits read again from their neighbour's end, ${Date.now() - t0} ms, slowest case ${slowest} ms`;
  console.log(`# fuzz (split reader): ${summary}`);
  assert.ok(bad > CASES / 2, `the mutations make bad records (${summary})`);
});
