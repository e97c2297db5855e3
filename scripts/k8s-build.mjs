// Locating and building the pinned Kubernetes tools (kube-apiserver, kube-controller-manager,
// kube-scheduler, etcd, helm) from the Go module proxy into the kindling cache. Used by
// scripts/k8s.mjs (which re-exports all of this) and, through it, by the tests and CI.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir, tryLock } from './services.mjs';

/**
 * The pinned Kubernetes version. Its staging repos (k8s.io/api, k8s.io/client-go, ...) are pinned
 * to the matching v0.<minor>.<patch>. Note: the Go module proxy this was set up against does not
 * serve every staging repo at every patch; v1.33.13 is one where all of them are available.
 */
export const K8S_VERSION = 'v1.33.13';
/** etcd, the version Kubernetes 1.33 is tested with (Debian's etcd-server is 3.4, too old to rely on). */
export const ETCD_VERSION = 'v3.5.21';
export const ETCD_MODULE = 'go.etcd.io/etcd/server/v3';
/** helm 3. */
export const HELM_VERSION = 'v3.21.4';
export const HELM_PACKAGE = 'helm.sh/helm/v3/cmd/helm';

const K8S_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

// ---------------------------------------------------------------- locating and building the tools

/** Where each pinned binary lives in the cache. */
export function k8sToolPaths() {
  const bin = join(cacheDir(), 'bin');
  const k8s = join(bin, `k8s-${K8S_VERSION}`);
  return {
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    etcd: join(bin, `etcd-${ETCD_VERSION}`, 'etcd'),
    helm: join(bin, `helm-${HELM_VERSION}`, 'helm'),
  };
}

/** The tool paths if all of them are built, else undefined (see missingK8sTools()). */
export function findK8sTools() {
  return missingK8sTools().length === 0 ? k8sToolPaths() : undefined;
}

/** The cached binaries that are not built yet (paths). */
export function missingK8sTools() {
  return Object.values(k8sToolPaths()).filter((p) => !isFile(p));
}

