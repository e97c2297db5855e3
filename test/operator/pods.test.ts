// The pods kindling builds, from the spec's settings: credentials only through secretKeyRef,
// user scheduling settings applied natively, hardened security context, owner references.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerPod } from '../../src/backends/kubernetes/worker-pod.js';
import { coordinatorNetworkPolicy, coordinatorPod, tokenSecret } from '../../src/operator/resources.js';
import { operatorConfig } from '../../src/operator/config.js';
import { resolveJob } from '../../src/spec/load.js';
import type { Obj } from '../../src/k8s/client.js';

const spec = {
  analysis: 'engagement',
  storage: { credentialsSecret: 's3-creds' },
  input: { uri: 's3://b/in/', format: 'csv' },
  output: { uri: 's3://b/out/' },
  workers: {
    replicas: 3,
    threads: 2,
    image: 'registry.example.com/kindling:1',
    resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { memory: '2Gi' } },
    nodeSelector: { pool: 'batch' },
    tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }],
    labels: { team: 'growth' },
  },
  coordinator: { nodeSelector: { pool: 'system' }, maxRestarts: 1 },
};
const job = resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'eng', namespace: 'team-a' }, spec });
const cr: Obj = { apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'eng', namespace: 'team-a', uid: 'uid-1' }, spec };
const cfg = operatorConfig({}, { KINDLING_IMAGE: 'kindling:dev', KINDLING_S3_ENDPOINT: 'http://minio:9000', POD_NAMESPACE: 'kindling-system' });
const envOf = (pod: Obj) => Object.fromEntries((pod.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

test('a worker pod: the spec\'s image, resources and scheduling; credentials and token by secretKeyRef; hardened; owned by the coordinator', () => {
  const pod = workerPod({
    name: 'eng-abc123-w0', namespace: 'team-a', job, owner: { apiVersion: 'v1', kind: 'Pod', name: 'eng-coordinator-0', uid: 'uid-c' }, image: 'kindling:dev', tokenSecret: 'eng-token',
    launch: { url: 'http://10.0.0.5:7070', token: 'never-in-a-pod', replicas: 3, threads: 2, runId: 'r-abc123', env: { KINDLING_LOG_LEVEL: 'info' }, onExit: () => undefined },
  });
  const c = pod.spec.containers[0];
  assert.equal(c.image, 'registry.example.com/kindling:1');
  assert.deepEqual(c.command, ['kindling', 'worker', '--coordinator', 'http://10.0.0.5:7070', '--id', 'eng-abc123-w0', '--threads', '2']);
  assert.deepEqual(c.resources, { requests: { cpu: '2', memory: '1Gi' }, limits: { memory: '2Gi' } });
  assert.deepEqual(pod.spec.nodeSelector, { pool: 'batch' });
  assert.deepEqual(pod.spec.tolerations, spec.workers.tolerations);
  assert.equal(pod.metadata.labels.team, 'growth');
  assert.equal(pod.metadata.labels['kindling.dev/run'], 'r-abc123');
  const env = envOf(pod);
  assert.deepEqual(env.KINDLING_TOKEN, { secretKeyRef: { name: 'eng-token', key: 'token' } });
  assert.deepEqual(env.AWS_SECRET_ACCESS_KEY, { secretKeyRef: { name: 's3-creds', key: 'AWS_SECRET_ACCESS_KEY' } });
  assert.equal(env.KINDLING_LOG_LEVEL, 'info');
  assert.ok(!JSON.stringify(pod).includes('never-in-a-pod'), 'the token value never goes into a pod spec');
  assert.equal(pod.spec.restartPolicy, 'Never');
  assert.equal(pod.spec.automountServiceAccountToken, false);
  assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  assert.equal(pod.spec.securityContext.runAsNonRoot, true);
  assert.deepEqual(pod.spec.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: 'eng-coordinator-0', uid: 'uid-c', controller: true, blockOwnerDeletion: true }]);
});

