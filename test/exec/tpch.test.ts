// The 22 TPC-H queries (validation parameters) at scale factor 0.01 (0.1 with KINDLING_TPCH_SF),
// run by kindling's engine over tpchgen-cli's CSV files (read by kindling's own scan) and by
// DuckDB over the same files: every answer equal, in order where the query orders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { runScript } from '../../src/engine/local.js';
import type { TableSource } from '../../src/plan/logical/plan.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import { storageScan } from '../../src/exec/ops/scan.js';
import { TPCH_QUERIES } from '../../bench/tpch-queries.js';
import { TPCH_TABLES, duckdbRows, duckdbTpch, tpchData, tpchgenPath, TPCHGEN_MISSING, type TpchData } from '../helpers/tpch.js';
import { batchRows, diffRows } from '../helpers/result-compare.js';
import { isOrdered } from '../helpers/sql-oracle.js';

const SF = Number(process.env.KINDLING_TPCH_SF ?? 0.01);
const available = (await tpchgenPath()) !== undefined;
const skip = !available && !process.env.CI ? TPCHGEN_MISSING : false;

let data: TpchData;
let c: DuckDBConnection;
let tables: TableSource[];
before(async () => {
  if (skip) return;
  data = await tpchData(SF, 'csv');
  c = await duckdbTpch(data);
  tables = TPCH_TABLES.map((name) => ({
    name, uri: data.tables[name].files[0], format: 'csv', schema: parseSchemaDdl(data.tables[name].schema), splitSize: 1 << 20,
    csv: { header: true, delimiter: ',', quote: '"', nullValue: '' },
  }));
});
after(() => c?.closeSync());

for (const q of TPCH_QUERIES) {
  test(`TPC-H Q${q.id} (${q.name}) at SF ${SF} equals DuckDB`, { skip }, async () => {
    const [res] = await runScript(q.sql, tables, storageScan());
    const theirs = await duckdbRows(c, q.sql);
    assert.deepEqual(res.schema.map((f) => f.name), theirs.columns.map((x) => x.name));
    assert.ok(theirs.rows.length > 0, 'DuckDB returns rows (the query is not vacuous)');
    assert.deepEqual(diffRows(batchRows(res.batch), theirs.rows, res.schema.map((f) => f.type.id === 'DOUBLE'), isOrdered(q.sql)), []);
  });
}

// The same 22 queries as one SQL job (`create table qNN as …` each), run the way a user runs it:
// planned into one stage DAG of every query's stages, executed by 2 worker processes through the
// exchanges, committed under one _SUCCESS; each table read back in part-file order equals DuckDB.
test(`TPC-H: all 22 queries as one job on 2 workers at SF ${SF}, each table equal to DuckDB`, { skip }, async () => {
  const { loadJob } = await import('../../src/spec/load.js');
  const { runLocal } = await import('../../src/cli/run.js');
  const { join } = await import('node:path');
  const { readFileSync, rmSync } = await import('node:fs');
  const { tempDir } = await import('../helpers/jobs.js');
  const dir = tempDir('kindling-tpch-job-');
  try {
    const name = (id: number) => `q${String(id).padStart(2, '0')}`;
    const script = TPCH_QUERIES.map((q) => `create table ${name(q.id)} as ${q.sql};`).join('\n');
    const yaml = `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: tpch }
spec:
  tables:
${TPCH_TABLES.map((t) => `    ${t}: { uri: "${data.tables[t].files[0]}", format: csv, schema: "${data.tables[t].schema}", splitSize: 4MiB }`).join('\n')}
  sql: |
${script.split('\n').map((l) => `    ${l}`).join('\n')}
  output: { uri: ${dir}/out/ }
  shuffle: { partitions: 4 }
  workers: { replicas: 2 }
`;
    const manifest = await runLocal(loadJob(yaml, { source: 'tpch.yaml' }), { quiet: true });
    assert.equal(Object.keys(manifest.tables).length, 22);
    const wrong: string[] = [];
    for (const q of TPCH_QUERIES) {
      const t = manifest.tables[name(q.id)];
      const files = t.files.map((f) => `'${join(dir, 'out', f.path)}'`).join(', ');
      const ours = await duckdbRows(c, `select * from read_parquet([${files}])`);
      const theirs = await duckdbRows(c, q.sql);
      assert.equal(ours.rows.length, t.rows, `${name(q.id)}: the manifest counts the rows`);
      const d = diffRows(ours.rows, theirs.rows, ours.columns.map((x) => x.type === 'DOUBLE'), isOrdered(q.sql));
      if (d.length) wrong.push(`Q${q.id}: ${d.join('; ')}`);
    }
    assert.deepEqual(wrong, []);
    assert.ok(JSON.parse(readFileSync(join(dir, 'out', '_SUCCESS'), 'utf8')).timings.stages.length > 60, 'one DAG of every query’s stages');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
