#!/usr/bin/env node
// What the tests need besides npm packages, provisioned without root and cached under
// ${KINDLING_CACHE:-~/.cache/kindling} (the same cache .ci/run fills):
//
//   python   a Python virtual environment with pyarrow (the second Parquet reader of the tests)
//   tpchgen  tpchgen-cli, the TPC-H data generator (test/helpers/tpch.ts), in a sibling venv
//   minio    the pinned MinIO, built with Go (scripts/services.mjs)
//   k8s      etcd, kube-apiserver, kube-controller-manager, kube-scheduler and helm, built with Go
//            (scripts/k8s-build.mjs)
//   image    the container image test's tools (podman, runc, debootstrap): only checked, since
//            installing them needs root (`.ci/run` installs them with apt-get)
//
//   node scripts/provision.mjs [--no-build] [python|tpchgen|minio|k8s|image ...]   (default: all)
//
// Each step prints one line when it starts, a progress line every 30 s while it builds, and what
// it found; a step that cannot run here (no Go, no python3) says why and the one command that
// enables it, and the tests it serves are skipped with that reason (outside CI; in CI they fail).
// --no-build uses what is cached and builds nothing.
//
// Plain ESM JavaScript: it runs before `tsc`, from scripts/test.mjs and .ci/run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, ensureMinio, findMinio, tryLock } from './services.mjs';
import { K8S_VERSION, ensureK8sTools, findK8sTools, findKubectl, missingK8sTools } from './k8s-build.mjs';

/** The pinned pyarrow of the test venv (the cache key holds it and the Python version). */
export const PYARROW_VERSION = '26.0.1';
/** The pinned tpchgen-cli (a Rust binary in a Python wheel; the cache key and the TPC-H data's hold it). */
export const TPCHGEN_VERSION = '4.0.0';
export const STEPS = ['python', 'tpchgen', 'minio', 'k8s', 'image'];

const hasGo = () => {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
};
const NO_GO = 'install Go 1.24 or newer, then run `npm test` again (it builds and caches the binaries)';

/** `<cache>/python/pyarrow-<v>-py<x.y>/bin/python`, or undefined when python3 is missing. */
export function venvPython() {
  const r = spawnSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return join(cacheDir(), 'python', `pyarrow-${PYARROW_VERSION}-py${r.stdout.trim()}`, 'bin', 'python');
}

const importsPyarrow = (python) => spawnSync(python, ['-c', 'import pyarrow'], { encoding: 'utf8' }).status === 0;

/** tpchgen-cli is a standalone binary: its venv's key has no Python version. */
const tpchgenBin = () => join(cacheDir(), 'python', `tpchgen-cli-${TPCHGEN_VERSION}`, 'bin', 'tpchgen-cli');
const runsTpchgen = (bin) => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim() === `tpchgen-cli ${TPCHGEN_VERSION}`;

/** `<cache>/python/tpchgen-cli-<v>/bin/tpchgen-cli` when it is there and runs, else undefined. */
export function tpchgenCli() {
  const bin = tpchgenBin();
  return runsTpchgen(bin) ? bin : undefined;
}

/** Runs a command with a progress line every 30 s; resolves with its exit code and output tail. */
function runLogged(cmd, args, what, log) {
  const t0 = Date.now();
  const tick = setInterval(() => log(`provision:   still ${what} (${Math.round((Date.now() - t0) / 1000)} s)...`), 30_000);
  return new Promise((resolve) => {
    let out = '';
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b) => (out = (out + b.toString()).slice(-4000));
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    p.on('error', (e) => {
      clearInterval(tick);
      resolve({ code: -1, out: String(e) });
    });
    p.on('exit', (code) => {
      clearInterval(tick);
      resolve({ code, out });
    });
  });
}

/**
 * Creates the venv `venv` with `pip install <spec>`, once: beside its final place under a lock,
 * then renamed, so a half-made venv is never used. `ready()` says whether it is usable already.
 */
