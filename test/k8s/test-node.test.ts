// The test node (test/helpers/test-node.ts) on a real control plane: the scheduler binds pods to
// it, it runs their containers as local processes on their own loopback addresses, reports
// status, restarts per restartPolicy and finishes deletions. Without the control plane tools
// this test FAILS in CI (process.env.CI) and is skipped elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startOrSkip, until } from '../helpers/k8s.js';
import { startTestNode } from '../helpers/test-node.js';

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; state: { running?: object; terminated?: { exitCode: number; reason: string } } }[];
  };
}

const NS = 'kindling-test-node';
const SECRET_VALUE = `hello from a secret ${Date.now()}`;
const SERVER = "require('http').createServer((q, s) => s.end(process.env.MESSAGE + ' ' + process.env.MY_NAME)).listen(8080, process.env.POD_IP)";

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [{
          name: 'web',
          image: 'kindling/not-pulled:1',
          command: [process.execPath],
          args: ['-e', SERVER],
          env: [
            { name: 'MESSAGE', valueFrom: { secretKeyRef: { name: 'greeting', key: 'message' } } },
            { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
        }],
      },
    },
  },
};
const failing = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'exit3', namespace: NS },
  spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'node:20', command: [process.execPath, '-e', 'console.log("bye"); process.exit(3)'] }] },
};

test('test node: runs bound pods as local processes (env from Secret, pod IP, exit codes, restarts, deletion)', { timeout: 300_000 }, async (t) => {
  const cluster = await startOrSkip(t);
  if (!cluster) return;
  const { k8s, cp, kubectlRun } = cluster;
  const lines: string[] = [];
  const node = await startTestNode({ kubeconfig: cp.kubeconfig, log: (m) => lines.push(`${new Date().toISOString().slice(11, 23)} ${m}`) });
  t.after(() => node.stop());
  const t0 = Date.now();
  const mark = (what: string) => t.diagnostic(`${what} at +${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const getPod = async (name: string): Promise<Pod> => JSON.parse(await kubectlRun(['get', 'pod', name, '-n', NS, '-o', 'json'])) as Pod;
  const webPods = async (): Promise<Pod[]> => (JSON.parse(await kubectlRun(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])) as { items: Pod[] }).items;
  const serve = async (ip: string) => (await fetch(`http://${ip}:8080/`)).text();

  try {
    // The Node is Ready with the requested resources, and has a Lease.
    const n = JSON.parse(await kubectlRun(['get', 'node', node.name, '-o', 'json'])) as { status: { allocatable: Record<string, string>; conditions: { type: string; status: string }[] } };
    assert.equal(n.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual([n.status.allocatable.cpu, n.status.allocatable.memory, n.status.allocatable.pods], ['4', '16Gi', '110']);
    const renewTime = async () => (JSON.parse(await kubectlRun(['get', 'lease', node.name, '-n', 'kube-node-lease', '-o', 'json'])) as { spec: { renewTime: string } }).spec.renewTime;
    const firstRenew = await renewTime();

    await kubectlRun(['create', 'namespace', NS]);
    await kubectlRun(['create', 'secret', 'generic', 'greeting', '-n', NS, `--from-literal=message=${SECRET_VALUE}`]);
    await kubectlRun(['apply', '-f', '-'], JSON.stringify(deployment));

    // The Deployment's pod is scheduled here, runs, and serves the Secret's value on its pod IP.
    const web = await until('the Deployment pod to be Running and ready with a pod IP', async () => {
      const [p] = await webPods();
      return p?.status?.phase === 'Running' && p.status.podIP && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    });
    mark('Deployment pod Running');
    assert.equal(web.spec.nodeName, node.name);
    assert.match(web.status!.podIP!, /^127\./);
    assert.notEqual(web.status!.podIP, '127.0.0.1');
    assert.equal(web.status!.hostIP, '127.0.0.1');
    assert.equal(web.status!.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    const ip = web.status!.podIP!;
    assert.equal(await until('the pod to answer HTTP', () => serve(ip), 20_000), `${SECRET_VALUE} ${web.metadata.name}`);
    mark('HTTP answered');

    // A bare pod with restartPolicy Never ends Failed with its exit code.
    await kubectlRun(['apply', '-f', '-'], JSON.stringify(failing));
    const failed = await until('the exit-3 pod to end Failed', async () => {
      const p = await getPod('exit3');
      return p.status?.phase === 'Failed' ? p : p.status?.phase === 'Succeeded' ? assert.fail('Succeeded') : undefined;
    });
    mark('exit-3 pod Failed');
    const cs = failed.status!.containerStatuses![0]!;
    assert.equal(cs.state.terminated?.exitCode, 3);
    assert.equal(cs.state.terminated?.reason, 'Error');
    assert.equal(cs.restartCount, 0);
    assert.equal(node.logs(NS, 'exit3', 'main'), 'bye\n');
    assert.equal(await kubectlRun(['logs', 'exit3', '-n', NS]), 'bye\n');

    // Killing the Deployment's process: restartPolicy Always restarts it in the same pod.
    const pid1 = node.pods().find((p) => p.name === web.metadata.name)!.containers[0]!.pid!;
    await node.killPod(NS, web.metadata.name);
    await until('the pod to restart (restartCount 1) and be ready again', async () => {
      const cs1 = (await getPod(web.metadata.name)).status?.containerStatuses?.[0];
      return cs1?.restartCount === 1 && cs1.ready && cs1.state.running ? true : undefined;
    });
    assert.equal(await until('the restarted pod to answer HTTP', () => serve(ip), 20_000), `${SECRET_VALUE} ${web.metadata.name}`);
    const pid2 = node.pods().find((p) => p.name === web.metadata.name)!.containers[0]!.pid!;
    assert.notEqual(pid2, pid1);
    mark('restarted and answered');

    // Deleting the Deployment: the process gets SIGTERM and the Pod object goes away.
    await kubectlRun(['delete', 'deployment', 'web', '-n', NS, '--wait=false']);
    await until('the Deployment pod to disappear', async () => ((await webPods()).length === 0 ? true : undefined));
    mark('Deployment pod gone');
    assert.throws(() => process.kill(pid2, 0), { code: 'ESRCH' });
    await assert.rejects(serve(ip));
    await kubectlRun(['delete', 'pod', 'exit3', '-n', NS, '--wait=false']);
    await until('the exit-3 pod to disappear', async () => ((await kubectlRun(['get', 'pods', '-n', NS, '-o', 'name'])).trim() === '' ? true : undefined));
    await until('the test node to forget its pods', async () => (node.pods().length === 0 ? true : undefined), 5_000);

    // The heartbeat renews the Lease (every ~10 s) and the node was never tainted not-ready.
    await until('the Lease to be renewed', async () => ((await renewTime()) !== firstRenew ? true : undefined), 20_000);
    const taints = (JSON.parse(await kubectlRun(['get', 'node', node.name, '-o', 'json'])) as { spec: { taints?: { key: string }[] } }).spec.taints ?? [];
    assert.deepEqual(taints.map((x) => x.key), []);
    mark('Lease renewed');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- test node:\n${lines.slice(-30).join('\n')}${Object.values(cp.logs).map((f) => k8s.logTail(f, 10)).join('')}`);
  }
  await node.stop();
});
