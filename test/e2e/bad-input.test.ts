/**
 * Bad input through the real coordinator and workers: onBadRecord fail / skip / quarantine,
 * maxBadRecords as a count and a fraction, the _rejects/ files and the manifest's counters, and
 * the file-level errors (corrupt or truncated gzip, empty files, a wrong header, missing input).
 *
 * The dirty inputs are the real October sample with bad lines inserted at known places; with
 * skip, kindling's output must equal DuckDB's on the clean sample, row for row.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { KindlingError } from '../../src/common/errors.js';
import { compareWithOracle, duck } from '../helpers/oracle.js';
import { REAL_OCT, TABLES, job, run, tempDir } from '../helpers/jobs.js';

let c: DuckDBConnection;
let dir: string;

const HEADER = 'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session';
const ok = (over: Record<string, string> = {}) => {
  const r: Record<string, string> = { event_time: '2019-10-01 00:00:00 UTC', event_type: 'view', product_id: '1', category_id: '2', category_code: 'a.b', brand: 'x', price: '1.00', user_id: '5', user_session: 's', ...over };
  return HEADER.split(',').map((k) => r[k]).join(',');
};

/** Bad for every analysis (each reads category_code and user_id). */
const COMMON: { text: Buffer; reason: RegExp }[] = [
  { text: Buffer.from('garbage,line'), reason: /^expected 9 fields, found 2$/ },
  { text: Buffer.from(ok({ user_id: 'abc' })), reason: /^user_id: "abc" is not an integer$/ },
  { text: Buffer.from(ok({ user_id: '99999999999999999999' })), reason: /^user_id: "99999999999999999999" is out of the int64 range$/ },
  { text: Buffer.from(ok({ category_code: 'caf\u00ff' }), 'latin1'), reason: /^category_code: "caf\ufffd" is not valid UTF-8$/ },
  { text: Buffer.from(ok() + ',extra'), reason: /^expected 9 fields, found 10$/ },
  { text: Buffer.from('2019-10-01 00:00:00 UTC,view,1,2,"a.b,x,1.00,5,s'), reason: /^unterminated quoted field$/ },
];

/** Bad only for the analyses that read event_type and price (price-sensitivity, engagement). */
const TYPED: { text: Buffer; reason: RegExp }[] = [
  { text: Buffer.from(ok({ price: '12x' })), reason: /^price: "12x" is not a number$/ },
  { text: Buffer.from(ok({ event_type: 'purchse' })), reason: /^event_type: "purchse" is not one of view, cart, purchase, remove_from_cart$/ },
  { text: Buffer.from(ok({ event_type: '' })), reason: /^event_type: is empty/ },
  { text: Buffer.from(ok({ price: '1.005' })), reason: /^price: "1.005" has more than 2 fraction digits$/ },
];

interface Dirty {
  file: string;
  /** The inserted bad lines: 1-based line in the file, byte offset, raw bytes, expected reason. */
  bad: { line: number; offset: number; text: Buffer; reason: RegExp }[];
  records: number;
}

/** The clean sample with `bad` lines inserted every `every` records (one unterminated quote at most, last). */
function dirty(name: string, bad: { text: Buffer; reason: RegExp }[], every: number, gzip = false): Dirty {
  const lines = readFileSync(REAL_OCT).toString('latin1').split('\n').filter((l) => l !== '');
  const out: Buffer[] = [Buffer.from(lines[0] + '\n')];
  const placed: Dirty['bad'] = [];
  let offset = out[0].length;
  let k = 0;
  for (let i = 1; i < lines.length; i++) {
    const l = Buffer.from(lines[i] + '\n', 'latin1');
    out.push(l);
    offset += l.length;
    if (i % every === 0 && k < bad.length) {
      const b = bad[k++];
      placed.push({ line: out.length + 1, offset, text: b.text, reason: b.reason });
      const t = Buffer.concat([b.text, Buffer.from('\n')]);
      out.push(t);
      offset += t.length;
    }
  }
  assert.equal(k, bad.length, 'every bad line was placed');
  const file = join(dir, name);
  writeFileSync(file, gzip ? gzipSync(Buffer.concat(out)) : Buffer.concat(out));
  return { file, bad: placed, records: lines.length - 1 + bad.length };
}

