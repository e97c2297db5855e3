/**
 * A task's state is a discriminated union; transitions are pure functions. A result or
 * failure for an attempt that is not the running one is stale and changes nothing, so
 * duplicate and late reports are harmless.
 */
import type { SerializedError } from '../common/errors.js';
import type { TaskResult } from '../plan/tasks.js';

export type TaskState =
  | { kind: 'pending'; attempt: number; lastError?: SerializedError }
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

/** A failed attempt: retried while retryable and attempts remain, else final. */
export function fail(s: TaskState, attempt: number, error: SerializedError, maxAttempts: number): TaskState {
  if (s.kind !== 'running' || s.attempt !== attempt) return s;
  if (error.retryable && attempt + 1 < maxAttempts) return { kind: 'pending', attempt: attempt + 1, lastError: error };
  return { kind: 'failed', attempt, error };
}

/** The worker running it was lost: run it again (counts as an attempt). */
export function lose(s: TaskState, worker: string, maxAttempts: number): TaskState {
  if (s.kind !== 'running' || s.worker !== worker) return s;
  const error: SerializedError = { code: 'WORKER_LOST', message: `worker ${worker} was lost while running attempt ${s.attempt}`, retryable: true };
  return fail(s, s.attempt, error, maxAttempts);
}
