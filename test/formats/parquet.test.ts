/**
 * The Parquet writer, checked by independent readers: DuckDB (values, parquet_schema,
 * parquet_metadata) and pyarrow (the Python environment scripts/provision.mjs makes, or
 * $KINDLING_PYTHON; without pyarrow the test FAILS in CI and is skipped elsewhere, saying how to
 * provision it).
 */
import { pyarrowPython } from '../helpers/pyarrow.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { encodeParquet, initParquet } from '../../src/formats/parquet.js';
import type { Compression, OutColumn, OutTable } from '../../src/types/table.js';
import { KindlingError } from '../../src/common/errors.js';

const CODECS: Compression[] = ['zstd', 'snappy', 'gzip', 'none'];
const CODEC_NAME: Record<Compression, string> = { zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', none: 'UNCOMPRESSED' };
const ROWS = 1500;

/** A result table with the awkward cases: int64 beyond 2^53, extremes, nulls, empty and non-ASCII strings. */
function sampleTable(): OutTable {
  const n = ROWS;
  const codes = ['electronics.smartphone', 'appliances.kitchen.refrigerators', 'apparel.shoes', 'furniture.living_room.sofa'];
  const ids = [2053013552326770905n, 2053013555631882655n, 9223372036854775807n, -9223372036854775808n, 0n, -1n, 2n ** 53n + 1n];
  const code: (string | null)[] = [], brand: (string | null)[] = [], allNull: (string | null)[] = [];
  const catId = new BigInt64Array(n), catNull = new Uint8Array(n);
  const userId = new Float64Array(n), userNull = new Uint8Array(n);
  const events = new Int32Array(n), evNull = new Uint8Array(n);
  const revenue = new Float64Array(n), revNull = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    code.push(i % 7 === 0 ? null : codes[i % codes.length]);
    brand.push(i % 3 === 1 ? null : `brand-${i % 40}`);
    allNull.push(null);
    catId[i] = ids[i % ids.length] + (i < ids.length ? 0n : BigInt(i % 5) * (i % 2 ? 1n : -1n));
    catNull[i] = i % 11 === 3 ? 1 : 0;
    userId[i] = 512_000_000 + i; userNull[i] = i % 13 === 5 ? 1 : 0;
    if (userNull[i]) userId[i] = NaN; // a null slot's value is ignored
    events[i] = ((i * 37) % 1000) - 500; evNull[i] = i % 17 === 6 ? 1 : 0;
    revenue[i] = i * 1.25 - 3.5; revNull[i] = i % 19 === 7 ? 1 : 0;
  }
  code[1] = ''; code[2] = 'électronique.téléphone 📱';
  userId[2] = 2 ** 53; userId[3] = -(2 ** 53); userId[4] = -7;
  events[0] = 2147483647; events[1] = -2147483648;
  revenue[2] = 1e300; revenue[3] = -0.001;
  return {
    rows: n,
    columns: [
      { name: 'category_code', type: 'utf8', values: code },
      { name: 'category_id', type: 'int64', values: catId, nulls: catNull },
      { name: 'user_id', type: 'int64', values: userId, nulls: userNull },
      { name: 'brand', type: 'utf8', values: brand },
      { name: 'events', type: 'int32', values: events, nulls: evNull },
      { name: 'revenue', type: 'float64', values: revenue, nulls: revNull },
      { name: 'never_set', type: 'utf8', values: allNull },
    ],
  };
}

/** What a reader must return: bigint for int64, number for int32/float64, string, or null. */
function expectedColumn(col: OutColumn): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < col.values.length; i++) {
    if (col.type === 'utf8') out.push(col.values[i]);
    else if (col.nulls?.[i]) out.push(null);
    else out.push(col.type === 'int64' ? BigInt(col.values[i]) : col.values[i]);
  }
  return out;
}

const PHYSICAL: Record<OutColumn['type'], string> = { utf8: 'BYTE_ARRAY', int64: 'INT64', int32: 'INT32', float64: 'DOUBLE' };
const DUCK_TYPE: Record<OutColumn['type'], string> = { utf8: 'VARCHAR', int64: 'BIGINT', int32: 'INTEGER', float64: 'DOUBLE' };

