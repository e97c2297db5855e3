/**
 * Deterministic fault injection, for tests (the chaos suite). Inert unless KINDLING_FAULTS is
 * set. The coordinator passes the variable on to its workers (local processes inherit it;
 * worker pods get it from the coordinator's launch env), and the task code calls `atStart`
 * and `beforeResult` around each task. Grammar (README, "Fault injection"):
 *
 *   KINDLING_FAULTS = fault[,fault]...
 *   kill:<stage>:<p>[:<attempt>][:start|before-result]      SIGKILL the worker process running the task
 *   kill-all:<stage>:<p>[:<attempt>][:start|before-result]  ... and every other worker of the same coordinator
 *   fail:<stage>:<p>[:<attempt>]                            the task fails (a retryable TASK_FAILED)
 *   slow:<stage>:<p>[:<attempt>]:<ms>                       the task sleeps ms first (a straggler)
 *   lose-shuffle:map:<p>[:<attempt>]                        map p's shuffle data is deleted once it was
 *                                                           reported, when a reduce task is about to read it
 *   hold:<stage>:<p>[:<attempt>]:<file>                     the task waits until the file exists (a barrier:
 *                                                           the test decides when the task goes on); an
 *                                                           absolute path
 *   stage = map | reduce (built-in analyses) | s<N> (stage N of a SQL job, as `kindling plan`
 *   numbers them); lose-shuffle:s<N>:<p> deletes the output of stage N's task p when a task
 *   of a later stage is about to read it. attempt = a number or * (every attempt), default 0.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { KindlingError } from '../common/errors.js';
import { pino } from 'pino';
import type { Task } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';

export const FAULTS_ENV = 'KINDLING_FAULTS';

export type FaultAction = 'kill' | 'kill-all' | 'fail' | 'slow' | 'lose-shuffle' | 'hold';

export interface Fault {
  text: string;
  action: FaultAction;
  /** map, reduce, or s<N>. */
  stage: string;
  partition: number;
  /** '*' = every attempt. */
  attempt: number | '*';
  /** kill, kill-all: where it fires. */
  point: 'start' | 'before-result';
  /** slow: how long. */
  ms: number;
  /** hold: the file whose existence lets the task go on. */
  file?: string;
}

const ACTIONS: FaultAction[] = ['kill', 'kill-all', 'fail', 'slow', 'lose-shuffle', 'hold'];
const GRAMMAR =
  'kill|kill-all:<map|reduce|s<N>>:<partition>[:<attempt|*>][:start|before-result], fail:<stage>:<partition>[:<attempt|*>], ' +
  'slow:<stage>:<partition>[:<attempt|*>]:<ms>, lose-shuffle:<map|s<N>>:<partition>[:<attempt|*>], hold:<stage>:<partition>[:<attempt|*>]:<absolute file>';

const isNat = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);
const isAttempt = (s: string | undefined) => s === '*' || isNat(s);

/** Parses KINDLING_FAULTS; throws USAGE naming the bad entry. Empty or unset: no faults. */
export function parseFaults(value: string | undefined): Fault[] {
  if (!value?.trim()) return [];
  return value.split(',').map((s) => s.trim()).filter(Boolean).map(parseOne);
}

function parseOne(text: string): Fault {
  const bad = (why: string) => new KindlingError('USAGE', `${FAULTS_ENV}: bad fault "${text}": ${why}`, { hint: `expected ${GRAMMAR}` });
  const [action, stage, p, ...rest] = text.split(':');
  if (!ACTIONS.includes(action as FaultAction)) throw bad(`unknown action "${action}"`);
  if (stage !== 'map' && stage !== 'reduce' && !/^s\d+$/.test(stage ?? '')) throw bad('the stage must be map, reduce or s<N> (a SQL stage)');
  if (!isNat(p)) throw bad('the partition must be a number');
  const f: Fault = { text, action: action as FaultAction, stage, partition: Number(p), attempt: 0, point: 'start', ms: 0 };
  if (isAttempt(rest[0]) && !((action === 'slow' || action === 'hold') && rest.length === 1)) {
    const a = rest.shift()!;
    f.attempt = a === '*' ? '*' : Number(a);
  }
  if (action === 'kill' || action === 'kill-all') {
    const point = rest.shift();
    if (point !== undefined && point !== 'start' && point !== 'before-result') throw bad(`the point must be start or before-result, not "${point}"`);
    f.point = point ?? 'start';
  } else if (action === 'slow') {
    const ms = rest.shift();
    if (!isNat(ms)) throw bad('slow needs a duration in ms');
    f.ms = Number(ms);
  } else if (action === 'hold') {
    const file = rest.splice(0).join(':');
    if (!file.startsWith('/')) throw bad('hold needs an absolute file path');
    f.file = file;
  } else if (action === 'lose-shuffle' && stage === 'reduce') throw bad('only map or SQL stage output can be lost');
  if (rest.length) throw bad(`unexpected "${rest.join(':')}"`);
  return f;
}

