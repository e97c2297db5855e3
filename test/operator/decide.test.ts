// decide(): the operator's pure core, from a job and its coordinator pods to actions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type Action } from '../../src/operator/decide.js';
import { ATTEMPT_LABEL } from '../../src/operator/resources.js';
import type { Obj } from '../../src/k8s/client.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const job = (status: Obj = {}, spec: Obj = {}): Obj => ({
  apiVersion: 'kindling.dev/v1alpha1',
  kind: 'KindlingJob',
  metadata: { name: 'ps', namespace: 'team-a', uid: 'u1', generation: 1 },
  spec: { analysis: 'price-sensitivity', input: { uri: 's3://kindling/in/', format: 'csv' }, output: { uri: 's3://kindling/out/' }, ...spec },
  status,
});
const pod = (attempt: number, status: Obj, created = T0): Obj => ({
  metadata: { name: `ps-coordinator-${attempt}`, namespace: 'team-a', labels: { [ATTEMPT_LABEL]: String(attempt) }, creationTimestamp: new Date(created).toISOString() },
  status,
});
const kinds = (a: Action[]) => a.map((x) => x.kind);
const statusOf = (a: Action[]) => (a.find((x) => x.kind === 'status') as Extract<Action, { kind: 'status' }>).status;
const eventOf = (a: Action[]) => a.find((x) => x.kind === 'event') as Extract<Action, { kind: 'event' }>;

test('a new job: access, token, service, network policy, the first coordinator, Pending with startTime, an event', () => {
  const a = decide({ job: job(), pods: [], now: T0 });
  assert.deepEqual(kinds(a), ['ensureAccess', 'ensureToken', 'ensureService', 'ensureNetworkPolicy', 'createCoordinator', 'status', 'event']);
  assert.deepEqual(decide({ job: job(), pods: [], now: T0, networkPolicy: true }), a);
  // networkPolicy.enabled=false in the chart: no NetworkPolicy, the rest the same.
  assert.deepEqual(kinds(decide({ job: job(), pods: [], now: T0, networkPolicy: false })), ['ensureAccess', 'ensureToken', 'ensureService', 'createCoordinator', 'status', 'event']);
  const s = statusOf(a);
  assert.equal(s.phase, 'Pending');
  assert.equal(s.observedGeneration, 1);
  assert.deepEqual(s.coordinator, { pod: 'ps-coordinator-0', attempts: 1 });
  assert.equal(s.startTime, '2026-11-24T10:00:00Z');
  assert.equal(s.conditions?.find((c) => c.type === 'Accepted')?.status, 'True');
  assert.equal(eventOf(a).reason, 'CoordinatorCreated');
});

test('a running coordinator: nothing to do (it reports progress itself)', () => {
  const running = { phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }] };
  assert.deepEqual(decide({ job: job({ phase: 'Running', observedGeneration: 1, coordinator: { attempts: 1 } }), pods: [pod(0, running)], now: T0 }), []);
});

test('a coordinator that died before finishing is recreated, bounded by coordinator.maxRestarts', () => {
  const dead = { phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] };
  const again = decide({ job: job({ phase: 'Running', coordinator: { attempts: 1 } }, { coordinator: { maxRestarts: 1 } }), pods: [pod(0, dead)], now: T0 });
  assert.ok(kinds(again).includes('createCoordinator'));
  assert.ok(kinds(again).includes('ensureNetworkPolicy'), 'a restarted coordinator gets its policy back if it was removed');
  assert.equal((again.find((x) => x.kind === 'createCoordinator') as { attempt: number }).attempt, 1);
  assert.match(eventOf(again).message, /exited with code 137 \(OOMKilled\); started coordinator attempt 2 of 2/);
  const done = decide({ job: job({ phase: 'Running', coordinator: { attempts: 2 } }, { coordinator: { maxRestarts: 1 } }), pods: [pod(0, dead), pod(1, dead)], now: T0 });
  assert.equal(statusOf(done).phase, 'Failed');
  assert.equal(statusOf(done).failure?.reason, 'CoordinatorLost');
  assert.ok(!kinds(done).includes('createCoordinator'));
});

test('a coordinator pod that cannot start fails the job after the start timeout, with the kubelet\'s reason', () => {
  const stuck = { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' } } }] };
  const j = job({ phase: 'Pending', coordinator: { attempts: 1 } }, { workers: { startTimeoutSeconds: 60 } });
  const early = decide({ job: j, pods: [pod(0, stuck)], now: T0 + 10_000 });
  assert.equal(statusOf(early).phase, 'Pending');
  assert.match(statusOf(early).conditions!.find((c) => c.type === 'Accepted')!.message, /ImagePullBackOff: Back-off pulling image/);
  assert.deepEqual((early.find((x) => x.kind === 'requeueAfter') as { ms: number }).ms, 50_000);
  const late = decide({ job: j, pods: [pod(0, stuck)], now: T0 + 61_000 });
  assert.equal(statusOf(late).phase, 'Failed');
  assert.equal(statusOf(late).failure?.reason, 'PodsNotStarting');
  assert.match(statusOf(late).failure!.message, /ImagePullBackOff.*waited 61 s/);
  assert.ok(kinds(late).includes('deletePods'));
  const unschedulable = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }] };
  const u = decide({ job: j, pods: [pod(0, unschedulable)], now: T0 + 61_000 });
  assert.match(statusOf(u).failure!.message, /Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/);
});

test('an invalid spec, or a local path in the cluster, fails at once with the field path', () => {
  const bad = decide({ job: job({}, { workers: { replicas: 0 } }), pods: [], now: T0 });
  assert.equal(statusOf(bad).phase, 'Failed');
  assert.match(statusOf(bad).failure!.message, /spec\.workers\.replicas: must be >= 1/);
  assert.equal(statusOf(bad).conditions!.find((c) => c.type === 'Accepted')!.status, 'False');
  const local = decide({ job: job({}, { output: { uri: '/data/out' } }), pods: [], now: T0 });
  assert.match(statusOf(local).failure!.message, /spec\.output\.uri: in the cluster every path must be an s3:\/\/ URI/);
});

test('a finished job: pods deleted after ttlSecondsAfterFinished, not before; never restarted', () => {
  const finished = job({ phase: 'Succeeded', completionTime: '2026-11-24T10:00:00Z', coordinator: { attempts: 1 } }, { ttlSecondsAfterFinished: 30 });
  const exited = pod(0, { phase: 'Succeeded' });
  assert.deepEqual(decide({ job: finished, pods: [exited], now: T0 + 10_000 }), [{ kind: 'requeueAfter', ms: 20_000 }]);
  assert.deepEqual(kinds(decide({ job: finished, pods: [exited], now: T0 + 30_000 })), ['deletePods', 'event']);
  assert.deepEqual(decide({ job: finished, pods: [], now: T0 + 40_000 }), []);
  const keep = job({ phase: 'Failed', completionTime: '2026-11-24T10:00:00Z' });
  assert.deepEqual(decide({ job: keep, pods: [exited], now: T0 + 1e9 }), []);
});
