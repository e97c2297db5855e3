// Compiled expressions, each checked against DuckDB (the oracle) value by value over a table with
// NULLs, negative numbers and a BIGINT above 2^53: the same SQL expression is bound and run by
// kindling's compiler and by DuckDB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadParser } from '../../src/sql/parse.js';
import { bindSql } from '../../src/sql/bind/script.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import type { TableSource } from '../../src/plan/logical/plan.js';
import { valueAt, vectorOf, type Scalar, type Vector } from '../../src/types/vector.js';
import { compileExpr, compileShared } from '../../src/exec/expr/compile.js';
import { KindlingError } from '../../src/common/errors.js';
import { BIGINT, BOOLEAN } from '../../src/types/datatype.js';
import type { Expr } from '../../src/plan/logical/expr.js';
import { duck } from '../helpers/oracle.js';

const DDL = 'i INTEGER, b BIGINT, d DOUBLE, m DECIMAL(15,2), n DECIMAL(10,4), s VARCHAR, bo BOOLEAN, dt DATE';
const schema = parseSchemaDdl(DDL);
const TABLES: TableSource[] = [{ name: 't', uri: '/t/', format: 'csv', schema, splitSize: 1 << 26 }];
// Rows as SQL literals for DuckDB and as kindling scalars (DECIMAL scaled, DATE in days).
const ROWS: [string, Scalar[]][] = [
  ["(1, 10, 0.5, 12.34, 1.0001, 'a', true, '2020-01-31')", [1, 10, 0.5, 1234, 10001, 'a', true, 18292]],
  ["(-7, 9007199254740993, -2.25, -0.05, 99.9999, 'B', false, '1970-01-01')", [-7, 9007199254740993n, -2.25, -5, 999999, 'B', false, 0]],
  ['(null, null, null, null, null, null, null, null)', [null, null, null, null, null, null, null, null]],
  ["(0, -3, 0, 0, 0, '', null, '1999-12-31')", [0, -3, 0, 0, 0, '', null, 10956]],
  ["(2147483647, 4000000000, 1e300, 1234567.89, -0.0001, 'é', true, null)", [2147483647, 4000000000, 1e300, 123456789, -1, 'é', true, null]],
];

const EXPRESSIONS = [
  'i', 'm', 'b + 1', 'b - b', 'b * 2', 'i - 1', '-i', '-m', '-b', 'm + n', 'm - 1', 'm * n', 'm * m', 'm * b', 'i + m', 'i * 1.5',
  'i / 2', 'b / 0', 'm / n', 'd * 2', 'd + i', '1 - m',
  'i > 0', 'm >= 0', 'b = 9007199254740993', 'b < 9007199254740992', "s < 'b'", "s = 'é'", 'bo = true', 'dt < date \'2000-01-01\'', 'm = n', 'i <> b',
  'bo and i > 0', 'bo or i > 0', 'not bo', 'i is null', 's is not null', 'i is distinct from 0', 'bo is not distinct from null',
  "case when i > 0 then 'pos' when i < 0 then 'neg' end", 'case when bo then m else n end', 'case when i = 0 then b else 1 end',
  'i in (1, 0, -7)', 'i not in (1, null)', 'm in (12.34, 0)', 'coalesce(i, b, 5)', 'coalesce(m, 1)', "coalesce(s, 'none')",
  'round(m, 1)', 'round(m)', 'round(m, -1)', 'round(n, 2)', 'round(d)', 'round(d, 1)', 'round(i)', 'floor(m)', 'ceil(m)', 'trunc(n)', 'floor(d)', 'ceil(i)', 'abs(m)', 'abs(b)', 'abs(i)',
  'i % 3', 'b % 4', 'i % 0', 'm % n', 'd % 2', 'i // 2', 'b // -3', 'i // 0', 'd // 2', 'greatest(i, b, 5)', 'least(m, n)', 'greatest(s, \'b\')', 'nullif(i, 0)', 'nullif(s, \'a\')',
  'power(i, 2)', 'sqrt(abs(d))', 'exp(i % 5)', 'ln(abs(d) + 1)', 'log10(abs(b) + 1)',
  'cast(m as integer)', 'cast(case when d < 1e10 then d end as decimal(10,1))', 'cast(n as decimal(10,2))', 'cast(i as double)', 'cast(b as double)', 'cast(m as double)', 'cast(dt as timestamp) < timestamp \'2000-01-01 00:00:00\'',
];

