// Smoke test of the real Kubernetes control plane scripts/k8s.mjs runs (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler; no kubelet, so pods stay Pending) and of helm.
// The binaries come from the cache `node scripts/k8s.mjs build` fills. Without them (or without
// kubectl) this test FAILS in CI (process.env.CI) and is skipped elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { run, startOrSkip, until } from '../helpers/k8s.js';

interface Obj {
  metadata: { name: string; uid: string; ownerReferences?: { kind: string; name: string; uid: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

const NS = 'kindling-smoke';
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: smoke
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: { app: smoke }
  template:
    metadata:
      labels: { app: smoke }
    spec:
      containers:
      - name: pause
        image: registry.k8s.io/pause:3.10
`;

test('Kubernetes control plane: Deployment -> ReplicaSet -> Pod (unschedulable), garbage collection, helm', { timeout: 300_000 }, async (t) => {
  const cluster = await startOrSkip(t);
  if (!cluster) return;
  const { k8s, cp, kubectl } = cluster;
  const tools = k8s.findK8sTools()!;
  const kc = ['--kubeconfig', cp.kubeconfig];
  const getJson = async (...args: string[]): Promise<{ items: Obj[] }> => JSON.parse(await run(kubectl, [...kc, 'get', ...args, '-o', 'json']));

  try {
    const v = JSON.parse(await run(kubectl, [...kc, 'version', '-o', 'json'])) as { serverVersion?: { gitVersion?: string } };
    assert.equal(v.serverVersion?.gitVersion, k8s.K8S_VERSION);
    await run(kubectl, [...kc, 'create', 'namespace', NS]);
    await run(kubectl, [...kc, 'apply', '-f', '-'], DEPLOYMENT);
    const deployment = JSON.parse(await run(kubectl, [...kc, 'get', 'deployment', 'smoke', '-n', NS, '-o', 'json'])) as Obj;

    // The Deployment controller creates a ReplicaSet owned by the Deployment...
    const rs = await until('the ReplicaSet of the Deployment', async () => {
      const { items } = await getJson('replicasets', '-n', NS, '-l', 'app=smoke');
      return items.length === 1 ? items[0] : undefined;
    });
    assert.deepEqual(
      rs.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
      [['Deployment', 'smoke', deployment.metadata.uid]],
    );

    // ...the ReplicaSet controller a Pod (once the ServiceAccount controller made `default`)...
    const pod = await until('the Pod of the ReplicaSet', async () => {
      const { items } = await getJson('pods', '-n', NS, '-l', 'app=smoke');
      return items.length === 1 ? items[0] : undefined;
    });
    assert.equal(pod.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
    assert.equal(pod.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);

    // ...and the scheduler finds no node for it.
    const cond = await until('the scheduler to mark the Pod unschedulable', async () => {
      const p = JSON.parse(await run(kubectl, [...kc, 'get', 'pod', pod.metadata.name, '-n', NS, '-o', 'json'])) as Obj;
      assert.equal(p.status?.phase, 'Pending');
      const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(cond.reason, 'Unschedulable');
    t.diagnostic(`PodScheduled=False: ${cond.message ?? ''}`);

    // Deleting the Deployment: the garbage collector removes its ReplicaSet and Pod.
    await run(kubectl, [...kc, 'delete', 'deployment', 'smoke', '-n', NS, '--wait=false']);
    await until('garbage collection of the ReplicaSet and the Pod', async () => {
      const [rss, pods] = await Promise.all([getJson('replicasets', '-n', NS), getJson('pods', '-n', NS)]);
      return rss.items.length === 0 && pods.items.length === 0 ? true : undefined;
    });
  } catch (e) {
    // Say what the components logged: the test's failure message alone rarely tells why.
    throw new Error(`${(e as Error).message}${Object.values(cp.logs).map((f) => k8s.logTail(f, 15)).join('')}`);
  }

  // helm runs, and talks to the cluster.
  const version = await run(tools.helm, ['version', '--short']);
  assert.equal(version.trim().split('+')[0], k8s.HELM_VERSION);
  const releases = await run(tools.helm, ['--kubeconfig', cp.kubeconfig, 'list', '--all-namespaces', '-o', 'json']);
  assert.deepEqual(JSON.parse(releases), []);
});
