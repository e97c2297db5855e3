import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { LocalStore } from '../../../src/storage/local.js';
import { KindlingError } from '../../../src/common/errors.js';
import { chooseFirstRecord, type CsvSplit } from '../../../src/formats/csv/split-reader.js';
import { DEFAULT_DIALECT } from '../../../src/formats/csv/scanner.js';
import { collect, enc, randomCsv, refParse, rng, splitsAt, tmpFile } from './helpers.js';

const store = new LocalStore();
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

function whole(uri: string, size: number, header = false, gzip = false): CsvSplit {
  return { uri, start: 0, end: size, fileSize: size, gzip, header };
}

/** Reads a file cut at `cuts`; checks neighbours meet; returns all rows, offsets and bad records. */
async function readCut(uri: string, size: number, cuts: number[], columns: number, opts: { chunkSize?: number; lookahead?: number; header?: boolean } = {}) {
  const rows: string[][] = [];
  const offsets: number[] = [];
  const bad: number[] = [];
  let prevEnd: number | undefined;
  for (const s of splitsAt(uri, size, cuts, opts.header)) {
    const got = await collect(store, s, { columns, project: all(columns), chunkSize: opts.chunkSize, lookahead: opts.lookahead });
    if (prevEnd !== undefined) assert.equal(got.summary.firstRecordOffset, prevEnd, `split at ${s.start}: neighbours must meet`);
    prevEnd = got.summary.endOffset;
    for (const o of got.offsets) assert.ok(o >= s.start && o < s.end, `record at ${o} outside its split [${s.start}, ${s.end})`);
    rows.push(...got.rows);
    offsets.push(...got.offsets);
    bad.push(...got.bad.map((b) => b.offset));
    assert.equal(got.summary.records, got.rows.length);
  }
  assert.equal(prevEnd, size);
  return { rows, offsets, bad };
}

test('multi-byte characters cut by chunk boundaries come out intact', async () => {
  const text = 'id,name\n1,café\n2,中文字符\n3,"😀,🎉"\n4,naïve ß\n';
  const uri = tmpFile('mb.csv', text);
  const size = enc.encode(text).length;
  const want = refParse(text).map((r) => r.fields);
  for (let chunkSize = 1; chunkSize <= 9; chunkSize++) {
    const got = await collect(store, whole(uri, size), { columns: 2, project: [0, 1], chunkSize });
    assert.deepEqual(got.rows, want, `chunkSize ${chunkSize}`);
  }
});

test('a split boundary inside a quoted field with newlines', async () => {
  const text = 'a,b,c\n1,"first line\nsecond, line\nthird line",x\n2,"p\nq",y\n3,plain,z\n';
  const uri = tmpFile('q.csv', text);
  const size = enc.encode(text).length;
  const want = refParse(text);
  for (let cut = 1; cut < size; cut++) {
    const got = await readCut(uri, size, [cut], 3, { chunkSize: 5 });
    assert.deepEqual(got.rows, want.map((r) => r.fields), `cut at ${cut}`);
    assert.deepEqual(got.offsets, want.map((r) => r.offset), `cut at ${cut}`);
  }
});

test('random split points read every record exactly once (seeded property test)', async () => {
  const rand = rng(20240611);
  for (let file = 0; file < 12; file++) {
    const columns = 2 + Math.floor(rand() * 4);
    const text = randomCsv(rand, 40 + Math.floor(rand() * 80), columns, { crlf: file % 3 === 0, blankLines: file % 4 === 1 });
    const uri = tmpFile(`prop${file}.csv`, text);
    const size = enc.encode(text).length;
    const want = refParse(text);
    for (let round = 0; round < 12; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * size));
      const chunkSize = [3, 17, 64, 4096][Math.floor(rand() * 4)];
      const lookahead = rand() < 0.3 ? 100 : undefined;
      const got = await readCut(uri, size, cuts, columns, { chunkSize, lookahead });
      const ctx = `file ${file}, cuts ${cuts.join(',')}, chunk ${chunkSize}`;
      assert.deepEqual(got.bad, [], ctx);
      assert.deepEqual(got.offsets, want.map((r) => r.offset), ctx);
      assert.deepEqual(got.rows, want.map((r) => r.fields), ctx);
    }
  }
});

