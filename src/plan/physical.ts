/**
 * Physical planning: input files -> splits -> a map stage (one task per split) and a
 * reduce stage (one task per shuffle partition), cut at the shuffle boundary.
 */
import { randomBytes } from 'node:crypto';
import { KindlingError } from '../common/errors.js';
import type { AnalysisJob as Job } from '../spec/load.js';
import { configureStorage, storeFor, type ObjectInfo } from '../storage/index.js';
import { hasGlob } from '../storage/glob.js';
import type { CsvSplit } from '../formats/csv/split-reader.js';
import { analyses } from '../analyses/index.js';
import { validateAgainst } from '../spec/validate.js';
import { specError } from '../spec/load.js';
import type { AggregateQuery } from './logical.js';

export interface StagePlan {
  id: number;
  kind: 'map' | 'reduce';
  tasks: number;
}

export interface PhysicalPlan {
  runId: string;
  job: Job;
  query: AggregateQuery;
  files: ObjectInfo[];
  splits: CsvSplit[];
  stages: StagePlan[];
  /** Where this run's shuffle files go. */
  shuffleUri: string;
  /** Where task attempts write part files before the commit moves the winners. */
  stagingUri: string;
  inputBytes: number;
}

/** Validates the analysis params (field paths under spec.params) and builds the logical plan. */
export function logicalPlan(job: Job): AggregateQuery {
  const def = analyses[job.analysis];
  const issues = validateAgainst(def.paramsSchema, job.params, 'spec.params');
  for (const m of def.checkParams(job.params as never)) issues.push({ path: `spec.params.${m.split(':')[0]}`, message: m.slice(m.indexOf(':') + 2) });
  if (issues.length) throw specError(issues);
  return def.plan(job.params as never);
}

export function isGzip(uri: string): boolean {
  return /\.gz$/i.test(uri);
}

/** Cuts files into splits of about splitSize bytes, evenly sized; a .gz file is one split. */
export function computeSplits(files: ObjectInfo[], splitSize: number, header: boolean): CsvSplit[] {
  const splits: CsvSplit[] = [];
  for (const f of files) {
    const gzip = isGzip(f.uri);
    const n = gzip || f.size === 0 ? 1 : Math.max(1, Math.ceil(f.size / splitSize));
    for (let i = 0; i < n; i++) {
      const start = Math.floor((f.size * i) / n);
      const end = i === n - 1 ? f.size : Math.floor((f.size * (i + 1)) / n);
      splits.push({ uri: f.uri, start, end, fileSize: f.size, gzip, header, etag: f.etag || undefined });
    }
  }
  return splits;
}

export async function physicalPlan(job: Job, opts: { runId?: string } = {}): Promise<PhysicalPlan> {
  const query = logicalPlan(job);
  configureStorage(job.storage);
  const store = storeFor(job.input.uri);
  // A directory is read for its *.csv and *.csv.gz files; a file or glob names exactly what to
  // read. A file lists as itself, so the listing tells which it is (no second request).
  const listed = await store.list(job.input.uri);
  const exact = hasGlob(job.input.uri) || (listed.length === 1 && listed[0].uri === job.input.uri);
  const files = listed.filter((f) => exact || /\.csv(\.gz)?$/i.test(f.uri));
  if (files.length === 0) {
    const why = hasGlob(job.input.uri) ? '(no file matches the glob)'
      : listed.length === 0 ? '(the path does not exist, or is an empty directory or prefix)'
      : `(it holds ${listed.length} file(s), none named *.csv or *.csv.gz: ${listed.slice(0, 3).map((f) => f.uri).join(', ')}${listed.length > 3 ? ', …' : ''})`;
    throw new KindlingError('INPUT_NOT_FOUND', `no input files at ${job.input.uri} ${why}`, {
      place: { file: job.input.uri, field: 'spec.input.uri' },
      hint: 'check the path; a directory is read for *.csv and *.csv.gz files, a glob like data/*.csv also works',
    });
  }
  const empty = job.input.header ? files.find((f) => f.size === 0) : undefined;
  if (empty) {
    throw new KindlingError('INPUT_BAD_HEADER', `${empty.uri} is empty: expected a header line`, {
      place: { file: empty.uri },
      hint: 'remove the empty file, or set spec.input.header: false if the files have no header line',
    });
  }
  const splits = computeSplits(files, job.input.splitSize, job.input.header);
  const runId = opts.runId ?? `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
  const out = storeFor(job.output.uri);
  const shuffleBase = job.shuffle.uri ?? out.join(job.output.uri, '_shuffle');
  return {
    runId,
    job,
    query,
    files,
    splits,
    stages: [
      { id: 0, kind: 'map', tasks: splits.length },
      { id: 1, kind: 'reduce', tasks: job.shuffle.partitions },
    ],
    shuffleUri: out.join(shuffleBase, runId),
    stagingUri: out.join(job.output.uri, '_temporary', runId),
    inputBytes: files.reduce((s, f) => s + f.size, 0),
  };
}
