/**
 * The Helm chart on a real control plane (kube-apiserver, controller-manager, scheduler; no
 * kubelet, so pods stay Pending and nothing waits for them):
 *
 * - `helm install kindling` (the kind quick start: namespace default, MinIO) and a second release
 *   `scoped` watching only team-a, both in namespaces that enforce the `restricted` Pod Security
 *   Standard: the ReplicaSets and the seed Job get their pods admitted.
 * - what the operator's ServiceAccount may and may not do (`kubectl auth can-i --as=...`), and the
 *   operator's real calls made by impersonation: the coordinator ServiceAccount and RoleBinding,
 *   a status patch; binding any other role is refused. The coordinator role it binds, the
 *   aggregated edit/view roles for users.
 *
 * Without the tools: FAILS in CI (process.env.CI), skipped elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run, startOrSkip, until } from '../helpers/k8s.js';

const CHART = fileURLToPath(new URL('../../../charts/kindling', import.meta.url));
const OPERATOR = 'system:serviceaccount:default:kindling-operator';
const SCOPED = 'system:serviceaccount:kindling-system:scoped-kindling-operator';

test('the chart on a real API server: install, restricted pods admitted, least-privilege RBAC', { timeout: 300_000 }, async (t) => {
  const cluster = await startOrSkip(t);
  if (!cluster) return;
  const k = cluster.kubectlRun;
  const helmBin = cluster.k8s.findK8sTools()!.helm;
  const helm = (args: string[]) => run(helmBin, ['--kubeconfig', cluster.cp.kubeconfig, ...args]);

  for (const ns of ['team-a', 'team-x', 'kindling-system']) await k(['create', 'namespace', ns]);
  // Every pod of the chart must pass the `restricted` Pod Security Standard.
  for (const ns of ['default', 'kindling-system']) await k(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);

  // --no-hooks: the seed Job is a post-install hook and helm would wait for it to complete (no kubelet here).
  const t0 = Date.now();
  const notes = await helm(['install', 'kindling', CHART, '--namespace', 'default', '--set', 'minio.enabled=true', '--set', 'image.tag=dev', '--no-hooks']);
  t.diagnostic(`helm install kindling: ${Date.now() - t0} ms`);
  assert.match(notes, /STATUS: deployed/);
  assert.match(notes, /kubectl apply -f k8s\/examples\/price-sensitivity\.yaml/);
  assert.match(notes, /http:\/\/localhost:9001/);
  assert.match(notes, /kubectl apply --server-side -f charts\/kindling\/crds\//);
  const scopedNotes = await helm(['install', 'scoped', CHART, '--namespace', 'kindling-system', '--set', 'watchNamespaces={team-a}', '--no-hooks']);
  assert.match(scopedNotes, /assume release "kindling" in namespace "default"/);
  assert.match(scopedNotes, /does not watch namespace "default"/);

  await k(['wait', '--for=condition=Established', '--timeout=60s', 'crd/kindlingjobs.kindling.dev']);
  const names = async (args: string[]) => (await k(['get', ...args, '-o', 'name'])).trim().split('\n').sort();
  assert.deepEqual(await names(['deployments', '-n', 'default']), ['deployment.apps/kindling-minio', 'deployment.apps/kindling-operator']);
  assert.deepEqual(await names(['deployments', '-n', 'kindling-system']), ['deployment.apps/scoped-kindling-operator']);
  await k(['get', '-n', 'default', 'serviceaccount/kindling-operator', 'secret/kindling-minio-creds', 'service/kindling-minio', 'role/kindling-operator-leader-election', 'rolebinding/kindling-operator-leader-election']);
  await k(['get', 'clusterrole/kindling-operator', 'clusterrolebinding/kindling-operator', 'clusterrole/kindling-coordinator', 'clusterrole/kindling-edit', 'clusterrole/kindling-view']);
  await k(['get', '-n', 'team-a', 'role/scoped-kindling-operator', 'rolebinding/scoped-kindling-operator']);
  await k(['get', 'clusterrole/scoped-kindling-coordinator']);
  await assert.rejects(k(['get', 'clusterrolebinding/scoped-kindling-operator']), /NotFound/);
  const svc = JSON.parse(await k(['get', '-n', 'default', 'service/kindling-minio', '-o', 'json'])) as { spec: { ports: { nodePort: number }[] } };
  assert.deepEqual(svc.spec.ports.map((p) => p.nodePort), [30900, 30901]);

  // The controller-manager creates the pods: admitted under `restricted` (rejections would show as FailedCreate).
  const podsOf = async (ns: string, component: string) =>
    (await k(['get', 'pods', '-n', ns, '-l', `app.kubernetes.io/instance=${ns === 'default' ? 'kindling' : 'scoped'},app.kubernetes.io/component=${component}`, '-o', 'name'])).trim() || undefined;
  const failedCreates = async (ns: string) =>
    (await k(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}'])).trim();
  const podAdmitted = async (ns: string, component: string) => {
    try {
      await until(`a ${component} pod in ${ns}`, () => podsOf(ns, component), 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; FailedCreate events: ${await failedCreates(ns)}`);
    }
  };
  for (const [ns, component] of [['default', 'operator'], ['default', 'minio'], ['kindling-system', 'operator']] as const) await podAdmitted(ns, component);
  // The seed hook Job (as helm would create it after install): its pod is admitted too.
  const hooks = await helm(['get', 'hooks', 'kindling', '--namespace', 'default']);
  assert.match(hooks, /kind: Job/);
  await k(['create', '-n', 'default', '-f', '-'], hooks);
  await podAdmitted('default', 'minio-seed');

  // ---- what the operator may do, and may not
  // `kubectl auth can-i` prints yes/no and exits 0/1; anything else is an error.
  const can = (as: string, args: string[]) =>
    new Promise<boolean>((res, rej) => {
      execFile(cluster.kubectl, ['--kubeconfig', cluster.cp.kubeconfig, 'auth', 'can-i', `--as=${as}`, ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
        const answer = stdout.trim();
        if (answer === 'yes' || answer === 'no') res(answer === 'yes');
        else rej(new Error(`kubectl auth can-i --as=${as} ${args.join(' ')}: ${err?.message ?? ''} ${stdout}${stderr}`));
      });
    });
  const allowed: string[][] = [
    ['list', 'kindlingjobs.kindling.dev', '--all-namespaces'],
    ['watch', 'kindlingjobs.kindling.dev', '--all-namespaces'],
    ['get', 'kindlingjobs.kindling.dev', '-n', 'team-x'],
    ['patch', 'kindlingjobs.kindling.dev', '--subresource=status', '-n', 'team-x'],
    ['update', 'kindlingjobs.kindling.dev', '--subresource=status', '-n', 'team-x'],
    ['create', 'pods', '-n', 'team-x'],
    ['delete', 'pods', '-n', 'team-x'],
    ['watch', 'pods', '--all-namespaces'],
    ['create', 'services', '-n', 'team-x'],
    ['create', 'secrets', '-n', 'team-x'],
    ['get', 'secrets', '-n', 'team-x'],
    ['delete', 'secrets', '-n', 'team-x'],
    ['create', 'networkpolicies.networking.k8s.io', '-n', 'team-x'],
    ['get', 'networkpolicies.networking.k8s.io', '-n', 'team-x'],
    ['delete', 'networkpolicies.networking.k8s.io', '-n', 'team-x'],
    ['create', 'serviceaccounts', '-n', 'team-x'],
    ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team-x'],
    ['bind', 'clusterroles.rbac.authorization.k8s.io/kindling-coordinator', '-n', 'team-x'],
    ['create', 'events', '-n', 'team-x'],
    ['create', 'events.events.k8s.io', '-n', 'team-x'],
    ['get', 'leases.coordination.k8s.io', '-n', 'default'],
    ['create', 'leases.coordination.k8s.io', '-n', 'default'],
    ['update', 'leases.coordination.k8s.io', '-n', 'default'],
  ];
  const denied: string[][] = [
    ['update', 'kindlingjobs.kindling.dev', '-n', 'team-x'],
    ['patch', 'kindlingjobs.kindling.dev', '-n', 'team-x'],
    ['delete', 'kindlingjobs.kindling.dev', '-n', 'team-x'],
    ['create', 'kindlingjobs.kindling.dev', '-n', 'team-x'],
    ['list', 'secrets', '-n', 'team-x'],
    ['update', 'secrets', '-n', 'team-x'],
    ['update', 'pods', '-n', 'team-x'],
    ['list', 'networkpolicies.networking.k8s.io', '-n', 'team-x'],
    ['update', 'networkpolicies.networking.k8s.io', '-n', 'team-x'],
    ['patch', 'networkpolicies.networking.k8s.io', '-n', 'team-x'],
    ['create', 'pods', '--subresource=exec', '-n', 'team-x'],
    ['create', 'deployments.apps', '-n', 'team-x'],
    ['create', 'jobs.batch', '-n', 'team-x'],
    ['delete', 'namespaces'],
    ['list', 'nodes'],
    ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
    ['create', 'roles.rbac.authorization.k8s.io', '-n', 'team-x'],
    ['update', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team-x'],
    ['bind', 'clusterroles.rbac.authorization.k8s.io/admin', '-n', 'team-x'],
    ['escalate', 'clusterroles.rbac.authorization.k8s.io'],
    ['update', 'leases.coordination.k8s.io', '-n', 'kube-system'],
    ['create', 'leases.coordination.k8s.io', '-n', 'team-x'],
    ['update', 'customresourcedefinitions.apiextensions.k8s.io'],
  ];
  const check = async (as: string, want: boolean, list: string[][]) => {
    const wrong: string[] = [];
    for (const args of list) if ((await can(as, args)) !== want) wrong.push(args.join(' '));
    assert.deepEqual(wrong, [], `${as} should ${want ? '' : 'NOT '}be able to: ${wrong.join('; ')}`);
  };
  await check(OPERATOR, true, allowed);
  await check(OPERATOR, false, denied);

  // The scoped release: team-a only (and its Lease in its own namespace).
  await check(SCOPED, true, [
    ['create', 'pods', '-n', 'team-a'],
    ['list', 'kindlingjobs.kindling.dev', '-n', 'team-a'],
    ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team-a'],
    ['create', 'networkpolicies.networking.k8s.io', '-n', 'team-a'],
    ['bind', 'clusterroles.rbac.authorization.k8s.io/scoped-kindling-coordinator', '-n', 'team-a'],
    ['update', 'leases.coordination.k8s.io', '-n', 'kindling-system'],
  ]);
  await check(SCOPED, false, [
    ['create', 'pods', '-n', 'default'],
    ['create', 'pods', '-n', 'kindling-system'],
    ['list', 'kindlingjobs.kindling.dev', '--all-namespaces'],
    ['list', 'kindlingjobs.kindling.dev', '-n', 'default'],
    ['create', 'secrets', '-n', 'default'],
    ['create', 'networkpolicies.networking.k8s.io', '-n', 'default'],
    ['bind', 'clusterroles.rbac.authorization.k8s.io/scoped-kindling-coordinator', '-n', 'default'],
    ['update', 'leases.coordination.k8s.io', '-n', 'default'],
  ]);

  // ---- the operator's own calls, impersonated: what it does for a job in team-x
  const asOperator = (args: string[], input?: string) => k([`--as=${OPERATOR}`, ...args], input);
  await k(['apply', '-n', 'team-x', '-f', '-'], `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: price }
spec:
  analysis: price-sensitivity
  input: { uri: "s3://kindling/events/2019-Nov/", format: csv }
  output: { uri: "s3://kindling/results/price-sensitivity/" }
`);
  await asOperator(['create', 'serviceaccount', 'kindling-coordinator', '-n', 'team-x']);
  await asOperator(['create', 'rolebinding', 'kindling-coordinator', '-n', 'team-x', '--clusterrole=kindling-coordinator', '--serviceaccount=team-x:kindling-coordinator']);
  await assert.rejects(
    asOperator(['create', 'rolebinding', 'sneaky', '-n', 'team-x', '--clusterrole=admin', '--serviceaccount=team-x:kindling-coordinator']),
    /forbidden/,
    'the operator must not be able to grant other roles',
  );
  await asOperator(['create', 'secret', 'generic', 'price-token', '-n', 'team-x', '--from-literal=token=x']);
  await asOperator(['patch', 'kj', 'price', '-n', 'team-x', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
  assert.equal(await k(['get', 'kj', 'price', '-n', 'team-x', '-o', 'jsonpath={.status.phase}']), 'Running');
  await assert.rejects(asOperator(['patch', 'kj', 'price', '-n', 'team-x', '--type=merge', '-p', '{"spec":{"analysis":"engagement"}}']), /forbidden/);

  // ---- the coordinator, through the RoleBinding the operator just made
  const COORD = 'system:serviceaccount:team-x:kindling-coordinator';
  await check(COORD, true, [
    ['create', 'pods', '-n', 'team-x'],
    ['watch', 'pods', '-n', 'team-x'],
    ['delete', 'pods', '-n', 'team-x'],
    ['get', 'kindlingjobs.kindling.dev', '-n', 'team-x'],
    ['patch', 'kindlingjobs.kindling.dev', '--subresource=status', '-n', 'team-x'],
    ['create', 'events', '-n', 'team-x'],
    ['get', 'pods', '--subresource=log', '-n', 'team-x'],
  ]);
  await check(COORD, false, [
    ['create', 'pods', '-n', 'team-a'],
    ['get', 'secrets', '-n', 'team-x'],
    ['patch', 'kindlingjobs.kindling.dev', '-n', 'team-x'],
    ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team-x'],
  ]);

  // ---- users: the aggregated roles put KindlingJobs into the built-in edit and view roles
  await k(['create', 'rolebinding', 'alice-edit', '-n', 'team-x', '--clusterrole=edit', '--user=alice']);
  await k(['create', 'rolebinding', 'bob-view', '-n', 'team-x', '--clusterrole=view', '--user=bob']);
  await until('kindlingjobs aggregated into edit', async () => ((await can('alice', ['create', 'kindlingjobs.kindling.dev', '-n', 'team-x'])) ? true : undefined), 30_000);
  await until('kindlingjobs aggregated into view', async () => ((await can('bob', ['list', 'kindlingjobs.kindling.dev', '-n', 'team-x'])) ? true : undefined), 30_000);
  assert.equal(await can('bob', ['create', 'kindlingjobs.kindling.dev', '-n', 'team-x']), false);
  assert.equal(await can('alice', ['patch', 'kindlingjobs.kindling.dev', '--subresource=status', '-n', 'team-x']), false);

  // ---- helm upgrade (the CRD is left alone by helm; the chart's objects update in place)
  await helm(['upgrade', 'kindling', CHART, '--namespace', 'default', '--reuse-values', '--set', 'operator.replicas=2', '--no-hooks']);
  assert.equal(await k(['get', 'deployment', 'kindling-operator', '-n', 'default', '-o', 'jsonpath={.spec.replicas}']), '2');
});
