/** What `submit --wait`, `status` and `logs` print, from status objects alone (no cluster). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KindlingError } from '../../src/common/errors.js';
import type { JobStatus } from '../../src/k8s/job-status.js';
import {
  age,
  clock,
  explainKubeError,
  failureText,
  jobEvents,
  kubeconfigProblem,
  parseTimeout,
  statusText,
  succeededSummary,
  waitKey,
  waitLine,
} from '../../src/cli/cluster-common.js';
import { formatLogLine } from '../../src/cli/logs.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const running: JobStatus = {
  phase: 'Running',
  progress: '37/48 tasks',
  runId: 'r-abc123',
  startTime: '2025-03-01T11:58:30Z',
  workers: { desired: 2, ready: 2, summary: '2/2' },
  coordinator: { pod: 'ps-coordinator-0', attempts: 1 },
  tasks: [
    { stage: 'map', total: 40, pending: 0, running: 3, succeeded: 37, failed: 0 },
    { stage: 'reduce', total: 8, pending: 8, running: 0, succeeded: 0, failed: 0 },
  ],
  conditions: [
    { type: 'Accepted', status: 'True', reason: 'CoordinatorRunning', message: 'accepted', lastTransitionTime: '2025-03-01T11:58:30Z' },
    { type: 'Running', status: 'True', reason: 'CoordinatorRunning', message: 'coordinator ps-coordinator-0 runs r-abc123', lastTransitionTime: '2025-03-01T11:58:40Z' },
    { type: 'Complete', status: 'False', reason: 'CoordinatorRunning', message: '', lastTransitionTime: '2025-03-01T11:58:30Z' },
  ],
};

test('the --wait line: phase, progress, workers, elapsed; the reason while pending', () => {
  assert.equal(waitLine(running, 12_400), 'Running  37/48 tasks  workers 2/2  00:12');
  assert.equal(waitLine({}, 900), 'Submitted  00:00');
  const pending: JobStatus = {
    phase: 'Pending',
    conditions: [{ type: 'CoordinatorReady', status: 'False', reason: 'ImagePullBackOff', message: 'pod ps-coordinator-0: image x cannot be pulled', lastTransitionTime: '' }],
  };
  assert.equal(waitLine(pending, 75_000), 'Pending  01:15  ImagePullBackOff: pod ps-coordinator-0: image x cannot be pulled');
  // Without a terminal: a line per phase, and per reason while pending; not per progress step.
  assert.equal(waitKey(running), waitKey({ ...running, progress: '40/48 tasks' }));
  assert.notEqual(waitKey(pending), waitKey({ phase: 'Pending' }));
  assert.notEqual(waitKey(running), waitKey({ phase: 'Succeeded' }));
});

test('clock, age and --timeout durations', () => {
  assert.equal(clock(0), '00:00');
  assert.equal(clock(59_999), '00:59');
  assert.equal(clock(12 * 60_000 + 3000), '12:03');
  assert.equal(clock(3_723_000), '1:02:03');
  assert.deepEqual([45_000, 192_000, 42 * 60_000, 5 * 3_600_000 + 3 * 60_000, 11 * 3_600_000, 3 * 86_400_000].map(age), ['45s', '3m12s', '42m', '5h3m', '11h', '3d']);
  assert.equal(parseTimeout('30m'), 1_800_000);
  assert.equal(parseTimeout('90s'), 90_000);
  assert.equal(parseTimeout('1h30m'), 5_400_000);
  assert.equal(parseTimeout('500ms'), 500);
  assert.equal(parseTimeout('45'), 45_000);
  for (const bad of ['', 'soon', '30 minutes', '10m5']) assert.throws(() => parseTimeout(bad), (e: KindlingError) => e.code === 'USAGE' && /expected a duration/.test(e.message), bad);
});

test('the summary after Succeeded and the failure after Failed', () => {
  const done: JobStatus = {
    ...running,
    phase: 'Succeeded',
    completionTime: '2025-03-01T12:00:42Z',
    output: { uri: 's3://kindling/results/ps/', manifest: 's3://kindling/results/ps/_SUCCESS', rows: 684, files: 8, inputRecords: 2_000_000 },
  };
  assert.equal(
    succeededSummary('kindlingjob default/ps', done, 5000),
    'kindlingjob default/ps succeeded in 2 min 12 s\noutput: s3://kindling/results/ps/\nmanifest: s3://kindling/results/ps/_SUCCESS\nrows: 684 in 8 file(s), from 2,000,000 input records',
  );
  // No start time: the time the CLI waited.
  assert.match(succeededSummary('kindlingjob default/ps', { ...done, startTime: undefined }, 5000), /succeeded in 5\.00 s/);
  const failed: JobStatus = { phase: 'Failed', failure: { reason: 'PodsNotStarting', message: 'pod ps-coordinator-0: ImagePullBackOff' } };
  assert.equal(failureText('kindlingjob default/ps', failed), 'kindlingjob default/ps failed: PodsNotStarting: pod ps-coordinator-0: ImagePullBackOff');
  assert.equal(failureText('kindlingjob default/ps', { ...failed, failure: { ...failed.failure!, task: 't-1' } }).endsWith(' (task t-1)'), true);
});

test('the status page: fields, the per-stage table, conditions, events', () => {
  const job = {
    metadata: { name: 'ps', namespace: 'analytics', uid: 'u-2' },
    spec: { analysis: 'price-sensitivity', coordinator: { maxRestarts: 3 } },
    status: running,
  };
  const event = (name: string, uid: string | undefined, at: string, reason: string, message: string, count = 1) => ({
    metadata: { name },
    involvedObject: { kind: 'KindlingJob', name: 'ps', uid },
    type: reason === 'CoordinatorCreated' ? 'Normal' : 'Warning',
    reason,
    message,
    lastTimestamp: at,
    count,
  });
  const events = [
    event('b', 'u-2', '2025-03-01T11:59:30Z', 'ImagePullBackOff', 'pod ps-coordinator-0: back-off pulling image', 3),
    event('a', 'u-2', '2025-03-01T11:58:30Z', 'CoordinatorCreated', 'created coordinator pod ps-coordinator-0'),
    event('old', 'u-1', '2025-03-01T10:00:00Z', 'CoordinatorCreated', 'an earlier job of the same name'),
  ];
  assert.equal(
    statusText(job, events, NOW),
    [
      'kindlingjob analytics/ps (price-sensitivity)',
      'phase:       Running, 37/48 tasks',
      'started:     2025-03-01T11:58:30Z (90s ago)',
      'duration:    90.00 s so far',
      'workers:     2/2 ready',
      'coordinator: ps-coordinator-0 (attempt 1 of 4)',
      'run:         r-abc123',
      '',
      'stage   total  pending  running  succeeded  failed',
      '------  -----  -------  -------  ---------  ------',
      'map        40        0        3         37       0',
      'reduce      8        8        0          0       0',
      '',
      'conditions:',
      'type      status  reason              message                                     age',
      '--------  ------  ------------------  ------------------------------------------  ---',
      'Accepted  True    CoordinatorRunning  accepted                                    90s',
      'Running   True    CoordinatorRunning  coordinator ps-coordinator-0 runs r-abc123  80s',
      'Complete  False   CoordinatorRunning  -                                           90s',
      '',
      'events (last 2):',
      'age  type     reason              message',
      '---  -------  ------------------  ' + '-'.repeat('pod ps-coordinator-0: back-off pulling image (x3)'.length),
      '90s  Normal   CoordinatorCreated  created coordinator pod ps-coordinator-0',
      '30s  Warning  ImagePullBackOff    pod ps-coordinator-0: back-off pulling image (x3)',
    ].join('\n'),
  );

  const failed = statusText(
    {
      ...job,
      status: {
        phase: 'Failed',
        startTime: '2025-03-01T11:58:30Z',
        completionTime: '2025-03-01T11:59:00Z',
        failure: { reason: 'TaskFailed', message: 'task t-3 failed after 4 attempt(s): boom', task: 't-3' },
      },
    },
    [],
    NOW,
  );
  assert.match(failed, /^phase: {7}Failed$/m);
  assert.match(failed, /^completed: {3}2025-03-01T11:59:00Z \(60s ago\)$/m);
  assert.match(failed, /^duration: {4}30\.00 s$/m);
  assert.match(failed, /^failure: {5}TaskFailed: task t-3 failed after 4 attempt\(s\): boom \(task t-3\)$/m);
  assert.match(failed, /^events: none$/m);
  assert.match(statusText({ metadata: { name: 'new', namespace: 'default' }, spec: {} }, [], NOW), /^phase: {7}Submitted \(the operator has not seen it yet\)$/m);
});

test('events: oldest first, the last ten, other jobs of the same name left out', () => {
  const evs = Array.from({ length: 14 }, (_, i) => ({ reason: `r${i}`, involvedObject: { uid: 'u' }, lastTimestamp: new Date(NOW - (14 - i) * 1000).toISOString() }));
  const shown = jobEvents([...evs].reverse(), 'u');
  assert.deepEqual(shown.map((e) => e.reason), ['r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13']);
  assert.equal(jobEvents([{ reason: 'x', involvedObject: { uid: 'other' } }, { reason: 'y', involvedObject: {} }], 'u').map((e) => e.reason).join(), 'y');
  // events.k8s.io-style events carry eventTime instead of lastTimestamp
  assert.equal(jobEvents([{ reason: 'late', eventTime: '2025-03-01T11:00:00.000000Z' }, { reason: 'early', eventTime: '2025-03-01T10:00:00.000000Z' }], undefined).map((e) => e.reason).join(), 'early,late');
});

test('pino JSON log lines, human-readable', () => {
  assert.equal(
    formatLogLine(JSON.stringify({ level: 30, time: Date.parse('2025-03-01T10:00:00.123Z'), pid: 7, hostname: 'h', job: 'ps', role: 'coordinator', msg: 'stage done', stage: 0, ms: 812 })),
    '10:00:00.123Z INFO  stage done stage=0 ms=812',
  );
  assert.equal(
    formatLogLine(JSON.stringify({ level: 50, time: Date.parse('2025-03-01T10:00:01Z'), msg: 'task failed', task: 't-1', err: { message: 'price: "12x" is not a number', stack: 'at ...' }, uri: 's3://b/k with space' })),
    '10:00:01.000Z ERROR task failed task=t-1 err="price: \\"12x\\" is not a number" uri="s3://b/k with space"',
  );
  assert.equal(formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'slow', counts: { a: 1 } })), '00:00:00.000Z WARN  slow counts={"a":1}');
  for (const other of ['plain text', '{not json', '{"a":1}', '']) assert.equal(formatLogLine(other), other);
});

test('no kubeconfig: said before anything is tried', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-kc-'));
  try {
    assert.match(kubeconfigProblem(undefined, {}, dir)!, /^no kubeconfig: set KUBECONFIG or pass --kubeconfig/);
    assert.equal(kubeconfigProblem(undefined, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, dir), undefined);
    assert.match(kubeconfigProblem(join(dir, 'kc'), {}, dir)!, /kc does not exist/);
    assert.match(kubeconfigProblem(undefined, { KUBECONFIG: join(dir, 'nope') }, dir)!, /^KUBECONFIG names .*nope, which does not exist/);
    mkdirSync(join(dir, '.kube'));
    writeFileSync(join(dir, '.kube', 'config'), '');
    assert.equal(kubeconfigProblem(undefined, {}, dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('API failures become one line naming the server and what to do', () => {
  const api = (status: number, message: string) => Object.assign(new KindlingError('KUBERNETES', message), { status });
  const say = (e: unknown) => (explainKubeError(e, 'https://k8s.example:6443', 'team') as KindlingError).describe();
  assert.equal(
    say(api(0, 'GET /apis/x: cannot reach the API server https://k8s.example:6443: connect ECONNREFUSED 10.0.0.1:6443')),
    'cannot reach the Kubernetes API server https://k8s.example:6443 (connect ECONNREFUSED 10.0.0.1:6443); is the cluster running, and does the current context of the kubeconfig point at it? (kubectl cluster-info)',
  );
  assert.match(say(api(401, 'GET /x: Unauthorized (401 Unauthorized)')), /^the Kubernetes API server https:\/\/k8s\.example:6443 rejected the kubeconfig's credentials \(401 Unauthorized\); log in again/);
  assert.match(say(api(403, 'POST /apis/kindling.dev/v1alpha1/namespaces/team/kindlingjobs: kindlingjobs.kindling.dev is forbidden: User "bob" cannot create (403 Forbidden)')), /^forbidden by the Kubernetes API server https:\/\/k8s\.example:6443: kindlingjobs\.kindling\.dev is forbidden: User "bob" cannot create \(403 Forbidden\); ask a cluster admin .* namespace team/);
  assert.match(say(api(404, 'POST /apis/kindling.dev/v1alpha1/namespaces/team/kindlingjobs: the server could not find the requested resource (404 NotFound)')), /^the KindlingJob CRD is not installed at https:\/\/k8s\.example:6443; install the chart/);
  const usage = new KindlingError('USAGE', 'x');
  assert.equal(explainKubeError(usage, 's', 'n'), usage);
  assert.match(say(new Error('exec plugin: no such file\n  at foo')), /^cannot talk to the Kubernetes API server https:\/\/k8s\.example:6443: exec plugin: no such file;/);
});
