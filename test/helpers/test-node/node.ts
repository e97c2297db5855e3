// The Node object of the test node: registered with capacity, Ready and its addresses (InternalIP
// 127.0.0.1, the kubelet endpoint's port in daemonEndpoints), kept fresh by a heartbeat (node
// status every 10 s and a Lease in kube-node-lease, as the kubelet does).
import { randomUUID } from 'node:crypto';
import { release } from 'node:os';

import type { Api } from './api.js';
import { micro, now } from './util.js';

export interface NodeOptions {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  kubeletPort: number;
  log(m: string): void;
}

/** Registers the Node and starts its heartbeat; returns the API server's version and stop(). */
export async function registerNode(api: Api, o: NodeOptions): Promise<{ version: string; stop(): void }> {
  const { name } = o;
  const version = (await api.must<{ gitVersion: string }>('GET', '/version')).body.gitVersion;
  const since = now();
  const resources = { cpu: o.cpu ?? '4', memory: o.memory ?? '16Gi', pods: o.pods ?? '110', 'ephemeral-storage': '100Gi' };
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now(), lastTransitionTime: since });
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const nodeInfo = {
    machineID: randomUUID().replace(/-/g, ''), systemUUID: randomUUID(), bootID: randomUUID(), kernelVersion: release(),
    osImage: 'kindling test node', containerRuntimeVersion: `kindling-test-node://${process.version}`, kubeletVersion: version,
    kubeProxyVersion: version, operatingSystem: 'linux', architecture: arch,
  };
  const nodeStatus = () => ({
    capacity: resources,
    allocatable: resources,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }],
    daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
    nodeInfo,
  });
  const labels = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch, 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': arch };
  await api.must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {}, status: nodeStatus() }, undefined, [409]);
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
  let stopped = false;
  const heartbeat = async () => {
    await api.must('PATCH', `/api/v1/nodes/${name}/status`, { status: nodeStatus() }, 'application/merge-patch+json');
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() };
    const r = await api.call('PATCH', leasePath, { spec }, 'application/merge-patch+json');
    if (r.status === 404) {
      const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec };
      await api.must('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease, undefined, [409]);
    } else if (r.status >= 300) throw new Error(`renewing the Lease: HTTP ${r.status}`);
  };
  await heartbeat();
  const beat = setInterval(() => void heartbeat().catch((e: Error) => stopped || o.log(`test-node: heartbeat: ${e.message}`)), 10_000);
  return {
    version,
    stop: () => {
      stopped = true;
      clearInterval(beat);
    },
  };
}