/** The variable to pass on to workers (empty when unset). */
export function faultsEnv(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): Record<string, string> {
  const v = env[FAULTS_ENV];
  if (!v) return {};
  parseFaults(v); // a typo fails the job at once, not silently in every worker
  return { [FAULTS_ENV]: v };
}

let parsed: Fault[] | undefined;
function faults(): Fault[] {
  return (parsed ??= parseFaults(process.env[FAULTS_ENV]));
}

const kindOf = (t: Task) => (t.kind === 'stage' ? `s${t.stage}` : t.kind);

const matches = (f: Fault, kind: string, partition: number, attempt: number) =>
  f.stage === kind && f.partition === partition && (f.attempt === '*' || f.attempt === attempt);

let logger: pino.Logger | undefined;
function announce(f: Fault, task: Task, extra: Record<string, unknown> = {}): void {
  // Written synchronously (where the worker logs: KINDLING_LOG_FILE or stderr), so the line is
  // out even when the process kills itself next.
  logger ??= pino({ base: { pid: process.pid, role: 'worker' } }, pino.destination({ dest: process.env.KINDLING_LOG_FILE || 2, sync: true, append: true, mkdir: true }));
  logger.warn({ fault: f.text, task: `${task.stage}/${task.partition}/${task.attempt}`, ...extra }, 'fault injected');
}

/** Before a task runs: lose-shuffle (reduce tasks), slow, hold, fail, kill at start. */
export async function atStart(task: Task): Promise<void> {
  const fs = faults();
  if (fs.length === 0) return;
  const read = task.kind === 'reduce' ? task.inputs.map((i) => ({ stage: 'map', task: i.map, attempt: i.attempt, uri: i.uri }))
    : task.kind === 'stage' ? task.inputs.flatMap((i) => [...i.parts, ...(i.runs ?? [])].map((x) => ({ stage: `s${i.stage}`, task: x.task, attempt: x.attempt, uri: x.uri })))
    : [];
  if (read.length > 0) {
    for (const f of fs.filter((x) => x.action === 'lose-shuffle')) {
      const input = read.find((i) => i.stage === f.stage && i.task === f.partition && (f.attempt === '*' || f.attempt === i.attempt));
      if (!input) continue;
      const store = storeFor(input.uri);
      if (!(await store.head(input.uri))) continue; // another reduce task deleted it already
      announce(f, task, { deleted: input.uri });
      await store.delete(input.uri);
    }
  }
  for (const f of fs) {
    if (!matches(f, kindOf(task), task.partition, task.attempt)) continue;
    if (f.action === 'slow') {
      announce(f, task);
      await new Promise((r) => setTimeout(r, f.ms));
    } else if (f.action === 'hold') {
      announce(f, task);
      while (!existsSync(f.file!)) await new Promise((r) => setTimeout(r, 50));
    } else if (f.action === 'fail') {
      announce(f, task);
      throw new KindlingError('TASK_FAILED', `injected fault ${f.text} (${FAULTS_ENV})`, { retryable: true });
    } else if ((f.action === 'kill' || f.action === 'kill-all') && f.point === 'start') die(f, task);
  }
}

/** After a task wrote its output, before the worker reports it: kill at before-result. */
export function beforeResult(task: Task): void {
  for (const f of faults()) {
    if ((f.action === 'kill' || f.action === 'kill-all') && f.point === 'before-result' && matches(f, kindOf(task), task.partition, task.attempt)) die(f, task);
  }
}

function die(f: Fault, task: Task): void {
  const others = f.action === 'kill-all' ? siblingWorkers() : [];
  announce(f, task, f.action === 'kill-all' ? { alsoKilling: others } : {});
  for (const pid of others) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.kill(process.pid, 'SIGKILL');
}

/**
 * The other worker processes of this worker's coordinator on this machine: those whose command
 * line has the same `worker --coordinator <url>` (Linux /proc). Local workers are siblings;
 * worker pods run by the test node are processes on one machine too. Elsewhere: none.
 */
function siblingWorkers(): number[] {
  const coordinatorOf = (pid: string) => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('--coordinator');
      return args.includes('worker') && i >= 0 ? args[i + 1] : undefined;
    } catch {
      return undefined;
    }
  };
  const mine = coordinatorOf('self');
  if (!mine) return [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  return pids.map(Number).filter((pid) => pid !== process.pid && coordinatorOf(String(pid)) === mine);
}
