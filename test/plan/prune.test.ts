// Row-group pruning (plan/physical/prune.ts, formats/parquet-stats.ts): the comparisons on their
// own at the edges of [min, max], then whole SQL jobs over a Parquet file DuckDB wrote in row
// groups of 10,240 sorted rows: the planner reads only the row groups the filters can match
// (EXPLAIN says how many) and every answer equals DuckDB's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { mayMatch, type Stats } from '../../src/plan/physical/prune.js';
import type { Expr } from '../../src/plan/logical/expr.js';
import { BIGINT, DATE, VARCHAR, decimal } from '../../src/types/datatype.js';
import { loadJob, type SqlJob } from '../../src/spec/load.js';
import { sqlPhysicalPlan } from '../../src/engine/sql-plan.js';
import { runLocal } from '../../src/cli/run.js';
import { duck } from '../helpers/oracle.js';
import { duckdbRows } from '../helpers/tpch.js';
import { diffRows } from '../helpers/result-compare.js';
import { tempDir } from '../helpers/jobs.js';

const col = (index: number, type = BIGINT): Expr => ({ kind: 'column', index, name: `c${index}`, type });
const lit = (value: number | bigint | string, type = BIGINT): Expr => ({ kind: 'literal', value, type });
const call = (fn: string, ...args: Expr[]): Expr => ({ kind: 'call', fn, args, type: BIGINT });
const one = (s: Stats) => () => s;

test('comparisons against [min, max]: a row group is skipped only when no row can match', () => {
  const s = one({ min: 10, max: 20, nullCount: 0 });
  const keeps = (e: Expr) => mayMatch([e], s, 100);
  assert.equal(keeps(call('eq', col(0), lit(10))), true, '= min');
  assert.equal(keeps(call('eq', col(0), lit(20))), true, '= max');
  assert.equal(keeps(call('eq', col(0), lit(21))), false);
  assert.equal(keeps(call('lt', col(0), lit(10))), false, '< min');
  assert.equal(keeps(call('le', col(0), lit(10))), true, '<= min');
  assert.equal(keeps(call('gt', col(0), lit(20))), false, '> max');
  assert.equal(keeps(call('ge', col(0), lit(20))), true, '>= max');
  assert.equal(keeps(call('gt', lit(10), col(0))), false, 'literal on the left: 10 > c means c < 10');
  assert.equal(keeps(call('or', call('lt', col(0), lit(5)), call('gt', col(0), lit(25)))), false, 'an or of two impossible sides');
  assert.equal(mayMatch([call('or', call('lt', col(0), lit(5)), call('eq', col(1), lit(1)))], (i) => (i === 0 ? { min: 10, max: 20 } : undefined), 100), true, 'an or with an unknown side');
  assert.equal(keeps(call('is_null', col(0))), false, 'no nulls');
  assert.equal(mayMatch([call('is_not_null', col(0))], one({ nullCount: 100 }), 100), false, 'only nulls');
  assert.equal(mayMatch([call('eq', col(0), lit(1))], one({ nullCount: 100 }), 100), false, 'a comparison with only nulls is never true');
  assert.equal(keeps(call('ne', col(0), lit(15))), true, 'other forms keep the row group');
  // Exact past 2^53: bigints compare exactly.
  const big = one({ min: 2n ** 60n, max: 2n ** 60n + 5n });
  assert.equal(mayMatch([call('lt', col(0), lit(2n ** 60n))], big, 1), false);
  assert.equal(mayMatch([call('le', col(0), lit(2n ** 60n))], big, 1), true);
  // DECIMAL statistics are rounded reals: a literal within rounding of the bound keeps the row group.
  const dec = one({ min: 1.1, max: 9.99, decimal: true });
  const d2 = decimal(10, 2);
  assert.equal(mayMatch([call('gt', col(0, d2), lit(999, d2))], dec, 1), true, '> 9.99 = max: rounding could decide it');
  assert.equal(mayMatch([call('gt', col(0, d2), lit(1000, d2))], dec, 1), false, '> 10.00');
  assert.equal(mayMatch([call('lt', col(0, d2), lit(110, d2))], dec, 1), true, '< 1.10 = min');
  assert.equal(mayMatch([call('lt', col(0, d2), lit(100, d2))], dec, 1), false, '< 1.00');
  // Strings: compared only when ASCII (Parquet orders bytes; JS strings UTF-16 units).
  const str = one({ min: 'b', max: 'd' });
  assert.equal(mayMatch([call('eq', col(0, VARCHAR), lit('a', VARCHAR))], str, 1), false);
  assert.equal(mayMatch([call('eq', col(0, VARCHAR), lit('é', VARCHAR))], str, 1), true);
  assert.equal(mayMatch([call('lt', col(0, DATE), lit(18000, DATE))], one({ min: 18000, max: 18100 }), 1), false, 'DATE in days');
});

