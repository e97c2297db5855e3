/**
 * Bad records across a job (spec.input.onBadRecord / maxBadRecords): the policy each map task
 * gets, the job-wide limit check the coordinator runs on the map results, and the error with the
 * first examples.
 *
 *  - fail (default): the first bad record fails the job: its task at once when the split starts
 *    its file, else the coordinator once the split's start is confirmed (it could still be
 *    read again from a corrected start).
 *  - skip: bad records are dropped and counted (MapResult.rejectedRows, the manifest's
 *    counters.rejectedRows).
 *  - quarantine: as skip, and each attempt writes its bad records as JSON Lines under the run's
 *    staging; the commit moves the winning attempts' files to <output>/_rejects/.
 * A limit that is a count fails a task as soon as it alone exceeds it (a task reading the start of
 * a file), and the job as soon as the finished map tasks together exceed it. A fraction is checked once every map task has finished,
 * against all records read (good + bad). Either way nothing is committed.
 */
import { KindlingError } from '../common/errors.js';
import type { AnalysisJob as Job, TableSpec } from '../spec/load.js';
import { startsFile, type CsvSplit } from '../formats/csv/split-reader.js';
import { storeFor } from '../storage/index.js';
import type { PhysicalPlan } from './physical.js';
import { pad5, type BadRecordExample, type BadRecordPolicy, type MapResult } from './tasks.js';

export const REJECTS_DIR = '_rejects';

/** The policy of map task `partition`; `attemptTag` names the attempt ("-a0", "-a1-e2"). */
export function badRecordPolicy(plan: PhysicalPlan, partition: number, attemptTag: string): BadRecordPolicy | undefined {
  const input = plan.job.input;
  const store = storeFor(plan.stagingUri);
  // Only a split that starts its file is sure of its records; another one may be run again from a
  // corrected start (see Scheduler.checkSplitsMeet), so its count alone decides nothing. With
  // `fail`, such a split only reports its bad records, and the coordinator fails the job once
  // the split's start is confirmed.
  const sure = startsFile(plan.splits[partition]);
  if (input.onBadRecord === 'fail') return sure ? undefined : { onBadRecord: 'skip' };
  return {
    onBadRecord: input.onBadRecord,
    ...(input.maxBadRecords?.count !== undefined && sure ? { maxCount: input.maxBadRecords.count } : {}),
    ...(input.onBadRecord === 'quarantine' ? { rejectsUri: store.join(plan.stagingUri, REJECTS_DIR, `part-${pad5(partition)}${attemptTag}.jsonl`) } : {}),
  };
}

/** onBadRecord fail: the error for the first bad record. */
export function firstBadRecord(e: BadRecordExample): KindlingError {
  return new KindlingError('INPUT_BAD_RECORD', e.field ? e.reason : `bad record: ${e.reason}`, {
    place: { file: e.file, ...(e.line !== undefined ? { line: e.line } : {}), offset: e.offset, ...(e.field ? { field: e.field } : {}) },
    hint: 'fix or remove the record, or set spec.input.onBadRecord: skip (or quarantine) to drop bad records',
  });
}

/** The error for bad records over the limit, naming the first examples (file, line, offset, reason). */
export function tooManyBadRecords(what: string, examples: BadRecordExample[]): KindlingError {
  const first = examples.map((e) => `${e.file}${e.line !== undefined ? ` line ${e.line}` : ''} byte ${e.offset}: ${e.reason}`).join('; ');
  return new KindlingError('INPUT_BAD_RECORD', `too many bad records: ${what}; the first: ${first}`, {
    hint: 'fix the input, or raise spec.input.maxBadRecords (a count, a fraction such as 0.01, or a percentage such as "1%")',
  });
}

/**
 * The job-wide limit over the map results so far (undefined: a task still running). Returns the
 * error when the limit is exceeded: a count as soon as it is, a fraction only when every map task
 * has finished. Only splits whose first record is confirmed count (a file's first split, or one
 * that meets its confirmed neighbour): a split that chose its start wrongly runs again, and its
 * bad records until then are not real.
 */
