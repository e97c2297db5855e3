/** Child process for the bench: DuckDB runs one analysis's SQL, CSV in, Parquet out; prints timing and peak RSS. */
import { DuckDBInstance } from '@duckdb/node-api';
import { oracleSql } from '../test/helpers/oracle.js';

const [analysis, out, ...files] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await db.connect();
const { sql } = oracleSql(analysis, files);
const t0 = performance.now();
await c.run(`COPY (${sql}) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, peakRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n');
