import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteDictionary } from '../../../src/formats/csv/dictionary.js';
import { CsvScanner } from '../../../src/formats/csv/scanner.js';
import { hashBytes, hashString } from '../../../src/formats/hash.js';
import { enc, rng } from './helpers.js';

function batchOf(text: string, columns: number, project: number[]) {
  return new CsvScanner({ columns, project, batchRows: 1 << 20 }).scan(enc.encode(text), 0, 0, true).batch;
}

test('hashString equals hashBytes of the UTF-8 bytes; known MurmurHash3 values', () => {
  for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'view', 'électronique', '中文', '😀 ok', 'x'.repeat(1000), '\ud800 lone']) {
    const b = enc.encode(s);
    assert.equal(hashString(s), hashBytes(b, 0, b.length), s);
    const shifted = new Uint8Array(b.length + 3);
    shifted.set(b, 3);
    assert.equal(hashBytes(shifted, 3, shifted.length), hashString(s));
  }
  // reference values of MurmurHash3_x86_32 with seed 0
  assert.equal(hashString(''), 0);
  assert.equal(hashString('hello'), 0x248bfa47);
  assert.equal(hashString('The quick brown fox jumps over the lazy dog'), 0x2e4ff723);
  const h = hashString('view');
  assert.ok(h >= 0 && h < 2 ** 32 && Number.isInteger(h));
});

test('ByteDictionary: dense ids, nulls, unescaping, idOf, hashOf', () => {
  const text = 'view,a\ncart,""\n"view",b\n,c\n"say ""hi""",d\npurchase,e\n"say ""hi""",f\nélectronique,g\n';
  const b = batchOf(text, 2, [0]);
  const d = new ByteDictionary();
  const ids = new Int32Array(b.rows);
  d.encode(b, 0, ids);
  assert.deepEqual([...ids], [0, 1, 0, -1, 2, 3, 2, 4]);
  assert.deepEqual(d.values, ['view', 'cart', 'say "hi"', 'purchase', 'électronique']);
  assert.equal(d.size, 5);
  assert.equal(d.idOf('cart'), 1);
  assert.equal(d.idOf('remove_from_cart'), 5);
  assert.equal(d.find('nope'), -1);
  assert.equal(d.find('say "hi"'), 2);
  for (let id = 0; id < d.size; id++) assert.equal(d.hashOf(id), hashString(d.values[id]));
  // a quoted empty field is null too
  const e = batchOf('"",1\n', 2, [0]);
  d.encode(e, 0, ids);
  assert.equal(ids[0], -1);
});

test('ByteDictionary: many values, rehashing, and a second batch reusing ids', () => {
  const rand = rng(5);
  const values = Array.from({ length: 20000 }, (_, i) => `v${i}-${Math.floor(rand() * 1e9)}`);
  const picks = Array.from({ length: 50000 }, () => values[Math.floor(rand() * values.length)]);
  const d = new ByteDictionary();
  const ids = new Int32Array(picks.length);
  d.encode(batchOf(picks.map((v) => `${v},x`).join('\n'), 2, [0]), 0, ids);
  picks.forEach((v, i) => assert.equal(d.values[ids[i]], v));
  const n = d.size;
  const again = new Int32Array(picks.length);
  d.encode(batchOf(picks.map((v) => `x,${v}`).join('\n'), 2, [1]), 0, again);
  assert.deepEqual(again, ids);
  assert.equal(d.size, n);
  assert.equal(new Set(d.values).size, d.size);
});
