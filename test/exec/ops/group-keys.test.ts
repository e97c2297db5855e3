// Typed group keys (exec/ops/group-keys.ts) and the sort's key words (exec/ops/sort.ts) against
// a reference built from scalars: every physical form, NULL against NaN and -0, bigints past 2^53.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistinctRows, groupRows } from '../../../src/exec/ops/group-keys.js';
import { HashAggregation } from '../../../src/exec/ops/aggregate.js';
import { take } from '../../../src/exec/ops/rows.js';
import { compileExpr } from '../../../src/exec/expr/compile.js';
import { sortOrder } from '../../../src/exec/ops/sort.js';
import { encodeBatch, decodeBatch } from '../../../src/formats/batch-codec.js';
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, INTERVAL, VARCHAR, decimal } from '../../../src/types/datatype.js';
import { scalars, valueAt, type Vector } from '../../../src/types/vector.js';

const big = 2n ** 60n;
const bigints: Vector = { type: BIGINT, length: 6, values: BigInt64Array.from([big, big + 1n, big, -big, 0n, big + 1n]), nulls: Uint8Array.from([0, 0, 0, 0, 1, 0]) };
const doubles: Vector = { type: DOUBLE, length: 6, values: Float64Array.from([NaN, 0, -0, NaN, 0, 1.5]), nulls: Uint8Array.from([0, 0, 0, 0, 1, 0]) };
const strings: Vector = { type: VARCHAR, length: 6, values: ['a', 'b', 'a', '', '', 'b'], nulls: Uint8Array.from([0, 0, 0, 0, 1, 0]) };
const wide: Vector = { type: decimal(38, 2), length: 6, values: [10n ** 30n, 1n, 10n ** 30n, 1n, 0n, 2n], nulls: Uint8Array.from([0, 0, 0, 0, 1, 0]) };
const intervals: Vector = { type: INTERVAL, length: 6, values: { months: Int32Array.from([1, 0, 1, 0, 0, 0]), days: Int32Array.from([0, 30, 0, 30, 0, 30]), micros: new Float64Array(6) }, nulls: Uint8Array.from([0, 0, 0, 0, 1, 0]) };

/** Reference group ids: by each row's scalars as text (NULL distinct from every value, NaN with NaN, -0 with 0). */
function reference(cols: Vector[], n: number): number[] {
  const seen = new Map<string, number>();
  return Array.from({ length: n }, (_, i) => {
    const k = JSON.stringify(cols.map((c) => { const v = valueAt(c, i); return v === null ? 'NULL' : typeof v === 'number' ? (Object.is(v, -0) ? 0 : Number.isNaN(v) ? 'NaN' : v) : typeof v === 'bigint' ? `${v}n` : v; }));
    if (!seen.has(k)) seen.set(k, seen.size);
    return seen.get(k)!;
  });
}

test('groupRows: one group per distinct key tuple, in order of first appearance, for every physical form', () => {
  for (const cols of [[bigints], [doubles], [strings], [wide], [intervals], [strings, bigints], [doubles, strings, wide]]) {
    const { ids, count, first } = groupRows(cols, 6);
    const want = reference(cols, 6);
    assert.deepEqual(Array.from(ids), want, cols.map((c) => c.type.id).join(','));
    assert.equal(count, Math.max(...want) + 1);
    assert.deepEqual(first, want.map((g, i) => (want.indexOf(g) === i ? i : -1)).filter((i) => i >= 0));
  }
  // The two forms of a BIGINT group alike within their own column: halves of the bit pattern, not the value's double.
  const { count } = groupRows([{ type: BIGINT, length: 2, values: BigInt64Array.from([2n ** 53n, 2n ** 53n + 1n]) }], 2);
  assert.equal(count, 2, '2^53 and 2^53 + 1 are one double but two BIGINTs');
});

