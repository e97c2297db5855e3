// Optimizer rules, each alone: predicate pushdown and projection pruning, on bound SQL, compared
// in EXPLAIN form.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadParser } from '../../src/sql/parse.js';
import { bindSql } from '../../src/sql/bind/script.js';
import { explain } from '../../src/plan/logical/explain.js';
import type { LogicalPlan, TableSource } from '../../src/plan/logical/plan.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import { pushFilters } from '../../src/plan/optimize/push-filters.js';
import { pruneColumns } from '../../src/plan/optimize/prune-columns.js';

const table = (name: string, ddl: string): TableSource => ({ name, uri: `/data/${name}/`, format: 'csv', schema: parseSchemaDdl(ddl), splitSize: 1 << 26 });
const TABLES = [
  table('events', 'event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT'),
  table('users', 'user_id BIGINT, country VARCHAR, signup DATE'),
];

before(() => loadParser());
const bound = (sql: string): LogicalPlan => bindSql(sql, TABLES).outputs[0].plan;

test('push filters: into scans, through projections and aggregates on their keys, into join sides; a comma join becomes an inner join', () => {
  const p = pushFilters(bound(`select * from (select brand, user_id, price * 2 as p2 from events) e, users u
    where e.user_id = u.user_id and e.p2 > 10 and u.country = 'DE' and e.brand is not null`));
  assert.equal(explain(p), [
    'Project: brand, user_id, p2, user_id AS user_id_1, country, signup',
    '  Join: inner on (user_id = user_id)',
    '    Project: brand, user_id, (price * 2) AS p2',
    '      Scan: events [event_time, event_type, product_id, brand, price, user_id] filters=[((price * 2) > 10.00), brand IS NOT NULL]',
    "    Scan: users AS u [user_id, country, signup] filters=[(country = 'DE')]",
  ].join('\n'));
  const agg = explain(pushFilters(bound('select brand, n from (select brand, count(*) as n from events group by brand) where brand > \'a\' and n > 2')));
  assert.match(agg, /Filter: \(count_star_0 > 2\)\n\s+Aggregate: .*\n\s+Scan: events .* filters=\[\(brand > 'a'\)\]/, agg);
});

test('push filters: the preserved side of an outer join only; a filter above a limit stays', () => {
  const left = explain(pushFilters(bound("select * from events e left join users u on e.user_id = u.user_id where u.country = 'DE' and e.price > 1")));
  assert.match(left, /^Project: .*\n  Filter: \(country = 'DE'\)\n    Join: left on \(user_id = user_id\)\n      Scan: events .*filters=\[\(CAST\(price AS DECIMAL\(12,2\)\) > 1\.00\)\]/, 'DuckDB types 1 as an INTEGER, DECIMAL(10,0): the common type is DECIMAL(12,2)');
  const lim = explain(pushFilters(bound('select * from (select * from events limit 5) where price > 1')));
  assert.match(lim, /Filter: \(CAST\(price AS DECIMAL\(12,2\)\) > 1\.00\)\n\s+Limit: 5/);
});

test('prune columns: scans read only what is used; unused aggregates and window calls go', () => {
  const p = pruneColumns(bound('select brand from (select brand, count(*) as n, sum(price) as s from events group by brand)'));
  assert.match(explain(p), /Aggregate: groupBy=\[brand\] aggr=\[\]\n\s+Scan: events \[brand\]$/);
  const w = pruneColumns(bound('select user_id from (select user_id, row_number() over (order by event_time) as r from events)'));
  assert.doesNotMatch(explain(w), /Window/ , 'the unread window call is gone (and so is the empty window node)');
  const j = explain(pruneColumns(pushFilters(bound('select u.country from events e join users u on e.user_id = u.user_id where e.price > 3'))));
  assert.match(j, /Scan: events AS e \[price, user_id\] filters=\[\(CAST\(price AS DECIMAL\(12,2\)\) > 3\.00\)\]/);
  assert.match(j, /Scan: users AS u \[user_id, country\]/);
});
