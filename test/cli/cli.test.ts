/** The CLI as a user drives it: exit codes, one-line errors, help, plan, run, head. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REAL_OCT, tempDir } from '../helpers/jobs.js';

const BIN = fileURLToPath(new URL('../../../bin/kindling.js', import.meta.url));
let dir: string;

function kindling(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function spec(name: string, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata:
  name: ${name}
spec:
  analysis: price-sensitivity
  input: { uri: in/, format: csv, splitSize: 600KB }
  output: { uri: out/${name}/ }
  shuffle: { partitions: 2 }
${extra}`);
  return file;
}

before(() => {
  dir = tempDir();
  mkdirSync(join(dir, 'in'));
  copyFileSync(REAL_OCT, join(dir, 'in', 'events.csv'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('--help works for every command', () => {
  for (const cmd of [[], ['run'], ['plan'], ['generate'], ['demo'], ['head'], ['worker']]) {
    const r = kindling(...cmd, '--help');
    assert.equal(r.code, 0, `${cmd.join(' ')} --help: ${r.err}`);
    assert.match(r.out, /Usage: kindling/);
  }
});

test('run succeeds, prints a summary and commits a manifest', () => {
  const r = kindling('run', spec('ok'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /job ok \(price-sensitivity\) committed/);
  assert.match(r.out, /17,434 rows/);
  assert.ok(existsSync(join(dir, 'out/ok/_SUCCESS')));
  assert.deepEqual(readdirSync(join(dir, 'out/ok')).sort(), ['_SUCCESS', 'bands']);
  const head = kindling('head', 'out/ok', '-n', '3', '-s', '-events');
  assert.equal(head.code, 0, head.err);
  assert.match(head.out, /bands: 405 rows/);
});

test('a second run over a committed output is refused unless overwrite is set', () => {
  spec('twice');
  assert.equal(kindling('run', join(dir, 'twice.yaml')).code, 0);
  const again = kindling('run', join(dir, 'twice.yaml'));
  assert.equal(again.code, 1);
  assert.match(again.err, /^kindling: output out\/twice\/ already holds a committed result .*OUTPUT_EXISTS/m);
  assert.equal(kindling('run', join(dir, 'twice.yaml'), '--set', 'spec.output.overwrite=true').code, 0);
});

test('an invalid spec exits 2 with the field path, one line, no stack', () => {
  const r = kindling('run', spec('bad', '  workers: { replicas: lots }\n'));
  assert.equal(r.code, 2);
  assert.match(r.err, /spec\.workers\.replicas: must be an integer \(got "lots"\)/);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.doesNotMatch(r.err, /\s+at\s/);
});

test('a missing spec file and a missing input each give a clear one-line error', () => {
  const a = kindling('run', 'nope.yaml');
  assert.equal(a.code, 2);
  assert.match(a.err, /cannot read job spec nope\.yaml: ENOENT/);
  const b = kindling('run', spec('noinput'), '--set', 'spec.input.uri=missing/');
  assert.equal(b.code, 1);
  assert.match(b.err, /no input files at missing\/ .*INPUT_NOT_FOUND/);
});

test('a bad record fails the job naming file and offset, and leaves no output visible', () => {
  mkdirSync(join(dir, 'badin'));
  writeFileSync(join(dir, 'badin', 'e.csv'), 'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n2019-10-01 00:00:00 UTC,view,1,2,a.b,x,1.00,5,s\n2019-10-01 00:00:01 UTC,view,1,2,a.b,x,12x,5,s\n');
  const r = kindling('run', spec('badrec'), '--set', 'spec.input.uri=badin/');
  assert.equal(r.code, 1);
  assert.match(r.err, /price.*"12x".*badin\/e\.csv.*byte 140/);
  assert.equal(existsSync(join(dir, 'out/badrec/_SUCCESS')), false);
  assert.equal(existsSync(join(dir, 'out/badrec/bands')), false);
  assert.deepEqual(existsSync(join(dir, 'out/badrec')) ? readdirSync(join(dir, 'out/badrec')) : [], []);
});

test('plan prints splits, stages and tasks and runs nothing', () => {
  const r = kindling('plan', spec('planned'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /aggregate by \(category_code, band_index\)/);
  assert.match(r.out, /check\s+event_type, category_code, price, user_id; bad records: fail the job at the first/);
  const q = kindling('plan', spec('planned'), '--set', 'spec.input.onBadRecord=quarantine', '--set', 'spec.input.maxBadRecords=0.1%');
  assert.match(q.out, /bad records: quarantine to _rejects\/, at most "0\.1%"/);
  assert.match(r.out, /stage 0 \(map\):\s+4 task/);
  assert.match(r.out, /stage 1 \(reduce\): 2 task/);
  assert.match(r.out, /in\/events\.csv bytes 0-581791/);
  assert.equal(existsSync(join(dir, 'out/planned')), false);
});

test('SIGTERM during a run stops it: exit 130, nothing committed, no staging data left', async () => {
  const { spawn } = await import('node:child_process');
  const bigDir = join(dir, 'big');
  mkdirSync(bigDir);
  for (let i = 0; i < 4; i++) copyFileSync(REAL_OCT, join(bigDir, `e${i}.csv`));
  // Map 0 (every attempt) waits at a gate that never opens, so the job cannot end before the signal.
  const faults = `hold:map:0:*:${join(dir, 'never-opened')}`;
  const child = spawn(process.execPath, [BIN, 'run', spec('interrupted'), '--set', 'spec.input.uri=big/', '--set', 'spec.input.splitSize=100KB'], { cwd: dir, env: { ...process.env, KINDLING_FAULTS: faults } });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  // Interrupt once the coordinator has started its workers (the shuffle directory appears).
  const deadline = Date.now() + 20_000;
  while (!existsSync(join(dir, 'out/interrupted/_shuffle')) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, err);
  assert.match(err, /interrupted; nothing was committed \[INTERRUPTED\]/);
  assert.equal(existsSync(join(dir, 'out/interrupted/_SUCCESS')), false);
  assert.deepEqual(existsSync(join(dir, 'out/interrupted')) ? readdirSync(join(dir, 'out/interrupted')) : [], []);
});

test('an unknown command or option exits non-zero', () => {
  assert.notEqual(kindling('frobnicate').code, 0);
  assert.notEqual(kindling('run', '--frob').code, 0);
});
