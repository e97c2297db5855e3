// The binder: SQL -> logical plans (compared in EXPLAIN form), and its errors: unknown names
// with the closest one, ambiguous names, grouping mistakes, type errors, unsupported constructs.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadParser } from '../../src/sql/parse.js';
import { bindSql } from '../../src/sql/bind/script.js';
import { SqlError } from '../../src/sql/errors.js';
import { explain } from '../../src/plan/logical/explain.js';
import type { TableSource } from '../../src/plan/logical/plan.js';
import { parseSchemaDdl } from '../../src/types/schema.js';

const table = (name: string, ddl: string): TableSource => ({ name, uri: `/data/${name}/`, format: 'csv', schema: parseSchemaDdl(ddl), splitSize: 1 << 26 });
const EVENTS = table('events', 'event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, category_id BIGINT, category_code VARCHAR, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT, user_session VARCHAR');
const USERS = table('users', 'user_id BIGINT, country VARCHAR, signup DATE');
const TABLES = [EVENTS, USERS];

before(() => loadParser());

const plan = (sql: string, name = 'result') => {
  const out = bindSql(sql, TABLES).outputs.find((o) => o.name === name);
  assert.ok(out, `an output named ${name}`);
  return explain(out.plan);
};

function bindError(sql: string): SqlError {
  try {
    bindSql(sql, TABLES);
  } catch (e) {
    assert.ok(e instanceof SqlError, String((e as Error).stack));
    return e;
  }
  assert.fail(`no error for ${sql}`);
}

test('a grouped, filtered, ordered, limited query', () => {
  assert.equal(plan(`select brand, count(*) as n from events where event_type = 'purchase' and brand is not null
    group by brand order by n desc, brand limit 20`), [
    'Limit: 20',
    '  Sort: n DESC, brand ASC',
    '    Project: brand, count_star_0 AS n',
    "      Aggregate: groupBy=[brand] aggr=[count(*)]",
    "        Filter: ((event_type = 'purchase') AND brand IS NOT NULL)",
    '          Scan: events [event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session]',
  ].join('\n'));
});

test('views and created tables are names later statements read; each output is listed', () => {
  const script = `create view purchases as select * from events where event_type = 'purchase';
    create table daily as select date_trunc('day', event_time) as day, count(*) as purchases, sum(price) as revenue from purchases group by 1;
    select max(revenue) from daily`;
  const b = bindSql(script, TABLES);
  assert.deepEqual(b.outputs.map((o) => [o.name, o.line]), [['daily', 2], ['result', 3]]);
  assert.deepEqual(b.outputs[0].plan.schema.map((f) => `${f.name} ${f.type.id}`), ['day TIMESTAMP', 'purchases BIGINT', 'revenue DECIMAL']);
  assert.match(explain(b.outputs[1].plan), /Aggregate: groupBy=\[\] aggr=\[max\(revenue\)\][\s\S]*Aggregate: groupBy=\[date_trunc\('day', event_time\)\]/);
});

test('joins: using, left, comma joins, with aliases; group by an expression matches it in the select list', () => {
  const p = plan(`select u.country, extract(year from e.event_time) + 0 as y, count(distinct e.user_id) as buyers
    from events e join users u using (user_id), users v
    where v.user_id = e.user_id
    group by u.country, extract(year from e.event_time) + 0
    having count(*) > 1`);
  assert.match(p, /Filter: \(count_star_1 > 1\)/);
  assert.match(p, /Aggregate: groupBy=\[country, \(date_part\('year', event_time\) \+ 0\)\] aggr=\[count\(DISTINCT user_id\), count\(\*\)\]/);
  assert.match(p, /Join: cross\n.*Join: inner on \(user_id = user_id\)/);
  const left = plan('select * from events left join users using (user_id)');
  assert.match(left, /Project: event_time, .*user_session, country, signup\n  Join: left on \(user_id = user_id\)/, 'the using column appears once');
});

test('subqueries, CTEs with column lists, set operations, windows, values', () => {
  assert.match(plan(`with big(c, n) as (select category_id, count(*) from events group by 1)
    select c from big where n > (select avg(n) from big) and c not in (select category_id from events where price > 100)`),
  /Filter: \(\(CAST\(n AS DOUBLE\) > \(scalar subquery\)\) AND NOT c IN \(subquery\)\)/);
  assert.match(plan('select brand from events union select country from users order by 1 limit 3'), /Limit: 3\n  Sort: brand ASC\n    Union/);
  assert.match(plan(`select user_id, lag(event_time) over (partition by user_id order by event_time) as prev,
    sum(price) over (order by event_time rows between 2 preceding and current row) from events`),
  /Window: lag\(event_time, 1\) OVER \(PARTITION BY user_id ORDER BY event_time ASC RANGE UNBOUNDED PRECEDING TO CURRENT ROW\), sum\(price\) OVER \(ORDER BY event_time ASC ROWS 2 PRECEDING TO CURRENT ROW\)/);
  assert.match(plan('select * from (values (1, \'a\'), (2, null)) as t(n, s)'), /Values: \(1, 'a'\), \(2, NULL\)/);
  assert.match(plan('select category_code, brand, count(*) from events group by rollup (category_code, brand)'), /sets=\[\(category_code, brand\), \(category_code\), \(\)\]/);
});

test('an unknown column or table lists what exists and suggests the closest', () => {
  const e = bindError('select brnd from events');
  assert.equal(e.message, 'unknown column brnd');
  assert.equal(e.offset, 7);
  assert.match(e.hint!, /^did you mean brand\? columns here: event_time, event_type/);
  const t = bindError('select 1 from event');
  assert.equal(t.message, 'unknown table event');
  assert.match(t.hint!, /did you mean events\?.*declared in spec.tables/);
  assert.match(bindError('select x.brand from events e').message, /unknown table or alias x in x\.brand/);
});

test('mistakes are named: ambiguity, grouping, aggregates in WHERE, types, unsupported constructs', () => {
  assert.match(bindError('select user_id from events, users').message, /column reference user_id is ambiguous: it could be events\.user_id or users\.user_id/);
  const g = bindError('select brand, price from events group by brand');
  assert.match(g.message, /column price must appear in the GROUP BY clause or be used in an aggregate function/);
  assert.equal(g.offset, 14);
  assert.match(bindError('select count(*) from events where sum(price) > 1').message, /aggregate functions are not allowed in WHERE/);
  assert.match(bindError('select * from events where price').message, /WHERE needs a BOOLEAN condition, this expression is DECIMAL\(10,2\)/);
  assert.match(bindError('select row_number() from events').message, /row_number\(\) is a window function: it needs an over/);
  assert.match(bindError('select current_date from events').message, /not supported/);
  assert.match(bindError('with recursive r as (select 1) select * from r').message, /with recursive is not supported/);
  assert.match(bindError('select sum(count(*)) from events').message, /nested|not allowed/);
  assert.match(bindError('create table events as select 1').message, /events is already a table declared in spec\.tables/);
  assert.match(bindError('select 1 from events order by 3').message, /ORDER BY position 3 is not in the select list \(1 to 1\)/);
});
