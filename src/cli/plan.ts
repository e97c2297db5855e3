import type { Command } from 'commander';
import { describeExpr, neededColumns } from '../plan/logical.js';
import { physicalPlan, type PhysicalPlan } from '../plan/physical.js';
import { describeSplit } from '../coordinator/scheduler.js';
import { collect, readJob } from './common.js';
import { explainSqlJob } from '../engine/explain-job.js';
import { bytes, table } from './format.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('print the plan of a job spec (logical plan, splits, stages, tasks); runs nothing')
    .argument('<spec>', 'a KindlingJob YAML file')
    .option('--set <path=value>', 'override a spec field (repeatable)', collect)
    .option('--json', 'print the plan as JSON')
    .action(async (spec: string, flags: { set?: string[]; json?: boolean }) => {
      const job = readJob(spec, flags.set);
      if (job.sql) {
        const p = await explainSqlJob(job);
        process.stdout.write(flags.json ? JSON.stringify(p.json, (_k, v) => (typeof v === 'bigint' ? `${v}` : v), 2) + '\n' : p.text + '\n');
        return;
      }
      const plan = await physicalPlan(job, { runId: 'plan' });
      process.stdout.write(flags.json ? JSON.stringify(planJson(plan), null, 2) + '\n' : describePlan(plan) + '\n');
    });
}

function planJson(p: PhysicalPlan) {
  return { job: p.job, query: p.query, splits: p.splits, stages: p.stages, inputBytes: p.inputBytes };
}

/** What the job does with bad records, in words. */
function badRecordsText(job: PhysicalPlan['job']): string {
  const { onBadRecord, maxBadRecords } = job.input;
  if (onBadRecord === 'fail') return 'fail the job at the first';
  const what = onBadRecord === 'skip' ? 'skip' : 'quarantine to _rejects/';
  return `${what}, ${maxBadRecords ? `at most ${JSON.stringify(maxBadRecords.spec)}` : 'no limit'}`;
}

export function describePlan(p: PhysicalPlan): string {
  const q = p.query;
  const logical = [
    `scan      ${p.job.input.uri} (csv, columns: ${q.schema.map((c) => c.name).join(', ')})`,
    `check     ${neededColumns(q).join(', ')}; bad records: ${badRecordsText(p.job)}`,
    q.filter ? `filter    ${describeExpr(q.filter)}` : null,
    ...q.derive.map((d) => `derive    ${d.name} = ${describeExpr(d.expr)}`),
    `aggregate by (${q.groupBy.join(', ')}): ${q.aggregates.map((a) => `${a.name} = ${a.fn}(${a.fn === 'count' ? '*' : a.column})${a.where ? ` where ${describeExpr(a.where)}` : ''}`).join(', ')}`,
    `shuffle   hash(${(q.partitionBy ?? q.groupBy).join(', ')}) into ${p.job.shuffle.partitions} partitions`,
    q.window ? `window    ${q.window.sums.map((s) => `${s.name} = sum(${s.of})`).join(', ')} per (${q.window.partitionBy.join(', ')})` : null,
    q.topK ? `top-k     ${q.topK.k} per (${q.topK.partitionBy.join(', ')}) by ${q.topK.orderBy.map((o) => `${o.name} ${o.desc ? 'desc' : 'asc'}`).join(', ')}` : null,
    `write     ${p.job.output.uri}${q.table}/ (parquet, ${p.job.output.compression}): ${q.output.map((o) => o.name).join(', ')}`,
  ].filter(Boolean);
  const splitRows = p.splits.map((s, i) => [i, describeSplit(p, i), bytes(s.end - s.start)]);
  return [
    `job ${p.job.name}: ${p.job.analysis}, ${p.files.length} input file(s), ${bytes(p.inputBytes)}`,
    '',
    'logical plan',
    ...logical.map((l) => `  ${l}`),
    '',
    'stages',
    `  stage 0 (map):    ${p.splits.length} task(s), one per split: read -> parse -> partial aggregate -> shuffle write`,
    `  stage 1 (reduce): ${p.job.shuffle.partitions} task(s), one per partition: shuffle read -> merge -> finalize -> parquet`,
    `  workers: ${p.job.workers.replicas} process(es) x ${p.job.workers.threads} thread(s)`,
    '',
    'splits (map tasks)',
    table(['task', 'split', 'size'], splitRows.length > 50 ? [...splitRows.slice(0, 50), ['...', `${splitRows.length - 50} more`, '']] : splitRows),
  ].join('\n');
}
