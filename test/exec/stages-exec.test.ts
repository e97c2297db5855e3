// The stage DAG executed: each hand-written query (test/helpers/queries.ts) planned, cut into
// stages and run task by task through the exchanges (hash, broadcast, single, range by sampled
// boundaries) with the tables split over two source tasks, gives DuckDB's answer, in order where
// the query orders. Twice: every join shuffled (no broadcast), and every join that may broadcast.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadParser } from '../../src/sql/parse.js';
import { bindSql } from '../../src/sql/bind/script.js';
import { optimizeForRun } from '../../src/engine/local.js';
import { takeBatch } from '../../src/exec/ops/rows.js';
import { duck } from '../helpers/oracle.js';
import { isOrdered, loadIntoDuck, memoryTables } from '../helpers/sql-oracle.js';
import { QUERIES, TABLES } from '../helpers/queries.js';
import { runStagesInProcess } from '../helpers/stage-runner.js';
import { duckdbRows } from '../helpers/tpch.js';
import { batchRows, diffRows } from '../helpers/result-compare.js';

let c: DuckDBConnection;
const { sources, ctx } = memoryTables(TABLES);
const dir = mkdtempSync(join(tmpdir(), 'kindling-stages-'));
before(async () => {
  await loadParser();
  c = await duck();
  await loadIntoDuck(c, TABLES, sources);
});
after(() => {
  c?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

/** Task p of n reads rows p, p+n, p+2n, … of the table. */
const scan = async (t: Parameters<typeof ctx.scan>[0], cols: number[], p: number, n: number) => {
  const all = await ctx.scan(t, cols);
  const rows = Array.from({ length: all.length }, (_, i) => i).filter((i) => i % n === p);
  return cols.length === 0 ? { length: rows.length, columns: [] } : takeBatch(all, rows);
};

for (const [label, broadcastBytes] of [['shuffled joins', 0], ['broadcast joins', Infinity]] as const) {
  test(`each query run as a stage DAG (${label}) gives DuckDB’s answer`, async () => {
    const wrong: string[] = [];
    let multi = 0;
    for (const [k, q] of QUERIES.entries()) {
      try {
        const plan = optimizeForRun(bindSql(q, sources).outputs[0].plan);
        const { batch, stages } = await runStagesInProcess(plan, { partitions: 3, broadcastBytes, sourceTasks: 2, dir: join(dir, `${label}-${k}`), scan });
        if (stages.length > 1) multi++;
        const theirs = await duckdbRows(c, q);
        const d = diffRows(batchRows(batch), theirs.rows, plan.schema.map((f) => f.type.id === 'DOUBLE'), isOrdered(q));
        if (d.length) wrong.push(`${q}\n    ${d.join('\n    ')}`);
      } catch (e) {
        wrong.push(`${q}\n    error: ${(e as Error).stack}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(multi > QUERIES.length * 0.9, `most queries cut into several stages (${multi} of ${QUERIES.length})`);
  });
}
