/**
 * Chaos for SQL jobs: a multi-stage join job (a filtered scan and an aggregated dimension, both
 * hash-partitioned into a shuffled join, then an aggregate with a distinct count and a global
 * sort by range) run by real worker processes while KINDLING_FAULTS kills workers, fails
 * attempts, holds a straggler and deletes upstream output that a later stage then finds
 * missing. Every run must commit the fault-free answer, which equals DuckDB's, in order.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generateEvents } from '../../src/gen/generate.js';
import { runLocal } from '../../src/cli/run.js';
import { loadJob, type SqlJob } from '../../src/spec/load.js';
import { sqlPhysicalPlan } from '../../src/engine/sql-plan.js';
import { duck } from '../helpers/oracle.js';
import { duckdbRows } from '../helpers/tpch.js';
import { diffRows } from '../helpers/result-compare.js';
import { tempDir } from '../helpers/jobs.js';
import { logLines, tally } from './chaos.js';

const EVENTS = 'event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, category_id BIGINT, category_code VARCHAR, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT, user_session VARCHAR';
const SQL = `
create view purchases as select user_id, product_id, price from events where event_type = 'purchase';
create view products as select product_id, min(category_id) as category_id, count(*) as views from events group by product_id;
select pr.category_id, count(*) as n, sum(pu.price) as revenue, count(distinct pu.user_id) as buyers, max(pr.views) as top_views
from purchases pu join products pr on pu.product_id = pr.product_id
group by pr.category_id order by revenue desc, pr.category_id`;

let dir: string;
let c: DuckDBConnection;
let want: unknown[][];
let stages: { source: number; join: number; aggregate: number; sort: number };
let NEVER: string;
before(async () => {
  dir = tempDir('kindling-sql-chaos-');
  NEVER = join(dir, 'never-opened');
  await generateEvents({ rows: 40_000, files: 2, seed: 31, out: join(dir, 'events'), gzip: false });
  c = await duck();
  await c.run(`create table events as select * from read_csv('${dir}/events/*.csv', header=true, auto_detect=false, timestampformat='%Y-%m-%d %H:%M:%S UTC', columns={${EVENTS.split(', ').map((x) => { const [n, ...t] = x.split(' '); return `'${n}': '${t.join(' ')}'`; }).join(', ')}})`);
  const script = SQL.trim().split(';\n');
  for (const v of script.slice(0, 2)) await c.run(v);
  want = (await duckdbRows(c, script[2])).rows;
  const plan = await sqlPhysicalPlan(job('plan'));
  const find = (f: (ops: string[]) => boolean) => plan.stages.find((s) => f(s.stage.ops))!.id;
  stages = {
    source: find((ops) => ops.some((o) => o.startsWith('scan events + filter'))),
    join: find((ops) => ops.includes('inner hash join')),
    aggregate: plan.stages.find((s) => s.inputs.length === 1 && plan.stages[s.inputs[0]].stage.ops.includes('inner hash join'))!.id,
    sort: plan.stages[plan.stages.length - 1].id,
  };
});
after(() => {
  writeFileSync(NEVER, '');
  c?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function job(name: string): SqlJob {
  const yaml = `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: sql-chaos }
spec:
  tables:
    events: { uri: ${dir}/events/, format: csv, schema: "${EVENTS}", splitSize: 600000 }
  sql: |
${SQL.trim().split('\n').map((l) => `    ${l}`).join('\n')}
  output: { uri: ${dir}/out-${name}/ }
  shuffle: { partitions: 3, broadcastThreshold: 0 }
  workers: { replicas: 2 }
`;
  return loadJob(yaml, { source: 'sql-chaos.yaml' }) as SqlJob;
}

let n = 0;
async function survives(faults: string): Promise<ReturnType<typeof tally>> {
  const name = `run-${n++}`;
  const logFile = join(dir, `${name}.log`);
  const previous = process.env.KINDLING_FAULTS;
  if (faults) process.env.KINDLING_FAULTS = faults;
  try {
    await runLocal(job(name), { quiet: true, logLevel: 'info', logFile });
  } finally {
    if (previous === undefined) delete process.env.KINDLING_FAULTS;
    else process.env.KINDLING_FAULTS = previous;
  }
  const run = tally(logLines(readFileSync(logFile, 'utf8')));
  const fired = new Set(run.faults.map((f) => f.fault));
  for (const f of faults.split(',').filter(Boolean)) assert.ok(fired.has(f), `fault ${f} fired (log: ${JSON.stringify(run.faults)})`);
  const out = join(dir, `out-${name}`);
  const manifest = JSON.parse(readFileSync(join(out, '_SUCCESS'), 'utf8'));
  const files = manifest.tables.result.files.map((f: { path: string }) => `'${join(out, f.path)}'`).join(', ');
  const ours = await duckdbRows(c, `select * from read_parquet([${files}])`);
  assert.ok(want.length > 10, 'the query means something on this data');
  assert.deepEqual(diffRows(ours.rows as never, want as never, ours.columns.map((x) => x.type === 'DOUBLE'), true), []);
  assert.equal(manifest.tables.result.files.length, 3, 'one part file per sort partition');
  return run;
}

test('the multi-stage join job, fault-free, is cut into at least 6 stages and equals DuckDB', async () => {
  const plan = await sqlPhysicalPlan(job('check'));
  assert.ok(plan.stages.length >= 6, plan.stages.map((s) => s.stage.ops.join(' <- ')).join('\n'));
  assert.ok(plan.stages.find((s) => s.id === stages.source)!.tasks >= 4, 'the source stage has several splits');
  await survives('');
});

test('a worker killed as a join task starts, and another after writing an aggregate partition: their tasks rerun elsewhere', async () => {
  const run = await survives(`kill:s${stages.join}:1:start,kill:s${stages.aggregate}:0:before-result`);
  assert.ok(run.lost >= 2, 'both workers were lost and replaced');
});

test('a source task’s output deleted after it was reported: the join task names it, the source task reruns, then the join', async () => {
  const run = await survives(`lose-shuffle:s${stages.source}:1`);
  assert.ok(run.reruns >= 1, 'the lost output was recomputed by the stage that wrote it');
});

test('a failed attempt, a held straggler and a kill at once, in three different stages', async () => {
  const run = await survives(`fail:s${stages.aggregate}:2:0,hold:s${stages.sort}:1:0:${NEVER},kill:s${stages.source}:0:start`);
  assert.ok(run.speculated.length >= 1, 'the straggler got a speculative copy');
});
