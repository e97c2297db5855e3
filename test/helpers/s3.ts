import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { S3Store } from '../../src/storage/s3.js';
import { createBucket, type Minio } from './minio.js';

/**
 * An S3Store on a test MinIO with these buckets created. The credentials go into this
 * process's environment, where the SDK (and worker processes spawned later) find them.
 */
export async function minioStore(minio: Minio, buckets: string[]): Promise<S3Store> {
  for (const b of buckets) await createBucket(minio, b);
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: minio.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.secretAccessKey, AWS_REGION: minio.region });
  return new S3Store({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true });
}

/** Uploads local files under an s3:// prefix, keeping their names. */
export async function upload(s3: S3Store, files: string[], prefix: string): Promise<void> {
  for (const f of files) await s3.write(`${prefix.replace(/\/$/, '')}/${basename(f)}`, readFileSync(f));
}

/** Copies a committed S3 output table (as its _SUCCESS manifest lists it) to a local directory. */
export async function downloadOutput(s3: S3Store, uri: string, table: string, local: string): Promise<string> {
  const manifest = JSON.parse(Buffer.from(await s3.readAll(s3.join(uri, '_SUCCESS'))).toString('utf8'));
  mkdirSync(join(local, table), { recursive: true });
  for (const f of manifest.tables[table].files) writeFileSync(join(local, f.path), await s3.readAll(s3.join(uri, f.path)));
  return local;
}
