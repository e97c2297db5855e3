/** spec.input.onBadRecord and maxBadRecords: defaults, parsing, and errors with field paths and allowed values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAnalysisJob } from '../../src/spec/load.js';
import { KindlingError } from '../../src/common/errors.js';
import { kindlingJobCrd } from '../../src/operator/crd.js';

const spec = (input: string) => `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: ps }
spec:
  analysis: price-sensitivity
  input: { uri: data/, format: csv${input} }
  output: { uri: out/ }
`;

function message(text: string): string {
  try {
    loadAnalysisJob(text);
  } catch (e) {
    assert.ok(e instanceof KindlingError, String(e));
    assert.equal(e.code, 'SPEC_INVALID');
    return e.message;
  }
  return assert.fail('expected SPEC_INVALID');
}

test('defaults: fail on the first bad record, no limit', () => {
  const j = loadAnalysisJob(spec(''));
  assert.equal(j.input.onBadRecord, 'fail');
  assert.equal(j.input.maxBadRecords, undefined);
  assert.equal(loadAnalysisJob(spec(', onBadRecord: skip')).input.maxBadRecords, undefined, 'skip without a limit: no limit');
});

test('maxBadRecords: an integer is a count, a number in (0, 1) a fraction, "x%" a percentage', () => {
  const limit = (v: string) => loadAnalysisJob(spec(`, onBadRecord: quarantine, maxBadRecords: ${v}`)).input.maxBadRecords;
  assert.deepEqual(limit('0'), { count: 0, spec: 0 });
  assert.deepEqual(limit('1'), { count: 1, spec: 1 }, '1 is one record, not 100%');
  assert.deepEqual(limit('250'), { count: 250, spec: 250 });
  assert.deepEqual(limit('0.001'), { fraction: 0.001, spec: 0.001 });
  assert.deepEqual(limit('"0.1%"'), { fraction: 0.001, spec: '0.1%' });
  assert.deepEqual(limit('"100%"'), { fraction: 1, spec: '100%' });
  assert.deepEqual(loadAnalysisJob(spec(', onBadRecord: skip'), { sets: ['spec.input.maxBadRecords=2%'] }).input.maxBadRecords, { fraction: 0.02, spec: '2%' });
});

test('bad values name the field path and what is allowed', () => {
  assert.match(message(spec(', onBadRecord: drop')), /spec\.input\.onBadRecord: must be one of fail, skip, quarantine \(got "drop"\)/);
  const allowed = /spec\.input\.maxBadRecords: must be a count \(an integer >= 0\), a fraction of the records read between 0 and 1 \(e\.g\. 0\.001\), or a percentage \(e\.g\. "0\.1%"\)/;
  for (const v of ['1.5', '-1', '"lots"', '"0.1"', 'true', '[1]']) {
    const m = message(spec(`, onBadRecord: skip, maxBadRecords: ${v}`));
    assert.match(m, allowed, v);
    assert.match(m, /\(got /, v);
  }
  assert.match(message(spec(', onBadRecord: skip, maxBadRecords: "150%"')), /spec\.input\.maxBadRecords: a percentage must be at most 100% \(got "150%"\)/);
  assert.match(message(spec(', maxBadRecords: 10')), /spec\.input\.maxBadRecords: applies only with spec\.input\.onBadRecord skip or quarantine/);
  assert.match(message(spec(', onBadRecord: fail, maxBadRecords: 10')), /applies only with spec\.input\.onBadRecord skip or quarantine \(onBadRecord is fail/);
  // every problem at once
  const m = message(spec(', onBadRecord: skipp, maxBadRecords: -2'));
  assert.match(m, /spec\.input\.onBadRecord: must be one of/);
  assert.match(m, /spec\.input\.maxBadRecords: must be a count/);
});

test('the CRD takes onBadRecord as an enum and maxBadRecords as any value (the coordinator validates it)', () => {
  const crd = kindlingJobCrd() as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { input: { properties: Record<string, Record<string, unknown>> } } } } } } }[] } };
  const input = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.input.properties;
  assert.deepEqual(input.onBadRecord.enum, ['fail', 'skip', 'quarantine']);
  assert.equal(input.onBadRecord.type, 'string');
  assert.equal(input.maxBadRecords['x-kubernetes-preserve-unknown-fields'], true);
  assert.equal(input.maxBadRecords.type, undefined);
  assert.match(String(input.maxBadRecords.description), /a count/);
});

test('a SQL table’s maxBadRecords: a count fails as soon as it is exceeded, a fraction only once every scan task has finished', async () => {
  const { tableBadRecordLimit } = await import('../../src/plan/bad-records.js');
  const t = (spec: number | string, limit: { count?: number; fraction?: number }) => ({ name: 'events', uri: 'in/', maxBadRecords: { ...limit, spec } }) as never;
  assert.equal(tableBadRecordLimit(t(2, { count: 2 }), 2, 10, false), undefined);
  assert.match(tableBadRecordLimit(t(2, { count: 2 }), 3, 10, false)!.message, /table events: 3 bad record\(s\) of 10 read, more than spec\.tables\.events\.maxBadRecords \(2\)/);
  assert.equal(tableBadRecordLimit(t('1%', { fraction: 0.01 }), 5, 100, false), undefined, 'the tasks still running may read many good records');
  assert.equal(tableBadRecordLimit(t('1%', { fraction: 0.01 }), 5, 1000, true), undefined);
  assert.ok(tableBadRecordLimit(t('1%', { fraction: 0.01 }), 5, 100, true) instanceof KindlingError);
});
