#!/usr/bin/env node
// Development services: a real MinIO (S3) for `npm run services:up`, the tests and CI, and with
// it a Kubernetes control plane and a test node (scripts/services-k8s.mjs).
//
//   node scripts/services.mjs build   build (or find) the pinned MinIO binary, print its path
//   node scripts/services.mjs up [--require-k8s]
//                                     start MinIO, the control plane and a test node in the
//                                     background (each unless running), write .kindling/services.env;
//                                     without the Kubernetes tools only MinIO (--require-k8s: fail)
//   node scripts/services.mjs env     print .kindling/services.env (for `eval "$(...)"`)
//   node scripts/services.mjs down    stop them (test node, control plane, MinIO), remove services.env
//
// Plain ESM JavaScript on purpose: it runs before `tsc`, and test/helpers/minio.ts imports the
// binary-locating and process helpers from here, so the version and the path have one source.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The Go module MinIO is built from. */
export const MINIO_MODULE = 'github.com/minio/minio';
/**
 * The pinned MinIO version. The Go module proxy serves MinIO only by pseudo-version (queries for
 * its RELEASE.* tags are refused: they are not semver), so the pin is the commit's pseudo-version.
 */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
/** MinIO's default region, and the one services.env and the test fixture announce. */
export const MINIO_REGION = 'us-east-1';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where services keep their pids, logs, data and services.env. */
export const STATE_DIR = join(REPO_ROOT, '.kindling');
const PID_FILE = join(STATE_DIR, 'minio.pid');
const ENV_FILE = join(STATE_DIR, 'services.env');
const LOG_FILE = join(STATE_DIR, 'minio.log');
const DATA_DIR = join(STATE_DIR, 'minio-data');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** `${KINDLING_CACHE:-~/.cache/kindling}` */
export function cacheDir() {
  return process.env.KINDLING_CACHE || join(homedir(), '.cache', 'kindling');
}

/** Where the pinned binary lives: `<cache>/bin/minio-<version>/minio`. */
export function minioBinPath() {
  return join(cacheDir(), 'bin', `minio-${MINIO_VERSION}`, process.platform === 'win32' ? 'minio.exe' : 'minio');
}

/**
 * The MinIO binary to run, or undefined when it has not been built yet. KINDLING_MINIO overrides
 * the cache with a binary of your own (then the version is yours to choose).
 */
export function findMinio() {
  const override = process.env.KINDLING_MINIO;
  if (override) {
    if (!isFile(override)) throw new Error(`KINDLING_MINIO=${override} is not a file`);
    return override;
  }
  const p = minioBinPath();
  return isFile(p) ? p : undefined;
}

