/** Parse a job document (YAML or JSON), apply `--set` overrides, validate, fill defaults. */
import { parse as parseYaml, parseDocument } from 'yaml';
import { KindlingError } from '../common/errors.js';
import { BAD_RECORD_POLICIES, JobSchema, type Analysis, type JobDocument, type PodSettings } from './schema.js';
import { validateAgainst, type SpecIssue } from './validate.js';
import type { Compression } from '../types/table.js';

export type BadRecordPolicyName = (typeof BAD_RECORD_POLICIES)[number];

/** A bad-record limit: a count, or a fraction of the records read; `spec` is the value as written. */
export interface BadRecordLimit {
  count?: number;
  fraction?: number;
  spec: number | string;
}

/** The job with every default filled in: what the planner works from. */
export interface Job {
  name: string;
  namespace?: string;
  analysis: Analysis;
  params: Record<string, unknown>;
  /** S3 settings (no credentials: those come from the environment, a profile or, in the cluster, a Secret). */
  storage: { endpoint?: string; region?: string; forcePathStyle?: boolean; credentialsSecret?: string };
  input: {
    uri: string;
    format: 'csv';
    splitSize: number;
    header: boolean;
    onBadRecord: BadRecordPolicyName;
    /** skip/quarantine: the most bad records tolerated (undefined: no limit). */
    maxBadRecords?: BadRecordLimit;
  };
  output: { uri: string; compression: Compression; overwrite: boolean };
  shuffle: { partitions: number; uri?: string };
  /** maxReplacements: dead workers replaced at most this often (default 2 x replicas). */
  workers: { replicas: number; threads: number; startTimeoutSeconds: number; maxReplacements: number; pod: PodSettings };
  maxTaskAttempts: number;
  /** Speculative copies of straggling tasks (default true). */
  speculation: boolean;
  /** Cluster only: the coordinator pod's settings and how often the operator recreates it. */
  coordinator: { maxRestarts: number; pod: PodSettings };
  /** Cluster only: delete the job's pods this long after it finished (undefined: keep them). */
  ttlSecondsAfterFinished?: number;
}

export const DEFAULTS = {
  splitSize: 64 * 1024 * 1024,
  compression: 'zstd' as Compression,
  partitions: 8,
  replicas: 2,
  threads: 1,
  maxTaskAttempts: 4,
  startTimeoutSeconds: 300,
  coordinatorMaxRestarts: 3,
};

export function specError(issues: SpecIssue[], source?: string): KindlingError {
  const lines = issues.map((i) => `${i.path}: ${i.message}`);
  return new KindlingError('SPEC_INVALID', `invalid job spec${source ? ` ${source}` : ''}: ${lines.join('; ')}`, {
    place: { file: source, field: issues[0]?.path },
    hint: 'fix the fields named (see the README section "The job spec")',
  });
}

export function parseJobText(text: string, source?: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new KindlingError('SPEC_PARSE', `cannot parse job spec${source ? ` ${source}` : ''}: ${e.message.split('\n')[0]}`, {
      place: { file: source, line: e.linePos?.[0]?.line },
      hint: 'the spec must be YAML or JSON',
    });
  }
  return doc.toJS();
}

/** Applies `path=value` overrides (the value is read as YAML: numbers, booleans, lists work). */
export function applySets(doc: unknown, sets: string[]): unknown {
  const root = (doc ?? {}) as Record<string, unknown>;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new KindlingError('USAGE', `--set ${s}: expected path=value, e.g. spec.workers.replicas=4`);
    const path = s.slice(0, eq).split('.');
    const value = parseYaml(s.slice(eq + 1));
    let node = root;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
  }
  return root;
}

export function parseSize(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([KMGT]i?B|B)?$/.exec(v.trim());
  if (!m) throw new KindlingError('SPEC_INVALID', `bad size ${JSON.stringify(v)}`);
  const unit = m[2] ?? 'B';
  const pow = { B: 0, K: 1, M: 2, G: 3, T: 4 }[unit[0] as 'B'] ?? 0;
  const base = unit.includes('i') ? 1024 : unit === 'B' ? 1 : 1000;
  return Math.max(1, Math.round(Number(m[1]) * base ** pow));
}

