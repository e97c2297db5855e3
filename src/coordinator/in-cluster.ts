/**
 * The coordinator in a pod (`kindling coordinator`, started by the operator): reads its
 * KindlingJob from the API, runs it with the same runJob as `kindling run` but with worker
 * pods (KubernetesBackend), and reports progress, output or failure in the job's status.
 * Everything it needs comes from its environment (set by the operator's pod builder).
 */
import { sqlPhysicalPlan } from '../engine/sql-plan.js';
import { KindlingError } from '../common/errors.js';
import { logEnv, type Logger } from '../common/logger.js';
import { KubernetesBackend } from '../backends/kubernetes/backend.js';
import { Kube, type Obj } from '../k8s/client.js';
import type { JobStatus } from '../k8s/job-status.js';
import { COORDINATOR_PORT, LABELS, names, paths, selector } from '../k8s/names.js';
import { physicalPlan } from '../plan/physical.js';
import { resolveJob, type Job } from '../spec/load.js';
import { runJob } from './run-job.js';
import { StatusReporter } from './status-reporter.js';
import { archiveLogs, logsUri } from './archive-logs.js';
import { loadJournal } from './journal.js';
import { faultsEnv } from '../worker/faults.js';
import { configureStorage } from '../storage/index.js';

export interface InClusterEnv {
  KINDLING_JOB_NAME?: string;
  POD_NAME?: string;
  POD_NAMESPACE?: string;
  POD_IP?: string;
  KINDLING_TOKEN?: string;
  KINDLING_IMAGE?: string;
  KINDLING_IMAGE_PULL_POLICY?: string;
  KINDLING_S3_ENDPOINT?: string;
  KINDLING_CREDENTIALS_SECRET?: string;
  KINDLING_LOG_LEVEL?: string;
  KINDLING_COORDINATOR_ATTEMPT?: string;
  /** Tests only: injected faults for the workers (see src/worker/faults.ts). */
  KINDLING_FAULTS?: string;
}

function required(env: InClusterEnv, key: keyof InClusterEnv): string {
  const v = env[key];
  if (!v) throw new KindlingError('USAGE', `${key} is not set: \`kindling coordinator\` runs in the coordinator pod the operator creates`);
  return v;
}

/** Returns the process exit code: 0 committed, 1 the job failed (the status says why). */
export async function runCoordinatorInCluster(env: InClusterEnv, log: Logger, signal: AbortSignal): Promise<number> {
  const jobName = required(env, 'KINDLING_JOB_NAME');
  const podName = required(env, 'POD_NAME');
  const token = required(env, 'KINDLING_TOKEN');
  const kube = Kube.connect();
  const ns = env.POD_NAMESPACE ?? kube.namespace;
  const doc = await kube.get<Obj>(paths.job(ns, jobName));
  if (!doc) throw new KindlingError('KUBERNETES', `KindlingJob ${ns}/${jobName} not found`, { hint: 'it was deleted; nothing to do' });
  let backend: KubernetesBackend | undefined;
  const reporter = new StatusReporter(kube, ns, jobName, log, (doc.status ?? {}) as JobStatus, () => backend?.counts() ?? { desired: 0, ready: 0 });
  let job: Job;
  try {
    job = resolveJob({ apiVersion: doc.apiVersion, kind: doc.kind, metadata: { name: jobName, namespace: ns }, spec: doc.spec }, `KindlingJob ${ns}/${jobName}`);
    // The operator's defaults (chart values) for jobs that name no endpoint or Secret.
    if (!job.storage.endpoint && env.KINDLING_S3_ENDPOINT) job.storage.endpoint = env.KINDLING_S3_ENDPOINT;
    if (!job.storage.credentialsSecret && env.KINDLING_CREDENTIALS_SECRET) job.storage.credentialsSecret = env.KINDLING_CREDENTIALS_SECRET;
  } catch (e) {
    await reporter.failed(e);
    return 1;
  }
  const self = await kube.get<Obj>(paths.pod(ns, podName));
  if (!self) throw new KindlingError('KUBERNETES', `cannot read my own pod ${ns}/${podName}`);
  let runId: string | undefined;
  try {
    // A replacement coordinator takes over the run its predecessor journaled.
    const attempt = Number(env.KINDLING_COORDINATOR_ATTEMPT ?? 0);
    configureStorage(job.storage);
    const resumed =
      attempt > 0
        ? await loadJournal(job.output.uri).catch((e) => void log.warn({ err: String(e) }, 'cannot read the journal of the previous run; starting a new run'))
        : undefined;
    const resume = resumed && resumed.plan.job.name === jobName ? resumed : undefined;
    const plan = resume?.plan ?? (job.sql ? await sqlPhysicalPlan(job) : await physicalPlan(job));
    runId = plan.runId;
    await removeStaleWorkers(kube, ns, jobName, log);
    backend = new KubernetesBackend({
      kube,
      namespace: ns,
      job,
      owner: { apiVersion: 'v1', kind: 'Pod', name: podName, uid: self.metadata.uid },
      image: job.workers.pod.image ?? required(env, 'KINDLING_IMAGE'),
      imagePullPolicy: env.KINDLING_IMAGE_PULL_POLICY,
      tokenSecret: names.tokenSecret(jobName),
      epoch: resume?.epoch ?? 0,
      log,
    });
    const host = env.POD_IP ?? '0.0.0.0';
    await reporter.running(plan.runId, podName, Number(env.KINDLING_COORDINATOR_ATTEMPT ?? 0) + 1, `http://${host}:${COORDINATOR_PORT}`, logsUri(job.output.uri, plan.runId));
    const manifest = await runJob(plan, {
      backend,
      log,
      token,
      signal,
      listen: { host, port: COORDINATOR_PORT },
      // KINDLING_FAULTS (tests only: the operator copies the job's kindling.dev/faults annotation).
      workerEnv: { ...logEnv({ level: env.KINDLING_LOG_LEVEL }), ...faultsEnv({ KINDLING_FAULTS: env.KINDLING_FAULTS }) },
      onProgress: (p) => reporter.progress(p),
      resume,
    });
    await reporter.succeeded(manifest, job.output.uri);
    log.info({ rows: manifest.counters.outputRows, output: job.output.uri }, 'job succeeded');
    return 0;
  } catch (e) {
    // Interrupted (SIGTERM: the pod is being deleted) is not a verdict on the job: the operator decides.
    if (e instanceof KindlingError && e.code === 'INTERRUPTED') throw e;
    await reporter.failed(e);
    log.error({ err: e instanceof KindlingError ? e.describe() : String(e) }, 'job failed');
    return 1;
  } finally {
    // Pod logs go with the pods (TTL, job deletion): keep a copy next to the output.
    if (runId) await archiveLogs(kube, ns, [podName, ...(backend?.podNames() ?? [])], logsUri(job.output.uri, runId), log).catch(() => undefined);
    kube.close();
  }
}

/** Workers of an earlier coordinator of this job (it died; this one has made none yet). */
async function removeStaleWorkers(kube: Kube, ns: string, job: string, log: Logger): Promise<void> {
  const stale = await kube.list<Obj>(paths.pods(ns), { labelSelector: selector({ [LABELS.job]: job, [LABELS.role]: 'worker' }) });
  for (const p of stale.items) {
    log.info({ pod: p.metadata.name }, 'deleting a worker of an earlier run');
    await kube.delete(paths.pod(ns, p.metadata.name));
  }
}