let c: DuckDBConnection;
before(async () => {
  await loadParser();
  c = await duck();
  await c.run(`create table t (${DDL})`);
  for (const [sql] of ROWS) await c.run(`insert into t values ${sql}`);
});
after(() => c?.closeSync());

const batch = () => ({ length: ROWS.length, columns: schema.map((f, k) => vectorOf(f.type, ROWS.map((r) => r[1][k]))) });

/** A value as DuckDB's cast to VARCHAR prints it (DOUBLEs compared to 12 significant digits). */
function text(v: Vector, i: number): string {
  const x = valueAt(v, i);
  if (x === null) return 'NULL';
  if (v.type.id === 'DOUBLE') return Number(x).toPrecision(12);
  if (v.type.id === 'DECIMAL' && v.type.scale > 0) {
    const big = BigInt(x as number | bigint);
    const neg = big < 0n;
    const digits = (neg ? -big : big).toString().padStart(v.type.scale + 1, '0');
    return `${neg ? '-' : ''}${digits.slice(0, -v.type.scale)}.${digits.slice(-v.type.scale)}`;
  }
  if (v.type.id === 'TIMESTAMP') return String(x);
  return String(x);
}

test('each compiled expression gives DuckDB’s value on every row', async () => {
  const wrong: string[] = [];
  for (const e of EXPRESSIONS) {
    const plan = bindSql(`select ${e} as x from t`, TABLES).outputs[0].plan;
    assert.equal(plan.op, 'project', e);
    if (plan.op !== 'project') continue;
    const v = compileExpr(plan.exprs[0])(batch());
    const duckExpr = v.type.id === 'DOUBLE' ? `(${e})::DOUBLE` : `CAST(${e} AS VARCHAR)`;
    const theirs = (await c.runAndReadAll(`select ${duckExpr} from t order by rowid`)).getRows().map((r) => (r[0] === null ? 'NULL' : v.type.id === 'DOUBLE' ? Number(r[0]).toPrecision(12) : String(r[0])));
    const ours = Array.from({ length: v.length }, (_, i) => text(v, i));
    if (ours.join(' | ') !== theirs.join(' | ')) wrong.push(`${e}: kindling [${ours.join(' | ')}], DuckDB [${theirs.join(' | ')}]`);
  }
  assert.deepEqual(wrong, []);
});

const STRINGS = ['  Hello World ', 'straße', '👍🏽é', 'a,b,,c', null, '', 'ABC%_x', 'hello123'];
const STRING_EXPRESSIONS = [
  'upper(u)', 'lower(u)', 'length(u)', 'substring(u, 2, 3)', 'substring(u, 0, 2)', 'substring(u, -2)', 'substring(u from 2 for 2)', 'trim(u)', 'ltrim(u)', 'rtrim(u)',
  "trim(u, 'a ')", "replace(u, 'l', 'L')", "split_part(u, ',', 2)", "split_part(u, ',', -1)", "starts_with(u, 'a')", "ends_with(u, 'c')", "contains(u, 'o')",
  "strpos(u, 'é')", "position('l' in u)", 'left(u, 3)', 'right(u, -2)', 'reverse(u)', 'repeat(u, 2)', "lpad(u, 5, '*')", "rpad(u, 12, 'xy')",
  "u like '%o%'", "u like 'a_b%'", "u not like '%l%'", "u ilike '%HELLO%'", "u || '!'", "concat(u, '-', u)", "regexp_matches(u, '[0-9]')",
  "regexp_replace(u, '[aeiou]', '_', 'g')", "regexp_replace(u, 'l', 'L')", "regexp_extract(u, '[a-z]+')", "regexp_extract(u, '([a-z])([a-z])', 2)",
];

