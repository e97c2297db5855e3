/**
 * Child process of the TPC-H bench: one engine runs one query over the CSV files, from nothing
 * (the process reads and parses the CSV itself), and prints the time and peak RSS as JSON. kindling
 * runs it as a SQL job on 2 local worker processes (the RSS: the larger worker's); DuckDB with 2 threads.
 *
 *   node dist/bench/tpch-child.js kindling|duckdb <data dir manifest json> <query id>
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runLocal } from '../src/cli/run.js';
import { loadJob } from '../src/spec/load.js';
import { TPCH_QUERIES } from './tpch-queries.js';

const [engine, dataJson, id] = process.argv.slice(2);
const data = JSON.parse(readFileSync(dataJson, 'utf8')) as { tables: Record<string, { files: string[]; schema: string; columns: string }> };
const q = TPCH_QUERIES.find((x) => String(x.id) === id)!;
const t0 = performance.now();
let rows = 0;
let peak = 0;
if (engine === 'kindling') {
  // A SQL job as a user runs it: planned into stages, run by 2 worker processes, written as Parquet, committed.
  const dir = mkdtempSync(join(tmpdir(), 'kindling-tpch-bench-'));
  try {
    const yaml = `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: tpch-q${q.id} }
spec:
  tables:
${Object.entries(data.tables).map(([name, t]) => `    ${name}: { uri: "${t.files[0]}", format: csv, schema: "${t.schema}" }`).join('\n')}
  sql: |
${q.sql.split('\n').map((l) => `    ${l}`).join('\n')}
  input: { splitSize: 64MiB }
  output: { uri: "${dir}/out/" }
  workers: { replicas: 2, threads: 1 }
`;
    const m = await runLocal(loadJob(yaml, { source: `tpch-q${q.id}.yaml` }), { quiet: true });
    rows = m.tables.result.rows;
    peak = Math.max(...m.workers.map((w) => w.peakRssBytes));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  // Views over read_csv: the query parses the CSV it reads, as kindling does.
  for (const [name, t] of Object.entries(data.tables)) {
    await c.run(`create view ${name} as select * from read_csv(['${t.files.join("', '")}'], header=true, auto_detect=false, delim=',', quote='"', escape='"', dateformat='%Y-%m-%d', columns=${t.columns})`);
  }
  rows = (await c.runAndReadAll(q.sql)).getRows().length;
  peak = process.resourceUsage().maxRSS * 1024;
}
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, rows, peakRssBytes: peak }) + '\n');