const dir = tempDir('kindling-prune-');
let c: DuckDBConnection;
const file = join(dir, 't.parquet');
before(async () => {
  c = await duck();
  await c.run(`create table t as select i::BIGINT as id, (date '2020-01-01' + (i // 1000)::INTEGER) as d, (i / 100)::DECIMAL(10,2) as price,
    'k' || lpad((i // 10000)::VARCHAR, 2, '0') as s, timestamp '2020-01-01' + to_seconds(i) as ts,
    case when i >= 50000 and i < 60000 then null else i % 7 end as n from range(100000) r(i)`);
  // One thread: the row groups in id order, 10,240 rows each (DuckDB's vectors are 2,048 rows).
  await c.run('set threads = 1');
  await c.run(`copy t to '${file}' (format parquet, row_group_size 10240)`);
});
after(() => {
  c?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const job = (name: string, sql: string): SqlJob => loadJob(`apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: prune }
spec:
  tables:
    t: { uri: ${file}, format: parquet }
  sql: "${sql}"
  output: { uri: ${dir}/out-${name}/ }
  workers: { replicas: 2 }
`, { source: 'prune.yaml' }) as SqlJob;

// Row group g holds ids [10240 g, 10240 (g + 1)); d = id // 1000 days; price = id / 100; s = 'k' || id // 10000; ts = id seconds; n NULL for ids 50000-59999.
const CASES: [where: string, groups: number][] = [
  ['id >= 95000', 1],
  ['id < 20480 and id >= 10240', 1],
  ['id = 12345 or id = 98765', 2],
  ["d < date '2020-01-21'", 2],
  ['price > 899.99', 2],
  ['price > 950', 1],
  ["s = 'k03'", 2],
  ["ts >= timestamp '2020-01-02 02:00:00'", 1],
  ['n is null', 2],
  ['n = 3', 10],
  ['id between 30000 and 30001', 1],
];

test('SQL jobs over a Parquet file read only the row groups their filters can match, and equal DuckDB', async () => {
  for (const [k, [where, groups]] of CASES.entries()) {
    const sql = `select count(*) as n, sum(price) as total, min(id) as lo, max(s) as hi from t where ${where}`;
    const plan = await sqlPhysicalPlan(job(`p${k}`, sql));
    const scanStage = plan.stages.find((s) => s.splits)!;
    const read = scanStage.splits!.reduce((a, sp) => a + (sp.rowGroups?.length ?? 10), 0);
    assert.equal(read, groups, `${where}: ${scanStage.stage.ops.join(' <- ')}`);
    if (groups < 10) assert.match(scanStage.stage.ops[scanStage.stage.ops.length - 1], new RegExp(`row groups: ${groups} of 10, by statistics`));
    const m = await runLocal(job(`r${k}`, sql), { quiet: true });
    const files = m.tables.result.files.map((f) => `'${join(dir, `out-r${k}`, f.path)}'`).join(', ');
    const ours = await duckdbRows(c, `select * from read_parquet([${files}])`);
    const theirs = await duckdbRows(c, sql);
    assert.ok(Number(theirs.rows[0][0]) > 0, `${where}: matches rows`);
    assert.deepEqual(diffRows(ours.rows, theirs.rows, [false, false, false, false], false), [], where);
  }
  assert.equal(JSON.parse(readFileSync(join(dir, 'out-r0', '_SUCCESS'), 'utf8')).counters.inputRows, 7840, 'the pruned scan read one row group (the last: 7,840 rows)');

});