test('a streamed grouping gives back each group\'s key values from its words: every type, NULLs, bigints past 2^53, batches of either form', () => {
  const ints: Vector = { type: INTEGER, length: 6, values: Int32Array.from([3, -1, 3, 0, 0, 7]), nulls: Uint8Array.from([0, 0, 0, 0, 1, 0]) };
  const bools: Vector = { type: BOOLEAN, length: 6, values: Uint8Array.from([1, 0, 1, 0, 0, 1]), nulls: Uint8Array.from([0, 0, 0, 0, 1, 0]) };
  const asDoubles: Vector = { type: BIGINT, length: 6, values: Float64Array.from([5, -7, 5, 2 ** 40, 0, -(2 ** 52)]), nulls: Uint8Array.from([0, 0, 0, 0, 1, 0]) };
  for (const cols of [[bigints], [doubles], [strings], [wide], [intervals], [ints], [bools], [asDoubles, bigints], [strings, bigints, doubles]]) {
    const schema = cols.map((c, k) => ({ name: `k${k}`, type: c.type, nullable: true }));
    const h = new HashAggregation({ groupBy: cols.map((_, k) => compileExpr({ kind: 'column', index: k, name: `k${k}`, type: cols[k].type })), aggregates: [], schema });
    // Two batches: rows 0-2 and 3-5 (each its own vectors, as a scan delivers them).
    const half = (from: number, to: number) => ({ length: to - from, columns: cols.map((c) => take(c, Int32Array.from({ length: to - from }, (_, i) => from + i))) });
    h.add(half(0, 3));
    h.add(half(3, 6));
    const got = h.result();
    const want = reference(cols, 6);
    const firsts = want.map((g, i) => (want.indexOf(g) === i ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(got.columns.map(scalars), cols.map((c) => firsts.map((i) => valueAt(c, i))), cols.map((c) => c.type.id).join(','));
  }
  // BIGINT as exact doubles in one batch, as BigInt64Array in the next: one group per value, given back in one form.
  const h = new HashAggregation({ groupBy: [compileExpr({ kind: 'column', index: 0, name: 'b', type: BIGINT })], aggregates: [], schema: [{ name: 'b', type: BIGINT, nullable: true }] });
  h.add({ length: 2, columns: [{ type: BIGINT, length: 2, values: Float64Array.from([1, 2]) }] });
  h.add({ length: 3, columns: [{ type: BIGINT, length: 3, values: BigInt64Array.from([2n, 2n ** 60n, 1n]) }] });
  assert.deepEqual(scalars(h.result().columns[0]).map(String), ['1', '2', String(2n ** 60n)]);
});

test('DistinctRows: the rows whose (group, value) pair is new among the chosen rows, across batches (count distinct)', () => {
  const groups = Int32Array.from([0, 0, 1, 0, 1, 1]);
  assert.deepEqual(Array.from(new DistinctRows(1).firstRows(groups, [strings], Int32Array.from([0, 1, 2, 3, 5]), 6)), [0, 1, 2, 3, 5]);
  const d = new DistinctRows(1);
  assert.deepEqual(Array.from(d.firstRows(new Int32Array(6), [strings], Int32Array.from([0, 1, 2, 5]), 6)), [0, 1]);
  // A later batch with its own dictionary: 'a' and 'b' were seen in group 0, '' is new there, 'a' is new in group 1.
  const later: Vector = { type: VARCHAR, length: 4, values: ['b', '', 'a', 'a'], dict: { ids: Int32Array.from([0, 1, 2, 2]), strings: ['b', '', 'a'] } };
  assert.deepEqual(Array.from(d.firstRows(Int32Array.from([0, 0, 0, 1]), [later], undefined, 4)), [1, 3]);
  assert.deepEqual(Array.from(new DistinctRows(1).firstRows(groups, [bigints], Int32Array.from([0, 2, 3, 4, 5]), 6)), [0, 2, 3, 4, 5]);
  // BIGINT as exact doubles in one batch and as BigInt64Array in the next: equal values are one pair.
  const e = new DistinctRows(1);
  const asDoubles: Vector = { type: BIGINT, length: 3, values: Float64Array.from([-1, 5, 2 ** 40]) };
  const asBig: Vector = { type: BIGINT, length: 4, values: BigInt64Array.from([5n, -1n, 2n ** 40n, big]) };
  assert.deepEqual(Array.from(e.firstRows(new Int32Array(3), [asDoubles], undefined, 3)), [0, 1, 2]);
  assert.deepEqual(Array.from(e.firstRows(new Int32Array(4), [asBig], undefined, 4)), [3]);
  // DECIMAL over 18 digits: a safe value as a number equals it as a bigint.
  const f = new DistinctRows(1);
  assert.deepEqual(Array.from(f.firstRows(new Int32Array(2), [{ type: decimal(38, 2), length: 2, values: Float64Array.from([7, 8]) }], undefined, 2)), [0, 1]);
  assert.deepEqual(Array.from(f.firstRows(new Int32Array(2), [{ type: decimal(38, 2), length: 2, values: [8n, 10n ** 30n] }], undefined, 2)), [1]);
});

test('sortOrder with key words equals a sort by scalars: strings by code point, NULLs first or last, descending, and the fallbacks', () => {
  const n = 500;
  const pool = ['', 'a', 'B', 'b', 'é', '\u{1F4F1}', '\uFFFF', 'ab', 'a b'];
  const s: Vector = { type: VARCHAR, length: n, values: Array.from({ length: n }, (_, i) => pool[(i * 7) % pool.length]), nulls: Uint8Array.from({ length: n }, (_, i) => (i % 11 === 0 ? 1 : 0)) };
  const d: Vector = { type: DOUBLE, length: n, values: Float64Array.from({ length: n }, (_, i) => [1.5, -0, 0, -2, Infinity, NaN][i % 6]), nulls: Uint8Array.from({ length: n }, (_, i) => (i % 13 === 0 ? 1 : 0)) };
  const cp = (x: string, y: string) => { const a = [...x].map((c) => c.codePointAt(0)!); const b = [...y].map((c) => c.codePointAt(0)!); for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k] - b[k]; return a.length - b.length; };
  const num = (x: number, y: number) => (Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : Number.isNaN(y) ? -1 : x < y ? -1 : x > y ? 1 : 0);
  for (const desc of [false, true]) {
    for (const nullsFirst of [false, true]) {
      const keys = [{ expr: () => s, desc, nullsFirst }, { expr: () => d, desc: !desc, nullsFirst }];
      const got = Array.from(sortOrder(keys, { length: n, columns: [] }));
      const sv = scalars(s), dv = scalars(d);
      const one = (a: unknown, b: unknown, f: (x: never, y: never) => number, de: boolean) => {
        if (a === null || b === null) return a === b ? 0 : (a === null) === nullsFirst ? -1 : 1;
        return (de ? -1 : 1) * f(a as never, b as never);
      };
      const want = Array.from({ length: n }, (_, i) => i).sort((i, j) => one(sv[i], sv[j], cp, desc) || one(dv[i], dv[j], num, !desc) || i - j);
      assert.deepEqual(got, want, `desc ${desc}, nulls first ${nullsFirst}`);
    }
  }
});

test('the exchange codec sends a column that repeats its strings as distinct strings and ids, and reads back every value', () => {
  const n = 1000;
  const pool = ['electronics.smartphone', 'électronique 📱', '', 'x'];
  const v: Vector = { type: VARCHAR, length: n, values: Array.from({ length: n }, (_, i) => pool[i % 4]), nulls: Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0)) };
  const unique: Vector = { type: VARCHAR, length: n, values: Array.from({ length: n }, (_, i) => `session-${i}`) };
  const bytes = encodeBatch({ length: n, columns: [v, unique] });
  const head = JSON.parse(Buffer.from(bytes.subarray(8, 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true))).toString());
  assert.deepEqual(head.cols.map((c: { form: string }) => c.form), ['dstr', 'str']);
  const back = decodeBatch(bytes, [VARCHAR, VARCHAR], 'test block');
  assert.deepEqual(scalars(back.columns[0]), scalars(v));
  assert.deepEqual(scalars(back.columns[1]), scalars(unique));
  const ids = (back.columns[0].values as string[]);
  assert.ok(ids[1] === ids[5], 'equal strings are one instance');
});

