// What the test node does in a kubelet's place, checked through the real API server and kubectl:
// command mapping (`kindling`, `minio`), service account tokens enforced by RBAC, image pull
// failures, `kubectl logs` (follow, tail, previous, timestamps), probes, volumes and the CLI.
// Without the control plane tools this test FAILS in CI (process.env.CI) and is skipped elsewhere.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startOrSkip, until } from '../helpers/k8s.js';
import { startTestNode } from '../helpers/test-node.js';
import { defaultCommands } from '../helpers/test-node/commands.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const NS = 'kindling-kubelet';
const node20 = process.execPath;
const pod = (name: string, spec: Obj, extra: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, ...extra }, spec: { terminationGracePeriodSeconds: 2, ...spec } });
const ctr = (script: string, extra: Obj = {}): Obj => ({ name: 'main', image: 'kindling:test', command: [node20, '-e', script], ...extra });
const POD_IP = { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } };

test('test node as a kubelet: commands, tokens, image pulls, logs, probes, volumes', { timeout: 600_000 }, async (t) => {
  const cluster = await startOrSkip(t);
  if (!cluster) return;
  const { k8s, cp, kubectlRun, kubectl } = cluster;
  const lines: string[] = [];
  const node = await startTestNode({ kubeconfig: cp.kubeconfig, log: (m) => lines.push(`${new Date().toISOString().slice(11, 23)} ${m}`) });
  t.after(() => node.stop());
  const get = async (name: string): Promise<Obj> => JSON.parse(await kubectlRun(['get', 'pod', name, '-n', NS, '-o', 'json'])) as Obj;
  const apply = (o: Obj) => kubectlRun(['apply', '-f', '-'], JSON.stringify(o));
  const phaseOf = (name: string, want: string, timeoutMs = 60_000) =>
    until(`pod ${name} to be ${want}`, async () => {
      const p = await get(name);
      return p.status?.phase === want ? p : undefined;
    }, timeoutMs);
  const events = async (name: string): Promise<Obj[]> =>
    (JSON.parse(await kubectlRun(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])) as { items: Obj[] }).items;
  const step = async (name: string, fn: () => Promise<void>) => {
    const t0 = Date.now();
    try {
      await fn();
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}\n--- test node:\n${lines.slice(-40).join('\n')}${Object.values(cp.logs).map((f) => k8s.logTail(f, 8)).join('')}`);
    }
    t.diagnostic(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  await kubectlRun(['create', 'namespace', NS]);
  await until('the default ServiceAccount', async () => ((await kubectlRun(['get', 'sa', '-n', NS, '-o', 'name'])).includes('default') ? true : undefined));

  await step('`kindling --version` runs this checkout, logs read with kubectl logs', async () => {
    const created = Date.now();
    await apply(pod('version', { restartPolicy: 'Never', containers: [{ name: 'kindling', image: 'ghcr.io/kindling/kindling:0.1.0', command: ['kindling', '--version'] }] }));
    const p = await phaseOf('version', 'Succeeded');
    t.diagnostic(`pod created -> Succeeded in ${Date.now() - created} ms`);
    assert.equal(p.status.containerStatuses[0].state.terminated.reason, 'Completed');
    assert.equal(await kubectlRun(['logs', 'version', '-n', NS]), '0.1.0\n');
    const ev = (await events('version')).map((e) => e.reason);
    for (const r of ['Scheduled', 'Pulled', 'Created', 'Started']) assert.ok(ev.includes(r), `event ${r} in ${ev.join()}`);
  });

  await step('kubectl logs -f streams while the container runs; --tail, --timestamps, --limit-bytes, stderr', async () => {
    const script = 'let i = 0; const t = setInterval(() => { (i % 2 ? console.error : console.log)("line " + i); if (++i === 10) { clearInterval(t); process.stdout.write("no newline") } }, 200)';
    await apply(pod('ticker', { restartPolicy: 'Never', containers: [ctr(script)] }));
    await phaseOf('ticker', 'Running');
    const chunks: { at: number; text: string }[] = [];
    const follow = spawn(kubectl, ['--kubeconfig', cp.kubeconfig, 'logs', '-f', 'ticker', '-n', NS]);
    follow.stdout.on('data', (d: Buffer) => chunks.push({ at: Date.now(), text: d.toString() }));
    const code = await new Promise((r) => follow.on('exit', r));
    assert.equal(code, 0);
    const expected = Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join('') + 'no newline';
    assert.equal(chunks.map((c) => c.text).join(''), expected);
    assert.ok(chunks.length > 1 && chunks.at(-1)!.at - chunks[0]!.at > 500, 'kubectl logs -f received the lines as they were written');
    const done = await phaseOf('ticker', 'Succeeded');
    assert.ok(Date.parse(done.status.containerStatuses[0].state.terminated.finishedAt) <= chunks.at(-1)!.at + 1000);
    assert.equal(await kubectlRun(['logs', 'ticker', '-n', NS, '--tail=2']), 'line 9\nno newline');
    const stamped = (await kubectlRun(['logs', 'ticker', '-n', NS, '--timestamps', '--tail=1'])).trim();
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z no newline$/);
    assert.equal(await kubectlRun(['logs', 'ticker', '-n', NS, '--limit-bytes=9']), 'line 0\nli');
  });

  await step('an emptyDir is mapped into args; --previous shows the instance before a restart', async () => {
    const script = 'const fs = require("fs"); const f = process.argv[1] + "/count"; const n = fs.existsSync(f) ? +fs.readFileSync(f, "utf8") : 0; fs.writeFileSync(f, String(n + 1)); console.log("run " + n + " in " + process.argv[1]); process.exit(n === 0 ? 1 : 0)';
    const c = { ...ctr(script), args: ['/state'], volumeMounts: [{ name: 'state', mountPath: '/state' }] };
    await apply(pod('twice', { restartPolicy: 'OnFailure', containers: [c], volumes: [{ name: 'state', emptyDir: {} }] }));
    const p = await phaseOf('twice', 'Succeeded');
    assert.equal(p.status.containerStatuses[0].restartCount, 1);
    assert.equal(p.status.containerStatuses[0].lastState.terminated.exitCode, 1);
    const dir = join(node.pods().find((x) => x.name === 'twice')!.dir, 'volumes', 'state');
    assert.equal(await kubectlRun(['logs', 'twice', '-n', NS]), `run 1 in ${dir}\n`);
    assert.equal(await kubectlRun(['logs', 'twice', '-n', NS, '--previous']), `run 0 in ${dir}\n`);
  });

  await step('a real bound ServiceAccount token: RBAC forbids, then allows once a Role is bound', async () => {
    await kubectlRun(['create', 'serviceaccount', 'reader', '-n', NS]);
    const script = `
      const fs = require('fs'), https = require('https'), dir = process.env.KINDLING_SERVICEACCOUNT_DIR;
      const token = fs.readFileSync(dir + '/token', 'utf8'), ns = fs.readFileSync(dir + '/namespace', 'utf8');
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
      console.log('claims ' + claims.sub + ' ' + claims['kubernetes.io'].pod.name);
      const ask = () => https.get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path: '/api/v1/namespaces/' + ns + '/pods',
        ca: fs.readFileSync(dir + '/ca.crt'), headers: { authorization: 'Bearer ' + token } }, (r) => {
        let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => {
          console.log(r.statusCode + ' ' + (r.statusCode === 200 ? JSON.parse(b).items.length + ' pods' : JSON.parse(b).message));
          if (r.statusCode === 200) process.exit(0); else setTimeout(ask, 300);
        });
      });
      ask();`;
    await apply(pod('token', { restartPolicy: 'Never', serviceAccountName: 'reader', containers: [ctr(script)] }));
    const forbidden = await until('the pod to be refused by RBAC', async () => {
      const out = await kubectlRun(['logs', 'token', '-n', NS]).catch(() => '');
      return /^403 /m.test(out) ? out : undefined;
    });
    assert.match(forbidden, new RegExp(`^claims system:serviceaccount:${NS}:reader token$`, 'm'));
    assert.match(forbidden, new RegExp(`403 pods is forbidden: User "system:serviceaccount:${NS}:reader" cannot list resource "pods"`));
    await kubectlRun(['create', 'role', 'pod-reader', '-n', NS, '--verb=list', '--resource=pods']);
    await kubectlRun(['create', 'rolebinding', 'reader', '-n', NS, '--role=pod-reader', `--serviceaccount=${NS}:reader`]);
    await phaseOf('token', 'Succeeded');
    assert.match(await kubectlRun(['logs', 'token', '-n', NS, '--tail=1']), /^200 \d+ pods\n$/);

    // automountServiceAccountToken: false -> no token, no KINDLING_SERVICEACCOUNT_DIR
    const probe = 'console.log(String(process.env.KINDLING_SERVICEACCOUNT_DIR) + " " + process.env.KUBERNETES_SERVICE_HOST + " " + (process.env.HOME === require("os").tmpdir() && process.env.HOME.endsWith("/tmp") && process.env.HOME !== "/tmp"))';
    await apply(pod('notoken', { restartPolicy: 'Never', automountServiceAccountToken: false, containers: [ctr(probe)] }));
    await phaseOf('notoken', 'Succeeded');
    assert.equal(await kubectlRun(['logs', 'notoken', '-n', NS]), 'undefined 127.0.0.1 true\n');

    // A missing ServiceAccount: the ServiceAccount admission plugin refuses the pod.
    await assert.rejects(apply(pod('nosa', { serviceAccountName: 'nope', containers: [ctr('')] })), /error looking up service account kindling-kubelet\/nope: serviceaccount "nope" not found/);
    // Deleted after the pod was created: it waits in ContainerCreating, FailedMount says why.
    await kubectlRun(['create', 'serviceaccount', 'doomed', '-n', NS]);
    await apply(pod('doomed', { serviceAccountName: 'doomed', schedulingGates: [{ name: 'kindling.dev/hold' }], containers: [ctr('')] }));
    await kubectlRun(['delete', 'serviceaccount', 'doomed', '-n', NS]);
    await kubectlRun(['patch', 'pod', 'doomed', '-n', NS, '--type=json', '-p', '[{"op":"remove","path":"/spec/schedulingGates"}]']);
    const failedMount = await until('a FailedMount event', async () => (await events('doomed')).find((e) => e.reason === 'FailedMount'));
    assert.match(failedMount.message, /MountVolume\.SetUp failed for volume "kube-api-access-\w+" : failed to fetch token: serviceaccounts "doomed" not found/);
    const doomed = await get('doomed');
    assert.equal(doomed.status.phase, 'Pending');
    assert.equal(doomed.status.containerStatuses[0].state.waiting.reason, 'ContainerCreating');
  });

  await step('images that cannot be pulled: ErrImagePull, then ImagePullBackOff; the pod stays Pending', async () => {
    await apply(pod('unresolvable', { containers: [{ name: 'main', image: 'registry.invalid/kindling/kindling:0.1.0', command: ['kindling', 'worker'] }] }));
    await apply(pod('untagged', { containers: [{ name: 'main', image: 'kindling:does-not-exist', command: ['kindling', 'worker'] }] }));
    for (const [name, why] of [['unresolvable', /lookup registry\.invalid: no such host/], ['untagged', /docker\.io\/library\/kindling:does-not-exist: not found/]] as const) {
      const p = await until(`${name} in ImagePullBackOff`, async () => {
        const x = await get(name);
        return x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? x : undefined;
      });
      assert.equal(p.status.phase, 'Pending');
      assert.match(p.status.containerStatuses[0].state.waiting.message, /^Back-off pulling image ".*": ErrImagePull: rpc error: code = \w+ desc = failed to pull and unpack image/);
      assert.match(p.status.containerStatuses[0].state.waiting.message, why);
      assert.equal(p.status.conditions.find((c: Obj) => c.type === 'Ready').reason, 'ContainersNotReady');
      const ev = await events(name);
      assert.ok(ev.some((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull'), 'an ErrImagePull event');
      assert.ok(ev.some((e) => e.reason === 'Failed' && why.test(e.message)), 'a Failed to pull image event');
      await assert.rejects(kubectlRun(['logs', name, '-n', NS]), /is waiting to start: trying and failing to pull image/);
    }
  });

  await step('containers that cannot be created or started: CreateContainerConfigError, StartError', async () => {
    const env = [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'x' } } }];
    await apply(pod('nosecret', { restartPolicy: 'Never', containers: [ctr('', { env })] }));
    await apply(pod('nocommand', { restartPolicy: 'Never', containers: [{ name: 'main', image: 'kindling:test', command: ['no-such-command', '--help'] }] }));
    const waiting = await until('CreateContainerConfigError', async () => (await get('nosecret')).status?.containerStatuses?.[0]?.state?.waiting);
    assert.deepEqual(waiting, { reason: 'CreateContainerConfigError', message: 'secret "absent" not found' });
    const failed = await phaseOf('nocommand', 'Failed');
    const term = failed.status.containerStatuses[0].state.terminated;
    assert.equal(term.reason, 'StartError');
    assert.equal(term.exitCode, 128);
    assert.match(term.message, /exec: "no-such-command": executable file not found in \$PATH/);
    // The Secret appears: the container starts on the next try, as with a kubelet.
    await kubectlRun(['create', 'secret', 'generic', 'absent', '-n', NS, '--from-literal=x=1']);
    await phaseOf('nosecret', 'Succeeded', 30_000);
  });

  await step('readiness and liveness probes', async () => {
    const server = 'const t0 = Date.now(); require("http").createServer((q, s) => { s.statusCode = q.url === "/live" ? 500 : Date.now() - t0 > 2500 ? 200 : 503; s.end() }).listen(8080, process.env.POD_IP)';
    const probe = (path: string, extra: Obj = {}) => ({ httpGet: { path, port: 'http' }, periodSeconds: 1, ...extra });
    await apply(pod('ready', { containers: [ctr(server, { env: [POD_IP], ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: probe('/ready') })] }));
    const notReady = await until('ready to run, not yet ready', async () => {
      const p = await get('ready');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    assert.equal(notReady.status.containerStatuses[0].ready, false);
    assert.equal(notReady.status.conditions.find((c: Obj) => c.type === 'Ready').status, 'False');
    const ready = await until('the readiness probe to pass', async () => {
      const p = await get('ready');
      return p.status.conditions.find((c: Obj) => c.type === 'Ready').status === 'True' ? p : undefined;
    }, 20_000);
    const started = Date.parse(ready.status.containerStatuses[0].state.running.startedAt);
    const readyAt = Date.parse(ready.status.conditions.find((c: Obj) => c.type === 'Ready').lastTransitionTime);
    assert.ok(readyAt - started >= 2000, `ready ${readyAt - started} ms after start (the server answers 200 after 2.5 s)`);
    assert.ok((await events('ready')).some((e) => e.reason === 'Unhealthy' && e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 503'));

    await apply(pod('unlive', { containers: [ctr(server, { env: [POD_IP], ports: [{ name: 'http', containerPort: 8080 }], livenessProbe: probe('/live', { failureThreshold: 2 }) })] }));
    await until('the liveness probe to restart the container', async () => ((await get('unlive')).status?.containerStatuses?.[0]?.restartCount >= 1 ? true : undefined), 30_000);
    const ev = await events('unlive');
    assert.ok(ev.some((e) => e.reason === 'Unhealthy' && e.message === 'Liveness probe failed: HTTP probe failed with statuscode: 500'));
    assert.ok(ev.some((e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted'));
    await kubectlRun(['delete', 'pod', 'ready', 'unlive', '-n', NS, '--wait=false']);
  });

  await step('`minio server /data` runs the cached MinIO on the pod IP, its data in the emptyDir', async () => {
    if (!(await defaultCommands()).commands.minio) {
      if (process.env.CI) assert.fail('CI must provide MinIO (node scripts/services.mjs build)');
      return void t.diagnostic('MinIO is not built: skipped the MinIO pod');
    }
    await kubectlRun(['create', 'secret', 'generic', 'minio', '-n', NS, '--from-literal=user=kindling', '--from-literal=password=kindling-secret']);
    const minio = {
      name: 'minio', image: 'quay.io/minio/minio:latest', command: ['minio', 'server', '/data', '--address', '$(POD_IP):9000', '--console-address', '$(POD_IP):9001'],
      env: [POD_IP, { name: 'MINIO_ROOT_USER', valueFrom: { secretKeyRef: { name: 'minio', key: 'user' } } }, { name: 'MINIO_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'minio', key: 'password' } } }, { name: 'HOME', value: '/tmp' }],
      ports: [{ name: 'api', containerPort: 9000 }],
      readinessProbe: { httpGet: { path: '/minio/health/ready', port: 'api' }, periodSeconds: 1 },
      volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }],
    };
    await apply(pod('minio', { automountServiceAccountToken: false, containers: [minio], volumes: [{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }] }));
    const p = await until('MinIO to be ready', async () => {
      const x = await get('minio');
      return x.status?.containerStatuses?.[0]?.ready ? x : undefined;
    });
    const r = await fetch(`http://${p.status.podIP}:9000/minio/health/live`);
    assert.equal(r.status, 200);
    const dir = node.pods().find((x) => x.name === 'minio')!.dir;
    assert.ok(readdirSync(join(dir, 'volumes', 'data')).includes('.minio.sys'), 'MinIO keeps its data in the emptyDir');
    await kubectlRun(['delete', 'pod', 'minio', '-n', NS, '--wait=false']);
  });

  await step('test-node-main: a node process until SIGTERM, then its pods die and the Node goes', async () => {
    const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'test-node-main.js');
    assert.ok(existsSync(main));
    const proc = spawn(process.execPath, [main, '--kubeconfig', cp.kubeconfig, '--name', 'cli-node'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
    try {
      await until('the cli-node to register', async () => (out.includes('node cli-node registered') ? true : undefined), 20_000);
      await apply(pod('pinned', { nodeName: 'cli-node', containers: [ctr('setInterval(() => {}, 1000)')] }));
      const p = await phaseOf('pinned', 'Running');
      const pid = Number(/pinned\/main started \(pid (\d+)/.exec(out)?.[1]);
      assert.ok(pid > 0 && p.spec.nodeName === 'cli-node');
      proc.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
      assert.match(out, /node cli-node unregistered/);
      assert.equal((await kubectlRun(['get', 'nodes', '-o', 'name'])).includes('node/cli-node'), false);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });
  const s0 = Date.now();
  await node.stop();
  t.diagnostic(`test node stopped in ${Date.now() - s0} ms`);
});
