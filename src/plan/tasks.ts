/**
 * Task definitions and results: what the coordinator sends a worker and gets back. Plain
 * JSON, so they cross HTTP and piscina unchanged. Names are deterministic:
 * <run>-s<stage>-p<partition>-a<attempt>.
 */
import type { CsvSplit } from '../formats/csv/split-reader.js';
import type { Compression } from '../types/table.js';
import type { AggregateQuery } from './logical.js';
import type { IoStats } from '../storage/stats.js';
import type { LogicalPlan } from './logical/plan.js';
import type { SortKey } from './logical/expr.js';
import type { Partitioning } from './physical/stages.js';
import type { Split } from '../exec/ops/scan-common.js';
import type { Scalar } from '../types/vector.js';

export interface TaskId {
  stage: number;
  partition: number;
  attempt: number;
}

/** Where S3 is, for the worker running a task (never credentials). */
export interface TaskStorage {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
}

/** What a map task does with bad records (spec.input.onBadRecord / maxBadRecords). */
export interface BadRecordPolicy {
  onBadRecord: 'fail' | 'skip' | 'quarantine';
  /** The job's limit when it is a count: a task that alone exceeds it fails at once. */
  maxCount?: number;
  /** quarantine: where this attempt writes its bad records (JSON Lines, in the run's staging). */
  rejectsUri?: string;
}

/** A bad record named in an error message. */
export interface BadRecordExample {
  file: string;
  offset: number;
  /** 1-based line in the file, when known (see MapResult.firstLine). */
  line?: number;
  /** Else the line counted from the split's first record (line 1). */
  splitLine?: number;
  /** The column, for a bad value. */
  field?: string;
  reason: string;
}

export interface MapTask extends TaskId {
  kind: 'map';
  runId: string;
  storage: TaskStorage;
  split: CsvSplit;
  query: AggregateQuery;
  partitions: number;
  /** Base URI of this attempt's shuffle output (".data" and ".index.json" are appended). */
  shuffleBase: string;
  /** Absent: fail on the first bad record. */
  badRecords?: BadRecordPolicy;
}

export interface ReduceTask extends TaskId {
  kind: 'reduce';
  runId: string;
  storage: TaskStorage;
  query: AggregateQuery;
  /** This partition's byte range in every map output (map: the map task's partition; attempt: the one that won). */
  inputs: { map: number; attempt: number; uri: string; start: number; end: number }[];
  /** Where this attempt writes its part file (staging; the commit moves the winner). */
  outputUri: string;
  compression: Compression;
}

/** Bytes [start, end) of one upstream task's output file. */
export interface ExchangePart {
  task: number;
  attempt: number;
  uri: string;
  start: number;
  end: number;
}

/** A sorted run of an upstream task (range exchange): its chunks and the sort keys each starts with. */
export interface SortedRun {
  task: number;
  attempt: number;
  uri: string;
  chunks: { start: number; end: number; rows: number }[];
  /** The sort keys of each chunk's first row. */
  samples: Scalar[][];
}

/** One exchange input of a SQL stage task: what it reads of the upstream stage's outputs. */
export interface StageInput {
  stage: number;
  kind: Partitioning['kind'];
  /** hash: partition p of every upstream output; single, broadcast: all of each. */
  parts: ExchangePart[];
  /** range: every upstream task's sorted run (the task keeps its key range of them). */
  runs?: SortedRun[];
  /** range: the sort keys (over the upstream output's columns) and the number of partitions. */
  keys?: SortKey[];
  partitions?: number;
}

/** A task of a SQL job's stage: run the stage's fragment over this task's split or partition. */
export interface StageTask extends TaskId {
  kind: 'stage';
  runId: string;
  storage: TaskStorage;
  /** The stage's fragment (plan/physical/stages.ts). */
  plan: LogicalPlan;
  /** A source stage: this task's split of the table it scans (absent for an empty table). */
  split?: Split;
  inputs: StageInput[];
  /** The partitions of the stage it feeds (range: this task's index among them). */
  output:
    | { kind: 'exchange'; partitioning: Partitioning; uri: string }
    | { kind: 'table'; uri: string; format: 'parquet' | 'csv' | 'jsonl'; compression: Compression };
  /** The scan's bad-record policy (spec.tables.<t>.onBadRecord). */
  badRecords: 'fail' | 'skip' | 'quarantine';
  /** quarantine: where this attempt writes its bad records (JSON Lines, in the run's staging). */
  rejectsUri?: string;
}

export interface StageResult {
  kind: 'stage';
  /** The file it wrote: an exchange output or a part file. */
  uri: string;
  /** hash, single, broadcast: partition p is bytes [offsets[p], offsets[p+1]). */
  offsets?: number[];
  /** range: the sorted run. */
  chunks?: SortedRun['chunks'];
  samples?: Scalar[][];
  rows: number;
  bytes: number;
  /** A source stage: records read (good ones), and bad ones dropped (onBadRecord skip). */
  inputRows?: number;
  rejectedRows?: number;
  /** quarantine: the attempt's rejects file, when it had bad records. */
  rejectsUri?: string;
  ms: number;
  io?: IoStats;
}

export type Task = MapTask | ReduceTask | StageTask;

export interface MapResult {
  kind: 'map';
  dataUri: string;
  indexUri: string;
  offsets: number[];
  shuffleBytes: number;
  /** Good records (aggregated). */
  records: number;
  /** Bad records dropped (onBadRecord skip or quarantine); records + rejectedRows were read. */
  rejectedRows?: number;
  /** The first few bad records (for error messages). */
  badExamples?: BadRecordExample[];
  /** quarantine: the attempt's rejects file (JSON Lines), when it had bad records. */
  rejectsUri?: string;
  /** LF bytes in [firstRecordOffset, endOffset). */
  lines?: number;
  /**
   * 1-based line of the split's first record, when the split starts the file. Then the `line` of
   * each reject is the line in the file; otherwise it counts from the split's first record (line
   * 1) and the commit adds the lines of the splits before.
   */
  firstLine?: number;
  bytesRead: number;
  groups: number;
  firstRecordOffset: number;
  endOffset: number;
  ms: number;
  /** Object-store traffic of the task (S3 requests and bytes). */
  io?: IoStats;
}

export interface ReduceResult {
  kind: 'reduce';
  uri: string;
  rows: number;
  bytes: number;
  groups: number;
  ms: number;
  io?: IoStats;
}

export type TaskResult = MapResult | ReduceResult | StageResult;

export function taskName(runId: string, t: TaskId): string {
  return `${runId}-s${t.stage}-p${t.partition}-a${t.attempt}`;
}

export function pad5(n: number): string {
  return String(n).padStart(5, '0');
}
