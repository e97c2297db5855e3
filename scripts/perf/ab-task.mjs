// node scripts/perf/ab-task.mjs <analysis> [reps]: built-in map task vs SQL stage-0 task of split SPLIT (default 1), alternating, medians
import { rmSync } from 'node:fs';
const d = new URL('../../dist/src', import.meta.url).href;
const { resolveJob } = await import(`${d}/spec/load.js`);
const { sqlSpec } = await import(`${d}/analyses/index.js`);
const { physicalPlan } = await import(`${d}/plan/physical.js`);
const { sqlPhysicalPlan, buildStageTask } = await import(`${d}/engine/sql-plan.js`);
const { runMapTask } = await import(`${d}/exec/map-task.js`);
const { runStageTask } = await import(`${d}/engine/stage-task.js`);
const analysis = process.argv[2] ?? 'price-sensitivity';
const reps = Number(process.argv[3] ?? 10);
const input = { uri: '/tmp/ev2m', format: 'csv', splitSize: '32MiB' };
const common = { shuffle: { partitions: 8 }, workers: { replicas: 2, threads: 1 } };
const bj = resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'b' }, spec: { analysis, input, ...common, output: { uri: '/tmp/ab-out/b', overwrite: true } } });
const sj = resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 's' }, spec: { ...sqlSpec(analysis, {}, input), ...common, output: { uri: '/tmp/ab-out/s', overwrite: true } } });
const bp = await physicalPlan(bj);
const sp = await sqlPhysicalPlan(sj);
const split = Number(process.env.SPLIT ?? 1);
const mapTask = { kind: 'map', stage: 0, partition: split, attempt: 0, storage: {}, runId: bp.runId, split: bp.splits[split], query: bp.query, partitions: 8, shuffleBase: '/tmp/ab-out/map-1' };
const stageTask = buildStageTask(sp, { stage: 0, partition: split, attempt: 0 }, {}, '', () => []);
const mode = process.env.MODE; // 'b' | 's' only
const t = { b: [], s: [] };
for (let r = 0; r < reps; r++) {
  if (mode !== 's') { const t0 = performance.now(); await runMapTask(mapTask); t.b.push(performance.now() - t0); }
  if (mode !== 'b') { const t0 = performance.now(); const res = await runStageTask(stageTask); t.s.push(performance.now() - t0); if (r === 0) console.error('sql rows', res.rows, 'bytes', res.offsets?.at(-1)); }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const k of ['b', 's']) if (t[k].length) console.log(k, t[k].map(Math.round).join(' '), 'median', Math.round(med(t[k])));
if (t.b.length && t.s.length) console.log('ratio', (med(t.s) / med(t.b)).toFixed(3));
