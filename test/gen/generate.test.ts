import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Command } from 'commander';
import { HEADER, generateEvents } from '../../src/gen/generate.js';
import { registerGenerate, parseCount } from '../../src/cli/generate.js';
import { KindlingError } from '../../src/common/errors.js';
import { Rng } from '../../src/gen/rng.js';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kindling-gen-'));
}

async function gen(dir: string, rows: number, files: number, seed: number, gzip = false): Promise<Buffer[]> {
  const r = await generateEvents({ rows, files, seed, out: dir, gzip });
  return Promise.all(r.files.map((f) => readFile(f.uri)));
}

/** Data lines of a file (header dropped), checking the header and LF line ends on the way. */
function dataLines(b: Buffer): string[] {
  const text = b.toString('latin1');
  assert.ok(!text.includes('\r'), 'LF line ends only');
  assert.ok(text.endsWith('\n'), 'file ends with a line end');
  const lines = text.slice(0, -1).split('\n');
  assert.equal(lines[0], HEADER);
  return lines.slice(1);
}

test('same seed gives byte-identical files; another seed differs', async () => {
  const [a, b, c] = [await tmp(), await tmp(), await tmp()];
  try {
    const fa = await gen(a, 30_000, 3, 7);
    const fb = await gen(b, 30_000, 3, 7);
    const fc = await gen(c, 30_000, 3, 8);
    assert.equal(fa.length, 3);
    for (let i = 0; i < 3; i++) assert.ok(fa[i].equals(fb[i]), `file ${i} identical`);
    assert.ok(!fa[0].equals(fc[0]), 'seed 8 differs from seed 7');
  } finally {
    await Promise.all([a, b, c].map((d) => rm(d, { recursive: true, force: true })));
  }
});

test('rows do not depend on the number of files', async () => {
  const [a, b] = [await tmp(), await tmp()];
  try {
    const one = (await gen(a, 20_000, 1, 3)).flatMap(dataLines);
    const four = (await gen(b, 20_000, 4, 3)).flatMap(dataLines);
    assert.deepEqual(four, one);
  } finally {
    await Promise.all([a, b].map((d) => rm(d, { recursive: true, force: true })));
  }
});