async function pipVenv({ venv, spec, ready, what, log }) {
  mkdirSync(dirname(venv), { recursive: true });
  const lock = `${venv}.lock`;
  while (!tryLock(lock)) {
    log(`provision: another process is creating ${venv}; waiting...`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  try {
    if (ready()) return { ok: true };
    const tmp = `${venv}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    log(`provision: creating a Python environment with ${spec} in ${venv} (one-time, ${what})...`);
    const t0 = Date.now();
    let r = await runLogged('python3', ['-m', 'venv', tmp], 'creating the Python environment', log);
    if (r.code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      return { ok: false, reason: `python3 -m venv failed: ${r.out.trim().split('\n').pop()}`, enable: 'install the venv module (`apt-get install python3-venv` on Debian), then run `npm test` again' };
    }
    r = await runLogged(join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', spec], `installing ${spec}`, log);
    if (r.code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      return { ok: false, reason: `pip install ${spec} failed: ${r.out.trim().split('\n').slice(-3).join(' ')}`, enable: 'check that pip can reach the package index, then run `npm test` again' };
    }
    rmSync(venv, { recursive: true, force: true });
    renameSync(tmp, venv);
    // A venv's scripts hold its path; the interpreter and tpchgen-cli (a binary) do not, so both work after the rename.
    if (!ready()) return { ok: false, reason: `the environment in ${venv} does not work (${spec})`, enable: `remove ${venv} and run \`npm test\` again` };
    log(`provision: ${spec} ready in ${Math.round((Date.now() - t0) / 1000)} s`);
    return { ok: true };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const NO_PYTHON = { ok: false, reason: 'python3 is not on PATH', enable: 'install Python 3 (for example `apt-get install python3 python3-venv`), then run `npm test` again' };

/** The Python with pyarrow for the tests: the cached venv, built when missing (unless !build). */
async function python({ build, log }) {
  const py = venvPython();
  if (!py) return NO_PYTHON;
  const venv = dirname(dirname(py));
  const done = { ok: true, env: { KINDLING_PYTHON: py }, detail: `pyarrow ${PYARROW_VERSION} in ${venv}` };
  if (importsPyarrow(py)) return done;
  if (!build) return { ok: false, reason: `pyarrow ${PYARROW_VERSION} is not in the cache (${venv})`, enable: 'run `npm test` (it creates the Python environment)' };
  const r = await pipVenv({ venv, spec: `pyarrow==${PYARROW_VERSION}`, ready: () => importsPyarrow(py), what: 'about a minute', log });
  return r.ok ? done : r;
}

/** tpchgen-cli for the TPC-H tests: the cached venv, built when missing (unless !build). */
async function tpchgen({ build, log }) {
  const bin = tpchgenBin();
  const venv = dirname(dirname(bin));
  const done = { ok: true, env: { KINDLING_TPCHGEN: bin }, detail: `tpchgen-cli ${TPCHGEN_VERSION} in ${venv}` };
  if (runsTpchgen(bin)) return done;
  if (!build) return { ok: false, reason: `tpchgen-cli ${TPCHGEN_VERSION} is not in the cache (${venv})`, enable: 'run `npm test` (it installs tpchgen-cli) or `node scripts/provision.mjs tpchgen`' };
  if (!venvPython()) return NO_PYTHON;
  const r = await pipVenv({ venv, spec: `tpchgen-cli==${TPCHGEN_VERSION}`, ready: () => runsTpchgen(bin), what: 'a few seconds', log });
  return r.ok ? done : r;
}

async function minio({ build, log }) {
  const found = findMinio();
  if (found) return { ok: true, detail: found };
  if (!build) return { ok: false, reason: 'MinIO is not built', enable: 'run `npm test` (it builds MinIO with Go, a few minutes once) or `node scripts/services.mjs build`' };
  if (!hasGo()) return { ok: false, reason: 'MinIO is not built and Go is not on PATH', enable: NO_GO };
  try {
    return { ok: true, detail: await ensureMinio({ log: (m) => log(m.replace(/^services:/, 'provision:')) }) };
  } catch (e) {
    return { ok: false, reason: `building MinIO failed: ${String(e.message ?? e).split('\n')[0]}`, enable: 'see the build output above; then `node scripts/services.mjs build`' };
  }
}

async function k8s({ build, log }) {
  const kubectl = findKubectl();
  const tools = findK8sTools();
  if (tools && kubectl) return { ok: true, detail: `Kubernetes ${K8S_VERSION} control plane, helm and ${kubectl}` };
  if (!kubectl) return { ok: false, reason: 'kubectl is not on PATH (or $KUBECTL)', enable: 'install kubectl (any recent version), then run `npm test` again' };
  if (!build) return { ok: false, reason: `the Kubernetes ${K8S_VERSION} tools are not built (${missingK8sTools().join(', ')})`, enable: 'run `npm test` (it builds them with Go, about 8 minutes once) or `node scripts/k8s.mjs build`' };
  if (!hasGo()) return { ok: false, reason: `the Kubernetes ${K8S_VERSION} tools are not built and Go is not on PATH`, enable: NO_GO };
  try {
    await ensureK8sTools({ log: (m) => log(m.replace(/^k8s:/, 'provision:')) });
    return { ok: true, detail: `Kubernetes ${K8S_VERSION} control plane and helm` };
  } catch (e) {
    return { ok: false, reason: `building the Kubernetes tools failed: ${String(e.message ?? e).split('\n')[0]}`, enable: 'see the build output above; then `node scripts/k8s.mjs build`' };
  }
}

async function image() {
  const { missingTools } = await import('./image.mjs');
  const missing = missingTools();
  if (!missing.length) return { ok: true, detail: 'podman, runc and debootstrap' };
  return { ok: false, reason: `the container image test needs ${missing.join('; ')}`, enable: 'as root: `bash .ci/run` (it installs podman, runc and debootstrap with apt-get and builds the image)' };
}

const RUN = { python, tpchgen, minio, k8s, image };

/**
 * Provisions the given steps in order. Returns the environment the tests need (KINDLING_PYTHON,
 * KINDLING_TPCHGEN) and one entry per step: {step, ok, detail} or {step, ok: false, reason, enable}.
 */
export async function provision({ steps = STEPS, build = true, log = (m) => console.error(m) } = {}) {
  const env = {};
  const results = [];
  for (const step of steps) {
    const t0 = Date.now();
    const r = await RUN[step]({ build, log });
    Object.assign(env, r.env ?? {});
    results.push({ step, ...r, env: undefined });
    const s = ((Date.now() - t0) / 1000).toFixed(1);
    log(r.ok ? `provision: ${step}: ready (${r.detail})${Number(s) > 3 ? ` in ${s} s` : ''}` : `provision: ${step}: NOT available: ${r.reason}. To enable: ${r.enable}`);
  }
  return { env, results };
}

/** Writes the results where scripts/test.mjs finds them for its closing summary. */
export function writeResults(file, results) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const build = !args.includes('--no-build');
  const steps = args.filter((a) => !a.startsWith('--'));
  const bad = steps.filter((s) => !STEPS.includes(s));
  if (bad.length) {
    console.error(`provision: unknown step ${bad.join(', ')}; the steps are ${STEPS.join(', ')}`);
    process.exit(2);
  }
  const { env, results } = await provision({ steps: steps.length ? steps : STEPS, build });
  for (const [k, v] of Object.entries(env)) console.log(`${k}=${v}`);
  if (process.env.CI && results.some((r) => !r.ok)) {
    console.error('provision: CI must provide every step (see above)');
    process.exit(1);
  }
}

