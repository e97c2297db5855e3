/**
 * Fault: MinIO is killed in the middle of a job and started again. The job must either
 * complete with output equal to DuckDB's (SDK and task retries) or fail with a clear storage
 * error; in both cases `_SUCCESS` exists only over complete output.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEvents } from '../../src/gen/generate.js';
import { S3Store } from '../../src/storage/s3.js';
import { compareWithOracle, duck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/jobs.js';
import { downloadOutput, minioStore, upload } from '../helpers/s3.js';
import { MINIO_SKIP_REASON, startMinio, type Minio } from '../helpers/minio.js';

const BIN = fileURLToPath(new URL('../../../bin/kindling.js', import.meta.url));

describe('MinIO stopped mid-job', async () => {
  const minio: Minio | undefined = await startMinio();
  if (!minio) {
    test('MinIO stopped mid-job', { skip: MINIO_SKIP_REASON }, () => undefined);
    return;
  }
  let dir: string;
  let files: string[];
  let s3: S3Store;
  before(async () => {
    s3 = await minioStore(minio, ['events', 'results']);
    dir = tempDir();
    files = (await generateEvents({ rows: 240_000, files: 3, seed: 5, out: join(dir, 'events'), gzip: false })).files.map((f) => f.uri);
    await upload(s3, files, 's3://events/fault/');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await minio.dispose();
  });

  test('the job completes correctly or fails with a storage error; never a _SUCCESS over partial output', async (t) => {
    const spec = join(dir, 'fault.yaml');
    writeFileSync(spec, `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: fault }
spec:
  analysis: engagement
  storage: { endpoint: "${minio.endpoint}" }
  input: { uri: "s3://events/fault/", format: csv, splitSize: 2MiB }
  output: { uri: "s3://results/fault/" }
  shuffle: { partitions: 4 }
`);
    const child = spawn(process.execPath, [BIN, 'run', spec], {
      env: { ...process.env, CI: 'true', AWS_ACCESS_KEY_ID: minio.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.secretAccessKey, AWS_REGION: minio.region },
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // Wait until map tasks have written shuffle data, then take MinIO away for a moment.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await s3.list('s3://results/fault/_shuffle/')).length < 2) await new Promise((r) => setTimeout(r, 50));
    assert.ok(Date.now() < deadline, 'the job started writing shuffle data');
    await minio.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await minio.start();
    const code = await exited;
    const committed = (await s3.head('s3://results/fault/_SUCCESS')) !== undefined;
    t.diagnostic(code === 0 ? 'outcome: the job recovered (SDK and task retries) and committed' : `outcome: the job failed cleanly: ${err.trim().split('\n').pop()}`);
    if (code === 0) {
      assert.ok(committed, 'a successful job has a manifest');
      const local = await downloadOutput(s3, 's3://results/fault', 'top_users', join(dir, 'dl'));
      const r = await compareWithOracle(await duck(), 'engagement', files, local, 'top_users');
      assert.deepEqual(r.mismatches, [], 'output after the fault equals DuckDB');
      assert.equal(r.actual, r.expected);
    } else {
      assert.equal(code, 1, err);
      assert.match(err, /\[(STORAGE|SHUFFLE_FETCH|TASK_FAILED)\]/, 'a clear storage error');
      assert.equal(committed, false, 'no manifest after a failed job');
    }
  });
});
