#!/usr/bin/env node
// A real Kubernetes control plane for the tests and for development: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler (no kubelet, no nodes), plus helm.
//
//   node scripts/k8s.mjs build   build (or find) the pinned binaries, print their paths
//   node scripts/k8s.mjs up      start a control plane in .kindling/k8s/, write .kindling/kubeconfig
//   node scripts/k8s.mjs down    stop it, remove .kindling/k8s/ and .kindling/kubeconfig
//
// Everything is built from source with Go at pinned versions and cached in
// ${KINDLING_CACHE:-~/.cache/kindling}/bin/ (the same cache scripts/services.mjs uses):
//   k8s-<K8S_VERSION>/{kube-apiserver,kube-controller-manager,kube-scheduler}
//   etcd-<ETCD_VERSION>/etcd
//   helm-<HELM_VERSION>/helm
// Plain ESM JavaScript on purpose: it runs before `tsc`, and test code imports it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, isAlive, logTail, stopPid } from './services.mjs';
import { ETCD_VERSION, K8S_VERSION, ensureK8sTools, findK8sTools, isFile, k8sToolPaths, missingK8sTools, readText, sleep } from './k8s-build.mjs';

export { logTail };
export * from './k8s-build.mjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATE_DIR = join(REPO_ROOT, '.kindling');
const UP_DIR = join(STATE_DIR, 'k8s');
const UP_STATE = join(STATE_DIR, 'k8s.json');
const UP_KUBECONFIG = join(STATE_DIR, 'kubeconfig');
const READY_TIMEOUT_MS = 90_000;
/** The Service IP range; its first address (the `kubernetes` Service) is in the serving cert. */
const SERVICE_CIDR = '10.96.0.0/24';
const SERVICE_IP = '10.96.0.1';

// ---------------------------------------------------------------- certificates, tokens, kubeconfigs

