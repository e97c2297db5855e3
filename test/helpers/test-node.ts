// The one fake the design allows: a thin stand-in for the kubelet and the container runtime. It
// registers a Node (and keeps its Lease and Ready condition fresh), runs the containers of the
// pods bound to it as local processes (command + args; images are ignored), each pod on its own
// loopback address (127.0.0.2, 127.0.0.3, ...), reports their status through pods/status, honours
// restartPolicy, and finishes graceful deletions as the kubelet does.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { constants, release, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Api } from './test-node/api.js';

export interface TestNodeContainer { name: string; image: string; pid?: number; restartCount: number; logFile: string }
export interface TestNodePod { namespace: string; name: string; uid: string; podIP: string; dir: string; containers: TestNodeContainer[] }
export interface TestNode {
  name: string;
  /** Temp dir holding one dir per pod (working dir + container logs); removed by stop(). */
  dir: string;
  stop(): Promise<void>;
  /** kill a running pod's process (SIGKILL), for fault tests */
  killPod(ns: string, name: string): Promise<void>;
  /** What runs now (pids, log files), for assertions. */
  pods(): TestNodePod[];
  /** The log file (stdout + stderr) of a container; `kubectl logs` does not work here. */
  logFile(ns: string, pod: string, container: string): string | undefined;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
interface Term { exitCode: number; reason: string; startedAt: string; finishedAt: string; message?: string }
interface Ctr {
  spec: Obj;
  logFile: string;
  env?: Record<string, string>;
  proc?: ChildProcess;
  restarts: number;
  state: 'waiting' | 'running' | 'terminated';
  waitingReason: string;
  startedAt?: string;
  term?: Term;
  last?: Term;
  timer?: NodeJS.Timeout;
}
interface Run {
  ns: string;
  name: string;
  uid: string;
  ip: string;
  dir: string;
  policy: string;
  startTime: string;
  ctrs: Ctr[];
  terminal?: 'Succeeded' | 'Failed';
  deleting: boolean;
  killTimer?: NodeJS.Timeout;
  chain: Promise<unknown>;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const micro = () => new Date().toISOString().replace(/Z$/, '000Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function signal(p: ChildProcess | undefined, sig: NodeJS.Signals): void {
  if (!p?.pid || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, sig); // the container's process group
  } catch {
    try {
      process.kill(p.pid, sig);
    } catch {
      /* already gone */
    }
  }
}

export async function startTestNode(o: { kubeconfig: string; name?: string; cpu?: string; memory?: string; pods?: string; log?: (m: string) => void }): Promise<TestNode> {
  const name = o.name ?? 'kindling-test-node';
  const log = o.log ?? (() => {});
  const api = new Api(o.kubeconfig);
  const apiHost = api.server.hostname;
  const apiPort = api.server.port || '443';
  const dir = mkdtempSync(join(tmpdir(), 'kindling-test-node-'));
  const runs = new Map<string, Run>(); // by pod uid
  const finishing = new Set<string>(); // uids whose final delete is in flight
  let nextIp = 2;
  let stopped = false;
  let lastError = '';

  // ------------------------------------------------------------- the Node, its Lease, heartbeats
  const version = (await api.must<{ gitVersion: string }>('GET', '/version')).body.gitVersion;
  const since = now();
  const resources = { cpu: o.cpu ?? '4', memory: o.memory ?? '16Gi', pods: o.pods ?? '110', 'ephemeral-storage': '100Gi' };
  const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason, lastHeartbeatTime: now(), lastTransitionTime: since });
  const nodeStatus = () => ({
    capacity: resources,
    allocatable: resources,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID'),
      cond('Ready', 'True', 'KubeletReady'),
    ],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: randomUUID().replace(/-/g, ''), systemUUID: randomUUID(), bootID: randomUUID(), kernelVersion: release(),
      osImage: 'kindling test node', containerRuntimeVersion: `kindling-test-node://${process.version}`, kubeletVersion: version,
      kubeProxyVersion: version, operatingSystem: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    },
  });
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const labels = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch, 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': arch };
  await api.must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {}, status: nodeStatus() }, undefined, [409]);
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
  const heartbeat = async () => {
    await api.must('PATCH', `/api/v1/nodes/${name}/status`, { status: nodeStatus() }, 'application/merge-patch+json');
    const r = await api.call('PATCH', leasePath, { spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() } }, 'application/merge-patch+json');
    if (r.status === 404) {
      const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() } };
      await api.must('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease, undefined, [409]);
    } else if (r.status >= 300) throw new Error(`renewing the Lease: HTTP ${r.status}`);
  };
  await heartbeat();
  const beat = setInterval(() => void heartbeat().catch((e: Error) => stopped || log(`test-node: heartbeat: ${e.message}`)), 10_000);
  log(`test-node: node ${name} registered (${version}), pods in ${dir}`);

  // ------------------------------------------------------------------------------ pod status
  function phase(run: Run): string {
    if (run.terminal) return run.terminal;
    if (run.ctrs.every((c) => c.state === 'terminated')) return (run.terminal = run.ctrs.every((c) => c.term?.exitCode === 0) ? 'Succeeded' : 'Failed');
    return run.ctrs.some((c) => c.state === 'running' || c.restarts > 0 || c.term) ? 'Running' : 'Pending';
  }
  const term = (t: Term) => ({ terminated: { ...t, containerID: undefined } });
  function podStatus(run: Run): Obj {
    const p = phase(run);
    const ready = p === 'Running' && run.ctrs.every((c) => c.state === 'running');
    const c = (type: string, ok: boolean, reason?: string) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now(), ...(ok || !reason ? {} : { reason }) });
    const notReady = p === 'Succeeded' || p === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
    return {
      phase: p,
      conditions: [c('Initialized', true), c('Ready', ready, notReady), c('ContainersReady', ready, notReady), c('PodScheduled', true)],
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: run.ip,
      podIPs: [{ ip: run.ip }],
      startTime: run.startTime,
      containerStatuses: run.ctrs.map((k) => ({
        name: k.spec.name,
        image: k.spec.image ?? '',
        imageID: '',
        containerID: k.proc?.pid ? `kindling-test-node://${k.proc.pid}` : undefined,
        ready: k.state === 'running',
        started: k.state === 'running',
        restartCount: k.restarts,
        state: k.state === 'running' ? { running: { startedAt: k.startedAt } } : k.state === 'terminated' && k.term ? term(k.term) : { waiting: { reason: k.waitingReason } },
        lastState: k.last ? term(k.last) : {},
      })),
    };
  }
  function pushStatus(run: Run): void {
    run.chain = run.chain.then(async () => {
      if (stopped) return;
      const path = `/api/v1/namespaces/${run.ns}/pods/${run.name}/status`;
      const r = await api.call('PATCH', path, { metadata: { uid: run.uid }, status: podStatus(run) }, 'application/merge-patch+json');
      if (r.status >= 300 && r.status !== 404 && r.status !== 409) log(`test-node: status of ${run.ns}/${run.name}: HTTP ${r.status}: ${r.body?.message ?? ''}`);
    }).catch((e: Error) => stopped || log(`test-node: status of ${run.ns}/${run.name}: ${e.message}`));
  }

  // --------------------------------------------------------------------------- environment
  async function resolveEnv(pod: Obj, spec: Obj, ip: string): Promise<Record<string, string>> {
    const ns = pod.metadata.namespace as string;
    const cache = new Map<string, Obj | undefined>();
    const get = async (kind: 'secrets' | 'configmaps', n: string): Promise<Obj | undefined> => {
      const key = `${kind}/${n}`;
      if (!cache.has(key)) {
        const r = await api.call('GET', `/api/v1/namespaces/${ns}/${kind}/${n}`);
        if (r.status !== 200 && r.status !== 404) throw new Error(`GET ${key}: HTTP ${r.status}`);
        const data = r.status === 200 ? (r.body.data ?? {}) : undefined;
        cache.set(key, data && kind === 'secrets' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')])) : data);
      }
      return cache.get(key);
    };
    const fields: Record<string, string> = {
      'metadata.name': pod.metadata.name, 'metadata.namespace': ns, 'metadata.uid': pod.metadata.uid, 'spec.nodeName': name,
      'spec.serviceAccountName': pod.spec.serviceAccountName ?? 'default', 'status.podIP': ip, 'status.hostIP': '127.0.0.1',
    };
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOSTNAME: pod.metadata.name, POD_IP: ip,
      KUBERNETES_SERVICE_HOST: apiHost, KUBERNETES_SERVICE_PORT: apiPort,
    };
    for (const f of spec.envFrom ?? []) {
      const ref = f.secretRef ?? f.configMapRef;
      const data = await get(f.secretRef ? 'secrets' : 'configmaps', ref.name);
      if (!data && !ref.optional) throw new Error(`${f.secretRef ? 'secret' : 'configmap'} "${ref.name}" not found`);
      for (const [k, v] of Object.entries(data ?? {})) env[`${f.prefix ?? ''}${k}`] = String(v);
    }
    for (const e of spec.env ?? []) {
      const from = e.valueFrom;
      if (!from) env[e.name] = expand(e.value ?? '', env);
      else if (from.fieldRef) {
        if (!(from.fieldRef.fieldPath in fields)) throw new Error(`fieldRef ${from.fieldRef.fieldPath} is not supported by the test node`);
        env[e.name] = fields[from.fieldRef.fieldPath]!;
      } else {
        const ref = from.secretKeyRef ?? from.configMapKeyRef;
        const what = from.secretKeyRef ? 'secret' : 'configmap';
        if (!ref) throw new Error(`env ${e.name}: valueFrom ${Object.keys(from).join()} is not supported by the test node`);
        const v = (await get(from.secretKeyRef ? 'secrets' : 'configmaps', ref.name))?.[ref.key];
        if (v !== undefined) env[e.name] = String(v);
        else if (!ref.optional) throw new Error(`${what} "${ref.name}" (key ${ref.key}) not found`);
      }
    }
    return env;
  }
  const expand = (s: string, env: Record<string, string>) => s.replace(/\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, k: string) => env[k] ?? m);

  // ------------------------------------------------------------------------------ processes
  function startCtr(run: Run, k: Ctr): void {
    k.timer = undefined;
    if (stopped || run.deleting) return;
    const env = k.env!;
    const argv = [...(k.spec.command ?? []), ...(k.spec.args ?? [])].map((a: string) => expand(String(a), env));
    const t0 = now();
    if (!k.spec.command?.length) return exited(run, k, { exitCode: 127, reason: 'ContainerCannotRun', startedAt: t0, finishedAt: t0, message: 'the test node runs `command` only (images are not run)' });
    const out = openSync(k.logFile, 'a');
    let p: ChildProcess;
    try {
      p = spawn(argv[0]!, argv.slice(1), { cwd: run.dir, env, stdio: ['ignore', out, out], detached: true });
    } finally {
      closeSync(out);
    }
    let done = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null, err?: Error) => {
      if (done) return;
      done = true;
      const exitCode = err ? 128 : (code ?? 128 + (sig ? constants.signals[sig] : 0));
      exited(run, k, { exitCode, reason: err ? 'ContainerCannotRun' : exitCode === 0 ? 'Completed' : 'Error', startedAt: t0, finishedAt: now(), ...(err ? { message: err.message } : {}) });
    };
    p.on('error', (e) => finish(null, null, e));
    p.on('exit', (code, sig) => finish(code, sig));
    Object.assign(k, { proc: p, state: 'running', startedAt: t0 });
    log(`test-node: ${run.ns}/${run.name}/${k.spec.name} started (pid ${p.pid}, ${run.ip}), log ${k.logFile}`);
    pushStatus(run);
  }
  function exited(run: Run, k: Ctr, t: Term): void {
    k.term = t;
    log(`test-node: ${run.ns}/${run.name}/${k.spec.name} exited ${t.exitCode} (${t.reason})`);
    const restart = !stopped && !run.deleting && (run.policy === 'Always' || (run.policy === 'OnFailure' && t.exitCode !== 0));
    if (restart) {
      k.last = t;
      k.restarts++;
      Object.assign(k, { state: 'waiting', waitingReason: k.restarts > 1 ? 'CrashLoopBackOff' : 'ContainerCreating' });
      k.timer = setTimeout(() => startCtr(run, k), Math.min(250 * 2 ** (k.restarts - 1), 10_000));
    } else k.state = 'terminated';
    pushStatus(run);
    if (run.deleting) void maybeFinish(run);
  }
  async function startPod(pod: Obj, run: Run): Promise<void> {
    try {
      for (const k of run.ctrs) k.env = await resolveEnv(pod, k.spec, run.ip);
    } catch (e) {
      for (const k of run.ctrs) k.waitingReason = 'CreateContainerConfigError';
      log(`test-node: ${run.ns}/${run.name}: ${(e as Error).message}; retrying`);
      pushStatus(run);
      await sleep(1000);
      if (!stopped && !run.deleting && runs.has(run.uid)) return startPod(pod, run);
      return;
    }
    for (const k of run.ctrs) startCtr(run, k);
  }
  function admit(pod: Obj): void {
    const n = nextIp++;
    const ip = `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    const podDir = join(dir, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
    mkdirSync(join(podDir, 'logs'), { recursive: true });
    const run: Run = {
      ns: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid, ip, dir: podDir, policy: pod.spec.restartPolicy ?? 'Always',
      startTime: now(), deleting: false, chain: Promise.resolve(),
      ctrs: (pod.spec.containers as Obj[]).map((spec) => ({ spec, logFile: join(podDir, 'logs', `${spec.name}.log`), restarts: 0, state: 'waiting', waitingReason: 'ContainerCreating' })),
    };
    runs.set(run.uid, run);
    pushStatus(run);
    void startPod(pod, run);
  }

  // ------------------------------------------------------------------------- deletion, sync
  async function finalDelete(ns: string, podName: string, uid: string): Promise<void> {
    if (finishing.has(uid)) return;
    finishing.add(uid);
    try {
      const body = { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } };
      await api.must('DELETE', `/api/v1/namespaces/${ns}/pods/${podName}`, body, undefined, [404, 409]);
      runs.delete(uid);
      log(`test-node: ${ns}/${podName} deleted`);
    } catch (e) {
      finishing.delete(uid); // retried on the next sync
      if (!stopped) log(`test-node: deleting ${ns}/${podName}: ${(e as Error).message}`);
    }
  }
  function terminate(run: Run, graceSeconds: number): void {
    run.deleting = true;
    for (const k of run.ctrs) {
      if (k.timer) clearTimeout(k.timer);
      if (k.state === 'waiting') k.state = 'terminated';
      signal(k.proc, 'SIGTERM');
    }
    run.killTimer = setTimeout(() => run.ctrs.forEach((k) => signal(k.proc, 'SIGKILL')), Math.min(graceSeconds, 10) * 1000);
    void maybeFinish(run);
  }
  async function maybeFinish(run: Run): Promise<void> {
    if (run.ctrs.some((k) => k.state === 'running')) return;
    clearTimeout(run.killTimer);
    await run.chain;
    await finalDelete(run.ns, run.name, run.uid);
  }
  async function sync(): Promise<void> {
    const r = await api.must<{ items: Obj[] }>('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`);
    const seen = new Set<string>();
    for (const pod of r.body.items) {
      const uid = pod.metadata.uid as string;
      seen.add(uid);
      const run = runs.get(uid);
      if (pod.metadata.deletionTimestamp) {
        if (!run) void finalDelete(pod.metadata.namespace, pod.metadata.name, uid);
        else if (!run.deleting) terminate(run, pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
        else if (!run.ctrs.some((k) => k.state === 'running')) void maybeFinish(run);
      } else if (!run && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') admit(pod);
    }
    for (const [uid, run] of runs) {
      if (seen.has(uid)) continue; // gone from the API (deleted, or force-deleted): stop what is left
      run.deleting = true;
      for (const k of run.ctrs) {
        clearTimeout(k.timer);
        signal(k.proc, 'SIGKILL');
      }
      clearTimeout(run.killTimer);
      runs.delete(uid);
    }
    for (const uid of finishing) if (!seen.has(uid)) finishing.delete(uid);
  }
  const loop = (async () => {
    while (!stopped) {
      try {
        await sync();
        lastError = '';
      } catch (e) {
        const m = (e as Error).message;
        if (!stopped && m !== lastError) log(`test-node: sync: ${m}`);
        lastError = m;
      }
      await sleep(500);
    }
  })();

  const find = (ns: string, podName: string) => [...runs.values()].find((r) => r.ns === ns && r.name === podName);
  return {
    name,
    dir,
    async killPod(ns, podName) {
      const run = find(ns, podName);
      if (!run) throw new Error(`test-node: pod ${ns}/${podName} is not running here`);
      for (const k of run.ctrs) signal(k.proc, 'SIGKILL');
    },
    pods: () =>
      [...runs.values()].map((r) => ({
        namespace: r.ns, name: r.name, uid: r.uid, podIP: r.ip, dir: r.dir,
        containers: r.ctrs.map((k) => ({ name: k.spec.name, image: k.spec.image ?? '', pid: k.state === 'running' ? k.proc?.pid : undefined, restartCount: k.restarts, logFile: k.logFile })),
      })),
    logFile: (ns, podName, container) => find(ns, podName)?.ctrs.find((k) => k.spec.name === container)?.logFile,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(beat);
      const procs: ChildProcess[] = [];
      for (const run of runs.values()) {
        clearTimeout(run.killTimer);
        for (const k of run.ctrs) {
          clearTimeout(k.timer);
          if (k.proc && k.proc.exitCode === null && k.proc.signalCode === null) procs.push(k.proc);
          signal(k.proc, 'SIGKILL');
        }
      }
      await Promise.race([Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(0) : p.once('exit', r))))), sleep(5000)]);
      api.close();
      await Promise.race([loop, sleep(2000)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
