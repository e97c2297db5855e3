// The streaming hash aggregate: folding a table batch by batch gives the result of one batch,
// whatever the cut, for every kind of call (exact sums past 2^53, min/max of strings and bigints
// through their compaction, count distinct, stddev, grouping sets), and an empty input gives
// the empty-input rows of SQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashAggregation, hashAggregate, type AggregateSpec } from '../../../src/exec/ops/aggregate.js';
import { BIGINT, DOUBLE, INTEGER, VARCHAR, decimal } from '../../../src/types/datatype.js';
import { scalars, vectorOf, type Batch, type Scalar } from '../../../src/types/vector.js';
import type { AggregateCall, Expr } from '../../../src/plan/logical/expr.js';
import type { Schema } from '../../../src/types/schema.js';
import { compileExpr } from '../../../src/exec/expr/compile.js';

const col = (index: number, type: Expr['type']): Expr => ({ kind: 'column', index, name: `c${index}`, type });
const input: Schema = [
  { name: 'k', type: VARCHAR, nullable: true },
  { name: 'b', type: BIGINT, nullable: true },
  { name: 'x', type: decimal(18, 2), nullable: true },
  { name: 'd', type: DOUBLE, nullable: true },
];

function rows(n: number, seed: number): Scalar[][] {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => [
    r() < 0.05 ? null : ['a', 'b', 'é', '', 'zz'][Math.floor(r() * 5)],
    r() < 0.05 ? null : r() < 0.3 ? 2n ** 60n + BigInt(Math.floor(r() * 3)) : Math.floor(r() * 7) - 3,
    r() < 0.05 ? null : i % 97 === 0 ? 4_000_000_000_000_000 : Math.floor(r() * 10000),
    r() < 0.05 ? null : r() * 100,
  ]);
}

function batch(rs: Scalar[][]): Batch {
  return { length: rs.length, columns: input.map((f, k) => vectorOf(f.type, rs.map((r) => r[k]))) };
}

function spec(groupingSets?: number[][]): AggregateSpec {
  const call = (fn: AggregateCall['fn'], arg: number | undefined, type: Expr['type'], extra: Partial<AggregateCall> = {}): AggregateCall =>
    ({ fn, args: arg === undefined ? [] : [col(arg, input[arg].type)], distinct: false, type, ...extra }) as AggregateCall;
  const calls: AggregateCall[] = [
    call('count_star', undefined, BIGINT),
    call('sum', 2, decimal(38, 2)),
    call('avg', 2, DOUBLE),
    call('min', 0, VARCHAR),
    call('max', 1, BIGINT),
    call('min', 3, DOUBLE),
    call('count', 0, BIGINT, { distinct: true }),
    call('stddev_samp', 3, DOUBLE),
    call('sum', 3, DOUBLE, { filter: { kind: 'call', fn: 'gt', args: [col(3, DOUBLE), { kind: 'literal', value: 50, type: DOUBLE }], type: { id: 'BOOLEAN' } } as Expr }),
  ];
  const keys = [col(0, VARCHAR), col(1, BIGINT)];
  const schema: Schema = [
    { name: 'k', type: VARCHAR, nullable: true }, { name: 'b', type: BIGINT, nullable: true },
    ...(groupingSets ? [{ name: 'grouping_id', type: BIGINT, nullable: false }] : []),
    ...calls.map((c, j) => ({ name: `a${j}`, type: c.type, nullable: true })),
  ];
  return {
    groupBy: keys.map(compileExpr),
    aggregates: calls.map((c) => ({ call: c, args: c.args.map(compileExpr), filter: c.filter ? compileExpr(c.filter) : undefined })),
    groupingSets,
    schema,
  };
}

const table = (b: Batch) => b.columns.map(scalars);

for (const sets of [undefined, [[0, 1], [0], []]]) {
  test(`streamed in batches of any size equals one batch${sets ? ' (grouping sets)' : ''}`, () => {
    const rs = rows(150_000, 7); // past min/max's compaction threshold
    const whole = table(hashAggregate(spec(sets), batch(rs)));
    for (const size of [1 << 13, 10_007, 150_000]) {
      const h = new HashAggregation(spec(sets));
      for (let at = 0; at < rs.length; at += size) h.add(batch(rs.slice(at, at + size)));
      assert.deepEqual(table(h.result()), whole, `batches of ${size}`);
    }
  });
}

