// The exchange codec round-trips every physical form exactly, dense and sparse (a column at
// least half NULL carries only its non-NULL rows' values), and refuses a damaged block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch, decodeBlocks, encodeBatch } from '../../src/formats/batch-codec.js';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INTEGER, VARCHAR } from '../../src/types/datatype.js';
import { dictVector, scalars, type Vector } from '../../src/types/vector.js';
import { KindlingError } from '../../src/common/errors.js';

const n = 100;
const nullsEvery = (k: number) => Uint8Array.from({ length: n }, (_, i) => (i % k === 0 ? 0 : 1));
const columns = (nulls: Uint8Array | undefined): Vector[] => [
  { type: BOOLEAN, length: n, values: Uint8Array.from({ length: n }, (_, i) => i & 1), nulls },
  { type: INTEGER, length: n, values: Int32Array.from({ length: n }, (_, i) => i * 7 - 300), nulls },
  { type: DATE, length: n, values: Int32Array.from({ length: n }, (_, i) => 19000 + i), nulls },
  { type: DOUBLE, length: n, values: Float64Array.from({ length: n }, (_, i) => [NaN, -0, 1.5, -Infinity][i % 4] * (i + 1)), nulls },
  { type: BIGINT, length: n, values: BigInt64Array.from({ length: n }, (_, i) => 2n ** 62n + BigInt(i)), nulls },
  { type: VARCHAR, length: n, values: Array.from({ length: n }, (_, i) => `s${i % 3}`), nulls },
];

for (const [what, nulls] of [['no NULLs', undefined], ['a few NULLs (dense)', nullsEvery(1).map((x, i) => (i % 10 === 0 ? 1 : 0))], ['mostly NULL (sparse)', nullsEvery(9)], ['all NULL', new Uint8Array(n).fill(1)]] as const) {
  test(`round trip, ${what}`, () => {
    const cols = columns(nulls);
    const bytes = encodeBatch({ length: n, columns: cols });
    const back = decodeBatch(bytes, cols.map((c) => c.type), 'test block');
    assert.equal(back.length, n);
    back.columns.forEach((c, k) => {
      assert.deepEqual(scalars(c), scalars(cols[k]), `column ${k}`);
      assert.equal(c.values.constructor, cols[k].values.constructor, `column ${k} keeps its form`);
    });
  });
}

test('a sparse column is smaller on the wire, and a damaged header is refused', () => {
  const dense = encodeBatch({ length: n, columns: columns(undefined) }).byteLength;
  const sparse = encodeBatch({ length: n, columns: columns(nullsEvery(9)) }).byteLength;
  assert.ok(sparse < dense, `${sparse} < ${dense}`);
  const bytes = encodeBatch({ length: n, columns: [columns(nullsEvery(9))[1]] });
  const cut = bytes.subarray(0, bytes.byteLength - 48);
  assert.throws(() => decodeBatch(cut, [INTEGER], 'cut block'), (e: unknown) => e instanceof KindlingError && /truncated/.test(e.message));
});

test('chosen rows encode as if taken first; all-NULL and constant columns travel as header flags; blocks decode one after another', () => {
  const cols = columns(nullsEvery(9));
  const rows = Int32Array.from({ length: 40 }, (_, j) => (j * 37) % n);
  const back = decodeBatch(encodeBatch({ length: n, columns: cols }, rows), cols.map((c) => c.type), 'rows block');
  assert.equal(back.length, rows.length);
  back.columns.forEach((c, k) => assert.deepEqual(scalars(c), Array.from(rows, (i) => scalars(cols[k])[i]), `column ${k}`));
  const allNull: Vector = { type: BIGINT, length: n, values: new Float64Array(n), nulls: new Uint8Array(n).fill(1) };
  const constant: Vector = { type: INTEGER, length: n, values: new Int32Array(n).fill(7) };
  const dense: Vector = { type: INTEGER, length: n, values: new Int32Array(n).fill(7).map((x, i) => x + i) };
  const flags = encodeBatch({ length: n, columns: [allNull, constant] });
  assert.ok(flags.byteLength < 8 * 16, `${flags.byteLength} bytes: no values travel`);
  const blocks = Buffer.concat([flags, encodeBatch({ length: n, columns: [allNull, dense] }, Int32Array.of(3, 5))]);
  const got = decodeBlocks(blocks, [BIGINT, INTEGER], 'two blocks');
  assert.equal(got.length, 2);
  assert.deepEqual(scalars(got[0].columns[0]), new Array(n).fill(null));
  assert.deepEqual(scalars(got[0].columns[1]), new Array(n).fill(7));
  assert.deepEqual(scalars(got[1].columns[1]), [10, 12]);
});

test('a dictionary vector makes its strings when first read, NULL rows as empty strings', () => {
  const v = dictVector(VARCHAR, 4, { ids: Int32Array.of(1, -1, 0, 1), strings: ['a', 'b'] }, Uint8Array.of(0, 1, 0, 0));
  assert.deepEqual(scalars(v), ['b', null, 'a', 'b']);
  assert.deepEqual(v.values, ['b', '', 'a', 'b']);
  assert.equal(v.values, v.values, 'made once');
});
