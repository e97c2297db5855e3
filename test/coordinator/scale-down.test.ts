// Scale down: when fewer tasks remain than workers, idle workers are told to go (exit 0) and
// are not replaced; the job still commits the right output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { LocalBackend } from '../../src/backends/local.js';
import { runJob } from '../../src/coordinator/run-job.js';
import { physicalPlan } from '../../src/plan/physical.js';
import { REAL_NOV, job, tempDir } from '../helpers/jobs.js';

test('idle workers are released when fewer tasks remain than workers; the job commits', async () => {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  // 1 split + 1 partition = 2 tasks, 4 workers: some are surplus (how many depends on when they register).
  const plan = await physicalPlan(job('engagement', REAL_NOV, join(tempDir(), 'out'), { workers: { replicas: 4 }, shuffle: { partitions: 1 } }));
  const backend = new LocalBackend();
  const m = await runJob(plan, { backend, log });
  assert.ok(m.counters.outputRows > 0);
  const released = lines.filter((l) => l.msg === 'fewer tasks than workers: releasing an idle worker');
  assert.ok(released.length >= 1, 'at least one idle worker released');
  assert.ok(released.every((l) => (l.remaining as number) < 4));
  assert.equal(lines.filter((l) => l.msg === 'worker lost; its tasks will be rerun').length, 0, 'a released worker is not a lost worker');
});
