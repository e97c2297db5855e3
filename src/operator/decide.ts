/**
 * observe -> decide: what a job needs, as a list of actions, from the job and its coordinator
 * pods alone (a pure function: no API calls, the clock passed in). The status it writes is
 * rebuilt from what it sees, so a restarted operator decides the same.
 */
import { KindlingError } from '../common/errors.js';
import type { Obj } from '../k8s/client.js';
import { conditionsFor, isTerminal, timestamp, type JobStatus, type Phase } from '../k8s/job-status.js';
import { describeState, podState } from '../k8s/pod.js';
import { resolveJob, type Job } from '../spec/load.js';
import { ATTEMPT_LABEL } from './resources.js';

export type Action =
  | { kind: 'ensureAccess' }
  | { kind: 'ensureToken' }
  | { kind: 'ensureService' }
  | { kind: 'ensureNetworkPolicy' }
  | { kind: 'createCoordinator'; attempt: number; spec: Job }
  | { kind: 'deletePods'; why: string }
  | { kind: 'status'; status: JobStatus }
  | { kind: 'event'; type: 'Normal' | 'Warning'; reason: string; message: string }
  | { kind: 'requeueAfter'; ms: number };

export interface Observed {
  job: Obj;
  /** The job's coordinator pods (any attempt). */
  pods: Obj[];
  now: number;
  /** The operator creates a NetworkPolicy per job (chart value networkPolicy.enabled; default true). */
  networkPolicy?: boolean;
}

/** Pods do not share a disk: in the cluster every path is on S3. */
export function clusterProblems(job: Job): string[] {
  const inputs: [string, string | undefined][] = job.sql ? job.sql.tables.map((t) => [`spec.tables.${t.name}.uri`, t.uri]) : [['spec.input.uri', job.input.uri]];
  const uris: [string, string | undefined][] = [...inputs, ['spec.output.uri', job.output.uri], ['spec.shuffle.uri', job.shuffle.uri]];
  return uris
    .filter(([, u]) => u !== undefined && !u.startsWith('s3://'))
    .map(([field, u]) => `${field}: in the cluster every path must be an s3:// URI, since pods share no disk (got ${JSON.stringify(u)})`);
}

