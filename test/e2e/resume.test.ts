// The coordinator killed mid-job (SIGKILL, with its workers): `kindling run --resume` reads the
// job journal and finishes without redoing the tasks that had succeeded; the output equals
// DuckDB's. Without a journal, --resume says there is nothing to resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEvents } from '../../src/gen/generate.js';
import { compareWithOracle, duck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/jobs.js';

const BIN = fileURLToPath(new URL('../../../bin/kindling.js', import.meta.url));

test('kindling run --resume finishes a run whose coordinator was killed, without redoing journaled tasks', { timeout: 180_000 }, async (t) => {
  const dir = tempDir();
  const files = (await generateEvents({ rows: 400_000, files: 2, seed: 11, out: join(dir, 'events'), gzip: false })).files.map((f) => f.uri);
  const out = join(dir, 'out');
  const spec = join(dir, 'job.yaml');
  writeFileSync(spec, `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: resume }
spec:
  analysis: top-category-brand
  input: { uri: ${join(dir, 'events')}, format: csv, splitSize: 400KB }
  output: { uri: ${out} }
  shuffle: { partitions: 4 }
  workers: { replicas: 1 }
`);
  const nothing = spawnSync(process.execPath, [BIN, 'run', spec, '--resume'], { encoding: 'utf8' });
  assert.equal(nothing.status, 1);
  assert.match(nothing.stderr, /no run to resume under .*out: a run leaves a journal only when its coordinator died/);

  // Run, and kill the coordinator and its workers (one process group) once some tasks are
  // journaled. Map 8 (every attempt) waits at a gate that never opens, so the map stage cannot
  // end before the kill, however fast the other tasks run.
  const faults = `hold:map:8:*:${join(dir, 'never-opened')}`;
  const first = spawn(process.execPath, [BIN, 'run', spec], { detached: true, stdio: 'ignore', env: { ...process.env, KINDLING_FAULTS: faults } });
  const journalDir = () => {
    const tmp = join(out, '_temporary');
    const run = existsSync(tmp) ? readdirSync(tmp)[0] : undefined;
    return run ? join(tmp, run, 'journal') : undefined;
  };
  const entries = () => {
    const d = journalDir();
    return d && existsSync(d) ? readdirSync(d).filter((f) => /^s0-p\d+\.json$/.test(f)).length : 0;
  };
  const deadline = Date.now() + 60_000;
  while (entries() < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  process.kill(-first.pid!, 'SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const restored = entries();
  t.diagnostic(`killed the coordinator after ${restored} journaled map tasks`);
  assert.ok(restored >= 8, 'tasks were journaled before the kill');
  assert.equal(existsSync(join(out, '_SUCCESS')), false, 'nothing committed by the killed run');
  const plan = JSON.parse(readFileSync(join(journalDir()!, 'plan.json'), 'utf8')) as { runId: string; splits: unknown[] };
  assert.ok(restored < plan.splits.length, `the kill came before the map stage ended (${restored} of ${plan.splits.length})`);

  const log = join(dir, 'resume.log');
  const resumed = spawnSync(process.execPath, [BIN, 'run', spec, '--resume', '--json', '--log-level', 'debug', '--log-file', log], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(resumed.status, 0, resumed.stderr);
  const manifest = JSON.parse(resumed.stdout) as { runId: string; counters: { inputRows: number } };
  assert.equal(manifest.runId, plan.runId, 'the same run was finished');
  assert.equal(manifest.counters.inputRows, 400_000, 'every record counted once');
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; restored?: number; tasks?: string[] });
  assert.ok(lines.some((l) => l.msg === 'resuming the run from its journal' && l.restored! >= restored));
  const mapsRun = lines.filter((l) => l.msg === 'assigned').flatMap((l) => l.tasks!).filter((id) => id.startsWith('0/'));
  const journaled = lines.find((l) => l.msg === 'resuming the run from its journal')!.restored!;
  assert.equal(mapsRun.length, plan.splits.length - journaled, 'no journaled map task ran again');
  const cmp = await compareWithOracle(await duck(), 'top-category-brand', files, out, 'user_favorites');
  assert.deepEqual(cmp.mismatches, []);
  assert.ok(cmp.expected > 0);
  assert.equal(existsSync(join(out, '_temporary')), false, 'the journal and staging are gone after the commit');
});

test('a SQL job’s run: --resume takes over its stage DAG from the journal (bigints in the plan) and commits the fault-free answer', { timeout: 180_000 }, async () => {
  const { loadJob } = await import('../../src/spec/load.js');
  const { sqlPhysicalPlan } = await import('../../src/engine/sql-plan.js');
  const dir = tempDir();
  await generateEvents({ rows: 60_000, files: 2, seed: 5, out: join(dir, 'events'), gzip: false });
  const yaml = (out: string) => `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: sql-resume }
spec:
  tables:
    events: { uri: ${join(dir, 'events')}/, format: csv, splitSize: 400KB, schema: "event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, category_id BIGINT, category_code VARCHAR, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT, user_session VARCHAR" }
  sql: |
    create view p as select product_id, min(category_id) as category_id from events group by product_id;
    select p.category_id, count(*) as n, sum(e.price) as revenue from events e join p on e.product_id = p.product_id
    where e.category_id > 2053013552226107603 group by 1 order by revenue desc, 1
  output: { uri: ${out} }
  shuffle: { partitions: 3, broadcastThreshold: 0 }
  workers: { replicas: 1 }
`;
  const spec = join(dir, 'job.yaml');
  const out = join(dir, 'out');
  writeFileSync(spec, yaml(out));
  const refSpec = join(dir, 'ref.yaml');
  writeFileSync(refSpec, yaml(join(dir, 'ref')));
  assert.equal(spawnSync(process.execPath, [BIN, 'run', refSpec], { encoding: 'utf8' }).status, 0);
  const plan = await sqlPhysicalPlan(loadJob(yaml(out), { source: 'job.yaml' }) as never);
  const last = plan.stages.length - 1;
  // The last stage's first task waits at a gate that never opens: every earlier stage is journaled first.
  const first = spawn(process.execPath, [BIN, 'run', spec], { detached: true, stdio: 'ignore', env: { ...process.env, KINDLING_FAULTS: `hold:s${last}:0:*:${join(dir, 'never-opened')}` } });
  const before = plan.stages.slice(0, last).reduce((s, x) => s + x.tasks, 0);
  const journaled = () => {
    const tmp = join(out, '_temporary');
    const run = existsSync(tmp) ? readdirSync(tmp)[0] : undefined;
    const d = run ? join(tmp, run, 'journal') : undefined;
    return d && existsSync(d) ? readdirSync(d).filter((f) => /^s\d+-p\d+\.json$/.test(f)).length : 0;
  };
  const deadline = Date.now() + 60_000;
  while (journaled() < before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  process.kill(-first.pid!, 'SIGKILL');
  await new Promise((r) => first.once('exit', r));
  assert.ok(journaled() >= before, `every task before the last stage was journaled (${journaled()} of ${before})`);
  const log = join(dir, 'resume.log');
  const resumed = spawnSync(process.execPath, [BIN, 'run', spec, '--resume', '--json', '--log-level', 'debug', '--log-file', log], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(resumed.status, 0, resumed.stderr);
  const assigned = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; tasks?: string[] }).filter((l) => l.msg === 'assigned').flatMap((l) => l.tasks!);
  assert.ok(assigned.every((id) => id.startsWith(`${last}/`)), `only the last stage ran again: ${assigned.join(' ')}`);
  const rows = (o: string) => {
    const m = JSON.parse(readFileSync(join(o, '_SUCCESS'), 'utf8')) as { tables: { result: { rows: number; files: { path: string }[] } } };
    return [m.tables.result.rows, m.tables.result.files.map((f) => readFileSync(join(o, f.path)).length)];
  };
  assert.deepEqual(rows(out), rows(join(dir, 'ref')), 'the same parts as a fault-free run');
  assert.ok((rows(out)[0] as number) > 5);
});
