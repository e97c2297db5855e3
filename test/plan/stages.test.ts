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

test('an aggregate: hash exchange on the keys to the stage that aggregates; a sort by range', () => {
  const s = dag('select o_cust, sum(o_total) as t from orders group by o_cust order by t desc');
  assert.equal(s.length, 3, describeStages(s).join('\n'));
  assert.deepEqual(s[0].ops, ['scan orders']);
  assert.deepEqual(s[1].ops, ['project', 'aggregate']);
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
