/**
 * DuckDB, an independent reader, reads the generated files with its auto-detected types and
 * agrees with the generator's own counts.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { generateEvents, type GenerateResult } from '../../src/gen/generate.js';

let dir = '';
let plain: GenerateResult;
let gz: GenerateResult;
let db: DuckDBInstance;
let c: DuckDBConnection;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kindling-gen-duck-'));
  plain = await generateEvents({ rows: 50_000, files: 2, seed: 21, out: join(dir, 'plain'), gzip: false });
  gz = await generateEvents({ rows: 50_000, files: 2, seed: 21, out: join(dir, 'gz'), gzip: true });
  db = await DuckDBInstance.create(':memory:');
  c = await db.connect();
});

after(async () => {
  c?.closeSync();
  db?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function rowsOf(sql: string): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

test('DuckDB auto-detects the REES46 types', async () => {
  for (const r of [plain, gz]) {
    const types = await rowsOf(`describe select * from read_csv('${r.files[0].uri}')`);
    const byName = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
    assert.match(String(byName.event_time), /^TIMESTAMP( WITH TIME ZONE)?$/);
    assert.equal(byName.event_type, 'VARCHAR');
    assert.equal(byName.product_id, 'BIGINT');
    assert.equal(byName.category_id, 'BIGINT');
    assert.equal(byName.category_code, 'VARCHAR');
    assert.equal(byName.brand, 'VARCHAR');
    assert.equal(byName.price, 'DOUBLE');
    assert.equal(byName.user_id, 'BIGINT');
    assert.equal(byName.user_session, 'VARCHAR');
  }
});

test('DuckDB reads every row, plain and gzip alike, with exact int64 ids', async () => {
  const glob = (r: GenerateResult, ext: string): string => `${r.files[0].uri.slice(0, r.files[0].uri.lastIndexOf('/'))}/events-*.${ext}`;
  const q = (src: string): string =>
    `select count(*)::varchar n, count(distinct category_id)::varchar cats, sum(category_id % 1000)::varchar idsum,
            sum((event_type = 'purchase')::int)::varchar buys, round(sum(price), 2)::varchar revenue,
            min(event_time)::varchar tmin, max(event_time)::varchar tmax
       from read_csv('${src}')`;
  const [a] = await rowsOf(q(glob(plain, 'csv')));
  const [b] = await rowsOf(q(glob(gz, 'csv.gz')));
  assert.deepEqual(b, a);
  assert.equal(a.n, '50000');
  assert.match(String(a.tmin), /^2019-11-01 /);
  assert.match(String(a.tmax), /^2019-11-30 /);

  // The same figures computed from the text, with BigInt for the ids.
  let buys = 0;
  let cents = 0;
  let idsum = 0n;
  const cats = new Set<string>();
  for (const f of plain.files) {
    const lines = (await readFile(f.uri, 'latin1')).split('\n');
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === '') continue;
      const v = lines[i].split(',');
      if (v[1] === 'purchase') buys++;
      cents += Math.round(Number(v[6]) * 100);
      idsum += BigInt(v[3]) % 1000n;
      cats.add(v[3]);
    }
  }
  assert.equal(a.buys, String(buys));
  assert.ok(Math.abs(Number(a.revenue) - cents / 100) < 0.015, `revenue ${a.revenue} vs ${cents / 100}`);
  assert.equal(a.idsum, String(idsum));
  assert.equal(a.cats, String(cats.size));
});