export function checkBadRecordLimit(job: Job, splits: CsvSplit[], maps: (MapResult | undefined)[]): KindlingError | undefined {
  const fail = job.input.onBadRecord === 'fail';
  const limit = fail ? { count: 0, spec: 0 } : job.input.maxBadRecords;
  if (!limit) return undefined;
  let rejected = 0;
  let read = 0;
  let done = true;
  const examples: BadRecordExample[] = [];
  let confirmed = false;
  let firstLine: number | undefined; // the line of a confirmed split's first record in its file
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    const prev = i > 0 && splits[i - 1].uri === splits[i].uri ? maps[i - 1] : undefined;
    confirmed = m !== undefined && (startsFile(splits[i]) || (confirmed && prev !== undefined && prev.endOffset === m.firstRecordOffset));
    if (!m || !confirmed) {
      done = false;
      continue;
    }
    firstLine = m.firstLine ?? (firstLine !== undefined && prev?.lines !== undefined ? firstLine + prev.lines : undefined);
    rejected += m.rejectedRows ?? 0;
    read += m.records + (m.rejectedRows ?? 0);
    for (const e of m.badExamples ?? []) {
      if (examples.length >= 5) break;
      const { splitLine, ...ex } = e;
      examples.push(splitLine !== undefined && firstLine !== undefined ? { ...ex, line: firstLine + splitLine - 1 } : ex);
    }
  }
  const spec = `spec.input.maxBadRecords: ${JSON.stringify(limit.spec)}`;
  if (limit.count !== undefined && rejected > limit.count) {
    if (fail) return firstBadRecord(examples[0]);
    return tooManyBadRecords(`${rejected}${done ? '' : ' or more'}, over ${spec}`, examples);
  }
  if (limit.fraction !== undefined && done && rejected > limit.fraction * read) {
    const pct = read > 0 ? (100 * rejected) / read : 0;
    return tooManyBadRecords(`${rejected} of ${read} records (${pct.toPrecision(3)}%), over ${spec}`, examples);
  }
  return undefined;
}

/**
 * A SQL table's limit (spec.tables.<t>.maxBadRecords) over the scan tasks finished so far: a
 * count as soon as it is exceeded, a fraction only once every task has finished (`complete`).
 */
export function tableBadRecordLimit(t: TableSpec, bad: number, read: number, complete: boolean): KindlingError | undefined {
  const m = t.maxBadRecords;
  if (!m || bad === 0) return undefined;
  const over = m.count !== undefined ? bad > m.count : complete && bad / Math.max(read, 1) > (m.fraction ?? 1);
  if (!over) return undefined;
  return new KindlingError('INPUT_BAD_RECORD', `table ${t.name}: ${bad} bad record(s) of ${read} read, more than spec.tables.${t.name}.maxBadRecords (${JSON.stringify(m.spec)}) allows`, {
    place: { file: t.uri, field: `spec.tables.${t.name}.maxBadRecords` },
    hint: 'fix the input, or raise maxBadRecords',
  });
}

/** The quarantined records of a committed run, as the manifest lists them. */
export interface RejectsManifest {
  rows: number;
  files: { path: string; rows: number; bytes: number }[];
}

/**
 * Commit step for quarantined records: moves each winning map attempt's rejects file to
 * `<output>/_rejects/part-NNNNN.jsonl` (NNNNN: the split's number). A split that does not start
 * its file counted `line` from its own first record; here that becomes the line in the file, from
 * the lines of the splits before it (they meet exactly, which the scheduler has checked).
 */
export async function commitRejects(plan: PhysicalPlan, maps: MapResult[]): Promise<RejectsManifest | undefined> {
  if (plan.job.input.onBadRecord !== 'quarantine') return undefined;
  const base = plan.job.output.uri;
  const out = storeFor(base);
  await out.deletePrefix(out.join(base, REJECTS_DIR));
  // The line of each split's first record in its file, where the splits before it are known.
  const firstLines: (number | undefined)[] = [];
  plan.splits.forEach((s, i) => {
    const m = maps[i];
    if (m.firstLine !== undefined) firstLines.push(m.firstLine);
    else {
      const prev = i > 0 && plan.splits[i - 1].uri === s.uri ? firstLines[i - 1] : undefined;
      const lines = i > 0 ? maps[i - 1].lines : undefined;
      firstLines.push(prev !== undefined && lines !== undefined ? prev + lines : undefined);
    }
  });
  const manifest: RejectsManifest = { rows: 0, files: [] };
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    if (!m.rejectsUri) continue;
    const rel = `${REJECTS_DIR}/part-${pad5(i)}.jsonl`;
    const to = out.join(base, rel);
    let bytes: number;
    if (m.firstLine !== undefined) {
      await out.rename(m.rejectsUri, to);
      bytes = (await out.head(to))?.size ?? 0;
    } else {
      const first = firstLines[i];
      const text = Buffer.from(await storeFor(m.rejectsUri).readAll(m.rejectsUri)).toString('utf8');
      const fixed = text.split('\n').filter((l) => l !== '').map((l) => {
        const o = JSON.parse(l) as { line: number | null };
        o.line = first !== undefined && typeof o.line === 'number' ? first + o.line - 1 : null;
        return JSON.stringify(o) + '\n';
      }).join('');
      await out.write(to, fixed);
      bytes = Buffer.byteLength(fixed);
    }
    const rows = m.rejectedRows ?? 0;
    manifest.rows += rows;
    manifest.files.push({ path: rel, rows, bytes });
  }
  return manifest;
}