let common: Dirty;
let typed: Dirty;

before(async () => {
  c = await duck();
  dir = tempDir();
  mkdirSync(join(dir, 'in'));
  mkdirSync(join(dir, 'typed'));
  common = dirty(join('in', 'common.csv'), COMMON, 2400);
  typed = dirty(join('typed', 'typed.csv'), [...TYPED, ...COMMON], 1300);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const out = (name: string) => join(dir, 'out', `${name}-${Math.random().toString(36).slice(2)}`);

function readRejects(output: string): Record<string, unknown>[] {
  const d = join(output, '_rejects');
  if (!existsSync(d)) return [];
  return readdirSync(d).sort().flatMap((f) => readFileSync(join(d, f), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)));
}

/** The rejects equal the inserted bad lines: file, offset, line, reason, raw record. */
function checkRejects(rejects: Record<string, unknown>[], d: Dirty): void {
  assert.equal(rejects.length, d.bad.length);
  rejects.forEach((r, i) => {
    const b = d.bad[i];
    assert.equal(r.file, d.file);
    assert.equal(r.offset, b.offset, `reject ${i}: offset`);
    assert.equal(r.line, b.line, `reject ${i}: line`);
    assert.match(String(r.reason), b.reason);
    const raw = r.recordBase64 ? Buffer.from(String(r.recordBase64), 'base64') : Buffer.from(String(r.record));
    assert.deepEqual(raw, b.text, `reject ${i}: the raw record`);
  });
}

function nothingCommitted(output: string): void {
  assert.deepEqual(existsSync(output) ? readdirSync(output).filter((f) => f !== '_logs') : [], [], 'nothing visible after a failed job');
}

for (const analysis of Object.keys(TABLES)) {
  test(`${analysis}: skip over bad records in many splits equals DuckDB on the clean sample`, async () => {
    const o = out(analysis);
    const m = await run(job(analysis, common.file, o, { input: { splitSize: 150_000, onBadRecord: 'skip' }, shuffle: { partitions: 2 } }));
    const r = await compareWithOracle(c, analysis, [REAL_OCT], o, TABLES[analysis]);
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.actual, r.expected);
    assert.equal(m.counters.inputRows, common.records, 'records read = good + rejected');
    assert.equal(m.counters.rejectedRows, COMMON.length);
    assert.equal(m.counters.inputRows - m.counters.rejectedRows, 17434, 'good records = the clean sample');
    assert.equal(m.rejects, undefined);
    assert.equal(existsSync(join(o, '_rejects')), false, 'skip writes no rejects');
  });
}

test('price-sensitivity: quarantine writes every bad record with its file, offset, line, reason and raw text', async () => {
  const o = out('quarantine');
  const m = await run(job('price-sensitivity', join(dir, 'typed'), o, { input: { splitSize: 100_000, onBadRecord: 'quarantine' } }));
  const r = await compareWithOracle(c, 'price-sensitivity', [REAL_OCT], o, 'bands');
  assert.deepEqual(r.mismatches, []);
  const rejects = readRejects(o);
  checkRejects(rejects, typed);
  assert.equal(m.counters.rejectedRows, rejects.length, 'manifest rejectedRows = lines in _rejects/');
  assert.equal(m.counters.inputRows, typed.records);
  assert.equal(m.rejects!.rows, rejects.length);
  for (const f of m.rejects!.files) {
    assert.equal(readFileSync(join(o, f.path)).length, f.bytes);
    assert.equal(readFileSync(join(o, f.path), 'utf8').trim().split('\n').length, f.rows);
  }
  assert.ok(m.rejects!.files.length > 1, 'rejects from several splits');
  assert.equal(existsSync(join(o, '_temporary')), false, 'no staging left');
  // top-category-brand reads neither event_type nor price: only the common lines are bad for it
  const o2 = out('tcb');
  const m2 = await run(job('top-category-brand', join(dir, 'typed'), o2, { input: { onBadRecord: 'quarantine' }, workers: { replicas: 1 } }));
  assert.equal(m2.counters.rejectedRows, COMMON.length);
  assert.equal(m2.counters.inputRows, typed.records);
  checkRejects(readRejects(o2), { ...typed, bad: typed.bad.slice(TYPED.length) });
});