function openssl(args, cwd) {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run openssl (needed for the API server's certificates): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.stderr}`);
}

/** CA, API server serving cert (127.0.0.1, localhost, the kubernetes Service), service-account key pair. */
function makePki(pki) {
  mkdirSync(pki, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=kindling-ca'], pki);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-subj', '/CN=kube-apiserver'], pki);
  writeFileSync(
    join(pki, 'apiserver.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      `subjectAltName=IP:127.0.0.1,IP:${SERVICE_IP},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n`,
  );
  openssl(
    ['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'apiserver.crt', '-days', '3650', '-extfile', 'apiserver.ext'],
    pki,
  );
  openssl(['genrsa', '-out', 'sa.key', '2048'], pki);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pki);
}

function kubeconfigYaml({ server, caFile, user, token }) {
  const ca = readFileSync(caFile).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: kindling
  cluster:
    server: ${server}
    certificate-authority-data: ${ca}
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: kindling
  context:
    cluster: kindling
    user: ${user}
current-context: kindling
`;
}

// ---------------------------------------------------------------- starting and stopping

/** A control plane component failed to start; `exited` = it died (e.g. a port taken: worth a retry). */
export class K8sStartError extends Error {
  constructor(message, exited) {
    super(message);
    this.name = 'K8sStartError';
    this.exited = exited;
  }
}

const attached = new Set();
let exitHook = false;
function trackChild(child) {
  attached.add(child);
  child.once('exit', () => attached.delete(child));
  if (!exitHook) {
    exitHook = true;
    // Never leave a control plane behind when the caller forgets stop() or dies half-way.
    process.once('exit', () => {
      for (const c of attached) c.kill('SIGKILL');
    });
  }
}

function spawnLogged(binary, args, logFile, detached) {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { detached, stdio: ['ignore', fd, fd] });
    child.on('error', (e) => (child.spawnError = e));
    child.logFile = logFile;
    if (!detached) trackChild(child);
    return child;
  } finally {
    closeSync(fd);
  }
}

/** GET url; resolves { status, body } or undefined when it cannot connect. */
function httpsGet(url, { ca, token, insecure = false } = {}) {
  return new Promise((res) => {
    const req = request(
      url,
      { ca, rejectUnauthorized: !insecure, headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 3000 },
      (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (d) => (body += d));
        r.on('end', () => res({ status: r.statusCode, body }));
        r.on('error', () => res(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => res(undefined));
    req.end();
  });
}

async function httpGet(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return { status: r.status, body: await r.text() };
  } catch {
    return undefined;
  }
}

/** Polls probe() until it returns true; fails when `child` exits or after timeoutMs. */
async function waitFor(name, child, probe, deadline) {
  for (;;) {
    if (child.spawnError) throw new K8sStartError(`cannot run ${name}: ${child.spawnError.message}`, false);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new K8sStartError(`${name} exited during startup (${child.signalCode ?? `exit code ${child.exitCode}`})${logTail(child.logFile)}`, true);
    }
    if (await probe()) return;
    if (Date.now() > deadline) throw new K8sStartError(`${name} was not ready within ${READY_TIMEOUT_MS / 1000} s${logTail(child.logFile)}`, false);
    await sleep(200);
  }
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler on free loopback ports,
 * with all state (etcd data, certificates, tokens, kubeconfigs, logs) under `dir`, and waits until
 * the API server's /readyz and both controllers' /healthz answer ok.
 *
 * Authentication: static bearer tokens (admin in system:masters; the controller manager and the
 * scheduler as their bootstrap RBAC users). Authorization: RBAC.
 *
 * Returns { kubeconfig, server, token, ca, dir, pids, logs, startMs, stop() }. stop() stops the
 * components in reverse order (SIGTERM, SIGKILL after 10 s) and keeps `dir`. With detached: true
 * (the CLI `up`) the processes outlive this one; otherwise they are SIGKILLed if this process exits.
 * Throws if the tools are not built (see ensureK8sTools()).
 */
export async function startControlPlane({ dir, detached = false, timeoutMs = READY_TIMEOUT_MS, log = () => {} } = {}) {
  if (!dir) throw new Error('startControlPlane: dir is required');
  const tools = findK8sTools();
  if (!tools) throw new Error(`Kubernetes tools are not built (missing ${missingK8sTools().join(', ')}); run \`node scripts/k8s.mjs build\``);
  const t0 = Date.now();
  dir = resolve(dir);
  mkdirSync(dir, { recursive: true });
  const pki = join(dir, 'pki');
  if (!isFile(join(pki, 'sa.pub'))) makePki(pki);
  const tokens = { admin: randomBytes(16).toString('hex'), cm: randomBytes(16).toString('hex'), sched: randomBytes(16).toString('hex') };
  writeFileSync(
    join(dir, 'tokens.csv'),
    `${tokens.admin},kindling-admin,kindling-admin,"system:masters"\n` +
      `${tokens.cm},system:kube-controller-manager,system:kube-controller-manager\n` +
      `${tokens.sched},system:kube-scheduler,system:kube-scheduler\n`,
    { mode: 0o600 },
  );
  const ca = readFileSync(join(pki, 'ca.crt'));

  for (let attempt = 1; ; attempt++) {
    const ports = new Set();
    const port = async () => {
      let p;
      do p = await freePort();
      while (ports.has(p));
      ports.add(p);
      return p;
    };
    const [etcdPort, peerPort, apiPort, cmPort, schedPort] = [await port(), await port(), await port(), await port(), await port()];
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml({ server, caFile: join(pki, 'ca.crt'), user: 'kindling-admin', token: tokens.admin }), { mode: 0o600 });
    const cmKubeconfig = join(dir, 'controller-manager.kubeconfig');
    writeFileSync(cmKubeconfig, kubeconfigYaml({ server, caFile: join(pki, 'ca.crt'), user: 'system:kube-controller-manager', token: tokens.cm }), { mode: 0o600 });
    const schedKubeconfig = join(dir, 'scheduler.kubeconfig');
    writeFileSync(schedKubeconfig, kubeconfigYaml({ server, caFile: join(pki, 'ca.crt'), user: 'system:kube-scheduler', token: tokens.sched }), { mode: 0o600 });
    const logs = { etcd: join(dir, 'etcd.log'), apiserver: join(dir, 'kube-apiserver.log'), controllerManager: join(dir, 'kube-controller-manager.log'), scheduler: join(dir, 'kube-scheduler.log') };
    for (const f of Object.values(logs)) writeFileSync(f, '');
    const children = [];
    const stop = async () => {
      for (const c of [...children].reverse()) {
        if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) continue;
        const exited = new Promise((r) => c.once('exit', () => r()));
        await stopPid(c.pid);
        if (!detached) await exited;
      }
    };
    const deadline = Date.now() + timeoutMs;
    try {
      const etcdUrl = `http://127.0.0.1:${etcdPort}`;
      const peerUrl = `http://127.0.0.1:${peerPort}`;
      const etcd = spawnLogged(
        tools.etcd,
        [
          '--name=kindling',
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=kindling=${peerUrl}`,
          '--unsafe-no-fsync', // a throwaway test cluster: speed over durability
          '--log-level=warn',
        ],
        logs.etcd,
        detached,
      );
      children.push(etcd);
      log(`k8s: etcd (pid ${etcd.pid}) on ${etcdUrl}`);
      await waitFor('etcd', etcd, async () => (await httpGet(`${etcdUrl}/health`))?.status === 200, deadline);

      const apiserver = spawnLogged(
        tools.kubeApiserver,
        [
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--etcd-servers=${etcdUrl}`,
          `--cert-dir=${join(dir, 'apiserver-certs')}`,
          `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
          `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
          `--client-ca-file=${join(pki, 'ca.crt')}`,
          `--token-auth-file=${join(dir, 'tokens.csv')}`,
          '--authorization-mode=RBAC',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${join(pki, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
          // kubeadm's order: reach a kubelet (logs, exec) at its InternalIP first. The default puts
          // Hostname first, and a test node's name does not resolve.
          '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
          '--allow-privileged=true',
          '--profiling=false',
          '--v=1',
        ],
        logs.apiserver,
        detached,
      );
      children.push(apiserver);
      log(`k8s: kube-apiserver (pid ${apiserver.pid}) on ${server}`);
      await waitFor('kube-apiserver', apiserver, async () => {
        const r = await httpsGet(`${server}/readyz`, { ca, token: tokens.admin });
        return r?.status === 200 && r.body.trim() === 'ok';
      }, deadline);

      const common = (kc, p) => [
        `--kubeconfig=${kc}`,
        `--authentication-kubeconfig=${kc}`,
        `--authorization-kubeconfig=${kc}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${p}`,
        '--leader-elect=false',
        '--profiling=false',
        '--v=1',
      ];
      const cm = spawnLogged(
        tools.kubeControllerManager,
        [
          ...common(cmKubeconfig, cmPort),
          `--cert-dir=${join(dir, 'controller-manager-certs')}`,
          '--use-service-account-credentials=true',
          `--service-account-private-key-file=${join(pki, 'sa.key')}`,
          `--root-ca-file=${join(pki, 'ca.crt')}`,
          `--cluster-signing-cert-file=${join(pki, 'ca.crt')}`,
          `--cluster-signing-key-file=${join(pki, 'ca.key')}`,
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
          '--controllers=*',
        ],
        logs.controllerManager,
        detached,
      );
      children.push(cm);
      log(`k8s: kube-controller-manager (pid ${cm.pid}) on https://127.0.0.1:${cmPort}`);
      const sched = spawnLogged(tools.kubeScheduler, [...common(schedKubeconfig, schedPort), `--cert-dir=${join(dir, 'scheduler-certs')}`], logs.scheduler, detached);
      children.push(sched);
      log(`k8s: kube-scheduler (pid ${sched.pid}) on https://127.0.0.1:${schedPort}`);
      const healthy = (p) => async () => {
        const r = await httpsGet(`https://127.0.0.1:${p}/healthz`, { insecure: true });
        return r?.status === 200 && r.body.trim() === 'ok';
      };
      await Promise.all([waitFor('kube-controller-manager', cm, healthy(cmPort), deadline), waitFor('kube-scheduler', sched, healthy(schedPort), deadline)]);
      if (detached) for (const c of children) c.unref();
      const startMs = Date.now() - t0;
      log(`k8s: control plane ready in ${(startMs / 1000).toFixed(1)} s`);
      return {
        kubeconfig,
        server,
        token: tokens.admin,
        ca: join(pki, 'ca.crt'),
        dir,
        pids: { etcd: etcd.pid, apiserver: apiserver.pid, controllerManager: cm.pid, scheduler: sched.pid },
        logs,
        startMs,
        stop,
      };
    } catch (e) {
      await stop();
      if (!(e instanceof K8sStartError && e.exited && attempt < 3)) throw e;
      log(`k8s: ${e.message.split('\n')[0]}; retrying with other ports (${attempt}/3)`);
      rmSync(join(dir, 'etcd'), { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------- the CLI (build / up / down)

function readState() {
  try {
    return JSON.parse(readFileSync(UP_STATE, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The recorded pids that are still alive and still run our binaries (pids get reused). */
function livePids(state) {
  return Object.entries(state?.pids ?? {}).filter(([name, pid]) => {
    if (!isAlive(pid)) return false;
    const cmd = readText(`/proc/${pid}/cmdline`);
    return !cmd || cmd.includes(name === 'etcd' ? 'etcd' : 'kube-');
  });
}

async function up() {
  const state = readState();
  if (state && livePids(state).length === 4) {
    const r = await httpsGet(`${state.server}/readyz`, { ca: readFileSync(state.ca), token: state.token });
    if (r?.status === 200) {
      console.log(`Kubernetes ${K8S_VERSION} control plane is already running at ${state.server}.`);
      console.log(`export KUBECONFIG=${UP_KUBECONFIG}`);
      return;
    }
    console.error('k8s: the control plane is running but not ready; restarting it');
  }
  await down({ quiet: true });
  await ensureK8sTools();
  mkdirSync(UP_DIR, { recursive: true });
  const cp = await startControlPlane({ dir: UP_DIR, detached: true, log: (m) => console.error(m) });
  writeFileSync(UP_STATE, JSON.stringify({ version: K8S_VERSION, server: cp.server, ca: cp.ca, token: cp.token, pids: cp.pids, logs: cp.logs }, null, 2) + '\n');
  writeFileSync(UP_KUBECONFIG, readFileSync(cp.kubeconfig), { mode: 0o600 });
  console.error(
    `Kubernetes ${K8S_VERSION} control plane started in ${(cp.startMs / 1000).toFixed(1)} s (etcd ${ETCD_VERSION}; no nodes).\n` +
      `  server      ${cp.server}\n  kubeconfig  ${UP_KUBECONFIG}\n  logs        ${UP_DIR}/*.log\n  stop        node scripts/k8s.mjs down`,
  );
  console.log(`export KUBECONFIG=${UP_KUBECONFIG}`);
}

async function down({ quiet = false } = {}) {
  const state = readState();
  const live = livePids(state);
  // Reverse start order: scheduler, controller manager, API server, etcd.
  for (const name of ['scheduler', 'controllerManager', 'apiserver', 'etcd']) {
    const pid = live.find(([n]) => n === name)?.[1];
    if (pid) await stopPid(pid);
  }
  if (!quiet) console.log(live.length ? `Kubernetes control plane stopped (${live.length} processes).` : 'Kubernetes control plane is not running.');
  rmSync(UP_STATE, { force: true });
  rmSync(UP_KUBECONFIG, { force: true });
  rmSync(UP_DIR, { recursive: true, force: true });
}

async function main(cmd) {
  switch (cmd) {
    case 'build': {
      const paths = await ensureK8sTools();
      for (const p of Object.values(paths)) console.log(p);
      return;
    }
    case 'up':
      return up();
    case 'down':
      return down();
    default:
      console.error('usage: node scripts/k8s.mjs build|up|down');
      process.exitCode = 2;
  }
}

const invokedDirectly = process.argv[1] && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  main(process.argv[2]).catch((e) => {
    console.error(`k8s: ${e.message}`);
    process.exit(1);
  });
}
