// node scripts/perf/cmp.mjs <analysis> [runs]: built-in vs SQL whole jobs, interleaved, medians, ratio
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
const d = new URL('../../dist/src', import.meta.url).href;
const { generateEvents } = await import(`${d}/gen/generate.js`);
const { resolveJob } = await import(`${d}/spec/load.js`);
const { runLocal } = await import(`${d}/cli/run.js`);
const { sqlSpec } = await import(`${d}/analyses/index.js`);
const analysis = process.argv[2] ?? 'price-sensitivity';
const runs = Number(process.argv[3] ?? 5);
const input = '/tmp/ev2m';
if (!existsSync(join(input, 'done'))) {
  rmSync(input, { recursive: true, force: true });
  await generateEvents({ rows: Number(process.env.ROWS ?? 2_000_000), files: 4, seed: 7, out: input, gzip: false });
  mkdirSync(join(input, 'done'));
}
const tables = { 'price-sensitivity': 'bands', engagement: 'top_users', 'top-category-brand': 'user_favorites' };
const replicas = Number(process.env.REPLICAS ?? 2);
const base = { input: { uri: input, format: 'csv', splitSize: '32MiB' }, shuffle: { partitions: 8 }, workers: { replicas, threads: 1 } };
const jobs = {
  builtin: resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'b' }, spec: { analysis, ...base, output: { uri: '/tmp/cmp-out/b', overwrite: true } } }),
  sql: resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 's' }, spec: { ...sqlSpec(analysis, {}, base.input), shuffle: base.shuffle, workers: base.workers, output: { uri: '/tmp/cmp-out/s', overwrite: true } } }),
};
const only = process.env.ONLY;
const t = { builtin: [], sql: [] };
for (let r = 0; r < runs; r++) {
  for (const k of only ? [only] : ['builtin', 'sql']) {
    const t0 = performance.now();
    const m = await runLocal(jobs[k], { quiet: true });
    t[k].push(performance.now() - t0);
    if (r === 0) process.stderr.write(`${k}: ${m.tables?.[tables[analysis]]?.rows} rows\n`);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const k of Object.keys(t)) if (t[k].length) console.log(k, t[k].map((x) => Math.round(x)).join(' '), 'median', Math.round(med(t[k])));
if (t.sql.length && t.builtin.length) console.log('ratio', (med(t.sql) / med(t.builtin)).toFixed(3));
