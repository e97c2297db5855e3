#!/usr/bin/env node
// The suite under load: runs the whole test suite N times in a row (default 3) while other
// processes keep every core busy, and fails unless every run passes. Timing-dependent tests show
// up here: on a loaded machine workers start late, tasks run slowly and deadlines get close.
//
//   npm run test:stress [-- --runs 3 --load 2 --quick]
//
// --runs   how many runs (default 3)
// --load   how many busy-loop processes (default: one per core)
// --quick  pass --no-build to scripts/test.mjs (use what is cached, build nothing)
// Each run is bounded (KINDLING_STRESS_RUN_TIMEOUT_MIN, default 60 minutes); the load processes
// are killed when the script ends, however it ends. Builds once (tsc) before the first run.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './services.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const runs = opt('runs', 3);
const load = opt('load', availableParallelism());
const quick = args.includes('--quick');
const timeoutMin = Number(process.env.KINDLING_STRESS_RUN_TIMEOUT_MIN ?? 60);

const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// The load: plain busy loops at normal priority, one per core, for as long as the runs take.
const hogs = [];
for (let i = 0; i < load; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const killHogs = () => hogs.forEach((h) => h.kill('SIGKILL'));
process.on('exit', killHogs);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
console.error(`stress: ${load} busy process${load === 1 ? '' : 'es'} running; ${runs} run${runs === 1 ? '' : 's'} of the suite`);

const results = [];
for (let r = 1; r <= runs; r++) {
  const t0 = Date.now();
  console.error(`stress: run ${r}/${runs} starting`);
  const code = await new Promise((resolve) => {
    const p = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'test.mjs'), ...(quick ? ['--no-build'] : [])], { cwd: REPO_ROOT, stdio: 'inherit' });
    const timer = setTimeout(() => {
      console.error(`stress: run ${r} exceeded ${timeoutMin} minutes; stopping it`);
      p.kill('SIGTERM');
    }, timeoutMin * 60_000);
    p.on('exit', (c, sig) => {
      clearTimeout(timer);
      resolve(sig ? 1 : (c ?? 1));
    });
  });
  results.push({ run: r, ok: code === 0, s: Math.round((Date.now() - t0) / 1000) });
  console.error(`stress: run ${r}/${runs} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${results.at(-1).s} s`);
}
killHogs();
const ok = results.filter((x) => x.ok).length;
console.log(`stress: ${results.map((x) => `run ${x.run} ${x.ok ? 'passed' : 'FAILED'} (${x.s} s)`).join(', ')}`);
console.log(`stress: ${ok} passed, ${runs - ok} failed`);
process.exit(ok === runs ? 0 : 1);
