/**
 * Child process of the TPC-H bench: one engine runs one query over the CSV files, from nothing
 * (the process reads and parses the CSV itself), and prints the time and peak RSS as JSON.
 *
 *   node dist/bench/tpch-child.js kindling|duckdb <data dir manifest json> <query id>
 */
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { runScript } from '../src/engine/local.js';
import { storageScan } from '../src/exec/ops/scan.js';
import { parseSchemaDdl } from '../src/types/schema.js';
import { TPCH_QUERIES } from './tpch-queries.js';

const [engine, dataJson, id] = process.argv.slice(2);
const data = JSON.parse(readFileSync(dataJson, 'utf8')) as { tables: Record<string, { files: string[]; schema: string; columns: string }> };
const q = TPCH_QUERIES.find((x) => String(x.id) === id)!;
const t0 = performance.now();
let rows = 0;
if (engine === 'kindling') {
  const tables = Object.entries(data.tables).map(([name, t]) => ({
    name, uri: t.files[0], format: 'csv' as const, schema: parseSchemaDdl(t.schema), splitSize: 1 << 26,
    csv: { header: true, delimiter: ',', quote: '"', nullValue: '' },
  }));
  const [r] = await runScript(q.sql, tables, storageScan());
  rows = r.batch.length;
} else {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  // Views over read_csv: the query parses the CSV it reads, as kindling does.
  for (const [name, t] of Object.entries(data.tables)) {
    await c.run(`create view ${name} as select * from read_csv(['${t.files.join("', '")}'], header=true, auto_detect=false, delim=',', quote='"', escape='"', dateformat='%Y-%m-%d', columns=${t.columns})`);
  }
  rows = (await c.runAndReadAll(q.sql)).getRows().length;
}
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, rows, peakRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n');
