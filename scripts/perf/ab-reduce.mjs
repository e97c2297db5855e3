// node scripts/perf/ab-reduce.mjs <analysis> [reps]: built-in reduce task vs SQL stage-1 task of partition P, alternating
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { bp, dist, report, reps, sp } from './plans.mjs';
const { buildStageTask } = await dist('engine/sql-plan.js');
const { runMapTask } = await dist('exec/map-task.js');
const { runStageTask } = await dist('engine/stage-task.js');
const { runReduceTask } = await dist('exec/reduce-task.js');
const P = Number(process.env.P ?? 3);
let maps = [], ups = [];
if (existsSync('/tmp/ab-out/ups.json') && !process.env.PREP) ({ maps, ups } = JSON.parse(readFileSync('/tmp/ab-out/ups.json', 'utf8'))); else {
for (let i = 0; i < bp.splits.length; i++) maps.push(await runMapTask({ kind: 'map', stage: 0, partition: i, attempt: 0, storage: {}, runId: bp.runId, split: bp.splits[i], query: bp.query, partitions: 8, shuffleBase: `/tmp/ab-out/map-${i}` }));
for (let i = 0; i < sp.stages[0].tasks; i++) ups.push({ attempt: 0, result: await runStageTask(buildStageTask(sp, { stage: 0, partition: i, attempt: 0 }, {}, '', () => [])) });
writeFileSync('/tmp/ab-out/ups.json', JSON.stringify({ maps, ups })); }
const reduceTask = { kind: 'reduce', stage: 1, partition: P, attempt: 0, storage: {}, runId: bp.runId, query: bp.query, compression: 'zstd', inputs: maps.map((m, map) => ({ map, attempt: 0, uri: m.dataUri, start: m.offsets[P], end: m.offsets[P + 1] })), outputUri: '/tmp/ab-out/red.parquet' };
const stageTask = buildStageTask(sp, { stage: 1, partition: P, attempt: 0 }, {}, '', () => ups);
const mode = process.env.MODE;
const t = { b: [], s: [] };
for (let r = 0; r < reps; r++) {
  if (mode !== 's') { const t0 = performance.now(); await runReduceTask(reduceTask); t.b.push(performance.now() - t0); }
  if (mode !== 'b') { const t0 = performance.now(); await runStageTask(stageTask); t.s.push(performance.now() - t0); }
}
report(t);