export function resolveJob(raw: unknown, source?: string): Job {
  const issues = validateAgainst(JobSchema, raw, '');
  if (!issues.length) issues.push(...checkBadRecords((raw as JobDocument).spec.input));
  if (issues.length) throw specError(issues, source);
  const doc = raw as JobDocument;
  const s = doc.spec;
  return {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    analysis: s.analysis,
    params: (s.params ?? {}) as Record<string, unknown>,
    storage: { ...s.storage },
    input: {
      uri: s.input.uri,
      format: s.input.format,
      splitSize: parseSize(s.input.splitSize ?? DEFAULTS.splitSize),
      header: s.input.header ?? true,
      onBadRecord: s.input.onBadRecord ?? 'fail',
      ...(s.input.maxBadRecords !== undefined ? { maxBadRecords: parseBadRecordLimit(s.input.maxBadRecords) } : {}),
    },
    output: { uri: s.output.uri, compression: s.output.compression ?? DEFAULTS.compression, overwrite: s.output.overwrite ?? false },
    shuffle: { partitions: s.shuffle?.partitions ?? DEFAULTS.partitions, uri: s.shuffle?.uri },
    workers: {
      replicas: s.workers?.replicas ?? DEFAULTS.replicas,
      threads: s.workers?.threads ?? DEFAULTS.threads,
      startTimeoutSeconds: s.workers?.startTimeoutSeconds ?? DEFAULTS.startTimeoutSeconds,
      maxReplacements: s.workers?.maxReplacements ?? 2 * (s.workers?.replicas ?? DEFAULTS.replicas),
      pod: podOf(s.workers ?? {}),
    },
    maxTaskAttempts: s.maxTaskAttempts ?? DEFAULTS.maxTaskAttempts,
    speculation: s.speculation ?? true,
    coordinator: { maxRestarts: s.coordinator?.maxRestarts ?? DEFAULTS.coordinatorMaxRestarts, pod: podOf(s.coordinator ?? {}) },
    ttlSecondsAfterFinished: s.ttlSecondsAfterFinished,
  };
}

/** Checks of spec.input's bad-record fields beyond the schema (which has checked the types). */
function checkBadRecords(input: JobDocument['spec']['input']): SpecIssue[] {
  const out: SpecIssue[] = [];
  const v = input.maxBadRecords;
  if (v === undefined) return out;
  if ((input.onBadRecord ?? 'fail') === 'fail') {
    out.push({ path: 'spec.input.maxBadRecords', message: 'applies only with spec.input.onBadRecord skip or quarantine (onBadRecord is fail: the first bad record fails the job)' });
  }
  if (typeof v === 'string' && parseFloat(v) > 100) out.push({ path: 'spec.input.maxBadRecords', message: `a percentage must be at most 100% (got ${JSON.stringify(v)})` });
  return out;
}

/** A validated maxBadRecords value: an integer is a count, a number in (0, 1) a fraction, "x%" a percentage. */
export function parseBadRecordLimit(v: number | string): BadRecordLimit {
  if (typeof v === 'string') return { fraction: parseFloat(v) / 100, spec: v };
  return Number.isInteger(v) ? { count: v, spec: v } : { fraction: v, spec: v };
}

/** The pod settings among a workers/coordinator section's fields. */
function podOf(o: PodSettings & Record<string, unknown>): PodSettings {
  const { image, imagePullPolicy, resources, nodeSelector, tolerations, affinity, serviceAccountName, labels, annotations } = o;
  return Object.fromEntries(
    Object.entries({ image, imagePullPolicy, resources, nodeSelector, tolerations, affinity, serviceAccountName, labels, annotations }).filter(([, v]) => v !== undefined),
  ) as PodSettings;
}

/** Text -> validated Job, with overrides. */
export function loadJob(text: string, opts: { source?: string; sets?: string[] } = {}): Job {
  const raw = applySets(parseJobText(text, opts.source), opts.sets ?? []);
  return resolveJob(raw, opts.source);
}
