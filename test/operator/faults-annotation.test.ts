/** The test-only fault switch: the job's kindling.dev/faults annotation reaches the coordinator pod, then the worker pods. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerPod } from '../../src/backends/kubernetes/worker-pod.js';
import { FAULTS_ANNOTATION, coordinatorPod } from '../../src/operator/resources.js';
import { operatorConfig } from '../../src/operator/config.js';
import { resolveJob } from '../../src/spec/load.js';
import { faultsEnv } from '../../src/worker/faults.js';
import type { Obj } from '../../src/k8s/client.js';

const spec = { analysis: 'engagement', input: { uri: 's3://b/in/', format: 'csv' }, output: { uri: 's3://b/out/' } };
const job = resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'eng', namespace: 'ns' }, spec });
const cfg = operatorConfig({}, { KINDLING_IMAGE: 'kindling:dev', POD_NAMESPACE: 'kindling-system' });
const cr = (annotations?: Record<string, string>): Obj => ({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'eng', namespace: 'ns', uid: 'u', annotations }, spec });
const envOf = (pod: Obj) => Object.fromEntries((pod.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

test('kindling.dev/faults on the job becomes KINDLING_FAULTS of the coordinator pod, which passes it on to worker pods; absent: nothing', () => {
  assert.equal(FAULTS_ANNOTATION, 'kindling.dev/faults');
  const coordinator = envOf(coordinatorPod(cr({ [FAULTS_ANNOTATION]: 'kill-all:map:4:start' }), job, 0, cfg));
  assert.equal(coordinator.KINDLING_FAULTS, 'kill-all:map:4:start');
  for (const annotations of [undefined, {}, { [FAULTS_ANNOTATION]: '' }] as (Record<string, string> | undefined)[]) {
    assert.equal('KINDLING_FAULTS' in envOf(coordinatorPod(cr(annotations), job, 0, cfg)), false, JSON.stringify(annotations));
  }
  // The coordinator's worker env (in-cluster.ts: faultsEnv of its own env) goes into each worker pod.
  const worker = workerPod({
    name: 'eng-abc123-w0', namespace: 'ns', job, owner: { apiVersion: 'v1', kind: 'Pod', name: 'eng-coordinator-0', uid: 'c' }, image: 'kindling:dev', tokenSecret: 'eng-token',
    launch: { url: 'http://10.0.0.5:7070', token: 't', replicas: 2, threads: 1, runId: 'r-abc123', env: faultsEnv({ KINDLING_FAULTS: coordinator.KINDLING_FAULTS }), onExit: () => undefined },
  });
  assert.equal(envOf(worker).KINDLING_FAULTS, 'kill-all:map:4:start');
});
