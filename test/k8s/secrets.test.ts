// Security of a cluster run, on real parts: a real control plane, the chart installed with a
// real helm (the operator runs as a pod on the test node), jobs applied with kubectl, data on a
// real MinIO. After one job that succeeds and one that fails (its credentials Secret holds a
// wrong secret key), it checks:
//
// - the pods as the API server holds them (not as a builder returns them) are hardened: the
//   coordinator's, the workers' and the operator's;
// - each job has a NetworkPolicy that selects its coordinator pod and admits only its own worker
//   pods on TCP 7070 (the API server stores it; nothing here enforces it: there is no CNI);
// - no secret value, the MinIO secret key, the wrong key or a job token (read from the job's
//   token Secret), raw or base64, appears in: any pod's log (every file the test node wrote for
//   any pod, the operator's included), the archived logs and everything else in the bucket (the
//   _SUCCESS manifest too), any Event, the KindlingJobs (spec and status, the failure message),
//   any other object but Secrets, `kubectl describe kj`, and `kindling status` / `kindling logs`.
//
// Without the tools: FAILS in CI, skips elsewhere.
import { test } from 'node:test';
import { startKindlingCluster } from '../helpers/kindling-cluster.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { until } from '../helpers/k8s.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

/** Every regular file under dir, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The pod's effective hardening (pod-level settings apply to containers that set none). */
function hardeningProblems(pod: Obj): string[] {
  const ps = pod.spec.securityContext ?? {};
  const problems: string[] = [];
  for (const c of pod.spec.containers as Obj[]) {
    const cs = c.securityContext ?? {};
    const eff = (k: string) => cs[k] ?? ps[k];
    const where = `${pod.metadata.name}/${c.name}`;
    if (eff('runAsNonRoot') !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if (eff('runAsUser') === 0) problems.push(`${where}: runs as uid 0`);
    if (cs.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is writable`);
    if (cs.allowPrivilegeEscalation !== false) problems.push(`${where}: privilege escalation allowed`);
    if (cs.privileged === true) problems.push(`${where}: privileged`);
    if (JSON.stringify(cs.capabilities?.drop) !== '["ALL"]' || (cs.capabilities?.add ?? []).length > 0) problems.push(`${where}: capabilities ${JSON.stringify(cs.capabilities)}`);
    if (eff('seccompProfile')?.type !== 'RuntimeDefault') problems.push(`${where}: seccomp ${JSON.stringify(eff('seccompProfile'))}`);
    if (!(c.volumeMounts as Obj[] | undefined)?.some((m) => m.mountPath === '/tmp')) problems.push(`${where}: no writable /tmp`);
  }
  if (pod.spec.hostNetwork || pod.spec.hostPID || pod.spec.hostIPC) problems.push(`${pod.metadata.name}: host namespaces`);
  return problems;
}

test('a cluster run: stored pods hardened, a NetworkPolicy per job, and no secret value in logs, events, status, objects, output or CLI', { timeout: 180_000 }, async (t) => {
  const started = Date.now();
  // Debug logging everywhere: the most a leak could show.
  const k = await startKindlingCluster(t, { rows: 4_000, files: 1, seed: 11, helmSet: ['logLevel=debug'] });
  if (!k) return;
  const { kubectlRun: kubectl, cp, minio, s3, node } = k;
  const wrongSecret = `wrong-${randomBytes(12).toString('hex')}`;
  await kubectl(['create', 'secret', 'generic', 'bad-creds', `--from-literal=AWS_ACCESS_KEY_ID=${minio.accessKeyId}`, `--from-literal=AWS_SECRET_ACCESS_KEY=${wrongSecret}`]);
  const jobYaml = (name: string, secret: string) => `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: ${name} }
spec:
  analysis: price-sensitivity
  storage: { endpoint: "${minio.endpoint}", credentialsSecret: ${secret} }
  input: { uri: "s3://kindling/events/", format: csv }
  output: { uri: "s3://kindling/results/${name}/" }
  shuffle: { partitions: 2 }
  workers: { replicas: 2 }
`;
  const getJob = async (name: string): Promise<Obj> => JSON.parse(await kubectl(['get', 'kj', name, '-o', 'json']));
  const finished = (name: string) =>
    until(`job ${name} to finish`, async () => {
      const j = await getJob(name);
      return ['Succeeded', 'Failed'].includes(j.status?.phase) ? j : undefined;
    }, 120_000);
  await kubectl(['apply', '-f', '-'], jobYaml('sec', 'minio-creds') + '---\n' + jobYaml('sec-bad', 'bad-creds'));
  const [ok, bad] = await Promise.all([finished('sec'), finished('sec-bad')]).catch((e: Error) => {
    // What the pods said, to tell why.
    const said = node.pods().flatMap((p) => p.containers.map((c) => `--- ${p.name}/${c.name}\n${(node.logs(p.namespace, p.name, c.name) ?? '').slice(-3000)}`));
    throw new Error(`${e.message}\n${said.join('\n')}`);
  });
  t.diagnostic(`both jobs finished ${((Date.now() - started) / 1000).toFixed(1)} s after the test started`);
  assert.equal(ok.status.phase, 'Succeeded', JSON.stringify(ok.status.failure ?? ok.status));
  assert.equal(bad.status.phase, 'Failed');
  t.diagnostic(`sec-bad failed: ${bad.status.failure.message}`);
  for (const p of node.pods()) for (const c of p.containers) if (c.restartCount > 0) t.diagnostic(`${p.name}/${c.name} restarted ${c.restartCount} times; before:\n${node.logs(p.namespace, p.name, c.name, { previous: true })}`);
  assert.match(bad.status.failure.message, /signature|credential|access denied|forbidden|403/i, 'it failed on its credentials');

  // ---- the pods as stored: hardened -----------------------------------------------------------
  const pods: Obj[] = JSON.parse(await kubectl(['get', 'pods', '-o', 'json'])).items;
  const podsOf = (job: string, role: string) => pods.filter((p) => p.metadata.labels?.['kindling.dev/job'] === job && p.metadata.labels?.['kindling.dev/role'] === role).map((p) => p.metadata.name as string).sort();
  assert.equal(podsOf('sec', 'coordinator').length, 1);
  assert.equal(podsOf('sec', 'worker').length, 2);
  assert.equal(podsOf('sec-bad', 'coordinator').length, 1);
  const operator = pods.filter((p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'operator');
  assert.equal(operator.length, 1);
  const checked = pods.filter((p) => p.metadata.labels?.['kindling.dev/job'] || p.metadata.labels?.['app.kubernetes.io/component'] === 'operator');
  assert.deepEqual(checked.flatMap(hardeningProblems), [], 'every kindling pod is hardened as the API server holds it');
  for (const p of checked.filter((x) => x.metadata.labels?.['kindling.dev/role'] === 'worker')) {
    assert.equal(p.spec.automountServiceAccountToken, false, `${p.metadata.name} mounts no API token`);
    assert.equal(p.spec.volumes.some((v: Obj) => v.projected), false, `${p.metadata.name} has no service account token volume`);
  }

  // ---- a NetworkPolicy per job, selecting its coordinator and admitting its workers only -------
  const policies: Obj[] = JSON.parse(await kubectl(['get', 'networkpolicies', '-o', 'json'])).items;
  assert.deepEqual(policies.map((p) => p.metadata.name).sort(), ['sec-bad-coordinator', 'sec-coordinator']);
  for (const job of [ok, bad]) {
    const name = job.metadata.name as string;
    const np = policies.find((p) => p.metadata.name === `${name}-coordinator`)!;
    assert.deepEqual(np.metadata.ownerReferences.map((o: Obj) => [o.kind, o.name, o.uid]), [['KindlingJob', name, job.metadata.uid]]);
    assert.deepEqual(np.spec.policyTypes, ['Ingress']);
    assert.equal(np.spec.ingress.length, 1);
    assert.deepEqual(np.spec.ingress[0].ports, [{ protocol: 'TCP', port: 7070 }]);
    assert.equal(np.spec.ingress[0].from.length, 1);
    // The selectors, asked of the API server, pick exactly this job's coordinator and workers.
    const select = async (matchLabels: Record<string, string>) =>
      (await kubectl(['get', 'pods', '-l', Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`).join(','), '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean).sort();
    assert.deepEqual(await select(np.spec.podSelector.matchLabels), podsOf(name, 'coordinator'));
    assert.deepEqual(await select(np.spec.ingress[0].from[0].podSelector.matchLabels), podsOf(name, 'worker'));
    assert.equal(np.spec.ingress[0].from[0].namespaceSelector, undefined, 'the same namespace only');
  }

  // ---- no secret value anywhere ------------------------------------------------------------------
  const tokenOf = async (job: string) => Buffer.from(await kubectl(['get', 'secret', `${job}-token`, '-o', 'jsonpath={.data.token}']), 'base64').toString('utf8');
  const secrets: Record<string, string> = { 'MinIO secret key': minio.secretAccessKey, 'wrong secret key': wrongSecret, 'token of sec': await tokenOf('sec'), 'token of sec-bad': await tokenOf('sec-bad') };
  for (const [what, v] of Object.entries(secrets)) assert.ok(v.length >= 16, `${what} is long enough to search for`);
  const forms = Object.entries(secrets).flatMap(([what, v]) => [
    [what, v],
    [`${what} (base64)`, Buffer.from(v).toString('base64')],
  ]);
  const leaks: string[] = [];
  const scanned: Record<string, number> = {};
  const scan = (source: string, text: string) => {
    scanned[source] = (scanned[source] ?? 0) + text.length;
    for (const [what, v] of forms) if (text.includes(v)) leaks.push(`${what} in ${source}`);
  };
  // The scan finds a value where it is: the token Secret holds it in base64.
  const before = leaks.length;
  scan('control: the token Secret', await kubectl(['get', 'secret', 'sec-token', '-o', 'json']));
  assert.deepEqual(leaks.splice(before), ['token of sec (base64) in control: the token Secret']);
  delete scanned['control: the token Secret'];

  // Every file the test node wrote for any pod: each container instance's log (the operator's
  // too), the volumes, what the processes wrote to their /tmp.
  const podFiles = filesUnder(node.dir);
  for (const f of podFiles) if (statSync(f).size < 64 << 20) scan(`node file ${f.slice(node.dir.length + 1)}`, readFileSync(f, 'latin1'));
  // Non-vacuous: the logs that matter are among them and say what they should.
  const logOf = (pod: string, container = 'kindling') => node.logs('default', pod, container) ?? '';
  assert.match(logOf(podsOf('sec', 'coordinator')[0]), /committed/);
  assert.match(logOf(podsOf('sec', 'worker')[0]), /registered/);
  assert.match(logOf(podsOf('sec-bad', 'coordinator')[0]), /job failed/);
  assert.match(logOf(operator[0].metadata.name, 'operator'), /created coordinator pod/);
  for (const p of checked) for (const c of p.spec.containers as Obj[]) assert.ok(podFiles.includes(node.logFile('default', p.metadata.name, c.name)!), `the log of ${p.metadata.name}/${c.name} was scanned`);

  // Everything in the bucket: the archived logs, the _SUCCESS manifest, the output, the input
  // (listed raw: the store's list skips _-prefixed names such as _logs/ and _SUCCESS).
  const client = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey } });
  t.after(() => client.destroy());
  const objects = ((await client.send(new ListObjectsV2Command({ Bucket: 'kindling' }))).Contents ?? []).map((o) => ({ uri: `s3://kindling/${o.Key}` }));
  for (const o of objects) scan(o.uri, Buffer.from(await s3.readAll(o.uri)).toString('latin1'));
  const uris = objects.map((o) => o.uri);
  assert.ok(uris.includes('s3://kindling/results/sec/_SUCCESS'), 'the manifest was scanned');
  assert.equal(ok.status.logs, `s3://kindling/results/sec/_logs/${ok.status.runId}/`);
  assert.deepEqual(uris.filter((u) => u.startsWith(ok.status.logs)).map((u) => u.slice(ok.status.logs.length)).sort(), [...podsOf('sec', 'coordinator'), ...podsOf('sec', 'worker')].map((p) => `${p}.log`).sort());

  // The API's view: every Event, both jobs (spec and status), every other object but Secrets.
  const events = await kubectl(['get', 'events', '-A', '-o', 'json']);
  assert.match(events, /CoordinatorCreated/);
  scan('events', events);
  const jobs = await kubectl(['get', 'kindlingjobs', '-A', '-o', 'json']);
  scan('KindlingJobs', jobs);
  scan('failure message of sec-bad', bad.status.failure.message);
  for (const name of ['sec', 'sec-bad']) scan(`kubectl describe kj ${name}`, await kubectl(['describe', 'kj', name]));
  const kinds = 'pods,services,networkpolicies,serviceaccounts,rolebindings,roles,configmaps,deployments,replicasets,leases,endpoints';
  scan(kinds, await kubectl(['get', kinds, '-A', '-o', 'json']));

  // The CLI, as a user runs it (with S3 credentials in the environment). Not spawnSync: the
  // test node serving the pods' logs runs in this process.
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bin/kindling.js'), ...args, '--kubeconfig', cp.kubeconfig],
        { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AWS_ACCESS_KEY_ID: minio.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.secretAccessKey, AWS_REGION: minio.region } },
        (err, stdout, stderr) => {
          scan(`kindling ${args.join(' ')}`, `${stdout}\n${stderr}`);
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  for (const args of [['status', 'sec'], ['status', 'sec', '--json'], ['status', 'sec-bad'], ['status', 'sec-bad', '--json'], ['logs', 'sec'], ['logs', 'sec', '--raw'], ['logs', 'sec', '--worker', '0'], ['logs', 'sec', '--worker', '1', '--raw'], ['logs', 'sec-bad'], ['logs', 'sec-bad', '--raw']]) {
    const r = await cli(args);
    assert.equal(r.code, 0, `kindling ${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.length > 0, `kindling ${args.join(' ')} printed something: ${r.stderr}`);
  }
  assert.match((await cli(['status', 'sec-bad'])).stdout, /Failed/);
  assert.match((await cli(['logs', 'sec', '--worker', '0', '--raw'])).stdout, /"msg":"registered"/);

  t.diagnostic(`scanned ${Object.keys(scanned).length} sources, ${(Object.values(scanned).reduce((a, b) => a + b, 0) / 1e6).toFixed(1)} MB; ${podFiles.length} node files, ${objects.length} objects; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.deepEqual(leaks, [], 'no secret value anywhere');
  // Stop the node before the control plane (after-hooks run in registration order).
  await node.stop();
});
