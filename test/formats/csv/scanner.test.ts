import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvScanner, readRecordFields } from '../../../src/formats/csv/scanner.js';
import { enc, randomCsv, refParse, rng, rowsOf } from './helpers.js';

function scanAll(text: string, columns: number, project: number[], opts: { batchRows?: number; base?: number } = {}) {
  const buf = enc.encode(text);
  const sc = new CsvScanner({ columns, project, batchRows: opts.batchRows });
  const rows: string[][] = [];
  const offsets: number[] = [];
  const bad: { offset: number; reason: string; record: string }[] = [];
  let pos = 0;
  for (;;) {
    const r = sc.scan(buf, pos, opts.base ?? 0, true);
    rows.push(...rowsOf(r.batch));
    for (let i = 0; i < r.batch.rows; i++) offsets.push(r.batch.baseOffset + r.batch.recordStarts[i]);
    bad.push(...r.bad);
    if (r.consumed === buf.length || r.consumed === pos) break;
    pos = r.consumed;
  }
  return { rows, offsets, bad };
}

test('plain records, projection order and empty fields', () => {
  const { rows, offsets } = scanAll('a,b,c\n1,,3\n,,\n', 3, [2, 0]);
  assert.deepEqual(rows, [['c', 'a'], ['3', '1'], ['', '']]);
  assert.deepEqual(offsets, [0, 6, 11]);
});

test('quoted fields: delimiters, doubled quotes and newlines inside quotes', () => {
  const text = 'id,text,n\n1,"a,b",2\n2,"say ""hi""",3\n3,"line1\nline2\r\nline3",4\n4,"",5\n';
  const { rows, bad } = scanAll(text, 3, [0, 1, 2]);
  assert.deepEqual(bad, []);
  assert.deepEqual(rows, [
    ['id', 'text', 'n'],
    ['1', 'a,b', '2'],
    ['2', 'say "hi"', '3'],
    ['3', 'line1\nline2\r\nline3', '4'],
    ['4', '', '5'],
  ]);
  const buf = enc.encode(text);
  const r = new CsvScanner({ columns: 3, project: [1] }).scan(buf, 0, 0, true);
  assert.deepEqual([...r.batch.quoted[0].subarray(0, r.batch.rows)], [0, 1, 2, 1, 1]);
});

test('CRLF line ends: the CR is not part of the last field, quoted or not', () => {
  const { rows } = scanAll('a,b\r\n1,2\r\n"x","y"\r\n3,4', 2, [0, 1]);
  assert.deepEqual(rows, [['a', 'b'], ['1', '2'], ['x', 'y'], ['3', '4']]);
  // a CR inside a quoted last field stays
  assert.deepEqual(scanAll('1,"v\r"\n', 2, [1]).rows, [['v\r']]);
});

test('blank lines are skipped, LF and CRLF', () => {
  const { rows, offsets } = scanAll('\n1,2\n\n\r\n3,4\n\n', 2, [0]);
  assert.deepEqual(rows, [['1'], ['3']]);
  assert.deepEqual(offsets, [1, 8]);
});

test('wrong field count and quote violations are bad records with their offsets', () => {
  const text = 'a,b,c\n1,2\n1,2,3,4\nx,y"z,w\n"q"r,s,t\n5,6,7\n"open,8,9';
  const { rows, bad } = scanAll(text, 3, [0], { base: 1000 });
  assert.deepEqual(rows, [['a'], ['5']]);
  assert.deepEqual(bad.map((b) => [b.offset, b.reason, b.record]), [
    [1006, 'expected 3 fields, found 2', '1,2'],
    [1010, 'expected 3 fields, found 4', '1,2,3,4'],
    [1018, 'quote inside an unquoted field', 'x,y"z,w'],
    [1026, 'unexpected character after a closing quote', '"q"r,s,t'],
    [1041, 'unterminated quoted field', '"open,8,9'],
  ]);
});

