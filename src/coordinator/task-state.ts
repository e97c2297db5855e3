/**
 * A task's state is a discriminated union; transitions are pure functions. A result or
 * failure for an attempt that is not the running one is stale and changes nothing, so
 * duplicate and late reports are harmless.
 */
import type { SerializedError } from '../common/errors.js';
import type { TaskResult } from '../plan/tasks.js';

export type TaskState =
  /** notBefore: a retried attempt waits (backoff) so a brief outage does not use up every attempt. */
  | { kind: 'pending'; attempt: number; lastError?: SerializedError; notBefore?: number }
  | { kind: 'running'; attempt: number; worker: string; startedAt: number }
  | { kind: 'succeeded'; attempt: number; result: TaskResult; ms: number }
  | { kind: 'failed'; attempt: number; error: SerializedError };

export const initialTask = (): TaskState => ({ kind: 'pending', attempt: 0 });

export function start(s: TaskState, worker: string, now: number): TaskState {
  return s.kind === 'pending' ? { kind: 'running', attempt: s.attempt, worker, startedAt: now } : s;
}

export function succeed(s: TaskState, attempt: number, result: TaskResult, now: number): TaskState {
  if (s.kind !== 'running' || s.attempt !== attempt) return s;
  return { kind: 'succeeded', attempt, result, ms: now - s.startedAt };
}

/** Wait before attempt n+1 after attempt n failed: 0.5 s, 1 s, 2 s, ... at most 5 s. */
export function retryDelay(failedAttempt: number): number {
  return Math.min(500 * 2 ** failedAttempt, 5000);
}

/** A failed attempt: retried (after a backoff) while retryable and attempts remain, else final. */
export function fail(s: TaskState, attempt: number, error: SerializedError, maxAttempts: number, now: number): TaskState {
  if (s.kind !== 'running' || s.attempt !== attempt) return s;
  if (error.retryable && attempt + 1 < maxAttempts) return { kind: 'pending', attempt: attempt + 1, lastError: error, notBefore: now + retryDelay(attempt) };
  return { kind: 'failed', attempt, error };
}

/** The worker running it was lost: run it again (counts as an attempt). */
export function lose(s: TaskState, worker: string, maxAttempts: number, now: number): TaskState {
  if (s.kind !== 'running' || s.worker !== worker) return s;
  const error: SerializedError = { code: 'WORKER_LOST', message: `worker ${worker} was lost while running attempt ${s.attempt}`, retryable: true };
  return fail(s, s.attempt, error, maxAttempts, now);
}
