/**
 * `kindling submit <spec>`: the same YAML as `kindling run`, validated here first (field
 * paths, exit 2, nothing sent), then created as a KindlingJob for the operator to run.
 * `--wait` follows it to the end: a live line on a terminal, one line per phase otherwise,
 * the output summary (exit 0) or the failure (exit 1).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KindlingError } from '../common/errors.js';
import type { Kube, Obj } from '../k8s/client.js';
import type { JobStatus } from '../k8s/job-status.js';
import { applySets, parseJobText, resolveJob, type Job } from '../spec/load.js';
import type { JobDocument } from '../spec/schema.js';
import { collect } from './common.js';
import { clusterOptions, failureText, isTerminalPhase, jobRef, parseTimeout, succeededSummary, waitKey, waitLine, withKube, type ClusterFlags } from './cluster-common.js';

interface SubmitFlags extends ClusterFlags {
  set?: string[];
  replace?: boolean;
  wait?: boolean;
  timeout?: string;
}

export function registerSubmit(program: Command): void {
  clusterOptions(
    program
      .command('submit')
      .description('submit a job spec to Kubernetes as a KindlingJob (the operator runs it); --wait follows it to the end')
      .argument('<spec>', 'a KindlingJob YAML file (the same file `kindling run` takes; every path must be s3://)')
      .option('--set <path=value>', 'override a spec field, e.g. --set spec.workers.replicas=4 (repeatable)', collect)
      .option('--replace', 'if a KindlingJob of that name exists, delete it (and its pods), wait until it is gone, then submit')
      .option('--wait', 'wait for the job to finish: exit 0 when it succeeded, 1 when it failed')
      .option('--timeout <duration>', 'with --wait: stop waiting after this long, e.g. 30m, 90s, 1h (the job keeps running)'),
    "the document's metadata.namespace, else the kubeconfig context's, else default",
  )
    .addHelpText('after', '\nExample:\n  kindling submit k8s/examples/price-sensitivity.yaml --set spec.workers.replicas=4 --wait --timeout 30m\n')
    .action(async (file: string, flags: SubmitFlags) => {
      const timeoutMs = flags.timeout !== undefined ? parseTimeout(flags.timeout) : undefined;
      const { doc, job } = readSubmission(file, flags.set);
      const { clusterProblems } = await import('../operator/decide.js');
      const problems = clusterProblems(job);
      if (problems.length) {
        throw new KindlingError('SPEC_INVALID', `invalid job spec ${file} for the cluster: ${problems.join('; ')}`, {
          hint: 'put the input, output and shuffle on S3 or MinIO (see the README section "On S3 and MinIO")',
        });
      }
      await withKube(flags, doc.metadata.namespace, async (kube, ns) => {
        await submit(kube, ns, doc, flags);
        if (flags.wait || timeoutMs !== undefined) process.exitCode = await waitFor(kube, ns, doc.metadata.name, timeoutMs);
      });
    });
}

/** The document after --set, and the job it validates to; errors name the file and the field paths. */
export function readSubmission(file: string, sets: string[] = []): { doc: JobDocument; job: Job } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KindlingError('USAGE', `cannot read job spec ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'give the path of a KindlingJob YAML file' });
  }
  const raw = applySets(parseJobText(text, file), sets);
  const job = resolveJob(structuredClone(raw), file);
  return { doc: raw as JobDocument, job };
}

/** The KindlingJob object to create. */
export function jobObject(doc: JobDocument, ns: string): Obj {
  const { labels, annotations } = doc.metadata;
  return {
    apiVersion: doc.apiVersion,
    kind: doc.kind,
    metadata: { name: doc.metadata.name, namespace: ns, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    spec: doc.spec,
  };
}

async function submit(kube: Kube, ns: string, doc: JobDocument, flags: SubmitFlags): Promise<void> {
  const { KubeApiError } = await import('../k8s/client.js');
  const { paths } = await import('../k8s/names.js');
  const name = doc.metadata.name;
  const ref = jobRef(ns, name);
  const body = jobObject(doc, ns);
  const create = () => kube.create(paths.jobs(ns), body);
  try {
    await create();
  } catch (e) {
    if (!(e instanceof KubeApiError && e.status === 409)) throw e;
    const existing = await kube.get(paths.job(ns, name));
    if (!flags.replace) {
      const phase = existing?.status?.phase as string | undefined;
      const state = existing?.metadata?.deletionTimestamp ? ', being deleted' : phase ? `, ${phase}` : '';
      throw new KindlingError('KUBERNETES', `${ref} already exists (created ${existing?.metadata?.creationTimestamp ?? '?'}${state})`, {
        hint: `pass --replace to delete it and submit again, or pick another metadata.name (--set metadata.name=...)`,
      });
    }
    // Foreground: the job goes once its pods (owned by it) are gone, so the new job's pods never meet the old ones.
    await kube.delete(paths.job(ns, name), { propagationPolicy: 'Foreground' });
    await untilGone(kube, paths.job(ns, name), ref);
    process.stdout.write(`${ref} deleted (--replace)\n`);
    await create();
  }
  process.stdout.write(`${ref} submitted\n`);
}

async function untilGone(kube: Kube, path: string, ref: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const noteAt = Date.now() + 2000;
  let noted = false;
  for (;;) {
    const o = await kube.get(path);
    if (!o) return;
    if (!noted && Date.now() > noteAt) {
      noted = true;
      process.stderr.write(`waiting for ${ref} and its pods to be deleted (--replace)...\n`);
    }
    if (Date.now() > deadline) {
      const fin = (o.metadata?.finalizers as string[] | undefined)?.join(', ');
      throw new KindlingError('KUBERNETES', `${ref} is still being deleted after ${timeoutMs / 1000} s${fin ? ` (finalizers: ${fin})` : ''}`, {
        hint: 'is the garbage collector (kube-controller-manager) running? try again later',
      });
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Follows the job until it is terminal; returns the exit code. Timeout and Ctrl-C leave the job running. */
async function waitFor(kube: Kube, ns: string, name: string, timeoutMs: number | undefined): Promise<number> {
  const { watchJob } = await import('../k8s/job-watch.js');
  const ref = jobRef(ns, name);
  const out = process.stderr;
  const live = Boolean(out.isTTY) && !process.env.CI;
  const started = Date.now();
  let st: JobStatus = {};
  let lastKey: string | undefined;
  let shown = '';
  const render = () => {
    if (live) {
      const line = waitLine(st, Date.now() - started).slice(0, (out.columns || 120) - 1);
      if (line !== shown) out.write(`\r\x1b[2K${line}`);
      shown = line;
    } else if (waitKey(st) !== lastKey) {
      lastKey = waitKey(st);
      out.write(`${waitLine(st, Date.now() - started)}\n`);
    }
  };
  const clear = () => {
    if (live && shown) out.write('\r\x1b[2K');
    shown = '';
  };

  return new Promise<number>((resolve, reject) => {
    let settled = false;
    let watch: { stop(): void } | undefined;
    const timers: NodeJS.Timeout[] = [];
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      watch?.stop();
      for (const t of timers) clearTimeout(t);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      clear();
      f();
    };
    const keepsRunning = `the job keeps running: kindling status ${name} -n ${ns}`;
    const onSignal = () =>
      finish(() => reject(new KindlingError('INTERRUPTED', `stopped waiting for ${ref} (phase ${st.phase ?? 'not yet seen'}); ${keepsRunning}; kubectl delete kj ${name} -n ${ns} stops it`)));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (timeoutMs !== undefined) {
      timers.push(
        setTimeout(
          () =>
            finish(() =>
              reject(new KindlingError('KUBERNETES', `timed out after ${clockText(timeoutMs)} waiting for ${ref} (phase ${st.phase ?? 'not yet seen'}${st.progress ? `, ${st.progress}` : ''}); ${keepsRunning}`)),
            ),
          timeoutMs,
        ),
      );
    }
    if (live) {
      const tick = setInterval(render, 1000);
      timers.push(tick);
    }
    const onChange = (job: Obj | undefined) => {
      if (settled) return;
      if (!job) return finish(() => reject(new KindlingError('KUBERNETES', `${ref} was deleted while waiting for it`)));
      st = (job.status ?? {}) as JobStatus;
      render();
      if (!isTerminalPhase(st.phase)) return;
      finish(() => {
        if (st.phase === 'Succeeded') {
          process.stdout.write(`${succeededSummary(ref, st, Date.now() - started)}\n`);
          resolve(0);
        } else {
          process.stderr.write(`kindling: ${failureText(ref, st)}\n`);
          resolve(1);
        }
      });
    };
    // Transient failures (the API server restarting, 429) are retried; lasting ones (403) end the wait.
    const onError = (e: unknown) => {
      if (e instanceof KindlingError && !e.retryable) finish(() => reject(e));
    };
    watchJob(kube, ns, name, onChange, onError).then(
      (w) => {
        watch = w;
        if (settled) w.stop();
      },
      (e) => finish(() => reject(e)),
    );
  });
}

const clockText = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);
