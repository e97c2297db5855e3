/**
 * Every analysis, through the real coordinator and worker processes, equals DuckDB running
 * the equivalent SQL on the same files: every row, every column. On the real samples (one
 * split and many) and on generated data (several files, gzip, many splits and partitions).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generateEvents } from '../../src/gen/generate.js';
import { compareWithOracle, duck } from '../helpers/oracle.js';
import { REAL_COSMETICS, REAL_NOV, REAL_OCT, TABLES, job, run, tempDir } from '../helpers/jobs.js';

let c: DuckDBConnection;
let dir: string;
let genFiles: string[];
let genGzFiles: string[];

before(async () => {
  c = await duck();
  dir = tempDir();
  genFiles = (await generateEvents({ rows: 60_000, files: 3, seed: 11, out: join(dir, 'gen'), gzip: false })).files.map((f) => f.uri);
  genGzFiles = (await generateEvents({ rows: 20_000, files: 2, seed: 12, out: join(dir, 'gengz'), gzip: true })).files.map((f) => f.uri);
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function check(analysis: string, files: string[], input: string, spec: Record<string, unknown>, params: Record<string, unknown> = {}) {
  const out = join(dir, 'out', `${analysis}-${Math.random().toString(36).slice(2)}`);
  const m = await run(job(analysis, input, out, spec, params));
  const table = TABLES[analysis];
  const r = await compareWithOracle(c, analysis, files, out, table, params);
  assert.deepEqual(r.mismatches, [], `${analysis} differs from DuckDB`);
  assert.ok(r.expected > 0, 'the oracle returned rows');
  assert.equal(r.actual, r.expected);
  assert.equal(m.tables[table].rows, r.expected, 'manifest row count');
  const manifest = JSON.parse(readFileSync(join(out, '_SUCCESS'), 'utf8'));
  assert.equal(manifest.tables[table].files.length, (spec.shuffle as { partitions?: number })?.partitions ?? 3);
  for (const f of manifest.tables[table].files) assert.equal(statSync(join(out, f.path)).size, f.bytes);
  return m;
}

for (const analysis of Object.keys(TABLES)) {
  test(`${analysis}: real October rows, one split`, async () => {
    const m = await check(analysis, [REAL_OCT], REAL_OCT, { shuffle: { partitions: 1 }, workers: { replicas: 1 } });
    assert.equal(m.counters.inputRows, 17434);
  });

  test(`${analysis}: real October rows, 13 splits, 5 partitions, 2 workers x 2 threads`, async () => {
    const m = await check(analysis, [REAL_OCT], REAL_OCT, { input: { splitSize: 180_000 }, shuffle: { partitions: 5 }, workers: { replicas: 2, threads: 2 } });
    assert.equal(m.counters.inputRows, 17434);
    assert.equal(m.timings.stages[0].tasks, 13);
  });

  test(`${analysis}: real November and cosmetics samples`, async () => {
    await check(analysis, [REAL_NOV], REAL_NOV, { input: { splitSize: 4000 } });
    await check(analysis, [REAL_COSMETICS], REAL_COSMETICS, { input: { splitSize: 9000 } });
  });

  test(`${analysis}: generated data, 3 files, many splits`, async () => {
    const m = await check(analysis, genFiles, join(dir, 'gen'), { input: { splitSize: 700_000 }, shuffle: { partitions: 7 } });
    assert.equal(m.counters.inputRows, 60_000);
    assert.equal(m.counters.inputFiles, 3);
  });

  test(`${analysis}: generated gzip files`, async () => {
    const m = await check(analysis, genGzFiles, join(dir, 'gengz'), {});
    assert.equal(m.counters.inputRows, 20_000);
    assert.equal(m.timings.stages[0].tasks, 2, 'a .gz file is one split');
  });
}

test('price-sensitivity with custom band edges', async () => {
  await check('price-sensitivity', [REAL_OCT], REAL_OCT, {}, { bandEdges: [5, 75.5, 300] });
});

test('engagement with topN 3', async () => {
  await check('engagement', genFiles, join(dir, 'gen'), {}, { topN: 3 });
});