let dir: string;
let conn: DuckDBConnection;
const sql = (f: string) => `'${f.replace(/'/g, "''")}'`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kindling-parquet-test-'));
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await initParquet();
  await initParquet(); // idempotent
});
after(() => {
  conn?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function writeFile(name: string, table: OutTable, codec: Compression): Promise<string> {
  const bytes = await encodeParquet(table, codec);
  assert.ok(bytes instanceof Uint8Array);
  assert.equal(Buffer.from(bytes.subarray(0, 4)).toString(), 'PAR1');
  assert.equal(Buffer.from(bytes.subarray(bytes.length - 4)).toString(), 'PAR1');
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

async function rows(q: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(q)).getRowObjects() as Record<string, unknown>[];
}

describe('encodeParquet read back by DuckDB', () => {
  const table = sampleTable();
  for (const codec of CODECS) {
    test(`${codec}: every value, types, codec per column chunk, dictionary strings`, async () => {
      const file = await writeFile(`sample-${codec}.parquet`, table, codec);

      const r = await conn.runAndReadAll(`SELECT * FROM read_parquet(${sql(file)}, file_row_number = true) ORDER BY file_row_number`);
      assert.deepEqual(r.columnNames(), [...table.columns.map((c) => c.name), 'file_row_number']);
      const got = r.getColumns();
      table.columns.forEach((col, k) => assert.deepEqual(got[k], expectedColumn(col), `column ${col.name}`));
      // The int64 values above 2^53 specifically (a double would round them).
      const big = (await rows(`SELECT category_id FROM read_parquet(${sql(file)}) WHERE category_id = 2053013552326770905`));
      assert.ok(big.length > 0 && big.every((x) => x.category_id === 2053013552326770905n));

      const schema = await rows(`SELECT name, type, converted_type, logical_type, repetition_type, duckdb_type FROM parquet_schema(${sql(file)})`);
      for (const col of table.columns) {
        const s = schema.find((x) => x.name === col.name);
        assert.ok(s, `schema has ${col.name}`);
        assert.equal(s.type, PHYSICAL[col.type], `${col.name} physical type`);
        assert.equal(s.duckdb_type, DUCK_TYPE[col.type], `${col.name} read as`);
        assert.equal(s.repetition_type, 'OPTIONAL');
        if (col.type === 'utf8') {
          assert.equal(s.converted_type, 'UTF8');
          assert.match(String(s.logical_type), /String/);
        } else {
          assert.equal(s.converted_type, null, `${col.name}: a plain signed ${col.type}`);
        }
      }

      const meta = await rows(`SELECT path_in_schema, compression, encodings, dictionary_page_offset, num_values FROM parquet_metadata(${sql(file)})`);
      assert.equal(meta.length, table.columns.length, 'one row group, one chunk per column');
      for (const m of meta) assert.equal(m.compression, CODEC_NAME[codec], `codec of ${m.path_in_schema}`);
      for (const name of ['category_code', 'brand']) {
        const m = meta.find((x) => x.path_in_schema === name)!;
        assert.match(String(m.encodings), /RLE_DICTIONARY|PLAIN_DICTIONARY/, `${name} dictionary-encoded`);
        assert.notEqual(m.dictionary_page_offset, null, `${name} has a dictionary page`);
      }
    });
  }

  test('the codec really compresses: zstd and gzip files are smaller than uncompressed', async () => {
    const size = async (c: Compression) => (await encodeParquet(table, c)).length;
    const none = await size('none');
    assert.ok((await size('zstd')) < none);
    assert.ok((await size('gzip')) < none);
    assert.ok((await size('snappy')) <= none);
  });

  test('a zero-row table gives a valid file with the schema', async () => {
    const empty: OutTable = {
      rows: 0,
      columns: [
        { name: 's', type: 'utf8', values: [] },
        { name: 'big', type: 'int64', values: new BigInt64Array(0) },
        { name: 'f', type: 'int64', values: new Float64Array(0), nulls: new Uint8Array(0) },
        { name: 'i', type: 'int32', values: new Int32Array(0) },
        { name: 'd', type: 'float64', values: new Float64Array(0) },
      ],
    };
    const file = await writeFile('empty.parquet', empty, 'zstd');
    assert.equal((await rows(`SELECT count(*)::INT AS n FROM read_parquet(${sql(file)})`))[0].n, 0);
    const cols = await rows(`DESCRIBE SELECT * FROM read_parquet(${sql(file)})`);
    assert.deepEqual(cols.map((c) => [c.column_name, c.column_type]), [['s', 'VARCHAR'], ['big', 'BIGINT'], ['f', 'BIGINT'], ['i', 'INTEGER'], ['d', 'DOUBLE']]);
  });

  test('concurrent writes in one process do not interfere', async () => {
    const files = await Promise.all(CODECS.map((c) => writeFile(`concurrent-${c}.parquet`, table, c)));
    for (const f of files) {
      const r = await rows(`SELECT count(*)::INT AS n, sum(category_id::HUGEINT)::VARCHAR AS s FROM read_parquet(${sql(f)})`);
      const want = expectedColumn(table.columns[1]).reduce<bigint>((a, v) => a + ((v as bigint | null) ?? 0n), 0n);
      assert.deepEqual(r[0], { n: ROWS, s: want.toString() });
    }
  });
});

describe('encodeParquet rejects what it cannot write exactly', () => {
  const one = (values: Float64Array): OutTable => ({ rows: values.length, columns: [{ name: 'x', type: 'int64', values }] });
  for (const [what, v] of [['a fraction', 1.5], ['a value beyond 2^53', 2 ** 53 + 2], ['NaN', NaN]] as const) {
    test(`${what} in a Float64Array int64 column`, async () => {
      await assert.rejects(encodeParquet(one(new Float64Array([1, v])), 'zstd'), (e: unknown) => {
        assert.ok(e instanceof KindlingError);
        assert.equal(e.code, 'INTERNAL');
        assert.equal(e.place?.field, 'x');
        assert.match(e.message, /row 1/);
        return true;
      });
    });
  }
  test('a column whose length differs from the row count', async () => {
    await assert.rejects(encodeParquet({ rows: 3, columns: [{ name: 'x', type: 'int32', values: new Int32Array(2) }] }, 'none'), KindlingError);
  });
  test('an unknown codec', async () => {
    await assert.rejects(encodeParquet(one(new Float64Array([1])), 'lz4' as Compression), (e: unknown) => e instanceof KindlingError && e.code === 'USAGE');
  });
});

const PYARROW_SCRIPT = `
import json, sys
try:
    import pyarrow.parquet as pq
except ImportError as e:
    sys.stderr.write("PYARROW_MISSING: " + str(e) + "\\n"); sys.exit(3)
out = {}
for f in sys.argv[1:]:
    pf = pq.ParquetFile(f)
    t = pf.read()
    md = pf.metadata
    cols = {}
    for name in t.column_names:
        vals = t.column(name).to_pylist()
        cols[name] = [None if v is None else (str(v) if isinstance(v, int) else v) for v in vals]
    out[f] = {
        "types": {fld.name: str(fld.type) for fld in t.schema},
        "codecs": sorted({md.row_group(g).column(c).compression for g in range(md.num_row_groups) for c in range(md.num_columns)}),
        "logical": {md.schema.column(c).name: str(md.schema.column(c).logical_type) for c in range(md.num_columns)},
        "rows": t.num_rows,
        "columns": cols,
    }
print(json.dumps(out))
`;


const ARROW_TYPE: Record<OutColumn['type'], string> = { utf8: 'string', int64: 'int64', int32: 'int32', float64: 'double' };

test('pyarrow reads every value, type and codec', async (t) => {
  const python = await pyarrowPython();
  if (!python) {
    const why = 'pyarrow is not provisioned; run `node scripts/provision.mjs python` (or `npm test`, which does it)';
    if (process.env.CI) assert.fail(`CI must provide pyarrow: ${why}`);
    return void t.skip(why);
  }
  const table = sampleTable();
  const files: Record<string, Compression> = {};
  for (const c of CODECS) files[await writeFile(`pyarrow-${c}.parquet`, table, c)] = c;
  const r = spawnSync(python, ['-c', PYARROW_SCRIPT, ...Object.keys(files)], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  assert.ifError(r.error);
  assert.equal(r.status, 0, `${python} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, { types: Record<string, string>; codecs: string[]; logical: Record<string, string>; rows: number; columns: Record<string, unknown[]> }>;
  for (const [file, codec] of Object.entries(files)) {
    const got = out[file];
    assert.equal(got.rows, ROWS);
    assert.deepEqual(got.codecs, [CODEC_NAME[codec]]);
    for (const col of table.columns) {
      assert.equal(got.types[col.name], ARROW_TYPE[col.type], `${codec} ${col.name} arrow type`);
      if (col.type === 'utf8') assert.equal(got.logical[col.name], 'String');
      // pyarrow ints come as decimal strings (exact); compare int64 via BigInt
      const want = expectedColumn(col).map((v) => (typeof v === 'bigint' ? v.toString() : col.type === 'int32' && v !== null ? String(v) : v));
      assert.deepEqual(got.columns[col.name], want, `${codec} ${col.name} values`);
    }
    assert.ok(got.columns.category_id.includes('2053013552326770905'));
    assert.ok(got.columns.category_id.includes('9223372036854775807'));
  }
});
