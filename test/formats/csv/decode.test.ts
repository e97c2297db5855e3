import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CsvScanner } from '../../../src/formats/csv/scanner.js';
import { decodeBigInt, decodeDecimal, decodeFloat, decodeInt, decodeTimestamp } from '../../../src/formats/csv/decode.js';
import { KindlingError } from '../../../src/common/errors.js';
import type { RecordBatch } from '../../../src/formats/csv/types.js';
import { enc, rng } from './helpers.js';
import { REAL_OCT } from '../../helpers/fixtures.js';

const REAL = REAL_OCT;

/** A batch of one projected column from one value per line (values may be quoted CSV text). */
function column(values: string[], baseOffset = 0): RecordBatch {
  const buf = enc.encode(values.map((v) => `${v},x\n`).join(''));
  const r = new CsvScanner({ columns: 2, project: [0], batchRows: 1 << 20 }).scan(buf, 0, baseOffset, true);
  assert.equal(r.bad.length, 0);
  return r.batch;
}

const ctx = (field: string) => ({ file: 'f.csv', field });

function rejects(fn: () => unknown, message: RegExp, offset?: number, field?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.equal(e.code, 'INPUT_BAD_RECORD');
    assert.match(e.message, message);
    assert.equal(e.place?.file, 'f.csv');
    if (offset !== undefined) assert.equal(e.place?.offset, offset);
    if (field !== undefined) assert.equal(e.place?.field, field);
    return true;
  });
}

test('decodeInt: exact doubles, nulls, and the first row too large for a double', () => {
  const b = column(['0', '-5', '+7', '', '9007199254740991', '-9007199254740991', '"42"']);
  const out = new Float64Array(b.rows);
  const nulls = new Uint8Array(b.rows);
  assert.equal(decodeInt(b, 0, out, nulls, ctx('n')), -1);
  assert.deepEqual([...out], [0, -5, 7, 0, 9007199254740991, -9007199254740991, 42]);
  assert.deepEqual([...nulls], [0, 0, 0, 1, 0, 0, 0]);
  assert.equal(Object.is(out[0], -0), false);
  const big = column(['1', '2', '9007199254740992', '3']);
  assert.equal(decodeInt(big, 0, new Float64Array(4), new Uint8Array(4), ctx('n')), 2);
  rejects(() => decodeInt(column(['1', '12a'], 100), 0, new Float64Array(2), new Uint8Array(2), ctx('qty')), /^qty: "12a" is not an integer$/, 104, 'qty');
  rejects(() => decodeInt(column(['-']), 0, new Float64Array(1), new Uint8Array(1), ctx('qty')), /"-" is not an integer/);
});

test('decodeBigInt: int64 values round-trip exactly; values beyond int64 are bad', () => {
  const texts = ['2053013552326770905', '-9223372036854775808', '9223372036854775807', '0', '-1', '', '4294967296', '-4294967296', '+12', '00000000000000000000042'];
  const b = column(texts);
  const out = new BigInt64Array(b.rows);
  const nulls = new Uint8Array(b.rows);
  decodeBigInt(b, 0, out, nulls, ctx('category_id'));
  assert.deepEqual([...out], texts.map((t) => (t === '' ? 0n : BigInt(t))));
  assert.deepEqual([...nulls], texts.map((t) => (t === '' ? 1 : 0)));
  for (const t of ['9223372036854775808', '-9223372036854775809', '99999999999999999999', '18446744073709551616']) {
    rejects(() => decodeBigInt(column([t]), 0, new BigInt64Array(1), new Uint8Array(1), ctx('id')), /is out of the int64 range/);
  }
  rejects(() => decodeBigInt(column(['1x']), 0, new BigInt64Array(1), new Uint8Array(1), ctx('id')), /"1x" is not an integer/);
  // a view at an offset inside a larger buffer
  const backing = new BigInt64Array(4);
  decodeBigInt(column(['-2', '3']), 0, backing.subarray(2), new Uint8Array(2), ctx('id'));
  assert.deepEqual([...backing], [0n, 0n, -2n, 3n]);
  // random int64 values
  const rand = rng(3);
  const rnd = Array.from({ length: 2000 }, () => BigInt.asIntN(64, (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32))));
  const rb = column(rnd.map(String));
  const ro = new BigInt64Array(rb.rows);
  decodeBigInt(rb, 0, ro, new Uint8Array(rb.rows), ctx('id'));
  assert.deepEqual([...ro], rnd);
});

