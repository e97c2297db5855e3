/**
 * The piscina task file: a plain default-exported function per the DESIGN layout. It runs a
 * map or reduce task and returns its result; errors are returned serialized (with code and
 * retryable flag) because piscina would lose a KindlingError's fields.
 */
import { serializeError, type SerializedError } from '../../common/errors.js';
import { runMapTask } from '../../exec/map-task.js';
import { runReduceTask } from '../../exec/reduce-task.js';
import { runStageTask } from '../../engine/stage-task.js';
import type { Task, TaskResult } from '../../plan/tasks.js';
import { initParquet } from '../../formats/parquet.js';
import { configureStorage } from '../../storage/index.js';
import { since, snapshot } from '../../storage/stats.js';
import { atStart, beforeResult } from '../faults.js';

// Load the Parquet writer (Arrow + wasm, ~100 ms) in the background while map tasks run,
// so the first reduce task does not pay for it. A failure here resurfaces on first use.
initParquet().catch(() => undefined);

export type TaskOutcome = { ok: true; result: TaskResult } | { ok: false; error: SerializedError };

export default async function runTask(task: Task | { kind: 'warmup' }): Promise<TaskOutcome | null> {
  if (task.kind === 'warmup') return null; // loading this module in the thread was the point
  try {
    configureStorage(task.storage);
    const before = snapshot();
    await atStart(task); // injected faults (tests): inert unless KINDLING_FAULTS is set
    const result = task.kind === 'map' ? await runMapTask(task) : task.kind === 'stage' ? await runStageTask(task) : await runReduceTask(task);
    beforeResult(task);
    return { ok: true, result: { ...result, io: since(before) } };
  } catch (e) {
    return { ok: false, error: serializeError(e) };
  }
}
