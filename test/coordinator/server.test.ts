/** The coordinator's worker API: only requests with the job token are served. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { CoordinatorServer } from '../../src/coordinator/server.js';
import { Scheduler } from '../../src/coordinator/scheduler.js';
import { computeSplits } from '../../src/plan/physical.js';
import { loadAnalysisJob } from '../../src/spec/load.js';
import { analyses } from '../../src/analyses/index.js';

function scheduler(): Scheduler {
  const job = loadAnalysisJob('apiVersion: kindling.dev/v1alpha1\nkind: KindlingJob\nmetadata: { name: t }\nspec: { analysis: engagement, input: { uri: in/, format: csv }, output: { uri: out/ } }\n');
  const files = [{ uri: 'in/a.csv', size: 100, etag: '' }];
  const splits = computeSplits(files, 100, true);
  return new Scheduler({ runId: 'r', job, query: analyses.engagement.plan({} as never), files, splits, stages: [{ id: 0, kind: 'map', tasks: 1 }, { id: 1, kind: 'reduce', tasks: 8 }], shuffleUri: 'out/_shuffle/r', stagingUri: 'out/_temporary/r', inputBytes: 100 });
}

/** pino writing JSON lines into `lines`, to check what a refusal logs. */
function capturingLogger(lines: string[]) {
  return pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) });
}

const ENDPOINTS = ['/v1/register', '/v1/poll', '/v1/result', '/v1/heartbeat', '/v1/nope', '/'];
// Missing, wrong, longer, shorter, other scheme, no scheme, doubled space, lower-case scheme, in the query.
const WRONG = [undefined, 'Bearer wrong', 'Bearer sekret-token-and-more', 'Bearer sekret-toke', 'Basic sekret-token', 'sekret-token', 'Bearer  sekret-token', 'bearer sekret-token', ''];

