// The stage DAG (plan/physical/stages.ts) of optimized plans: cuts at exchanges, broadcast of a
// small join side, partial/final aggregation, range exchange for a sort, top-K before a limit.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadParser } from '../../src/sql/parse.js';
import { bindSql } from '../../src/sql/bind/script.js';
import type { TableSource } from '../../src/plan/logical/plan.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import { optimizeForRun } from '../../src/engine/local.js';
import { describeStages, stageDag } from '../../src/plan/physical/stages.js';

const table = (name: string, ddl: string, bytes: number): TableSource => ({ name, uri: `/data/${name}/`, format: 'csv', schema: parseSchemaDdl(ddl), splitSize: 64 << 20, bytes });
const TABLES = [
  table('orders', 'o_id BIGINT, o_cust BIGINT, o_date DATE, o_total DECIMAL(12,2)', 2 ** 30),
  table('customers', 'c_id BIGINT, c_nation INTEGER, c_name VARCHAR', 2 ** 28),
  table('nations', 'n_id INTEGER, n_name VARCHAR', 2000),
];
const OPTIONS = { partitions: 8, broadcastBytes: 10 << 20, splitSize: 64 << 20 };
before(() => loadParser());
const dag = (sql: string) => stageDag(optimizeForRun(bindSql(sql, TABLES).outputs[0].plan), OPTIONS);

test('an aggregate: partial in the scan stage, hash exchange on the keys to the final one; a sort by range', () => {
  const s = dag('select o_cust, sum(o_total) as t, avg(o_total) as a, count(*) as n from orders group by o_cust order by t desc');
  assert.equal(s.length, 3, describeStages(s).join('\n'));
  assert.deepEqual(s[0].ops, ['partial aggregate', 'scan orders']);
  assert.deepEqual(s[1].ops, ['project', 'final aggregate']);
  const partial = s[0].plan;
  assert.ok(partial.op === 'aggregate');
  assert.deepEqual(partial.aggregates.map((a) => a.fn), ['sum', 'count', 'count_star'], 'avg travels as a sum and a count, the sum shared with sum(o_total)');
  assert.equal(s[0].output?.kind, 'hash');
  assert.equal(s[2].output, undefined, 'the last stage writes the table');
  assert.equal(s[0].tasks, 16, '1 GiB in 64 MiB splits');
  assert.deepEqual(s[1].inputs, [{ stage: 0, exchange: { kind: 'hash', keys: ['o_cust'], partitions: 8 } }]);
  assert.equal(s[2].inputs[0].exchange.kind, 'range');
});

test('joins: a small side is broadcast into the large side’s stage; two large sides are hash-partitioned on their keys', () => {
  const small = dag('select c_name, n_name from customers join nations on c_nation = n_id');
  assert.equal(small.length, 2, describeStages(small).join('\n'));
  assert.deepEqual(small[0].inputs, [{ stage: 1, exchange: { kind: 'broadcast' } }]);
  const big = dag('select c_name, o_total from orders join customers on o_cust = c_id');
  const join = big.find((x) => x.ops.includes('inner hash join'))!;
  assert.deepEqual(join.inputs.map((i) => i.exchange), [{ kind: 'hash', keys: ['o_cust'], partitions: 8 }, { kind: 'hash', keys: ['c_id'], partitions: 8 }]);
});

test('order by … limit: a top-K per task, then one task merges', () => {
  const s = dag('select o_id, o_total from orders order by o_total desc limit 10');
  assert.equal(s.length, 2);
  assert.match(s[0].ops[0], /^top-10 per task/);
  assert.deepEqual(s[1].inputs[0].exchange, { kind: 'single' });
  assert.equal(s[1].estRows, 10);
  assert.match(describeStages(s)[0], /^stage 1: sort \+ limit 10; 1 task\(s\), ~10 rows/);
});

test('aggregates that cannot be split (distinct over two arguments, grouping sets) send their rows: hash on the keys, or the keys all grouping sets share', () => {
  const d = dag('select o_cust, count(distinct o_date), count(distinct o_total) from orders group by o_cust');
  assert.deepEqual(d[0].ops, ['scan orders']);
  assert.equal(d[0].output?.kind, 'hash');
  const r = dag('select o_cust, o_date, sum(o_total) from orders group by rollup (o_cust, o_date)');
  assert.equal(r[0].output?.kind, 'single', 'rollup includes the grand total: no key is shared');
});

