/**
 * `kindling submit`, `status` and `logs` as a user runs them, against a real kube-apiserver with
 * the KindlingJob CRD. No operator runs here: the test plays the operator and the coordinator by
 * patching the status subresource with kubectl while the CLI waits or watches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrSkip, until, type Cluster } from '../helpers/k8s.js';

const BIN = fileURLToPath(new URL('../../../bin/kindling.js', import.meta.url));
const CRD = fileURLToPath(new URL('../../../charts/kindling/crds/kindlingjobs.kindling.dev.yaml', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}
interface Running {
  /** What it printed so far. */
  out(): string;
  err(): string;
  kill(sig: NodeJS.Signals): void;
  done: Promise<Run>;
}

/** `node bin/kindling.js ...` as a child process; `env` over ours (KUBECONFIG set by the caller). */
function start(args: string[], env: Record<string, string | undefined>, cwd: string): Running {
  const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<Run>((resolve) => p.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { out: () => out, err: () => err, kill: (s) => p.kill(s), done };
}

function spec(dir: string, name: string, extra = '', o: { input?: string; namespace?: string } = {}): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata:
  name: ${name}
${o.namespace ? `  namespace: ${o.namespace}\n` : ''}  labels: { team: analytics }
spec:
  analysis: price-sensitivity
  input: { uri: ${o.input ?? 's3://kindling/events/'}, format: csv }
  output: { uri: s3://kindling/results/${name}/ }
  shuffle: { partitions: 4 }
  workers: { replicas: 2 }
${extra}`,
  );
  return file;
}

const RUNNING = {
  phase: 'Running',
  progress: '37/48 tasks',
  runId: 'r-abc123',
  startTime: '2025-01-01T10:00:00Z',
  workers: { desired: 2, ready: 2, summary: '2/2' },
  coordinator: { pod: 'PLACEHOLDER-coordinator-0', attempts: 1 },
  tasks: [
    { stage: 'map', total: 40, pending: 0, running: 3, succeeded: 37, failed: 0 },
    { stage: 'reduce', total: 8, pending: 8, running: 0, succeeded: 0, failed: 0 },
  ],
  conditions: [
    { type: 'Accepted', status: 'True', reason: 'CoordinatorRunning', message: 'accepted', lastTransitionTime: '2025-01-01T10:00:00Z' },
    { type: 'Running', status: 'True', reason: 'CoordinatorRunning', message: 'coordinator runs r-abc123', lastTransitionTime: '2025-01-01T10:00:01Z' },
  ],
};
const succeeded = (name: string) => ({
  phase: 'Succeeded',
  progress: '48/48 tasks',
  completionTime: '2025-01-01T10:01:12Z',
  workers: { desired: 0, ready: 0, summary: '0/0' },
  tasks: [
    { stage: 'map', total: 40, pending: 0, running: 0, succeeded: 40, failed: 0 },
    { stage: 'reduce', total: 8, pending: 0, running: 0, succeeded: 8, failed: 0 },
  ],
  output: { uri: `s3://kindling/results/${name}/`, manifest: `s3://kindling/results/${name}/_SUCCESS`, rows: 684, files: 8, inputRecords: 2000000 },
  conditions: [{ type: 'Complete', status: 'True', reason: 'Committed', message: `684 rows committed to s3://kindling/results/${name}/`, lastTransitionTime: '2025-01-01T10:01:12Z' }],
});
const FAILED = {
  phase: 'Failed',
  completionTime: '2025-01-01T10:00:30Z',
  failure: { reason: 'TaskFailed', message: 'task r-abc123-s0-p3-a3 failed after 4 attempt(s): price: "12x" is not a number', task: 'r-abc123-s0-p3-a3' },
  conditions: [{ type: 'Failed', status: 'True', reason: 'TaskFailed', message: 'task failed', lastTransitionTime: '2025-01-01T10:00:30Z' }],
};

