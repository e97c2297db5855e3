// node scripts/perf/ab-task.mjs <analysis> [reps]: built-in map task vs SQL stage-0 task of split SPLIT (default 1), alternating, medians
import { bp, dist, report, reps, sp } from './plans.mjs';
const { buildStageTask } = await dist('engine/sql-plan.js');
const { runMapTask } = await dist('exec/map-task.js');
const { runStageTask } = await dist('engine/stage-task.js');
const split = Number(process.env.SPLIT ?? 1);
const mapTask = { kind: 'map', stage: 0, partition: split, attempt: 0, storage: {}, runId: bp.runId, split: bp.splits[split], query: bp.query, partitions: 8, shuffleBase: '/tmp/ab-out/map-1' };
const stageTask = buildStageTask(sp, { stage: 0, partition: split, attempt: 0 }, {}, '', () => []);
const mode = process.env.MODE; // 'b' | 's' only
const t = { b: [], s: [] };
for (let r = 0; r < reps; r++) {
  if (mode !== 's') { const t0 = performance.now(); await runMapTask(mapTask); t.b.push(performance.now() - t0); }
  if (mode !== 'b') { const t0 = performance.now(); const res = await runStageTask(stageTask); t.s.push(performance.now() - t0); if (r === 0) console.error('sql rows', res.rows, 'bytes', res.offsets?.at(-1)); }
}
report(t);
