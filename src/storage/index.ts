import { KindlingError } from '../common/errors.js';
import { LocalStore } from './local.js';
import { S3Store, type S3Options } from './s3.js';
import type { ObjectStore } from './store.js';

export type { ObjectStore, ObjectInfo, ReadOptions } from './store.js';

/** Where S3 is (spec.storage), without credentials: those come from the SDK's default chain. */
export interface StorageConfig {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
}

const local = new LocalStore();
let config: StorageConfig = {};
let s3: S3Store | undefined;

/** Sets the S3 settings of this process (the coordinator from the spec; workers from each task). */
export function configureStorage(c: StorageConfig = {}): void {
  if (JSON.stringify(c) === JSON.stringify(config)) return;
  config = { ...c };
  s3 = undefined;
}

/** spec.storage, then the standard AWS variables (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION). */
export function s3Options(c: StorageConfig = config, env: NodeJS.ProcessEnv = process.env): S3Options {
  const endpoint = c.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? undefined;
  return {
    endpoint: endpoint || undefined,
    region: c.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // A custom endpoint (MinIO) almost always wants path-style addressing.
    forcePathStyle: c.forcePathStyle ?? Boolean(endpoint),
  };
}

export function schemeOf(uri: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  return m ? m[1].toLowerCase() : 'file';
}

/** The store for a URI, by its scheme. */
export function storeFor(uri: string): ObjectStore {
  const scheme = schemeOf(uri);
  if (scheme === 'file') return local;
  if (scheme === 's3') return (s3 ??= new S3Store(s3Options()));
  throw new KindlingError('USAGE', `unsupported storage scheme "${scheme}://" in ${uri}`, {
    hint: 'use a local path, a file:// URI or an s3:// URI',
  });
}