test('kindling submit / status / logs against a real API server (no operator: the test patches the status)', { timeout: 300_000 }, async (t) => {
  const cluster = await startOrSkip(t);
  if (!cluster) return;
  const began = Date.now();
  const k = cluster.kubectlRun;
  const dir = mkdtempSync(join(tmpdir(), 'kindling-cli-cluster-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { KUBECONFIG: cluster.cp.kubeconfig, CI: 'true' };
  const kindling = (...args: string[]) => start(args, env, dir).done;
  const adminToken = /token: (\S+)/.exec(readFileSync(cluster.cp.kubeconfig, 'utf8'))?.[1];
  assert.ok(adminToken, 'the kubeconfig holds a bearer token');
  const outputs: Run[] = [];
  const check = (r: Run) => {
    outputs.push(r);
    return r;
  };
  const patch = (name: string, status: object, ns = 'default') => k(['patch', 'kj', name, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  const getJob = async (name: string, ns = 'default') => JSON.parse(await k(['get', 'kj', name, '-n', ns, '-o', 'json'])) as { metadata: { uid: string; labels: Record<string, string> }; spec: Record<string, any> };

  await k(['apply', '--server-side', '-f', CRD]);
  await k(['wait', '--for=condition=Established', '--timeout=60s', 'crd/kindlingjobs.kindling.dev']);

  await t.test('submit: spec errors exit 2 with the field path before anything reaches the cluster', async () => {
    const bad = check(await kindling('submit', spec(dir, 'bad', '  maxTaskAttempts: many\n')));
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /^kindling: invalid job spec .*bad\.yaml: spec\.maxTaskAttempts: must be an integer \(got "many"\)/);
    assert.equal(bad.err.trim().split('\n').length, 1);
    const local = check(await kindling('submit', spec(dir, 'local', '', { input: 'data/events/' })));
    assert.equal(local.code, 2, local.err);
    assert.match(local.err, /spec\.input\.uri: in the cluster every path must be an s3:\/\/ URI.*\(got "data\/events\/"\)/);
    const badSet = check(await kindling('submit', spec(dir, 'badset'), '--set', 'spec.workers.replicas=0'));
    assert.equal(badSet.code, 2);
    assert.match(badSet.err, /spec\.workers\.replicas: must be >= 1 \(got 0\)/);
    assert.equal((await k(['get', 'kj', '-A', '-o', 'name'])).trim(), '');
  });

  // --replace deletes in the foreground (the job goes after its pods, Service and Secret), which
  // waits for the garbage collector; on a CRD this new the collector learns of it only at its
  // next discovery sync (up to 30 s). So it runs alongside the other subtests.
  let replacing: { done: Promise<Run>; firstUid: string } | undefined;
  await t.test('submit creates the KindlingJob; again is refused', async () => {
    const file = spec(dir, 'ok');
    const r = check(await kindling('submit', file, '--set', 'spec.workers.replicas=3'));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'kindlingjob default/ok submitted\n');
    assert.match(await k(['get', 'kj']), /^ok\s/m);
    const first = await getJob('ok');
    assert.equal(first.spec.analysis, 'price-sensitivity');
    assert.equal(first.spec.input.uri, 's3://kindling/events/');
    assert.equal(first.spec.workers.replicas, 3);
    assert.equal(first.spec.shuffle.partitions, 4);
    assert.equal(first.metadata.labels.team, 'analytics');

    const again = check(await kindling('submit', file));
    assert.equal(again.code, 1);
    assert.match(again.err, /^kindling: kindlingjob default\/ok already exists \(created .*\); pass --replace/);

    replacing = { done: start(['submit', file, '--replace'], env, dir).done, firstUid: first.metadata.uid };
  });

  await t.test('submit: the namespace is --namespace, else the document\'s', async () => {
    await k(['create', 'namespace', 'team-a']);
    await k(['create', 'namespace', 'team-b']);
    const doc = check(await kindling('submit', spec(dir, 'nsdoc', '', { namespace: 'team-a' })));
    assert.equal(doc.code, 0, doc.err);
    assert.equal(doc.out, 'kindlingjob team-a/nsdoc submitted\n');
    const flag = check(await kindling('submit', spec(dir, 'nsflag', '', { namespace: 'team-a' }), '-n', 'team-b'));
    assert.equal(flag.code, 0, flag.err);
    assert.equal(flag.out, 'kindlingjob team-b/nsflag submitted\n');
    assert.match(await k(['get', 'kj', '-n', 'team-b']), /^nsflag\s/m);
  });

  await t.test('submit --wait: follows Pending -> Running -> Succeeded, prints the output summary, exits 0', async () => {
    const w = start(['submit', spec(dir, 'waits'), '--wait', '--timeout', '2m'], env, dir);
    await until('the CLI to wait', async () => (w.err().includes('Submitted') ? true : undefined), 30_000);
    await patch('waits', { phase: 'Pending', startTime: '2025-01-01T10:00:00Z', conditions: [{ type: 'CoordinatorReady', status: 'False', reason: 'ContainerCreating', message: 'coordinator pod waits-coordinator-0 is starting', lastTransitionTime: '2025-01-01T10:00:00Z' }] });
    await until('Pending shown', async () => (w.err().includes('Pending') ? true : undefined), 30_000);
    await patch('waits', { ...RUNNING, coordinator: { pod: 'waits-coordinator-0', attempts: 1 } });
    await until('Running shown', async () => (w.err().includes('Running') ? true : undefined), 30_000);
    await patch('waits', succeeded('waits'));
    const r = check(await w.done);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^Submitted {2}00:\d\d$/m);
    assert.match(r.err, /^Pending {2}00:\d\d {2}ContainerCreating: coordinator pod waits-coordinator-0 is starting$/m);
    assert.match(r.err, /^Running {2}37\/48 tasks {2}workers 2\/2 {2}00:\d\d$/m);
    assert.equal(
      r.out,
      'kindlingjob default/waits submitted\n' +
        'kindlingjob default/waits succeeded in 72.00 s\n' +
        'output: s3://kindling/results/waits/\n' +
        'manifest: s3://kindling/results/waits/_SUCCESS\n' +
        'rows: 684 in 8 file(s), from 2,000,000 input records\n',
    );
  });

  await t.test('submit --wait on a job that fails: the reason and message, exit 1; status --watch ends with it', async () => {
    const w = start(['submit', spec(dir, 'fails'), '--wait'], env, dir);
    await until('the CLI to wait', async () => (w.err().includes('Submitted') ? true : undefined), 30_000);
    const watch = start(['status', 'fails', '--watch'], env, dir);
    await until('status --watch prints', async () => (watch.out().includes('kindlingjob default/fails') ? true : undefined), 30_000);
    await patch('fails', { ...RUNNING, coordinator: { pod: 'fails-coordinator-0', attempts: 1 } });
    await until('Running shown', async () => (w.err().includes('Running') && watch.out().includes('37/48') ? true : undefined), 30_000);
    await patch('fails', FAILED);
    const r = check(await w.done);
    assert.equal(r.code, 1);
    assert.match(r.err, /^kindling: kindlingjob default\/fails failed: TaskFailed: task r-abc123-s0-p3-a3 failed after 4 attempt\(s\): price: "12x" is not a number \(task r-abc123-s0-p3-a3\)$/m);
    const s = check(await watch.done);
    assert.equal(s.code, 0, s.err);
    const pages = s.out.split(/\n(?=kindlingjob default\/fails)/);
    assert.ok(pages.length >= 3, s.out);
    assert.match(pages[0], /^phase: {7}Submitted/m);
    assert.match(pages.at(-1)!, /^phase: {7}Failed, 37\/48 tasks$/m);
    assert.match(pages.at(-1)!, /^failure: {5}TaskFailed: task r-abc123-s0-p3-a3 failed/m);
  });

  await t.test('submit --wait: --timeout and Ctrl-C stop waiting and leave the job running', async () => {
    const timedOut = check(await kindling('submit', spec(dir, 'slow'), '--wait', '--timeout', '2s'));
    assert.equal(timedOut.code, 1);
    assert.match(timedOut.err, /^kindling: timed out after 2s waiting for kindlingjob default\/slow \(phase not yet seen\); the job keeps running: kindling status slow -n default/m);
    assert.match(await k(['get', 'kj', 'slow', '-o', 'name']), /slow/);

    const w = start(['submit', spec(dir, 'stopped'), '--wait'], env, dir);
    await until('the CLI to wait', async () => (w.err().includes('Submitted') ? true : undefined), 30_000);
    w.kill('SIGINT');
    const r = check(await w.done);
    assert.equal(r.code, 130);
    assert.match(r.err, /^kindling: stopped waiting for kindlingjob default\/stopped .*the job keeps running/m);
    assert.match(await k(['get', 'kj', 'stopped', '-o', 'name']), /stopped/);
  });

  await t.test('status: text with the stage table, conditions, output and an event; --json the status object', async () => {
    check(await kindling('submit', spec(dir, 'shown')));
    const uid = (await getJob('shown')).metadata.uid;
    await patch('shown', { ...RUNNING, coordinator: { pod: 'shown-coordinator-0', attempts: 1 } });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await k(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'shown.test1', namespace: 'default' },
      involvedObject: { apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', name: 'shown', namespace: 'default', uid },
      type: 'Warning',
      reason: 'CoordinatorRestarted',
      message: 'coordinator pod shown-coordinator-0 exited with code 137; started coordinator attempt 2 of 4',
      source: { component: 'kindling-operator' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    }));
    const r = check(await kindling('status', 'shown'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^kindlingjob default\/shown \(price-sensitivity\)$/m);
    assert.match(r.out, /^phase: {7}Running, 37\/48 tasks$/m);
    assert.match(r.out, /^started: {5}2025-01-01T10:00:00Z/m);
    assert.match(r.out, /^workers: {5}2\/2 ready$/m);
    assert.match(r.out, /^coordinator: shown-coordinator-0 \(attempt 1\)$/m);
    assert.match(r.out, /^stage {3}total {2}pending {2}running {2}succeeded {2}failed$/m);
    assert.match(r.out, /^map {8}40 {8}0 {8}3 {9}37 {7}0$/m);
    assert.match(r.out, /^reduce {6}8 {8}8 {8}0 {10}0 {7}0$/m);
    assert.match(r.out, /^Running\s+True\s+CoordinatorRunning\s+coordinator runs r-abc123\s/m);
    assert.match(r.out, /^events \(last 1\):$/m);
    assert.match(r.out, /^\d+s\s+Warning\s+CoordinatorRestarted\s+coordinator pod shown-coordinator-0 exited with code 137; started coordinator attempt 2 of 4$/m);

    await patch('shown', succeeded('shown'));
    const done = check(await kindling('status', 'shown'));
    assert.match(done.out, /^phase: {7}Succeeded, 48\/48 tasks$/m);
    assert.match(done.out, /^duration: {4}72\.00 s$/m);
    assert.match(done.out, /^output: {6}s3:\/\/kindling\/results\/shown\/$/m);
    assert.match(done.out, /^rows: {8}684 in 8 file\(s\), from 2,000,000 input records$/m);

    const json = check(await kindling('status', 'shown', '--json'));
    assert.equal(json.code, 0, json.err);
    const st = JSON.parse(json.out) as Record<string, any>;
    assert.equal(st.phase, 'Succeeded');
    assert.equal(st.runId, 'r-abc123');
    assert.deepEqual(st.output, succeeded('shown').output);
    assert.deepEqual(st.tasks, succeeded('shown').tasks);
  });

  await t.test('status of a job that does not exist: exit 1, one line', async () => {
    const r = check(await kindling('status', 'nope'));
    assert.equal(r.code, 1);
    assert.match(r.err, /^kindling: kindlingjob default\/nope not found; /);
    assert.equal(r.err.trim().split('\n').length, 1);
  });

  await t.test('logs without a pod: a clear message, exit 1', async () => {
    const none = check(await kindling('logs', 'slow'));
    assert.equal(none.code, 1);
    assert.match(none.err, /^kindling: kindlingjob default\/slow has no coordinator pod yet \(phase not yet seen by the operator\); is the kindling operator running\?/);
    await k(['patch', 'kj', 'shown', '--type=merge', '-p', '{"spec":{"ttlSecondsAfterFinished":0}}']);
    const gone = check(await kindling('logs', 'shown'));
    assert.equal(gone.code, 1);
    assert.match(gone.err, /^kindling: coordinator pod shown-coordinator-0 of kindlingjob default\/shown is gone \(the job succeeded at 2025-01-01T10:01:12Z\); spec\.ttlSecondsAfterFinished \(0 s\) deletes/);
    const workers = check(await kindling('logs', 'shown', '--worker', '0'));
    assert.equal(workers.code, 1);
    assert.match(workers.err, /every worker pod of kindlingjob default\/shown is gone/);
    const missing = check(await kindling('logs', 'nope'));
    assert.match(missing.err, /^kindling: kindlingjob default\/nope not found, and no coordinator pod of it exists/);
  });

  await t.test('logs: the coordinator pod\'s pino lines, human-readable (through the test node\'s kubelet)', async (st) => {
    await logsFromPod(st, cluster, env, dir, check);
  });

  await t.test('submit --replace: deleted, waited until gone, created again', async () => {
    assert.ok(replacing);
    const replaced = check(await replacing.done);
    assert.equal(replaced.code, 0, replaced.err);
    assert.equal(replaced.out, 'kindlingjob default/ok deleted (--replace)\nkindlingjob default/ok submitted\n');
    const second = await getJob('ok');
    assert.notEqual(second.metadata.uid, replacing.firstUid);
    assert.equal(second.spec.workers.replicas, 2);
  });

  await t.test('forbidden: one line naming the server and what to do; no token in any output', async () => {
    await k(['create', 'serviceaccount', 'nobody']);
    const token = (await k(['create', 'token', 'nobody'])).trim();
    const kc = readFileSync(cluster.cp.kubeconfig, 'utf8').replace(/token: \S+/, `token: ${token}`);
    const file = join(dir, 'nobody.kubeconfig');
    writeFileSync(file, kc, { mode: 0o600 });
    const r = check(await start(['submit', spec(dir, 'denied'), '--kubeconfig', file], env, dir).done);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`^kindling: forbidden by the Kubernetes API server ${cluster.cp.server.replace(/[.]/g, '\\.')}: kindlingjobs\\.kindling\\.dev is forbidden: User "system:serviceaccount:default:nobody" cannot create resource "kindlingjobs".*kubectl auth can-i`));
    assert.equal(r.err.trim().split('\n').length, 1);
    const s = check(await start(['status', 'ok', '--kubeconfig', file], env, dir).done);
    assert.equal(s.code, 1);
    assert.match(s.err, /cannot get resource "kindlingjobs"/);
    for (const o of outputs) {
      assert.ok(!o.out.includes(adminToken) && !o.err.includes(adminToken), 'the admin token never appears');
      assert.ok(!o.out.includes(token) && !o.err.includes(token), 'the service account token never appears');
      assert.doesNotMatch(o.err, /\n\s+at /, 'no stack trace');
    }
  });
  t.diagnostic(`CLI tests on the control plane took ${((Date.now() - began) / 1000).toFixed(1)} s`);
});