test('string dictionaries: grouping, sorting, hash partitioning and the codec give what the plain strings give; take and concat keep them', async () => {
  const { concatVectors, take } = await import('../../../src/exec/ops/rows.js');
  const { hashPartitions } = await import('../../../src/exec/ops/partition.js');
  const n = 400;
  const pool = ['b', 'a', 'électronique', '', 'a b', '\u{1F4F1}'];
  const plain: Vector = { type: VARCHAR, length: n, values: Array.from({ length: n }, (_, i) => pool[(i * 5) % pool.length]), nulls: Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0)) };
  // A dictionary with unused entries and ids in another order than the strings' first appearance.
  const strings = ['unused', ...pool.slice().reverse(), 'also unused'];
  const dictOf = (v: Vector): Vector => ({ ...v, dict: { strings, ids: Int32Array.from(v.values as string[], (s, i) => (v.nulls?.[i] ? 0 : strings.indexOf(s))) } });
  const dict = dictOf(plain);
  assert.deepEqual(Array.from(groupRows([dict], n).ids), Array.from(groupRows([plain], n).ids));
  const key = (v: Vector) => [{ expr: () => v, desc: true, nullsFirst: true }];
  assert.deepEqual(Array.from(sortOrder(key(dict), { length: n, columns: [] })), Array.from(sortOrder(key(plain), { length: n, columns: [] })));
  assert.deepEqual(hashPartitions([dict, dict], n, 5).map((p) => Array.from(p)), hashPartitions([plain, plain], n, 5).map((p) => Array.from(p)), 'a row lands in one partition whichever form its strings have');
  // take and concat: shared dictionary, and two different dictionaries merged.
  const idx = Int32Array.from([3, -1, 0, 5, 5, 399]);
  const t = take(dict, idx);
  assert.ok(t.dict);
  assert.deepEqual(scalars(t), scalars(take(plain, idx)));
  const other: Vector = { type: VARCHAR, length: 3, values: ['z', 'a', 'b'], dict: { strings: ['a', 'b', 'z'], ids: Int32Array.from([2, 0, 1]) } };
  for (const parts of [[dict, t], [dict, other, t]]) {
    const c = concatVectors(parts);
    assert.ok(c.dict, 'concat keeps a dictionary');
    assert.deepEqual(scalars(c), parts.flatMap(scalars));
    (c.values as string[]).forEach((s, i) => { if (!c.nulls?.[i]) assert.equal(c.dict!.strings[c.dict!.ids[i]], s); });
    assert.equal(new Set(c.dict!.strings).size, c.dict!.strings.length, 'distinct strings');
  }
  // The codec sends only the strings in use and reads back a dictionary.
  const back = decodeBatch(encodeBatch({ length: t.length, columns: [t] }), [VARCHAR], 'block').columns[0];
  assert.deepEqual(scalars(back), scalars(t));
  assert.ok(back.dict && back.dict.strings.length <= 3);
});
