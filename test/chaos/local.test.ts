/**
 * Chaos, embedded mode: every fault of KINDLING_FAULTS injected into real worker processes
 * through `kindling run` (runLocal, which passes the variable on to its workers; the two
 * failing cases through the CLI itself). Each job must succeed with output equal to a
 * fault-free run and to DuckDB, with a `_SUCCESS` listing exactly the winning part files, or
 * (a poison split, every worker dead with no replacement allowed) fail with the named reason,
 * leaving no `_SUCCESS` and no part files.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generateEvents } from '../../src/gen/generate.js';
import { runLocal } from '../../src/cli/run.js';
import type { Manifest } from '../../src/coordinator/commit.js';
import { duck } from '../helpers/oracle.js';
import { TABLES, job, tempDir } from '../helpers/jobs.js';
import { ANALYSES, PARTITIONS, checkCommitted, counts, listFiles, logLines, outputRows, summary, tally } from './chaos.js';

const BIN = fileURLToPath(new URL('../../../bin/kindling.js', import.meta.url));
const started = Date.now();
let c: DuckDBConnection;
let dir: string;
let files: string[];
const reference = new Map<string, string[]>();

// 40,000 events in 2 files, 600 kB splits: 10 map tasks; 4 reduce tasks; 2 workers.
const SPEC = { input: { splitSize: 600_000 }, shuffle: { partitions: PARTITIONS }, workers: { replicas: 2 } };

before(async () => {
  c = await duck();
  dir = tempDir('kindling-chaos-');
  NEVER = join(dir, 'never-opened');
  files = (await generateEvents({ rows: 40_000, files: 2, seed: 23, out: join(dir, 'events'), gzip: false })).files.map((f) => f.uri);
});

// The gate of the held stragglers; created only at the end, to free anything still held.
let NEVER: string;
after(() => {
  writeFileSync(NEVER, '');
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** Runs the job with KINDLING_FAULTS set, as `kindling run` would; returns the manifest and the log. */
async function runWithFaults(analysis: string, faults: string, spec: Record<string, unknown> = {}, keepShuffle = false) {
  const out = join(dir, `out-${n++}`);
  const logFile = join(dir, `log-${n}.jsonl`);
  const previous = process.env.KINDLING_FAULTS;
  if (faults) process.env.KINDLING_FAULTS = faults;
  let manifest: Manifest;
  try {
    manifest = await runLocal(job(analysis, join(dir, 'events'), out, { ...SPEC, ...spec }), { quiet: true, logLevel: 'info', logFile, keepShuffle });
  } finally {
    if (previous === undefined) delete process.env.KINDLING_FAULTS;
    else process.env.KINDLING_FAULTS = previous;
  }
  counts.jobsRun++;
  const lines = logLines(readFileSync(logFile, 'utf8'));
  return { out, manifest, lines, run: tally(lines) };
}

test('fault-free reference runs (one per analysis) equal DuckDB', async () => {
  for (const analysis of ANALYSES) {
    const r = await runWithFaults(analysis, '');
    assert.equal(r.run.faults.length, 0, 'no fault without KINDLING_FAULTS');
    reference.set(analysis, await outputRows(c, r.out, TABLES[analysis]));
    await checkCommitted(c, { dir: r.out, analysis, files, reference: reference.get(analysis)! });
  }
});

/** A faulty run that must succeed with the reference output. */
async function survives(analysis: string, faults: string, spec: Record<string, unknown> = {}, keepShuffle = false) {
  const r = await runWithFaults(analysis, faults, spec, keepShuffle);
  const fired = new Set(r.run.faults.map((f) => f.fault));
  for (const f of faults.split(',')) assert.ok(fired.has(f), `fault ${f} fired (log: ${JSON.stringify(r.run.faults)})`);
  await checkCommitted(c, { dir: r.out, analysis, files, reference: reference.get(analysis)!, extra: keepShuffle ? (f) => f.startsWith('_shuffle/') : undefined });
  return r;
}

