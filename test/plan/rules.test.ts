// The optimizer rules added with the executor, each alone on bound SQL, in EXPLAIN form:
// decorrelation, constant folding, factoring ors, join order. (Their answers are checked against
// DuckDB in test/exec/queries.test.ts, sql-fuzz.test.ts and tpch.test.ts.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadParser } from '../../src/sql/parse.js';
import { bindSql } from '../../src/sql/bind/script.js';
import { explain } from '../../src/plan/logical/explain.js';
import { visit, type Expr } from '../../src/plan/logical/expr.js';
import { inputs, planExprs, type LogicalPlan, type TableSource } from '../../src/plan/logical/plan.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import { decorrelate } from '../../src/plan/optimize/decorrelate.js';
import { foldConstants } from '../../src/plan/optimize/fold-constants.js';
import { factorOrs } from '../../src/plan/optimize/factor-or.js';
import { pushFilters } from '../../src/plan/optimize/push-filters.js';
import { reorderJoins } from '../../src/plan/optimize/reorder-joins.js';
import { evaluateConstant } from '../../src/engine/local.js';

const table = (name: string, ddl: string, bytes?: number): TableSource => ({ name, uri: `/data/${name}/`, format: 'csv', schema: parseSchemaDdl(ddl), splitSize: 1 << 26, ...(bytes ? { bytes } : {}) });
const TABLES = [
  table('orders', 'o_id BIGINT, o_cust BIGINT, o_date DATE, o_total DECIMAL(12,2)', 1e9),
  table('customers', 'c_id BIGINT, c_nation INTEGER, c_name VARCHAR', 1e7),
  table('nations', 'n_id INTEGER, n_name VARCHAR', 1e3),
  table('items', 'i_order BIGINT, i_qty INTEGER', 5e9),
];
before(() => loadParser());
const bound = (sql: string): LogicalPlan => bindSql(sql, TABLES).outputs[0].plan;

/** Does any expression of the plan (or below) hold a subquery or an outer column? */
function correlated(p: LogicalPlan): boolean {
  let found = false;
  const check = (e: Expr) => visit(e, (x) => { if (x.kind === 'subquery' || x.kind === 'outer') found = true; });
  planExprs(p).forEach(check);
  return found || inputs(p).some(correlated);
}

test('decorrelate: exists, not in, correlated scalar aggregates and exists under an or become joins', () => {
  const cases: [string, RegExp][] = [
    ['select c_name from customers where exists (select 1 from orders where o_cust = c_id and o_total > 10)', /Join: semi on \(o_cust = c_id\)/],
    ['select c_name from customers where c_id not in (select o_cust from orders)', /Join: anti .*null-aware|Join: anti on \(c_id = o_cust\)/],
    ['select c_name, (select sum(o_total) from orders where o_cust = c_id) as spent from customers', /Join: left on \(c_id = __key0\)[\s\S]*Aggregate: groupBy=\[o_cust\] aggr=\[sum\(o_total\)\]/],
    ['select c_name, (select count(*) from orders where o_cust = c_id) as n from customers', /CASE WHEN __key0 IS NULL THEN 0/],
    ["select c_name from customers where c_nation = 1 or exists (select 1 from orders where o_cust = c_id)", /Join: mark on \(o_cust = c_id\)/],
    ['select c_name from customers where c_id > (select avg(o_cust) from orders)', /Join: single/],
  ];
  for (const [sql, shape] of cases) {
    const p = decorrelate(bound(sql));
    assert.equal(correlated(p), false, `no subquery left: ${sql}`);
    assert.match(explain(p), shape, `${sql}\n${explain(p)}`);
  }
});

test('fold constants: literal-only expressions become literals; a failing one stays for run time', () => {
  const p = explain(foldConstants(evaluateConstant)(bound("select o_id from orders where o_date < date '1994-01-01' + interval '1' year and o_total > cast(7 as decimal(4,1)) * 2")));
  assert.match(p, /o_date AS TIMESTAMP\) < TIMESTAMP '1995-01-01 00:00:00'/, p);
  assert.match(p, /14\.0/, p);
  const boom = explain(foldConstants(evaluateConstant)(bound('select 2147483647 + cast(1 as integer) as x from orders')));
  assert.match(boom, /\(2147483647 \+ 1\)/, 'the overflow is left to run time (where DuckDB also fails)');
});

test('factor ors: a conjunct common to every branch moves out, so pushdown can use it as a join key', () => {
  const p = explain(pushFilters(factorOrs(bound('select o_id from orders, customers where (o_cust = c_id and c_nation = 1) or (o_cust = c_id and o_total > 5)'))));
  assert.match(p, /Join: inner on \(\(o_cust = c_id\) AND \(\(c_nation = 1\) OR \(o_total > 5\.00\)\)\)/, p);
});

test('reorder joins: never a cross product a condition avoids; the largest input first, then the smallest connected', () => {
  // FROM order: nations, orders, customers: orders x nations share no condition.
  const p = explain(reorderJoins(pushFilters(bound('select c_name, n_name, o_total from nations, orders, customers where o_cust = c_id and c_nation = n_id'))));
  assert.doesNotMatch(p, /Join: cross/, p);
  assert.match(p, /^Project: c_name, n_name, o_total\n  Project: .*\n    Join: inner on \(c_nation = n_id\)\n      Join: inner on \(o_cust = c_id\)\n        Scan: orders/, p);
  // Two inputs: left as written.
  const two = explain(reorderJoins(pushFilters(bound('select * from items, orders where i_order = o_id'))));
  assert.match(two, /Join: inner on \(i_order = o_id\)\n\s+Scan: items/);
});
