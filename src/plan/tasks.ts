/**
 * Task definitions and results: what the coordinator sends a worker and gets back. Plain
 * JSON, so they cross HTTP and piscina unchanged. Names are deterministic:
 * <run>-s<stage>-p<partition>-a<attempt>.
 */
import type { CsvSplit } from '../formats/csv/split-reader.js';
import type { Compression } from '../exec/table.js';
import type { AggregateQuery } from './logical.js';
import type { IoStats } from '../storage/stats.js';

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

export interface MapTask extends TaskId {
  kind: 'map';
  runId: string;
  storage: TaskStorage;
  split: CsvSplit;
  query: AggregateQuery;
  partitions: number;
  /** Base URI of this attempt's shuffle output (".data" and ".index.json" are appended). */
  shuffleBase: string;
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

export type Task = MapTask | ReduceTask;

export interface MapResult {
  kind: 'map';
  dataUri: string;
  indexUri: string;
  offsets: number[];
  shuffleBytes: number;
  records: number;
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

export type TaskResult = MapResult | ReduceResult;

export function taskName(runId: string, t: TaskId): string {
  return `${runId}-s${t.stage}-p${t.partition}-a${t.attempt}`;
}

export function pad5(n: number): string {
  return String(n).padStart(5, '0');
}