test('quarantine of a gzip file: offsets in the decompressed data, lines from the file start', async () => {
  const gz = dirty(join('in', 'common-gz.csv.gz'), COMMON, 2000, true);
  const o = out('gz');
  const m = await run(job('engagement', gz.file, o, { input: { onBadRecord: 'quarantine' }, workers: { replicas: 1 } }));
  checkRejects(readRejects(o), gz);
  assert.equal(m.counters.rejectedRows, COMMON.length);
  const r = await compareWithOracle(c, 'engagement', [REAL_OCT], o, 'top_users');
  assert.deepEqual(r.mismatches, []);
});

test('onBadRecord fail (the default): the first bad record fails the job with file, line, offset and reason', async () => {
  const o = out('fail');
  await assert.rejects(run(job('price-sensitivity', common.file, o, { workers: { replicas: 1 } })), (e: unknown) => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.equal(e.code, 'INPUT_BAD_RECORD');
    const b = common.bad[0];
    assert.match(e.describe(), new RegExp(`expected 9 fields, found 2.*${common.file}, line ${b.line}, byte ${b.offset}`));
    assert.match(e.describe(), /onBadRecord: skip/);
    return true;
  });
  nothingCommitted(o);
  // in a later split: its task reports the record, the coordinator fails the job once the split's
  // start is confirmed, with the line in the file
  await assert.rejects(run(job('price-sensitivity', common.file, o, { input: { splitSize: 150_000 } })), (e: unknown) => {
    assert.ok(e instanceof KindlingError, String(e));
    const b = common.bad[0];
    assert.ok(b.offset > 150_000);
    assert.equal(e.describe().split('; ')[0], `bad record: expected 9 fields, found 2 (${common.file}, line ${b.line}, byte ${b.offset})`);
    return true;
  });
  nothingCommitted(o);
});

test('maxBadRecords: a count or a fraction over the limit fails the job with the first examples; at the limit it passes', async () => {
  const n = typed.bad.length;
  const o = out('limit');
  await assert.rejects(run(job('price-sensitivity', typed.file, o, { input: { splitSize: 400_000, onBadRecord: 'quarantine', maxBadRecords: n - 1 } })), (e: unknown) => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.equal(e.code, 'INPUT_BAD_RECORD');
    assert.match(e.message, /too many bad records/);
    assert.match(e.message, new RegExp(`spec.input.maxBadRecords: ${n - 1}`));
    const b = typed.bad[0];
    assert.match(e.message, new RegExp(`the first: ${typed.file}( line ${b.line})? byte ${b.offset}: price: "12x" is not a number`));
    return true;
  });
  nothingCommitted(o);
  // one split alone over a count: its task fails at once
  await assert.rejects(run(job('price-sensitivity', typed.file, o, { input: { onBadRecord: 'skip', maxBadRecords: 2 }, workers: { replicas: 1 } })),
    (e: unknown) => e instanceof KindlingError && /too many bad records: more than 2 in .* alone/.test(e.message));
  nothingCommitted(o);
  // a fraction: n bad of ~17,444 records is about 0.06%
  await assert.rejects(run(job('price-sensitivity', typed.file, o, { input: { splitSize: 400_000, onBadRecord: 'skip', maxBadRecords: '0.05%' } })), (e: unknown) => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.match(e.message, new RegExp(`too many bad records: ${n} of ${typed.records} records \\(0\\.0\\d+%\\), over spec.input.maxBadRecords: "0.05%"`));
    // examples from later splits get their line in the file too (from the lines of the splits before)
    for (const b of typed.bad.slice(0, 5)) assert.ok(e.message.includes(`${typed.file} line ${b.line} byte ${b.offset}: `), `example at ${b.offset}`);
    return true;
  });
  nothingCommitted(o);
  const m = await run(job('price-sensitivity', typed.file, o, { input: { onBadRecord: 'skip', maxBadRecords: 0.001 }, workers: { replicas: 1 } }));
  assert.equal(m.counters.rejectedRows, n);
  const o2 = out('atlimit');
  const m2 = await run(job('price-sensitivity', typed.file, o2, { input: { splitSize: 400_000, onBadRecord: 'skip', maxBadRecords: n } }));
  assert.equal(m2.counters.rejectedRows, n);
});

