/**
 * The commit of a SQL job's run: when every stage has succeeded, each output table's winning
 * part files (its last stage's tasks, in partition order: an ordered result reads in order)
 * move to `<output>/<table>/part-NNNNN.<format>`, and one `_SUCCESS` manifest, written last,
 * lists every table's files, rows and typed columns. Same protocol as commit.ts.
 */
import type { SqlPhysicalPlan } from '../engine/sql-plan.js';
import { pad5, type StageResult } from '../plan/tasks.js';
import { storeFor } from '../storage/index.js';
import { add as addIo } from '../storage/stats.js';
import { typeName } from '../types/datatype.js';
import { SUCCESS, writeManifest, type Manifest } from './commit.js';
import { REJECTS_DIR, type RejectsManifest } from '../plan/bad-records.js';
import type { StageStatus } from './scheduler.js';

/**
 * Quarantined records: each winning scan attempt's rejects file moves to
 * `<output>/_rejects/<table>/s<stage>-part-NNNNN.jsonl` (a table scanned by two stages has its
 * bad records under both).
 */
async function commitRejects(plan: SqlPhysicalPlan, results: (stage: number) => StageResult[]): Promise<RejectsManifest | undefined> {
  const quarantined = plan.stages.filter((s) => s.stage.scan !== undefined && plan.job.sql.tables.find((t) => t.name === s.stage.scan)?.onBadRecord === 'quarantine');
  if (quarantined.length === 0) return undefined;
  const base = plan.job.output.uri;
  const out = storeFor(base);
  await out.deletePrefix(out.join(base, REJECTS_DIR));
  const manifest: RejectsManifest = { rows: 0, files: [] };
  for (const s of quarantined) {
    for (const [p, r] of results(s.id).entries()) {
      if (!r.rejectsUri) continue;
      const rel = `${REJECTS_DIR}/${s.stage.scan}/s${s.id}-part-${pad5(p)}.jsonl`;
      await out.rename(r.rejectsUri, out.join(base, rel));
      const rows = r.rejectedRows ?? 0;
      manifest.rows += rows;
      manifest.files.push({ path: rel, rows, bytes: (await out.head(out.join(base, rel)))?.size ?? 0 });
    }
  }
  return manifest;
}

/** A stage's operators in a line: the first and last of a long chain ("final aggregate <- … <- scan t"). */
const opsText = (ops: string[]) => (ops.length > 3 ? `${ops[0]} <- … <- ${ops[ops.length - 1]}` : ops.join(' <- '));

export async function commitSql(plan: SqlPhysicalPlan, results: (stage: number) => StageResult[], stages: StageStatus[], startedAt: number, workers: Manifest['workers']): Promise<Manifest> {
  const base = plan.job.output.uri;
  const out = storeFor(base);
  // Take down an older result first, so no reader ever mixes two runs.
  await out.delete(out.join(base, SUCCESS));
  const tables: Manifest['tables'] = {};
  for (const o of plan.outputs) {
    await out.deletePrefix(out.join(base, `${o.name}/`));
    const files: Manifest['tables'][string]['files'] = [];
    for (const [p, r] of results(o.stage).entries()) {
      const rel = `${o.name}/part-${pad5(p)}.${plan.job.output.format}`;
      await out.rename(r.uri, out.join(base, rel));
      files.push({ path: rel, rows: r.rows, bytes: r.bytes });
    }
    tables[o.name] = { rows: files.reduce((s, f) => s + f.rows, 0), columns: o.schema.map((f) => f.name), types: o.schema.map((f) => typeName(f.type)), files };
  }
  const rejects = await commitRejects(plan, results);
  const all = plan.stages.flatMap((s) => results(s.id));
  const sources = plan.stages.filter((s) => s.splits).flatMap((s) => results(s.id));
  const rejectedRows = sources.reduce((s, r) => s + (r.rejectedRows ?? 0), 0);
  const manifest: Manifest = {
    job: plan.job.name,
    analysis: 'sql',
    runId: plan.runId,
    committedAt: new Date().toISOString(),
    tables,
    counters: {
      inputFiles: plan.inputFiles,
      inputBytes: plan.inputBytes,
      inputRows: sources.reduce((s, r) => s + (r.inputRows ?? 0), 0) + rejectedRows,
      rejectedRows,
      shuffleBytes: plan.stages.filter((s) => s.table === undefined).flatMap((s) => results(s.id)).reduce((a, r) => a + r.bytes, 0),
      outputRows: Object.values(tables).reduce((s, t) => s + t.rows, 0),
    },
    ...(rejects ? { rejects } : {}),
    storage: all.reduce((a, r) => addIo(a, r.io), { requests: 0, bytesRead: 0, bytesWritten: 0 }),
    timings: {
      totalMs: Date.now() - startedAt,
      stages: stages.map((s) => ({ stage: s.id, kind: opsText(plan.stages[s.id].stage.ops), tasks: s.total, ms: (s.finishedAt ?? 0) - (s.startedAt ?? 0) })),
    },
    workers,
  };
  await writeManifest(plan.job.output.uri, manifest);
  return manifest;
}
