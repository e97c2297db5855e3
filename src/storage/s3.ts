/**
 * S3Store: the ObjectStore on S3 and S3-compatible servers (MinIO), with @aws-sdk/client-s3.
 * The SDK (~160 ms to load) is imported on first use, so local jobs never pay for it.
 * - listing: ListObjectsV2, paginated, by prefix; globs filter the keys under their fixed prefix
 * - reads: ranged GETs; streams come straight from the response body; If-Match pins an etag
 * - writes: PutObject, or a multipart upload (lib-storage) above 16 MiB that aborts on failure
 * - create-if-absent: PutObject with If-None-Match: * (atomic on S3 and MinIO)
 * - deletes: DeleteObjects in batches of 1000
 * - the SDK's retries with backoff (maxAttempts), keep-alive sockets, bounded per store
 * Credentials come from the SDK's default chain (environment, profile); they never reach a
 * message kindling writes.
 */
import http from 'node:http';
import https from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { KindlingError } from '../common/errors.js';
import { globToRegExp, hasGlob } from './glob.js';
import { joinUri, type ObjectInfo, type ObjectStore, type ReadOptions } from './store.js';
import { s3Error } from './s3-errors.js';
import { ioStats } from './stats.js';

export interface S3Options {
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
}

type Sdk = typeof import('@aws-sdk/client-s3');

const MULTIPART_THRESHOLD = 16 << 20;
const PART_SIZE = 8 << 20;

export function parseS3(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!m) throw new KindlingError('USAGE', `not an s3:// URI: ${uri}`, { hint: 'write s3://bucket/key' });
  return { bucket: m[1], key: m[2] };
}

export class S3Store implements ObjectStore {
  readonly scheme = 's3';
  private sdk?: Promise<{ sdk: Sdk; client: S3Client }>;

  constructor(readonly options: S3Options) {}

  /** Where the store talks to, for messages (never credentials). */
  describe(): string {
    return this.options.endpoint ? `${this.options.endpoint} (region ${this.options.region})` : `AWS S3 (region ${this.options.region})`;
  }

