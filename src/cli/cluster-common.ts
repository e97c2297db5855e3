/**
 * What `submit`, `status` and `logs` share: the --kubeconfig/--namespace options, connecting
 * to the API server with errors a user can act on, and the pure text they print (the wait
 * line, the summaries, the status page). Light on purpose: main.ts loads it for every
 * command, so @kubernetes/client-node (400 ms to import) is loaded only inside an action.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Command } from 'commander';
import { KindlingError } from '../common/errors.js';
import type { Kube, Obj } from '../k8s/client.js';
import { isTerminal, type Condition, type JobStatus, type Phase, type StageTasks } from '../k8s/job-status.js';
import { count, duration, table } from './format.js';

export interface ClusterFlags {
  kubeconfig?: string;
  namespace?: string;
}

export function clusterOptions(cmd: Command, namespaceDefault = "the kubeconfig context's namespace, else default"): Command {
  return cmd
    .option('-n, --namespace <ns>', `the namespace (default: ${namespaceDefault})`)
    .option('--kubeconfig <file>', 'kubeconfig to use (default: KUBECONFIG, then ~/.kube/config)');
}

/** `kindlingjob ns/name`, as every message names a job. */
export const jobRef = (ns: string, name: string): string => `kindlingjob ${ns}/${name}`;

/** Succeeded or Failed (job-status.ts's isTerminal, for a phase read as a plain string). */
export const isTerminalPhase = (phase: string | undefined): boolean => isTerminal(phase as Phase | undefined);

// ------------------------------------------------------------------------------------ connecting

/** Whether a kubeconfig (or a pod's service account) is there at all: client-node would silently fall back to localhost:8080. */
export function kubeconfigProblem(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  if (kubeconfig) return existsSync(kubeconfig) ? undefined : `kubeconfig ${kubeconfig} does not exist; pass the path of a kubeconfig file`;
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(delimiter).filter(Boolean);
    const missing = files.filter((f) => !existsSync(f));
    return missing.length === 0 ? undefined : `KUBECONFIG names ${missing.join(', ')}, which does not exist; point KUBECONFIG at your kubeconfig file or pass --kubeconfig`;
  }
  if (existsSync(join(home, '.kube', 'config'))) return undefined;
  if (env.KUBERNETES_SERVICE_HOST) return undefined; // in a pod: the service account
  return 'no kubeconfig: set KUBECONFIG or pass --kubeconfig (e.g. `kind get kubeconfig > kc.yaml`), or create ~/.kube/config';
}

/** The Kube client for the flags, and the namespace: --namespace, else `fallback` (the document's), else the context's. */
export async function connect(flags: ClusterFlags, fallbackNamespace?: string): Promise<{ kube: Kube; ns: string }> {
  const problem = kubeconfigProblem(flags.kubeconfig);
  if (problem) throw new KindlingError('KUBERNETES', problem);
  const { Kube } = await import('../k8s/client.js');
  let kube: Kube;
  try {
    kube = Kube.connect(flags.kubeconfig);
  } catch (e) {
    // Never echo the file's content (it may hold a token): name the file and the kind of problem.
    const err = e as NodeJS.ErrnoException;
    const what = err.code ?? (firstLine(err.message ?? String(e)).split(/[:(]/)[0].trim() || 'not a valid kubeconfig');
    throw new KindlingError('KUBERNETES', `cannot use the kubeconfig ${flags.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${what}`, {
      hint: 'check it with `kubectl config view`',
    });
  }
  return { kube, ns: flags.namespace ?? fallbackNamespace ?? kube.namespace };
}

/** Runs fn with a client; API failures become one line naming the server and what to do; the client is closed after. */
export async function withKube<T>(flags: ClusterFlags, fallbackNamespace: string | undefined, fn: (kube: Kube, ns: string) => Promise<T>): Promise<T> {
  const { kube, ns } = await connect(flags, fallbackNamespace);
  try {
    return await fn(kube, ns);
  } catch (e) {
    throw explainKubeError(e, kube.server, ns);
  } finally {
    kube.close();
  }
}

/** A KubeApiError (or anything the client threw) -> a KindlingError a user can act on; others unchanged. */
export function explainKubeError(e: unknown, server: string, ns: string): unknown {
  if (e instanceof KindlingError && e.code !== 'KUBERNETES') return e;
  const status = (e as { status?: unknown }).status;
  const message = (e as Error)?.message ?? String(e);
  if (typeof status !== 'number') {
    if (e instanceof KindlingError) return e;
    return new KindlingError('KUBERNETES', `cannot talk to the Kubernetes API server ${server}: ${firstLine(message).slice(0, 200)}`, {
      hint: 'check the kubeconfig (kubectl cluster-info)',
    });
  }
  const apiText = message.replace(/^[A-Z]+ \S+: /, '');
  if (status === 0) {
    const cause = apiText.replace(/^cannot reach the API server \S+: /, '');
    return new KindlingError('KUBERNETES', `cannot reach the Kubernetes API server ${server} (${cause})`, {
      hint: 'is the cluster running, and does the current context of the kubeconfig point at it? (kubectl cluster-info)',
    });
  }
  if (status === 401) {
    return new KindlingError('KUBERNETES', `the Kubernetes API server ${server} rejected the kubeconfig's credentials (401 Unauthorized)`, {
      hint: 'log in again or refresh the credentials of the current context',
    });
  }
  if (status === 403) {
    return new KindlingError('KUBERNETES', `forbidden by the Kubernetes API server ${server}: ${apiText}`, {
      hint: `ask a cluster admin for the kindling edit or view role in namespace ${ns} (check with kubectl auth can-i)`,
    });
  }
  if (status === 404 && /could not find the requested resource/.test(apiText) && /kindlingjobs/.test(message)) {
    return new KindlingError('KUBERNETES', `the KindlingJob CRD is not installed at ${server}`, {
      hint: 'install the chart (helm install kindling charts/kindling) or kubectl apply -f charts/kindling/crds/',
    });
  }
  return new KindlingError('KUBERNETES', `${firstLine(message)} at ${server}`);
}

const firstLine = (s: string): string => s.split('\n')[0];

/** "30m", "90s", "1h30m", "500ms", or plain seconds -> ms. */
export function parseTimeout(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let ms = 0;
  let end = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    ms += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    end = re.lastIndex;
  }
  if (end === 0 || end !== t.length) throw new KindlingError('USAGE', `--timeout ${text}: expected a duration such as 30m, 90s, 1h30m or a number of seconds`);
  return Math.round(ms);
}

