/**
 * Shared by the chaos tests: one generated data set, a fault-free run per analysis (the
 * reference), the checks every faulty run must pass, and the suite's counters.
 *
 * Every successful run under faults must have: one `_SUCCESS`, listing exactly the part files
 * in the output (one per partition, no loser, nothing in staging or shuffle left behind), rows
 * equal to the fault-free run, and rows equal to DuckDB's.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compareWithOracle, rows } from '../helpers/oracle.js';
import { TABLES } from '../helpers/jobs.js';

export const ANALYSES = Object.keys(TABLES);
export const PARTITIONS = 4;

/** What the suite did, printed as a diagnostic at the end of each file. */
export const counts = { faultsInjected: 0, jobsRun: 0, rowsCompared: 0, workersKilled: 0, speculativeCopies: 0, mapReruns: 0 };

export function summary(ms: number): string {
  const c = counts;
  return `chaos: ${c.faultsInjected} faults injected, ${c.jobsRun} jobs run, ${c.rowsCompared} rows compared (with the fault-free run and with DuckDB); ${c.workersKilled} workers killed, ${c.speculativeCopies} speculative copies, ${c.mapReruns} map tasks rerun for lost shuffle output; ${(ms / 1000).toFixed(1)} s`;
}

/** JSON log lines (coordinator and workers share one log file in the local tests). */
export function logLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Counts what the logs say happened; returns the per-run numbers. */
export function tally(lines: Record<string, unknown>[]) {
  const n = (msg: string) => lines.filter((l) => l.msg === msg).length;
  const run = {
    faults: lines.filter((l) => l.msg === 'fault injected'),
    lost: n('worker lost; its tasks will be rerun'),
    speculated: lines.filter((l) => l.msg === 'straggler: started a speculative copy'),
    superseded: lines.filter((l) => l.msg === 'the first copy to finish won; the other is cancelled'),
    reruns: n('a task output was lost; rerunning the task that wrote it'),
  };
  counts.faultsInjected += run.faults.length;
  counts.workersKilled += run.faults.filter((f) => String(f.fault).startsWith('kill')).reduce((s, f) => s + 1 + ((f.alsoKilling as unknown[] | undefined)?.length ?? 0), 0);
  counts.speculativeCopies += run.speculated.length;
  counts.mapReruns += run.reruns;
  return run;
}

/** Every file under dir, relative, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** The output's rows in a fixed order, as comparable strings. */
export async function outputRows(c: DuckDBConnection, dir: string, table: string): Promise<string[]> {
  const r = await rows(c, `select * from read_parquet('${dir}/${table}/*.parquet')`);
  return r.map((x) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).sort();
}

/**
 * A committed local output: one `_SUCCESS` whose file list is exactly what the directory
 * holds (one part per partition, sizes as listed), nothing else left behind; rows equal to the
 * fault-free reference and to DuckDB.
 */
export async function checkCommitted(c: DuckDBConnection, o: { dir: string; analysis: string; files: string[]; reference: string[]; extra?: (name: string) => boolean }): Promise<void> {
  const table = TABLES[o.analysis];
  const listing = listFiles(o.dir).filter((f) => !o.extra?.(f));
  const manifest = JSON.parse(readFileSync(join(o.dir, '_SUCCESS'), 'utf8')) as { tables: Record<string, { rows: number; files: { path: string; bytes: number }[] }> };
  const listed = manifest.tables[table].files.map((f) => f.path);
  assert.deepEqual(listed, Array.from({ length: PARTITIONS }, (_, p) => `${table}/part-${String(p).padStart(5, '0')}.parquet`), 'the manifest lists one part per partition, the winners');
  assert.deepEqual(listing, ['_SUCCESS', ...listed].sort(), 'the output holds exactly the manifest and the files it lists (no loser, no staging or shuffle data)');
  for (const f of manifest.tables[table].files) assert.equal(statSync(join(o.dir, f.path)).size, f.bytes, `${f.path}: size as listed`);
  await checkRows(c, { ...o, table, manifestRows: manifest.tables[table].rows });
}

/** Rows equal to the fault-free run and to DuckDB (dir: a local copy of the output). */
export async function checkRows(c: DuckDBConnection, o: { dir: string; analysis: string; files: string[]; reference: string[]; table?: string; manifestRows?: number }): Promise<void> {
  const table = o.table ?? TABLES[o.analysis];
  const got = await outputRows(c, o.dir, table);
  assert.equal(got.length, o.reference.length, 'as many rows as the fault-free run');
  assert.deepEqual(got, o.reference, 'rows equal to the fault-free run');
  if (o.manifestRows !== undefined) assert.equal(o.manifestRows, got.length);
  const oracle = await compareWithOracle(c, o.analysis, o.files, o.dir, table);
  assert.deepEqual(oracle.mismatches, [], 'rows equal to DuckDB');
  assert.equal(oracle.actual, oracle.expected);
  counts.rowsCompared += got.length;
}
