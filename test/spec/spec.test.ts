import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAnalysisJob, parseSize } from '../../src/spec/load.js';
import { logicalPlan } from '../../src/plan/physical.js';
import { KindlingError } from '../../src/common/errors.js';
import { errorOf } from '../helpers/errors.js';

const base = `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata:
  name: ps
spec:
  analysis: price-sensitivity
  input:
    uri: data/events/
    format: csv
  output:
    uri: out/ps/
`;


test('defaults are filled in', () => {
  const job = loadAnalysisJob(base);
  assert.deepEqual(job.workers, { replicas: 2, threads: 1, startTimeoutSeconds: 300, maxReplacements: 4, pod: {} });
  assert.deepEqual(job.coordinator, { maxRestarts: 3, pod: {} });
  assert.equal(job.ttlSecondsAfterFinished, undefined);
  assert.equal(job.shuffle.partitions, 8);
  assert.equal(job.input.splitSize, 64 * 1024 * 1024);
  assert.equal(job.output.compression, 'zstd');
  assert.equal(job.input.header, true);
  assert.equal(job.maxTaskAttempts, 4);
  assert.equal(job.speculation, true);
  assert.equal(loadAnalysisJob(base, { sets: ['spec.workers.replicas=3'] }).workers.maxReplacements, 6, 'replacements default to 2 x replicas');
});

test('--set overrides fields, parsing values as YAML', () => {
  const job = loadAnalysisJob(base, { sets: ['spec.workers.replicas=4', 'spec.input.splitSize=1MiB', 'spec.params.bandEdges=[5, 50]'] });
  assert.equal(job.workers.replicas, 4);
  assert.equal(job.input.splitSize, 1024 * 1024);
  assert.deepEqual(job.params, { bandEdges: [5, 50] });
});

test('a wrong enum names the field path and the allowed values', () => {
  const e = errorOf(() => loadAnalysisJob(base.replace('format: csv', 'format: json')));
  assert.equal(e.code, 'SPEC_INVALID');
  assert.match(e.message, /spec\.input\.format: must be one of csv \(got "json"\)/);
});

test('unknown analyses, unknown fields, wrong types and bad sizes are rejected with paths', () => {
  assert.match(errorOf(() => loadAnalysisJob(base.replace('analysis: price-sensitivity', 'analysis: funnel'))).message, /spec\.analysis: must be one of price-sensitivity, engagement, top-category-brand/);
  assert.match(errorOf(() => loadAnalysisJob(base + '  colour: red\n')).message, /spec\.colour: unknown field; allowed: analysis, params, tables, sql, storage, input/);
  assert.match(errorOf(() => loadAnalysisJob(base, { sets: ['spec.workers.replicas=two'] })).message, /spec\.workers\.replicas: must be an integer \(got "two"\)/);
  assert.match(errorOf(() => loadAnalysisJob(base, { sets: ['spec.workers.replicas=0'] })).message, /spec\.workers\.replicas: must be >= 1/);
  assert.match(errorOf(() => loadAnalysisJob(base, { sets: ['spec.input.splitSize=64 parsecs'] })).message, /spec\.input\.splitSize: must be bytes, or a size such as 64MiB/);
  assert.match(errorOf(() => loadAnalysisJob(base.replace('name: ps', 'name: Price_Sensitivity'))).message, /metadata\.name: must be a DNS-1123 label/);
  assert.match(errorOf(() => loadAnalysisJob(base.replace('    uri: out/ps/\n', '    compression: zstd\n'))).message, /spec\.output\.uri: is required/);
});

test('every problem is reported at once', () => {
  const e = errorOf(() => loadAnalysisJob(base, { sets: ['spec.workers.threads=-1', 'spec.shuffle.partitions=x'] }));
  assert.match(e.message, /spec\.shuffle\.partitions/);
  assert.match(e.message, /spec\.workers\.threads/);
});

test('analysis params are validated with their paths', () => {
  const e1 = errorOf(() => logicalPlan(loadAnalysisJob(base, { sets: ['spec.params.bandEdges=[50, 10]'] })));
  assert.match(e1.message, /spec\.params\.bandEdges: must be strictly ascending/);
  const e2 = errorOf(() => logicalPlan(loadAnalysisJob(base, { sets: ['spec.params.topN=3'] })));
  assert.match(e2.message, /spec\.params\.topN: unknown field; allowed: bandEdges/);
  const e3 = errorOf(() => logicalPlan(loadAnalysisJob(base.replace('price-sensitivity', 'engagement'), { sets: ['spec.params.topN=0'] })));
  assert.match(e3.message, /spec\.params\.topN: must be >= 1/);
});

test('YAML syntax errors are reported with a line', () => {
  const e = errorOf(() => loadAnalysisJob('spec: [unclosed\n  a: b', { source: 'job.yaml' }));
  assert.equal(e.code, 'SPEC_PARSE');
  assert.match(e.message, /job\.yaml/);
});

test('sizes', () => {
  assert.equal(parseSize('64MiB'), 64 * 1024 * 1024);
  assert.equal(parseSize('1.5KB'), 1500);
  assert.equal(parseSize('100'), 100);
  assert.equal(parseSize(4096), 4096);
});

test('every example job spec (examples/ and k8s/examples/) validates and plans', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  let count = 0;
  for (const rel of ['../../../examples/', '../../../k8s/examples/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const job = loadAnalysisJob(readFileSync(dir + f, 'utf8'), { source: f });
      assert.ok(logicalPlan(job).output.length > 0, f);
      count++;
    }
  }
  assert.ok(count >= 7, `found ${count} examples`);
});
