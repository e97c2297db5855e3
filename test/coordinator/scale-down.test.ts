// Scale down: when fewer tasks remain than workers, idle workers are told to go (exit 0) and
// are not replaced; the job still commits the right output. Deterministic: the only map task is
// held at a barrier (the `hold` fault) until the surplus workers have registered and been
// released, so the verdict does not depend on how fast workers start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { LocalBackend } from '../../src/backends/local.js';
import { runJob } from '../../src/coordinator/run-job.js';
import { physicalPlan } from '../../src/plan/physical.js';
import { REAL_NOV, job, tempDir } from '../helpers/jobs.js';
import { until } from '../helpers/k8s.js';

test('idle workers are released when fewer tasks remain than workers; the job commits', async () => {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const dir = tempDir();
  const gate = join(dir, 'gate');
  // 1 split + 1 partition = 2 tasks, 4 workers. While the map task is held, 2 tasks remain and
  // 3 workers idle: once all 4 have registered, exactly 2 are released (2 remaining < 4, then < 3).
  const plan = await physicalPlan(job('engagement', REAL_NOV, join(dir, 'out'), { workers: { replicas: 4 }, shuffle: { partitions: 1 } }));
  const released = () => lines.filter((l) => l.msg === 'fewer tasks than workers: releasing an idle worker');
  const running = runJob(plan, { backend: new LocalBackend(), log, workerEnv: { KINDLING_FAULTS: `hold:map:0:${gate}` } });
  let settled = false;
  void running.finally(() => (settled = true)).catch(() => undefined);
  await until('two idle workers released while the map task is held', async () => (settled || released().length >= 2 ? true : undefined), 120_000);
  assert.equal(settled, false, 'the job cannot finish while its map task is held');
  writeFileSync(gate, '');
  const m = await running;
  assert.ok(m.counters.outputRows > 0);
  assert.equal(lines.filter((l) => l.msg === 'worker registered').length, 4);
  assert.equal(released().length, 2, 'exactly the two surplus workers are released (one stays for a speculative copy in the last stage)');
  assert.ok(released().every((l) => (l.remaining as number) === 2));
  assert.equal(lines.filter((l) => l.msg === 'worker lost; its tasks will be rerun').length, 0, 'a released worker is not a lost worker');
});
