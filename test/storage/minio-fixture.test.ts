/** The MinIO test fixture: a real server, the AWS SDK against it, and data that survives SIGKILL. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { MINIO_SKIP_REASON, createBucket, s3Client, startMinio } from '../helpers/minio.js';

test('MinIO fixture: bucket, put/get, kill + start keeps the data, stop', async (t) => {
  const m = await startMinio(); // in CI a missing binary throws: the test fails, never skips
  if (!m) return t.skip(MINIO_SKIP_REASON);
  try {
    assert.match(m.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    await createBucket(m, 'fixture');
    const body = 'event_time,event_type\n2019-10-01 00:00:00 UTC,view\n';
    const s3 = s3Client(m);
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'fixture', Key: 'in/a.csv', Body: body }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'fixture', Key: 'in/a.csv' }));
      assert.equal(await got.Body?.transformToString(), body);
    } finally {
      s3.destroy();
    }

    await m.kill();
    await assert.rejects(fetch(`${m.endpoint}/minio/health/ready`), 'nothing listens after kill()');
    await m.start();
    const after = s3Client(m); // a fresh client: no pooled connection to the killed server
    try {
      const buckets = await after.send(new ListBucketsCommand({}));
      assert.deepEqual(buckets.Buckets?.map((b) => b.Name), ['fixture']);
      const got = await after.send(new GetObjectCommand({ Bucket: 'fixture', Key: 'in/a.csv' }));
      assert.equal(await got.Body?.transformToString(), body, 'same port, same data after kill + start');
    } finally {
      after.destroy();
    }

    await m.restart();
    assert.equal((await fetch(`${m.endpoint}/minio/health/ready`)).status, 200);

    await m.stop();
    await assert.rejects(fetch(`${m.endpoint}/minio/health/ready`), 'nothing listens after stop()');
  } finally {
    await m.dispose();
  }
});
