// node scripts/perf/ab-reduce.mjs <analysis> [reps]: built-in reduce task vs SQL stage-1 task of partition P, alternating
const d = new URL('../../dist/src', import.meta.url).href;
const { resolveJob } = await import(`${d}/spec/load.js`);
const { sqlSpec } = await import(`${d}/analyses/index.js`);
const { physicalPlan } = await import(`${d}/plan/physical.js`);
const { sqlPhysicalPlan, buildStageTask } = await import(`${d}/engine/sql-plan.js`);
const { runMapTask } = await import(`${d}/exec/map-task.js`);
const { runReduceTask } = await import(`${d}/exec/reduce-task.js`);
const { runStageTask } = await import(`${d}/engine/stage-task.js`);
const analysis = process.argv[2] ?? 'price-sensitivity';
const reps = Number(process.argv[3] ?? 10);
const P = Number(process.env.P ?? 3);
const input = { uri: '/tmp/ev2m', format: 'csv', splitSize: '32MiB' };
const common = { shuffle: { partitions: 8 }, workers: { replicas: 2, threads: 1 } };
const bj = resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'b' }, spec: { analysis, input, ...common, output: { uri: '/tmp/ab-out/b', overwrite: true } } });
const sj = resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 's' }, spec: { ...sqlSpec(analysis, {}, input), ...common, output: { uri: '/tmp/ab-out/s', overwrite: true } } });
const bp = await physicalPlan(bj);
const sp = await sqlPhysicalPlan(sj);
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const k of ['b', 's']) if (t[k].length) console.log(k, t[k].map(Math.round).join(' '), 'median', Math.round(med(t[k])));
if (t.b.length && t.s.length) console.log('ratio', (med(t.s) / med(t.b)).toFixed(3));
