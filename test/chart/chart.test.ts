/**
 * The Helm chart without a cluster: `helm lint` on the value sets users install with, the values
 * schema rejecting bad values, the plain manifests (k8s/*.yaml) being current, and the rendered
 * objects following the contract with the operator (names, env, probes, security, RBAC rules,
 * MinIO and its seed Job). The cluster side is test/chart/chart-cluster.test.ts.
 *
 * helm is the pinned one of scripts/k8s.mjs (or $HELM). Missing: the tests FAIL in CI
 * (process.env.CI) and are skipped elsewhere.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { run } from '../helpers/k8s.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHART = `${ROOT}charts/kindling`;
const RENDER = `${ROOT}scripts/render-k8s.mjs`;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

async function helmOrSkip(t: TestContext): Promise<string | undefined> {
  const { findHelm } = (await import(pathToFileURL(RENDER).href)) as { findHelm(): string | undefined };
  const helm = findHelm();
  if (helm) return helm;
  const what = 'helm is not built; `npm test` builds it when Go is on PATH (or `node scripts/provision.mjs k8s`; or set HELM)';
  if (process.env.CI) throw new Error(`CI must provide helm: ${what}`);
  t.skip(what);
  return undefined;
}

/** `helm template` -> its objects (hooks included). */
async function template(helm: string, args: string[], release = 'kindling', namespace = 'default'): Promise<Obj[]> {
  const out = await run(helm, ['template', release, CHART, '--namespace', namespace, ...args]);
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

function find(objs: Obj[], kind: string, name: string, namespace?: string): Obj {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  assert.ok(o, `no ${kind} ${namespace ? `${namespace}/` : ''}${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

const envOf = (container: Obj): Record<string, unknown> =>
  Object.fromEntries((container.env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

const RESTRICTED = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

test('helm lint --strict passes: defaults, minio.enabled=true, watchNamespaces={a,b}', { timeout: 120_000 }, async (t) => {
  const helm = await helmOrSkip(t);
  if (!helm) return;
  for (const set of [[], ['--set', 'minio.enabled=true'], ['--set', 'watchNamespaces={a,b}'], ['--set', 'minio.enabled=true,minio.persistence.enabled=true,minio.service.type=ClusterIP']]) {
    const out = await run(helm, ['lint', '--strict', CHART, ...set]);
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/, `helm lint ${set.join(' ')}`);
  }
});

test('values.schema.json rejects bad values with the field path', { timeout: 120_000 }, async (t) => {
  const helm = await helmOrSkip(t);
  if (!helm) return;
  const bad: [string[], RegExp][] = [
    [['--set', 'watchNamespaces={Team_A}'], /watchNamespaces\/0/],
    [['--set', 'minio.rootPassword=short'], /minio\/rootPassword/],
    [['--set', 'logLevel=loud'], /logLevel/],
    [['--set', 'imgae.tag=dev'], /additional properties 'imgae' not allowed/],
    [['--set', 'operator.replicas=two'], /operator\/replicas/],
    [['--set', 'networkPolicy.enabled=sometimes'], /networkPolicy\/enabled/],
    [['--set', 'minio.service.nodePorts.api=9000'], /minio\/service\/nodePorts\/api/],
    [['--set', 'image.pullPolicy=Sometimes'], /image\/pullPolicy/],
  ];
  for (const [set, pattern] of bad) {
    await assert.rejects(run(helm, ['template', 'kindling', CHART, ...set]), (e: Error) => pattern.test(e.message), `${set.join(' ')}: expected ${pattern}`);
  }
});

test('k8s/kindling.yaml and k8s/kindling-with-minio.yaml are current (node scripts/render-k8s.mjs --check)', { timeout: 120_000 }, async (t) => {
  const helm = await helmOrSkip(t);
  if (!helm) return;
  const r = await new Promise<{ code: number; out: string }>((res) => {
    execFile(process.execPath, [RENDER, '--check'], { env: { ...process.env, HELM: helm }, encoding: 'utf8' }, (err, stdout, stderr) =>
      res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
  assert.equal(r.code, 0, `${r.out}\nregenerate: npm run render:k8s`);
  // What kubectl users get: the CRD first, then the operator; MinIO only in the second file.
  const { render } = (await import(pathToFileURL(RENDER).href)) as { render(helm: string): { file: string; text: string }[] };
  const [plain, withMinio] = render(helm).map((f) => parseAllDocuments(f.text).map((d) => d.toJS() as Obj).filter(Boolean));
  assert.equal(plain[0].kind, 'CustomResourceDefinition');
  find(plain, 'Deployment', 'kindling-operator', 'default');
  assert.equal(plain.some((o) => /minio/.test(o.metadata.name)), false);
  find(withMinio, 'Deployment', 'kindling-minio', 'default');
  find(withMinio, 'Job', 'kindling-minio-seed', 'default');
});

test('the operator Deployment follows the contract: image, command, env, probes, security, service account', { timeout: 120_000 }, async (t) => {
  const helm = await helmOrSkip(t);
  if (!helm) return;
  // The kind quick start: release kindling in default, the chart's MinIO, image kindling:dev.
  const objs = await template(helm, ['--set', 'minio.enabled=true', '--set', 'image.tag=dev', '--set', 'operator.replicas=2']);
  const d = find(objs, 'Deployment', 'kindling-operator', 'default');
  assert.equal(d.spec.replicas, 2);
  const pod = d.spec.template.spec;
  assert.equal(pod.serviceAccountName, 'kindling-operator');
  find(objs, 'ServiceAccount', 'kindling-operator', 'default');
  const [c] = pod.containers as Obj[];
  assert.equal(c.image, 'kindling:dev');
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(c.command, ['kindling', 'operator']);
  assert.deepEqual(envOf(c), {
    POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
    POD_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
    POD_IP: { fieldRef: { fieldPath: 'status.podIP' } },
    KINDLING_IMAGE: 'kindling:dev',
    KINDLING_IMAGE_PULL_POLICY: 'IfNotPresent',
    KINDLING_WATCH_NAMESPACES: '',
    KINDLING_LEASE_NAME: 'kindling-operator',
    KINDLING_COORDINATOR_CLUSTERROLE: 'kindling-coordinator',
    KINDLING_COORDINATOR_SERVICE_ACCOUNT: 'kindling-coordinator',
    KINDLING_S3_ENDPOINT: 'http://kindling-minio.default.svc:9000',
    KINDLING_CREDENTIALS_SECRET: 'kindling-minio-creds',
    KINDLING_LOG_LEVEL: 'info',
    KINDLING_NETWORK_POLICY: 'true',
  });
  for (const probe of [c.livenessProbe, c.readinessProbe]) assert.deepEqual(probe.httpGet, { path: '/healthz', port: 'health' });
  assert.deepEqual(c.ports, [{ name: 'health', containerPort: 8081, protocol: 'TCP' }]);
  assert.deepEqual(c.securityContext, RESTRICTED);
  assert.ok(c.resources.requests.cpu && c.resources.limits.memory, 'default resources');
  assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  assert.deepEqual(pod.volumes, [{ name: 'tmp', emptyDir: {} }]);

  // Another release and namespace, no MinIO, explicit S3 defaults, namespaces to watch, default tag = appVersion.
  const other = await template(
    helm,
    ['--set', 'watchNamespaces={team-a,team-b}', '--set', 'defaults.s3.endpoint=https://s3.example.com', '--set', 'defaults.s3.credentialsSecret=s3-creds', '--set', 'logLevel=debug', '--set', 'coordinator.serviceAccountName=coord'],
    'analytics',
    'kindling-system',
  );
  const od = find(other, 'Deployment', 'analytics-kindling-operator', 'kindling-system');
  const env = envOf(od.spec.template.spec.containers[0]);
  const appVersion = /^appVersion:\s*"?([^"\n]+)"?/m.exec(readFileSync(`${CHART}/Chart.yaml`, 'utf8'))![1];
  assert.equal(env.KINDLING_IMAGE, `kindling:${appVersion}`);
  assert.equal(env.KINDLING_WATCH_NAMESPACES, 'team-a,team-b');
  assert.equal(env.KINDLING_LEASE_NAME, 'analytics-kindling-operator');
  assert.equal(env.KINDLING_COORDINATOR_CLUSTERROLE, 'analytics-kindling-coordinator');
  assert.equal(env.KINDLING_COORDINATOR_SERVICE_ACCOUNT, 'coord');
  assert.equal(env.KINDLING_S3_ENDPOINT, 'https://s3.example.com');
  assert.equal(env.KINDLING_CREDENTIALS_SECRET, 's3-creds');
  assert.equal(env.KINDLING_LOG_LEVEL, 'debug');
  const plain = envOf(find(await template(helm, []), 'Deployment', 'kindling-operator').spec.template.spec.containers[0]);
  assert.equal(plain.KINDLING_S3_ENDPOINT, '');
  assert.equal(plain.KINDLING_CREDENTIALS_SECRET, '');
});

test('RBAC: a ClusterRole for all namespaces, else a Role per watched namespace with the same rules; leases only in the release namespace', { timeout: 120_000 }, async (t) => {
  const helm = await helmOrSkip(t);
  if (!helm) return;
  const all = await template(helm, []);
  const cr = find(all, 'ClusterRole', 'kindling-operator');
  const crb = find(all, 'ClusterRoleBinding', 'kindling-operator');
  assert.deepEqual(crb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kindling-operator' });
  assert.deepEqual(crb.subjects, [{ kind: 'ServiceAccount', name: 'kindling-operator', namespace: 'default' }]);
  const rules = cr.rules as Obj[];
  const bind = rules.find((r) => r.verbs.includes('bind'));
  assert.deepEqual(bind, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['kindling-coordinator'] });
  // No wildcard anywhere, and KindlingJobs themselves are read-only to the operator.
  for (const o of all.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
    assert.doesNotMatch(JSON.stringify(o.rules), /"\*"/, `${o.kind} ${o.metadata.name} has a wildcard`);
  }
  assert.deepEqual(rules.find((r) => r.resources.includes('kindlingjobs'))!.verbs, ['get', 'list', 'watch']);
  const le = find(all, 'Role', 'kindling-operator-leader-election', 'default');
  assert.deepEqual(le.rules[0], { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] });
  find(all, 'RoleBinding', 'kindling-operator-leader-election', 'default');
  const coord = find(all, 'ClusterRole', 'kindling-coordinator');
  assert.deepEqual(coord.rules[0], { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] });
  assert.equal(all.some((o) => o.kind.endsWith('Binding') && o.roleRef.name === 'kindling-coordinator'), false, 'the chart does not bind the coordinator role');
  assert.equal(find(all, 'ClusterRole', 'kindling-edit').metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  assert.equal(find(all, 'ClusterRole', 'kindling-view').metadata.labels['rbac.authorization.k8s.io/aggregate-to-view'], 'true');

  const scoped = await template(helm, ['--set', 'watchNamespaces={team-a,team-b}']);
  assert.equal(scoped.some((o) => o.kind === 'ClusterRoleBinding'), false);
  assert.equal(scoped.some((o) => o.kind === 'ClusterRole' && o.metadata.name === 'kindling-operator'), false);
  for (const ns of ['team-a', 'team-b']) {
    assert.deepEqual(find(scoped, 'Role', 'kindling-operator', ns).rules, rules);
    const rb = find(scoped, 'RoleBinding', 'kindling-operator', ns);
    assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kindling-operator' });
    assert.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: 'kindling-operator', namespace: 'default' }]);
  }
  find(scoped, 'Role', 'kindling-operator-leader-election', 'default');
  assert.equal((await template(helm, ['--set', 'rbac.aggregateToDefaultRoles=false'])).some((o) => /-(edit|view)$/.test(o.metadata.name)), false);

  // The per-job NetworkPolicy (networkPolicy.enabled, the default): get/create/delete, no list or update.
  assert.deepEqual(rules.find((r) => r.resources.includes('networkpolicies')), { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'create', 'delete'] });
  const noPolicy = await template(helm, ['--set', 'networkPolicy.enabled=false', '--set', 'watchNamespaces={team-a}']);
  assert.equal(find(noPolicy, 'Role', 'kindling-operator', 'team-a').rules.some((r: Obj) => r.resources.includes('networkpolicies')), false, 'disabled: no permission on networkpolicies');
  assert.equal(envOf(find(noPolicy, 'Deployment', 'kindling-operator').spec.template.spec.containers[0]).KINDLING_NETWORK_POLICY, 'false');
  assert.ok(find(scoped, 'Role', 'kindling-operator', 'team-b').rules.some((r: Obj) => r.resources.includes('networkpolicies')));
});

test('every pod the chart runs (operator, MinIO, seed Job) is hardened at pod and container level: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', { timeout: 120_000 }, async (t) => {
  const helm = await helmOrSkip(t);
  if (!helm) return;
  const objs = await template(helm, ['--set', 'minio.enabled=true', '--set', 'minio.persistence.enabled=true']);
  const workloads = objs.filter((o) => o.spec?.template?.spec);
  assert.deepEqual(workloads.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['Deployment/kindling-minio', 'Deployment/kindling-operator', 'Job/kindling-minio-seed']);
  for (const w of workloads) {
    const pod = w.spec.template.spec as Obj;
    const what = `${w.kind}/${w.metadata.name}`;
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } }, what);
    assert.equal(pod.hostNetwork ?? false, false, what);
    assert.equal(pod.hostPID ?? false, false, what);
    assert.equal(pod.hostIPC ?? false, false, what);
    assert.equal(pod.initContainers, undefined, what);
    assert.ok((pod.volumes as Obj[]).every((v) => v.emptyDir || v.persistentVolumeClaim), `${what}: only emptyDir and PVC volumes (no hostPath)`);
    for (const c of pod.containers as Obj[]) {
      assert.deepEqual(c.securityContext, RESTRICTED, `${what} ${c.name}`);
      // A read-only root filesystem: every path the container writes is a volume.
      assert.ok((c.volumeMounts as Obj[]).some((m) => m.mountPath === '/tmp'), `${what} ${c.name} has a writable /tmp`);
      assert.ok((c.env as Obj[] | undefined ?? []).every((e) => !/(SECRET_ACCESS_KEY|PASSWORD|TOKEN)$/.test(e.name) || e.valueFrom?.secretKeyRef), `${what} ${c.name}: credentials only by secretKeyRef`);
    }
    assert.doesNotMatch(JSON.stringify(w), /kindling-secret/, `${what}: the MinIO password is in the Secret only`);
    if (w.metadata.name !== 'kindling-operator') assert.equal(pod.automountServiceAccountToken, false, `${what} mounts no API token`);
  }
});

test('MinIO for kind: Secret, Deployment bound to the pod IP, NodePort Service, seed hook Job', { timeout: 120_000 }, async (t) => {
  const helm = await helmOrSkip(t);
  if (!helm) return;
  assert.equal((await template(helm, [])).some((o) => /minio/.test(o.metadata.name)), false, 'no MinIO by default');
  const objs = await template(helm, ['--set', 'minio.enabled=true', '--set', 'image.tag=dev']);
  const secret = find(objs, 'Secret', 'kindling-minio-creds', 'default');
  assert.deepEqual(secret.stringData, { AWS_ACCESS_KEY_ID: 'kindling', AWS_SECRET_ACCESS_KEY: 'kindling-secret' });
  const d = find(objs, 'Deployment', 'kindling-minio', 'default');
  const [c] = d.spec.template.spec.containers as Obj[];
  assert.match(c.image, /^quay\.io\/minio\/minio:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
  assert.deepEqual(c.command, ['minio', 'server', '/data', '--address', '$(POD_IP):9000', '--console-address', '$(POD_IP):9001']);
  const env = envOf(c);
  assert.deepEqual(env.POD_IP, { fieldRef: { fieldPath: 'status.podIP' } });
  assert.deepEqual(env.MINIO_ROOT_USER, { secretKeyRef: { name: 'kindling-minio-creds', key: 'AWS_ACCESS_KEY_ID' } });
  assert.deepEqual(env.MINIO_ROOT_PASSWORD, { secretKeyRef: { name: 'kindling-minio-creds', key: 'AWS_SECRET_ACCESS_KEY' } });
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/minio/health/ready', port: 'api' });
  assert.deepEqual(c.securityContext, RESTRICTED);
  assert.deepEqual(d.spec.template.spec.volumes.find((v: Obj) => v.name === 'data'), { name: 'data', emptyDir: {} });
  const svc = find(objs, 'Service', 'kindling-minio', 'default');
  assert.equal(svc.spec.type, 'NodePort');
  assert.deepEqual(
    (svc.spec.ports as Obj[]).map((p) => [p.name, p.port, p.nodePort]),
    [['api', 9000, 30900], ['console', 9001, 30901]],
  );
  assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);

  const job = find(objs, 'Job', 'kindling-minio-seed', 'default');
  assert.equal(job.metadata.annotations['helm.sh/hook'], 'post-install');
  assert.ok(job.spec.backoffLimit >= 3 && job.spec.ttlSecondsAfterFinished > 0);
  const [s] = job.spec.template.spec.containers as Obj[];
  assert.equal(s.image, 'kindling:dev');
  assert.deepEqual(s.command, ['kindling', 'generate', '--endpoint', 'http://kindling-minio:9000', '--create-bucket', '--rows', '1000000', '--files', '4', '--out', 's3://kindling/events/2019-Nov/']);
  assert.deepEqual(envOf(s), {
    AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'kindling-minio-creds', key: 'AWS_ACCESS_KEY_ID' } },
    AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'kindling-minio-creds', key: 'AWS_SECRET_ACCESS_KEY' } },
  });
  assert.deepEqual(s.securityContext, RESTRICTED);

  const tuned = await template(helm, ['--set', 'minio.enabled=true', '--set', 'minio.seed.rows=20000000', '--set', 'minio.seed.files=16', '--set', 'minio.persistence.enabled=true', '--set', 'minio.service.type=ClusterIP']);
  assert.deepEqual(find(tuned, 'Job', 'kindling-minio-seed').spec.template.spec.containers[0].command.slice(5, 9), ['--rows', '20000000', '--files', '16']);
  find(tuned, 'PersistentVolumeClaim', 'kindling-minio', 'default');
  assert.deepEqual(find(tuned, 'Service', 'kindling-minio').spec.ports.map((p: Obj) => p.nodePort), [undefined, undefined]);
  assert.equal((await template(helm, ['--set', 'minio.enabled=true', '--set', 'minio.seed.enabled=false'])).some((o) => o.kind === 'Job'), false);
});
