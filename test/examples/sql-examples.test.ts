// The SQL examples (examples/sql/*.yaml), each run the way a user runs it (`kindling run`: the
// spec loaded from its file, written as Parquet, committed) over the real event rows of the test
// fixtures and over generated events, and compared table by table with DuckDB running the same
// script over the same files: every row and value equal, in order where the script orders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadJob, type SqlJob } from '../../src/spec/load.js';
import { runLocal } from '../../src/cli/run.js';
import { generateEvents } from '../../src/gen/generate.js';
import { duck } from '../helpers/oracle.js';
import { duckdbRows } from '../helpers/tpch.js';
import { diffRows } from '../helpers/result-compare.js';
import { isOrdered } from '../helpers/sql-oracle.js';
import { REAL_COSMETICS, REAL_NOV, REAL_OCT, tempDir } from '../helpers/jobs.js';
import { repoRoot } from '../helpers/fixtures.js';

const DIR = join(repoRoot(), 'examples', 'sql');
const EXAMPLES = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'star-query.yaml').sort();
const work = tempDir('kindling-sql-examples-');
const datasets: Record<string, string> = { real: join(work, 'real'), generated: join(work, 'generated') };

let c: DuckDBConnection;
before(async () => {
  mkdirSync(datasets.real, { recursive: true });
  for (const f of [REAL_OCT, REAL_NOV, REAL_COSMETICS]) copyFileSync(f, join(datasets.real, f.split('/').pop()!));
  await generateEvents({ rows: 30_000, files: 2, seed: 11, out: datasets.generated, gzip: false });
  c = await duck();
});
after(() => c?.closeSync());

/** The statements of a script (the examples put no ; inside strings). */
const statements = (sql: string) => sql.split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter(Boolean);

/** Loads the events of a dataset into DuckDB as `events`, with the job's declared types. */
async function loadEvents(job: SqlJob, dir: string): Promise<void> {
  const events = job.sql.tables.find((t) => t.name === 'events')!;
  const cols = events.schema!.split(/,\s*(?![^()]*\))/).map((c) => c.trim().split(/\s+/));
  const columns = `{${cols.map(([n, ...t]) => `'${n}': '${t.join(' ')}'`).join(', ')}}`;
  await c.run(`create or replace table events as select * from read_csv('${dir}/*.csv', header=true, auto_detect=false, delim=',', quote='"', escape='"', timestampformat='%Y-%m-%d %H:%M:%S UTC', columns=${columns})`);
}

/** Runs the script in DuckDB; per output (create table names, `result`): its rows. */
async function duckOutputs(sql: string): Promise<Map<string, { sql: string; rows: unknown[][] }>> {
  const out = new Map<string, { sql: string; rows: unknown[][] }>();
  for (const st of statements(sql)) {
    const m = /^create\s+(?:(temp|temporary)\s+)?(view|table)\s+(\w+)\s+as\s+/i.exec(st);
    if (m) {
      await c.run(`create or replace ${m[2]} ${m[3]} as ${st.slice(m[0].length)}`);
      if (m[2].toLowerCase() === 'table') out.set(m[3], { sql: st, rows: (await duckdbRows(c, `select * from ${m[3]}`)).rows });
    } else out.set('result', { sql: st, rows: (await duckdbRows(c, st)).rows });
  }
  return out;
}

async function compareOutputs(job: SqlJob, outDir: string, expected: Map<string, { sql: string; rows: unknown[][] }>): Promise<string[]> {
  const wrong: string[] = [];
  const manifest = JSON.parse(readFileSync(join(outDir, '_SUCCESS'), 'utf8'));
  assert.deepEqual(Object.keys(manifest.tables).sort(), [...expected.keys()].sort(), 'every output is committed under one _SUCCESS');
  for (const [name, want] of expected) {
    const t = manifest.tables[name];
    const files = t.files.map((f: { path: string }) => `'${join(outDir, f.path)}'`).join(', ');
    const ours = await duckdbRows(c, `select * from read_parquet([${files}])`);
    assert.equal(ours.rows.length, t.rows, `${name}: the manifest counts the rows`);
    assert.ok(want.rows.length > 0, `${job.name}/${name}: DuckDB's answer is not empty (the example means something on this data)`);
    const d = diffRows(ours.rows as never, want.rows as never, ours.columns.map((x) => x.type === 'DOUBLE'), name === 'result' && isOrdered(want.sql));
    if (d.length) wrong.push(`${job.name}/${name}:\n  ${d.join('\n  ')}`);
  }
  return wrong;
}

for (const [data, dir] of Object.entries(datasets)) {
  for (const file of EXAMPLES) {
    test(`${file} on the ${data} events equals DuckDB`, async () => {
      const outDir = join(work, 'out', data, file.replace('.yaml', ''));
      const job = loadJob(readFileSync(join(DIR, file), 'utf8'), { source: file, sets: [`spec.tables.events.uri=${dir}/`, `spec.output.uri=${outDir}/`] }) as SqlJob;
      assert.ok(job.sql);
      await runLocal(job, { quiet: true });
      await loadEvents(job, dir);
      const expected = await duckOutputs(job.sql.script);
      let wrong = await compareOutputs(job, outDir, expected);
      if (file === 'star-build.yaml') {
        // The second job of the star schema reads the first one's committed tables.
        const qOut = join(work, 'out', data, 'star-query');
        const sets = ['dim_product', 'dim_date', 'fact_events'].map((t) => `spec.tables.${t}.uri=${outDir}/${t}/`);
        const q = loadJob(readFileSync(join(DIR, 'star-query.yaml'), 'utf8'), { source: 'star-query.yaml', sets: [...sets, `spec.output.uri=${qOut}/`] }) as SqlJob;
        await runLocal(q, { quiet: true });
        wrong = [...wrong, ...(await compareOutputs(q, qOut, await duckOutputs(q.sql.script)))];
      }
      assert.deepEqual(wrong, []);
    });
  }
}
