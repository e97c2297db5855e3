/**
 * npm run bench: kindling against DuckDB on the same 2,000,000 generated events (cached),
 * each analysis in the same run, outputs checked to agree, wall time, rows/s, peak RSS and
 * the kindling/DuckDB ratio printed. Nothing here asserts a time: it reports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEvents } from '../src/gen/generate.js';
import { resolveJob } from '../src/spec/load.js';
import { runLocal } from '../src/cli/run.js';
import { bytes, table } from '../src/cli/format.js';
import { sqlSpec } from '../src/analyses/index.js';
import type { Analysis } from '../src/spec/schema.js';
import { differingRows, duck } from '../test/helpers/oracle.js';
import { benchS3 } from './s3.js';
import { benchCluster } from './cluster.js';
import { benchTpch } from './tpch.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
/** Runs per engine and analysis; the median is reported (this machine's timings vary by 10-20%). */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Split size for kindling's map tasks (BENCH_SPLIT). */
const SPLIT = process.env.BENCH_SPLIT ?? '32MiB';
const CACHE = resolve(process.env.BENCH_CACHE ?? '.bench-cache');
const TARGETS: Record<string, number> = { 'price-sensitivity': 1.5, engagement: 2, 'top-category-brand': 2 };
const TABLES: Record<string, string> = { 'price-sensitivity': 'bands', engagement: 'top_users', 'top-category-brand': 'user_favorites' };

async function data(): Promise<string[]> {
  const dir = join(CACHE, `events-${ROWS}`);
  const marker = join(dir, 'files.json');
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8'));
  process.stderr.write(`generating ${ROWS} events into ${dir} (cached for later runs)...\n`);
  const g = await generateEvents({ rows: ROWS, files: 4, seed: 7, out: dir, gzip: false });
  const files = g.files.map((f) => resolve(f.uri));
  writeFileSync(marker, JSON.stringify(files));
  return files;
}

async function main() {
  const files = await data();
  const input = join(CACHE, `events-${ROWS}`);
  const size = files.reduce((s, f) => s + readFileSync(f).byteLength, 0);
  const c = await duck();
  const results: unknown[][] = [];
  const sqlRows: unknown[][] = [];
  for (const f of files) readFileSync(f); // both engines start from a warm page cache
  const duckScript = fileURLToPath(new URL('./duckdb-run.js', import.meta.url));
  process.stdout.write(`kindling vs DuckDB: ${ROWS.toLocaleString('en-US')} events, ${files.length} files, ${bytes(size)}; kindling replicas 2 x threads 1, DuckDB threads 2\n\n`);
  for (const analysis of Object.keys(TARGETS)) {
    const out = join(CACHE, 'out', analysis);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const job = resolveJob({
      apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: `bench-${analysis}` },
      spec: { analysis, input: { uri: input, format: 'csv', splitSize: SPLIT }, output: { uri: join(out, 'kindling'), overwrite: true }, shuffle: { partitions: 8 }, workers: { replicas: 2, threads: 1 } },
    });
    const kRuns: number[] = [];
    let m!: Awaited<ReturnType<typeof runLocal>>;
    let kRss = 0;
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      m = await runLocal(job, { quiet: true });
      kRuns.push(performance.now() - t0);
      kRss = Math.max(kRss, ...m.workers.map((w) => w.peakRssBytes));
    }
    // The same analysis as a SQL job (src/analyses/<name>/sql.ts) on the SQL engine, same workers and splits.
    const sqlJob = resolveJob({
      apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: `bench-${analysis}-sql` },
      spec: { ...sqlSpec(analysis as Analysis, {}, { uri: input, format: 'csv', splitSize: SPLIT }), output: { uri: join(out, 'sql'), overwrite: true }, shuffle: { partitions: 8 }, workers: { replicas: 2, threads: 1 } },
    });
    const sRuns: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      await runLocal(sqlJob, { quiet: true });
      sRuns.push(performance.now() - t0);
    }
    const duckOut = join(out, 'duckdb.parquet');
    const dRuns: { ms: number; wall: number; peakRssBytes: number }[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t1 = performance.now();
      const d = JSON.parse(execFileSync(process.execPath, [duckScript, analysis, duckOut, ...files], { encoding: 'utf8' })) as { ms: number; peakRssBytes: number };
      dRuns.push({ ...d, wall: performance.now() - t1 });
    }
    const kMs = median(kRuns);
    const d = { ms: median(dRuns.map((x) => x.ms)), peakRssBytes: Math.max(...dRuns.map((x) => x.peakRssBytes)) };
    const dWall = median(dRuns.map((x) => x.wall));
    const diff = await differingRows(c, `${join(out, 'kindling', TABLES[analysis])}/*.parquet`, duckOut);
    const agree = diff === 0 ? `yes (${m.tables[TABLES[analysis]].rows} rows)` : `NO: ${diff} rows differ`;
    const sqlDiff = await differingRows(c, `${join(out, 'sql', TABLES[analysis])}/*.parquet`, duckOut);
    const sMs = median(sRuns);
    sqlRows.push([analysis, (kMs / 1000).toFixed(2), `${(sMs / 1000).toFixed(2)} (${(Math.min(...sRuns) / 1000).toFixed(2)})`, `${(sMs / kMs).toFixed(2)}x`, `<= 1.10x ${sMs / kMs <= 1.1 ? 'met' : 'MISSED'}`, sqlDiff === 0 ? 'yes' : `NO: ${sqlDiff} rows differ`]);
    const ratio = kMs / d.ms;
    results.push([analysis, `${(kMs / 1000).toFixed(2)} (${(Math.min(...kRuns) / 1000).toFixed(2)})`, Math.round(ROWS / (kMs / 1000)), bytes(kRss), `${(d.ms / 1000).toFixed(2)} (${(Math.min(...dRuns.map((x) => x.ms)) / 1000).toFixed(2)})`, (dWall / 1000).toFixed(2), Math.round(ROWS / (d.ms / 1000)), bytes(d.peakRssBytes), `${ratio.toFixed(2)}x`, `<= ${TARGETS[analysis]}x ${ratio <= TARGETS[analysis] ? 'met' : 'MISSED'}`, agree]);
  }
  process.stdout.write(table(['analysis', 'kindling s', 'rows/s', 'peak RSS/worker', 'duckdb s', 'duckdb wall s', 'rows/s', 'duckdb RSS', 'ratio', 'target', 'outputs agree'], results) + '\n');
  process.stdout.write(`\nmedian of ${RUNS} runs each (fastest in parentheses). kindling s: the whole job (plan, worker start, map, shuffle, reduce, commit); duckdb s: the COPY query inside DuckDB; duckdb wall s: including process start.\n`);
  process.stdout.write(`\nthe built-in analyses as SQL jobs on the SQL engine (src/analyses/<name>/sql.ts) against the built-in map/reduce, same data, workers and splits (median of ${RUNS}):\n`);
  process.stdout.write(table(['analysis', 'built-in s', 'as SQL s', 'SQL / built-in', 'target', 'outputs agree with DuckDB'], sqlRows) + '\n');
  if (process.env.BENCH_ONLY === 'analyses') return; // the tables above only (S3, cluster and TPC-H take a further ~20 min)
  await benchS3(files, input, CACHE, RUNS, SPLIT);
  await benchCluster(files, RUNS, SPLIT);
  await benchTpch(CACHE, Number(process.env.BENCH_TPCH_RUNS ?? 1));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

await main();
