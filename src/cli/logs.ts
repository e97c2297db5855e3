/**
 * `kindling logs <name>`: the logs of a KindlingJob's coordinator pod (its latest attempt), or
 * with `--worker N` of its N-th worker pod of the current run, through the pods/log API.
 * kindling logs pino JSON lines; they are printed as `time LEVEL msg key=value ...` unless --raw.
 */
import type { Command } from 'commander';
import { KindlingError } from '../common/errors.js';
import type { Kube, Obj } from '../k8s/client.js';
import type { JobStatus } from '../k8s/job-status.js';
import { clusterOptions, isTerminalPhase, jobRef, withKube, type ClusterFlags } from './cluster-common.js';

interface LogsFlags extends ClusterFlags {
  worker?: string;
  follow?: boolean;
  tail?: string;
  raw?: boolean;
}

const CONTAINER = 'kindling';

export function registerLogs(program: Command): void {
  clusterOptions(
    program
      .command('logs')
      .description("print the logs of a KindlingJob's coordinator pod, or of one of its worker pods")
      .argument('<name>', 'the KindlingJob name (metadata.name)')
      .option('--worker <n>', 'the n-th worker pod of the current run (from 0, in name order) instead of the coordinator')
      .option('-f, --follow', 'keep printing new lines until the pod ends (Ctrl-C stops)')
      .option('--tail <n>', 'only the last n lines')
      .option('--raw', 'print the JSON log lines as they are'),
  )
    .addHelpText('after', '\nExamples:\n  kindling logs price-sensitivity --follow\n  kindling logs price-sensitivity --worker 1 --tail 50\n')
    .action(async (name: string, flags: LogsFlags) => {
      const worker = flags.worker === undefined ? undefined : nonNegative('--worker', flags.worker);
      const tail = flags.tail === undefined ? undefined : nonNegative('--tail', flags.tail);
      await withKube(flags, undefined, async (kube, ns) => {
        try {
          const pod = worker === undefined ? await coordinatorPod(kube, ns, name) : await workerPod(kube, ns, name, worker);
          await printLogs(kube, ns, pod, { follow: flags.follow, tail, raw: flags.raw });
        } catch (e) {
          // The pods are gone (TTL, deletion): the coordinator archived their logs next to the output.
          if (!(e instanceof KindlingError) || e.code !== 'KUBERNETES' || !(await printArchived(kube, ns, name, worker, { tail, raw: flags.raw }))) throw e;
        }
      });
    });
}

function nonNegative(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new KindlingError('USAGE', `${flag} ${v}: expected a whole number >= 0`);
  return Number(v);
}

/** Why a job has no pod to show, in words. */
function goneText(job: Obj | undefined, ns: string, name: string, what: string, podName?: string): string {
  const ref = jobRef(ns, name);
  if (!job) return `${ref} not found, and no ${what} pod of it exists`;
  const st = (job.status ?? {}) as JobStatus;
  const ttl = job.spec?.ttlSecondsAfterFinished as number | undefined;
  const pod = podName ? `${what} pod ${podName}` : `the ${what} pod`;
  if (isTerminalPhase(st.phase)) {
    const after = ttl !== undefined ? `; spec.ttlSecondsAfterFinished (${ttl} s) deletes a finished job's pods, and their logs with them` : '';
    return `${pod} of ${ref} is gone (the job ${st.phase === 'Succeeded' ? 'succeeded' : 'failed'}${st.completionTime ? ` at ${st.completionTime}` : ''})${after}`;
  }
  if (podName) return `${pod} of ${ref} no longer exists (phase ${st.phase ?? 'Pending'})`;
  return `${ref} has no ${what} pod yet (phase ${st.phase ?? 'not yet seen by the operator'}); is the kindling operator running?`;
}

async function coordinatorPod(kube: Kube, ns: string, name: string): Promise<string> {
  const { LABELS, paths, selector } = await import('../k8s/names.js');
  const { ATTEMPT_LABEL } = await import('../operator/resources.js');
  const pods = await kube.list<Obj>(paths.pods(ns), { labelSelector: selector({ [LABELS.job]: name, [LABELS.role]: 'coordinator' }) });
  const latest = pods.items.sort((a, b) => Number(b.metadata.labels?.[ATTEMPT_LABEL] ?? 0) - Number(a.metadata.labels?.[ATTEMPT_LABEL] ?? 0))[0];
  if (latest) return latest.metadata.name as string;
  const job = await kube.get<Obj>(paths.job(ns, name));
  throw new KindlingError('KUBERNETES', goneText(job, ns, name, 'coordinator', job?.status?.coordinator?.pod));
}

