import type { Command } from 'commander';
import { LocalBackend } from '../backends/local.js';
import { runJob } from '../coordinator/run-job.js';
import type { Manifest } from '../coordinator/commit.js';
import { logEnv } from '../common/logger.js';
import { physicalPlan } from '../plan/physical.js';
import { faultsEnv } from '../worker/faults.js';
import { loadJournal } from '../coordinator/journal.js';
import { KindlingError } from '../common/errors.js';
import { configureStorage } from '../storage/index.js';
import type { Job } from '../spec/load.js';
import { sqlPhysicalPlan } from '../engine/sql-plan.js';
import { collect, logger, readJob, type LogFlags } from './common.js';
import { bytes, count, duration, ProgressReporter, table } from './format.js';

interface RunFlags extends LogFlags {
  set?: string[];
  keepShuffle?: boolean;
  json?: boolean;
  resume?: boolean | string;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a job spec on this machine: local worker processes, local disk (the embedded mode)')
    .argument('<spec>', 'a KindlingJob YAML file')
    .option('--set <path=value>', 'override a spec field, e.g. --set spec.workers.replicas=4 (repeatable)', collect)
    .option('--keep-shuffle', 'keep the shuffle files after the commit (for debugging)')
    .option('--json', 'print the output manifest as JSON instead of the summary')
    .option('--resume [runId]', "finish a run whose coordinator died, from its journal under the spec's output (default: the newest)")
    .option('--log-level <level>', 'trace|debug|info|warn|error (default warn)')
    .option('--log-file <file>', 'write JSON logs to this file instead of stderr')
    .addHelpText('after', '\nExample:\n  kindling run examples/price-sensitivity.yaml --set spec.workers.replicas=4\n')
    .action(async (spec: string, flags: RunFlags) => {
      const job = readJob(spec, flags.set);
      const manifest = await runLocal(job, flags);
      process.stdout.write(flags.json ? JSON.stringify(manifest, null, 2) + '\n' : summary(job, manifest) + '\n');
    });
}

export async function runLocal(job: Job, flags: LogFlags & { keepShuffle?: boolean; quiet?: boolean; resume?: boolean | string }): Promise<Manifest> {
  const log = logger(flags, { job: job.name });
  const resumed = flags.resume ? await resumable(job, flags.resume) : undefined;
  const plan = resumed?.plan ?? (job.sql ? await sqlPhysicalPlan(job) : await physicalPlan(job));
  const progress = new ProgressReporter();
  // Ctrl-C or SIGTERM: stop the workers, commit nothing, remove staging data, then exit.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await runJob(plan, {
      signal: abort.signal,
      backend: new LocalBackend(),
      log,
      workerEnv: { ...logEnv({ level: flags.logLevel, file: flags.logFile }), ...faultsEnv() }, // faults: tests only
      keepShuffle: flags.keepShuffle,
      resume: resumed,
      onProgress: flags.quiet ? undefined : (p) => progress.update(p),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.clear();
  }
}

/** The journal of the run to take over; a clear error when there is none. */
async function resumable(job: Job, which: boolean | string) {
  configureStorage(job.storage);
  const r = await loadJournal(job.output.uri, typeof which === 'string' ? which : undefined);
  if (!r) {
    throw new KindlingError('INPUT_NOT_FOUND', `no run to resume under ${job.output.uri}: a run leaves a journal only when its coordinator died before the end`, {
      place: { file: job.output.uri, field: 'spec.output.uri' },
      hint: 'run the job without --resume',
    });
  }
  configureStorage(r.plan.job.storage);
  return r;
}

export function summary(job: Job, m: Manifest): string {
  const c = m.counters;
  const secs = m.timings.totalMs / 1000;
  const lines = [
    `job ${m.job} (${m.analysis}) committed to ${job.output.uri} in ${duration(m.timings.totalMs)}`,
    `input: ${count(c.inputRows)} rows in ${c.inputFiles} file(s), ${bytes(c.inputBytes)} (${count(Math.round(c.inputRows / Math.max(secs, 0.001)))} rows/s); shuffle ${bytes(c.shuffleBytes)}; rejected ${c.rejectedRows}`,
    `workers: ${m.workers.length}, peak RSS ${m.workers.map((w) => bytes(w.peakRssBytes)).join(', ')}`,
    '',
    table(['stage', 'kind', 'tasks', 'time'], m.timings.stages.map((s) => [s.stage, s.kind, s.tasks, duration(s.ms)])),
    '',
    table(['table', 'rows', 'files', 'bytes'], Object.entries(m.tables).map(([name, t]) => [name, t.rows, t.files.length, bytes(t.files.reduce((s, f) => s + f.bytes, 0))])),
  ];
  return lines.join('\n');
}