// A before-result kill needs attempt 0 to run to its end: no speculative copy may win first (on a
// busy machine a task can run over a second), so these two run without speculation.
test('kill:map:3:before-result: the worker dies after writing its shuffle output, before reporting; the task reruns elsewhere', async () => {
  const r = await survives('price-sensitivity', 'kill:map:3:before-result', { speculation: false });
  assert.equal(r.run.lost, 1);
});

test('kill:map:2:start: a worker dies as its map task starts', async () => {
  const r = await survives('engagement', 'kill:map:2:start');
  assert.equal(r.run.lost, 1);
});

test('kill:reduce:1:start: a worker dies as its reduce task starts', async () => {
  const r = await survives('top-category-brand', 'kill:reduce:1:start');
  assert.equal(r.run.lost, 1);
});

test('kill:reduce:2:before-result: the dead attempt\'s part file in staging is never committed', async () => {
  const r = await survives('price-sensitivity', 'kill:reduce:2:before-result', { speculation: false });
  assert.equal(r.run.lost, 1);
});

test('kill-all:map:4:start: every worker dies at once; replacements start (spec.workers.maxReplacements, default 2 x replicas) and the job succeeds', async () => {
  const r = await survives('engagement', 'kill-all:map:4:start');
  assert.equal(r.run.lost, 2, 'both workers were lost');
  assert.equal(r.run.faults[0].alsoKilling && (r.run.faults[0].alsoKilling as number[]).length, 1, 'the other worker was killed too');
  assert.ok(r.manifest.workers.length >= 3, `replacement workers did the rest (${r.manifest.workers.map((w) => w.id)})`);
});

test('fail:map:5:0: attempt 0 fails, the retry succeeds', async () => {
  const r = await survives('top-category-brand', 'fail:map:5:0');
  assert.equal(r.run.lost, 0);
  assert.ok(r.lines.some((l) => l.msg === 'task attempt failed' && /injected fault fail:map:5:0/.test(JSON.stringify(l.error))));
});

// A straggler held at a gate that never opens (the hold fault): the job can only finish if its
// speculative copy wins, and its worker can only stop once the original was cancelled (its
// thread stopped, through the heartbeat). No verdict here depends on how fast anything runs.
test('hold:map:0:0 (never released): a straggler map task gets a speculative copy on the idle worker; the copy wins; the original is cancelled and leaves no shuffle file', async () => {
  const r = await survives('price-sensitivity', `hold:map:0:0:${NEVER}`, {}, true);
  assert.ok(r.run.speculated.some((l) => l.task === '0/0/1'), JSON.stringify(r.run.speculated));
  assert.ok(r.run.superseded.some((l) => l.task === '0/0/1'), 'the copy won');
  assert.ok(r.lines.some((l) => l.msg === 'the coordinator no longer wants this attempt: cancelling it' && l.task === '0/0/0'), 'the original was cancelled');
  const shuffle = listFiles(r.out).filter((f) => /map-00000-/.test(f)).map((f) => f.split('/').pop());
  assert.deepEqual(shuffle, ['map-00000-a1.data', 'map-00000-a1.index.json'], 'only the winner\'s shuffle output exists (--keep-shuffle)');
});

test('hold:reduce:1:0 (never released): a straggler in the last stage: an idle worker is kept for its copy, which wins', async () => {
  const r = await survives('engagement', `hold:reduce:1:0:${NEVER}`);
  assert.ok(r.run.speculated.some((l) => l.task === '1/1/1'), JSON.stringify(r.run.speculated));
  assert.ok(r.run.superseded.some((l) => l.task === '1/1/1'));
  assert.ok(r.lines.some((l) => l.msg === 'the coordinator no longer wants this attempt: cancelling it' && l.task === '1/1/0'), 'the original was cancelled');
});

