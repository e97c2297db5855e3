/**
 * Runs an optimized plan's stage DAG in this process, stage after stage and task after task,
 * through the real stage tasks (engine/stage-task.ts): every exchange is written to files in
 * `dir` by the exchange codec and read back by partition, as workers do. A source stage runs
 * `sourceTasks` tasks, task p scanning its share of an in-memory table. The last stage's parts,
 * in partition order, are the result.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogicalPlan, TableSource } from '../../src/plan/logical/plan.js';
import { stageDag } from '../../src/plan/physical/stages.js';
import { buildStageTask, type SqlPhysicalPlan, type SqlStagePlan } from '../../src/engine/sql-plan.js';
import { runStageTask } from '../../src/engine/stage-task.js';
import { decodeBlocks } from '../../src/formats/batch-codec.js';
import { concatBatches } from '../../src/exec/ops/rows.js';
import type { StageResult } from '../../src/plan/tasks.js';
import type { Batch } from '../../src/types/vector.js';
import type { SqlJob } from '../../src/spec/load.js';

export interface InProcessOptions {
  partitions: number;
  broadcastBytes: number;
  sourceTasks: number;
  dir: string;
  /** Task `task` of `tasks`: its rows of the table. */
  scan(table: TableSource, columns: number[], task: number, tasks: number): Promise<Batch>;
}

export async function runStagesInProcess(plan: LogicalPlan, o: InProcessOptions): Promise<{ batch: Batch; stages: SqlStagePlan[] }> {
  const dag = stageDag(plan, { partitions: o.partitions, broadcastBytes: o.broadcastBytes, splitSize: 1 << 26 });
  const stages: SqlStagePlan[] = dag.map((s) => ({ id: s.id, kind: 'sql', tasks: s.scan !== undefined ? o.sourceTasks : s.tasks, inputs: s.inputs.map((i) => i.stage), stage: s }));
  const last = stages[stages.length - 1];
  last.table = 'result';
  const job = { output: { format: 'parquet', compression: 'zstd' }, sql: { tables: [] } } as unknown as SqlJob;
  const physical: SqlPhysicalPlan = {
    kind: 'sql', runId: 'test', job, stages, outputs: [{ name: 'result', line: 1, stage: last.id, schema: plan.schema }],
    shuffleUri: join(o.dir, 'shuffle'), stagingUri: join(o.dir, 'staging'), inputBytes: 0, inputFiles: 0,
  };
  const results = new Map<number, { attempt: number; result: StageResult }[]>();
  while (results.size < stages.length) {
    const ready = stages.filter((s) => !results.has(s.id) && s.inputs.every((i) => results.has(i)));
    if (ready.length === 0) throw new Error('the stage DAG has a cycle');
    for (const s of ready) {
      const rs: { attempt: number; result: StageResult }[] = [];
      for (let p = 0; p < s.tasks; p++) {
        const task = buildStageTask(physical, { stage: s.id, partition: p, attempt: 0 }, {}, '', (u) => results.get(u)!);
        // The last stage hands its rows over as exchange blocks instead of a Parquet part file.
        if (s === last) task.output = { kind: 'exchange', partitioning: { kind: 'single' }, uri: join(o.dir, `result-${p}.data`) };
        rs.push({ attempt: 0, result: await runStageTask(task, (t, cols, tk) => o.scan(t, cols, tk.partition, s.tasks)) });
      }
      results.set(s.id, rs);
    }
  }
  const types = plan.schema.map((f) => f.type);
  const parts = results.get(last.id)!.flatMap((r) => decodeBlocks(readFileSync(r.result.uri), types, r.result.uri));
  return { batch: concatBatches(plan.schema, parts), stages };
}