test('decodeDecimal: exact scaled integers', () => {
  const b = column(['126', '126.0', '35.79', '-3.5', '0', '1.500', '', '.5', '7.', '-0.00', '"2574.00"']);
  const out = new Float64Array(b.rows);
  const nulls = new Uint8Array(b.rows);
  decodeDecimal(b, 0, 2, out, nulls, ctx('price'));
  assert.deepEqual([...out], [12600, 12600, 3579, -350, 0, 150, 0, 50, 700, 0, 257400]);
  assert.deepEqual([...nulls], [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  decodeDecimal(column(['1.5', '-2']), 0, 1, out, nulls, ctx('price'));
  assert.deepEqual([...out.subarray(0, 2)], [15, -20]);
  rejects(() => decodeDecimal(column(['1.5']), 0, 0, out, nulls, ctx('price')), /has more than 0 fraction digits/);
  rejects(() => decodeDecimal(column(['1', '35.791']), 0, 2, out, nulls, ctx('price')), /^price: "35\.791" has more than 2 fraction digits$/);
  rejects(() => decodeDecimal(column(['1', '"12,x"'], 50), 0, 2, out, nulls, ctx('price')), /^price: "12,x" is not a number$/, 54, 'price');
  for (const t of ['.', '-', '1.2.3', '1e5', ' 1', 'abc']) {
    rejects(() => decodeDecimal(column([t]), 0, 2, out, nulls, ctx('price')), /is not a number/);
  }
  rejects(() => decodeDecimal(column(['90071992547409.92']), 0, 2, out, nulls, ctx('price')), /too large/);
});

test('decodeFloat gives exactly Number(text)', () => {
  const rand = rng(11);
  const texts: string[] = ['0', '-0', '.5', '5.', '1e3', '-2.5E-3', '+1.25', '0.1', '123456789012345678901234', '3.14159265358979323846', '1e-320', '0.000000000000000000000000001'];
  for (let i = 0; i < 5000; i++) {
    const digits = Array.from({ length: 1 + Math.floor(rand() * 19) }, () => Math.floor(rand() * 10)).join('');
    const dot = Math.floor(rand() * (digits.length + 1));
    texts.push((rand() < 0.3 ? '-' : '') + digits.slice(0, dot) + '.' + digits.slice(dot));
  }
  const b = column(texts);
  const out = new Float64Array(b.rows);
  decodeFloat(b, 0, out, new Uint8Array(b.rows), ctx('x'));
  texts.forEach((t, i) => assert.ok(Object.is(out[i], Number(t)), `${t}: ${out[i]} vs ${Number(t)}`));
  for (const t of ['1e', 'abc', '1.2.3', '0x10', 'Infinity', '--1']) {
    rejects(() => decodeFloat(column([t]), 0, out, new Uint8Array(1), ctx('x')), /is not a number/);
  }
});

test('decodeTimestamp: the accepted forms, offsets and fractions', () => {
  const cases: [string, string][] = [
    ['2019-10-01 00:00:00 UTC', '2019-10-01T00:00:00Z'],
    ['2019-10-01T00:00:00Z', '2019-10-01T00:00:00Z'],
    ['2019-10-01 00:00:00', '2019-10-01T00:00:00Z'],
    ['2019-11-17 08:43:00.5', '2019-11-17T08:43:00.500Z'],
    ['2019-11-17 08:43:00.123456 UTC', '2019-11-17T08:43:00.123Z'],
    ['2019-11-17T08:43:00+02:00', '2019-11-17T06:43:00Z'],
    ['2019-11-17T08:43:00.25-05:30', '2019-11-17T14:13:00.250Z'],
    ['2019-11-17 08:43:00 +0100', '2019-11-17T07:43:00Z'],
    ['2020-02-29', '2020-02-29T00:00:00Z'],
    ['1969-12-31 23:59:59', '1969-12-31T23:59:59Z'],
    ['2019-10-01 12:34', '2019-10-01T12:34:00Z'],
  ];
  const b = column(cases.map((c) => c[0]).concat(['']));
  const out = new Float64Array(b.rows);
  const nulls = new Uint8Array(b.rows);
  decodeTimestamp(b, 0, out, nulls, ctx('event_time'));
  cases.forEach(([t, iso], i) => assert.equal(out[i], Date.parse(iso), t));
  assert.equal(nulls[cases.length], 1);
  for (const t of ['2019-02-29 00:00:00', '2019-13-01', '2019-10-01 24:00:00', '2019-10-01 00:60:00', '2019/10/01', '2019-10-01 00:00:00 PST', '2019-10-01X', '2019-10-01 00:00:00.']) {
    rejects(() => decodeTimestamp(column(['2019-10-01', t], 10), 0, out, nulls, ctx('event_time')), /is not a timestamp/, 23, 'event_time');
  }
});

test('real file: the decimal sum of price equals the BigInt sum of the text; category_id round-trips', () => {
  const buf = readFileSync(REAL);
  const text = buf.toString('utf8');
  const lines = text.split('\n').slice(1).filter((l) => l.length > 0);
  assert.equal(lines.length, 17434);
  let want = 0n;
  for (const l of lines) {
    const [ip, fp = ''] = l.split(',')[6].split('.');
    const neg = ip.startsWith('-');
    const v = BigInt(ip) * 100n + (neg ? -1n : 1n) * BigInt((fp + '00').slice(0, 2));
    want += v;
  }
  const sc = new CsvScanner({ columns: 9, project: [6, 3] });
  const start = buf.indexOf(0x0a) + 1;
  const r = sc.scan(buf, start, 0, true);
  assert.equal(r.batch.rows, 17434);
  const price = new Float64Array(r.batch.rows);
  const nulls = new Uint8Array(r.batch.rows);
  decodeDecimal(r.batch, 0, 2, price, nulls, ctx('price'));
  let got = 0;
  for (let i = 0; i < r.batch.rows; i++) got += price[i];
  assert.ok(Number.isSafeInteger(got));
  assert.equal(BigInt(got), want);
  const first = decodeInt(r.batch, 1, new Float64Array(r.batch.rows), nulls, ctx('category_id'));
  assert.equal(first, 0); // 2103807459595387724 > 2^53
  const ids = new BigInt64Array(r.batch.rows);
  decodeBigInt(r.batch, 1, ids, nulls, ctx('category_id'));
  lines.forEach((l, i) => assert.equal(ids[i], BigInt(l.split(',')[3])));
  assert.ok(ids.includes(2053013552326770905n));
});
