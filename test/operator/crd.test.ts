import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crdYaml } from '../../src/cli/crd.js';
import { kindlingJobCrd } from '../../src/operator/crd.js';

const CHART_CRD = fileURLToPath(new URL('../../../charts/kindling/crds/kindlingjobs.kindling.dev.yaml', import.meta.url));

test('the chart\'s CRD is the one generated from the job spec schema (regenerate: kindling crd > charts/kindling/crds/kindlingjobs.kindling.dev.yaml)', () => {
  assert.equal(readFileSync(CHART_CRD, 'utf8'), crdYaml());
});

test('the CRD schema is structural: enums, int-or-string sizes, free-form params, typed maps, no anyOf or additionalProperties: false', () => {
  const crd = kindlingJobCrd() as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: Record<string, any> } } } }[] } };
  const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
  assert.deepEqual(spec.properties.analysis.enum, ['price-sensitivity', 'engagement', 'top-category-brand']);
  assert.equal(spec.properties.input.properties.splitSize['x-kubernetes-int-or-string'], true);
  assert.equal(spec.properties.params['x-kubernetes-preserve-unknown-fields'], true);
  assert.deepEqual(spec.required, ['output'], 'analysis xor sql (with tables): checked by the coordinator and the CLI, not expressible structurally');
  assert.equal(spec.properties.sql.type, 'string');
  assert.equal(spec.properties.tables.additionalProperties.properties.format.enum.join(), 'csv,parquet,jsonl');
  const text = JSON.stringify(crd);
  assert.doesNotMatch(text, /"anyOf"|"additionalProperties":false|"const"|"patternProperties"/);
  // Maps (nodeSelector, resources) are typed through additionalProperties, as Kubernetes' own schemas do.
  const workers = spec.properties.workers.properties;
  assert.deepEqual(workers.nodeSelector.additionalProperties, { type: 'string' });
  assert.equal(workers.resources.properties.limits.additionalProperties['x-kubernetes-int-or-string'], true);
  assert.equal(workers.tolerations.items['x-kubernetes-preserve-unknown-fields'], true);
});