  private client(): Promise<{ sdk: Sdk; client: S3Client }> {
    // The SDK warns on every process that it will want Node 22 from 2027; kindling's engines
    // field says the same to users once, so keep it out of every worker's stderr.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.sdk ??= import('@aws-sdk/client-s3').then((sdk) => {
      const agent = { keepAlive: true, maxSockets: 32 };
      const client = new sdk.S3Client({
        endpoint: this.options.endpoint,
        region: this.options.region,
        forcePathStyle: this.options.forcePathStyle,
        maxAttempts: 5,
        requestHandler: { httpAgent: new http.Agent(agent), httpsAgent: new https.Agent(agent), connectionTimeout: 5000, requestTimeout: 60_000 },
      });
      return { sdk, client };
    });
    return this.sdk;
  }

  /** Sends one command; SDK errors become KindlingErrors naming the URI and operation. */
  private async send<T>(uri: string, op: string, make: (sdk: Sdk) => object): Promise<T> {
    const { sdk, client } = await this.client();
    ioStats.requests++;
    try {
      return (await client.send(make(sdk) as never)) as T;
    } catch (e) {
      throw s3Error(e, uri, op, this.describe());
    }
  }

  async ensureBucket(uri: string): Promise<boolean> {
    const { bucket } = parseS3(uri);
    try {
      await this.send(uri, 'CreateBucket', (s) => new s.CreateBucketCommand({ Bucket: bucket }));
      return true;
    } catch (e) {
      if (/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(String((e as { cause?: unknown }).cause ?? '') + (e as Error).message)) return false;
      throw e;
    }
  }

  join(base: string, ...parts: string[]): string {
    return joinUri(base, ...parts);
  }

  async head(uri: string): Promise<ObjectInfo | undefined> {
    const { bucket, key } = parseS3(uri);
    if (!key || key.endsWith('/')) return undefined;
    try {
      const r = await this.send<{ ContentLength?: number; ETag?: string }>(uri, 'HeadObject', (s) => new s.HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { uri, size: r.ContentLength ?? 0, etag: r.ETag ?? '' };
    } catch (e) {
      if (e instanceof KindlingError && e.code === 'INPUT_NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** Keys under a prefix (a "directory"), matching a glob, or the one object named. */
  async list(uriOrGlob: string): Promise<ObjectInfo[]> {
    const { bucket, key } = parseS3(uriOrGlob);
    const glob = hasGlob(key);
    const prefix = glob ? key.slice(0, key.slice(0, key.search(/[*?[{]/)).lastIndexOf('/') + 1) : key;
    const re = glob ? globToRegExp(key) : undefined;
    if (!glob && key && !key.endsWith('/')) {
      const one = await this.head(uriOrGlob);
      if (one) return [one];
    }
    const dir = glob || !key || key.endsWith('/') ? prefix : `${prefix}/`;
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const r = await this.send<{ Contents?: { Key?: string; Size?: number; ETag?: string }[]; NextContinuationToken?: string; IsTruncated?: boolean }>(
        uriOrGlob, 'ListObjectsV2', (s) => new s.ListObjectsV2Command({ Bucket: bucket, Prefix: dir, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) {
        const k = o.Key ?? '';
        if (re ? !re.test(k) : hidden(k.slice(dir.length))) continue;
        out.push({ uri: `s3://${bucket}/${k}`, size: o.Size ?? 0, etag: o.ETag ?? '' });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  }

  private async get(uri: string, range: string | undefined, opts?: ReadOptions) {
    const { bucket, key } = parseS3(uri);
    return this.send<{ Body?: AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> } }>(uri, 'GetObject', (s) =>
      new s.GetObjectCommand({ Bucket: bucket, Key: key, Range: range, IfMatch: opts?.etag || undefined }),
    );
  }

  async readRange(uri: string, start: number, end: number, opts?: ReadOptions): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array(0);
    try {
      const r = await this.get(uri, `bytes=${start}-${end - 1}`, opts);
      const bytes = r.Body ? await r.Body.transformToByteArray() : new Uint8Array(0);
      ioStats.bytesRead += bytes.byteLength;
      return bytes;
    } catch (e) {
      // A range starting at or past the end of the object is empty, as for files.
      if (e instanceof KindlingError && /InvalidRange/.test(e.message)) return new Uint8Array(0);
      throw e;
    }
  }

  async *readStream(uri: string, start = 0, _chunkSize?: number, opts?: ReadOptions): AsyncIterable<Uint8Array> {
    // With an end hint, ask for a bounded range (the hint plus 1 MiB) and fetch the rest only
    // if the reader keeps going: the server does not read and send bytes nobody consumes.
    let pos = start;
    let stop = opts?.end !== undefined ? Math.max(opts.end, start) + (1 << 20) : undefined;
    for (;;) {
      let r;
      try {
        r = await this.get(uri, stop !== undefined ? `bytes=${pos}-${stop - 1}` : pos > 0 ? `bytes=${pos}-` : undefined, opts);
      } catch (e) {
        if (e instanceof KindlingError && /InvalidRange/.test(e.message)) return;
        throw e;
      }
      if (!r.Body) return;
      try {
        for await (const chunk of r.Body) {
          ioStats.bytesRead += chunk.byteLength;
          pos += chunk.byteLength;
          yield chunk;
        }
      } catch (e) {
        throw s3Error(e, uri, 'GetObject (reading the body)', this.describe());
      }
      if (stop === undefined || pos < stop) return; // the object ended
      stop = undefined; // the reader wants more than the hint: the rest in one request
    }
  }

  async readAll(uri: string): Promise<Uint8Array> {
    const r = await this.get(uri, undefined);
    const bytes = r.Body ? await r.Body.transformToByteArray() : new Uint8Array(0);
    ioStats.bytesRead += bytes.byteLength;
    return bytes;
  }

  async write(uri: string, data: Uint8Array | string): Promise<void> {
    const { bucket, key } = parseS3(uri);
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    ioStats.bytesWritten += body.byteLength;
    if (body.byteLength <= MULTIPART_THRESHOLD) {
      await this.send(uri, 'PutObject', (s) => new s.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return;
    }
    const { client } = await this.client();
    const { Upload } = await import('@aws-sdk/lib-storage');
    // leavePartsOnError: false (the default) aborts the multipart upload on failure: no orphaned parts.
    ioStats.requests += Math.ceil(body.byteLength / PART_SIZE) + 2; // create, parts, complete
    const upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: body }, partSize: PART_SIZE, queueSize: 4, leavePartsOnError: false });
    try {
      await upload.done();
    } catch (e) {
      throw s3Error(e, uri, 'multipart upload', this.describe());
    }
  }

  async writeIfAbsent(uri: string, data: Uint8Array | string): Promise<boolean> {
    const { bucket, key } = parseS3(uri);
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    ioStats.bytesWritten += body.byteLength;
    try {
      await this.send(uri, 'PutObject (if absent)', (s) => new s.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));
      return true;
    } catch (e) {
      if (e instanceof KindlingError && /PreconditionFailed|412/.test(e.message)) return false;
      throw e;
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const a = parseS3(from);
    const b = parseS3(to);
    await this.send(to, 'CopyObject', (s) => new s.CopyObjectCommand({ Bucket: b.bucket, Key: b.key, CopySource: `${a.bucket}/${encodeURIComponent(a.key).replace(/%2F/g, '/')}` }));
    await this.delete(from);
  }

  async delete(uri: string): Promise<void> {
    const { bucket, key } = parseS3(uri);
    await this.send(uri, 'DeleteObject', (s) => new s.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async deletePrefix(uri: string): Promise<void> {
    const { bucket, key } = parseS3(uri);
    const prefix = key.endsWith('/') || !key ? key : `${key}/`;
    let token: string | undefined;
    do {
      const r = await this.send<{ Contents?: { Key?: string }[]; NextContinuationToken?: string; IsTruncated?: boolean }>(
        uri, 'ListObjectsV2', (s) => new s.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      const keys = (r.Contents ?? []).map((o) => ({ Key: o.Key! }));
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        await this.send(uri, 'DeleteObjects', (s) => new s.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }
}

/** Hidden and in-progress objects are never inputs (as on disk): a path segment starting with _ or . */
function hidden(rel: string): boolean {
  return rel.split('/').some((seg) => seg.startsWith('_') || seg.startsWith('.'));
}
