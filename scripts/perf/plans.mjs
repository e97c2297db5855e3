// The shared setup of ab-task.mjs and ab-reduce.mjs: one analysis planned both ways over /tmp/ev2m (cmp.mjs makes it).
const d = new URL('../../dist/src', import.meta.url).href;
export const dist = (m) => import(`${d}/${m}`);
const { resolveJob } = await dist('spec/load.js');
const { sqlSpec } = await dist('analyses/index.js');
const { physicalPlan } = await dist('plan/physical.js');
const { sqlPhysicalPlan } = await dist('engine/sql-plan.js');
export const analysis = process.argv[2] ?? 'price-sensitivity';
export const reps = Number(process.argv[3] ?? 10);
const input = { uri: '/tmp/ev2m', format: 'csv', splitSize: '32MiB' };
const common = { shuffle: { partitions: 8 }, workers: { replicas: 2, threads: 1 } };
const job = (name, spec) => resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name }, spec: { ...spec, ...common, output: { uri: `/tmp/ab-out/${name}`, overwrite: true } } });
/** The built-in's physical plan and the SQL job's. */
export const bp = await physicalPlan(job('b', { analysis, input }));
export const sp = await sqlPhysicalPlan(job('s', sqlSpec(analysis, {}, input)));

const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Prints each engine's times (ms), their medians and the SQL/built-in ratio. */
export function report(t) {
  for (const k of ['b', 's']) if (t[k].length) console.log(k, t[k].map(Math.round).join(' '), 'median', Math.round(med(t[k])));
  if (t.b.length && t.s.length) console.log('ratio', (med(t.s) / med(t.b)).toFixed(3));
}