test('chooseFirstRecord: inside a long quoted field, and quote-free data', () => {
  const d = DEFAULT_DIALECT;
  // buf[0] is the byte before the split start; the split starts inside the quoted field
  const buf = enc.encode('xt\nmore text, still quoted\n",9\n3,ok\n4,"q"\n');
  assert.deepEqual(chooseFirstRecord(buf, 2, true, 2, d), { first: 31, sure: true });
  const plain = enc.encode('c,d\n1,2\n3,4\n');
  assert.deepEqual(chooseFirstRecord(plain, 3, true, 2, d), { first: 4, sure: true });
  // quote-free data with a genuinely bad record still starts right after the first newline
  const bad = enc.encode('c,d\n1,2,3\n3,4\n');
  assert.deepEqual(chooseFirstRecord(bad, 3, true, 2, d), { first: 4, sure: true });
  // not final: a clean OUT against a still-open IN is sure; a dirty OUT is not
  assert.deepEqual(chooseFirstRecord(plain, 3, false, 2, d), { first: 4, sure: true });
  assert.deepEqual(chooseFirstRecord(bad, 3, false, 2, d), { first: 4, sure: false });
});

test('chooseFirstRecord finds the true record start from every byte position (seeded)', () => {
  const rand = rng(99);
  for (let f = 0; f < 16; f++) {
    const columns = 1 + Math.floor(rand() * 5);
    const bytes = enc.encode(randomCsv(rand, 25, columns, { crlf: f % 2 === 0, blankLines: f % 3 === 0 }));
    const starts = [0]; // on valid data, quotes toggle the quoted state
    let inQuotes = false;
    bytes.forEach((b, i) => { if (b === 0x22) inQuotes = !inQuotes; else if (b === 0x0a && !inQuotes) starts.push(i + 1); });
    for (let s = 1; s < bytes.length; s++) {
      const data = bytes.subarray(s - 1);
      const L = data.indexOf(0x0a);
      const want = starts.find((x) => x >= s) ?? bytes.length;
      const got = L < 0 ? bytes.length : s - 1 + chooseFirstRecord(data, L, true, columns, DEFAULT_DIALECT).first;
      assert.equal(got, want, `file ${f}, start ${s}`);
    }
  }
});

test('empty file and header-only files yield nothing and no error', async () => {
  for (const [name, text, header] of [['empty.csv', '', true], ['empty2.csv', '', false], ['hdr.csv', 'a,b\n', true], ['hdr2.csv', 'a,b', true], ['bom-hdr.csv', '\ufeffa,b\r\n', true]] as const) {
    const uri = tmpFile(name, text);
    const size = enc.encode(text).length;
    const got = await collect(store, whole(uri, size, header), { columns: 2, project: [0, 1], expectHeader: ['a', 'b'] });
    assert.deepEqual(got.rows, [], name);
    assert.deepEqual(got.bad, [], name);
    assert.equal(got.summary.records, 0);
    assert.equal(got.summary.endOffset, size, name);
  }
});

test('a BOM at the file start is skipped, with and without a header', async () => {
  const text = '\ufeffevent,n\nview,1\n';
  const uri = tmpFile('bom.csv', text);
  const size = enc.encode(text).length;
  let got = await collect(store, whole(uri, size, true), { columns: 2, project: [0, 1], expectHeader: ['event', 'n'] });
  assert.deepEqual(got.rows, [['view', '1']]);
  assert.equal(got.summary.firstRecordOffset, 11);
  got = await collect(store, whole(uri, size, false), { columns: 2, project: [0] });
  assert.deepEqual(got.rows, [['event'], ['view']]);
  assert.deepEqual(got.offsets, [3, 11]);
});

test('header mismatch throws INPUT_BAD_HEADER naming the file and both column lists', async () => {
  const text = 'event_time,kind,price\n2019-10-01,view,1\n';
  const uri = tmpFile('badhdr.csv', text);
  await assert.rejects(
    collect(store, whole(uri, text.length, true), { columns: 3, project: [0], expectHeader: ['event_time', 'event_type', 'price'] }),
    (e: unknown) => {
      assert.ok(e instanceof KindlingError);
      assert.equal(e.code, 'INPUT_BAD_HEADER');
      assert.equal(e.place?.file, uri);
      assert.match(e.message, /column 2 is "kind", expected "event_type"/);
      assert.match(e.message, /expected \[event_time, event_type, price\], found \[event_time, kind, price\]/);
      assert.ok(e.hint);
      return true;
    });
});