test('string functions give DuckDB’s value on every row: code points, grapheme clusters, NULLs', async () => {
  const tables: TableSource[] = [{ name: 'w', uri: '/w/', format: 'csv', schema: parseSchemaDdl('u VARCHAR'), splitSize: 1 << 26 }];
  await c.run('create table w (u VARCHAR)');
  for (const u of STRINGS) await c.run(`insert into w values (${u === null ? 'null' : `'${u}'`})`);
  const b = { length: STRINGS.length, columns: [vectorOf(tables[0].schema[0].type, STRINGS)] };
  const wrong: string[] = [];
  for (const e of STRING_EXPRESSIONS) {
    const plan = bindSql(`select ${e} as x from w`, tables).outputs[0].plan;
    if (plan.op !== 'project') throw new Error(`${e}: expected a projection`);
    const v = compileExpr(plan.exprs[0])(b);
    const theirs = (await c.runAndReadAll(`select CAST(${e} AS VARCHAR) from w order by rowid`)).getRows().map((r) => (r[0] === null ? 'NULL' : String(r[0])));
    const ours = Array.from({ length: v.length }, (_, i) => text(v, i));
    if (ours.join(' | ') !== theirs.join(' | ')) wrong.push(`${e}: kindling [${ours.join(' | ')}], DuckDB [${theirs.join(' | ')}]`);
  }
  assert.deepEqual(wrong, []);
});

test('overflow is an error naming the type, as in DuckDB; functions not compiled yet are named', async () => {
  const run = (e: string) => {
    const plan = bindSql(`select ${e} as x from t`, TABLES).outputs[0].plan;
    if (plan.op !== 'project') throw new Error('expected a projection');
    return compileExpr(plan.exprs[0])(batch());
  };
  assert.throws(() => run('i + 1'), (e: unknown) => e instanceof KindlingError && e.code === 'QUERY_VALUE' && /overflow in INTEGER \+: 2147483647 \+ 1/.test(e.message));
  await assert.rejects(c.run('select i + 1 from t'), /Overflow/, 'DuckDB errors too');
  assert.throws(() => run('m * m * m'), /overflow in DECIMAL \*/);
  await assert.rejects(c.run('select m * m * m from t'), /Overflow/, 'DuckDB errors too');
  assert.throws(() => run('i * 2'), /overflow in INTEGER \*: 2147483647 \* 2/);
  assert.throws(() => run('cast(i as date)'), /cast from INTEGER to DATE is not supported yet/, 'a construct without a kernel is refused by name');
});

test('expressions compiled together evaluate a shared subexpression once per batch', () => {
  const x: Expr = { kind: 'column', index: 0, name: 'x', type: BIGINT };
  const cond: Expr = { kind: 'call', fn: 'gt', args: [x, { kind: 'literal', value: 2, type: BIGINT }], type: BOOLEAN };
  const pick: Expr = { kind: 'case', whens: [{ when: cond, then: x }], else: { kind: 'literal', value: null, type: BIGINT }, type: BIGINT };
  const [c, p, again] = compileShared([cond, pick, cond]);
  const b1 = { length: 4, columns: [vectorOf(BIGINT, [1, 3, null, 5])] };
  const b2 = { length: 2, columns: [vectorOf(BIGINT, [9, 0])] };
  const first = c(b1);
  assert.equal(again(b1), first, 'the same vector: evaluated once');
  assert.deepEqual([0, 1, 2, 3].map((i) => valueAt(p(b1), i)), [null, 3, null, 5]);
  assert.deepEqual([0, 1].map((i) => valueAt(c(b2), i)), [true, false], 'a new batch is evaluated anew');
  assert.notEqual(c(b2), first);
});
