import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/coordinator/scheduler.js';
import { computeSplits, type PhysicalPlan } from '../../src/plan/physical.js';
import { testPlan } from '../helpers/plans.js';
import type { MapResult, ReduceResult } from '../../src/plan/tasks.js';

const plan = (maxTaskAttempts = 3): PhysicalPlan => testPlan({ maps: 3, maxTaskAttempts });

const mapResult = (i: number): MapResult => ({
  kind: 'map', dataUri: `m${i}.data`, indexUri: `m${i}.index.json`, offsets: [0, 10, 20], shuffleBytes: 20,
  records: 5, bytesRead: 100, groups: 5, firstRecordOffset: i * 100, endOffset: (i + 1) * 100, ms: 1,
});
const reduceResult = (p: number): ReduceResult => ({ kind: 'reduce', uri: `r${p}`, rows: 1, bytes: 1, groups: 1, ms: 1 });

test('splits are even and cover each file exactly', () => {
  const s = computeSplits([{ uri: 'a.csv', size: 1000, etag: '' }, { uri: 'b.csv.gz', size: 5000, etag: '' }], 300, true);
  assert.deepEqual(s.filter((x) => x.uri === 'a.csv').map((x) => [x.start, x.end]), [[0, 250], [250, 500], [500, 750], [750, 1000]]);
  assert.deepEqual(s.filter((x) => x.uri === 'b.csv.gz').map((x) => [x.start, x.end, x.gzip]), [[0, 5000, true]]);
});

test('map tasks first, reduce tasks only after every map succeeded, then done', () => {
  const s = new Scheduler(plan(), () => 0);
  const maps = [s.assign('w1')!, s.assign('w2')!, s.assign('w1')!];
  assert.deepEqual(maps.map((t) => [t.kind, t.partition]), [['map', 0], ['map', 1], ['map', 2]]);
  assert.equal(s.assign('w2'), undefined, 'no reduce task while maps run');
  maps.forEach((t) => s.complete(t, mapResult(t.partition)));
  const r0 = s.assign('w1')!;
  assert.equal(r0.kind, 'reduce');
  assert.ok(r0.kind === 'reduce' && r0.inputs.length === 3 && r0.inputs[2].uri === 'm2.data' && r0.inputs[2].start === 0 && r0.inputs[2].end === 10);
  const r1 = s.assign('w2')!;
  assert.equal(r1.kind === 'reduce' && r1.inputs[0].start, 10);
  s.complete(r0, reduceResult(0));
  assert.equal(s.job.kind, 'running');
  s.complete(r1, reduceResult(1));
  assert.equal(s.job.kind, 'succeeded');
});

test('a stale or duplicate result changes nothing', () => {
  let now = 0;
  const s = new Scheduler(plan(), () => now);
  const t = s.assign('w1')!;
  s.failed(t, { code: 'STORAGE', message: 'flaky', retryable: true });
  s.complete(t, mapResult(0)); // late result from the failed attempt 0
  assert.equal(s.tasks[0][0].kind, 'pending');
  s.assign('w2');
  s.assign('w2'); // the other two splits
  now = 10_000;
  const again = s.assign('w2')!;
  assert.equal(again.attempt, 1);
  s.complete(again, mapResult(0));
  s.complete(again, mapResult(0));
  assert.equal(s.tasks[0][0].kind, 'succeeded');
});

test('a retryable failure is retried after a backoff, up to maxTaskAttempts, then the job fails naming task and split', () => {
  let now = 0;
  const s = new Scheduler(plan(2), () => now);
  const a0 = s.assign('w1')!;
  s.failed(a0, { code: 'STORAGE', message: 'disk hiccup', retryable: true });
  assert.equal(s.assign('w1')!.partition, 1, 'the failed split waits; others go first');
  s.assign('w1');
  assert.equal(s.assign('w1'), undefined, 'nothing due yet');
  now = 499;
  assert.equal(s.assign('w1'), undefined, 'the backoff is 500 ms');
  now = 500;
  const a1 = s.assign('w1')!;
  assert.equal(a1.partition, 0);
  assert.equal(a1.attempt, 1);
  s.failed(a1, { code: 'STORAGE', message: 'disk hiccup', retryable: true });
  assert.equal(s.job.kind, 'failed');
  assert.ok(s.job.kind === 'failed' && /run-s0-p0-a1 failed after 2 attempt\(s\) on split in\/a\.csv bytes 0-100: disk hiccup/.test(s.job.error.message), s.job.kind === 'failed' ? s.job.error.message : '');
});

test('a non-retryable failure fails the job at once', () => {
  const s = new Scheduler(plan(4), () => 0);
  const t = s.assign('w1')!;
  s.failed(t, { code: 'INPUT_BAD_RECORD', message: 'bad price', retryable: false, place: { file: 'in/a.csv', offset: 42 } });
  assert.equal(s.job.kind, 'failed');
  assert.equal(s.job.kind === 'failed' && s.job.error.place?.offset, 42);
  assert.equal(s.assign('w2'), undefined);
});

test('a lost worker\'s running tasks are rerun elsewhere', () => {
  let now = 0;
  const s = new Scheduler(plan(), () => now);
  const t0 = s.assign('w1')!;
  const t1 = s.assign('w2')!;
  s.workerLost('w1');
  assert.equal(s.tasks[0][t0.partition].kind, 'pending');
  assert.equal(s.tasks[0][t1.partition].kind, 'running');
  s.assign('w2'); // split 2
  now = 1000;
  const again = s.assign('w2')!;
  assert.deepEqual([again.partition, again.attempt], [t0.partition, 1]);
});

test('splits that do not meet: the later one runs again from where the earlier one ended', () => {
  const s = new Scheduler(plan(), () => 0);
  const ts = [s.assign('w')!, s.assign('w')!, s.assign('w')!];
  s.complete(ts[0], mapResult(0));
  s.complete(ts[1], { ...mapResult(1), firstRecordOffset: 117 });
  s.complete(ts[2], mapResult(2));
  assert.equal(s.job.kind, 'running');
  assert.equal(s.currentStage(), 0, 'the reduce stage waits');
  const again = s.assign('w')!;
  assert.deepEqual([again.stage, again.partition, again.attempt], [0, 1, 1]);
  assert.equal(again.kind === 'map' ? again.split.firstRecordOffset : -1, 100, 'it starts where split 0 ended');
  s.complete(again, mapResult(1));
  assert.equal(s.currentStage(), 1);
  assert.equal(s.job.kind, 'running');

  // A split that started where its neighbour ended and still does not meet (it cannot happen)
  // fails the job rather than running again and again.
  const s2 = new Scheduler(plan(), () => 0);
  const t2 = [s2.assign('w')!, s2.assign('w')!, s2.assign('w')!];
  s2.complete(t2[0], mapResult(0));
  s2.complete(t2[1], { ...mapResult(1), firstRecordOffset: 117 });
  s2.complete(t2[2], mapResult(2));
  s2.complete(s2.assign('w')!, { ...mapResult(1), firstRecordOffset: 117 });
  assert.equal(s2.job.kind, 'failed');
  assert.match(s2.job.kind === 'failed' ? s2.job.error.message : '', /splits of in\/a\.csv do not meet/);
});
