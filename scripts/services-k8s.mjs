// The Kubernetes half of `npm run services:up` / `services:down` (scripts/services.mjs):
//   - a control plane: `node scripts/k8s.mjs up|down` (state in .kindling/k8s/, .kindling/k8s.json,
//     admin kubeconfig .kindling/kubeconfig);
//   - a test node: `node dist/test/helpers/test-node-main.js` in the background (pid in
//     .kindling/test-node.pid, log .kindling/test-node.log), built with tsc first when dist/ is
//     missing it or older than its sources. It runs the pods the scheduler binds to it as local
//     processes (test/helpers/test-node.ts).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { K8S_VERSION, findK8sTools, findKubectl, missingK8sTools } from './k8s-build.mjs';
import { REPO_ROOT, STATE_DIR, isAlive, logTail, stopPid } from './services.mjs';

const KUBECONFIG = join(STATE_DIR, 'kubeconfig');
const K8S_STATE = join(STATE_DIR, 'k8s.json');
const NODE_PID = join(STATE_DIR, 'test-node.pid');
const NODE_LOG = join(STATE_DIR, 'test-node.log');
const NODE_NAME = 'kindling-test-node';
const NODE_MAIN = join(REPO_ROOT, 'dist', 'test', 'helpers', 'test-node-main.js');
const NODE_READY_MS = 30_000;

const text = (p) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/** Why the Kubernetes services cannot start (tools not built), or undefined when they can. */
export function k8sUnavailable() {
  if (findK8sTools()) return undefined;
  return `the Kubernetes ${K8S_VERSION} tools are not built (missing ${missingK8sTools().join(', ')}); build them once with \`node scripts/k8s.mjs build\` (about 8 minutes)`;
}

/** The test node's sources and their compiled files: stale when a source is newer. */
function testNodeBuildStale() {
  const src = join(REPO_ROOT, 'test', 'helpers');
  const files = ['test-node-main.ts', 'test-node.ts', ...readdirSync(join(src, 'test-node')).filter((f) => f.endsWith('.ts')).map((f) => join('test-node', f))];
  return files.some((f) => mtime(join(src, f)) > mtime(join(REPO_ROOT, 'dist', 'test', 'helpers', f.replace(/\.ts$/, '.js'))));
}

