/**
 * The scheduler under faults, with an injected clock: speculative copies of stragglers,
 * lost shuffle output (a reduce task's typed fetch failure reruns the map task), results of
 * attempts that did not win (ignored, their files named for deletion), and which attempts a
 * worker should cancel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../../src/coordinator/scheduler.js';
import { fail, initialTask, invalidate, lose, speculate, start, succeed, type TaskState } from '../../src/coordinator/task-state.js';
import { testPlan } from '../helpers/plans.js';
import type { MapResult, ReduceResult, Task, TaskId } from '../../src/plan/tasks.js';
import type { SerializedError } from '../../src/common/errors.js';

const plan = testPlan;

const mapResult = (t: Task): MapResult => ({
  kind: 'map', dataUri: `${(t as { shuffleBase: string }).shuffleBase}.data`, indexUri: `${(t as { shuffleBase: string }).shuffleBase}.index.json`,
  offsets: [0, 10, 20], shuffleBytes: 20, records: 5, bytesRead: 100, groups: 5, firstRecordOffset: t.partition * 100, endOffset: (t.partition + 1) * 100, ms: 1,
});
const reduceResult = (t: Task): ReduceResult => ({ kind: 'reduce', uri: (t as { outputUri: string }).outputUri, rows: 1, bytes: 1, groups: 1, ms: 1 });
const result = (t: Task) => (t.kind === 'map' ? mapResult(t) : reduceResult(t));
const id = (t: Task): TaskId => ({ stage: t.stage, partition: t.partition, attempt: t.attempt });

function events(s: Scheduler) {
  const seen: { event: string; args: unknown[] }[] = [];
  for (const event of ['speculated', 'superseded', 'discarded', 'rerun', 'completed']) s.on(event, (...args: unknown[]) => seen.push({ event, args }));
  return seen;
}

test('task states: a speculative copy is a second running attempt; the first to succeed wins; numbers are never reused', () => {
  let s: TaskState = start(initialTask(), 'w1', 0);
  assert.deepEqual(s, { kind: 'running', attempts: [{ attempt: 0, worker: 'w1', startedAt: 0 }], next: 1 });
  assert.equal(speculate(s, 'w1', 10), s, 'never on the worker already running it');
  s = speculate(s, 'w2', 10);
  assert.deepEqual(s.kind === 'running' && s.attempts.map((a) => [a.attempt, a.worker]), [[0, 'w1'], [1, 'w2']]);
  assert.equal(speculate(s, 'w3', 20), s, 'at most one copy');
  // The copy fails (retryable): the original carries on, nothing is retried yet.
  const flaky: SerializedError = { code: 'STORAGE', message: 'x', retryable: true };
  const afterCopyFailed = fail(s, 1, flaky, 4, 30);
  assert.deepEqual(afterCopyFailed, { kind: 'running', attempts: [{ attempt: 0, worker: 'w1', startedAt: 0 }], next: 2 });
  // ...then the original's worker is lost: a retry with the next unused number, 2.
  const retried = lose(afterCopyFailed, 'w1', 4, 40);
  assert.equal(retried.kind === 'pending' && retried.attempt, 2);
  // The copy wins: its time is its own; the original's late result is stale.
  const won = succeed(s, 1, { kind: 'reduce', uri: 'u1', rows: 1, bytes: 1, groups: 1, ms: 1 }, 25);
  assert.equal(won.kind === 'succeeded' && won.ms, 15);
  assert.equal(succeed(won, 0, { kind: 'reduce', uri: 'u0', rows: 1, bytes: 1, groups: 1, ms: 1 }, 30), won);
  // Its output lost later: rerun as attempt 2 (past the loser's 0 and the winner's 1).
  const rerun = invalidate(won, flaky, 4);
  assert.deepEqual(rerun, { kind: 'pending', attempt: 2, lastError: flaky });
  assert.equal(invalidate(won, flaky, 2).kind, 'failed', 'bounded by maxTaskAttempts');
  // A non-retryable failure of either copy fails the task: the other would fail the same way.
  assert.equal(fail(s, 0, { ...flaky, retryable: false }, 4, 30).kind, 'failed');
});

test('speculation: an idle worker gets a copy of a straggler once half the stage is done and it runs > 1.5x the median and > 1 s; the first copy to finish wins', () => {
  let now = 0;
  const s = new Scheduler(plan({ maps: 4 }), () => now);
  const seen = events(s);
  const t = [s.assign('w1')!, s.assign('w2')!, s.assign('w3')!, s.assign('w4')!];
  now = 400;
  s.complete(id(t[1]), result(t[1]));
  assert.equal(s.assign('w2'), undefined, 'a quarter of the stage done: no speculation yet');
  s.complete(id(t[2]), result(t[2]));
  now = 999;
  assert.equal(s.assign('w2'), undefined, 'half done, median 400 ms, but nothing has run > max(600 ms, 1 s)');
  now = 1001;
  const copy = s.assign('w2')!;
  assert.deepEqual([copy.partition, copy.attempt], [0, 1], 'the longest-running straggler (task 0, started first) gets attempt 1');
  assert.match((copy as { shuffleBase: string }).shuffleBase, /map-00000-a1$/, 'its own files');
  assert.equal(s.assign('w4'), undefined, 'a worker never gets a copy of its own task (3), and task 0 has its copy');
  const copy2 = s.assign('w3')!;
  assert.deepEqual([copy2.partition, copy2.attempt], [3, 1], 'then the next straggler');
  assert.equal(s.assign('w3'), undefined, 'one copy per task');
  assert.equal(seen.filter((e) => e.event === 'speculated').length, 2);
  assert.ok(s.wanted(id(t[0])) && s.wanted(id(copy)), 'both copies are wanted while they race');
  // The copy finishes first and wins; the original is no longer wanted (its worker cancels it).
  now = 1100;
  s.complete(id(copy), result(copy));
  assert.deepEqual(s.tasks[0][0].kind === 'succeeded' && [s.tasks[0][0].attempt, s.tasks[0][0].ms], [1, 99]);
  assert.equal(s.wanted(id(t[0])), false);
  const superseded = seen.find((e) => e.event === 'superseded')!;
  assert.deepEqual((superseded.args[1] as { attempt: number }[]).map((a) => a.attempt), [0]);
  // The original's late result is ignored; its files (by name, not as reported) are discarded.
  s.complete(id(t[0]), { ...mapResult(t[0]), dataUri: 'in/a.csv' });
  assert.equal(s.tasks[0][0].kind === 'succeeded' && s.tasks[0][0].attempt, 1);
  const discarded = seen.filter((e) => e.event === 'discarded');
  assert.deepEqual(discarded.map((e) => e.args[1]), [['out/_shuffle/run/stage-0/map-00000-a0.data', 'out/_shuffle/run/stage-0/map-00000-a0.index.json']]);
  // A duplicate of the winner's own report is not discarded (those are the files in use).
  s.complete(id(copy), result(copy));
  assert.equal(seen.filter((e) => e.event === 'discarded').length, 1);
  // The other race: the original wins, the copy's late failure changes nothing.
  s.complete(id(t[3]), result(t[3]));
  s.failed(id(copy2), { code: 'STORAGE', message: 'late', retryable: true });
  assert.equal(s.tasks[0][3].kind === 'succeeded' && s.tasks[0][3].attempt, 0);
  // Reduce tasks read the winners' outputs.
  const r = s.assign('w1')!;
  assert.ok(r.kind === 'reduce');
  assert.deepEqual(r.kind === 'reduce' && r.inputs.map((i) => [i.map, i.attempt, i.uri.split('/').pop()]), [
    [0, 1, 'map-00000-a1.data'], [1, 0, 'map-00001-a0.data'], [2, 0, 'map-00002-a0.data'], [3, 0, 'map-00003-a0.data'],
  ]);
});

test('speculation off (spec.speculation: false): a straggler is never copied', () => {
  let now = 0;
  const s = new Scheduler(plan({ maps: 2, speculation: false }), () => now);
  const [a, b] = [s.assign('w1')!, s.assign('w2')!];
  now = 100;
  s.complete(id(b), result(b));
  now = 60_000;
  assert.equal(s.assign('w2'), undefined);
  assert.ok(s.wanted(id(a)));
});

test('a worker\'s speculative copy wakes waiting workers when a straggler becomes due', (t) => {
  // The scheduler's clock and its timers are both the test's: no verdict depends on real time.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const s = new Scheduler(plan({ maps: 2 }), () => now);
  const [a, b] = [s.assign('w1')!, s.assign('w2')!];
  now = 100;
  s.complete(id(b), result(b));
  assert.equal(s.assign('w2'), undefined, 'not due yet: the straggler is due at max(1.5 x median, 1000 ms) = 1000 ms');
  let woke = 0;
  s.on('change', () => woke++);
  t.mock.timers.tick(899);
  assert.equal(woke, 0, 'no wake-up before the straggler is due');
  now = 1000;
  t.mock.timers.tick(10);
  assert.equal(woke, 1, 'waiting workers are woken once it is due');
  assert.deepEqual([s.assign('w2')!.partition, s.wanted(id(a))], [0, true]);
});

test('lost shuffle output: the reduce task\'s typed fetch failure reruns the map task, then the reduce (one attempt counted, no backoff); reports for an output already rerun change nothing more', () => {
  let now = 0;
  const s = new Scheduler(plan({ maps: 3, partitions: 2 }), () => now);
  const seen = events(s);
  const maps = [s.assign('w1')!, s.assign('w2')!, s.assign('w1')!];
  for (const m of maps) s.complete(id(m), result(m));
  const [r0, r1] = [s.assign('w1')!, s.assign('w2')!];
  assert.ok(r0.kind === 'reduce' && r1.kind === 'reduce');
  const lostUri = r0.kind === 'reduce' ? r0.inputs[1].uri : '';
  const fetchFailure: SerializedError = { code: 'SHUFFLE_FETCH', message: 'map 1 is gone', retryable: true, lost: [{ map: 1, uri: lostUri }] };
  now = 10;
  s.failed(id(r0), fetchFailure);
  assert.deepEqual(s.tasks[0][1], { kind: 'pending', attempt: 1, lastError: { code: 'SHUFFLE_FETCH', message: `its shuffle output ${lostUri} is gone`, retryable: true } });
  assert.deepEqual(s.tasks[1][0], { kind: 'pending', attempt: 1, lastError: fetchFailure }, 'no backoff: it waits for the map stage anyway');
  assert.equal(s.currentStage(), 0, 'the reduce stage waits for the map task');
  assert.equal(seen.filter((e) => e.event === 'rerun').length, 1);
  // The other reduce task read the same lost file: its report reruns nothing more.
  s.failed(id(r1), fetchFailure);
  assert.equal(s.tasks[0][1].kind, 'pending');
  assert.equal(s.tasks[1][1].kind === 'pending' && s.tasks[1][1].attempt, 1);
  assert.equal(seen.filter((e) => e.event === 'rerun').length, 1);
  // The map task runs again (attempt 1, new files); then the reduce tasks, reading it.
  const m1 = s.assign('w2')!;
  assert.deepEqual([m1.kind, m1.partition, m1.attempt], ['map', 1, 1]);
  assert.equal(s.assign('w1'), undefined, 'no reduce task while the map task reruns');
  // A late report naming the old output, after the rerun succeeded: changes nothing.
  s.complete(id(m1), result(m1));
  const again = s.assign('w1')!;
  assert.ok(again.kind === 'reduce' && again.attempt === 1 && again.inputs[1].uri.endsWith('map-00001-a1.data') && again.inputs[1].attempt === 1);
  s.failed(id(again), fetchFailure);
  assert.equal(s.tasks[0][1].kind, 'succeeded', 'the rerun output is not the one reported lost');
  assert.equal(s.job.kind, 'running');
  const r1b = s.assign('w2')!;
  s.complete(id(r1b), result(r1b));
  const r0c = s.assign('w1')!;
  s.complete(id(r0c), result(r0c));
  assert.equal(s.job.kind, 'succeeded');
});

test('lost shuffle output, again and again: bounded by maxTaskAttempts, then the job fails naming the map task', () => {
  const s = new Scheduler(plan({ maps: 1, partitions: 1, maxTaskAttempts: 2 }), () => 0);
  for (let round = 0; round < 2; round++) {
    const m = s.assign('w1')!;
    assert.equal(m.kind, 'map');
    s.complete(id(m), result(m));
    const r = s.assign('w1')!;
    s.failed(id(r), { code: 'SHUFFLE_FETCH', message: 'gone', retryable: true, lost: [{ map: 0, uri: r.kind === 'reduce' ? r.inputs[0].uri : '' }] });
  }
  assert.equal(s.job.kind, 'failed');
  assert.match(s.job.kind === 'failed' ? s.job.error.message : '', /task run-s\d-p0-a1 failed after 2 attempt\(s\)/);
});

test('a plain fetch error (storage trouble, no lost output) is an ordinary retry of the reduce task', () => {
  const s = new Scheduler(plan({ maps: 1, partitions: 1 }), () => 0);
  const m = s.assign('w1')!;
  s.complete(id(m), result(m));
  const r = s.assign('w1')!;
  s.failed(id(r), { code: 'SHUFFLE_FETCH', message: 'connection reset', retryable: true });
  assert.equal(s.tasks[0][0].kind, 'succeeded');
  assert.equal(s.tasks[1][0].kind === 'pending' && s.tasks[1][0].notBefore, 500);
});

test('a lost worker\'s late result is ignored and its files discarded; after the job ended, results change nothing', () => {
  let now = 0;
  const s = new Scheduler(plan({ maps: 1, partitions: 1 }), () => now);
  const seen = events(s);
  const m = s.assign('w1')!;
  s.workerLost('w1');
  assert.equal(s.wanted(id(m)), false, 'the lost worker should cancel it if it still runs');
  s.complete(id(m), result(m));
  assert.equal(s.tasks[0][0].kind, 'pending');
  assert.deepEqual(seen.filter((e) => e.event === 'discarded').map((e) => (e.args[0] as TaskId).attempt), [0]);
  now = 1000;
  const m1 = s.assign('w2')!;
  s.complete(id(m1), result(m1));
  const r = s.assign('w2')!;
  s.complete(id(r), result(r));
  assert.equal(s.job.kind, 'succeeded');
  s.failed(id(r), { code: 'X' as never, message: 'late', retryable: false });
  s.complete({ ...id(r), attempt: 0 }, result(r));
  assert.equal(s.job.kind, 'succeeded');
  assert.equal(s.tasks[1][0].kind, 'succeeded');
  assert.equal(s.wanted(id(r)), false, 'nothing is wanted after the end');
});
