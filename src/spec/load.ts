/** Parse a job document (YAML or JSON), apply `--set` overrides, validate, fill defaults. */
import { parse as parseYaml, parseDocument } from 'yaml';
import { KindlingError } from '../common/errors.js';
import { ANALYSES, BAD_RECORD_POLICIES, JobSchema, type Analysis, type JobDocument, type PodSettings } from './schema.js';
import { quoteIdent } from '../types/schema.js';
import { validateAgainst, type SpecIssue } from './validate.js';
import type { Compression } from '../types/table.js';

export type BadRecordPolicyName = (typeof BAD_RECORD_POLICIES)[number];

/** A bad-record limit: a count, or a fraction of the records read; `spec` is the value as written. */
export interface BadRecordLimit {
  count?: number;
  fraction?: number;
  spec: number | string;
}

/** A table of spec.tables, defaults filled in (the schema stays text until the SQL job is planned). */
export interface TableSpec {
  name: string;
  uri: string;
  format: 'csv' | 'parquet' | 'jsonl';
  /** A DDL column list (a {name, type} list is turned into one); absent: read from Parquet files. */
  schema?: string;
  /** Columns of a csv table that may hold only these values (the list form's `values`). */
  allowed?: Record<string, string[]>;
  csv: { header: boolean; delimiter: string; quote: string; nullValue: string; timestampFormat?: string };
  splitSize: number;
  onBadRecord: BadRecordPolicyName;
  maxBadRecords?: BadRecordLimit;
}

/** A SQL job's own part: its tables and script. */
export interface SqlSpec {
  script: string;
  tables: TableSpec[];
  /** The line of the spec file where the script's first line is (errors name the file's lines). */
  firstLine?: number;
}

/** The job with every default filled in: what the planner works from. */
export type Job = AnalysisJob | SqlJob;

/** A job running a SQL script over spec.tables. */
export interface SqlJob extends JobCommon {
  sql: SqlSpec;
  analysis?: undefined;
}

/** A job running one of the built-in analyses over spec.input. */
export interface AnalysisJob extends JobCommon {
  analysis: Analysis;
  sql?: undefined;
  params: Record<string, unknown>;
  input: {
    uri: string;
    format: 'csv';
    splitSize: number;
    header: boolean;
    onBadRecord: BadRecordPolicyName;
    /** skip/quarantine: the most bad records tolerated (undefined: no limit). */
    maxBadRecords?: BadRecordLimit;
  };
}