// --------------------------------------------------------------------------------- presentation

/** 00:12, 12:03, 1:02:03. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

/** kubectl's ages (HumanDuration): 90s, 3m12s, 42m, 5h3m, 11h, 3d4h, 12d, 2y30d. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  const with_ = (a: number, ua: string, b: number, ub: string) => (b ? `${a}${ua}${b}${ub}` : `${a}${ua}`);
  if (m < 10) return with_(m, 'm', s % 60, 's');
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return with_(h, 'h', m % 60, 'm');
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return with_(Math.floor(h / 24), 'd', h % 24, 'h');
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) return with_(Math.floor(h / 24 / 365), 'y', Math.floor(h / 24) % 365, 'd');
  return `${Math.floor(h / 24 / 365)}y`;
}

const since = (iso: string | undefined, now: number): string => (iso && !Number.isNaN(Date.parse(iso)) ? age(now - Date.parse(iso)) : '?');

/** What the job waits on while Pending (an image pull error, a crash loop), from its conditions. */
function pendingWhy(st: JobStatus): string | undefined {
  const c = (st.conditions ?? []).find((x) => x.type === 'CoordinatorReady' && x.status !== 'True' && x.message) ?? (st.conditions ?? []).find((x) => x.type === 'Accepted' && x.message);
  return c ? `${c.reason}: ${c.message}` : undefined;
}

/** The `submit --wait` line: `Running  37/48 tasks  workers 2/2  00:12`. */
export function waitLine(st: JobStatus, elapsedMs: number): string {
  const phase = st.phase ?? 'Submitted';
  const parts = [phase];
  if (st.progress) parts.push(st.progress);
  if (st.workers) parts.push(`workers ${st.workers.summary ?? `${st.workers.ready}/${st.workers.desired}`}`);
  parts.push(clock(elapsedMs));
  if (phase === 'Pending') {
    const why = pendingWhy(st);
    if (why) parts.push(why);
  }
  return parts.join('  ');
}

/** The key that, when it changes, prints a new line when stdout is no terminal: the phase, or why it is pending. */
export function waitKey(st: JobStatus): string {
  return st.phase === 'Pending' ? `Pending ${pendingWhy(st) ?? ''}` : (st.phase ?? '');
}

function runTime(st: JobStatus, fallbackMs: number): number {
  const a = Date.parse(st.startTime ?? '');
  const b = Date.parse(st.completionTime ?? '');
  return Number.isNaN(a) || Number.isNaN(b) || b < a ? fallbackMs : b - a;
}

