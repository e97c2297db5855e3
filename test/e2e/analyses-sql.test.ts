/**
 * The built-in analyses as SQL jobs (src/analyses/<name>/sql.ts), through the real coordinator
 * and workers of the SQL engine: every row and column equals DuckDB's answer (the same oracle as
 * the built-in runs), and the Parquet columns have the built-in output's names and types.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generateEvents } from '../../src/gen/generate.js';
import { resolveJob } from '../../src/spec/load.js';
import { sqlSpec } from '../../src/analyses/index.js';
import type { Analysis } from '../../src/spec/schema.js';
import { compareWithOracle, differingRows, duck, rows } from '../helpers/oracle.js';
import { KindlingError } from '../../src/common/errors.js';
import { REAL_OCT, TABLES, job, run, tempDir } from '../helpers/jobs.js';

let c: DuckDBConnection;
let dir: string;
let gen: string[];

before(async () => {
  c = await duck();
  dir = tempDir();
  gen = (await generateEvents({ rows: 30_000, files: 2, seed: 21, out: join(dir, 'gen'), gzip: false })).files.map((f) => f.uri);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function check(analysis: Analysis, files: string[], input: string, splitSize: number, params: Record<string, unknown> = {}) {
  const out = join(dir, 'out', `${analysis}-${Math.random().toString(36).slice(2)}`);
  const m = await run(resolveJob({
    apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: `sql-${analysis}` },
    spec: { ...sqlSpec(analysis, params, { uri: input, format: 'csv', splitSize }), output: { uri: out }, shuffle: { partitions: 4 }, workers: { replicas: 2, threads: 1 } },
  }));
  const table = TABLES[analysis];
  const r = await compareWithOracle(c, analysis, files, out, table, params);
  assert.deepEqual(r.mismatches, [], `${analysis} as SQL differs from DuckDB`);
  assert.ok(r.expected > 0);
  assert.equal(r.actual, r.expected);
  assert.equal(m.tables[table].rows, r.expected);
  return out;
}

const describe = async (d: string, table: string) => (await rows(c, `DESCRIBE SELECT * FROM read_parquet('${d}/${table}/*.parquet')`)).map((x) => `${String(x.column_name)} ${String(x.column_type)}`);

for (const analysis of Object.keys(TABLES) as Analysis[]) {
  test(`${analysis} as SQL: real October rows in 13 splits, and generated data; the built-in's columns and types`, async () => {
    const out = await check(analysis, [REAL_OCT], REAL_OCT, 180_000);
    await check(analysis, gen, join(dir, 'gen'), 400_000);
    const builtin = join(dir, 'out', `${analysis}-builtin`);
    await run(job(analysis, REAL_OCT, builtin));
    assert.deepEqual(await describe(out, TABLES[analysis]), await describe(builtin, TABLES[analysis]));
  });
}

test('the SQL forms take the analyses\' params', async () => {
  await check('price-sensitivity', [REAL_OCT], REAL_OCT, 1 << 20, { bandEdges: [5, 75.5, 300] });
  await check('engagement', gen, join(dir, 'gen'), 1 << 20, { topN: 3 });
});

test('an event_type other than the four is a bad record in the SQL forms too (schema values): fail names it, skip gives the built-in output', async () => {
  // The October sample with two bad event types and an empty one, in the middle of the file.
  const lines = readFileSync(REAL_OCT, 'utf8').split('\n');
  const bad = [lines[100].replace(',view,', ',click,'), lines[200].replace(/^([^,]*),[^,]*,/, '$1,,'), lines[300].replace(',view,', ',View,')];
  const file = join(dir, 'bad-types.csv');
  writeFileSync(file, [...lines.slice(0, 1000), ...bad, ...lines.slice(1000)].join('\n'));
  const sqlJob = (out: string, input: Record<string, unknown>) => resolveJob({
    apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'sql-bad-types' },
    spec: { ...sqlSpec('price-sensitivity', {}, { uri: file, format: 'csv', ...input }), output: { uri: out }, workers: { replicas: 1 } },
  });
  await assert.rejects(run(sqlJob(join(dir, 'out', 'bad-fail'), {})), (e: unknown) => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.equal(e.code, 'INPUT_BAD_RECORD');
    assert.match(e.describe(), new RegExp(`event_type: "click" is not one of "view", "cart", "purchase", "remove_from_cart".*${file.replace(/[.]/g, '[.]')}, line 1001`));
    return true;
  });
  for (const analysis of Object.keys(TABLES) as Analysis[]) {
    const sqlOut = join(dir, 'out', `bad-sql-${analysis}`);
    const builtinOut = join(dir, 'out', `bad-builtin-${analysis}`);
    const s = await run(resolveJob({
      apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'sql-bad-types' },
      spec: { ...sqlSpec(analysis, {}, { uri: file, format: 'csv', onBadRecord: 'skip', splitSize: 200_000 }), output: { uri: sqlOut }, workers: { replicas: 2 } },
    }));
    const b = await run(job(analysis, file, builtinOut, { input: { onBadRecord: 'skip', splitSize: 200_000 } }));
    assert.equal(s.counters.rejectedRows, b.counters.rejectedRows, `${analysis}: the same records rejected`);
    assert.equal(s.counters.rejectedRows, analysis === 'top-category-brand' ? 0 : 3, 'only the analyses that read event_type reject them');
    const t = TABLES[analysis];
    assert.equal(await differingRows(c, `${sqlOut}/${t}/*.parquet`, `${builtinOut}/${t}/*.parquet`), 0, `${analysis}: the SQL form's rows equal the built-in's`);
  }
});

test('schema values: only for VARCHAR columns of csv tables, said before anything runs', async () => {
  const spec = (schema: unknown, format = 'csv') => ({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'v' }, spec: { tables: { t: { uri: REAL_OCT, format, schema } }, sql: 'select * from t', output: { uri: join(dir, 'out', 'v') } } });
  assert.throws(() => resolveJob(spec([{ name: 'a', type: 'VARCHAR', values: ['x'] }], 'jsonl')), /values \(allowed values of a column\) are checked by csv tables only, not jsonl/);
  await assert.rejects(run(resolveJob(spec([{ name: 'event_time', type: 'BIGINT', values: ['1'] }]))), /column event_time is BIGINT: allowed values are for VARCHAR columns/);
});
