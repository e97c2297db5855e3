import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Store } from '../../src/storage/s3.js';

/** Copies a committed S3 output table (as its _SUCCESS manifest lists it) to a local directory. */
export async function downloadOutput(s3: S3Store, uri: string, table: string, local: string): Promise<string> {
  const manifest = JSON.parse(Buffer.from(await s3.readAll(`${uri}/_SUCCESS`)).toString('utf8'));
  mkdirSync(join(local, table), { recursive: true });
  for (const f of manifest.tables[table].files) writeFileSync(join(local, f.path), await s3.readAll(`${uri}/${f.path}`));
  return local;
}
