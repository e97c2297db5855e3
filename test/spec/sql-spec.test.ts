// SQL jobs in the spec: spec.tables and spec.sql load with their defaults, exclude spec.analysis,
// and every error that the spec alone reveals (a field, a schema, the SQL: syntax, names, types,
// unsupported constructs) is a spec error (exit 2) before anything runs, naming the spec file's line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadJob, type SqlJob } from '../../src/spec/load.js';
import { planSqlJob } from '../../src/engine/sql-job.js';
import { KindlingError } from '../../src/common/errors.js';
import { errorOf } from '../helpers/errors.js';
import { exitCodeFor } from '../../src/cli/exit.js';

const spec = (body: string) => `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: funnel }
spec:
${body}
  output: { uri: out/funnel/ }
`;

const TABLES = `  tables:
    events:
      uri: data/events/
      format: csv
      schema: "event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT"
      splitSize: 1MiB
    dims:
      uri: data/dims/
      format: parquet
      schema: [{ name: id, type: BIGINT }, { name: label, type: VARCHAR }]`;


async function planError(sqlLines: string): Promise<KindlingError> {
  const job = loadJob(spec(`${TABLES}\n  sql: |\n${sqlLines.split('\n').map((l) => `    ${l}`).join('\n')}`)) as SqlJob;
  try {
    await planSqlJob(job);
  } catch (e) {
    assert.ok(e instanceof KindlingError, String(e));
    return e;
  }
  assert.fail('expected an error');
}

test('a SQL job loads with its tables, defaults and the line of spec.sql', () => {
  const job = loadJob(spec(`${TABLES}\n  input: { splitSize: 4MiB }\n  sql: |\n    select brand, count(*) as n from events group by brand`));
  assert.ok(job.sql);
  assert.equal(job.analysis, undefined);
  const [events, dims] = job.sql.tables;
  assert.deepEqual(events.csv, { header: true, delimiter: ',', quote: '"', nullValue: '' });
  assert.equal(events.splitSize, 1 << 20);
  assert.equal(dims.splitSize, 4 << 20, 'input.splitSize is every scan’s default');
  assert.equal(dims.schema, 'id BIGINT, label VARCHAR');
  assert.equal(job.sql.firstLine, 17, 'spec.sql’s text starts on line 17 of the file');
  assert.equal(job.output.format, 'parquet');
});

test('spec.analysis and spec.sql exclude each other, and one of them is needed', () => {
  let e = errorOf(() => loadJob(spec(`  analysis: engagement\n  input: { uri: in/, format: csv }\n  sql: select 1`)));
  assert.match(e.message, /spec\.analysis and spec\.sql exclude each other/);
  assert.equal(exitCodeFor(e), 2);
  e = errorOf(() => loadJob(spec('  shuffle: { partitions: 2 }')));
  assert.match(e.message, /needs spec\.sql .* or spec\.analysis/);
  e = errorOf(() => loadJob(spec('  analysis: engagement')));
  assert.match(e.message, /spec\.input: is required with spec\.analysis/);
});

test('field errors of SQL jobs name the field', () => {
  let e = errorOf(() => loadJob(spec(`  tables:\n    t: { uri: x/, format: csv }\n  sql: select 1`)));
  assert.match(e.message, /spec\.tables\.t\.schema: is required for csv tables/);
  e = errorOf(() => loadJob(spec(`  tables:\n    t: { uri: x/, format: parquet, delimiter: ";" }\n  sql: select 1`)));
  assert.match(e.message, /spec\.tables\.t\.delimiter: applies only to csv tables/);
  e = errorOf(() => loadJob(spec(`  input: { uri: x/ }\n  sql: select 1`)));
  assert.match(e.message, /spec\.input\.uri: with spec\.sql, spec\.input holds only splitSize/);
  e = errorOf(() => loadJob(spec(`  tables:\n    "1bad": { uri: x/, format: parquet }\n  sql: select 1`)));
  assert.match(e.message, /spec\.tables\.1bad: a table name is letters/);
  e = errorOf(() => loadJob(spec(`  tables:\n    t: { uri: x/, format: csv, schema: "a BIGINT", onBadRecord: fail, maxBadRecords: 3 }\n  sql: select 1`)));
  assert.match(e.message, /spec\.tables\.t\.maxBadRecords: applies only with spec\.tables\.t\.onBadRecord skip/);
});

test('SQL errors are spec errors naming the line of the spec file, with a caret', async () => {
  let e = await planError('select brand\nfrom events\nwhere price >');
  assert.equal(e.code, 'SPEC_INVALID');
  assert.equal(exitCodeFor(e), 2);
  assert.match(e.message, /spec\.sql line 18, column 14: syntax error at end of input/, 'the end of the script, not the empty line after it');
  e = await planError('select brnd from events');
  assert.match(e.message, /spec\.sql line 16, column 8: .*brnd.*/);
  assert.match(e.message, /brand/, 'suggests the closest column');
  assert.match(e.message, /\n {2}16 \| select brnd from events\n {14}\^/);
  e = await planError('select * from evnts');
  assert.match(e.message, /evnts/);
  assert.match(e.message, /events/);
  e = await planError("select price + 'abc' from events");
  assert.match(e.message, /line 16, column \d+: .*'abc'/);
  e = await planError('select brand from events;\nselect 1;');
  assert.match(e.message, /line 17/);
  e = await planError('select brand, count(distinct user_id) over (partition by brand) as n from events');
  assert.equal(e.code, 'SPEC_INVALID', 'an unsupported construct is refused before anything runs');
  assert.match(e.message, /count\(distinct …\) over a window is not supported yet/);
  e = await planError('select max(event_time) - min(event_time) as span from events');
  assert.match(e.message, /spec\.sql \(writing result\): .*span.*INTERVAL/, 'an output Parquet cannot hold is refused before the job runs');
  e = await planError('select (select max(price) from events e2 where e2.price < events.price) as m from events');
  assert.match(e.message, /a correlated scalar subquery whose correlation is not an equality is not supported yet/);
});

test('a bad table schema is a spec error of that table', async () => {
  const job = loadJob(spec(`  tables:\n    t: { uri: x/, format: csv, schema: "a BIGNT" }\n  sql: select * from t`)) as SqlJob;
  await assert.rejects(planSqlJob(job), (e: unknown) => e instanceof KindlingError && e.code === 'SPEC_INVALID' && /spec\.tables\.t\.schema: column a/.test(e.message));
});