interface JobCommon {
  name: string;
  namespace?: string;
  /** S3 settings (no credentials: those come from the environment, a profile or, in the cluster, a Secret). */
  storage: { endpoint?: string; region?: string; forcePathStyle?: boolean; credentialsSecret?: string };
  output: { uri: string; compression: Compression; format: 'parquet' | 'csv' | 'jsonl'; overwrite: boolean };
  /** broadcastThreshold: bytes (SQL jobs' joins). */
  shuffle: { partitions: number; uri?: string; broadcastThreshold: number };
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
  broadcastThreshold: 10 * 1024 * 1024,
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
  if (!issues.length) issues.push(...checkKind((raw as JobDocument).spec));
  if (issues.length) throw specError(issues, source);
  const doc = raw as JobDocument;
  const s = doc.spec;
  const common: JobCommon = {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    storage: { ...s.storage },
    output: { uri: s.output.uri, compression: s.output.compression ?? DEFAULTS.compression, format: s.output.format ?? 'parquet', overwrite: s.output.overwrite ?? false },
    shuffle: { partitions: s.shuffle?.partitions ?? DEFAULTS.partitions, uri: s.shuffle?.uri, broadcastThreshold: parseSize(s.shuffle?.broadcastThreshold ?? DEFAULTS.broadcastThreshold) },
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
  const splitSize = parseSize(s.input?.splitSize ?? DEFAULTS.splitSize);
  if (s.sql !== undefined) {
    const tables = Object.entries(s.tables ?? {}).map(([name, t]): TableSpec => ({
      name,
      uri: t.uri,
      format: t.format,
      ...(t.schema !== undefined ? { schema: typeof t.schema === 'string' ? t.schema : t.schema.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ') } : {}),
      ...(Array.isArray(t.schema) && t.schema.some((c) => c.values) ? { allowed: Object.fromEntries(t.schema.filter((c) => c.values).map((c) => [c.name, c.values!])) } : {}),
      csv: { header: t.header ?? true, delimiter: t.delimiter ?? ',', quote: t.quote ?? '"', nullValue: t.nullValue ?? '', ...(t.timestampFormat ? { timestampFormat: t.timestampFormat } : {}) },
      splitSize: t.splitSize !== undefined ? parseSize(t.splitSize) : splitSize,
      onBadRecord: t.onBadRecord ?? 'fail',
      ...(t.maxBadRecords !== undefined ? { maxBadRecords: parseBadRecordLimit(t.maxBadRecords) } : {}),
    }));
    return { ...common, sql: { script: s.sql, tables } };
  }
  const input = s.input!;
  return {
    ...common,
    analysis: s.analysis!,
    params: (s.params ?? {}) as Record<string, unknown>,
    input: {
      uri: input.uri!,
      format: input.format!,
      splitSize,
      header: input.header ?? true,
      onBadRecord: input.onBadRecord ?? 'fail',
      ...(input.maxBadRecords !== undefined ? { maxBadRecords: parseBadRecordLimit(input.maxBadRecords) } : {}),
    },
  };
}

/** What kind of job the spec is (a built-in analysis xor a SQL script), and the fields each kind needs. */
function checkKind(s: JobDocument['spec']): SpecIssue[] {
  const out: SpecIssue[] = [];
  if (s.analysis !== undefined && s.sql !== undefined) {
    return [{ path: 'spec.sql', message: 'spec.analysis and spec.sql exclude each other: a job runs one built-in analysis or one SQL script (remove one of them)' }];
  }
  if (s.analysis === undefined && s.sql === undefined) {
    return [{ path: 'spec', message: `needs spec.sql (a SQL script over spec.tables) or spec.analysis (one of ${ANALYSES.join(', ')})` }];
  }
  if (s.sql !== undefined) {
    if (s.params !== undefined) out.push({ path: 'spec.params', message: 'applies only to spec.analysis (a SQL job writes its parameters into its script)' });
    const extra = Object.keys(s.input ?? {}).filter((k) => k !== 'splitSize');
    if (extra.length) out.push({ path: `spec.input.${extra[0]}`, message: 'with spec.sql, spec.input holds only splitSize (the default of every table scan); declare the files as spec.tables' });
    for (const [name, t] of Object.entries(s.tables ?? {})) {
      const at = `spec.tables.${name}`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) out.push({ path: at, message: 'a table name is letters, digits and _, not starting with a digit (it is a SQL identifier)' });
      if (Array.isArray(t.schema) && t.schema.some((c) => c.values) && t.format !== 'csv') {
        out.push({ path: `${at}.schema`, message: `values (allowed values of a column) are checked by csv tables only, not ${t.format} (filter the rows in the SQL instead: where c in (…))` });
      }
      if (t.schema === undefined && t.format !== 'parquet') out.push({ path: `${at}.schema`, message: `is required for ${t.format} tables (e.g. "id BIGINT, name VARCHAR, price DECIMAL(10,2)")` });
      if (t.format !== 'csv') for (const k of ['header', 'delimiter', 'quote', 'nullValue', 'timestampFormat'] as const) if (t[k] !== undefined) out.push({ path: `${at}.${k}`, message: `applies only to csv tables (this one is ${t.format})` });
      out.push(...checkBadRecords(t, at));
    }
    return out;
  }
  if (s.tables !== undefined) out.push({ path: 'spec.tables', message: 'applies only to spec.sql (a built-in analysis reads spec.input)' });
  if (s.input === undefined) out.push({ path: 'spec.input', message: 'is required with spec.analysis' });
  else {
    if (s.input.uri === undefined) out.push({ path: 'spec.input.uri', message: 'is required with spec.analysis' });
    if (s.input.format === undefined) out.push({ path: 'spec.input.format', message: 'is required with spec.analysis (csv)' });
    out.push(...checkBadRecords(s.input, 'spec.input'));
  }
  if (s.output.format !== undefined && s.output.format !== 'parquet') out.push({ path: 'spec.output.format', message: 'the built-in analyses write parquet only' });
  return out;
}

/** Checks of spec.input's bad-record fields beyond the schema (which has checked the types). */
function checkBadRecords(input: { onBadRecord?: BadRecordPolicyName; maxBadRecords?: number | string }, at: string): SpecIssue[] {
  const out: SpecIssue[] = [];
  const v = input.maxBadRecords;
  if (v === undefined) return out;
  if ((input.onBadRecord ?? 'fail') === 'fail') {
    out.push({ path: `${at}.maxBadRecords`, message: `applies only with ${at}.onBadRecord skip or quarantine (onBadRecord is fail: the first bad record fails the job)` });
  }
  if (typeof v === 'string' && parseFloat(v) > 100) out.push({ path: `${at}.maxBadRecords`, message: `a percentage must be at most 100% (got ${JSON.stringify(v)})` });
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
  const job = resolveJob(raw, opts.source);
  if (job.sql) {
    const line = sqlFirstLine(text);
    if (line) job.sql.firstLine = line;
  }
  return job;
}

/** The file line where spec.sql's text starts (a block scalar `sql: |` starts on the next line). */
function sqlFirstLine(text: string): number | undefined {
  const node = parseDocument(text).getIn(['spec', 'sql'], true) as { range?: [number, number, number]; type?: string } | undefined;
  if (!node?.range) return undefined;
  const before = text.slice(0, node.range[0]);
  const line = before.split('\n').length;
  return node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED' ? line + 1 : line;
}

/** The job as a built-in analysis job; a SQL job here is a usage error naming what takes it. */
export function asAnalysisJob(job: Job, what = 'this command'): AnalysisJob {
  if (job.sql) throw new KindlingError('USAGE', `${what} runs built-in analyses only; job ${job.name} is a SQL job (spec.sql)`);
  return job;
}

/** loadJob for a spec that must be a built-in analysis. */
export function loadAnalysisJob(text: string, opts: { source?: string; sets?: string[] } = {}): AnalysisJob {
  return asAnalysisJob(loadJob(text, opts), 'loadAnalysisJob');
}
