/** The coordinator's worker API: only requests with the job token are served. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { CoordinatorServer } from '../../src/coordinator/server.js';
import { Scheduler } from '../../src/coordinator/scheduler.js';
import { computeSplits } from '../../src/plan/physical.js';
import { loadJob } from '../../src/spec/load.js';
import { analyses } from '../../src/analyses/index.js';

function scheduler(): Scheduler {
  const job = loadJob('apiVersion: kindling.dev/v1alpha1\nkind: KindlingJob\nmetadata: { name: t }\nspec: { analysis: engagement, input: { uri: in/, format: csv }, output: { uri: out/ } }\n');
  const files = [{ uri: 'in/a.csv', size: 100, etag: '' }];
  const splits = computeSplits(files, 100, true);
  return new Scheduler({ runId: 'r', job, query: analyses.engagement.plan({} as never), files, splits, stages: [{ id: 0, kind: 'map', tasks: 1 }, { id: 1, kind: 'reduce', tasks: 8 }], shuffleUri: 'out/_shuffle/r', stagingUri: 'out/_temporary/r', inputBytes: 100 });
}

test('requests without the job token, or with a wrong one, are refused; with it, tasks are served', async () => {
  const s = scheduler();
  const seen: string[] = [];
  const server = new CoordinatorServer(s, 'sekret-token', pino({ level: 'silent' }), { onSeen: (w) => seen.push(w), shuttingDown: () => false });
  const url = await server.listen();
  try {
    const post = (path: string, auth?: string) =>
      fetch(url + path, { method: 'POST', headers: auth ? { authorization: auth } : {}, body: JSON.stringify({ worker: 'w1', slots: 1 }) });
    for (const auth of [undefined, 'Bearer wrong', 'Bearer sekret-token-and-more', 'sekret-token']) {
      const r = await post('/v1/poll', auth);
      assert.equal(r.status, 401, `auth ${auth}`);
      assert.doesNotMatch(await r.text(), /sekret/);
    }
    assert.equal(s.tasks[0][0].kind, 'pending', 'a refused poll assigns nothing');
    assert.deepEqual(seen, []);
    const ok = await post('/v1/poll', 'Bearer sekret-token');
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { tasks: { kind: string }[] };
    assert.equal(body.tasks[0].kind, 'map');
    assert.deepEqual(seen, ['w1']);
  } finally {
    await server.close();
  }
});

test('a worker with a wrong token is refused and exits at once with a clear error', async () => {
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
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 1, err);
    assert.match(err, /coordinator refused the request \(401\): missing or wrong job token/);
    assert.doesNotMatch(err, /wrong-token|right-token/, 'no token in the error');
    assert.ok(Date.now() - started < 10_000, 'no retrying for the unreachable timeout');
    assert.equal(s.tasks[0][0].kind, 'pending');
  } finally {
    await server.close();
  }
});
