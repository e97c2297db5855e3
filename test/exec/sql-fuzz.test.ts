// Differential fuzzing of the SQL engine: seeded random queries (joins of each kind, filters
// with three-valued logic, grouping with aggregates, distinct, set operations, windows,
// subqueries, sorting with limits) over two small tables full of NULLs and duplicates, run by
// kindling and by DuckDB and compared. Bounded: FUZZ_QUERIES queries (default 300) from
// FUZZ_SEED (default fixed, so a failure reproduces; the failing query is printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadParser } from '../../src/sql/parse.js';
import type { Scalar } from '../../src/types/vector.js';
import { duck } from '../helpers/oracle.js';
import { rng } from '../formats/csv/helpers.js';
import { compareQuery, loadIntoDuck, memoryTables, type MemoryTable } from '../helpers/sql-oracle.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const COUNT = Number(process.env.FUZZ_QUERIES ?? 300);
const rand = rng(SEED);
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
const chance = (p: number) => rand() < p;
const maybeNull = <T>(v: T): T | null => (chance(0.2) ? null : v);

function rows(n: number, make: () => Scalar[]): Scalar[][] {
  return Array.from({ length: n }, make);
}

const TABLES: MemoryTable[] = [
  {
    name: 'a', ddl: 'k INTEGER, g VARCHAR, x BIGINT, m DECIMAL(8,2), d DOUBLE',
    rows: rows(40, () => [maybeNull(Math.floor(rand() * 8)), maybeNull(pick(['p', 'q', 'r', 'é'])), maybeNull(Math.floor(rand() * 200) - 100), maybeNull(Math.floor(rand() * 20000) - 5000), maybeNull(Math.round(rand() * 1000) / 8 - 40)]),
  },
  {
    name: 'b', ddl: 'k INTEGER, y BIGINT, h VARCHAR',
    rows: rows(25, () => [maybeNull(Math.floor(rand() * 10) - 1), maybeNull(Math.floor(rand() * 50)), maybeNull(pick(['p', 'q', 's']))]),
  },
];

// The columns of a (alias a) and of b, by type, for expressions.
const INTS = ['a.k', 'a.x'];
const NUMS = ['a.k', 'a.x', 'a.m', 'a.d'];
const STRS = ['a.g'];

function numExpr(depth = 0): string {
  if (depth > 1 || chance(0.5)) return chance(0.8) ? pick(NUMS) : String(Math.floor(rand() * 10) - 3);
  return `(${numExpr(depth + 1)} ${pick(['+', '-', '*'])} ${numExpr(depth + 1)})`;
}

function pred(depth = 0): string {
  const r = rand();
  if (depth < 2 && r < 0.25) return `(${pred(depth + 1)} ${pick(['and', 'or'])} ${pred(depth + 1)})`;
  if (depth < 2 && r < 0.3) return `not ${pred(depth + 1)}`;
  if (r < 0.45) return `${pick([...NUMS, ...STRS])} is ${pick(['', 'not '])}null`;
  if (r < 0.55) return `${pick(STRS)} ${pick(['=', '<>', '<'])} '${pick(['p', 'q', 'é', 'z'])}'`;
  if (r < 0.62) return `${pick(INTS)} in (${[1, 2, 3].map(() => (chance(0.15) ? 'null' : String(Math.floor(rand() * 8)))).join(', ')})`;
  if (r < 0.68) return `${pick(INTS)} between ${Math.floor(rand() * 4)} and ${Math.floor(rand() * 8) + 2}`;
  if (r < 0.74) return `a.k ${pick(['in', 'not in'])} (select k from b where y > ${Math.floor(rand() * 40)})`;
  if (r < 0.8) return `${pick(['exists', 'not exists'])} (select 1 from b where b.k = a.k${chance(0.5) ? ` and b.h = a.g` : ''})`;
  if (r < 0.85) return `a.m > (select avg(y) from b where b.k = a.k)`;
  return `${numExpr()} ${pick(['=', '<>', '<', '<=', '>', '>='])} ${numExpr()}`;
}

