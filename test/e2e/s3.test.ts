/**
 * Jobs with input, shuffle and output on a real MinIO equal DuckDB on the same data (the
 * committed output is downloaded to compare), mixed local/S3 runs work, the shuffle prefix
 * is gone after the commit, S3 failures are explained, and no credential leaks anywhere.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generateEvents } from '../../src/gen/generate.js';
import { S3Store } from '../../src/storage/s3.js';
import { configureStorage } from '../../src/storage/index.js';
import { compareWithOracle, duck } from '../helpers/oracle.js';
import { TABLES, job, run, tempDir } from '../helpers/jobs.js';
import { runLocal } from '../../src/cli/run.js';
import { physicalPlan } from '../../src/plan/physical.js';
import { Scheduler } from '../../src/coordinator/scheduler.js';
import { runMapTask } from '../../src/exec/map-task.js';
import { KindlingError } from '../../src/common/errors.js';
import type { MapTask } from '../../src/plan/tasks.js';
import { downloadOutput, minioStore, upload } from '../helpers/s3.js';
import { MINIO_SKIP_REASON, startMinio, type Minio } from '../helpers/minio.js';

const BIN = fileURLToPath(new URL('../../../bin/kindling.js', import.meta.url));

describe('jobs on MinIO', async () => {
  const minio: Minio | undefined = await startMinio();
  if (!minio) {
    test('jobs on MinIO', { skip: MINIO_SKIP_REASON }, () => undefined);
    return;
  }
  let dir: string;
  let files: string[];
  let s3: S3Store;
  let c: DuckDBConnection;
  const env = () => ({ ...process.env, CI: 'true', AWS_ENDPOINT_URL: minio.endpoint, AWS_ACCESS_KEY_ID: minio.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.secretAccessKey, AWS_REGION: minio.region });

  before(async () => {
    s3 = await minioStore(minio, ['events', 'results', 'kindling-shuffle']);
    configureStorage({ endpoint: minio.endpoint });
    dir = tempDir();
    files = (await generateEvents({ rows: 40_000, files: 3, seed: 21, out: join(dir, 'events'), gzip: false })).files.map((f) => f.uri);
    await upload(s3, files, 's3://events/gen/');
    c = await duck();
  });
  after(async () => {
    configureStorage({});
    rmSync(dir, { recursive: true, force: true });
    await minio.dispose();
  });

  const download = (uri: string, table: string) => downloadOutput(s3, uri, table, join(dir, 'dl', `${table}-${Math.random().toString(36).slice(2)}`));

  for (const analysis of Object.keys(TABLES)) {
    test(`${analysis}: input, shuffle and output on MinIO equal DuckDB; the shuffle prefix is deleted`, async () => {
      const out = `s3://results/${analysis}`;
      const m = await run(job(analysis, 's3://events/gen/', out, {
        storage: { endpoint: minio.endpoint }, input: { splitSize: 900_000 }, shuffle: { partitions: 4, uri: 's3://kindling-shuffle/' },
      }));
      assert.equal(m.counters.inputRows, 40_000);
      assert.ok(m.timings.stages[0].tasks > 3, 'several splits per object');
      const r = await compareWithOracle(c, analysis, files, await download(out, TABLES[analysis]), TABLES[analysis]);
      assert.deepEqual(r.mismatches, []);
      assert.ok(r.expected > 0);
      assert.deepEqual(await s3.list('s3://kindling-shuffle/'), [], 'no shuffle data left');
      assert.deepEqual((await s3.list(`${out}/_temporary/`)).length, 0, 'no staging data left');
    });
  }

  test('mixed storage: local input to S3 output, and S3 input to local output', async () => {
    const a = await run(job('engagement', join(dir, 'events'), 's3://results/mixed-a', { storage: { endpoint: minio.endpoint } }));
    const b = await run(job('engagement', 's3://events/gen/', join(dir, 'mixed-b'), { storage: { endpoint: minio.endpoint } }));
    assert.equal(a.tables.top_users.rows, b.tables.top_users.rows);
    const ra = await compareWithOracle(c, 'engagement', files, await download('s3://results/mixed-a', 'top_users'), 'top_users');
    const rb = await compareWithOracle(c, 'engagement', files, join(dir, 'mixed-b'), 'top_users');
    assert.deepEqual([ra.mismatches, rb.mismatches], [[], []]);
  });

  test('the CLI on S3: the secret key appears in no output, log, plan or manifest', () => {
    const spec = join(dir, 'secret.yaml');
    writeFileSync(spec, `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: secret-check }
spec:
  analysis: price-sensitivity
  storage: { endpoint: "${minio.endpoint}" }
  input: { uri: "s3://events/gen/", format: csv }
  output: { uri: "s3://results/secret-check/" }
`);
    const log = join(dir, 'secret.log');
    const r1 = spawnSync(process.execPath, [BIN, 'run', spec, '--json', '--log-level', 'debug', '--log-file', log], { env: env(), encoding: 'utf8' });
    assert.equal(r1.status, 0, r1.stderr);
    const r2 = spawnSync(process.execPath, [BIN, 'plan', spec, '--json'], { env: env(), encoding: 'utf8' });
    assert.equal(r2.status, 0, r2.stderr);
    const bad = spawnSync(process.execPath, [BIN, 'run', spec, '--set', 'spec.input.uri=s3://no-such-bucket/x/'], { env: env(), encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    const everything = [r1.stdout, r1.stderr, r2.stdout, r2.stderr, bad.stdout, bad.stderr, readFileSync(log, 'utf8')].join('\n');
    assert.ok(everything.length > 1000, 'there was output to scan');
    assert.ok(!everything.includes(minio.secretAccessKey), 'the secret key leaked');
    assert.ok(!everything.includes(minio.accessKeyId), 'the access key id leaked');
  });

  test('--keep-shuffle keeps the run\'s shuffle objects on S3', async () => {
    const out = 's3://results/keep';
    const m = await runLocal(job('top-category-brand', 's3://events/gen/', out, { storage: { endpoint: minio.endpoint }, shuffle: { partitions: 2 } }), { quiet: true, keepShuffle: true });
    const kept = await s3.list(`${out}/_shuffle/${m.runId}/`);
    assert.equal(kept.length, 2 * m.timings.stages[0].tasks, 'a data file and an index per map task');
    await s3.deletePrefix(`${out}/_shuffle/`);
  });

  test('an object deleted between planning and reading: INPUT_NOT_FOUND naming it', async () => {
    await s3.write('s3://events/vanish/a.csv', readFileSync(files[0]));
    const plan = await physicalPlan(job('engagement', 's3://events/vanish/', 's3://results/vanish', { storage: { endpoint: minio.endpoint } }));
    await s3.delete('s3://events/vanish/a.csv');
    const task = new Scheduler(plan).assign('w') as MapTask;
    await assert.rejects(runMapTask(task), (e: unknown) => e instanceof KindlingError && e.code === 'INPUT_NOT_FOUND' && /s3:\/\/events\/vanish\/a\.csv/.test(e.message));
  });

  test('an object replaced between planning and reading: INPUT_CHANGED (If-Match)', async () => {
    await s3.write('s3://events/change/a.csv', readFileSync(files[0]));
    const plan = await physicalPlan(job('engagement', 's3://events/change/', 's3://results/change', { storage: { endpoint: minio.endpoint } }));
    await s3.write('s3://events/change/a.csv', readFileSync(files[1]));
    const task = new Scheduler(plan).assign('w') as MapTask;
    await assert.rejects(runMapTask(task), (e: unknown) => e instanceof KindlingError && e.code === 'INPUT_CHANGED');
  });

  test('generate --create-bucket makes the bucket once and then writes into it', async () => {
    const gen = () =>
      spawnSync(process.execPath, [BIN, 'generate', '--rows', '500', '--create-bucket', '--out', 's3://seeded/events/'], { env: env(), encoding: 'utf8', timeout: 60_000 });
    const first = gen();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /created the bucket of s3:\/\/seeded\/events\//);
    const again = gen();
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /created the bucket/);
    assert.equal((await s3.list('s3://seeded/events/')).length, 1);
  });

  test('clear errors: missing bucket, wrong credentials, unreachable endpoint', () => {
    const spec = join(dir, 'errors.yaml');
    writeFileSync(spec, `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: errors }
spec:
  analysis: engagement
  input: { uri: "s3://events/gen/", format: csv }
  output: { uri: "s3://results/errors/" }
`);
    const kindling = (extraEnv: Record<string, string>, ...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'run', spec, ...args], { env: { ...env(), ...extraEnv }, encoding: 'utf8', timeout: 120_000 });
    const missing = kindling({}, '--set', 'spec.input.uri=s3://no-such-bucket/events/');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /bucket no-such-bucket does not exist .*create the bucket or fix the URI \[STORAGE\]/);
    const creds = kindling({ AWS_SECRET_ACCESS_KEY: 'not-the-right-secret' });
    assert.equal(creds.status, 1);
    assert.match(creds.stderr, /credentials were rejected .*AWS_ACCESS_KEY_ID/);
    assert.ok(!creds.stderr.includes('not-the-right-secret'));
    const none = kindling({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_CONFIG_FILE: join(dir, 'none') });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no S3 credentials found .*set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/);
    const down = kindling({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    assert.equal(down.status, 1);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:9 .*ECONNREFUSED/);
    assert.deepEqual(readdirSync(dir).filter((f) => f === 'errors'), []);
  });
});
