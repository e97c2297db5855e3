import { KindlingError } from '../common/errors.js';
import { LocalStore } from './local.js';
import type { ObjectStore } from './store.js';

export type { ObjectStore, ObjectInfo } from './store.js';

const local = new LocalStore();

/** The store for a URI, by its scheme. */
export function storeFor(uri: string): ObjectStore {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  const scheme = m ? m[1].toLowerCase() : 'file';
  if (scheme === 'file') return local;
  throw new KindlingError('USAGE', `unsupported storage scheme "${scheme}://" in ${uri}`, {
    hint: 'use a local path or file:// URI (s3:// arrives with the S3 backend)',
  });
}
