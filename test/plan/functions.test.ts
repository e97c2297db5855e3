// The function catalog's result types, each checked against DuckDB (the oracle) with typeof():
// the same expression is bound by kindling and typed by DuckDB over tables of the same schema.
// Also the catalog's errors: unknown names with a suggestion, wrong counts, wrong types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadParser } from '../../src/sql/parse.js';
import { bindSql } from '../../src/sql/bind/script.js';
import { typeName } from '../../src/types/datatype.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import type { TableSource } from '../../src/plan/logical/plan.js';
import { SqlError } from '../../src/sql/errors.js';
import { duck } from '../helpers/oracle.js';

const DDL = 'i INTEGER, b BIGINT, d DOUBLE, m DECIMAL(15,2), n DECIMAL(10,4), w DECIMAL(38,2), s VARCHAR, dt DATE, ts TIMESTAMP, bo BOOLEAN';
const TABLES: TableSource[] = [{ name: 't', uri: '/data/t/', format: 'csv', schema: parseSchemaDdl(DDL), splitSize: 1 << 26 }];

const EXPRESSIONS = [
  // arithmetic: integers stay integers, `/` is DOUBLE, decimals widen as DuckDB's do
  'i + i', 'i + b', 'b * b', 'i + d', 'm + m', 'm + n', 'm - n', 'm * n', 'm * m', 'm * b', 'w * m', 'w + m', '1 - m', 'm + 1', 'm * 2', 'i * 2.5',
  'i + m * 1.0', 'n + 3000000000', 'i / i', 'm / m', 'i // i', 'b // b', 'm // m', 'i % i', 'm % n', 'd % d', '-m', '-i', 'm + 1e0',
  // dates and times
  'dt + 1', 'dt - 1', 'dt - dt', "dt + interval '1' day", "dt - interval '3' month", "ts + interval '2 hours'", 'ts - ts', 'ts - dt',
  "date_part('year', dt)", 'extract(month from ts)', "date_part('epoch', ts)", "date_trunc('month', dt)", "date_trunc('day', ts)", 'year(dt)', 'hour(ts)',
  // aggregates
  'sum(i)', 'sum(b)', 'sum(m)', 'sum(w)', 'sum(d)', 'sum(i * m)', 'avg(i)', 'avg(m)', 'min(m)', 'max(s)', 'count(i)', 'count(*)', 'stddev_samp(m)', 'var_pop(i)', 'any_value(dt)',
  // rounding
  'round(m, 1)', 'round(m)', 'round(m, 5)', 'round(m, -1)', 'round(d, 1)', 'round(i)', 'floor(m)', 'ceil(m)', 'floor(i)', 'ceil(b)', 'trunc(i)', 'trunc(m)', 'abs(m)', 'abs(b)',
  // common types
  'greatest(i, b)', 'greatest(m, n)', 'least(dt, ts)', 'coalesce(i, m)', 'coalesce(i, d)', 'coalesce(n, 1)', 'ifnull(i, b)', 'case when bo then n else 1 end', "coalesce(s, 'x')",
  // text
  'length(s)', "strpos(s, 'a')", 'substring(s, 1, 2)', "s || 'x'", 's || i', 'concat(s, i, dt)', "split_part(s, ',', 1)", "replace(s, 'a', 'b')", 'upper(s)',
  "starts_with(s, 'a')", "regexp_matches(s, 'a+')", "lpad(s, 3, 'x')", 'left(s, 2)',
  // math
  'power(i, 2)', 'sqrt(i)', 'ln(d)', 'exp(i)',
  // comparisons and logic
  'm = n', 'i = m', "s like 'a%'", 'i in (1, 2.5)', 'i between 1 and 3', 'dt = ts', 'bo and i > 1', 'i is null', 'i is distinct from b',
];

/** DuckDB's name for a kindling type where they differ (sum() of integers is DuckDB's HUGEINT). */
const duckName = (t: string) => (t === 'DECIMAL(38,0)' ? 'HUGEINT' : t);

let c: DuckDBConnection;
before(async () => {
  await loadParser();
  c = await duck();
  await c.run(`create table t (${DDL})`);
  await c.run('insert into t values (null, null, null, null, null, null, null, null, null, null)');
});
after(() => c?.closeSync());

const ours = (expr: string): string => typeName(bindSql(`select ${expr} as x from t`, TABLES).outputs[0].plan.schema[0].type);

test('every result type is DuckDB’s', async () => {
  const wrong: string[] = [];
  for (const e of EXPRESSIONS) {
    const theirs = (await c.runAndReadAll(`select typeof(${e}) from t`)).getRows()[0][0];
    const mine = duckName(ours(e));
    if (mine !== theirs) wrong.push(`${e}: kindling ${mine}, DuckDB ${theirs}`);
  }
  assert.deepEqual(wrong, []);
});

const fails = (expr: string, message: RegExp, hint?: RegExp) => {
  assert.throws(() => ours(expr), (e: unknown) => {
    assert.ok(e instanceof SqlError, String(e));
    assert.match(e.message, message);
    if (hint) assert.match(e.hint ?? '', hint);
    return true;
  });
};

test('calls that do not fit are named: unknown functions with the closest, argument counts, types, units', () => {
  fails('uper(s)', /unknown scalar function uper/, /did you mean upper\?/);
  fails('substring(s)', /substring takes 2 to 3 arguments, not 1/, /a start/);
  fails('upper(i)', /upper\(INTEGER\): upper takes a string/, /cast/);
  fails('s + 1', /add\(VARCHAR, INTEGER\): add takes two numbers/);
  fails("date_part('yeer', dt)", /date_part has no unit 'yeer' \(did you mean 'year'\?\)/);
  fails("date_trunc(s, dt)", /date_trunc needs a constant unit/);
  fails('round(m, i)', /needs a constant number of places/);
  fails('sum(s)', /sum\(VARCHAR\): sum takes a number/);
  fails('dt = i', /cannot compare DATE with INTEGER/);
  fails("dt = '2020-13-01'", /the string '2020-13-01' is not a DATE/, /YYYY-MM-DD/);
});

test('unaliased columns are named as DuckDB names them: calls and operators over columns and constants', async () => {
  const list = "i, t.m, sum(i), count(*), count(distinct i), sum(i) filter (where i > 1), avg(i * m), min(m) * 2, -i, upper(s), coalesce(i, 1), 'x', 1.50, i % 2";
  const ours = bindSql(`select ${list} from t group by i, m, s`, TABLES).outputs[0].plan.schema.map((f) => f.name);
  const theirs = (await c.runAndReadAll(`describe select ${list} from t group by i, m, s`)).getRows().map((r) => String(r[0]));
  assert.deepEqual(ours, theirs);
});
