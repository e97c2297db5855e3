/**
 * `kindling status <name>`: a KindlingJob's phase, progress, times, workers, per-stage tasks,
 * conditions, output or failure, coordinator and its last events; `--json` the status object;
 * `--watch` prints it again on every change until the job is finished.
 */
import type { Command } from 'commander';
import { KindlingError } from '../common/errors.js';
import type { Kube, Obj } from '../k8s/client.js';
import { clusterOptions, isTerminalPhase, jobRef, statusText, withKube, type ClusterFlags } from './cluster-common.js';

interface StatusFlags extends ClusterFlags {
  json?: boolean;
  watch?: boolean;
}

export function registerStatus(program: Command): void {
  clusterOptions(
    program
      .command('status')
      .description("show a KindlingJob's phase, progress, stages, conditions, output or failure, and its recent events")
      .argument('<name>', 'the KindlingJob name (metadata.name)')
      .option('--json', 'print the status object as JSON')
      .option('-w, --watch', 'print it again whenever it changes, until the job has succeeded or failed'),
  )
    .addHelpText('after', '\nExample:\n  kindling status price-sensitivity -n analytics --watch\n')
    .action(async (name: string, flags: StatusFlags) => {
      await withKube(flags, undefined, async (kube, ns) => {
        const { paths } = await import('../k8s/names.js');
        const job = await kube.get<Obj>(paths.job(ns, name));
        if (!job) throw notFound(ns, name);
        if (!flags.watch) {
          process.stdout.write(await render(kube, job, flags));
          return;
        }
        await watchStatus(kube, ns, name, flags);
      });
    });
}

export function notFound(ns: string, name: string): KindlingError {
  return new KindlingError('KUBERNETES', `${jobRef(ns, name)} not found`, { hint: `kubectl get kj -n ${ns} lists the jobs there; kindling submit <spec> creates one` });
}

/** The events recorded for the job (the API's own filter: involvedObject name and kind). */
async function eventsOf(kube: Kube, ns: string, name: string): Promise<Obj[]> {
  const { paths } = await import('../k8s/names.js');
  const list = await kube.list<Obj>(paths.events(ns), { fieldSelector: `involvedObject.name=${name},involvedObject.kind=KindlingJob` });
  return list.items;
}

async function render(kube: Kube, job: Obj, flags: StatusFlags): Promise<string> {
  if (flags.json) return `${JSON.stringify(job.status ?? {}, null, 2)}\n`;
  return `${statusText(job, await eventsOf(kube, job.metadata.namespace, job.metadata.name))}\n`;
}

async function watchStatus(kube: Kube, ns: string, name: string, flags: StatusFlags): Promise<void> {
  const { watchJob } = await import('../k8s/job-watch.js');
  const tty = Boolean(process.stdout.isTTY) && !process.env.CI;
  await new Promise<void>((resolve, reject) => {
    let watch: { stop(): void } | undefined;
    let done = false;
    let chain = Promise.resolve();
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      watch?.stop();
      process.off('SIGINT', onSignal);
      if (err) reject(err);
      else resolve();
    };
    const onSignal = () => {
      process.exitCode = 130;
      finish();
    };
    process.once('SIGINT', onSignal);
    let first = true;
    const onChange = (job: Obj | undefined) => {
      // One print at a time, in order; a burst of changes prints each state it went through.
      chain = chain.then(async () => {
        if (done) return;
        if (!job) return finish(notFound(ns, name));
        const text = await render(kube, job, flags);
        if (done) return;
        if (tty && !flags.json) process.stdout.write(`\x1b[H\x1b[2J${text}`);
        else process.stdout.write(`${first || flags.json ? '' : '\n'}${text}`);
        first = false;
        if (isTerminalPhase(job.status?.phase)) finish();
      }).catch((e) => finish(e));
    };
    const onError = (e: unknown) => {
      if (e instanceof KindlingError && !e.retryable) finish(e);
    };
    watchJob(kube, ns, name, onChange, onError).then(
      (w) => {
        watch = w;
        if (done) w.stop();
      },
      (e) => finish(e),
    );
  });
}