export function decide({ job, pods, now, networkPolicy = true }: Observed): Action[] {
  const st = (job.status ?? {}) as JobStatus;
  const gen = job.metadata.generation as number | undefined;
  if (job.metadata.deletionTimestamp) return [];
  const status = (phase: Phase, reason: string, message: string, extra: JobStatus = {}): Action => ({
    kind: 'status',
    status: { phase, observedGeneration: gen, conditions: conditionsFor(phase, reason, message, st.conditions, gen), ...extra },
  });

  if (isTerminal(st.phase)) return afterFinish(job, st, pods, now);

  let spec: Job;
  try {
    spec = resolveJob({ apiVersion: job.apiVersion, kind: job.kind, metadata: { name: job.metadata.name, namespace: job.metadata.namespace }, spec: job.spec });
    const problems = clusterProblems(spec);
    if (problems.length) throw new KindlingError('SPEC_INVALID', `invalid job spec: ${problems.join('; ')}`);
  } catch (e) {
    const message = e instanceof KindlingError ? e.message : String(e);
    return [
      status('Failed', 'SpecInvalid', message, { completionTime: timestamp(now), failure: { reason: 'SpecInvalid', message } }),
      { kind: 'event', type: 'Warning', reason: 'SpecInvalid', message },
    ];
  }

  const attempts = st.coordinator?.attempts ?? 0;
  const allowed = 1 + spec.coordinator.maxRestarts;
  const current = [...pods].sort((a, b) => Number(b.metadata.labels?.[ATTEMPT_LABEL] ?? 0) - Number(a.metadata.labels?.[ATTEMPT_LABEL] ?? 0))[0];
  const create = (why: string, type: 'Normal' | 'Warning', reason: string): Action[] => {
    const pod = `${job.metadata.name}-coordinator-${attempts}`;
    const message = attempts === 0 ? `created coordinator pod ${pod}` : `${why}; started coordinator attempt ${attempts + 1} of ${allowed}`;
    return [
      { kind: 'ensureAccess' },
      { kind: 'ensureToken' },
      { kind: 'ensureService' },
      ...(networkPolicy ? [{ kind: 'ensureNetworkPolicy' } as const] : []),
      { kind: 'createCoordinator', attempt: attempts, spec },
      status('Pending', reason, message, { startTime: st.startTime ?? timestamp(now), coordinator: { pod, attempts: attempts + 1 } }),
      { kind: 'event', type, reason, message },
    ];
  };
  const lostFor = (why: string): Action[] => {
    if (attempts < allowed) return create(why, 'Warning', 'CoordinatorRestarted');
    const message = `${why}; the coordinator was started ${attempts} time(s) (spec.coordinator.maxRestarts ${spec.coordinator.maxRestarts})`;
    return [
      status('Failed', 'CoordinatorLost', message, { completionTime: timestamp(now), failure: { reason: 'CoordinatorLost', message } }),
      { kind: 'event', type: 'Warning', reason: 'CoordinatorLost', message },
    ];
  };

  // The pod of the latest attempt; an older one still around is history (kept for its logs).
  const latest = current && Number(current.metadata.labels?.[ATTEMPT_LABEL] ?? 0) === attempts - 1 ? current : undefined;
  if (attempts === 0) return create('', 'Normal', 'CoordinatorCreated');
  if (!latest) return lostFor(`coordinator pod ${st.coordinator?.pod ?? '?'} disappeared`);
  const s = podState(latest);
  if (s.kind === 'exited') return lostFor(describeState(latest.metadata.name, s));
  if (s.kind === 'pending') {
    const timeoutMs = spec.workers.startTimeoutSeconds * 1000;
    const age = now - Date.parse(latest.metadata.creationTimestamp ?? timestamp(now));
    if (s.fatal && age >= timeoutMs) {
      const message = `${describeState(latest.metadata.name, s)} (waited ${Math.round(age / 1000)} s, spec.workers.startTimeoutSeconds ${spec.workers.startTimeoutSeconds})`;
      return [
        status('Failed', 'PodsNotStarting', message, { completionTime: timestamp(now), failure: { reason: 'PodsNotStarting', message } }),
        { kind: 'event', type: 'Warning', reason: 'PodsNotStarting', message },
        { kind: 'deletePods', why: 'the coordinator cannot start' },
      ];
    }
    const acts: Action[] = [{ kind: 'requeueAfter', ms: Math.max(1000, timeoutMs - age) }];
    if (s.reason) {
      const message = describeState(latest.metadata.name, s);
      if (st.phase !== 'Pending' || !(st.conditions ?? []).some((c) => c.message === message)) {
        acts.push(status('Pending', s.reason, message), { kind: 'event', type: 'Warning', reason: s.reason, message });
      }
    }
    return acts;
  }
  if (st.observedGeneration !== gen) return [{ kind: 'status', status: { observedGeneration: gen } }];
  return [];
}

function afterFinish(job: Obj, st: JobStatus, pods: Obj[], now: number): Action[] {
  const acts: Action[] = [];
  const ttl = job.spec?.ttlSecondsAfterFinished as number | undefined;
  if (ttl === undefined || !st.completionTime) return acts;
  const expires = Date.parse(st.completionTime) + ttl * 1000;
  if (now < expires) return [{ kind: 'requeueAfter', ms: expires - now }];
  if (pods.length > 0) {
    acts.push({ kind: 'deletePods', why: `ttlSecondsAfterFinished (${ttl} s) passed` });
    acts.push({ kind: 'event', type: 'Normal', reason: 'Cleaned', message: `deleted the job's pods ${ttl} s after it finished (spec.ttlSecondsAfterFinished)` });
  }
  return acts;
}