/** kubectl on PATH (or $KUBECTL), or undefined. */
export function findKubectl() {
  const k = process.env.KUBECTL || 'kubectl';
  const r = spawnSync(k, ['version', '--client'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? undefined : k;
}

export function isFile(p) {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export function readText(p) {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds whatever of the pinned tools is missing from the cache (idempotent; a no-op when all are
 * there). First build (measured on 2 cores): ~6 min for Kubernetes, ~1 min for etcd, ~2 min for helm.
 * Concurrent callers wait for one build (a lock directory next to the cache). Returns k8sToolPaths().
 */
export async function ensureK8sTools({ log = (m) => console.error(m) } = {}) {
  if (findK8sTools()) return k8sToolPaths();
  const lock = join(cacheDir(), 'bin', 'k8s-tools.lock');
  mkdirSync(dirname(lock), { recursive: true });
  while (!tryLock(lock)) {
    log(`k8s: another build of the Kubernetes tools is running (lock ${lock}); waiting...`);
    while (existsSync(lock)) await sleep(2000);
  }
  try {
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    const paths = k8sToolPaths();
    if (findK8sTools()) return paths;
    if (go.error || go.status !== 0) {
      throw new Error(
        `missing ${missingK8sTools().join(', ')} and \`go\` was not found on PATH to build them.\n` +
          'Install Go >= 1.24 (https://go.dev/dl/) and run `node scripts/k8s.mjs build`.',
      );
    }
    log(`k8s: building with ${go.stdout.trim()} (one-time; cached in ${join(cacheDir(), 'bin')})`);
    if (!isFile(paths.etcd)) await buildEtcd(paths.etcd, log);
    if (!isFile(paths.helm)) await buildHelm(paths.helm, log);
    if (K8S_COMMANDS.some((c) => !isFile(join(dirname(paths.kubeApiserver), c)))) await buildKubernetes(dirname(paths.kubeApiserver), log);
    const missing = missingK8sTools();
    if (missing.length) throw new Error(`build finished but ${missing.join(', ')} missing`);
    return paths;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}


/** Runs a command with inherited stderr/stdout (progress ticks every 30 s); throws on failure. */
async function run(cmd, args, { cwd, env, log, what }) {
  log(`k8s:   ${cwd ? `(cd ${cwd}) ` : ''}${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const tick = setInterval(() => log(`k8s:   still ${what} (${Math.round((Date.now() - t0) / 1000)} s)...`), 30_000);
  try {
    const code = await new Promise((res, rej) => {
      const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
      p.on('error', rej);
      p.on('exit', (c, sig) => res(sig ?? c));
    });
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${code}); see its output above`);
  } finally {
    clearInterval(tick);
  }
  return Date.now() - t0;
}

const GO_ENV = { CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };

/** `go build` of a main package into `target`, via a temporary file renamed into place. */
async function goBuild(moduleDir, pkg, target, log, ldflags = '-s -w') {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  const ms = await run('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', tmp, pkg], { cwd: moduleDir, env: GO_ENV, log, what: `building ${pkg}` });
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  log(`k8s: built ${target} in ${Math.round(ms / 1000)} s`);
}

/** A scratch module in <cache>/src/<name>/ (go.mod replaced each time). */
function scratchModule(name, goMod, files = {}) {
  const dir = join(cacheDir(), 'src', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), goMod);
  rmSync(join(dir, 'go.sum'), { force: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

/**
 * etcd's server module has replace directives (so `go install ...@version` refuses it): build it
 * from a scratch module that requires it instead.
 */
async function buildEtcd(target, log) {
  const dir = scratchModule(`etcd-${ETCD_VERSION}`, 'module kindling.local/etcdbuild\n\ngo 1.23\n');
  await run('go', ['get', `${ETCD_MODULE}@${ETCD_VERSION}`], { cwd: dir, env: GO_ENV, log, what: 'resolving etcd' });
  await goBuild(dir, ETCD_MODULE, target, log);
}

async function buildHelm(target, log) {
  const tmpBin = `${dirname(target)}.tmp-${process.pid}`;
  rmSync(tmpBin, { recursive: true, force: true });
  // go install leaves helm's version at its "v3.<minor>" default; stamp the full tag like helm's Makefile does.
  const ldflags = `-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`;
  const ms = await run('go', ['install', '-trimpath', '-ldflags', ldflags, `${HELM_PACKAGE}@${HELM_VERSION}`], {
    env: { ...GO_ENV, GOFLAGS: '', GOBIN: tmpBin },
    log,
    what: 'building helm',
  });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(join(tmpBin, 'helm'), target);
  rmSync(tmpBin, { recursive: true, force: true });
  log(`k8s: built ${target} in ${Math.round(ms / 1000)} s`);
}

/**
 * k8s.io/kubernetes is not meant to be required as a module: its go.mod pins every staging repo
 * (k8s.io/api, ...) to v0.0.0 and replaces it with ./staging/src/...; a dependent module must
 * replace each with the published v0.<minor>.<patch> instead. Read that list from the module's own
 * go.mod, write the scratch module, then build the three commands.
 */
async function buildKubernetes(binDir, log) {
  const mod = `k8s.io/kubernetes@${K8S_VERSION}`;
  log(`k8s: building Kubernetes ${K8S_VERSION} (kube-apiserver, kube-controller-manager, kube-scheduler; ~6 min on 2 cores the first time)`);
  const dl = spawnSync('go', ['mod', 'download', '-json', mod], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  let info;
  try {
    info = JSON.parse(dl.stdout);
  } catch {
    throw new Error(`go mod download ${mod} failed: ${dl.stderr || dl.error?.message}`);
  }
  if (info.Error || !info.GoMod) throw new Error(`go mod download ${mod} failed: ${info.Error ?? 'no GoMod'}`);
  const k8sMod = readFileSync(info.GoMod, 'utf8');
  const staging = [...k8sMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s*=>\s*\.\/staging\//gm)].map((m) => m[1]);
  if (staging.length < 10) throw new Error(`found only ${staging.length} staging replaces in ${info.GoMod}`);
  const goLine = /^go\s+(\S+)/m.exec(k8sMod)?.[1] ?? '1.24.0';
  const stagingVersion = K8S_VERSION.replace(/^v1\./, 'v0.');
  const goMod =
    `// Generated by kindling scripts/k8s.mjs: builds ${K8S_COMMANDS.join(', ')} from ${mod}.\n` +
    `module kindling.local/k8sbuild\n\ngo ${goLine}\n\nrequire k8s.io/kubernetes ${K8S_VERSION}\n\nreplace (\n` +
    staging.map((s) => `\t${s} => ${s} ${stagingVersion}\n`).join('') +
    ')\n';
  const toolsGo = `//go:build tools\n\npackage tools\n\nimport (\n${K8S_COMMANDS.map((c) => `\t_ "k8s.io/kubernetes/cmd/${c}"\n`).join('')})\n`;
  const dir = scratchModule(`k8s-${K8S_VERSION}`, goMod, { 'tools.go': toolsGo });
  await run('go', ['mod', 'tidy'], { cwd: dir, env: { GOFLAGS: '' }, log, what: 'resolving Kubernetes dependencies' });
  // Stamp the version like Kubernetes' hack/lib/version.sh does: without it the API server reports
  // v0.0.0-master at /version (kubectl, helm's .Capabilities.KubeVersion and kubeVersion checks see that).
  const [major, minor] = K8S_VERSION.slice(1).split('.');
  const released = info.Time ?? JSON.parse(readText(info.Info) || '{}').Time; // the tag's date: reproducible
  const buildDate = new Date(released ?? 0).toISOString().replace(/\.\d+Z$/, 'Z');
  const x = Object.entries({ gitVersion: K8S_VERSION, gitMajor: major, gitMinor: minor, gitTreeState: 'clean', buildDate }).flatMap(([k, v]) =>
    ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].map((pkg) => `-X ${pkg}.${k}=${v}`),
  );
  const ldflags = ['-s', '-w', ...x].join(' ');
  for (const c of K8S_COMMANDS) {
    const target = join(binDir, c);
    if (!isFile(target)) await goBuild(dir, `k8s.io/kubernetes/cmd/${c}`, target, log, ldflags);
  }
}

