// The whole cluster path on real parts: a real control plane (API server + etcd, controller
// manager, scheduler), the chart installed with a real helm (operator: 2 replicas, leader
// election), jobs applied with kubectl, coordinator and worker pods run by the test node
// (the kubelet stand-in) from this checkout's entry point, data on a real MinIO, and the
// output compared with DuckDB. Also: pods that cannot start fail the job with the reason, and
// deleting a running job removes every pod. Without the tools: FAILS in CI, skips elsewhere.
import { test } from 'node:test';
import { startKindlingCluster } from '../helpers/kindling-cluster.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareWithOracle, duck, eventsSql } from '../helpers/oracle.js';
import { until } from '../helpers/k8s.js';
import { downloadOutput } from '../helpers/s3.js';
import { Kube } from '../../src/k8s/client.js';
import { paths } from '../../src/k8s/names.js';
import { Snapshot } from '../../src/k8s/snapshot.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

test('kubectl apply -> operator -> coordinator pod -> worker pods -> MinIO -> Succeeded, equal to DuckDB', { timeout: 600_000 }, async (t) => {
  const k = await startKindlingCluster(t, { rows: 60_000, files: 2, seed: 7, helmSet: ['operator.replicas=2', 'logLevel=debug'] });
  if (!k) return;
  const { kubectlRun: kubectl, cp, minio, s3, node, dir, files } = k;
  const getJob = async (name: string): Promise<Obj> => JSON.parse(await kubectl(['get', 'kj', name, '-o', 'json']));
  const jobYaml = (name: string, extra = '', splitSize = 400_000) => `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: ${name} }
spec:
  analysis: price-sensitivity
  storage: { endpoint: "${minio.endpoint}", credentialsSecret: minio-creds }
  input: { uri: "s3://kindling/events/", format: csv, splitSize: ${splitSize} }
  output: { uri: "s3://kindling/results/${name}/" }
  shuffle: { partitions: 4 }
${extra}`;

  // --- a job runs to Succeeded; progress is visible on the way --------------------------------
  // Every status update, through a watch (what `kubectl get kj -w` shows).
  const kube = Kube.connect(cp.kubeconfig);
  const progress: string[] = [];
  const phases: string[] = [];
  // A snapshot store (list + watch, retried: a new CRD's watch cache answers 429 at first).
  const watching = new Snapshot(kube, paths.jobs('default'));
  watching.on('change', (o?: Obj) => {
    if (o?.metadata?.name !== 'ps') return;
    if (o.status?.progress && progress.at(-1) !== o.status.progress) progress.push(o.status.progress);
    if (o.status?.phase && phases.at(-1) !== o.status.phase) phases.push(o.status.phase);
  });
  await watching.start();
  t.after(() => {
    watching.stop();
    kube.close();
  });
  const applied = Date.now();
  await kubectl(['apply', '-f', '-'], jobYaml('ps', '  workers: { replicas: 2 }\n'));
  const done = await until('job ps to finish', async () => {
    const j = await getJob('ps');
    return ['Succeeded', 'Failed'].includes(j.status?.phase) ? j : undefined;
  }, 300_000);
  t.diagnostic(`apply -> ${done.status.phase} in ${((Date.now() - applied) / 1000).toFixed(1)} s; phases ${phases.join(' -> ')}; progress seen: ${progress.join(', ')}`);
  assert.equal(done.status.phase, 'Succeeded', JSON.stringify(done.status.failure ?? done.status));
  assert.deepEqual(phases, ['Pending', 'Running', 'Succeeded']);
  const counts = progress.map((p) => /^(\d+)\/(\d+) tasks$/.exec(p)!.slice(1).map(Number));
  // Whether a partial count is seen depends on how fast the tasks run against the status
  // interval, so the verdict rests on what always holds: counts never fall, and the last is n/n.
  assert.ok(counts.length > 0, 'progress was reported');
  assert.ok(counts.every(([d, n], i) => d <= n && (i === 0 || d >= counts[i - 1][0])), `progress never goes back: ${progress}`);
  assert.deepEqual(counts.at(-1), [26, 26]);
  assert.equal(done.status.output.rows > 0, true);
  assert.equal(done.status.output.inputRecords, 60_000);
  assert.equal(done.status.observedGeneration, 1);
  assert.deepEqual(done.status.tasks.map((s: Obj) => [s.stage, s.succeeded === s.total]), [['map', true], ['reduce', true]]);
  for (const type of ['Accepted', 'Complete']) assert.equal(done.status.conditions.find((c: Obj) => c.type === type)?.status, 'True', type);
  const c = await duck();
  const out = await downloadOutput(s3, 's3://kindling/results/ps/', 'bands', join(dir, 'dl'));
  const cmp = await compareWithOracle(c, 'price-sensitivity', files, out, 'bands');
  assert.deepEqual(cmp.mismatches, []);
  assert.ok(cmp.expected > 0);
  // Two operator replicas, one job: exactly one coordinator pod, one creation event.
  const pods: Obj = JSON.parse(await kubectl(['get', 'pods', '-l', 'kindling.dev/job=ps', '-o', 'json']));
  const roles = pods.items.map((p: Obj) => p.metadata.labels['kindling.dev/role']).sort();
  assert.deepEqual(roles, ['coordinator', 'worker', 'worker']);
  const operators: Obj = JSON.parse(await kubectl(['get', 'pods', '-l', 'app.kubernetes.io/component=operator', '-o', 'json']));
  assert.equal(operators.items.length, 2, 'two operator replicas run');
  const lease: Obj = JSON.parse(await kubectl(['get', 'lease', 'kindling-operator', '-o', 'json']));
  assert.ok(operators.items.some((p: Obj) => p.metadata.name === lease.spec.holderIdentity), `the Lease is held by an operator pod (${lease.spec.holderIdentity})`);
  const events: Obj = JSON.parse(await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=ps,involvedObject.kind=KindlingJob', '-o', 'json']));
  assert.deepEqual(events.items.map((e: Obj) => e.reason), ['CoordinatorCreated']);
  const describe = await kubectl(['describe', 'kj', 'ps']);
  assert.match(describe, /CoordinatorCreated/);
  // The pods' logs outlive the pods: copied next to the output at the end of the run.
  assert.equal(done.status.logs, `s3://kindling/results/ps/_logs/${done.status.runId}/`);
  const archived = (await s3.list(done.status.logs)).map((o) => o.uri.split('/').pop()!);
  assert.deepEqual(archived.sort(), pods.items.map((p: Obj) => `${p.metadata.name}.log`).sort());
  const workerLog = Buffer.from(await s3.readAll(`${done.status.logs}${pods.items.find((p: Obj) => p.metadata.labels['kindling.dev/role'] === 'worker').metadata.name}.log`)).toString('utf8');
  assert.match(workerLog, /"msg":"registered"/);
  const table = await kubectl(['get', 'kj', 'ps']);
  assert.match(table, /NAME\s+PHASE\s+PROGRESS\s+WORKERS\s+AGE\nps\s+Succeeded\s+\d+\/\d+ tasks\s+0\/0/);

  // --- a SQL job (spec.tables + spec.sql) applied with kubectl runs on MinIO like any other ------
  const sql = "select brand, count(*) as n, sum(price) as revenue from events where event_type = 'purchase' and brand is not null group by brand order by n desc, brand limit 10";
  await kubectl(['apply', '-f', '-'], `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: sql-brands }
spec:
  storage: { endpoint: "${minio.endpoint}", credentialsSecret: minio-creds }
  tables:
    events: { uri: "s3://kindling/events/", format: csv, schema: "event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, category_id BIGINT, category_code VARCHAR, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT, user_session VARCHAR" }
  sql: "${sql}"
  output: { uri: "s3://kindling/results/sql-brands/" }
`);
  const sqlDone = await until('job sql-brands to finish', async () => {
    const j = await getJob('sql-brands');
    return ['Succeeded', 'Failed'].includes(j.status?.phase) ? j : undefined;
  }, 300_000);
  assert.equal(sqlDone.status.phase, 'Succeeded', JSON.stringify(sqlDone.status.failure ?? sqlDone.status));
  assert.equal(sqlDone.status.output.inputRecords, 60_000);
  assert.equal(sqlDone.status.output.rows, 10);
  const sqlOut = await downloadOutput(s3, 's3://kindling/results/sql-brands/', 'result', join(dir, 'dl-sql'));
  const ours = (await c.runAndReadAll(`select * from read_parquet('${join(sqlOut, 'result')}/*.parquet')`)).getRows().map((r) => r.map(String));
  const theirs = (await c.runAndReadAll(sql.replace('from events', `from ${eventsSql(files)}`))).getRows().map((r) => r.map(String));
  assert.deepEqual(ours, theirs, 'the SQL job’s result equals DuckDB’s, in order');

  // --- workers that cannot start: the job fails with the kubelet's reason, within its timeout --
  const t0 = Date.now();
  await kubectl(['apply', '-f', '-'], jobYaml('no-image', '  workers: { replicas: 1, image: "registry.invalid/kindling:does-not-exist", startTimeoutSeconds: 10 }\n'));
  const failed = await until('job no-image to fail', async () => {
    const j = await getJob('no-image');
    return j.status?.phase === 'Failed' ? j : undefined;
  }, 120_000);
  t.diagnostic(`no-image failed after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${failed.status.failure.message}`);
  assert.equal(failed.status.failure.reason, 'PodsNotStarting');
  assert.match(failed.status.failure.message, /no worker pod started within 10 s .*(ErrImagePull|ImagePullBackOff)/);

  // ...and workers no node can hold: the real scheduler's Unschedulable reason.
  await kubectl(['apply', '-f', '-'], jobYaml('too-big', '  workers: { replicas: 1, resources: { requests: { cpu: "500" } }, startTimeoutSeconds: 10 }\n'));
  const unschedulable = await until('job too-big to fail', async () => {
    const j = await getJob('too-big');
    return j.status?.phase === 'Failed' ? j : undefined;
  }, 120_000);
  assert.equal(unschedulable.status.failure.reason, 'PodsNotStarting');
  assert.match(unschedulable.status.failure.message, /Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/);

  // --- a coordinator killed mid-job: the operator recreates it, and the new one takes the run
  //     over from its journal, without redoing the tasks that had succeeded -----------------------
  await kubectl(['apply', '-f', '-'], jobYaml('phoenix', '  workers: { replicas: 1 }\n  coordinator: { maxRestarts: 1 }\n', 60_000));
  const journaled = async () => (await s3.list('s3://kindling/results/phoenix/_temporary/')).filter((o) => /\/journal\/s0-p\d+\.json$/.test(o.uri)).length;
  await until('phoenix to journal some map tasks', async () => ((await journaled()) >= 3 ? true : undefined), 120_000);
  const runBefore = (await getJob('phoenix')).status.runId as string;
  await node.killPod('default', 'phoenix-coordinator-0');
  const phoenix = await until('phoenix to finish', async () => {
    const j = await getJob('phoenix');
    return ['Succeeded', 'Failed'].includes(j.status?.phase) ? j : undefined;
  }, 180_000);
  assert.equal(phoenix.status.phase, 'Succeeded', JSON.stringify(phoenix.status.failure));
  assert.equal(phoenix.status.coordinator.attempts, 2);
  assert.equal(phoenix.status.runId, runBefore, 'the replacement finished the same run');
  const takeover = (node.logs('default', 'phoenix-coordinator-1', 'kindling') ?? '').split('\n').filter((l) => l.includes('{')).map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Obj);
  const resumedLine = takeover.find((l) => l.msg === 'resuming the run from its journal');
  assert.ok(resumedLine && resumedLine.restored >= 3, 'the new coordinator restored the journaled tasks');
  const mapsAgain = takeover.filter((l) => l.msg === 'assigned').flatMap((l) => l.tasks as string[]).filter((id) => id.startsWith('0/'));
  const totalMaps = phoenix.status.tasks.find((x: Obj) => x.stage === 'map').total as number;
  assert.equal(mapsAgain.length, totalMaps - resumedLine.restored, 'no journaled map task ran again');
  const phoenixOut = await downloadOutput(s3, 's3://kindling/results/phoenix/', 'bands', join(dir, 'dl-phoenix'));
  assert.deepEqual((await compareWithOracle(c, 'price-sensitivity', files, phoenixOut, 'bands')).mismatches, []);

  // --- ...at most spec.coordinator.maxRestarts times; the old coordinator's workers are removed --
  const stuckWorkers = '  workers: { replicas: 1, image: "registry.invalid/kindling:does-not-exist", startTimeoutSeconds: 3600 }\n';
  await kubectl(['apply', '-f', '-'], jobYaml('mortal', `${stuckWorkers}  coordinator: { maxRestarts: 1 }\n`));
  const workerPods = async () => (JSON.parse(await kubectl(['get', 'pods', '-l', 'kindling.dev/job=mortal,kindling.dev/role=worker', '-o', 'json'])) as Obj).items.map((p: Obj) => p.metadata.name as string);
  const attemptRunning = async (attempts: number) =>
    until(`mortal running attempt ${attempts}`, async () => {
      const j = await getJob('mortal');
      return j.status?.phase === 'Running' && j.status.coordinator?.attempts === attempts ? true : undefined;
    }, 60_000);
  await attemptRunning(1);
  const firstWorkers = await until('a worker pod of the first coordinator', async () => ((await workerPods()).length ? workerPods() : undefined), 60_000);
  await node.killPod('default', 'mortal-coordinator-0');
  await attemptRunning(2);
  await until('the first coordinator\'s workers to be replaced', async () => {
    const now = await workerPods();
    return now.length > 0 && !now.some((p: string) => firstWorkers.includes(p)) ? true : undefined;
  }, 60_000);
  await node.killPod('default', 'mortal-coordinator-1');
  const lost = await until('mortal to fail', async () => {
    const j = await getJob('mortal');
    return j.status?.phase === 'Failed' ? j : undefined;
  }, 60_000);
  assert.equal(lost.status.failure.reason, 'CoordinatorLost');
  assert.match(lost.status.failure.message, /pod mortal-coordinator-1 exited with code 137[^]*started 2 time\(s\) \(spec\.coordinator\.maxRestarts 1\)/);
  const mortalEvents: Obj = JSON.parse(await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=mortal', '-o', 'json']));
  assert.deepEqual(mortalEvents.items.map((e: Obj) => e.reason).sort(), ['CoordinatorCreated', 'CoordinatorLost', 'CoordinatorRestarted']);

  // --- ttlSecondsAfterFinished: a finished job's pods are deleted; the job and its status stay --
  await kubectl(['apply', '-f', '-'], jobYaml('brief', '  workers: { replicas: 1 }\n  ttlSecondsAfterFinished: 2\n'));
  await until('brief to succeed', async () => ((await getJob('brief')).status?.phase === 'Succeeded' ? true : undefined), 120_000);
  await until('brief\'s pods to be deleted after its TTL', async () => {
    const p: Obj = JSON.parse(await kubectl(['get', 'pods', '-l', 'kindling.dev/job=brief', '-o', 'json']));
    return p.items.length === 0 ? true : undefined;
  }, 60_000);
  assert.equal((await getJob('brief')).status.phase, 'Succeeded');
  // ...and `kindling logs` still shows them, from the archive the coordinator wrote.
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin/kindling.js'), ...args, '--kubeconfig', cp.kubeconfig], {
      encoding: 'utf8',
      env: { ...process.env, AWS_ACCESS_KEY_ID: minio.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.secretAccessKey, AWS_REGION: minio.region },
    });
  const coordLog = cli(['logs', 'brief']);
  assert.equal(coordLog.status, 0, coordLog.stderr);
  assert.match(coordLog.stderr, /the pod is gone; its log as archived at the end of run/);
  assert.match(coordLog.stdout, /INFO  committed rows=\d+/);
  const workerLog0 = cli(['logs', 'brief', '--worker', '0', '--raw']);
  assert.equal(workerLog0.status, 0, workerLog0.stderr);
  assert.match(workerLog0.stdout, /"msg":"registered"/);

  // --- deleting a running job removes every pod it made ----------------------------------------
  await kubectl(['apply', '-f', '-'], jobYaml('doomed', '  workers: { replicas: 2, image: "registry.invalid/kindling:does-not-exist", startTimeoutSeconds: 3600 }\n'));
  await until('doomed to have worker pods', async () => {
    const p: Obj = JSON.parse(await kubectl(['get', 'pods', '-l', 'kindling.dev/job=doomed,kindling.dev/role=worker', '-o', 'json']));
    return p.items.length === 2 ? true : undefined;
  }, 60_000);
  await kubectl(['delete', 'kj', 'doomed', '--wait=false']);
  await until('every pod of doomed to be gone', async () => {
    const p: Obj = JSON.parse(await kubectl(['get', 'pods', '-l', 'kindling.dev/job=doomed', '-o', 'json']));
    return p.items.length === 0 ? true : undefined;
  }, 90_000);
  const left: Obj = JSON.parse(await kubectl(['get', 'secrets,services', '-l', 'kindling.dev/job=doomed', '-o', 'json']));
  assert.deepEqual(left.items, []);
  // Stop the node before the control plane (after-hooks run in registration order).
  await node.stop();
});
