#!/usr/bin/env node
// The kindling container image (Dockerfile) built with podman, without pulling any image.
//
//   node scripts/image.mjs base      make (or find) the base image localhost/kindling-base:<key>
//   node scripts/image.mjs build     base + `podman build` -> localhost/kindling:dev (layers cached)
//   node scripts/image.mjs verify    kindling --version and a tiny job inside the built image,
//                                    as its non-root user, on a read-only root filesystem
//
// Where base images cannot be pulled (no registry but npm/PyPI/Debian/Go here), the Dockerfile's
// BASE_IMAGE (node:20-bookworm-slim by default) is replaced by a local equivalent: Debian
// `debootstrap --variant=minbase` from the mirror apt already uses, plus this machine's Node.js
// and npm, imported with `podman import`. The debootstrap tarball is cached in
// ${KINDLING_CACHE:-~/.cache/kindling}/image/ (about 30 s to make); the base image is keyed by the
// Debian suite, the architecture and the Node/npm versions (and the CA bundle, see below).
//
// Environment: KINDLING_IMAGE (the tag, default localhost/kindling:dev), KINDLING_DEBIAN_SUITE
// (default bookworm), KINDLING_DEBIAN_MIRROR (default: from /etc/apt/sources*, else
// http://deb.debian.org/debian), KINDLING_CACHE.
//
// Plain ESM JavaScript (like services.mjs) so it runs before `tsc`; test/image/image.test.ts
// imports it.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheDir, isAlive, logTail, tryLock } from './services.mjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The image `build` tags and `verify` checks. */
export const IMAGE = process.env.KINDLING_IMAGE || 'localhost/kindling:dev';
/** The Debian suite of the local base: the one node:20-bookworm-slim (the Dockerfile's default) uses. */
export const DEBIAN_SUITE = process.env.KINDLING_DEBIAN_SUITE || 'bookworm';
/** The runtime user of the image (the Dockerfile's USER). */
export const RUNTIME_USER = '10001:10001';
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';
/** Where the local base puts a CA bundle taken from this machine (see hostCaBundle()). */
const CA_IN_IMAGE = '/etc/ssl/certs/ca-certificates.crt';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `<cache>/image/`: the debootstrap tarball, logs and locks. */
export function imageCacheDir() {
  return join(cacheDir(), 'image');
}

// ---------------------------------------------------------------- tools

/** The Debian package that provides each tool this script runs. */
const TOOL_PACKAGES = { podman: 'podman', debootstrap: 'debootstrap', tar: 'tar', chroot: 'coreutils' };

