import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupTable, hashNumber } from '../../src/exec/ops/group-table.js';
import { PairSet } from '../../src/exec/pair-set.js';

test('hashNumber hashes a number by its exact value (-0 as 0, one NaN)', () => {
  assert.equal(hashNumber(0), hashNumber(-0));
  assert.equal(hashNumber(NaN), hashNumber(0 / 0));
  const vals = [0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, 2 ** 53 - 2, 0.1, 0.30000000000000004, 0.3, 1e300, -1e-300, 512_000_123];
  assert.equal(new Set(vals.map(hashNumber)).size, vals.length);
});

test('GroupTable: one group per distinct key tuple, NaN (null) keys equal, across growth', () => {
  const t = new GroupTable(2, 4);
  const n = 50_000;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = i % 977;
    b[i] = i % 3 === 0 ? NaN : (i * 7) % 13;
  }
  const out = new Int32Array(n);
  t.insert([a, b], n, out);
  const expected = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}|${b[i]}`;
    if (!expected.has(key)) expected.set(key, out[i]);
    assert.equal(out[i], expected.get(key), `row ${i}`);
  }
  assert.equal(t.size, expected.size);
  for (const [key, g] of expected) assert.equal(`${t.key(g, 0)}|${t.key(g, 1)}`, key);
});

test('PairSet: exact distinct values per group', () => {
  const s = new PairSet(2);
  for (let i = 0; i < 10_000; i++) s.add(i % 5, (i * 31) % 101);
  s.add(2, NaN);
  s.add(2, NaN);
  const counts = s.countsPerGroup(5);
  assert.deepEqual([...counts], [101, 101, 102, 101, 101]);
});