test('a coordinator pod: the operator\'s image and defaults, its own settings, the coordinator service account, owned by the job', () => {
  const pod = coordinatorPod(cr, job, 1, cfg);
  assert.equal(pod.metadata.name, 'eng-coordinator-1');
  assert.equal(pod.metadata.labels['kindling.dev/attempt'], '1');
  assert.equal(pod.spec.containers[0].image, 'kindling:dev');
  assert.deepEqual(pod.spec.containers[0].command, ['kindling', 'coordinator']);
  assert.deepEqual(pod.spec.nodeSelector, { pool: 'system' });
  assert.equal(pod.spec.serviceAccountName, 'kindling-coordinator');
  const env = envOf(pod);
  assert.equal(env.KINDLING_JOB_NAME, 'eng');
  assert.equal(env.KINDLING_S3_ENDPOINT, 'http://minio:9000', 'the operator\'s default endpoint for a job that names none');
  assert.equal(env.KINDLING_CREDENTIALS_SECRET, undefined, 'the job names its own Secret');
  assert.deepEqual(env.AWS_ACCESS_KEY_ID, { secretKeyRef: { name: 's3-creds', key: 'AWS_ACCESS_KEY_ID' } });
  assert.deepEqual(env.POD_IP, { fieldRef: { fieldPath: 'status.podIP' } });
  assert.deepEqual(pod.metadata.ownerReferences[0], { apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', name: 'eng', uid: 'uid-1', controller: true, blockOwnerDeletion: true });
  const secret = tokenSecret(cr);
  assert.match(secret.stringData.token, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(tokenSecret(cr).stringData.token, secret.stringData.token, 'a fresh token per job');
});

test('the coordinator\'s NetworkPolicy: only this job\'s worker pods, only TCP 7070, ingress only; owned by the job', () => {
  const np = coordinatorNetworkPolicy(cr);
  assert.equal(np.apiVersion, 'networking.k8s.io/v1');
  assert.equal(np.kind, 'NetworkPolicy');
  assert.equal(np.metadata.name, 'eng-coordinator');
  assert.equal(np.metadata.namespace, 'team-a');
  assert.equal(np.metadata.labels['kindling.dev/job'], 'eng');
  assert.deepEqual(np.metadata.ownerReferences, [{ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', name: 'eng', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(np.spec, {
    podSelector: { matchLabels: { 'kindling.dev/job': 'eng', 'kindling.dev/role': 'coordinator' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { 'kindling.dev/job': 'eng', 'kindling.dev/role': 'worker' } } }], ports: [{ protocol: 'TCP', port: 7070 }] }],
  });
  // It selects the pods kindling builds for this job.
  const coord = coordinatorPod(cr, job, 0, cfg);
  const worker = workerPod({
    name: 'eng-abc123-w0', namespace: 'team-a', job, owner: { apiVersion: 'v1', kind: 'Pod', name: 'eng-coordinator-0', uid: 'uid-c' }, image: 'kindling:dev', tokenSecret: 'eng-token',
    launch: { url: 'http://10.0.0.5:7070', token: 't', replicas: 1, threads: 1, runId: 'r-abc123', env: {}, onExit: () => undefined },
  });
  const matches = (sel: Record<string, string>, pod: Obj) => Object.entries(sel).every(([k, v]) => pod.metadata.labels[k] === v);
  assert.ok(matches(np.spec.podSelector.matchLabels, coord));
  assert.ok(!matches(np.spec.podSelector.matchLabels, worker));
  assert.ok(matches(np.spec.ingress[0].from[0].podSelector.matchLabels, worker));
  // A spec cannot relabel its pods into another job's (or role's) selector: kindling's labels win.
  const forged = { ...spec, workers: { ...spec.workers, labels: { 'kindling.dev/job': 'other', 'kindling.dev/role': 'coordinator', team: 'x' } }, coordinator: { labels: { 'kindling.dev/role': 'worker' } } };
  const fj = resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'eng', namespace: 'team-a' }, spec: forged });
  const fw = workerPod({
    name: 'eng-abc123-w0', namespace: 'team-a', job: fj, owner: { apiVersion: 'v1', kind: 'Pod', name: 'eng-coordinator-0', uid: 'uid-c' }, image: 'kindling:dev', tokenSecret: 'eng-token',
    launch: { url: 'http://10.0.0.5:7070', token: 't', replicas: 1, threads: 1, runId: 'r-abc123', env: {}, onExit: () => undefined },
  });
  assert.deepEqual([fw.metadata.labels['kindling.dev/job'], fw.metadata.labels['kindling.dev/role'], fw.metadata.labels.team], ['eng', 'worker', 'x']);
  assert.equal(coordinatorPod({ ...cr, spec: forged }, fj, 0, cfg).metadata.labels['kindling.dev/role'], 'coordinator');
  assert.ok(!matches(np.spec.ingress[0].from[0].podSelector.matchLabels, coord));
  assert.equal(coord.spec.containers[0].ports[0].containerPort, np.spec.ingress[0].ports[0].port);
});

test('KINDLING_NETWORK_POLICY: on unless set to false; anything but true/false is refused', () => {
  const env = { KINDLING_IMAGE: 'kindling:dev' };
  assert.equal(operatorConfig({}, env).networkPolicy, true);
  assert.equal(operatorConfig({}, { ...env, KINDLING_NETWORK_POLICY: '' }).networkPolicy, true);
  assert.equal(operatorConfig({}, { ...env, KINDLING_NETWORK_POLICY: 'true' }).networkPolicy, true);
  assert.equal(operatorConfig({}, { ...env, KINDLING_NETWORK_POLICY: 'false' }).networkPolicy, false);
  assert.throws(() => operatorConfig({}, { ...env, KINDLING_NETWORK_POLICY: 'off-ish' }), /KINDLING_NETWORK_POLICY must be true or false/);
});