/** An executable on PATH (or in the sbin directories, where debootstrap lives), or undefined. */
export function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      if (statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * What is missing to build the image from the current caches: tools (podman always; debootstrap
 * only while neither the base image nor the debootstrap tarball exists) and root for debootstrap.
 * Each entry is a sentence saying what to install. Empty when a build can run.
 */
export function missingTools() {
  const missing = [];
  const podman = which('podman');
  if (!podman) missing.push('podman (apt-get install -y --no-install-recommends podman crun runc fuse-overlayfs uidmap slirp4netns)');
  let needBase = true;
  try {
    needBase = !podman || !imageExists(baseImageRef());
  } catch (e) {
    missing.push(e.message);
  }
  if (needBase && !existsSync(debootstrapTarball())) {
    if (!which('debootstrap')) missing.push('debootstrap (apt-get install -y --no-install-recommends debootstrap)');
    if (process.getuid?.() !== 0) missing.push('root (debootstrap and chroot need it; run as root or with sudo)');
  }
  if (!which('tar')) missing.push('tar (apt-get install -y tar)');
  return missing;
}

function requireTools(names) {
  const missing = names.filter((n) => !which(n));
  if (missing.length) {
    throw new Error(
      `${missing.join(', ')} not found on PATH. Install ${missing.length > 1 ? 'them' : 'it'} (Debian/Ubuntu: ` +
        `\`apt-get install -y --no-install-recommends ${[...new Set(missing.map((m) => TOOL_PACKAGES[m] ?? m))].join(' ')}` +
        `${missing.includes('podman') ? ' crun runc fuse-overlayfs uidmap slirp4netns' : ''}\`) and run this again.`,
    );
  }
}

/** Runs a command; output to `output` ('inherit', 'pipe' or a log file path). Throws on failure. */
async function run(cmd, args, { output = 'inherit', log = () => {}, what = cmd, env, input } = {}) {
  const fd = output !== 'inherit' && output !== 'pipe' ? openSync(output, 'a') : undefined;
  const t0 = Date.now();
  const tick = setInterval(() => log(`image:   still ${what} (${Math.round((Date.now() - t0) / 1000)} s)...`), 30_000);
  let stdout = '';
  let stderr = '';
  try {
    const code = await new Promise((res, rej) => {
      const stdio = fd !== undefined ? ['pipe', fd, fd] : output === 'pipe' ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'inherit', 'inherit'];
      const p = spawn(cmd, args, { stdio, env: env ? { ...process.env, ...env } : process.env });
      p.stdout?.on('data', (d) => (stdout += d));
      p.stderr?.on('data', (d) => (stderr += d));
      p.on('error', rej);
      p.on('exit', (c, sig) => res(sig ?? c));
      p.stdin.end(input ?? '');
    });
    if (code !== 0) {
      const detail = fd !== undefined ? logTail(output, 30) : stderr ? `\n${stderr.trimEnd().split('\n').slice(-30).join('\n')}` : ' (see its output above)';
      throw new Error(`${cmd} ${args.join(' ')} failed (${code})${detail}`);
    }
  } finally {
    clearInterval(tick);
    if (fd !== undefined) closeSync(fd);
  }
  return { ms: Date.now() - t0, stdout, stderr };
}

