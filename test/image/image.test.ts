// The container image (Dockerfile): built with podman through scripts/image.mjs (on a local
// Debian + Node.js base, no image pulls; podman caches the layers, so with an unchanged
// package-lock.json only the TypeScript is compiled again), then run as a pod would run it: its
// non-root user, a read-only root filesystem, /tmp the only writable directory, no network.
// Without podman (or, for a first build, debootstrap and root) this test FAILS in CI
// (process.env.CI) and is skipped elsewhere.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What this test uses from scripts/image.mjs (plain JS, so typed here). */
interface ImageScript {
  IMAGE: string;
  RUNTIME_USER: string;
  missingTools(): string[];
  imageCacheDir(): string;
  imageSize(image?: string): number;
  buildImage(o: { image?: string; log?: (m: string) => void; output?: string }): Promise<{ image: string; base: string; ms: number; baseMs: number }>;
  verifyImage(o: { image?: string; log?: (m: string) => void }): Promise<{
    version: string;
    config: { User?: string; Entrypoint?: string[]; Env?: string[]; WorkingDir?: string };
    runner: string;
    success?: string;
    files: { path: string; size: number }[];
    uid?: number;
    timings: Record<string, number>;
  }>;
}

/** The repository root: the first directory above this file (dist/test/image/) with scripts/image.mjs. */
function repoRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'scripts', 'image.mjs'))) return d;
    if (dirname(d) === d) throw new Error(`scripts/image.mjs not found above ${fileURLToPath(import.meta.url)}`);
  }
}

test('container image: builds; as its non-root user on a read-only root filesystem, kindling --version and a tiny job work', { timeout: 20 * 60_000 }, async (t) => {
  const root = repoRoot();
  const img = (await import(pathToFileURL(join(root, 'scripts', 'image.mjs')).href)) as ImageScript;
  const missing = img.missingTools();
  if (missing.length) {
    const what = `building the container image needs ${missing.join('; ')}`;
    if (process.env.CI) assert.fail(`CI must provide what the container image test needs: ${what}`);
    t.skip(what);
    return;
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const log = (m: string) => t.diagnostic(m);

  // The build's own output goes to a log file (its tail is in the error when it fails).
  const built = await img.buildImage({ image: img.IMAGE, log, output: join(img.imageCacheDir(), 'test-build.log') });
  t.diagnostic(`built ${built.image} in ${(built.ms / 1000).toFixed(1)} s on ${built.base}; ${(img.imageSize(built.image) / 1048576).toFixed(1)} MiB`);

  const r = await img.verifyImage({ image: built.image, log });
  t.diagnostic(`ran with ${r.runner}: ${JSON.stringify(r.timings)} ms`);

  // The image's configuration: what the pods rely on.
  assert.equal(r.config.User, img.RUNTIME_USER);
  assert.deepEqual(r.config.Entrypoint, ['kindling']);
  assert.equal(r.config.WorkingDir, '/app');
  assert.ok(r.config.Env?.includes('HOME=/tmp'), `HOME=/tmp in ${JSON.stringify(r.config.Env)}`);

  assert.equal(r.version, pkg.version);

  // The tiny job committed: a manifest naming non-empty part files, written by the image's user.
  assert.ok(r.success !== undefined, `no _SUCCESS among ${JSON.stringify(r.files)}`);
  const manifest = JSON.parse(r.success) as { job: string; tables: Record<string, { rows: number; files: { path: string; bytes: number }[] }>; counters: { inputRows: number } };
  assert.equal(manifest.job, 'image-verify');
  assert.equal(manifest.counters.inputRows, 2000);
  const parts = r.files.filter((f) => /part-\d+.*\.parquet$/.test(f.path));
  assert.ok(parts.length > 0, `no part files among ${JSON.stringify(r.files)}`);
  for (const p of parts) assert.ok(p.size > 0, `${p.path} is empty`);
  const listed = Object.values(manifest.tables).flatMap((tb) => tb.files.map((f) => [f.path, f.bytes]));
  assert.deepEqual(listed.sort(), parts.map((p) => [p.path, p.size]).sort());
  assert.ok(Object.values(manifest.tables).some((tb) => tb.rows > 0), 'the job produced no rows');
  assert.equal(r.uid, Number(img.RUNTIME_USER.split(':')[0]), 'the output is not owned by the image user');
});
