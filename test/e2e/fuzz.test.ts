/**
 * Fuzzing whole jobs: a few hundred mutated REES46 files (bytes flipped, truncated, quotes and line
 * breaks inserted, lines duplicated, dropped or moved, invalid UTF-8; some gzip) through the real
 * coordinator and workers with onBadRecord skip and quarantine, cut into small splits. Each job must
 * succeed within its time limit and its counts must agree, each measured on its own:
 *  - records read (manifest inputRows) = the records of the reference tokenizer (test/helpers/fuzz.ts),
 *  - good records (inputRows - rejectedRows) = the events the output aggregated,
 *  - quarantine: lines in _rejects/ = rejectedRows; every reject is a record start of its file, none
 *    twice, with the right line and raw text; every record the reference finds malformed is among
 *    them, and every other reject names a column the analysis reads.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { KindlingError } from '../../src/common/errors.js';
import { duck, rows } from '../helpers/oracle.js';
import { REAL_OCT, job, run, tempDir } from '../helpers/jobs.js';
import { mutate, refRecords, rng, type RefRecord } from '../helpers/fuzz.js';

const FILES = Number(process.env.KINDLING_FUZZ_JOB_FILES ?? 100);
const HEADER = 'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n';
const READS: Record<string, RegExp> = {
  'price-sensitivity': /^(event_type|category_code|price|user_id): /,
  engagement: /^(event_type|category_code|brand|price|user_id): /,
  'top-category-brand': /^(category_code|brand|user_id): /,
};

let c: DuckDBConnection;
let dir: string;
const summary: string[] = [];

before(async () => {
  c = await duck();
  dir = tempDir('kindling-fuzz-');
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(`# fuzz (jobs): ${summary.join('; ')}`);
});

interface FuzzFile {
  uri: string;
  /** The CSV bytes (decompressed for a .gz file). */
  bytes: Uint8Array;
  refs: RefRecord[];
}

function makeFiles(name: string, seed: number, gzipShare: number): FuzzFile[] {
  const real = readFileSync(REAL_OCT).toString('utf8').split('\n').slice(1, -1);
  const d = join(dir, name);
  mkdirSync(d);
  const files: FuzzFile[] = [];
  for (let k = 0; k < FILES; k++) {
    const rand = rng(seed * 1000 + k);
    const at = Math.floor(rand() * (real.length - 250));
    const text = HEADER + real.slice(at, at + 20 + Math.floor(rand() * 200)).join('\n') + '\n';
    const { bytes } = mutate(new TextEncoder().encode(text), rand, HEADER.length, 6);
    const gz = rand() < gzipShare;
    const uri = join(d, `f${String(k).padStart(3, '0')}.csv${gz ? '.gz' : ''}`);
    writeFileSync(uri, gz ? gzipSync(bytes) : bytes);
    files.push({ uri, bytes, refs: refRecords(bytes, 9, 16 << 20, HEADER.length) });
  }
  return files;
}

function readRejects(output: string): Record<string, unknown>[] {
  const d = join(output, '_rejects');
  if (!existsSync(d)) return [];
  return readdirSync(d).sort().flatMap((f) => readFileSync(join(d, f), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)));
}

