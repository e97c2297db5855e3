/**
 * The built-in analyses as SQL jobs (src/analyses/<name>/sql.ts), through the real coordinator
 * and workers of the SQL engine: every row and column equals DuckDB's answer (the same oracle as
 * the built-in runs), and the Parquet columns have the built-in output's names and types.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generateEvents } from '../../src/gen/generate.js';
import { resolveJob } from '../../src/spec/load.js';
import { sqlSpec } from '../../src/analyses/index.js';
import type { Analysis } from '../../src/spec/schema.js';
import { compareWithOracle, duck, rows } from '../helpers/oracle.js';
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