test('gzip files are read whole; corrupt and truncated gzip throw INPUT_CORRUPT', async () => {
  const rand = rng(7);
  const text = 'a,b,c\n' + randomCsv(rand, 3000, 3);
  const want = refParse(text).slice(1);
  const gz = gzipSync(enc.encode(text));
  const uri = tmpFile('data.csv.gz', gz);
  for (const chunkSize of [100, 1 << 20]) {
    const got = await collect(store, whole(uri, gz.length, true, true), { columns: 3, project: [0, 1, 2], expectHeader: ['a', 'b', 'c'], chunkSize, batchRows: 500 });
    assert.deepEqual(got.rows, want.map((r) => r.fields));
    assert.deepEqual(got.offsets, want.map((r) => r.offset)); // decompressed offsets
    assert.equal(got.summary.endOffset, enc.encode(text).length);
  }
  const truncated = tmpFile('cut.csv.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  const garbage = gz.slice();
  for (let i = 40; i < 200; i++) garbage[i] ^= 0x5a;
  const corrupt = tmpFile('bad.csv.gz', garbage);
  const notGzip = tmpFile('plain.csv.gz', 'a,b,c\n1,2,3\n');
  for (const [u, size] of [[truncated, Math.floor(gz.length / 2)], [corrupt, gz.length], [notGzip, 12]] as const) {
    await assert.rejects(collect(store, whole(u, size, true, true), { columns: 3, project: [0] }), (e: unknown) => {
      assert.ok(e instanceof KindlingError, String(e));
      assert.equal(e.code, 'INPUT_CORRUPT');
      assert.equal(e.place?.file, u);
      assert.match(e.message, new RegExp(u.replace(/[.]/g, '\\.')));
      return true;
    });
  }
});

test('records with the wrong field count are reported as bad with their file offsets', async () => {
  const text = 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n';
  const uri = tmpFile('badrec.csv', text);
  const got = await collect(store, whole(uri, text.length, true), { columns: 3, project: [0] });
  assert.deepEqual(got.rows, [['1'], ['10']]);
  assert.deepEqual(got.bad.map((b) => [b.offset, b.record, b.reason]), [
    [12, '4,5', 'expected 3 fields, found 2'],
    [16, '6,7,8,9', 'expected 3 fields, found 4'],
  ]);
  assert.equal(got.summary.badRecords, 2);
  // the same through splits cut at every position
  for (let cut = 1; cut < text.length; cut++) {
    const r = await readCut(uri, text.length, [cut], 3, { chunkSize: 4, header: true });
    assert.deepEqual(r.rows.map((x) => x[0]), ['1', '10'], `cut ${cut}`);
    assert.deepEqual(r.bad, [12, 16], `cut ${cut}`);
  }
});

test('a known first record offset skips the search; a changed file is INPUT_CHANGED', async () => {
  const text = 'a,b\n1,2\n3,4\n5,6\n';
  const uri = tmpFile('known.csv', text);
  const got = await collect(store, { ...whole(uri, text.length), start: 5, firstRecordOffset: 8 }, { columns: 2, project: [0] });
  assert.deepEqual(got.rows, [['3'], ['5']]);
  assert.equal(got.summary.firstRecordOffset, 8);
  await assert.rejects(collect(store, whole(uri, text.length + 10), { columns: 2, project: [0] }),
    (e: unknown) => e instanceof KindlingError && e.code === 'INPUT_CHANGED');
  await assert.rejects(collect(store, whole(uri + '.missing', 10), { columns: 2, project: [0] }),
    (e: unknown) => e instanceof KindlingError && e.code === 'INPUT_NOT_FOUND');
});

test('a split past the end of the data and splits without a record start are empty', async () => {
  const text = 'a,b\n1,2\n3,4';
  const uri = tmpFile('tail.csv', text);
  for (let cut1 = 1; cut1 < text.length; cut1++) {
    for (const cut2 of [cut1 + 1, cut1 + 3]) {
      const got = await readCut(uri, text.length, [cut1, cut2], 2, { chunkSize: 2 });
      assert.deepEqual(got.rows, [['a', 'b'], ['1', '2'], ['3', '4']], `cuts ${cut1},${cut2}`);
    }
  }
});
