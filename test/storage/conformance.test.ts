/**
 * One storage conformance suite, run against LocalStore and S3Store on a real MinIO: what the
 * engine relies on must hold on both (DESIGN.md: "one conformance test suite run against both").
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KindlingError } from '../../src/common/errors.js';
import { LocalStore } from '../../src/storage/local.js';
import { S3Store } from '../../src/storage/s3.js';
import type { ObjectStore } from '../../src/storage/store.js';
import { MINIO_SKIP_REASON, startMinio, type Minio } from '../helpers/minio.js';
import { minioStore } from '../helpers/s3.js';

interface Target {
  store: ObjectStore;
  base: string;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<KindlingError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

function conformance(name: string, target: () => Target) {
  const at = (...parts: string[]) => target().store.join(target().base, ...parts);

  test(`${name}: write, overwrite, head, readAll`, async () => {
    const { store } = target();
    await store.write(at('a/one.txt'), 'first');
    await store.write(at('a/one.txt'), 'second version');
    assert.equal(text(await store.readAll(at('a/one.txt'))), 'second version');
    const h = await store.head(at('a/one.txt'));
    assert.equal(h?.size, 14);
    assert.ok(h?.etag, 'an etag');
  });

  test(`${name}: a missing object is INPUT_NOT_FOUND for reads and undefined for head`, async () => {
    const { store } = target();
    assert.equal(await store.head(at('nope/missing.txt')), undefined);
    const e = await rejectsWith(store.readAll(at('nope/missing.txt')), 'INPUT_NOT_FOUND');
    assert.match(e.message, /missing\.txt/);
    await rejectsWith(store.readRange(at('nope/missing.txt'), 0, 10), 'INPUT_NOT_FOUND');
  });

  test(`${name}: ranged reads at odd offsets and streams from an offset`, async () => {
    const { store } = target();
    const data = randomBytes((1 << 20) + 7);
    await store.write(at('r/blob.bin'), data);
    for (const [s, e] of [[0, 1], [3, 1_000_003], [data.length - 5, data.length], [777, 778], [data.length - 1, data.length + 100]]) {
      assert.deepEqual(Buffer.from(await store.readRange(at('r/blob.bin'), s, e)), data.subarray(s, Math.min(e, data.length)), `range ${s}-${e}`);
    }
    assert.equal((await store.readRange(at('r/blob.bin'), data.length + 5, data.length + 10)).length, 0);
    const chunks: Buffer[] = [];
    for await (const c of store.readStream(at('r/blob.bin'), 12_345, 64 * 1024)) chunks.push(Buffer.from(c));
    assert.deepEqual(Buffer.concat(chunks), data.subarray(12_345));
  });

  test(`${name}: listing with many keys (more than one page), globs, hidden files, a single object`, async () => {
    const { store } = target();
    const keys = Array.from({ length: 1050 }, (_, i) => `k-${String(i).padStart(5, '0')}.csv`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => store.write(at('many', k), k)));
    await store.write(at('many', '_SUCCESS'), '{}');
    await store.write(at('many', '.hidden'), 'x');
    await store.write(at('many2', 'sibling.csv'), 'x');
    const all = await store.list(at('many') + '/');
    assert.equal(all.length, 1050, 'every key once, hidden ones left out, the sibling prefix not included');
    assert.deepEqual(all.map((o) => o.uri.split('/').pop()), keys);
    assert.equal(all[17].size, keys[17].length);
    const noSlash = await store.list(at('many'));
    assert.equal(noSlash.length, 1050, 'a prefix without a trailing slash is a directory too');
    const glob = await store.list(at('many', 'k-000[0-4]*.csv'));
    assert.equal(glob.length, 50);
    const one = await store.list(at('many', 'k-00042.csv'));
    assert.deepEqual(one.map((o) => o.uri), [at('many', 'k-00042.csv')]);
    assert.deepEqual(await store.list(at('does-not-exist') + '/'), []);
  });

  test(`${name}: a write over 100 MiB (multipart on S3) reads back exactly`, async () => {
    const { store } = target();
    const big = Buffer.alloc(101 * 1024 * 1024 + 13);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await store.write(at('big/blob.bin'), big);
    assert.equal((await store.head(at('big/blob.bin')))?.size, big.length);
    for (const off of [0, 8 << 20, (8 << 20) - 3, big.length - 4099]) {
      assert.deepEqual(Buffer.from(await store.readRange(at('big/blob.bin'), off, off + 4099)), big.subarray(off, off + 4099));
    }
    await store.delete(at('big/blob.bin'));
  });

  test(`${name}: delete and deletePrefix (not touching a sibling prefix)`, async () => {
    const { store } = target();
    await store.write(at('d/x/1'), '1');
    await store.write(at('d/x/2/3'), '3');
    await store.write(at('d/x2/keep'), 'k');
    await store.delete(at('d/x/1'));
    assert.equal(await store.head(at('d/x/1')), undefined);
    await store.delete(at('d/x/never-existed'));
    await store.deletePrefix(at('d/x'));
    assert.deepEqual(await store.list(at('d/x') + '/'), []);
    assert.equal(text(await store.readAll(at('d/x2/keep'))), 'k');
  });

  test(`${name}: writeIfAbsent creates once; rename moves`, async () => {
    const { store } = target();
    assert.equal(await store.writeIfAbsent(at('w/_SUCCESS'), 'winner'), true);
    assert.equal(await store.writeIfAbsent(at('w/_SUCCESS'), 'loser'), false);
    assert.equal(text(await store.readAll(at('w/_SUCCESS'))), 'winner');
    await store.write(at('w/tmp/part-a0'), 'part');
    await store.rename(at('w/tmp/part-a0'), at('w/final/part-00000'));
    assert.equal(await store.head(at('w/tmp/part-a0')), undefined);
    assert.equal(text(await store.readAll(at('w/final/part-00000'))), 'part');
  });

  test(`${name}: concurrent writers to one key leave one whole version`, async () => {
    const { store } = target();
    const versions = Array.from({ length: 12 }, (_, i) => Buffer.alloc(256 * 1024, 65 + i));
    await Promise.all(versions.map((v) => store.write(at('c/same'), v)));
    const got = Buffer.from(await store.readAll(at('c/same')));
    assert.ok(versions.some((v) => v.equals(got)), 'exactly one writer\'s bytes, never a mix');
  });

  test(`${name}: a read pinned to an etag fails with INPUT_CHANGED once the object changed`, async () => {
    const { store } = target();
    await store.write(at('e/input.csv'), 'a,b\n1,2\n');
    const before = await store.head(at('e/input.csv'));
    await new Promise((r) => setTimeout(r, 20));
    await store.write(at('e/input.csv'), 'a,b\n1,2\n3,4\n');
    await rejectsWith(store.readRange(at('e/input.csv'), 0, 4, { etag: before!.etag }), 'INPUT_CHANGED');
    const now = await store.head(at('e/input.csv'));
    assert.equal(text(await store.readRange(at('e/input.csv'), 0, 3, { etag: now!.etag })), 'a,b');
  });
}

describe('LocalStore', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kindling-store-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  conformance('local', () => ({ store: new LocalStore(), base: dir }));
});

describe('S3Store on MinIO', async () => {
  const minio: Minio | undefined = await startMinio();
  const bucket = `conformance-${randomBytes(3).toString('hex')}`;
  let store: S3Store;
  before(async () => {
    if (!minio) return;
    store = await minioStore(minio, [bucket]);
  });
  after(async () => minio?.dispose());
  if (!minio) {
    test('S3Store conformance', { skip: MINIO_SKIP_REASON }, () => undefined);
    return;
  }
  conformance('s3', () => ({ store, base: `s3://${bucket}/run` }));
});