test('rows are split evenly, every row has 9 well-formed fields, time is ordered within and across files', async () => {
  const dir = await tmp();
  try {
    const r = await generateEvents({ rows: 20_003, files: 4, seed: 1, out: dir, gzip: false });
    assert.deepEqual(r.files.map((f) => f.rows), [5001, 5001, 5001, 5000]);
    assert.equal(r.rows, 20_003);
    assert.deepEqual((await readdir(dir)).sort(), ['events-00000.csv', 'events-00001.csv', 'events-00002.csv', 'events-00003.csv']);
    let prev = '';
    for (const f of r.files) {
      const buf = await readFile(f.uri);
      assert.equal(buf.length, f.bytes);
      const lines = dataLines(buf);
      assert.equal(lines.length, f.rows);
      for (const line of lines) {
        const v = line.split(',');
        assert.equal(v.length, 9, line);
        assert.match(v[0], /^2019-11-(0[1-9]|[12]\d|30) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d UTC$/, line);
        assert.match(v[1], /^(view|cart|purchase)$/, line);
        assert.match(v[2], /^[1-9]\d{6,8}$/, line);
        assert.match(v[3], /^2\d{18}$/, line);
        assert.match(v[4], /^$|^[a-z_]+(\.[a-z_]+){1,3}$/, line);
        assert.match(v[5], /^[a-z0-9.\-]*$/, line);
        assert.match(v[6], /^\d+\.\d\d$/, line);
        assert.match(v[7], /^[1-9]\d{8}$/, line);
        assert.match(v[8], /^$|^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, line);
        assert.ok(v[0] >= prev, `time goes back: ${prev} then ${v[0]}`);
        prev = v[0];
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('gzip output decompresses to the same rows as the plain output', async () => {
  const [a, b] = [await tmp(), await tmp()];
  try {
    const plain = await gen(a, 15_000, 2, 5);
    const r = await generateEvents({ rows: 15_000, files: 2, seed: 5, out: b, gzip: true });
    assert.deepEqual(r.files.map((f) => f.uri.slice(f.uri.lastIndexOf('/') + 1)), ['events-00000.csv.gz', 'events-00001.csv.gz']);
    for (let i = 0; i < 2; i++) {
      const gz = await readFile(r.files[i].uri);
      assert.equal(gz.length, r.files[i].bytes);
      assert.ok(gunzipSync(gz).equals(plain[i]));
    }
  } finally {
    await Promise.all([a, b].map((d) => rm(d, { recursive: true, force: true })));
  }
});

test('edge sizes: no rows, fewer rows than files, one row', async () => {
  const dir = await tmp();
  try {
    let r = await generateEvents({ rows: 0, files: 2, seed: 1, out: dir, gzip: false });
    assert.deepEqual(r.files.map((f) => f.rows), [0, 0]);
    assert.equal((await readFile(r.files[0].uri, 'latin1')), HEADER + '\n');
    r = await generateEvents({ rows: 2, files: 3, seed: 1, out: dir, gzip: false });
    assert.deepEqual(r.files.map((f) => f.rows), [1, 1, 0]);
    r = await generateEvents({ rows: 1, files: 1, seed: 1, out: dir, gzip: false });
    assert.equal(dataLines(await readFile(r.files[0].uri)).length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a new run removes event files of an earlier run that it does not write, and nothing else', async () => {
  const dir = await tmp();
  try {
    await generateEvents({ rows: 3000, files: 3, seed: 1, out: dir, gzip: false });
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    await generateEvents({ rows: 3000, files: 1, seed: 1, out: dir, gzip: true });
    assert.deepEqual((await readdir(dir)).sort(), ['events-00000.csv.gz', 'notes.txt']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad options are USAGE errors naming the option', async () => {
  for (const [o, field] of [
    [{ rows: -1 }, 'rows'],
    [{ rows: 1.5 }, 'rows'],
    [{ files: 0 }, 'files'],
    [{ seed: Number.NaN }, 'seed'],
    [{ out: '' }, 'out'],
  ] as const) {
    const base = { rows: 10, files: 1, seed: 1, out: '/tmp/unused', gzip: false };
    await assert.rejects(
      generateEvents({ ...base, ...o }),
      (e: unknown) => e instanceof KindlingError && e.code === 'USAGE' && e.place?.field === field,
    );
  }
});

test('the seeded PRNG is deterministic and roughly uniform', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(42, 1);
  let same = 0;
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = a.next();
    assert.equal(x, b.next());
    if (x === c.next()) same++;
    sum += x;
  }
  assert.ok(same < 5, 'streams differ');
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
});

test('CLI: `generate` writes files, accepts 10k-style counts and documents itself', async () => {
  assert.equal(parseCount('10k'), 10_000);
  assert.equal(parseCount('2M'), 2_000_000);
  assert.equal(parseCount('1e6'), 1_000_000);
  assert.equal(parseCount('1_000'), 1000);
  assert.throws(() => parseCount('lots'));
  const dir = await tmp();
  const out: string[] = [];
  const write = process.stdout.write;
  try {
    const program = new Command().exitOverride();
    registerGenerate(program);
    let help = '';
    program.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
    const gen = program.commands.find((c) => c.name() === 'generate')!;
    gen.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
    gen.exitOverride();
    assert.throws(() => program.parse(['node', 'kindling', 'generate', '--help']), (e: { code?: string }) => e.code === 'commander.helpDisplayed');
    for (const word of ['--rows', '--files', '--seed', '--out', '--gzip', 'Examples:', 'kindling generate --out']) assert.ok(help.includes(word), word);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    await program.parseAsync(['node', 'kindling', 'generate', '--out', dir, '--rows', '2k', '--files', '2', '--seed', '9']);
    process.stdout.write = write;
    assert.deepEqual((await readdir(dir)).sort(), ['events-00000.csv', 'events-00001.csv']);
    assert.match(out.join(''), /wrote 2,000 rows in 2 files/);
  } finally {
    process.stdout.write = write;
    await rm(dir, { recursive: true, force: true });
  }
});