test('a small cut into batches of 3 rows equals one batch, and no input gives SQL empty-input rows', () => {
  const rs = rows(200, 3);
  const h = new HashAggregation(spec());
  for (let at = 0; at < rs.length; at += 3) h.add(batch(rs.slice(at, at + 3)));
  assert.deepEqual(table(h.result()), table(hashAggregate(spec(), batch(rs))));
  assert.equal(new HashAggregation(spec()).result().length, 0, 'grouped: no groups');
  const global = new HashAggregation(spec([[]])).result();
  assert.equal(global.length, 1, 'the empty grouping set: one row');
  assert.deepEqual(global.columns.slice(3).map((c) => scalars(c)[0]), [0, null, null, null, null, null, 0, null, null]);
});

test('a grouping set that holds an earlier one groups by its parent group: equal to each set grouped alone', () => {
  const rs = rows(30_000, 11);
  const sets = [[0], [0, 1], [1], []];
  const h = new HashAggregation(spec(sets));
  for (let at = 0; at < rs.length; at += 4096) h.add(batch(rs.slice(at, at + 4096)));
  const together = table(h.result());
  const alone = sets.map((s) => table(hashAggregate(spec([s]), batch(rs))));
  assert.deepEqual(together, alone[0].map((_, c) => alone.flatMap((t) => t[c])));
});

test('a grouping set that computes no calls under a parent set holds only pairs: no group whose own keys are NULL', () => {
  const rs = rows(5000, 5);
  const s = { ...spec([[0], [0, 1]]), setCalls: [[0, 1], []] };
  const h = new HashAggregation(s);
  for (let at = 0; at < rs.length; at += 1000) h.add(batch(rs.slice(at, at + 1000)));
  const out = table(h.result());
  const gid = out[2];
  const pairs = out[1].filter((_, r) => gid[r] === 0);
  assert.ok(pairs.length > 0 && pairs.every((b) => b !== null), 'the (k, b) set has no NULL b');
  const want = new Set(rs.filter((r) => r[1] !== null).map((r) => `${r[0]}|${r[1]}`));
  assert.equal(pairs.length, want.size, 'one group per distinct (k, b) with b not NULL');
  // The set (k) computes its calls; the pairs set's calls are NULL.
  assert.ok(out[3].filter((_, r) => gid[r] === 0).every((x) => x === null));
  assert.ok(out[3].filter((_, r) => gid[r] === 1).every((x) => typeof x === 'number' && x > 0));
});

test('key words reused batch after batch (DOUBLE and INTEGER keys with NULLs, a distinct BIGINT): batches of shrinking sizes equal one batch', () => {
  const s: Schema = [{ name: 'd', type: DOUBLE, nullable: true }, { name: 'i', type: INTEGER, nullable: true }, { name: 'b', type: BIGINT, nullable: true }];
  let seed = 11;
  const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const rs: Scalar[][] = Array.from({ length: 40_000 }, () => [
    r() < 0.1 ? null : [0, -0, 1.5, NaN, 7][Math.floor(r() * 5)],
    r() < 0.1 ? null : Math.floor(r() * 4),
    r() < 0.1 ? null : r() < 0.2 ? 2n ** 62n + BigInt(Math.floor(r() * 3)) : Math.floor(r() * 50),
  ]);
  const mk = (part: Scalar[][]): Batch => ({ length: part.length, columns: s.map((f, k) => vectorOf(f.type, part.map((x) => x[k]))) });
  const c = (index: number): Expr => ({ kind: 'column', index, name: s[index].name, type: s[index].type });
  const calls: AggregateCall[] = [
    { fn: 'count_star', args: [], distinct: false, type: BIGINT } as AggregateCall,
    { fn: 'count', args: [c(2)], distinct: true, type: BIGINT } as AggregateCall,
  ];
  const sp = (): AggregateSpec => ({
    groupBy: [c(0), c(1)].map(compileExpr),
    aggregates: calls.map((call) => ({ call, args: call.args.map(compileExpr) })),
    schema: [s[0], s[1], { name: 'n', type: BIGINT, nullable: false }, { name: 'u', type: BIGINT, nullable: false }],
  });
  const whole = table(hashAggregate(sp(), mk(rs)));
  assert.equal(whole[0].length, 5 * 5, 'groups: d in {NULL, 0, 1.5, NaN, 7} (-0 is 0) x i in {NULL, 0..3}');
  const h = new HashAggregation(sp());
  // 20000, 10000, 5000, …: each batch overwrites part of the buffers the one before filled.
  for (let at = 0, size = 20_000; at < rs.length; at += size, size = Math.max(1, size >> 1)) h.add(mk(rs.slice(at, at + size)));
  assert.deepEqual(table(h.result()), whole);
});
