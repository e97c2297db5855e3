/**
 * The generated KindlingJob CRD on a real kube-apiserver: it is accepted and established,
 * the example jobs apply and list under the short name `kj` with the printer columns, and
 * the API server itself rejects what the schema forbids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startOrSkip } from '../helpers/k8s.js';

const CRD = fileURLToPath(new URL('../../../charts/kindling/crds/kindlingjobs.kindling.dev.yaml', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../k8s/examples/', import.meta.url));

const bad = (spec: string) => `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: bad }
spec:
${spec}`;

test('the KindlingJob CRD on a real API server: established, examples apply, invalid specs rejected', { timeout: 300_000 }, async (t) => {
  const cluster = await startOrSkip(t);
  if (!cluster) return;
  const k = cluster.kubectlRun;
  await k(['apply', '--server-side', '-f', CRD]);
  await k(['wait', '--for=condition=Established', '--timeout=60s', 'crd/kindlingjobs.kindling.dev']);
  await k(['apply', '-f', EXAMPLES]);
  const list = await k(['get', 'kj']);
  assert.match(list, /^NAME\s+PHASE\s+PROGRESS\s+WORKERS\s+AGE/m);
  for (const name of ['price-sensitivity', 'engagement', 'top-category-brand']) assert.match(list, new RegExp(`^${name}\\s`, 'm'));
  const stored = JSON.parse(await k(['get', 'kj', 'engagement', '-o', 'json'])) as { spec: { storage: { endpoint: string }; input: { uri: string } } };
  assert.equal(stored.spec.input.uri, 's3://kindling/events/2019-Nov/');

  const rejected = async (doc: string, pattern: RegExp) => {
    await assert.rejects(k(['apply', '--validate=strict', '-f', '-'], doc), (e: Error) => pattern.test(e.message), `expected ${pattern}`);
  };
  await rejected(bad('  analysis: funnel\n  input: { uri: s3://e/, format: csv }\n  output: { uri: s3://r/ }\n'), /spec\.analysis: Unsupported value: "funnel"/);
  await rejected(bad('  analysis: engagement\n  input: { uri: s3://e/, format: json }\n  output: { uri: s3://r/ }\n'), /spec\.input\.format: Unsupported value: "json"/);
  await rejected(bad('  analysis: engagement\n  input: { uri: s3://e/, format: csv }\n  output: { uri: s3://r/ }\n  workers: { replicas: 0 }\n'), /spec\.workers\.replicas: Invalid value: 0/);
  await rejected(bad('  analysis: engagement\n  input: { uri: s3://e/, format: csv }\n'), /spec\.output: Required value/);
  await rejected(bad('  analysis: engagement\n  input: { uri: s3://e/, format: csv, colour: red }\n  output: { uri: s3://r/ }\n'), /unknown field "spec\.input\.colour"/);
  await rejected(bad('  analysis: engagement\n  input: { uri: s3://e/, format: csv, onBadRecord: drop }\n  output: { uri: s3://r/ }\n'), /spec\.input\.onBadRecord: Unsupported value: "drop"/);
  // maxBadRecords is a count, a fraction or a percentage: the API server takes any value there
  for (const [i, limit] of ['10', '0.001', '"0.1%"'].entries()) {
    await k(['apply', '--validate=strict', '-f', '-'], bad(`  analysis: engagement\n  input: { uri: s3://e/, format: csv, onBadRecord: quarantine, maxBadRecords: ${limit} }\n  output: { uri: s3://r/ }\n`).replace('name: bad', `name: limit-${i}`));
  }
  const limits = JSON.parse(await k(['get', 'kj', 'limit-0', 'limit-1', 'limit-2', '-o', 'json'])) as { items: { spec: { input: { maxBadRecords: unknown } } }[] };
  assert.deepEqual(limits.items.map((j) => j.spec.input.maxBadRecords), [10, 0.001, '0.1%']);
});