/** After `submit --wait` saw Succeeded. */
export function succeededSummary(ref: string, st: JobStatus, elapsedMs: number): string {
  const o = st.output;
  const lines = [`${ref} succeeded in ${duration(runTime(st, elapsedMs))}`];
  if (o) {
    lines.push(`output: ${o.uri}`);
    lines.push(`manifest: ${o.manifest}`);
    lines.push(`rows: ${count(o.rows)} in ${count(o.files)} file(s), from ${count(o.inputRecords)} input records${o.rejectedRows ? ` (${count(o.rejectedRows)} rejected)` : ''}`);
  }
  return lines.join('\n');
}

/** After `submit --wait` saw Failed (also the status page's failure line). */
export function failureText(ref: string, st: JobStatus): string {
  const f = st.failure;
  if (!f) return `${ref} failed`;
  return `${ref} failed: ${f.reason}: ${f.message}${f.task ? ` (task ${f.task})` : ''}`;
}

/** Events of this job, oldest first, the last `n`; events of an earlier job of the same name (another uid) left out. */
export function jobEvents(events: Obj[], uid: string | undefined, n = 10): Obj[] {
  const when = (e: Obj) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.series?.lastObservedTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '') || 0;
  return events
    .filter((e) => !uid || !e.involvedObject?.uid || e.involvedObject.uid === uid)
    .sort((a, b) => when(a) - when(b))
    .slice(-n)
    .map((e) => ({ ...e, when: when(e) }));
}

/** `kindling status`: the whole page, from the job object and its events. */
export function statusText(job: Obj, events: Obj[], now: number = Date.now()): string {
  const st = (job.status ?? {}) as JobStatus;
  const ns = job.metadata?.namespace ?? '?';
  const name = job.metadata?.name ?? '?';
  const out: string[] = [];
  const field = (k: string, v: string) => out.push(`${`${k}:`.padEnd(13)}${v}`);
  out.push(`${jobRef(ns, name)}${job.spec?.analysis ? ` (${job.spec.analysis})` : ''}`);
  field('phase', `${st.phase ?? 'Submitted (the operator has not seen it yet)'}${st.progress ? `, ${st.progress}` : ''}`);
  if (st.startTime) field('started', `${st.startTime} (${since(st.startTime, now)} ago)`);
  if (st.completionTime) field('completed', `${st.completionTime} (${since(st.completionTime, now)} ago)`);
  const start = Date.parse(st.startTime ?? '');
  if (!Number.isNaN(start)) {
    const end = st.completionTime ? Date.parse(st.completionTime) : now;
    field('duration', `${duration(Math.max(0, end - start))}${st.completionTime ? '' : ' so far'}`);
  }
  if (st.workers) field('workers', `${st.workers.summary ?? `${st.workers.ready}/${st.workers.desired}`} ready`);
  if (st.coordinator) {
    field('coordinator', `${st.coordinator.pod ?? '-'} (attempt ${st.coordinator.attempts}${job.spec?.coordinator?.maxRestarts !== undefined ? ` of ${1 + Number(job.spec.coordinator.maxRestarts)}` : ''})`);
  }
  if (st.runId) field('run', st.runId);
  if (st.output) {
    field('output', st.output.uri);
    field('manifest', st.output.manifest);
    field('rows', `${count(st.output.rows)} in ${count(st.output.files)} file(s), from ${count(st.output.inputRecords)} input records${st.output.rejectedRows ? ` (${count(st.output.rejectedRows)} rejected)` : ''}`);
  }
  if (st.failure) field('failure', `${st.failure.reason}: ${st.failure.message}${st.failure.task ? ` (task ${st.failure.task})` : ''}`);

  const tasks = (st.tasks ?? []) as StageTasks[];
  if (tasks.length) {
    out.push('', table(['stage', 'total', 'pending', 'running', 'succeeded', 'failed'], tasks.map((s) => [s.stage, s.total, s.pending, s.running, s.succeeded, s.failed])));
  }
  const conds = (st.conditions ?? []) as Condition[];
  if (conds.length) {
    out.push('', 'conditions:', table(['type', 'status', 'reason', 'message', 'age'], conds.map((c) => [c.type, c.status, c.reason || '-', c.message || '-', since(c.lastTransitionTime, now)])));
  }
  const evs = jobEvents(events, job.metadata?.uid);
  out.push('');
  if (evs.length) {
    out.push(
      `events (last ${evs.length}):`,
      table(['age', 'type', 'reason', 'message'], evs.map((e) => [e.when ? age(now - e.when) : '?', e.type ?? '-', e.reason ?? '-', `${e.message ?? ''}${e.count > 1 ? ` (x${e.count})` : ''}`])),
    );
  } else out.push('events: none');
  return out.join('\n');
}
