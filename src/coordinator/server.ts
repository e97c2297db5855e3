/**
 * The coordinator's HTTP API for workers (JSON over HTTP/1.1 keep-alive). Every request
 * carries `Authorization: Bearer <job token>`; anything else gets 401.
 *   POST /v1/register  {worker}                       -> {ok}
 *   POST /v1/poll      {worker, slots}                -> {tasks: Task[], shutdown: boolean}  (long poll)
 *   POST /v1/result    {worker, task: TaskId, outcome} -> {ok}
 *   POST /v1/heartbeat {worker, running: TaskId[]}   -> {ok, cancel: TaskId[]}  (attempts no longer wanted)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../common/logger.js';
import { parse, stringify } from '../common/json.js';
import type { SerializedError } from '../common/errors.js';
import type { Task, TaskId, TaskResult } from '../plan/tasks.js';
import type { Scheduler } from './scheduler.js';

export type Outcome = { ok: true; result: TaskResult } | { ok: false; error: SerializedError };

export interface ServerHooks {
  /** Every request: the worker and its peak RSS so far (KiB). */
  onSeen(worker: string, rssKb: number): void;
  shuttingDown(): boolean;
  /** A worker that found no task: may it go (fewer tasks remain than workers)? */
  surplus?(worker: string): boolean;
}

const LONG_POLL_MS = 2000;

export class CoordinatorServer {
  private server: http.Server;
  private readonly token: Buffer;

  constructor(private readonly scheduler: Scheduler, token: string, private readonly log: Logger, private readonly hooks: ServerHooks) {
    this.token = Buffer.from(`Bearer ${token}`);
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  async listen(host = '127.0.0.1', port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private authorized(req: http.IncomingMessage): boolean {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === this.token.length && timingSafeEqual(got, this.token);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(stringify(body));
    };
    if (!this.authorized(req)) {
      // The path only: a query string could carry a credential, and none is ever logged.
      this.log.warn({ path: (req.url ?? '').split('?')[0], from: req.socket.remoteAddress }, 'rejected a request without the job token');
      req.resume();
      return reply(401, { error: 'missing or wrong job token' });
    }
    let body: Record<string, unknown>;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      body = parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      return reply(400, { error: 'body must be JSON' });
    }
    const worker = String(body.worker ?? '');
    if (!worker) return reply(400, { error: 'worker is required' });
    this.hooks.onSeen(worker, Number(body.rssKb) || 0);
    switch (req.url) {
      case '/v1/register':
        this.log.info({ worker }, 'worker registered');
        return reply(200, { ok: true });
      case '/v1/heartbeat': {
        // Attempts the worker runs that nobody wants any more: a speculative copy's loser, a
        // task rerun elsewhere after this worker was given up as lost, anything after the end.
        const running = Array.isArray(body.running) ? (body.running as TaskId[]) : [];
        const cancel = running
          .filter((id) => this.hooks.shuttingDown() || !this.scheduler.wanted(id))
          .map(({ stage, partition, attempt }) => ({ stage, partition, attempt }));
        return reply(200, { ok: true, cancel });
      }
      case '/v1/poll':
        return reply(200, await this.poll(worker, Math.max(1, Number(body.slots) || 1)));
      case '/v1/result': {
        const id = body.task as TaskId;
        const outcome = body.outcome as Outcome;
        if (outcome.ok) this.scheduler.complete(id, outcome.result);
        else {
          // A retry is news; a final failure is reported once, by whoever runs the job.
          this.log[outcome.error.retryable ? 'warn' : 'info']({ worker, task: id, error: outcome.error }, 'task attempt failed');
          this.scheduler.failed(id, outcome.error);
        }
        return reply(200, { ok: true });
      }
      default:
        return reply(404, { error: `no such endpoint ${req.url}` });
    }
  }

  /** Hands out up to `slots` tasks; waits (up to LONG_POLL_MS) for one to become runnable. */
  private async poll(worker: string, slots: number): Promise<{ tasks: Task[]; shutdown: boolean }> {
    const deadline = Date.now() + LONG_POLL_MS;
    for (;;) {
      const tasks: Task[] = [];
      for (let i = 0; i < slots; i++) {
        const t = this.scheduler.assign(worker);
        if (!t) break;
        tasks.push(t);
      }
      const shutdown = this.hooks.shuttingDown() || this.scheduler.job.kind !== 'running' || (tasks.length === 0 && this.hooks.surplus?.(worker) === true);
      if (tasks.length > 0 || shutdown || Date.now() >= deadline) {
        if (tasks.length) this.log.debug({ worker, tasks: tasks.map((t) => `${t.stage}/${t.partition}/${t.attempt}`) }, 'assigned');
        return { tasks, shutdown: shutdown && tasks.length === 0 };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, deadline - Date.now());
        const self = this.scheduler;
        function done() {
          clearTimeout(timer);
          self.off('change', done);
          resolve();
        }
        self.on('change', done);
      });
    }
  }
}