test('lose-shuffle:map:2: map 2\'s output is deleted after it was reported; the reduce reports a fetch failure naming it, map 2 reruns, then the reduce', async () => {
  const r = await survives('top-category-brand', 'lose-shuffle:map:2');
  assert.equal(r.run.reruns, 1, 'map 2 ran again, once');
  const failures = r.lines.filter((l) => l.msg === 'task attempt failed');
  assert.ok(failures.length >= 1 && failures.every((l) => (l.error as { code: string; lost: { map: number }[] }).code === 'SHUFFLE_FETCH' && (l.error as { lost: { map: number }[] }).lost[0].map === 2), JSON.stringify(failures));
});

test('everything at once: kills at both stages, a straggler, a lost map output and a failed attempt', async () => {
  // (Each fires at a point every attempt 0 reaches: a lost map output can fail any reduce
  // attempt running at that moment before its end.)
  const r = await survives('price-sensitivity', 'kill:map:1:start,slow:map:6:0:3000,lose-shuffle:map:3,kill:reduce:3:start,fail:reduce:2:0');
  assert.equal(r.run.lost, 2);
  assert.equal(r.run.reruns, 1);
});

/** `kindling run` in a child process with KINDLING_FAULTS in its environment. */
function cli(analysis: string, faults: string, sets: string[]) {
  const out = join(dir, `out-${n++}`);
  const spec = join(dir, `job-${n}.yaml`);
  writeFileSync(spec, `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: chaos }
spec:
  analysis: ${analysis}
  input: { uri: "${join(dir, 'events')}", format: csv, splitSize: 600000 }
  output: { uri: "${out}" }
  shuffle: { partitions: ${PARTITIONS} }
`);
  const logFile = join(dir, `log-${n}.jsonl`);
  const r = spawnSync(process.execPath, [BIN, 'run', spec, '--log-file', logFile, ...sets.flatMap((s) => ['--set', s])], { encoding: 'utf8', env: { ...process.env, KINDLING_FAULTS: faults }, timeout: 60_000 });
  counts.jobsRun++;
  const run = tally(logLines(existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''));
  return { out, status: r.status, stderr: r.stderr, run };
}

function assertNothingCommitted(out: string) {
  assert.equal(existsSync(join(out, '_SUCCESS')), false, 'no _SUCCESS');
  assert.deepEqual(listFiles(out), [], 'no part files, no staging or shuffle data left');
}

test('fail:map:5:* (a poison split): every attempt fails; the job fails naming the task, the split and the cause, and commits nothing', () => {
  const r = cli('engagement', 'fail:map:5:*', ['spec.maxTaskAttempts=3']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^kindling: task \S+-s0-p5-a2 failed after 3 attempt\(s\) on split \S+events-00001\.csv bytes 0-\d+: injected fault fail:map:5:\* \(KINDLING_FAULTS\) \[TASK_FAILED\]$/m);
  assert.equal(r.run.faults.length, 3, 'it fired on each attempt');
  assertNothingCommitted(r.out);
});

test('kill-all:map:4:*:start with spec.workers.maxReplacements=0: every worker is dead and none may start; the job fails with the reason instead of waiting (the CLI is given 60 s)', () => {
  const r = cli('price-sensitivity', 'kill-all:map:4:*:start', ['spec.workers.maxReplacements=0']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /every worker has exited \(last: \S+, killed by SIGKILL\) and no replacement could start \(spec\.workers\.maxReplacements: at most 0 per job\).*\[WORKER_LOST\]/);
  assertNothingCommitted(r.out);
});

test('a bad KINDLING_FAULTS value is refused before anything runs', () => {
  const r = cli('price-sensitivity', 'kill:map:three', []);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /KINDLING_FAULTS: bad fault "kill:map:three": the partition must be a number.*\[USAGE\]/);
  counts.jobsRun--; // nothing ran
});

test('summary', (t) => {
  t.diagnostic(summary(Date.now() - started));
});
