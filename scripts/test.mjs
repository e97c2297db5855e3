#!/usr/bin/env node
// The README's test command (`npm test` runs it after tsc and the cycle check):
//
//   node scripts/test.mjs [--no-build] [test files or directories...]   (default: dist/test/)
//
// 1. Provisions what the tests need without root (scripts/provision.mjs): the Python
//    environment with pyarrow, and with Go the MinIO and Kubernetes binaries, each cached under
//    ${KINDLING_CACHE:-~/.cache/kindling}; --no-build (`npm run test:quick`) builds nothing.
// 2. Runs node's test runner over dist/test/ one file at a time, with its usual output.
// 3. Closes with one summary: each skipped test grouped by why it was skipped, what this
//    machine lacks and the one command that enables it, then `tests: N passed, N failed, N skipped`.
//    In CI (CI=true) nothing may skip: a skipped test fails the run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { provision } from './provision.mjs';
import { REPO_ROOT } from './services.mjs';

const args = process.argv.slice(2);
const build = !args.includes('--no-build') && process.env.KINDLING_TEST_BUILD !== '0';
const targets = args.filter((a) => !a.startsWith('--'));
const log = (m) => console.error(m);

const t0 = Date.now();
const { env, results } = await provision({ build, log });
const tmp = mkdtempSync(join(tmpdir(), 'kindling-test-run-'));
const events = join(tmp, 'events.jsonl');
const mainReporter = process.stdout.isTTY ? 'spec' : 'tap';
const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    `--test-reporter=${mainReporter}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(REPO_ROOT, 'scripts', 'test-summary-reporter.mjs')}`,
    `--test-reporter-destination=${events}`,
    ...(targets.length ? targets : [join('dist', 'test', '')]),
  ],
  { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, ...env } },
);
// Ctrl-C reaches the runner too (same process group); wait for it to finish its cleanup.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(sig ? 1 : (c ?? 1))));

let rows = [];
try {
  rows = readFileSync(events, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch {
  // no events: the runner did not start (reported below)
}
rmSync(tmp, { recursive: true, force: true });

const count = (s) => rows.filter((r) => r.status === s).length;
const [passed, failed, skipped] = [count('pass'), count('fail'), count('skip')];
const rel = (f) => (f ? relative(REPO_ROOT, f.startsWith('file:') ? new URL(f).pathname : f) : '?');

const out = [];
out.push('', `== kindling test summary (${((Date.now() - t0) / 1000).toFixed(0)} s) ==`);
const missing = results.filter((r) => !r.ok);
if (missing.length) {
  out.push('Not available on this machine:');
  for (const r of missing) out.push(`  - ${r.step}: ${r.reason}`, `      to enable: ${r.enable}`);
}
if (skipped) {
  const byReason = new Map();
  for (const r of rows.filter((x) => x.status === 'skip')) {
    const k = r.reason ?? '(no reason given)';
    if (!byReason.has(k)) byReason.set(k, []);
    byReason.get(k).push(r);
  }
  out.push(`Skipped ${skipped} test${skipped === 1 ? '' : 's'}:`);
  for (const [reason, list] of byReason) {
    const files = [...new Set(list.map((r) => rel(r.file)))];
    out.push(`  - ${list.length} x ${reason}`, `      in ${files.join(', ')}`);
  }
} else if (rows.length) out.push('Nothing was skipped.');
const failures = rows.filter((r) => r.status === 'fail');
if (failures.length) {
  out.push('Failed:');
  for (const r of failures) out.push(`  - ${rel(r.file)}: ${r.name}`);
}
let exit = code;
if (!rows.length) {
  out.push('No test ran: did `tsc` build dist/test/?');
  exit = 1;
}
if (process.env.CI && skipped) {
  out.push(`CI=true: ${skipped} skipped test${skipped === 1 ? '' : 's'} fail the run (CI must provide everything the tests need; see .ci/run).`);
  exit = 1;
}
out.push(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
console.log(out.join('\n'));
process.exit(exit);
