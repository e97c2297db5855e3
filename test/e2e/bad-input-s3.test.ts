/**
 * Quarantine with input and output on a real MinIO: the rejects are moved (copy + delete) and, for
 * splits after the first, rewritten with their line in the file; a job over its limit leaves
 * nothing under the output prefix.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { S3Store } from '../../src/storage/s3.js';
import { configureStorage } from '../../src/storage/index.js';
import { KindlingError } from '../../src/common/errors.js';
import { REAL_OCT, job, run } from '../helpers/jobs.js';
import { minioStore } from '../helpers/s3.js';
import { MINIO_SKIP_REASON, startMinio, type Minio } from '../helpers/minio.js';

describe('bad records on MinIO', async () => {
  const minio: Minio | undefined = await startMinio();
  if (!minio) {
    test('bad records on MinIO', { skip: MINIO_SKIP_REASON }, () => undefined);
    return;
  }
  let s3: S3Store;
  // the real sample with a bad line after every 3,000th record: line numbers and offsets are known
  const lines = readFileSync(REAL_OCT, 'utf8').split('\n').filter((l) => l !== '');
  const bad: { line: number; offset: number; text: string }[] = [];
  let text = lines[0] + '\n';
  for (let i = 1; i < lines.length; i++) {
    text += lines[i] + '\n';
    if (i % 3000 === 0) {
      const t = `2019-10-01 00:00:00 UTC,view,1,2,a.b,x,${i}x,5,s`;
      bad.push({ line: i + 2 + bad.length, offset: Buffer.byteLength(text), text: t });
      text += t + '\n';
    }
  }

  before(async () => {
    s3 = await minioStore(minio, ['events', 'results']);
    configureStorage({ endpoint: minio.endpoint });
    await s3.write('s3://events/dirty/e.csv', text);
  });
  after(async () => {
    configureStorage({});
    await minio.dispose();
  });

  test('quarantine: rejects under _rejects/ with file, offset, line and record; the limit fails the job and commits nothing', async () => {
    const out = 's3://results/quarantine';
    const m = await run(job('price-sensitivity', 's3://events/dirty/', out, { input: { splitSize: 300_000, onBadRecord: 'quarantine' }, storage: { endpoint: minio.endpoint } }));
    assert.equal(m.counters.rejectedRows, bad.length);
    assert.equal(m.counters.inputRows, lines.length - 1 + bad.length);
    const rejects = [];
    for (const f of m.rejects!.files) {
      const body = Buffer.from(await s3.readAll(s3.join(out, f.path))).toString('utf8');
      assert.equal(Buffer.byteLength(body), f.bytes);
      rejects.push(...body.trim().split('\n').map((l) => JSON.parse(l)));
    }
    assert.deepEqual(rejects.map((r) => [r.file, r.offset, r.line, r.record]), bad.map((b) => ['s3://events/dirty/e.csv', b.offset, b.line, b.text]));
    assert.ok(m.rejects!.files.length > 1);
    assert.deepEqual((await s3.list('s3://results/quarantine/')).map((o) => o.uri).filter((u) => /_temporary|_shuffle/.test(u)), [], 'no staging or shuffle left');

    const over = 's3://results/over';
    await assert.rejects(run(job('price-sensitivity', 's3://events/dirty/', over, { input: { splitSize: 300_000, onBadRecord: 'quarantine', maxBadRecords: 2 }, storage: { endpoint: minio.endpoint } })),
      (e: unknown) => e instanceof KindlingError && /too many bad records/.test(e.message));
    assert.deepEqual((await s3.list('s3://results/over/')).map((o) => o.uri).filter((u) => !u.includes('/_logs/')), [], 'nothing under the output');
  });
});
