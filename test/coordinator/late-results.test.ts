/**
 * Through the HTTP API: results from a stale worker (given up as lost) and after the job
 * ended change nothing, and the heartbeat tells a worker which of its attempts to cancel
 * (a speculative copy's loser, a lost worker's task, everything once the job is over).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { CoordinatorServer } from '../../src/coordinator/server.js';
import { Scheduler } from '../../src/coordinator/scheduler.js';
import { computeSplits } from '../../src/plan/physical.js';
import { loadAnalysisJob } from '../../src/spec/load.js';
import { analyses } from '../../src/analyses/index.js';
import type { TaskId } from '../../src/plan/tasks.js';

function scheduler(now: () => number): Scheduler {
  const job = loadAnalysisJob('apiVersion: kindling.dev/v1alpha1\nkind: KindlingJob\nmetadata: { name: t }\nspec: { analysis: engagement, input: { uri: in/, format: csv }, output: { uri: out/ }, shuffle: { partitions: 1 } }\n');
  const files = [{ uri: 'in/a.csv', size: 200, etag: '' }];
  const splits = computeSplits(files, 100, true);
  return new Scheduler({ runId: 'r', job, query: analyses.engagement.plan({} as never), files, splits, stages: [{ id: 0, kind: 'map', tasks: 2 }, { id: 1, kind: 'reduce', tasks: 1 }], shuffleUri: 'out/_shuffle/r', stagingUri: 'out/_temporary/r', inputBytes: 200 }, now);
}

const mapResult = (p: number, attempt: number) => ({
  kind: 'map', dataUri: `out/_shuffle/r/stage-0/map-0000${p}-a${attempt}.data`, indexUri: `out/_shuffle/r/stage-0/map-0000${p}-a${attempt}.index.json`, offsets: [0, 0],
  shuffleBytes: 0, records: 1, bytesRead: 100, groups: 1, firstRecordOffset: p * 100, endOffset: (p + 1) * 100, ms: 1,
});
const reduceResult = (attempt: number) => ({ kind: 'reduce', uri: `out/_temporary/r/top_users/part-00000-a${attempt}.parquet`, rows: 1, bytes: 1, groups: 1, ms: 1 });

test('over HTTP: a stale worker\'s and a loser\'s results are ignored, the heartbeat cancels attempts nobody wants, and after the job ended nothing changes', async () => {
  let now = 0;
  const s = scheduler(() => now);
  let shuttingDown = false;
  const server = new CoordinatorServer(s, 'tok', pino({ level: 'silent' }), { onSeen: () => undefined, shuttingDown: () => shuttingDown });
  const url = await server.listen();
  const post = async (path: string, worker: string, body: object) => {
    const r = await fetch(url + path, { method: 'POST', headers: { authorization: 'Bearer tok' }, body: JSON.stringify({ worker, ...body }) });
    assert.equal(r.status, 200);
    return (await r.json()) as Record<string, unknown>;
  };
  const poll = async (worker: string): Promise<TaskId> => {
    const t = ((await post('/v1/poll', worker, { slots: 1 })).tasks as TaskId[])[0];
    return { stage: t.stage, partition: t.partition, attempt: t.attempt };
  };
  const ok = (task: TaskId, result: object) => post('/v1/result', 'any', { task, outcome: { ok: true, result } });
  const cancelled = async (worker: string, running: TaskId[]) => (await post('/v1/heartbeat', worker, { running })).cancel as TaskId[];
  const discarded: TaskId[] = [];
  s.on('discarded', (id: TaskId) => discarded.push(id));
  try {
    const a = await poll('w1'); // map 0, attempt 0
    const b = await poll('w2'); // map 1, attempt 0
    assert.deepEqual([a.partition, a.attempt, b.partition], [0, 0, 1]);
    assert.deepEqual(await cancelled('w1', [a]), [], 'a running attempt is wanted');
    // w1 goes silent and is given up: its task is rerun; when it calls again it is told to cancel.
    s.workerLost('w1');
    assert.deepEqual(await cancelled('w1', [a]), [a]);
    // ...and if it reports anyway, the result is ignored.
    await ok(a, mapResult(0, 0));
    assert.equal(s.tasks[0][0].kind, 'pending');
    assert.deepEqual(discarded, [{ stage: 0, partition: 0, attempt: 0 }]);
    // A speculative copy of map 1 on w3 (after the back-off, map 0 runs as attempt 1 on w3 first).
    now = 10_000;
    const a1 = await poll('w3');
    assert.deepEqual([a1.partition, a1.attempt], [0, 1]);
    await ok(a1, mapResult(0, 1));
    now = 20_000;
    const b1 = await poll('w3');
    assert.deepEqual([b1.partition, b1.attempt], [1, 1], 'a copy of the straggler map 1');
    await ok(b1, mapResult(1, 1));
    assert.deepEqual(await cancelled('w2', [b]), [b], 'the original lost the race: its worker cancels it');
    await ok(b, mapResult(1, 0));
    assert.equal(s.tasks[0][1].kind === 'succeeded' && s.tasks[0][1].attempt, 1, 'the loser\'s late result is ignored');
    // The reduce task; the job ends.
    const r = await poll('w2');
    assert.deepEqual([r.stage, r.partition, r.attempt], [1, 0, 0]);
    await ok(r, reduceResult(0));
    assert.equal(s.job.kind, 'succeeded');
    shuttingDown = true;
    // After the end: results (success or failure, old or new attempts) change nothing, and every
    // attempt a worker still runs is cancelled.
    const before = JSON.stringify(s.tasks);
    await ok({ stage: 1, partition: 0, attempt: 1 }, reduceResult(1));
    await ok(r, reduceResult(0));
    await post('/v1/result', 'w2', { task: r, outcome: { ok: false, error: { code: 'STORAGE', message: 'late', retryable: false } } });
    await ok(b, mapResult(1, 0));
    assert.equal(JSON.stringify(s.tasks), before);
    assert.equal(s.job.kind, 'succeeded');
    assert.deepEqual(await cancelled('w2', [r, b]), [r, b]);
    assert.deepEqual(await post('/v1/poll', 'w2', { slots: 1 }), { tasks: [], shutdown: true });
  } finally {
    await server.close();
  }
});
