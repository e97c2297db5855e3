// The real Kubernetes control plane of scripts/k8s.mjs, for tests: the script's typed API and
// small helpers (run a command, poll until a condition holds).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ToolPaths {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  etcd: string;
  helm: string;
}
export interface ControlPlane {
  kubeconfig: string;
  server: string;
  dir: string;
  logs: Record<string, string>;
  startMs: number;
  stop(): Promise<void>;
}
/** What this test uses from scripts/k8s.mjs (plain JS, so typed here). */
export interface K8sScript {
  K8S_VERSION: string;
  HELM_VERSION: string;
  findK8sTools(): ToolPaths | undefined;
  missingK8sTools(): string[];
  findKubectl(): string | undefined;
  startControlPlane(o: { dir: string; timeoutMs?: number; log?: (m: string) => void }): Promise<ControlPlane>;
  /** The last lines of a log file, for error messages. */
  logTail(file: string, lines?: number): string;
}

/** scripts/k8s.mjs, found by walking up from this file (it runs from dist/test/k8s/). */
export async function loadK8s(): Promise<K8sScript> {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    const p = join(d, 'scripts', 'k8s.mjs');
    if (existsSync(p)) return (await import(pathToFileURL(p).href)) as K8sScript;
    if (dirname(d) === d) throw new Error(`scripts/k8s.mjs not found above ${fileURLToPath(import.meta.url)}`);
  }
}

export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((res, rej) => {
    const p = execFile(cmd, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else res(stdout);
    });
    if (input !== undefined) p.stdin?.end(input);
  });
}

/** Polls fn until it returns a value other than undefined; fails after timeoutMs with `what`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}


export interface Cluster {
  k8s: K8sScript;
  cp: ControlPlane;
  kubectl: string;
  /** kubectl with this cluster's kubeconfig; `input` goes to stdin. */
  kubectlRun(args: string[], input?: string): Promise<string>;
}

/**
 * Starts a private control plane for a test (stopped and removed after it). Missing tools:
 * in CI the test FAILS (CI must provide them), elsewhere it is skipped with the reason.
 */
export async function startOrSkip(t: { skip(msg: string): void; after(fn: () => Promise<void>): void; diagnostic(msg: string): void }): Promise<Cluster | undefined> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const k8s = await loadK8s();
  const tools = k8s.findK8sTools();
  const kubectl = k8s.findKubectl();
  if (!tools || !kubectl) {
    const what = [
      ...(tools ? [] : [`the Kubernetes ${k8s.K8S_VERSION} tools are not built (missing ${k8s.missingK8sTools().join(', ')}); \`npm test\` builds them when Go is on PATH (or \`node scripts/provision.mjs k8s\`)`]),
      ...(kubectl ? [] : ['kubectl is not on PATH (or $KUBECTL)']),
    ].join('; ');
    if (process.env.CI) throw new Error(`CI must provide the Kubernetes control plane tools: ${what}`);
    t.skip(what);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kindling-k8s-'));
  let cp: ControlPlane | undefined;
  t.after(async () => {
    await cp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  cp = await k8s.startControlPlane({ dir });
  t.diagnostic(`control plane ${k8s.K8S_VERSION} at ${cp.server} ready in ${(cp.startMs / 1000).toFixed(1)} s`);
  const kubeconfig = cp.kubeconfig;
  return { k8s, cp, kubectl, kubectlRun: (args, input) => run(kubectl, ['--kubeconfig', kubeconfig, ...args], input) };
}