function isFile(p) {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Returns the MinIO binary, building the pinned version with `go install` first if it is not in
 * the cache (one-time; a few minutes on 2 cores). Concurrent callers wait for one build.
 */
export async function ensureMinio({ log = (m) => console.error(m) } = {}) {
  const found = findMinio();
  if (found) return found;
  const target = minioBinPath();
  const binDir = dirname(target);
  mkdirSync(dirname(binDir), { recursive: true });
  const lock = `${binDir}.lock`;
  while (!tryLock(lock)) {
    log(`services: another build of MinIO ${MINIO_VERSION} is running (lock ${lock}); waiting...`);
    await waitForUnlock(lock);
    if (isFile(target)) return target;
  }
  try {
    if (isFile(target)) return target;
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (go.error || go.status !== 0) {
      throw new Error(
        `MinIO ${MINIO_VERSION} is not in the cache (${target}) and \`go\` was not found on PATH to build it.\n` +
          `Install Go >= 1.24 (https://go.dev/dl/) and run \`node scripts/services.mjs build\` again, ` +
          `or point KINDLING_MINIO at an existing minio binary.`,
      );
    }
    // Build into a private GOBIN, then rename: a reader never sees a half-written binary.
    const tmpBin = `${binDir}.tmp-${process.pid}`;
    rmSync(tmpBin, { recursive: true, force: true });
    log(`services: building MinIO ${MINIO_VERSION} with ${go.stdout.trim()} (one-time, takes a few minutes)...`);
    log(`services:   GOBIN=${binDir} go install ${MINIO_MODULE}@${MINIO_VERSION}`);
    const t0 = Date.now();
    const tick = setInterval(() => log(`services:   still building MinIO (${Math.round((Date.now() - t0) / 1000)} s)...`), 30_000);
    try {
      const code = await new Promise((res, rej) => {
        const p = spawn('go', ['install', `${MINIO_MODULE}@${MINIO_VERSION}`], {
          env: { ...process.env, GOBIN: tmpBin },
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        p.on('error', rej);
        p.on('exit', (c, sig) => res(sig ?? c));
      });
      if (code !== 0) throw new Error(`go install ${MINIO_MODULE}@${MINIO_VERSION} failed (${code}); see its output above`);
    } finally {
      clearInterval(tick);
    }
    const built = join(tmpBin, 'minio');
    if (!isFile(built)) throw new Error(`go install finished but ${built} is missing`);
    mkdirSync(binDir, { recursive: true });
    chmodSync(built, 0o755);
    renameSync(built, target);
    rmSync(tmpBin, { recursive: true, force: true });
    log(`services: built ${target} in ${Math.round((Date.now() - t0) / 1000)} s`);
    return target;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A build lock (a directory); a stale one whose owner died is cleared. */
export function tryLock(lock) {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    const owner = Number(readText(join(lock, 'pid')));
    if (owner && !isAlive(owner)) rmSync(lock, { recursive: true, force: true }); // stale: its builder died
    return false;
  }
}

async function waitForUnlock(lock) {
  while (existsSync(lock)) await sleep(2000);
}

function readText(p) {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** Random root credentials (MinIO wants a user of >= 3 and a password of >= 8 characters). */
export function randomCredentials() {
  return { accessKeyId: `kindling-${randomBytes(4).toString('hex')}`, secretAccessKey: randomBytes(20).toString('hex') };
}

/**
 * Spawns `minio server` on 127.0.0.1:port (console on consolePort) over dataDir, its output
 * appended to logFile. Returns the ChildProcess; the caller waits with waitReady.
 */
export function spawnMinio({ binary, dataDir, port, consolePort, accessKeyId, secretAccessKey, logFile, detached = false }) {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(binary, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`], {
      detached,
      stdio: ['ignore', fd, fd],
      env: {
        ...process.env,
        MINIO_ROOT_USER: accessKeyId,
        MINIO_ROOT_PASSWORD: secretAccessKey,
        MINIO_UPDATE: 'off',
        MINIO_BROWSER_REDIRECT: 'off',
      },
    });
    child.on('error', (e) => (child.spawnError = e)); // e.g. EACCES; waitReady reports it
    return child;
  } finally {
    closeSync(fd); // the child has its own copy
  }
}

/**
 * Polls GET <endpoint>/minio/health/ready until it answers 200. Fails early when `child` exits,
 * and after timeoutMs; both errors quote the end of logFile.
 */
export async function waitReady(endpoint, { child, logFile, timeoutMs = READY_TIMEOUT_MS } = {}) {
  const t0 = Date.now();
  let exited;
  const onExit = (code, sig) => (exited = sig ?? `exit code ${code}`);
  child?.once('exit', onExit);
  try {
    for (;;) {
      if (child?.spawnError) throw new MinioStartError(`cannot run MinIO: ${child.spawnError.message}`, false);
      if (exited !== undefined) throw new MinioStartError(`MinIO exited during startup (${exited})${logTail(logFile)}`, true);
      try {
        const r = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) return Date.now() - t0;
      } catch {
        // not listening yet
      }
      if (Date.now() - t0 > timeoutMs) {
        throw new MinioStartError(`MinIO at ${endpoint} was not ready (GET /minio/health/ready -> 200) within ${timeoutMs / 1000} s${logTail(logFile)}`, false);
      }
      await sleep(100);
    }
  } finally {
    child?.off('exit', onExit);
  }
}

/** `exited` tells whether MinIO died (for instance a port taken meanwhile: worth a retry). */
export class MinioStartError extends Error {
  constructor(message, exited) {
    super(message);
    this.name = 'MinioStartError';
    this.exited = exited;
  }
}

export function logTail(logFile, lines = 20) {
  if (!logFile) return '';
  const text = readText(logFile).trimEnd();
  return text ? `\n--- last lines of ${logFile} ---\n${text.split('\n').slice(-lines).join('\n')}` : ` (${logFile} is empty)`;
}

/** True while pid runs (a zombie nobody reaped counts as gone: PID 1 in containers may not reap). */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  const stat = readText(`/proc/${pid}/stat`);
  return !/^\d+ \(.*\) Z/s.test(stat);
}

/** SIGTERM, then SIGKILL after graceMs; resolves once pid is gone. */
export async function stopPid(pid, graceMs = STOP_GRACE_MS) {
  if (!isAlive(pid)) return 'gone';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'SIGTERM';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited just now
  }
  while (isAlive(pid)) await sleep(50);
  return 'SIGKILL';
}

// ---------------------------------------------------------------- the CLI (up / down / env)

/** The pid in .kindling/minio.pid if that process is alive and (on Linux) really a minio. */
function runningPid() {
  const pid = Number(readText(PID_FILE).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const cmd = readText(`/proc/${pid}/cmdline`);
  if (cmd && !cmd.includes('minio')) return undefined; // the pid was reused by something else
  return pid;
}

function readEnvFile() {
  const vars = {};
  for (const m of readText(ENV_FILE).matchAll(/^export (\w+)='?([^'\n]*)'?$/gm)) vars[m[1]] = m[2];
  return vars;
}

const isHealthy = (endpoint) => fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);

const MINIO_VARS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'KINDLING_MINIO_CONSOLE_URL'];

function describe(v) {
  const rows = { endpoint: v.AWS_ENDPOINT_URL, console: v.KINDLING_MINIO_CONSOLE_URL, 'access key': v.AWS_ACCESS_KEY_ID, 'secret key': v.AWS_SECRET_ACCESS_KEY, region: v.AWS_REGION, data: DATA_DIR, log: LOG_FILE };
  return [`MinIO ${MINIO_VERSION}`, ...Object.entries(rows).map(([k, x]) => `  ${k.padEnd(18)}${x}`)].join('\n');
}

/** Starts MinIO unless it runs and is healthy; returns its services.env variables and a description. */
async function upMinio() {
  const pid = runningPid();
  if (pid) {
    const vars = readEnvFile();
    if (vars.AWS_ENDPOINT_URL && (await isHealthy(vars.AWS_ENDPOINT_URL))) {
      const minio = Object.fromEntries(MINIO_VARS.map((k) => [k, vars[k]]));
      return { vars: minio, message: `MinIO is already running (pid ${pid}) and healthy.\n${describe(minio)}` };
    }
    console.error(`services: MinIO (pid ${pid}) is running but not healthy; restarting it`);
    await stopPid(pid);
  }
  rmSync(PID_FILE, { force: true });
  rmSync(ENV_FILE, { force: true });
  const binary = await ensureMinio();
  mkdirSync(STATE_DIR, { recursive: true });
  const creds = randomCredentials();
  for (let attempt = 1; ; attempt++) {
    rmSync(DATA_DIR, { recursive: true, force: true });
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(LOG_FILE, '');
    const port = await freePort();
    let consolePort = await freePort();
    while (consolePort === port) consolePort = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawnMinio({ binary, dataDir: DATA_DIR, port, consolePort, ...creds, logFile: LOG_FILE, detached: true });
    writeFileSync(PID_FILE, `${child.pid}\n`);
    try {
      const ms = await waitReady(endpoint, { child, logFile: LOG_FILE });
      child.unref();
      const vars = {
        AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_REGION: MINIO_REGION,
        KINDLING_MINIO_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
      };
      return { vars, message: `MinIO started (pid ${child.pid}) in ${(ms / 1000).toFixed(1)} s.\n${describe(vars)}` };
    } catch (e) {
      if (child.exitCode === null && child.signalCode === null) await stopPid(child.pid);
      rmSync(PID_FILE, { force: true });
      if (!(e instanceof MinioStartError && e.exited && attempt < 3)) throw e;
      console.error(`services: MinIO exited during startup; retrying with other ports (${attempt}/3)`);
    }
  }
}

async function up(args) {
  const k8s = await import('./services-k8s.mjs');
  const missing = k8s.k8sUnavailable();
  if (missing && args.includes('--require-k8s')) throw new Error(`--require-k8s: ${missing}`);
  const minio = await upMinio();
  k8s.writeEnvFile(ENV_FILE, minio.vars);
  console.log(minio.message);
  const kube = missing ? undefined : await k8s.k8sUp();
  if (kube) k8s.writeEnvFile(ENV_FILE, minio.vars, kube);
  console.log(k8s.usage(ENV_FILE, kube, missing));
}

async function down() {
  await (await import('./services-k8s.mjs')).k8sDown();
  const pid = runningPid();
  if (pid) {
    const how = await stopPid(pid);
    console.log(`MinIO (pid ${pid}) stopped${how === 'SIGKILL' ? ' (SIGKILL after 10 s)' : ''}.`);
  } else {
    console.log('MinIO is not running.');
  }
  rmSync(PID_FILE, { force: true });
  rmSync(ENV_FILE, { force: true });
}

function env() {
  if (!runningPid() || !existsSync(ENV_FILE)) {
    console.error('MinIO is not running; start it with `npm run services:up`.');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(readText(ENV_FILE));
}

async function main(cmd, args) {
  switch (cmd) {
    case 'build':
      console.log(await ensureMinio());
      return;
    case 'up':
      return up(args);
    case 'down':
      return down();
    case 'env':
      return env();
    default:
      console.error('usage: node scripts/services.mjs build|up [--require-k8s]|down|env');
      process.exitCode = 2;
  }
}

const invokedDirectly = process.argv[1] && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  main(process.argv[2], process.argv.slice(3)).catch((e) => {
    console.error(`services: ${e.message}`);
    process.exit(1);
  });
}