function buildTestNode(log) {
  if (!testNodeBuildStale()) return;
  log(`services: compiling the test node (tsc -p .; ${existsSync(NODE_MAIN) ? 'dist/ is older than its sources' : 'dist/ has no test node yet'})...`);
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = existsSync(tsc)
    ? spawnSync(process.execPath, [tsc, '-p', '.'], { cwd: REPO_ROOT, encoding: 'utf8' })
    : spawnSync('npx', ['tsc', '-p', '.'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status === 0) return;
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim().split('\n').slice(0, 20).join('\n');
  if (!existsSync(NODE_MAIN)) throw new Error(`tsc failed and there is no compiled test node (run \`npm ci\` or \`npm run build\`):\n${out}`);
  log(`services: tsc failed; starting the test node from the existing dist/ build:\n${out}`);
}

/** The pid in .kindling/test-node.pid if it is alive and really the test node. */
function testNodePid() {
  const pid = Number(text(NODE_PID).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const cmd = text(`/proc/${pid}/cmdline`);
  return !cmd || cmd.includes('test-node-main') ? pid : undefined;
}

async function startTestNodeProcess() {
  writeFileSync(NODE_LOG, '');
  const fd = openSync(NODE_LOG, 'a');
  let child;
  try {
    child = spawn(process.execPath, [NODE_MAIN, '--kubeconfig', KUBECONFIG, '--name', NODE_NAME], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  writeFileSync(NODE_PID, `${child.pid}\n`);
  const t0 = Date.now();
  let exit;
  child.once('exit', (c, s) => (exit = s ?? `exit code ${c}`));
  while (!/test-node: node \S+ registered/.test(text(NODE_LOG))) {
    if (exit !== undefined) throw new Error(`the test node exited during startup (${exit})${logTail(NODE_LOG)}`);
    if (Date.now() - t0 > NODE_READY_MS) {
      await stopPid(child.pid);
      throw new Error(`the test node did not register within ${NODE_READY_MS / 1000} s${logTail(NODE_LOG)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.unref();
  return { pid: child.pid, ms: Date.now() - t0 };
}

/**
 * Starts (or finds running) the control plane and the test node. Returns the variables for
 * services.env ({ KUBECONFIG }, the PATH directories to prepend) and lines describing them.
 */
export async function k8sUp({ log = (m) => console.error(m) } = {}) {
  const tools = findK8sTools();
  if (!tools) throw new Error(k8sUnavailable());
  mkdirSync(STATE_DIR, { recursive: true });
  // The control plane: scripts/k8s.mjs says whether it was already running.
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'k8s.mjs'), 'up'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`node scripts/k8s.mjs up failed (${r.error?.message ?? `exit code ${r.status}`}):\n${r.stderr ?? ''}`);
  const cpWasRunning = /already running/.test(r.stdout);
  const server = JSON.parse(text(K8S_STATE) || '{}').server ?? '?';
  // The test node: kept when it runs against this same control plane, else (re)started.
  let pid = testNodePid();
  let how;
  if (pid && cpWasRunning) how = `already running (pid ${pid})`;
  else {
    if (pid) await stopPid(pid);
    buildTestNode(log);
    const started = await startTestNodeProcess();
    pid = started.pid;
    how = `started (pid ${pid}) in ${(started.ms / 1000).toFixed(1)} s`;
  }
  const helmDir = dirname(tools.helm);
  const kubectl = findKubectl();
  return {
    vars: { KUBECONFIG },
    path: [helmDir],
    lines: [
      `Kubernetes ${K8S_VERSION} control plane ${cpWasRunning ? 'already running' : 'started'}`,
      `  API server        ${server}`,
      `  kubeconfig        ${KUBECONFIG}`,
      `  logs              ${join(STATE_DIR, 'k8s')}/*.log`,
      `Test node ${NODE_NAME} ${how}`,
      `  log               ${NODE_LOG}`,
      `  runs              pods bound to it as local processes (\`kindling\` = this checkout's bin/kindling.js)`,
      `  helm              ${tools.helm} (on PATH after loading the environment)`,
      ...(kubectl ? [] : ['  kubectl           not found on PATH: install it to talk to the cluster']),
    ],
  };
}

/** Stops the test node (it kills its pods and unregisters), then the control plane. */
export async function k8sDown() {
  const pid = testNodePid();
  if (pid) {
    const how = await stopPid(pid);
    console.log(`Test node (pid ${pid}) stopped${how === 'SIGKILL' ? ' (SIGKILL after 10 s)' : ''}.`);
  } else console.log('Test node is not running.');
  rmSync(NODE_PID, { force: true });
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'k8s.mjs'), 'down'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node scripts/k8s.mjs down failed (${r.error?.message ?? `exit code ${r.status}`})`);
}

/** services.env: the MinIO variables, then KUBECONFIG and PATH (helm first) when Kubernetes runs. */
export function writeEnvFile(file, vars, kube) {
  const q = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    file,
    '# Written by `npm run services:up` (scripts/services.mjs); removed by `npm run services:down`.\n' +
      '# Load it with: set -a; . .kindling/services.env; set +a\n' +
      Object.entries({ ...vars, ...kube?.vars })
        .map(([k, v]) => `export ${k}=${q(v)}\n`)
        .join('') +
      (kube?.path.length ? `export PATH=${q(kube.path.join(':'))}":$PATH"\n` : ''),
  );
}

/** What `up` prints last: the Kubernetes part (or why it did not start) and how to use it all. */
export function usage(envFile, kube, missing) {
  return [
    ...(kube ? kube.lines : [`Kubernetes: not started: ${missing}; then run \`npm run services:up\` again.`]),
    `Environment         ${envFile}`,
    `  load it           set -a; . .kindling/services.env; set +a     (or: eval "$(node scripts/services.mjs env)")`,
    `  then              aws s3 ls --endpoint-url "$AWS_ENDPOINT_URL"${kube ? '; kubectl get nodes; helm list -A' : ''}`,
    'Stop                npm run services:down',
  ].join('\n');
}
