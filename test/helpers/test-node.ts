// The one fake the design allows: a thin stand-in for the kubelet and the container runtime, on a
// real control plane. It registers a Node (Ready, a heartbeat Lease, InternalIP 127.0.0.1 and the
// port of its kubelet endpoint) and runs the pods the scheduler binds to it as local processes:
//
// - Images are not run. A container runs its command + args (`$(VAR)` expanded), the first word
//   looked up in the `commands` table: `kindling` runs this checkout's bin/kindling.js, `minio` the
//   cached MinIO binary, anything else runs from the host's PATH (test-node/commands.ts). A
//   container without a command cannot start (StartError).
// - Each pod gets its own loopback address as its pod IP (127.0.0.2, 127.0.0.3, ...; hostNetwork
//   pods 127.0.0.1). A server in a pod should listen on its pod IP (env from fieldRef
//   status.podIP); 0.0.0.0 works, but then two pods cannot use the same port.
// - Env: PATH (the host's), HOME and TMPDIR (the container's /tmp), HOSTNAME, the
//   `kubernetes` Service variables (pointing at the real API server, 127.0.0.1:<port>), then the
//   pod's envFrom and env (Secrets, ConfigMaps, fieldRefs; test-node/env.ts). Nothing else of the
//   host's environment leaks in.
// - Volumes are directories under the pod dir, their mount paths mapped in command, args and env
//   values (test-node/volumes.ts): `minio server /data` writes to the pod's emptyDir.
// - Service account tokens: the ServiceAccount admission plugin (on in kube-apiserver by default)
//   adds the kube-api-access projected volume to pods; the test node fills it like the kubelet,
//   with a real token bound to the pod from the TokenRequest API, ca.crt and namespace. It cannot
//   mount it at /var/run/secrets/kubernetes.io/serviceaccount, so it sets
//   KINDLING_SERVICEACCOUNT_DIR to that directory: THE ONE DOCUMENTED DIFFERENCE FROM A KUBELET
//   that the code under test must honour (src/k8s/config.ts does). A pod whose ServiceAccount does
//   not exist is rejected by that admission plugin at creation; if the account is deleted later,
//   the pod waits in ContainerCreating with FailedMount events, as with a kubelet.
// - Images under `registry.invalid/`, or tagged `does-not-exist`, fail to pull: ErrImagePull, then
//   ImagePullBackOff, the pod stays Pending (test-node/images.ts).
// - Logs are kept per container instance in the CRI format and served on HTTPS /containerLogs, so
//   `kubectl logs [-f] [--previous] [--tail] [--timestamps]` works through the API server.
// - Probes (startup, readiness, liveness; httpGet, tcpSocket, exec) set ready/started and restart
//   containers as the kubelet does. Status, phases, restartPolicy (crash-loop back-off 0.25 s
//   doubling to 10 s, faster than a kubelet's 10 s to 5 min), graceful deletion (grace capped at
//   10 s) and events (Pulled, Created, Started, Killing, Failed, BackOff, Unhealthy, FailedMount).
// Not done: init containers, resource limits, securityContext (processes run as this user), service
// env vars of other Services, exec/attach/port-forward.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Api } from './test-node/api.js';
import { defaultCommands, resolveArgv, type Commands } from './test-node/commands.js';
import { eventRecorder } from './test-node/events.js';
import { pullError } from './test-node/images.js';
import { podLookup, startKubeletServer } from './test-node/kubelet-server.js';
import { LogWriter, readLogText } from './test-node/logs.js';
import { execIn, startProbes } from './test-node/probes.js';
import { prepare, type Prepared } from './test-node/process.js';
import { registerNode } from './test-node/node.js';
import { podStatus } from './test-node/status.js';
import { now, signal, sleep, type Ctr, type Instance, type Obj, type Run, type Term } from './test-node/util.js';
import { MountError, setupVolumes } from './test-node/volumes.js';

