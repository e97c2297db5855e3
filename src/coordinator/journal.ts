/**
 * The job journal: what a new coordinator needs to finish a run whose coordinator died
 * (`kindling run --resume`, or the operator's replacement coordinator pod). It lives in the
 * object store with the run's staging data, `<output>/_temporary/<run>/journal/`:
 *   plan.json                 the physical plan, written before the first task runs
 *   epoch-<n>                 one marker per coordinator that took the run over
 *   s<stage>-p<partition>.json  {attempt, result} of each succeeded task, written as it succeeds
 * Tasks whose entry is missing run again (idempotent: every attempt writes its own files,
 * and a resumed run's attempts carry the new epoch in their file names, so a straggler of
 * the dead coordinator cannot overwrite them). It goes with the staging data at the end.
 */
import { KindlingError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { parse, stringify } from '../common/json.js';
import type { RunPlan } from './scheduler.js';
import type { TaskId, TaskResult } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';

export interface JournalEntry {
  stage: number;
  partition: number;
  attempt: number;
  result: TaskResult;
}

export interface Resumed {
  plan: RunPlan;
  entries: JournalEntry[];
  /** This coordinator's epoch: 1 for the first take-over. */
  epoch: number;
}

const dirOf = (plan: Pick<RunPlan, 'stagingUri' | 'job'>) => storeFor(plan.job.output.uri).join(plan.stagingUri, 'journal');

/** Writes journal entries in order, in the background; failures are logged, never fatal. */
export class Journal {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly plan: RunPlan,
    private readonly log: Logger,
  ) {}

  async start(epoch: number): Promise<void> {
    const store = storeFor(this.plan.job.output.uri);
    const dir = dirOf(this.plan);
    if (epoch === 0) await store.write(store.join(dir, 'plan.json'), stringify(this.plan));
    else await store.write(store.join(dir, `epoch-${epoch}`), new Date().toISOString());
  }

  record(id: TaskId, result: TaskResult): void {
    const store = storeFor(this.plan.job.output.uri);
    const uri = store.join(dirOf(this.plan), `s${id.stage}-p${id.partition}.json`);
    const body = stringify({ stage: id.stage, partition: id.partition, attempt: id.attempt, result } satisfies JournalEntry);
    this.chain = this.chain.then(() => store.write(uri, body)).catch((e) => this.log.warn({ err: String(e), uri }, 'cannot write a journal entry; the task would run again on resume'));
  }

  /** Resolves when every entry recorded so far is written. */
  flush(): Promise<unknown> {
    return this.chain;
  }
}

/** The runs under `<output>/_temporary/` that have a journal, newest first. */
export async function journaledRuns(outputUri: string): Promise<string[]> {
  const store = storeFor(outputUri);
  const objects = await store.list(store.join(outputUri, '_temporary'));
  const runs = new Set<string>();
  for (const o of objects) {
    const m = /\/_temporary\/([^/]+)\/journal\/plan\.json$/.exec(o.uri);
    if (m) runs.add(m[1]!);
  }
  return [...runs].sort().reverse();
}

/** Loads a run's journal to take it over (the newest run unless `runId` is given). */
export async function loadJournal(outputUri: string, runId?: string): Promise<Resumed | undefined> {
  const store = storeFor(outputUri);
  const run = runId ?? (await journaledRuns(outputUri))[0];
  if (!run) return undefined;
  const dir = store.join(outputUri, '_temporary', run, 'journal');
  const files = await store.list(dir);
  if (!files.some((f) => f.uri.endsWith('/plan.json'))) {
    throw new KindlingError('INPUT_NOT_FOUND', `no journal for run ${run} under ${outputUri}`, { place: { file: dir }, hint: 'list the runs with a journal under <output>/_temporary/' });
  }
  const text = async (uri: string) => Buffer.from(await store.readAll(uri)).toString('utf8');
  const plan = parse<RunPlan>(await text(store.join(dir, 'plan.json')));
  const entries: JournalEntry[] = [];
  let epoch = 1;
  for (const f of files) {
    const name = f.uri.slice(f.uri.lastIndexOf('/') + 1);
    if (/^s\d+-p\d+\.json$/.test(name)) entries.push(parse<JournalEntry>(await text(f.uri)));
    const e = /^epoch-(\d+)$/.exec(name);
    if (e) epoch = Math.max(epoch, Number(e[1]) + 1);
  }
  return { plan, entries, epoch };
}