function query(): string {
  const shape = rand();
  const from = chance(0.4) ? `a ${pick(['join', 'left join', 'right join', 'full join'])} b on a.k = b.k${chance(0.3) ? ' and b.y > a.x' : ''}` : 'a';
  const where = chance(0.7) ? ` where ${pred()}` : '';
  if (shape < 0.35) {
    const keys = [pick(['a.g', 'a.k']), ...(chance(0.4) ? [pick(['a.x', 'a.k % 3'])] : [])];
    const aggs = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick([
      'count(*)', `count(${pick(NUMS)})`, `count(distinct ${pick(['a.g', 'a.k', 'a.x'])})`, `sum(${pick(['a.x', 'a.m', 'a.k'])})`, `min(${pick([...NUMS, ...STRS])})`,
      `max(${pick([...NUMS, ...STRS])})`, `avg(${pick(['a.m', 'a.x'])})`, `sum(a.m) filter (where ${pred(2)})`, `count(*) filter (where ${pred(2)})`,
    ]));
    const grouping = chance(0.15) ? `rollup (${keys.join(', ')})` : keys.join(', ');
    const cols = [...keys, ...aggs];
    const having = chance(0.2) ? ` having count(*) > ${Math.floor(rand() * 3)}` : '';
    return `select ${cols.map((c, i) => `${c} as c${i}`).join(', ')} from ${from}${where} group by ${grouping}${having} order by ${cols.map((_, i) => `c${i}`).join(', ')}`;
  }
  if (shape < 0.5) {
    const cols = ['a.k', 'a.g', 'a.m', numExpr()];
    return `select distinct ${cols.map((c, i) => `${c} as c${i}`).join(', ')} from ${from}${where}`;
  }
  if (shape < 0.6) {
    const op = pick(['union', 'union all', 'intersect', 'except', 'intersect all', 'except all']);
    return `select k, h from b where ${pick(['y > 10', 'h is not null', 'k < 5'])} ${op} select k, g from a${where}`;
  }
  if (shape < 0.75) {
    const fn = pick(['row_number()', 'rank()', 'dense_rank()', 'sum(a.m)', 'count(*)', 'min(a.x)', 'lag(a.x)', 'lead(a.d, 2)', 'first_value(a.g)', 'avg(a.d)']);
    const frame = chance(0.3) && !/rank|row_number|lag|lead/.test(fn) ? ` rows between ${pick(['unbounded preceding', '1 preceding', 'current row'])} and ${pick(['current row', '2 following', 'unbounded following'])}` : '';
    // Ordered by a unique combination, so the window's order (and so its values) is fully determined.
    return `select a.k as c0, a.g as c1, a.x as c2, a.m as c3, a.d as c4, ${fn} over (partition by a.g order by a.k, a.x, a.m, a.d${frame}) as w from a${where.replace(/\bb\./g, 'b.')} order by c0, c1, c2, c3, c4, w`;
  }
  const cols = ['a.k', 'a.g', 'a.x', 'a.m', 'a.d', ...(from.includes('join') ? ['b.y', 'b.h'] : [])];
  const extra = chance(0.5) ? `, ${numExpr()} as e, case when ${pred(2)} then a.g else 'none' end as f, coalesce(a.x, a.k, -1) as co` : '';
  const order = `order by ${cols.map((c) => `${c}`).join(', ')}${extra ? ', e, f, co' : ''}`;
  const limit = chance(0.3) ? ` limit ${Math.floor(rand() * 10)} offset ${Math.floor(rand() * 3)}` : '';
  return `select ${cols.join(', ')}${extra} from ${from}${where} ${order}${limit}`;
}

let c: DuckDBConnection;
const { sources, ctx } = memoryTables(TABLES);
before(async () => {
  await loadParser();
  c = await duck();
  await loadIntoDuck(c, TABLES, sources);
});
after(() => c?.closeSync());

test(`${COUNT} seeded random queries (seed ${SEED}) give DuckDB's answers`, async () => {
  const wrong: string[] = [];
  let nonEmpty = 0;
  for (let i = 0; i < COUNT && wrong.length < 5; i++) {
    const q = query();
    let duckOk = true;
    try {
      await c.run(q);
    } catch {
      duckOk = false; // DuckDB refuses it too (e.g. an overflow or a multi-row scalar subquery): then kindling must refuse as well
    }
    try {
      const d = await compareQuery(c, sources, ctx, q);
      if (!duckOk) wrong.push(`${q}\n    DuckDB refuses it, kindling answers`);
      else if (d.length) wrong.push(`${q}\n    ${d.join('\n    ')}`);
      else if ((await c.runAndReadAll(`select count(*) from (${q})`)).getRows()[0][0] !== 0n) nonEmpty++;
    } catch (e) {
      if (duckOk) wrong.push(`${q}\n    kindling: ${(e as Error).message}`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(nonEmpty > COUNT / 3, `most queries return rows (${nonEmpty} of ${COUNT}): the generator tests something`);
});