async function workerPod(kube: Kube, ns: string, name: string, n: number): Promise<string> {
  const { LABELS, paths, selector } = await import('../k8s/names.js');
  const job = await kube.get<Obj>(paths.job(ns, name));
  const runId = job?.status?.runId as string | undefined;
  if (!job) throw new KindlingError('KUBERNETES', `${jobRef(ns, name)} not found`);
  if (!runId) throw new KindlingError('KUBERNETES', `${jobRef(ns, name)} has not started a run yet, so it has no workers (phase ${job.status?.phase ?? 'not yet seen'})`);
  const pods = await kube.list<Obj>(paths.pods(ns), { labelSelector: selector({ [LABELS.job]: name, [LABELS.role]: 'worker', [LABELS.run]: runId }) });
  const names = pods.items.map((p) => p.metadata.name as string).sort();
  if (names.length === 0) {
    const st = (job.status ?? {}) as JobStatus;
    throw new KindlingError(
      'KUBERNETES',
      isTerminalPhase(st.phase) ? goneText(job, ns, name, 'worker').replace('the worker pod', 'every worker pod') : `run ${runId} of ${jobRef(ns, name)} has no worker pods (phase ${st.phase})`,
    );
  }
  if (n >= names.length) {
    throw new KindlingError('USAGE', `--worker ${n}: run ${runId} of ${jobRef(ns, name)} has ${names.length} worker pod(s): ${names.map((p, i) => `${i} ${p}`).join(', ')}`);
  }
  return names[n];
}

async function printLogs(kube: Kube, ns: string, pod: string, o: { follow?: boolean; tail?: number; raw?: boolean }): Promise<void> {
  const { KubeApiError } = await import('../k8s/client.js');
  const { paths } = await import('../k8s/names.js');
  let res;
  try {
    res = await kube.stream(paths.podLog(ns, pod), { container: CONTAINER, follow: o.follow ? true : undefined, tailLines: o.tail });
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) throw new KindlingError('KUBERNETES', `pod ${ns}/${pod} is gone (deleted), and its logs with it`);
    if (e instanceof KubeApiError && e.status === 400) {
      // e.g. `container "kindling" in pod "x" is waiting to start: ContainerCreating`
      throw new KindlingError('KUBERNETES', `no logs from pod ${ns}/${pod} yet: ${e.message.replace(/^GET \S+: /, '').replace(/ \(400\)$/, '')}`, {
        hint: 'try again in a moment, or look at kindling status',
      });
    }
    throw e;
  }
  const stop = () => {
    process.exitCode = 130; // Ctrl-C ended it, as the exit codes say
    res.destroy();
  };
  process.once('SIGINT', stop);
  try {
    let rest = '';
    const emit = (line: string) => {
      if (line === '' && rest === '') return;
      process.stdout.write(`${o.raw ? line : formatLogLine(line)}\n`);
    };
    await new Promise<void>((resolve, reject) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) emit(l);
      });
      res.on('end', resolve);
      res.on('close', resolve);
      res.on('error', (e) => (res.destroyed ? resolve() : reject(e)));
    });
    if (rest) process.stdout.write(`${o.raw ? rest : formatLogLine(rest)}\n`);
  } finally {
    process.off('SIGINT', stop);
  }
}

/** Prints a pod's log from the job's archive (status.logs); false when there is none. */
async function printArchived(kube: Kube, ns: string, name: string, worker: number | undefined, o: { tail?: number; raw?: boolean }): Promise<boolean> {
  const { paths } = await import('../k8s/names.js');
  const job = await kube.get<Obj>(paths.job(ns, name));
  const st = (job?.status ?? {}) as JobStatus;
  if (!job || !st.logs) return false;
  const { configureStorage, storeFor } = await import('../storage/index.js');
  configureStorage(job.spec?.storage ?? {});
  const store = storeFor(st.logs);
  const files = (await store.list(st.logs)).map((f) => f.uri).sort();
  const coordinator = files.filter((f) => /-coordinator-\d+\.log$/.test(f)).pop();
  const workers = files.filter((f) => !/-coordinator-\d+\.log$/.test(f));
  const file = worker === undefined ? coordinator : workers[worker];
  if (!file) return false;
  process.stderr.write(`(the pod is gone; its log as archived at the end of run ${st.runId}: ${file})\n`);
  const lines = Buffer.from(await store.readAll(file)).toString('utf8').split('\n').filter((l) => l !== '');
  for (const l of o.tail !== undefined ? lines.slice(-o.tail) : lines) process.stdout.write(`${o.raw ? l : formatLogLine(l)}\n`);
  return true;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every kindling line carries, or shown otherwise. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v', 'job', 'role']);

/** A pino JSON line -> `12:03:04.123Z INFO  msg key=value ...`; anything else unchanged. */
export function formatLogLine(line: string): string {
  const t = line.trim();
  if (!t.startsWith('{')) return line;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(t) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof o !== 'object' || o === null || (o.msg === undefined && o.level === undefined)) return line;
  const when = typeof o.time === 'number' || typeof o.time === 'string' ? new Date(o.time) : undefined;
  const time = when && !Number.isNaN(when.getTime()) ? when.toISOString().slice(11) : '';
  const level = typeof o.level === 'number' ? (LEVELS[o.level] ?? String(o.level)) : String(o.level ?? '').toUpperCase();
  const fields = Object.entries(o)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${fieldValue(v)}`);
  return [time, level.padEnd(5), String(o.msg ?? ''), ...fields].filter((x) => x !== '').join(' ').trimEnd();
}

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v && typeof v === 'object' && 'message' in v && typeof (v as { message: unknown }).message === 'string') return JSON.stringify((v as { message: string }).message);
  return JSON.stringify(v);
}
