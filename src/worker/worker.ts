/**
 * The worker: registers with the coordinator, pulls tasks, runs them on a piscina pool of
 * `threads` threads, reports results, heartbeats. On SIGTERM it stops pulling, finishes
 * running tasks and exits 0. If the coordinator is unreachable for long it exits 1.
 */
import http from 'node:http';
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/logger.js';
import { parse, stringify } from '../common/json.js';
import type { Task, TaskId } from '../plan/tasks.js';
import type { TaskOutcome } from './tasks/run-task.js';

export interface WorkerOptions {
  coordinator: string;
  token: string;
  id: string;
  threads: number;
  log: Logger;
}

const TASK_FILE = fileURLToPath(new URL('./tasks/run-task.js', import.meta.url));
const HEARTBEAT_MS = 1000;
const key = (t: TaskId) => `${t.stage}/${t.partition}/${t.attempt}`;
const UNREACHABLE_MS = 30_000;

export async function runWorker(o: WorkerOptions): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.threads + 2 });
  const call = (path: string, body: object) =>
    postJson(agent, `${o.coordinator}${path}`, o.token, { worker: o.id, rssKb: process.resourceUsage().maxRSS, ...body });
  let lastContact = Date.now();
  const withRetry = async (path: string, body: object) => {
    for (;;) {
      try {
        const r = await call(path, body);
        lastContact = Date.now();
        return r;
      } catch (e) {
        if (e instanceof RefusedError) throw e; // 4xx (e.g. a wrong token): retrying cannot help
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
  // Running attempts, so the coordinator can cancel those it no longer wants (a speculative
  // copy won, the job ended, this worker was given up as lost).
  const attempts = new Map<string, { id: TaskId; abort: AbortController }>();
  const beat = async () => {
    const r = (await call('/v1/heartbeat', { running: [...attempts.values()].map((a) => a.id) })) as { cancel?: TaskId[] };
    lastContact = Date.now();
    for (const id of r.cancel ?? []) {
      const a = attempts.get(key(id));
      if (!a) continue;
      o.log.info({ task: key(id) }, 'the coordinator no longer wants this attempt: cancelling it');
      a.abort.abort();
    }
  };
  const heartbeat = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_MS);
  heartbeat.unref();

  const running = new Set<Promise<void>>();
  const launch = (task: Task) => {
    const id: TaskId = { stage: task.stage, partition: task.partition, attempt: task.attempt };
    const log = o.log.child({ task: key(id) });
    const abort = new AbortController();
    attempts.set(key(id), { id, abort });
    const p = (pool.run(task, { signal: abort.signal }) as Promise<TaskOutcome>)
      .catch((e): TaskOutcome => ({ ok: false, error: { code: 'INTERNAL', message: (e as Error).message, retryable: true } }))
      .then(async (outcome) => {
        attempts.delete(key(id));
        // A cancelled attempt reports nothing: the coordinator has already moved on.
        if (abort.signal.aborted) return log.debug('task cancelled');
        log.debug({ ok: outcome.ok }, 'task finished');
        await withRetry('/v1/result', { task: id, outcome });
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
    agent.destroy();
  }
}

/** The coordinator said no (4xx); distinct from it being unreachable or failing (retried). */
class RefusedError extends Error {}

/** POSTs JSON and returns the JSON answer (node:http: no fetch/undici start-up cost). */
function postJson(agent: http.Agent, url: string, token: string, body: object): Promise<Record<string, unknown>> {
  const data = Buffer.from(stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': data.length, authorization: `Bearer ${token}` },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          const json = parse<Record<string, unknown>>(Buffer.concat(chunks).toString('utf8'));
          const status = res.statusCode ?? 0;
          if (status >= 400 && status < 500) reject(new RefusedError(`coordinator refused the request (${status}): ${String(json.error)}`));
          else if (status !== 200) reject(new Error(`coordinator answered ${status}: ${String(json.error)}`));
          else resolve(json);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
