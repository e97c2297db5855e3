/**
 * `kindling plan` of a SQL job (EXPLAIN): per output of the script, the optimized logical plan,
 * and per declared table its files and bytes (what each scan reads). Runs nothing but listing.
 */
import { explain } from '../plan/logical/explain.js';
import type { SqlJob } from '../spec/load.js';
import { configureStorage, storeFor } from '../storage/index.js';
import { formatSchema } from '../types/schema.js';
import { listSplits } from '../exec/ops/scan.js';
import { planSqlJob } from './sql-job.js';
import { describeStages } from '../plan/physical/stages.js';
import { sqlPhysicalPlan } from './sql-plan.js';

const size = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

export async function explainSqlJob(job: SqlJob): Promise<{ text: string; json: unknown }> {
  configureStorage(job.storage);
  const plan = await planSqlJob(job);
  const tables = [];
  for (const t of plan.sources) {
    const l = plan.listings.get(t.name);
    // The planner skips a table it cannot list; here that is the error the scan would give.
    if (!l) { await listSplits(storeFor(t.uri), t); continue; }
    tables.push({ name: t.name, uri: t.uri, format: t.format, schema: formatSchema(t.schema), files: l.files.size, bytes: t.bytes ?? 0, splits: l.splits.length });
  }
  const lines = [`job ${job.name}: SQL, ${plan.outputs.length} output table(s), ${tables.length} input table(s)`, '', 'tables'];
  for (const t of tables) lines.push(`  ${t.name}: ${t.uri} (${t.format}, ${t.files} file(s), ${size(t.bytes)}, ${t.splits} split(s))`, `    ${t.schema}`);
  const physical = await sqlPhysicalPlan(job, { planned: plan });
  const dags = physical.outputs.map((o, k) => {
    const first = k === 0 ? 0 : physical.outputs[k - 1].stage + 1;
    return physical.stages.slice(first, o.stage + 1).map((s) => ({ ...s.stage, tasks: s.tasks }));
  });
  for (const [k, o] of plan.outputs.entries()) {
    lines.push('', `${o.name} (spec.sql line ${o.line + (job.sql.firstLine ?? 1) - 1}) -> ${job.output.uri.replace(/\/?$/, '/')}${o.name}/`, ...explain(o.plan).split('\n').map((l) => `  ${l}`));
    lines.push('  stages (rows and bytes estimated; a source stage runs one task per split):', ...describeStages(dags[k]).map((l) => `    ${l}`));
  }
  lines.push('', `execution: the workers (${job.workers.replicas} x ${job.workers.threads} thread(s)) run every stage whose inputs are done, a source stage as one task per split; the outputs commit together`);
  return {
    text: lines.join('\n'),
    json: { job: job.name, tables, outputs: plan.outputs.map((o, k) => ({ name: o.name, line: o.line, explain: explain(o.plan), schema: formatSchema(o.plan.schema), stages: dags[k], plan: o.plan })) },
  };
}