test('every endpoint refuses requests without the job token or with a wrong one (401, nothing changes, no token in the reply or the log); with it, tasks are served', async () => {
  const s = scheduler();
  const seen: string[] = [];
  const logged: string[] = [];
  const server = new CoordinatorServer(s, 'sekret-token', capturingLogger(logged), { onSeen: (w) => seen.push(w), shuttingDown: () => false });
  const url = await server.listen();
  try {
    const body = JSON.stringify({ worker: 'w1', slots: 1, task: { stage: 0, partition: 0, attempt: 0 }, outcome: { ok: false, error: { code: 'X', message: 'x', retryable: false } } });
    const refused: string[] = [];
    for (const path of ENDPOINTS) {
      for (const method of ['POST', 'GET']) {
        for (const auth of WRONG) {
          const r = await fetch(url + path + (auth === '' ? '?token=sekret-token' : ''), {
            method,
            headers: auth ? { authorization: auth } : {},
            ...(method === 'POST' ? { body } : {}),
          });
          const text = await r.text();
          if (r.status !== 401) refused.push(`${method} ${path} auth=${auth}: ${r.status} ${text}`);
          assert.doesNotMatch(text, /sekret/);
          assert.deepEqual(JSON.parse(text), { error: 'missing or wrong job token' });
        }
      }
    }
    assert.deepEqual(refused, [], 'every request without the exact token gets 401');
    assert.equal(s.tasks[0][0].kind, 'pending', 'a refused poll assigns nothing and a refused result fails nothing');
    assert.equal(s.job.kind, 'running');
    assert.deepEqual(seen, [], 'a refused request is not taken as a sign of life of a worker');
    assert.ok(logged.length > 0 && logged.every((l) => /rejected a request without the job token/.test(l)), 'each refusal is logged');
    assert.deepEqual(logged.filter((l) => /sekret|wrong|Basic|bearer/i.test(l.replace(/"msg":"[^"]*"/, ''))), [], 'a refusal logs no presented credential');
    for (const path of ['/v1/register', '/v1/heartbeat']) {
      const r = await fetch(url + path, { method: 'POST', headers: { authorization: 'Bearer sekret-token' }, body });
      assert.equal(r.status, 200, path);
    }
    const ok = await fetch(url + '/v1/poll', { method: 'POST', headers: { authorization: 'Bearer sekret-token' }, body });
    assert.equal(ok.status, 200);
    const polled = (await ok.json()) as { tasks: { kind: string }[] };
    assert.equal(polled.tasks[0].kind, 'map');
    assert.deepEqual(seen, ['w1', 'w1', 'w1']);
    assert.equal((await fetch(url + '/v1/nope', { method: 'POST', headers: { authorization: 'Bearer sekret-token' }, body })).status, 404, 'only with the token does a caller learn which endpoints exist');
  } finally {
    await server.close();
  }
});

test('results: a wrong token changes no task state; with the token, a result for a stale or unknown attempt is ignored, the running attempt\'s counts', async () => {
  const s = scheduler();
  const server = new CoordinatorServer(s, 'sekret-token', pino({ level: 'silent' }), { onSeen: () => undefined, shuttingDown: () => false });
  const url = await server.listen();
  const post = async (path: string, auth: string | undefined, body: object) => {
    const r = await fetch(url + path, { method: 'POST', headers: auth ? { authorization: auth } : {}, body: JSON.stringify({ worker: 'w1', ...body }) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const RIGHT = 'Bearer sekret-token';
  const mapResult = (attempt: number) => ({
    kind: 'map', dataUri: `out/_shuffle/r/a${attempt}.data`, indexUri: `out/_shuffle/r/a${attempt}.index.json`, offsets: new Array(9).fill(0),
    shuffleBytes: 0, records: 1, bytesRead: 100, groups: 1, firstRecordOffset: 0, endOffset: 100, ms: 1,
  });
  const success = (attempt: number) => ({ task: { stage: 0, partition: 0, attempt }, outcome: { ok: true, result: mapResult(attempt) } });
  const failure = (attempt: number, retryable: boolean) => ({ task: { stage: 0, partition: 0, attempt }, outcome: { ok: false, error: { code: 'X', message: 'boom', retryable } } });
  const state = () => {
    const t = s.tasks[0][0];
    return { kind: t.kind, attempt: t.kind === 'running' ? t.attempts[0].attempt : t.attempt };
  };
  try {
    const polled = await post('/v1/poll', RIGHT, { slots: 1 });
    assert.equal(polled.status, 200);
    assert.deepEqual(state(), { kind: 'running', attempt: 0 });

    // Wrong or missing token: neither a success nor a (final) failure is taken.
    for (const auth of [undefined, 'Bearer wrong', 'Bearer sekret-token-x']) {
      for (const body of [success(0), failure(0, false), failure(0, true)]) {
        const r = await post('/v1/result', auth, body);
        assert.equal(r.status, 401, `auth ${auth}`);
        assert.deepEqual(state(), { kind: 'running', attempt: 0 }, `a result with auth ${auth} changed the task`);
      }
    }
    assert.equal(s.job.kind, 'running', 'a forged final failure did not fail the job');

    // The token, but an attempt that is not running (a later one nobody was given): ignored.
    assert.equal((await post('/v1/result', RIGHT, success(1))).status, 200);
    assert.equal((await post('/v1/result', RIGHT, failure(3, false))).status, 200);
    assert.deepEqual(state(), { kind: 'running', attempt: 0 });
    assert.equal(s.job.kind, 'running');

    // Attempt 0 fails (retryable): attempt 1 is next. A late success of attempt 0 is stale: ignored.
    assert.equal((await post('/v1/result', RIGHT, failure(0, true))).status, 200);
    assert.deepEqual(state(), { kind: 'pending', attempt: 1 });
    assert.equal((await post('/v1/result', RIGHT, success(0))).status, 200);
    assert.deepEqual(state(), { kind: 'pending', attempt: 1 }, 'a stale success does not complete a task waiting for its retry');
    // Attempt 1 runs (after the retry back-off); attempt 0's result, success or failure, still changes nothing.
    const again = await post('/v1/poll', RIGHT, { slots: 1 });
    assert.equal((again.body.tasks as { attempt: number }[])[0]?.attempt, 1, JSON.stringify(again.body));
    for (const body of [success(0), failure(0, false), failure(0, true)]) {
      assert.equal((await post('/v1/result', RIGHT, body)).status, 200);
      assert.deepEqual(state(), { kind: 'running', attempt: 1 });
    }
    // A wrong token with the running attempt's own id: still refused.
    assert.equal((await post('/v1/result', 'Bearer wrong', success(1))).status, 401);
    assert.deepEqual(state(), { kind: 'running', attempt: 1 });
    // The running attempt with the token: taken.
    assert.equal((await post('/v1/result', RIGHT, success(1))).status, 200);
    assert.deepEqual(state(), { kind: 'succeeded', attempt: 1 });
    assert.equal((s.tasks[0][0] as { result: { dataUri: string } }).result.dataUri, 'out/_shuffle/r/a1.data', 'the result of attempt 1, not a stale one');
    // ...and once succeeded, a duplicate or stale report does not undo it.
    for (const body of [success(0), failure(1, false)]) await post('/v1/result', RIGHT, body);
    assert.deepEqual(state(), { kind: 'succeeded', attempt: 1 });
    assert.equal(s.job.kind, 'running');
  } finally {
    await server.close();
  }
});

test('a worker with a wrong token is refused and exits with a clear error instead of retrying', async () => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const s = scheduler();
  const server = new CoordinatorServer(s, 'right-token', pino({ level: 'silent' }), { onSeen: () => undefined, shuttingDown: () => false });
  const url = await server.listen();
  try {
    const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, 'worker', '--coordinator', url, '--id', 'intruder'], { env: { ...process.env, KINDLING_TOKEN: 'wrong-token' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 1, err);
    assert.match(err, /coordinator refused the request \(401\): missing or wrong job token/);
    assert.doesNotMatch(err, /wrong-token|right-token/, 'no token in the error');
    assert.equal(s.tasks[0][0].kind, 'pending');
  } finally {
    await server.close();
  }
});