test('joins that need all of one side broadcast it whatever its size; right and full joins never broadcast the side they keep', () => {
  const notIn = dag('select o_id from orders where o_cust not in (select c_id from customers)');
  assert.ok(notIn.some((x) => x.inputs.some((i) => i.exchange.kind === 'broadcast')), describeStages(notIn).join('\n'));
  const nonEqui = dag('select o_id, c_id from orders right join customers on o_total > c_nation');
  const join = nonEqui[nonEqui.length - 1].inputs.length === 2 ? nonEqui[nonEqui.length - 1] : nonEqui.find((x) => x.inputs.length === 2)!;
  assert.deepEqual(join.inputs.map((i) => i.exchange.kind), ['single', 'single'], describeStages(nonEqui).join('\n'));
  const full = stageDag(optimizeForRun(bindSql('select n_name, c_name from nations full join customers on n_id = c_nation', TABLES).outputs[0].plan), { ...OPTIONS, broadcastBytes: Infinity });
  assert.ok(full.every((x) => x.inputs.every((i) => i.exchange.kind !== 'broadcast')), describeStages(full).join('\n'));
});

test('a window over an aggregate partitioned by some of its group keys: the aggregate exchanges on those keys and the window runs in its stage', () => {
  const s = dag(`select * from (select o_cust, o_date, n, row_number() over (partition by o_cust order by n desc, o_date) as rn
    from (select o_cust, o_date, count(*) as n from orders group by o_cust, o_date)) where rn = 1`);
  assert.equal(s.length, 2, describeStages(s).join('\n'));
  assert.deepEqual(s[1].inputs, [{ stage: 0, exchange: { kind: 'hash', keys: ['o_cust'], partitions: 8 } }]);
  assert.ok(s[1].ops.includes('window') && s[1].ops.includes('final aggregate'), s[1].ops.join(' <- '));
  // Partitioned by a column the aggregate computes: no shortcut, the window exchanges on it.
  const other = dag('select o_cust, n, rank() over (partition by n order by o_cust) from (select o_cust, count(*) as n from orders group by o_cust)');
  assert.equal(other.length, 3, describeStages(other).join('\n'));
  assert.deepEqual(other[2].inputs[0].exchange, { kind: 'hash', keys: ['n'], partitions: 8 });
  // A second window over the same keys needs no exchange either.
  const twice = dag('select o_cust, o_date, rank() over (partition by o_cust order by o_date) as r from (select *, sum(o_total) over (partition by o_cust) as t from orders)');
  assert.equal(twice.length, 2, describeStages(twice).join('\n'));
});

test('distinct calls over one argument: one partial aggregate with a grouping set per distinct filter, one exchange on the keys, the final aggregate after it', () => {
  const d = dag(`select o_cust, count(distinct o_date) filter (where o_total > 10) as a, count(distinct o_date) as b, sum(o_total) as s, avg(o_total) as m, count(*) as n
    from orders group by o_cust`);
  assert.equal(d.length, 2, describeStages(d).join('\n'));
  assert.deepEqual(d[0].ops, ['partial aggregate', 'scan orders']);
  assert.deepEqual(d[1].inputs, [{ stage: 0, exchange: { kind: 'hash', keys: ['o_cust'], partitions: 8 } }]);
  assert.deepEqual(d[1].ops, ['project', 'final aggregate']);
  const partial = d[0].plan;
  assert.ok(partial.op === 'aggregate' && partial.groupingSets && partial.setCalls);
  // (o_cust) computes sum, count and count(*); (o_cust, o_date where o_total > 10) and (o_cust, o_date) only their pairs.
  assert.deepEqual(partial.groupingSets, [[0], [0, 1], [0, 2]]);
  assert.deepEqual(partial.setCalls, [[0, 1, 2], [], []]);
  assert.deepEqual(partial.aggregates.map((a) => a.fn), ['sum', 'count', 'count_star']);
  assert.equal(partial.groupBy[1].kind, 'case', 'the filtered pair column: o_date where the filter holds, else NULL');
  let final = d[1].plan;
  while (final.op === 'project') final = final.input;
  assert.ok(final.op === 'aggregate', final.op);
  assert.deepEqual(final.aggregates.map((a) => `${a.fn}${a.distinct ? ' distinct' : ''}`), ['count distinct', 'count distinct', 'sum', 'avg_final', 'sum']);
  // Without keys: the pairs are the argument alone, the final aggregate runs in one task.
  const g = dag('select count(distinct o_cust), count(*) from orders');
  assert.equal(g[g.length - 1].tasks, 1, describeStages(g).join('\n'));
});

test('an aggregate over an aggregate by some of its keys needs no second exchange', () => {
  const s = dag('select o_cust, count(*) as days, sum(t) from (select o_cust, o_date, sum(o_total) as t from orders group by o_cust, o_date) x group by o_cust');
  assert.equal(s.length, 2, describeStages(s).join('\n'));
  assert.deepEqual(s[1].inputs[0].exchange, { kind: 'hash', keys: ['o_cust'], partitions: 8 });
});