export type { Commands } from './test-node/commands.js';
export interface TestNodeContainer { name: string; image: string; pid?: number; restartCount: number; logFile?: string }
export interface TestNodePod { namespace: string; name: string; uid: string; podIP: string; dir: string; containers: TestNodeContainer[] }
export interface TestNodeOptions {
  kubeconfig: string;
  name?: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  /** command[0] -> the argv it runs, over the defaults (`kindling`, `minio`); [] removes an entry. */
  commands?: Commands;
  log?: (m: string) => void;
}
export interface TestNode {
  name: string;
  /** Temp dir holding one dir per pod (volumes, tmp, logs); removed by stop(). */
  dir: string;
  /** The port of the kubelet endpoint on 127.0.0.1 (HTTPS; the Node's daemonEndpoints). */
  kubeletPort: number;
  /** Kills every pod's processes, stops the endpoint, and (unless unregister: false) deletes the Node. */
  stop(o?: { unregister?: boolean }): Promise<void>;
  /** kill a running pod's processes (SIGKILL), for fault tests */
  killPod(ns: string, name: string): Promise<void>;
  /** What runs now (pids, log files), for assertions. */
  pods(): TestNodePod[];
  /** The current instance's log file (CRI format: `<time> <stream> <F|P> <text>` lines). */
  logFile(ns: string, pod: string, container: string): string | undefined;
  /** The text a container logged (stdout and stderr), as `kubectl logs` shows it. */
  logs(ns: string, pod: string, container: string, o?: { previous?: boolean }): string | undefined;
}

const backoff = (n: number, firstMs: number, maxMs: number) => Math.min(firstMs * 2 ** Math.max(0, n - 1), maxMs);