test('incomplete records are left for the next chunk; final accepts a last record without newline', () => {
  const sc = new CsvScanner({ columns: 2, project: [0, 1] });
  const buf = enc.encode('1,2\n3,"x\n');
  let r = sc.scan(buf, 0, 0, false);
  assert.equal(r.batch.rows, 1);
  assert.equal(r.consumed, 4);
  assert.equal(r.done, false);
  // a quote as the last byte: cannot tell "" from a closing quote yet
  r = sc.scan(enc.encode('1,"a"'), 0, 0, false);
  assert.equal(r.batch.rows, 0);
  assert.equal(r.consumed, 0);
  r = sc.scan(enc.encode('1,"a"'), 0, 0, true);
  assert.deepEqual(rowsOf(r.batch), [['1', 'a']]);
  r = sc.scan(enc.encode('1,2\r'), 0, 0, false);
  assert.equal(r.consumed, 0);
  r = sc.scan(enc.encode('1,2\r'), 0, 0, true);
  assert.deepEqual(rowsOf(r.batch), [['1', '2']]);
});

test('stopAt: records starting at or after stopAt are not scanned', () => {
  const buf = enc.encode('1,2\n3,4\n5,6\n');
  const sc = new CsvScanner({ columns: 2, project: [0] });
  let r = sc.scan(buf, 0, 0, false, 5);
  assert.deepEqual(rowsOf(r.batch), [['1'], ['3']]);
  assert.equal(r.consumed, 8);
  assert.equal(r.done, true);
  r = sc.scan(buf, 0, 0, false, 4); // a record starting exactly at stopAt is not ours
  assert.deepEqual(rowsOf(r.batch), [['1']]);
  assert.equal(r.done, true);
  r = sc.scan(buf, 0, 0, false, 100);
  assert.equal(r.batch.rows, 3);
  assert.equal(r.done, false);
});

test('batchRows limits a batch; typed arrays grow past their first size', () => {
  const text = Array.from({ length: 10000 }, (_, i) => `${i},x`).join('\n');
  const { rows } = scanAll(text, 2, [0], { batchRows: 3000 });
  assert.equal(rows.length, 10000);
  assert.equal(rows[9999][0], '9999');
  const sc = new CsvScanner({ columns: 2, project: [0], batchRows: 3000 });
  const r = sc.scan(enc.encode(text), 0, 0, true);
  assert.equal(r.batch.rows, 3000);
  const big = scanAll(Array.from({ length: 70000 }, (_, i) => `${i},x`).join('\n'), 2, [0]);
  assert.equal(big.rows.length, 70000);
});

test('random valid CSV matches a reference parser (and a field split at every word boundary)', () => {
  const rand = rng(42);
  for (let round = 0; round < 20; round++) {
    const cols = 1 + Math.floor(rand() * 5);
    const text = randomCsv(rand, 50, cols, { crlf: round % 2 === 1, blankLines: true });
    const ref = refParse(text);
    const got = scanAll(text, cols, Array.from({ length: cols }, (_, i) => i));
    assert.deepEqual(got.bad, []);
    assert.deepEqual(got.rows, ref.map((r) => r.fields));
    assert.deepEqual(got.offsets, ref.map((r) => r.offset));
  }
});

test('long unquoted fields and other dialects (word-at-a-time path)', () => {
  const long = 'abcdefghij'.repeat(50);
  const { rows } = scanAll(`${long},${long}x\n${long}y,z`, 2, [1, 0]);
  assert.deepEqual(rows, [[long + 'x', long], ['z', long + 'y']]);
  const buf = enc.encode("a;'b;c';d\n");
  const sc = new CsvScanner({ columns: 3, project: [0, 1, 2], dialect: { delimiter: 0x3b, quote: 0x27 } });
  assert.deepEqual(rowsOf(sc.scan(buf, 0, 0, true).batch), [['a', 'b;c', 'd']]);
  // an unaligned view of a larger buffer
  const big = new Uint8Array(2000);
  big.set(enc.encode(`${long},${long}\n`), 1);
  const r = new CsvScanner({ columns: 2, project: [0, 1] }).scan(big.subarray(1, 1 + long.length * 2 + 2), 0, 0, true);
  assert.deepEqual(rowsOf(r.batch), [[long, long]]);
});

test('readRecordFields reads a header record', () => {
  assert.deepEqual(readRecordFields(enc.encode('a,"b,c",d\r\nx'), 0, false), { fields: ['a', 'b,c', 'd'], next: 11 });
  assert.equal(readRecordFields(enc.encode('a,b'), 0, false), undefined);
  assert.deepEqual(readRecordFields(enc.encode('a,b'), 0, true), { fields: ['a', 'b'], next: 3 });
});