function podmanSync(args) {
  return spawnSync('podman', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

export function imageExists(ref) {
  if (!which('podman')) return false;
  return podmanSync(['image', 'exists', ref]).status === 0;
}

async function withLock(name, log, fn) {
  const dir = imageCacheDir();
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, `${name}.lock`);
  while (!tryLock(lock)) {
    log(`image: waiting for another ${name} (lock ${lock})...`);
    while (existsSync(lock)) {
      const owner = Number(readText(join(lock, 'pid')));
      if (owner && !isAlive(owner)) break; // stale: tryLock clears it
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readText(p) {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- the base image

/** Debian's name for this machine's architecture. */
export function debianArch() {
  return { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x', ia32: 'i386' }[process.arch] ?? process.arch;
}

/**
 * The Debian mirror apt uses here (the first non-security source that lists the suite, in
 * /etc/apt/sources.list and sources.list.d, one-line or deb822 format), else deb.debian.org.
 */
export function debianMirror(suite = DEBIAN_SUITE) {
  if (process.env.KINDLING_DEBIAN_MIRROR) return process.env.KINDLING_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) files.push(join('/etc/apt/sources.list.d', f));
  } catch {
    // no sources.list.d
  }
  for (const f of files) {
    const text = readText(f);
    if (f.endsWith('.sources')) {
      for (const block of text.split(/\n\s*\n/)) {
        const field = (k) => new RegExp(`^${k}:\\s*(.+)$`, 'mi').exec(block)?.[1].trim().split(/\s+/) ?? [];
        if (/^Enabled:\s*no/im.test(block) || !field('Types').includes('deb') || !field('Suites').includes(suite)) continue;
        const uri = field('URIs').find((u) => /^https?:\/\//.test(u) && !/security/.test(u));
        if (uri) return uri.replace(/\/+$/, '');
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m && m[2] === suite && /^https?:\/\//.test(m[1]) && !/security/.test(m[1])) return m[1].replace(/\/+$/, '');
      }
    }
  }
  return DEFAULT_MIRROR;
}

/** The cached `debootstrap --variant=minbase` root filesystem (a tar). */
export function debootstrapTarball(suite = DEBIAN_SUITE, arch = debianArch()) {
  return join(imageCacheDir(), `debootstrap-${suite}-${arch}-minbase.tar`);
}

/** This machine's Node.js and npm, which the local base carries. */
export function hostNode() {
  const node = realpathSync(process.execPath);
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`Node.js ${process.versions.node} is too old for the base image; kindling needs Node.js >= 20`);
  const npmBin = which('npm');
  if (!npmBin) throw new Error('npm not found on PATH (the base image needs npm for `npm ci` in the build stage)');
  let npmDir = dirname(realpathSync(npmBin));
  while (readJson(join(npmDir, 'package.json'))?.name !== 'npm') {
    if (dirname(npmDir) === npmDir) throw new Error(`cannot find the npm package directory of ${npmBin}`);
    npmDir = dirname(npmDir);
  }
  return { node, version: process.versions.node, npmDir, npmVersion: readJson(join(npmDir, 'package.json')).version };
}

function readJson(p) {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The CA bundle this machine's Node.js and npm are told to trust (NODE_EXTRA_CA_CERTS, else npm's
 * `cafile`), or undefined. Where TLS goes through an intercepting proxy, `npm ci` in the build
 * needs it too, so the local base carries it and sets NODE_EXTRA_CA_CERTS (the Dockerfile does not
 * know about it; a public base image does not need it).
 */
export function hostCaBundle() {
  const candidates = [process.env.NODE_EXTRA_CA_CERTS];
  const npm = spawnSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' });
  if (npm.status === 0) candidates.push(npm.stdout.trim());
  for (const c of candidates) {
    if (c && c !== 'null' && c !== 'undefined') {
      try {
        if (statSync(c).isFile()) return c;
      } catch {
        // not a file
      }
    }
  }
  return undefined;
}

/** The npm registry this machine uses (`npm config get registry`), passed to the build. */
export function npmRegistry() {
  const r = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' });
  const reg = r.status === 0 ? r.stdout.trim() : '';
  return /^https?:\/\//.test(reg) ? reg : DEFAULT_REGISTRY;
}

/** `localhost/kindling-base:<suite>-<arch>-node<v>-npm<v>[-ca<hash>]`. */
export function baseImageRef() {
  const n = hostNode();
  const ca = hostCaBundle();
  const caKey = ca ? `-ca${createHash('sha256').update(readFileSync(ca)).digest('hex').slice(0, 8)}` : '';
  return `localhost/kindling-base:${DEBIAN_SUITE}-${debianArch()}-node${n.version}-npm${n.npmVersion}${caKey}`;
}

/** Makes the debootstrap tarball unless it is cached. Returns its path. */
export async function ensureDebootstrap({ log = (m) => console.error(m), output } = {}) {
  const tarball = debootstrapTarball();
  if (existsSync(tarball)) return tarball;
  return withLock('debootstrap', log, async () => {
    if (existsSync(tarball)) return tarball;
    requireTools(['debootstrap', 'tar']);
    if (process.getuid?.() !== 0) throw new Error('debootstrap needs root: run `node scripts/image.mjs base` as root (or with sudo)');
    const mirror = debianMirror();
    const root = mkdtempSync(join(imageCacheDir(), 'debootstrap-'));
    const logFile = output ?? join(imageCacheDir(), 'debootstrap.log');
    if (!output) writeFileSync(logFile, '');
    try {
      log(`image: debootstrap --variant=minbase --arch=${debianArch()} ${DEBIAN_SUITE} from ${mirror} (one-time, about 30 s; log ${logFile})`);
      const { ms } = await run(which('debootstrap'), ['--variant=minbase', `--arch=${debianArch()}`, DEBIAN_SUITE, root, mirror], {
        output: logFile,
        log,
        what: 'running debootstrap',
      });
      // Trim what a container does not need (like the slim images): downloaded packages, apt lists, docs.
      for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info']) {
        for (const e of safeReaddir(join(root, d))) if (e !== 'partial' && e !== 'lock') rmSync(join(root, d, e), { recursive: true, force: true });
      }
      for (const f of ['var/log/dpkg.log', 'var/log/alternatives.log', 'var/log/apt/history.log', 'var/log/apt/term.log', 'var/log/bootstrap.log']) rmSync(join(root, f), { force: true });
      const tmp = `${tarball}.tmp-${process.pid}`;
      await run('tar', ['--numeric-owner', '--xattrs', '-C', root, '-cf', tmp, '.'], { output: 'pipe' });
      renameSync(tmp, tarball);
      writeFileSync(`${tarball}.json`, JSON.stringify({ suite: DEBIAN_SUITE, arch: debianArch(), mirror, createdAt: new Date().toISOString(), debootstrapMs: ms }, null, 2) + '\n');
      log(`image: debootstrap done in ${(ms / 1000).toFixed(1)} s -> ${tarball} (${mib(statSync(tarball).size)})`);
      return tarball;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

function safeReaddir(d) {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

/**
 * The base image (Debian minbase + this machine's node and npm in /usr/local, like the official
 * node images), imported into podman unless it exists. Returns its reference.
 */
export async function ensureBase({ log = (m) => console.error(m), output } = {}) {
  requireTools(['podman', 'tar', 'chroot']);
  const ref = baseImageRef();
  if (imageExists(ref)) return ref;
  const tarball = await ensureDebootstrap({ log, output });
  return withLock('base', log, async () => {
    if (imageExists(ref)) return ref;
    if (process.getuid?.() !== 0) throw new Error('making the base needs root (extracting the Debian root filesystem, chroot): run as root or with sudo');
    const t0 = Date.now();
    const n = hostNode();
    const ca = hostCaBundle();
    const work = mkdtempSync(join(imageCacheDir(), 'base-'));
    const root = join(work, 'rootfs');
    try {
      mkdirSync(root);
      await run('tar', ['--numeric-owner', '--xattrs', '-C', root, '-xf', tarball], { output: 'pipe' });
      const local = join(root, 'usr/local');
      mkdirSync(join(local, 'bin'), { recursive: true });
      mkdirSync(join(local, 'lib/node_modules'), { recursive: true });
      copyFileSync(n.node, join(local, 'bin/node'));
      chmodSync(join(local, 'bin/node'), 0o755);
      cpSync(n.npmDir, join(local, 'lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
      symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'));
      symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'));
      if (ca) {
        mkdirSync(join(root, dirname(CA_IN_IMAGE)), { recursive: true });
        copyFileSync(ca, join(root, CA_IN_IMAGE));
        chmodSync(join(root, CA_IN_IMAGE), 0o644);
      }
      // The copied node must run on the Debian userland (glibc, libstdc++ of the suite).
      const check = spawnSync(which('chroot') ?? 'chroot', [root, '/usr/local/bin/node', '-e', 'console.log(process.version)'], { encoding: 'utf8', env: { PATH: '/usr/local/bin:/usr/bin:/bin' } });
      if (check.status !== 0 || check.stdout.trim() !== `v${n.version}`) {
        throw new Error(`${n.node} does not run on Debian ${DEBIAN_SUITE} minbase: ${check.stderr || check.error?.message || check.stdout}`);
      }
      const tar = join(work, 'base.tar');
      await run('tar', ['--numeric-owner', '--xattrs', '-C', root, '-cf', tar, '.'], { output: 'pipe' });
      const changes = [
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        `ENV NODE_VERSION=${n.version}`,
        ...(ca ? [`ENV NODE_EXTRA_CA_CERTS=${CA_IN_IMAGE}`] : []),
        `LABEL dev.kindling.base.debian=${DEBIAN_SUITE}`,
        `LABEL dev.kindling.base.node=${n.version}`,
        `LABEL dev.kindling.base.npm=${n.npmVersion}`,
        'CMD ["node"]',
      ];
      await run('podman', ['import', ...changes.flatMap((c) => ['--change', c]), '--message', `kindling base: Debian ${DEBIAN_SUITE} minbase + Node.js ${n.version}`, tar, ref], {
        output: 'pipe',
      });
      log(`image: base ${ref} made in ${((Date.now() - t0) / 1000).toFixed(1)} s (Debian ${DEBIAN_SUITE} minbase, Node.js ${n.version}, npm ${n.npmVersion}${ca ? `, CA bundle ${ca}` : ''})`);
      return ref;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

// ---------------------------------------------------------------- the image

/**
 * `podman build` of the Dockerfile on the local base. Layers are cached: with an unchanged
 * package-lock.json only the source layers run again. Returns { image, base, ms }.
 */
export async function buildImage({ image = IMAGE, log = (m) => console.error(m), output = 'inherit', noCache = false } = {}) {
  const t0 = Date.now();
  const base = await ensureBase({ log });
  const baseMs = Date.now() - t0;
  return withLock('build', log, async () => {
    const registry = npmRegistry();
    const args = [
      'build',
      // No OCI runtime sandbox needed for RUN steps: chroot isolation; the host network (npm ci).
      '--isolation=chroot',
      '--network=host',
      '--layers',
      ...(noCache ? ['--no-cache'] : []),
      '--build-arg', `BASE_IMAGE=${base}`,
      '--build-arg', `NPM_REGISTRY=${registry}`,
      '-t', image,
      '-f', join(REPO_ROOT, 'Dockerfile'),
      REPO_ROOT,
    ];
    log(`image: podman ${args.join(' ')}`);
    const previous = imageId(image);
    const { ms } = await run('podman', args, { output, log, what: 'building the image' });
    // The image this tag named before is now untagged: remove it (its layers shared with the new
    // one and the build cache stay).
    if (previous && previous !== imageId(image)) podmanSync(['rmi', previous]);
    log(`image: built ${image} in ${(ms / 1000).toFixed(1)} s (${mib(imageSize(image))})`);
    return { image, base, ms, baseMs };
  });
}

function imageId(ref) {
  const r = podmanSync(['image', 'inspect', '--format', '{{.Id}}', ref]);
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The image's size in bytes (as `podman images` reports it). */
export function imageSize(image = IMAGE) {
  const r = podmanSync(['image', 'inspect', '--format', '{{.Size}}', image]);
  return r.status === 0 ? Number(r.stdout.trim()) : NaN;
}

function mib(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

// ---------------------------------------------------------------- verification

/** The tiny job verify runs: price-sensitivity over /tmp/in into /tmp/out, one worker. */
export const VERIFY_JOB = `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata:
  name: image-verify
spec:
  analysis: price-sensitivity
  input:
    uri: /tmp/in/
    format: csv
  output:
    uri: /tmp/out/
  shuffle:
    partitions: 2
  workers:
    replicas: 1
    threads: 1
`;

/** podman's limits for a container, from this process's hard limits (see runners()). */
function ulimitArgs() {
  const hard = (name) => {
    const m = new RegExp(`^${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(readText('/proc/self/limits'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
  };
  // podman lowers its own RLIMIT_NPROC to 32768 before starting the runtime.
  const nofile = Math.min(hard('Max open files'), 1048576);
  const nproc = Math.min(hard('Max processes'), 32768);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

/**
 * The ways to run a container, tried in order until one works (cached for the process):
 *   1. plain `podman run`;
 *   2. with explicit ulimits: without CAP_SYS_RESOURCE (as in some VMs and nested containers) the
 *      OCI runtime cannot raise RLIMIT_NOFILE/NPROC to podman's defaults;
 *   3. the same with runc: crun refuses cgroup v1/v2 hybrid hosts ("cgroups in hybrid mode not
 *      supported"), runc handles them;
 *   4. no OCI runtime at all: the image's root filesystem (`podman image mount`) mounted read-only
 *      in a private mount namespace, chroot into it as the image's user (see chrootRun()).
 * KINDLING_IMAGE_RUNNER=podman|podman-ulimits|podman-runc|chroot forces one.
 */
function runners() {
  const list = [
    { name: 'podman', args: [] },
    { name: 'podman-ulimits', args: ulimitArgs() },
    ...(which('runc') ? [{ name: 'podman-runc', args: ['--runtime', 'runc', ...ulimitArgs()] }] : []),
    { name: 'chroot', chroot: true },
  ];
  const forced = process.env.KINDLING_IMAGE_RUNNER;
  if (!forced) return list;
  const r = list.find((x) => x.name === forced);
  if (!r) throw new Error(`KINDLING_IMAGE_RUNNER=${forced}: not one of ${list.map((x) => x.name).join(', ')}`);
  return [r];
}

/**
 * Runs the image as a pod would: its entrypoint (kindling) with args, its own user (the
 * Dockerfile's USER), a read-only root filesystem, HOME=/tmp, /tmp a writable scratch directory
 * (a host directory here, an emptyDir in a pod), no network. Returns spawnSync's result.
 */
function runIn(runner, image, config, tmpDir, args) {
  if (runner.chroot) return chrootRun(image, config, tmpDir, args);
  return podmanSync(['run', '--rm', ...runner.args, '--read-only', '--network=none', '-v', `${tmpDir}:/tmp:rw`, image, ...args]);
}

/** An error of the container runtime, not of kindling (podman: 125 = podman, 126/127 = the runtime). */
function runtimeFailed(r) {
  return !!r.error || ((r.status === 125 || r.status === 126 || r.status === 127) && /OCI|crun|runc|cgroup|rlimit|runtime/i.test(r.stderr ?? ''));
}

/**
 * Fallback without an OCI runtime: in a private mount namespace (unshare), bind the mounted image
 * read-only, bind tmpDir on its /tmp, mount /proc and /dev, and chroot into it as the image's user
 * with the image's environment and working directory.
 */
function chrootRun(image, config, tmpDir, args) {
  if (process.getuid?.() !== 0) return { status: 1, stdout: '', stderr: 'the chroot runner needs root', error: new Error('the chroot runner needs root') };
  const mounted = podmanSync(['image', 'mount', image]);
  if (mounted.status !== 0) return { status: 125, stdout: '', stderr: `podman image mount ${image} failed: ${mounted.stderr}` };
  const src = mounted.stdout.trim();
  const root = mkdtempSync(join(tmpdir(), 'kindling-image-root-'));
  try {
    const user = config.User || '0:0';
    const env = ['env', '-i', ...(config.Env ?? [])];
    const entry = [...(config.Entrypoint ?? []), ...args];
    const q = (x) => `'${String(x).replace(/'/g, `'\\''`)}'`;
    const script = [
      'set -e',
      `mount --bind ${q(src)} ${q(root)}`,
      `mount -o remount,bind,ro ${q(root)}`,
      `mount --bind ${q(tmpDir)} ${q(join(root, 'tmp'))}`,
      `mount -t proc proc ${q(join(root, 'proc'))}`,
      `mount --rbind /dev ${q(join(root, 'dev'))}`,
      `exec chroot --userspec=${q(user)} ${q(root)} ${env.map(q).join(' ')} /bin/sh -c 'cd "$0" && exec "$@"' ${q(config.WorkingDir || '/')} ${entry.map(q).join(' ')}`,
    ].join('\n');
    return spawnSync(which('unshare') ?? 'unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } finally {
    rmSync(root, { recursive: true, force: true });
    podmanSync(['image', 'unmount', image]);
  }
}

/**
 * In the built image: `kindling --version`, then `kindling generate --rows 2000 --out /tmp/in`
 * and `kindling run` of VERIFY_JOB, each in its own container sharing /tmp (like pods sharing a
 * volume). Throws with the command's output when a step fails. Returns what the test asserts:
 * { version, config, runner, outDir, success, files: [{ path, size }], uid, timings }.
 */
export async function verifyImage({ image = IMAGE, log = (m) => console.error(m), keep = false } = {}) {
  requireTools(['podman']);
  if (!imageExists(image)) throw new Error(`image ${image} does not exist; run \`node scripts/image.mjs build\` first`);
  const timings = {};
  const t0 = Date.now();
  const inspect = podmanSync(['image', 'inspect', '--format', '{{json .Config}}', image]);
  if (inspect.status !== 0) throw new Error(`podman image inspect ${image} failed: ${inspect.stderr}`);
  const config = JSON.parse(inspect.stdout);

  const dir = mkdtempSync(join(tmpdir(), 'kindling-image-verify-'));
  chmodSync(dir, 0o1777); // like an emptyDir: writable by the image's user
  let runner;
  const failures = [];
  const step = (name, args) => {
    const s = Date.now();
    let r;
    for (const candidate of runner ? [runner] : runners()) {
      r = runIn(candidate, image, config, dir, args);
      if (!runner && runtimeFailed(r)) {
        failures.push(`${candidate.name}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
        continue;
      }
      runner = candidate;
      break;
    }
    timings[name] = Date.now() - s;
    if (!runner) throw new Error(`no way to run a container here:\n  ${failures.join('\n  ')}`);
    if (r.status !== 0 || r.error) {
      throw new Error(`in ${image} (${runner.name}): kindling ${args.join(' ')} failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''})\n${r.stderr}${r.stdout}`);
    }
    return r;
  };
  try {
    const version = step('version', ['--version']).stdout.trim();
    log(`image: kindling --version in ${image} (runner ${runner.name}${failures.length ? `; did not work: ${failures.join('; ')}` : ''}): ${version} (${timings.version} ms)`);
    step('generate', ['generate', '--rows', '2000', '--seed', '7', '--out', '/tmp/in']);
    writeFileSync(join(dir, 'job.yaml'), VERIFY_JOB);
    const runOut = step('run', ['run', '/tmp/job.yaml']);
    const outDir = join(dir, 'out');
    const successPath = join(outDir, '_SUCCESS');
    const success = existsSync(successPath) ? readText(successPath) : undefined;
    const files = listFiles(outDir).map((p) => ({ path: p.slice(outDir.length + 1), size: statSync(p).size }));
    const uid = existsSync(successPath) ? statSync(successPath).uid : undefined;
    timings.total = Date.now() - t0;
    log(`image: tiny job in ${image}: ${success !== undefined ? 'committed' : 'NOT committed'}, ${files.length} file(s), written as uid ${uid} (${timings.total} ms in all)`);
    return { version, config, runner: runner.name, runnerFailures: failures, outDir, success, files, uid, timings, summary: runOut.stdout, dir };
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

function listFiles(d) {
  const out = [];
  for (const e of safeReaddir(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}

// ---------------------------------------------------------------- the CLI

async function main(cmd, flags) {
  switch (cmd) {
    case 'base':
      console.log(await ensureBase());
      return;
    case 'build': {
      const r = await buildImage({ noCache: flags.includes('--no-cache') });
      console.log(r.image);
      return;
    }
    case 'verify': {
      const r = await verifyImage();
      const want = readJson(join(REPO_ROOT, 'package.json')).version;
      const problems = [];
      if (r.version !== want) problems.push(`kindling --version printed ${JSON.stringify(r.version)}, package.json says ${want}`);
      if (r.success === undefined) problems.push('the tiny job committed no _SUCCESS');
      if (!r.files.some((f) => /\.parquet$/.test(f.path) && f.size > 0)) problems.push('the tiny job wrote no non-empty Parquet file');
      if (problems.length) throw new Error(problems.join('; '));
      console.log(`ok: ${IMAGE} kindling ${r.version}; tiny job committed ${r.files.length} file(s) as uid ${r.uid}, read-only root filesystem (${(r.timings.total / 1000).toFixed(1)} s)`);
      return;
    }
    case 'missing': {
      const m = missingTools();
      console.log(m.length ? m.join('\n') : 'nothing missing');
      return;
    }
    default:
      console.error('usage: node scripts/image.mjs base|build [--no-cache]|verify|missing');
      process.exitCode = 2;
  }
}

const invokedDirectly = process.argv[1] && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  main(process.argv[2], process.argv.slice(3)).catch((e) => {
    console.error(`image: ${e.message}`);
    process.exit(1);
  });
}
