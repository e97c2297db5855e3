/**
 * Chaos, cluster mode: the important faults on the whole cluster path (a real control plane,
 * the chart's operator, coordinator and worker pods run by the test node, MinIO). Faults reach
 * the workers through the job's test-only `kindling.dev/faults` annotation, which the operator
 * copies into the coordinator pod's KINDLING_FAULTS, which the coordinator passes on to its
 * worker pods. Two jobs run at once:
 *   - every worker killed at once in the map stage, then a reduce worker killed after writing
 *     its part file: replacement pods start and the job succeeds;
 *   - a lost map output, a map worker killed before reporting, and a straggler: the map task
 *     reruns, the straggler's copy wins.
 * Both must succeed with exactly the winning part files and `_SUCCESS` in the output, rows equal
 * to a fault-free run and to DuckDB. The archived pod logs say which faults fired.
 * Without the tools: FAILS in CI, skips elsewhere.
 */
import { test } from 'node:test';
import { startKindlingCluster } from '../helpers/kindling-cluster.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runLocal } from '../../src/cli/run.js';
import { duck } from '../helpers/oracle.js';
import { TABLES, job } from '../helpers/jobs.js';
import { until } from '../helpers/k8s.js';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3Client } from '../helpers/minio.js';
import { downloadOutput } from '../helpers/s3.js';
import { PARTITIONS, checkRows, counts, logLines, outputRows, summary, tally } from './chaos.js';


/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

// A before-result kill needs attempt 0 to run to its end: no speculative copy may win first
// (on 2 busy cores a task can take over a second), so that job runs without speculation.
// The straggler is held at a gate that never opens (nothing creates it; each pod sees its own
// /tmp besides): the job can only finish if its speculative copy wins.
const jobs = (gate: string) => [
  { name: 'cx-all-dead', analysis: 'price-sensitivity', faults: 'kill-all:map:4:start,kill:reduce:1:before-result', spec: '  speculation: false\n' },
  { name: 'cx-lost-shuffle', analysis: 'engagement', faults: `lose-shuffle:map:2,kill:map:3:start,hold:map:0:0:${gate}`, spec: '' },
];

test('cluster chaos: workers killed (all at once, and before reporting), a lost map output, a straggler: the jobs succeed with exact output', { timeout: 300_000 }, async (t) => {
  const started = Date.now();
  const k = await startKindlingCluster(t, { rows: 40_000, files: 2, seed: 29, dirPrefix: 'kindling-chaos-cluster-' });
  if (!k) return;
  const { kubectlRun: kubectl, minio, s3, node, dir, files } = k;
  const client = s3Client(minio);
  const gate = join(dir, 'never-opened');
  const JOBS = jobs(gate);
  // The fault-free reference, from the same files on local disk (before the jobs: it would slow them).
  const c = await duck();
  const reference = new Map<string, string[]>();
  for (const j of JOBS) {
    const out = join(dir, `ref-${j.analysis}`);
    await runLocal(job(j.analysis, join(dir, 'events'), out, { input: { splitSize: 600_000 }, shuffle: { partitions: PARTITIONS } }), { quiet: true });
    counts.jobsRun++;
    reference.set(j.analysis, await outputRows(c, out, TABLES[j.analysis]));
  }

  const applied = Date.now();
  for (const j of JOBS) {
    await kubectl(['apply', '-f', '-'], `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata:
  name: ${j.name}
  annotations: { kindling.dev/faults: "${j.faults}" }
spec:
  analysis: ${j.analysis}
  storage: { endpoint: "${minio.endpoint}", credentialsSecret: minio-creds }
  input: { uri: "s3://kindling/events/", format: csv, splitSize: 600000 }
  output: { uri: "s3://kindling/results/${j.name}/" }
  shuffle: { partitions: ${PARTITIONS} }
  workers: { replicas: 2 }
${j.spec}`);
  }

  for (const j of JOBS) {
    const done: Obj = await until(`${j.name} to finish`, async () => {
      const o: Obj = JSON.parse(await kubectl(['get', 'kj', j.name, '-o', 'json']));
      return ['Succeeded', 'Failed'].includes(o.status?.phase) ? o : undefined;
    }, 240_000);
    counts.jobsRun++;
    t.diagnostic(`${j.name} (${j.faults}): ${done.status.phase} ${((Date.now() - applied) / 1000).toFixed(1)} s after apply`);
    assert.equal(done.status.phase, 'Succeeded', JSON.stringify(done.status.failure ?? done.status));
    const table = TABLES[j.analysis];
    const base = `s3://kindling/results/${j.name}/`;
    // The logs of every pod of the run, archived by the coordinator at its end.
    const pods: Obj = JSON.parse(await kubectl(['get', 'pods', '-l', `kindling.dev/job=${j.name}`, '-o', 'json']));
    const logs = await until(`${j.name}'s archived logs`, async () => {
      const got = (await s3.list(done.status.logs)).map((o) => o.uri);
      return got.length === pods.items.length ? got : undefined;
    }, 60_000);
    const lines = [];
    for (const l of logs) lines.push(...logLines(Buffer.from(await s3.readAll(l)).toString('utf8')));
    const r = tally(lines);
    // (A hold's file is named up to its partition and attempt: the test node gives each pod a
    // /tmp of its own, so the path a pod reports is under that pod's volume.)
    const named = (f: string) => (f.startsWith('hold:') ? f.split(':').slice(0, 4).join(':') : f);
    const fired = new Set(r.faults.map((f) => named(f.fault as string)));
    for (const f of j.faults.split(',')) assert.ok(fired.has(named(f)), `${j.name}: fault ${f} fired (${[...fired]})`);
    // The output holds the manifest, the winning parts and the log archive; no staging, no shuffle.
    // Every key under the output (the store's list() hides _-prefixed ones: _SUCCESS, _temporary, _shuffle).
    const keys = await client.send(new ListObjectsV2Command({ Bucket: 'kindling', Prefix: `results/${j.name}/` }));
    assert.equal(keys.IsTruncated, false);
    const listing = (keys.Contents ?? []).map((o) => o.Key!.slice(`results/${j.name}/`.length)).filter((k) => !k.startsWith('_logs/')).sort();
    const manifest = JSON.parse(Buffer.from(await s3.readAll(`${base}_SUCCESS`)).toString('utf8'));
    const listed = manifest.tables[table].files.map((f: Obj) => f.path);
    assert.deepEqual(listed, Array.from({ length: PARTITIONS }, (_, p) => `${table}/part-${String(p).padStart(5, '0')}.parquet`));
    assert.deepEqual(listing, ['_SUCCESS', ...listed].sort(), 'exactly the manifest and the files it lists');
    const local = await downloadOutput(s3, base, table, join(dir, `dl-${j.name}`));
    await checkRows(c, { dir: local, analysis: j.analysis, files, reference: reference.get(j.analysis)!, manifestRows: manifest.tables[table].rows });
    const workers = pods.items.filter((p: Obj) => p.metadata.labels['kindling.dev/role'] === 'worker');
    if (j.name === 'cx-all-dead') {
      assert.equal(r.lost, 3, 'both workers (all at once), then a reduce worker');
      assert.equal(workers.length, 5, `two pods, then three replacements: ${workers.map((p: Obj) => p.metadata.name)}`);
    } else {
      assert.equal(r.lost, 1);
      assert.equal(r.reruns, 1, 'map 2 reran');
      assert.ok(r.speculated.some((l) => l.task === '0/0/1') && r.superseded.some((l) => l.task === '0/0/1'), 'the straggler\'s copy won');
    }
  }
  t.diagnostic(summary(Date.now() - started));
  await node.stop();
});
