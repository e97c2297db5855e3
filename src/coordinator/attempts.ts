/**
 * What the coordinator does with the scheduler's attempt events: logs speculative copies,
 * which copy won and map tasks rerun for lost shuffle output, and deletes the files of
 * attempts that did not win (a speculative loser, a lost worker's late result). The commit
 * moves winners only and the run's shuffle and staging prefixes go at the end anyway; this
 * frees them early, and covers `--keep-shuffle`.
 */
import type { Logger } from '../common/logger.js';
import type { SerializedError } from '../common/errors.js';
import type { TaskId } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';
import type { Scheduler } from './scheduler.js';
import type { RunningAttempt } from './task-state.js';

const name = (t: TaskId) => `${t.stage}/${t.partition}/${t.attempt}`;

export function handleAttemptEvents(scheduler: Scheduler, log: Logger): void {
  scheduler.on('speculated', (copy: TaskId, info: { original: number; worker: string; runningMs: number; thresholdMs: number; medianMs: number }) => {
    log.info({ task: name(copy), ...info }, 'straggler: started a speculative copy');
  });
  scheduler.on('superseded', (winner: TaskId, losers: RunningAttempt[]) => {
    log.info({ task: name(winner), losers: losers.map((l) => ({ attempt: l.attempt, worker: l.worker })) }, 'the first copy to finish won; the other is cancelled');
  });
  scheduler.on('rerun', (id: TaskId, error: SerializedError) => {
    log.warn({ task: name(id), reason: error.message }, 'a task output was lost; rerunning the task that wrote it');
  });
  scheduler.on('discarded', (id: TaskId, files: string[]) => {
    log.info({ task: name(id), files }, 'ignored the result of an attempt that did not win; deleting its files');
    for (const f of files) void storeFor(f).delete(f).catch((e) => log.debug({ file: f, err: String(e) }, 'cannot delete a discarded file'));
  });
}
