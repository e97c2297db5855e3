/**
 * The worker: registers with the coordinator, pulls tasks, runs them on a piscina pool of
 * `threads` threads, reports results, heartbeats. On SIGTERM it stops pulling, finishes
 * running tasks and exits 0. If the coordinator is unreachable for long it exits 1.
 */
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/logger.js';
import type { Task } from '../plan/tasks.js';
import type { TaskOutcome } from './tasks/run-task.js';

export interface WorkerOptions {
  coordinator: string;
  token: string;
  id: string;
  threads: number;
  log: Logger;
}

const TASK_FILE = fileURLToPath(new URL('./tasks/run-task.js', import.meta.url));
const HEARTBEAT_MS = 2000;
const UNREACHABLE_MS = 30_000;

export async function runWorker(o: WorkerOptions): Promise<void> {
  const call = async (path: string, body: object): Promise<Record<string, unknown>> => {
    const res = await fetch(`${o.coordinator}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
      body: JSON.stringify({ worker: o.id, rssKb: process.resourceUsage().maxRSS, ...body }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`coordinator answered ${res.status}: ${String(json.error)}`);
    return json;
  };
  let lastContact = Date.now();
  const withRetry = async (path: string, body: object) => {
    for (;;) {
      try {
        const r = await call(path, body);
        lastContact = Date.now();
        return r;
      } catch (e) {
        if (Date.now() - lastContact > UNREACHABLE_MS) throw new Error(`coordinator ${o.coordinator} unreachable: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };

  o.log.debug({ uptimeMs: Math.round(process.uptime() * 1000) }, 'worker starting');
  // Start the threads and load the task code while registering: a no-op task per thread.
  const pool = new Piscina({ filename: TASK_FILE, minThreads: o.threads, maxThreads: o.threads, idleTimeout: 60_000 });
  const warm = Promise.all(Array.from({ length: o.threads }, () => pool.run({ kind: 'warmup' })));
  await withRetry('/v1/register', { pid: process.pid, threads: o.threads });
  o.log.debug({ uptimeMs: Math.round(process.uptime() * 1000) }, 'registered');
  await warm;
  o.log.debug({ uptimeMs: Math.round(process.uptime() * 1000) }, 'threads warm');
  let stopping = false;
  process.once('SIGTERM', () => {
    o.log.info('SIGTERM: finishing running tasks');
    stopping = true;
  });
  const heartbeat = setInterval(() => void call('/v1/heartbeat', {}).then(() => (lastContact = Date.now()), () => undefined), HEARTBEAT_MS);
  heartbeat.unref();

  const running = new Set<Promise<void>>();
  const launch = (task: Task) => {
    const log = o.log.child({ task: `${task.stage}/${task.partition}/${task.attempt}` });
    const p = (pool.run(task) as Promise<TaskOutcome>)
      .catch((e): TaskOutcome => ({ ok: false, error: { code: 'INTERNAL', message: (e as Error).message, retryable: true } }))
      .then(async (outcome) => {
        log.debug({ ok: outcome.ok }, 'task finished');
        await withRetry('/v1/result', { task: { stage: task.stage, partition: task.partition, attempt: task.attempt }, outcome });
      })
      .finally(() => running.delete(p));
    running.add(p);
  };
  try {
    while (!stopping) {
      const free = o.threads - running.size;
      if (free <= 0) {
        await Promise.race(running);
        continue;
      }
      const r = (await withRetry('/v1/poll', { slots: free })) as { tasks: Task[]; shutdown: boolean };
      for (const t of r.tasks) launch(t);
      if (r.shutdown) stopping = true;
    }
    await Promise.all(running);
  } finally {
    clearInterval(heartbeat);
    await pool.destroy();
  }
}
