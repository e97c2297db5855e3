/**
 * A task's state is a discriminated union; transitions are pure functions. A result or
 * failure for an attempt that is not running is stale and changes nothing, so duplicate and
 * late reports are harmless.
 *
 * A running task has one attempt, or two when a speculative copy of a straggler runs beside
 * the original: the first to succeed wins, the other is dropped. `next` is the number the
 * next attempt of the task gets (a speculative copy or a retry), so attempt numbers (and the
 * per-attempt file names built from them) are never reused.
 */
import type { SerializedError } from '../common/errors.js';
import type { TaskResult } from '../plan/tasks.js';

/** One running copy of a task. */
export interface RunningAttempt {
  attempt: number;
  worker: string;
  startedAt: number;
}

export type TaskState =
  /** notBefore: a retried attempt waits (backoff) so a brief outage does not use up every attempt. */
  | { kind: 'pending'; attempt: number; lastError?: SerializedError; notBefore?: number }
  /** attempts: never empty; the first is the oldest. */
  | { kind: 'running'; attempts: RunningAttempt[]; next: number }
  /** next: the number a rerun would get (absent: attempt + 1), past any speculative loser. */
  | { kind: 'succeeded'; attempt: number; result: TaskResult; ms: number; next?: number }
  | { kind: 'failed'; attempt: number; error: SerializedError };

export type Running = Extract<TaskState, { kind: 'running' }>;

export const initialTask = (): TaskState => ({ kind: 'pending', attempt: 0 });

export function start(s: TaskState, worker: string, now: number): TaskState {
  return s.kind === 'pending' ? { kind: 'running', attempts: [{ attempt: s.attempt, worker, startedAt: now }], next: s.attempt + 1 } : s;
}

/** A second, speculative attempt of a running task on another worker (at most one copy). */
export function speculate(s: TaskState, worker: string, now: number): TaskState {
  if (s.kind !== 'running' || s.attempts.length !== 1 || s.attempts[0].worker === worker) return s;
  return { kind: 'running', attempts: [...s.attempts, { attempt: s.next, worker, startedAt: now }], next: s.next + 1 };
}

/** The running attempt with this number, if any. */
export function runningAttempt(s: TaskState, attempt: number): RunningAttempt | undefined {
  return s.kind === 'running' ? s.attempts.find((a) => a.attempt === attempt) : undefined;
}

/** The first attempt to succeed wins; any other running attempt of the task is dropped. */
export function succeed(s: TaskState, attempt: number, result: TaskResult, now: number): TaskState {
  const a = runningAttempt(s, attempt);
  if (!a || s.kind !== 'running') return s;
  return { kind: 'succeeded', attempt, result, ms: now - a.startedAt, next: s.next };
}

/** Wait before attempt n+1 after attempt n failed: 0.5 s, 1 s, 2 s, ... at most 5 s. */
export function retryDelay(failedAttempt: number): number {
  return Math.min(500 * 2 ** failedAttempt, 5000);
}

/**
 * A failed attempt. Not retryable: the task fails (another copy would fail the same way).
 * Retryable while another copy still runs: that copy carries on. Otherwise retried (after a
 * backoff, unless `backoff` is false) while attempts remain, else final. Every attempt
 * started counts against maxAttempts, speculative copies included.
 */
export function fail(s: TaskState, attempt: number, error: SerializedError, maxAttempts: number, now: number, backoff = true): TaskState {
  if (s.kind !== 'running' || !runningAttempt(s, attempt)) return s;
  if (!error.retryable) return { kind: 'failed', attempt, error };
  const others = s.attempts.filter((a) => a.attempt !== attempt);
  if (others.length > 0) return { ...s, attempts: others };
  if (s.next < maxAttempts) return { kind: 'pending', attempt: s.next, lastError: error, ...(backoff ? { notBefore: now + retryDelay(s.next - 1) } : {}) };
  return { kind: 'failed', attempt, error };
}

/** The worker was lost: its attempts of the task failed (retryable); others carry on. */
export function lose(s: TaskState, worker: string, maxAttempts: number, now: number): TaskState {
  if (s.kind !== 'running') return s;
  let out: TaskState = s;
  for (const a of s.attempts.filter((x) => x.worker === worker)) {
    const error: SerializedError = { code: 'WORKER_LOST', message: `worker ${worker} was lost while running attempt ${a.attempt}`, retryable: true };
    out = fail(out, a.attempt, error, maxAttempts, now);
  }
  return out;
}

/**
 * A succeeded task's output is gone (a reduce task could not fetch it): the task runs again,
 * at once (the next stage waits for it). Counts as an attempt.
 */
export function invalidate(s: TaskState, error: SerializedError, maxAttempts: number): TaskState {
  if (s.kind !== 'succeeded') return s;
  const next = s.next ?? s.attempt + 1;
  if (next < maxAttempts) return { kind: 'pending', attempt: next, lastError: error };
  return { kind: 'failed', attempt: s.attempt, error };
}
