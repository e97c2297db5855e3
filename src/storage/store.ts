/**
 * The ObjectStore interface: everything kindling reads and writes goes through it, so the
 * local disk and S3 are interchangeable. Keys are URIs as the user wrote them (a local path
 * or file:// URI for LocalStore, s3://bucket/key for S3Store).
 */
export interface ObjectInfo {
  uri: string;
  size: number;
  /** A version tag (mtime+size for files, the etag for S3) to detect changes mid-job. */
  etag: string;
}

/** Read options: `etag` pins the version planned; a changed object is INPUT_CHANGED. */
export interface ReadOptions {
  etag?: string;
  /** Where the reader expects to stop (it may read a little past it): lets a store bound its requests. */
  end?: number;
}

export interface ObjectStore {
  readonly scheme: string;
  /** Objects under a prefix (a directory), or matching a glob, or the single object named. Sorted by uri. */
  list(uriOrGlob: string): Promise<ObjectInfo[]>;
  head(uri: string): Promise<ObjectInfo | undefined>;
  /** Bytes [start, end) of an object (end exclusive, clamped to the size). */
  readRange(uri: string, start: number, end: number, opts?: ReadOptions): Promise<Uint8Array>;
  /** A stream of the whole object from `start`, in chunks. */
  readStream(uri: string, start?: number, chunkSize?: number, opts?: ReadOptions): AsyncIterable<Uint8Array>;
  readAll(uri: string): Promise<Uint8Array>;
  /** Writes atomically: readers see the old object or the whole new one, never a part. */
  write(uri: string, data: Uint8Array | string): Promise<void>;
  /** Writes only if no object exists yet; returns false when one does. */
  writeIfAbsent(uri: string, data: Uint8Array | string): Promise<boolean>;
  /** Moves an object (a rename on disk; copy + delete on object stores). */
  rename(from: string, to: string): Promise<void>;
  delete(uri: string): Promise<void>;
  /** Deletes every object under a prefix. */
  deletePrefix(uri: string): Promise<void>;
  /** Joins a base URI and relative parts with '/'. */
  join(base: string, ...parts: string[]): string;
  /** Object stores: creates the bucket of `uri` unless it exists (true when created). */
  ensureBucket?(uri: string): Promise<boolean>;
}

/** Joins a base URI and relative parts with single slashes (the same for every store). */
export function joinUri(base: string, ...parts: string[]): string {
  let out = base.replace(/\/+$/, '');
  for (const p of parts) out += '/' + p.replace(/^\/+/, '');
  return out;
}