async function fails(analysisInput: string, code: string, message: RegExp, input: Record<string, unknown> = {}): Promise<void> {
  const o = out('file-error');
  await assert.rejects(run(job('price-sensitivity', analysisInput, o, { input: { onBadRecord: 'skip', ...input }, workers: { replicas: 1 } })), (e: unknown) => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.describe(), message);
    return true;
  });
  nothingCommitted(o);
}

test('file-level problems fail the job naming the file, whatever onBadRecord says', async () => {
  const gz = gzipSync(readFileSync(REAL_OCT));
  const d = join(dir, 'files');
  mkdirSync(d);
  const put = (name: string, data: Uint8Array | string) => {
    const p = join(d, name);
    writeFileSync(p, data);
    return p;
  };
  const truncated = put('truncated.csv.gz', gz.subarray(0, gz.length >> 1));
  await fails(truncated, 'INPUT_CORRUPT', new RegExp(`${truncated}: the gzip data is corrupt or truncated`));
  const corrupt = gz.slice();
  for (let i = 100; i < 400; i++) corrupt[i] ^= 0x55;
  const corruptFile = put('corrupt.csv.gz', corrupt);
  await fails(corruptFile, 'INPUT_CORRUPT', new RegExp(`${corruptFile}: the gzip data is corrupt or truncated`));
  const notGz = put('plain.csv.gz', readFileSync(REAL_OCT).subarray(0, 5000));
  await fails(notGz, 'INPUT_CORRUPT', new RegExp(`${notGz}: the gzip data is corrupt`));
  const empty = put('empty.csv', '');
  await fails(empty, 'INPUT_BAD_HEADER', new RegExp(`${empty} is empty: expected a header line`));
  const emptyGz = put('empty.csv.gz', gzipSync(Buffer.alloc(0)));
  await fails(emptyGz, 'INPUT_BAD_HEADER', new RegExp(`${emptyGz} is empty: expected a header line`));
  const zeroGz = put('zero.csv.gz', '');
  await fails(zeroGz, 'INPUT_BAD_HEADER', new RegExp(`${zeroGz} is empty`));
  const wrongHeader = put('header.csv', HEADER.replace('price', 'cost') + '\n' + ok() + '\n');
  await fails(wrongHeader, 'INPUT_BAD_HEADER', new RegExp(`${wrongHeader}: the header does not match the schema \\(column 7 is "cost", expected "price"\\)`));
  await fails(join(dir, 'no-such-dir/'), 'INPUT_NOT_FOUND', /no input files at .*no-such-dir\/ \(the path does not exist, or is an empty directory or prefix\)/);
  put('notes.txt', 'hello');
  await fails(d + '/*.json', 'INPUT_NOT_FOUND', /no input files at .*\*\.json \(no file matches the glob\)/);
  const txt = join(dir, 'txt');
  mkdirSync(txt);
  writeFileSync(join(txt, 'a.txt'), 'x');
  await fails(txt, 'INPUT_NOT_FOUND', /no input files at .*txt \(it holds 1 file\(s\), none named \*\.csv or \*\.csv\.gz: .*a\.txt\)/);
  // a header only: a valid file with no records
  const o = out('headeronly');
  const m = await run(job('price-sensitivity', put('only-header.csv', HEADER + '\n'), o, { workers: { replicas: 1 } }));
  assert.equal(m.counters.inputRows, 0);
});