export async function startTestNode(o: TestNodeOptions): Promise<TestNode> {
  const name = o.name ?? 'kindling-test-node';
  const log = o.log ?? (() => {});
  const api = new Api(o.kubeconfig);
  const apiHost = api.server.hostname.replace(/^\[(.*)\]$/, '$1');
  const apiPort = api.server.port || '443';
  const dir = mkdtempSync(join(tmpdir(), 'kindling-test-node-'));
  const { commands: defaults, notes } = await defaultCommands();
  const commands: Commands = Object.fromEntries(Object.entries({ ...defaults, ...o.commands }).filter(([, v]) => v.length > 0));
  for (const n of notes) if (!o.commands?.minio) log(`test-node: ${n}`);
  const runs = new Map<string, Run>(); // by pod uid
  const finishing = new Set<string>(); // uids whose final delete is in flight
  let nextIp = 2;
  let stopped = false;
  let lastError = '';
  const event = eventRecorder(api, name, log);
  const find = (ns: string, podName: string) => [...runs.values()].find((r) => r.ns === ns && r.name === podName);
  const kubelet = await startKubeletServer({ dir, nodeName: name, lookup: podLookup(find), log });

  const node = await registerNode(api, { name, cpu: o.cpu, memory: o.memory, pods: o.pods, kubeletPort: kubelet.port, log });
  const version = node.version;
  log(`test-node: node ${name} registered (${version}), kubelet endpoint https://127.0.0.1:${kubelet.port}, pods in ${dir}`);

  // ------------------------------------------------------------------------------ pod status
  function pushStatus(run: Run): void {
    run.chain = run.chain
      .then(async () => {
        if (stopped) return;
        const path = `/api/v1/namespaces/${run.ns}/pods/${run.name}/status`;
        const r = await api.call('PATCH', path, { metadata: { uid: run.uid }, status: podStatus(run) }, 'application/merge-patch+json');
        if (r.status >= 300 && r.status !== 404 && r.status !== 409) log(`test-node: status of ${run.ns}/${run.name}: HTTP ${r.status}: ${r.body?.message ?? ''}`);
      })
      .catch((e: Error) => stopped || log(`test-node: status of ${run.ns}/${run.name}: ${e.message}`));
  }
  const ev = (run: Run, type: 'Normal' | 'Warning', reason: string, message: string, k?: Ctr) => event(run, type, reason, message, k?.spec.name);
  const gone = (run: Run) => stopped || run.deleting || !runs.has(run.uid);

  // ------------------------------------------------------------------------------ processes
  async function startCtr(run: Run, k: Ctr): Promise<void> {
    k.timer = undefined;
    if (gone(run)) return;
    let p: Prepared;
    try {
      p = await prepare(run, k, { api, nodeName: name, podIP: run.ip, apiHost, apiPort, commands });
      k.createErrors = 0;
    } catch (e) {
      const message = (e as Error).message;
      if (k.createErrors++ === 0 || k.waiting.message !== message) ev(run, 'Warning', 'Failed', `Error: ${message}`, k), log(`test-node: ${run.ns}/${run.name}/${k.spec.name}: ${message}`);
      k.waiting = { reason: 'CreateContainerConfigError', message };
      pushStatus(run);
      k.timer = setTimeout(() => void startCtr(run, k), backoff(k.createErrors, 1000, 10_000));
      return;
    }
    if (gone(run)) return;
    const image = (k.spec.image as string | undefined) ?? '';
    const pullErr = pullError(image);
    if (pullErr) {
      k.pullFailures++;
      k.waiting = { reason: 'ErrImagePull', message: pullErr };
      ev(run, 'Normal', 'Pulling', `Pulling image "${image}"`, k);
      ev(run, 'Warning', 'Failed', `Failed to pull image "${image}": ${pullErr}`, k);
      ev(run, 'Warning', 'Failed', 'Error: ErrImagePull', k);
      log(`test-node: ${run.ns}/${run.name}/${k.spec.name}: ErrImagePull: ${pullErr}`);
      pushStatus(run);
      k.timer = setTimeout(() => {
        if (gone(run)) return;
        k.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${pullErr}` };
        ev(run, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, k);
        ev(run, 'Warning', 'Failed', 'Error: ImagePullBackOff', k);
        pushStatus(run);
        k.timer = setTimeout(() => void startCtr(run, k), backoff(k.pullFailures, 10_000, 300_000));
      }, 1000);
      return;
    }
    if (k.restarts === 0 && !k.inst) ev(run, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, k);
    mkdirSync(k.logDir, { recursive: true });
    const file = join(k.logDir, `${k.restarts}.log`);
    const inst: Instance = { n: k.restarts, id: `kindling-test-node://${randomBytes(32).toString('hex')}`, file, writer: new LogWriter(file), ended: false };
    k.insts.push(inst);
    const t0 = now();
    Object.assign(k, { inst, state: 'running', startedAt: t0, killing: undefined, waiting: { reason: 'ContainerCreating' } });
    if (!p.argv.length) return exited(run, k, { exitCode: 128, reason: 'StartError', startedAt: t0, finishedAt: t0, message: 'the test node runs `command` only (images are not run): the container has no command' });
    ev(run, 'Normal', 'Created', `Created container: ${k.spec.name}`, k);
    const proc: ChildProcess = spawn(p.argv[0]!, p.argv.slice(1), { cwd: p.cwd, env: p.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    k.proc = proc;
    proc.stdout!.on('data', (b: Buffer) => inst.writer.write('stdout', b));
    proc.stderr!.on('data', (b: Buffer) => inst.writer.write('stderr', b));
    let done = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null, err?: NodeJS.ErrnoException) => {
      if (done) return;
      done = true;
      if (!err) signal(proc, 'SIGKILL'); // the container ends with its main process: what it left behind dies too
      const closed = new Promise((r) => (proc.stdout!.readableEnded && proc.stderr!.readableEnded ? r(0) : proc.once('close', r)));
      void Promise.race([closed, sleep(1000)]).then(() => {
        inst.ended = true;
        inst.writer.close();
        const exitCode = err ? 128 : (code ?? 128 + (sig ? constants.signals[sig] : 0));
        const message = err
          ? `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${p.argv[0]}": ${err.code === 'ENOENT' ? 'executable file not found in $PATH' : err.message}: unknown`
          : exitCode !== 0 && k.spec.terminationMessagePolicy === 'FallbackToLogsOnError' ? readLogText(inst.file, 80, 2048) : undefined;
        exited(run, k, { exitCode, reason: err ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error', startedAt: t0, finishedAt: now(), ...(message ? { message } : {}) });
      });
    };
    proc.on('error', (e) => finish(null, null, e));
    proc.on('exit', (code, sig) => finish(code, sig));
    if (proc.pid === undefined) return; // spawn failed: 'error' follows
    ev(run, 'Normal', 'Started', `Started container ${k.spec.name}`, k);
    log(`test-node: ${run.ns}/${run.name}/${k.spec.name} started (pid ${proc.pid}, ${run.ip}): ${p.argv.join(' ')}`);
    startProbes(k, { ip: run.ip, kubeletVersion: version, exec: (argv, ms) => execIn(resolveArgv(argv, commands), p, ms) }, {
      changed: () => pushStatus(run),
      event: (reason, message) => ev(run, 'Warning', reason, message, k),
      log,
      kill: (message) => {
        if (k.inst !== inst || k.state !== 'running') return;
        k.killing = message;
        ev(run, 'Normal', 'Killing', message, k);
        signal(proc, 'SIGTERM');
        k.killTimer = setTimeout(() => signal(proc, 'SIGKILL'), Math.min(run.pod.spec.terminationGracePeriodSeconds ?? 30, 10) * 1000);
      },
    });
    pushStatus(run);
  }
  function exited(run: Run, k: Ctr, t: Term): void {
    clearTimeout(k.killTimer);
    k.term = { ...t, containerID: k.inst?.id };
    k.proc = undefined;
    log(`test-node: ${run.ns}/${run.name}/${k.spec.name} exited ${t.exitCode} (${t.reason})`);
    const restart = !stopped && !run.deleting && (run.policy === 'Always' || (run.policy === 'OnFailure' && t.exitCode !== 0));
    if (restart) {
      k.last = k.term;
      k.restarts++;
      const ms = backoff(k.restarts, 250, 10_000);
      const message = `back-off ${Math.ceil(ms / 1000)}s restarting failed container=${k.spec.name} pod=${run.name}_${run.ns}(${run.uid})`;
      Object.assign(k, { state: 'waiting', waiting: k.restarts > 1 ? { reason: 'CrashLoopBackOff', message } : { reason: 'ContainerCreating' } });
      if (k.restarts > 1) ev(run, 'Warning', 'BackOff', `Back-off restarting failed container ${k.spec.name} in pod ${run.name}_${run.ns}(${run.uid})`, k);
      k.timer = setTimeout(() => void startCtr(run, k), ms);
    } else k.state = 'terminated';
    pushStatus(run);
    if (run.deleting) void maybeFinish(run);
  }
  async function startPod(run: Run): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        run.volumes = await setupVolumes(run.pod, run.dir, { api, nodeName: name, podIP: run.ip, timers: run.timers, log });
        break;
      } catch (e) {
        const message = e instanceof MountError ? e.message : `setting up volumes: ${(e as Error).message}`;
        ev(run, 'Warning', 'FailedMount', message);
        log(`test-node: ${run.ns}/${run.name}: ${message}`);
        await sleep(backoff(attempt, 1000, 30_000));
        if (gone(run)) return;
      }
    }
    for (const k of run.ctrs) void startCtr(run, k);
  }
  function admit(pod: Obj): void {
    const n = nextIp++;
    const ip = pod.spec.hostNetwork ? '127.0.0.1' : `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    const podDir = join(dir, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
    for (const d of ['logs', 'tmp']) mkdirSync(join(podDir, d), { recursive: true });
    const run: Run = {
      ns: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid, ip, dir: podDir, pod, policy: pod.spec.restartPolicy ?? 'Always',
      startTime: now(), deleting: false, chain: Promise.resolve(), volumes: new Map(), conds: new Map(), timers: new Set(),
      ctrs: (pod.spec.containers as Obj[]).map((spec) => ({
        spec, logDir: join(podDir, 'logs', spec.name), insts: [], restarts: 0, state: 'waiting', waiting: { reason: 'ContainerCreating' },
        ready: false, started: false, pullFailures: 0, createErrors: 0,
      })),
    };
    runs.set(run.uid, run);
    pushStatus(run);
    void startPod(run);
  }

  // ------------------------------------------------------------------------- deletion, sync
  async function finalDelete(ns: string, podName: string, uid: string): Promise<void> {
    if (finishing.has(uid)) return;
    finishing.add(uid);
    try {
      const body = { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } };
      await api.must('DELETE', `/api/v1/namespaces/${ns}/pods/${podName}`, body, undefined, [404, 409]);
      forget(uid);
      log(`test-node: ${ns}/${podName} deleted`);
    } catch (e) {
      finishing.delete(uid); // retried on the next sync
      if (!stopped) log(`test-node: deleting ${ns}/${podName}: ${(e as Error).message}`);
    }
  }
  function terminate(run: Run, graceSeconds: number): void {
    run.deleting = true;
    for (const k of run.ctrs) {
      clearTimeout(k.timer);
      if (k.state === 'waiting') {
        const t = now();
        k.state = 'terminated';
        k.term = { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: t, finishedAt: t };
      } else if (k.state === 'running') ev(run, 'Normal', 'Killing', `Stopping container ${k.spec.name}`, k);
      signal(k.proc, 'SIGTERM');
    }
    run.killTimer = setTimeout(() => run.ctrs.forEach((k) => signal(k.proc, 'SIGKILL')), Math.min(graceSeconds, 10) * 1000);
    pushStatus(run);
    void maybeFinish(run);
  }
  async function maybeFinish(run: Run): Promise<void> {
    if (run.ctrs.some((k) => k.state === 'running')) return;
    clearTimeout(run.killTimer);
    await run.chain;
    await finalDelete(run.ns, run.name, run.uid);
  }
  function forget(uid: string): void {
    const run = runs.get(uid);
    if (!run) return;
    run.deleting = true;
    for (const k of run.ctrs) {
      clearTimeout(k.timer);
      clearTimeout(k.killTimer);
      signal(k.proc, 'SIGKILL');
    }
    clearTimeout(run.killTimer);
    for (const t of run.timers) clearTimeout(t);
    runs.delete(uid);
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
    for (const uid of runs.keys()) if (!seen.has(uid)) forget(uid); // gone from the API (deleted, force-deleted)
    for (const uid of finishing) if (!seen.has(uid)) finishing.delete(uid);
  }
  // A full list every 2 s, and at once whenever the watch on this node's pods sees a change.
  let kick: () => void = () => {};
  let watch: { close(): void } | undefined;
  const podsWatch = () => {
    if (stopped) return;
    watch = api.watch(`/api/v1/pods?watch=true&fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`, () => kick(), () => {
      if (!stopped) setTimeout(podsWatch, 500);
    });
  };
  podsWatch();
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
      await new Promise<void>((r) => {
        const t = setTimeout(r, 2000);
        kick = () => (clearTimeout(t), setTimeout(r, stopped ? 0 : 20));
        if (stopped) kick();
      });
    }
  })();

  return {
    name,
    dir,
    kubeletPort: kubelet.port,
    async killPod(ns, podName) {
      const run = find(ns, podName);
      if (!run) throw new Error(`test-node: pod ${ns}/${podName} is not running here`);
      for (const k of run.ctrs) signal(k.proc, 'SIGKILL');
    },
    pods: () =>
      [...runs.values()].map((r) => ({
        namespace: r.ns, name: r.name, uid: r.uid, podIP: r.ip, dir: r.dir,
        containers: r.ctrs.map((k) => ({ name: k.spec.name, image: k.spec.image ?? '', pid: k.state === 'running' ? k.proc?.pid : undefined, restartCount: k.restarts, logFile: k.inst?.file })),
      })),
    logFile: (ns, podName, container) => find(ns, podName)?.ctrs.find((k) => k.spec.name === container)?.inst?.file,
    logs(ns, podName, container, lo = {}) {
      const k = find(ns, podName)?.ctrs.find((c) => c.spec.name === container);
      const file = lo.previous ? k?.insts.find((i) => i.id === k.last?.containerID)?.file : k?.inst?.file;
      return file && existsSync(file) ? readLogText(file) : undefined;
    },
    async stop(so = {}) {
      if (stopped) return;
      stopped = true;
      node.stop();
      kick();
      watch?.close();
      const procs: ChildProcess[] = [];
      for (const run of runs.values()) {
        for (const k of run.ctrs) if (k.proc && k.proc.exitCode === null && k.proc.signalCode === null) procs.push(k.proc);
        forget(run.uid);
      }
      await Promise.race([Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(0) : p.once('exit', r))))), sleep(5000)]);
      await kubelet.close();
      if (so.unregister !== false) {
        const r = await api.call('DELETE', `/api/v1/nodes/${name}`).catch(() => undefined);
        if (r && r.status < 300) log(`test-node: node ${name} unregistered`);
      }
      api.close();
      await Promise.race([loop, sleep(2000)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