async function fuzzJob(analysis: string, policy: 'skip' | 'quarantine', seed: number, gzipShare: number): Promise<void> {
  const t0 = Date.now();
  const files = makeFiles(`${analysis}-${policy}`, seed, gzipShare);
  const out = join(dir, `out-${analysis}-${policy}`);
  let m;
  try {
    m = await run(job(analysis, join(dir, `${analysis}-${policy}`), out, { input: { splitSize: '6KB', onBadRecord: policy }, shuffle: { partitions: 2 } }));
  } catch (e) {
    assert.ok(e instanceof KindlingError && e.message.length > 0, `a job may only fail with a KindlingError: ${String(e)}`);
    throw e; // none of these mutations should fail a job: report it
  }
  const read = files.reduce((s, f) => s + f.refs.length, 0);
  const malformed = files.reduce((s, f) => s + f.refs.filter((r) => r.bad).length, 0);
  assert.equal(m.counters.inputRows, read, 'records read = the reference tokenizer\'s records');
  assert.ok(m.counters.rejectedRows >= malformed, 'every malformed record is rejected');
  const good = m.counters.inputRows - m.counters.rejectedRows;
  const table = analysis === 'price-sensitivity' ? 'bands' : analysis === 'engagement' ? 'top_users' : 'user_favorites';
  if (analysis !== 'engagement') {
    const col = analysis === 'price-sensitivity' ? 'events' : 'user_interactions';
    const [{ n }] = await rows(c, `select coalesce(sum(${col}), 0)::BIGINT as n from read_parquet('${out}/${table}/*.parquet')`);
    assert.equal(Number(n), good, 'good records = the events aggregated');
  }
  const rejects = readRejects(out);
  if (policy === 'skip') assert.equal(rejects.length, 0);
  else {
    assert.equal(rejects.length, m.counters.rejectedRows, 'lines in _rejects/ = rejectedRows');
    assert.equal(m.rejects?.rows, rejects.length);
    const byUri = new Map(files.map((f) => [f.uri, f]));
    const seen = new Set<string>();
    for (const r of rejects) {
      const f = byUri.get(String(r.file));
      assert.ok(f, `a reject names a known file: ${String(r.file)}`);
      const key = `${String(r.file)}@${String(r.offset)}`;
      assert.ok(!seen.has(key), `rejected once: ${key}`);
      seen.add(key);
      const ref = f.refs.find((x) => x.offset === r.offset);
      assert.ok(ref, `a reject starts at a record start: ${key} (${String(r.reason)})`);
      let lf = 0;
      for (let i = 0; i < ref.offset; i++) if (f.bytes[i] === 0x0a) lf++;
      assert.equal(r.line, lf + 1, `line of ${key}`);
      let e = ref.end;
      if (e > ref.offset && f.bytes[e - 1] === 0x0a) e--;
      if (e > ref.offset && f.bytes[e - 1] === 0x0d) e--;
      const raw = r.recordBase64 ? Buffer.from(String(r.recordBase64), 'base64') : Buffer.from(String(r.record));
      assert.deepEqual(raw, Buffer.from(f.bytes.subarray(ref.offset, e)), `raw text of ${key}`);
      if (!ref.bad) assert.match(String(r.reason), READS[analysis], `a well-formed record is rejected for a column ${analysis} reads: ${key}`);
      else assert.doesNotMatch(String(r.reason), READS[analysis], `a malformed record is rejected for its shape: ${key}`);
    }
    for (const f of files) for (const ref of f.refs) if (ref.bad) assert.ok(seen.has(`${f.uri}@${ref.offset}`), `the malformed record at ${f.uri}@${ref.offset} is rejected`);
  }
  summary.push(`${analysis} ${policy}: ${FILES} files, ${read} records, ${m.counters.rejectedRows} rejected (${malformed} malformed), ${m.timings.stages[0].tasks} map tasks, ${Date.now() - t0} ms`);
}

test('fuzz: price-sensitivity with skip over mutated files', { timeout: 90_000 }, () => fuzzJob('price-sensitivity', 'skip', 1, 0));
test('fuzz: price-sensitivity with quarantine over mutated files, some gzip', { timeout: 90_000 }, () => fuzzJob('price-sensitivity', 'quarantine', 2, 0.2));
test('fuzz: top-category-brand with quarantine over mutated files', { timeout: 90_000 }, () => fuzzJob('top-category-brand', 'quarantine', 3, 0.1));
test('fuzz: engagement with quarantine over mutated files', { timeout: 90_000 }, () => fuzzJob('engagement', 'quarantine', 4, 0.1));