/** A pod with the coordinator's labels, run by the test node (a kubelet stand-in that serves containerLogs). */
async function logsFromPod(t: { after(fn: () => Promise<void>): void }, cluster: Cluster, env: Record<string, string>, dir: string, check: (r: Run) => Run): Promise<void> {
  const { startTestNode } = await import('../helpers/test-node.js');
  const node = await startTestNode({ kubeconfig: cluster.cp.kubeconfig });
  t.after(() => node.stop());
  const k = cluster.kubectlRun;
  await until('the default service account', async () => ((await k(['get', 'serviceaccount', 'default', '-o', 'name'])).trim() ? true : undefined), 60_000);
  const script = [
    "console.log(JSON.stringify({level:30,time:Date.parse('2025-01-01T10:00:00.123Z'),pid:1,job:'logjob',role:'coordinator',msg:'hello',stage:0,tasks:8}))",
    "console.log(JSON.stringify({level:50,time:Date.parse('2025-01-01T10:00:01Z'),msg:'task failed',err:{message:'boom'}}))",
    "console.log('not json')",
  ].join(';');
  const pod = (attempt: number, text: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `logjob-coordinator-${attempt}`, namespace: 'default', labels: { 'kindling.dev/job': 'logjob', 'kindling.dev/role': 'coordinator', 'kindling.dev/attempt': String(attempt) } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'kindling', image: 'kindling:test', command: ['node', '-e', text] }] },
  });
  await k(['create', '-f', '-'], JSON.stringify(pod(0, "console.log('from attempt 0')")));
  await k(['create', '-f', '-'], JSON.stringify(pod(1, script)));
  await until('the pod to finish', async () => ((await k(['get', 'pod', 'logjob-coordinator-1', '-o', 'jsonpath={.status.phase}'])) === 'Succeeded' ? true : undefined), 60_000);
  const r = check(await start(['logs', 'logjob'], env, dir).done);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '10:00:00.123Z INFO  hello stage=0 tasks=8\n10:00:01.000Z ERROR task failed err="boom"\nnot json\n');
  const raw = check(await start(['logs', 'logjob', '--raw', '--tail', '1'], env, dir).done);
  assert.equal(raw.out, 'not json\n');
}
