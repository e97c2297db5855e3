/**
 * The Parquet writer of engine batches (src/formats/parquet-batch.ts), checked by independent
 * readers: DuckDB (every value as a kindling Scalar, DESCRIBE, parquet_schema, parquet_metadata)
 * and pyarrow (the Arrow schema and every value; the Python environment scripts/provision.mjs
 * makes, or $KINDLING_PYTHON; without pyarrow the test FAILS in CI and is skipped elsewhere).
 */
import { pyarrowPython } from '../helpers/pyarrow.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { encodeBatchParquet } from '../../src/formats/parquet-batch.js';
import { initParquet } from '../../src/formats/parquet.js';
import { BIGINT, BOOLEAN, DATE, DOUBLE, INTEGER, INTERVAL, TIMESTAMP, VARCHAR, decimal, typeName, type DataType } from '../../src/types/datatype.js';
import type { Schema } from '../../src/types/schema.js';
import { MAX_SAFE, isIntegral, valueAt, vectorOf, type Batch, type Scalar, type Vector } from '../../src/types/vector.js';
import type { Compression } from '../../src/types/table.js';
import { KindlingError } from '../../src/common/errors.js';
import { duck, rows } from '../helpers/oracle.js';
import { duckdbRows } from '../helpers/tpch.js';

const CODECS: Compression[] = ['zstd', 'snappy', 'gzip', 'none'];
const CODEC_NAME: Record<Compression, string> = { zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', none: 'UNCOMPRESSED' };
const ROWS = 1200;

/** Column name, type, what DuckDB reads it as, Parquet physical type, pyarrow type; the values. */
interface Col { name: string; type: DataType; duck: string; physical: string; arrow: string; vector: Vector }

/** Nulls every `every` rows from `at`, none in the first 8 (the extremes). */
const mask = (n: number, every: number, at: number) => Uint8Array.from({ length: n }, (_, i) => (i >= 8 && i % every === at ? 1 : 0));

function sampleColumns(): Col[] {
  const n = ROWS;
  const b = new Uint8Array(n), i32 = new Int32Array(n), bigF = new Float64Array(n), bigB = new BigInt64Array(n);
  const dbl = new Float64Array(n), str: string[] = [], d9 = new Float64Array(n), d15 = new Float64Array(n);
  const d18 = new BigInt64Array(n), d38: bigint[] = [], d38f = new Float64Array(n), dt = new Int32Array(n), ts = new Float64Array(n), tsB = new BigInt64Array(n);
  const words = ['', 'plain', 'électronique 📱', '日本語テキスト', 'Ünïcödé "quoted", comma', 'tab\there'];
  for (let i = 0; i < n; i++) {
    const sign = i % 2 ? -1 : 1;
    b[i] = i % 3 === 0 ? 1 : 0;
    i32[i] = sign * ((i * 7919) % 2147483647);
    bigF[i] = sign * (2 ** 40 + i * 1_000_003);
    bigB[i] = BigInt(sign) * (2n ** 53n + BigInt(i) * 1_000_000_007n);
    dbl[i] = sign * i * 1.25e-3;
    str.push(`${words[i % words.length]}-${i % 50}`);
    d9[i] = sign * ((i * 12_345_679) % 999_999_999); // DECIMAL(9,3)
    d15[i] = sign * ((i * 98_765_432_123) % 999_999_999_999_999); // DECIMAL(15,2)
    d18[i] = BigInt(sign) * ((BigInt(i) * 1_234_567_890_123_457n) % 999_999_999_999_999_999n); // DECIMAL(18,4), beyond 2^53
    d38.push(BigInt(sign) * ((BigInt(i) * 12_345_678_901_234_567_890_123_456_789n) % (10n ** 38n - 1n))); // DECIMAL(38,10)
    d38f[i] = sign * (i * 7_654_321_987_653 % 2 ** 52 + 1); // DECIMAL(38,10) as exact doubles
    dt[i] = sign * i * 97; // days, before and after 1970
    ts[i] = sign * (i * 86_400_000_123 + 456_789); // µs with a microsecond part
    tsB[i] = BigInt(sign) * (2n ** 53n + BigInt(i) * 3_600_000_000_001n); // µs beyond 2^53 (years ~1685 / ~2255)
  }
  // The extremes.
  i32.set([2147483647, -2147483648], 0);
  bigF.set([2 ** 53, -(2 ** 53), 0, -1], 0);
  bigB.set([9223372036854775807n, -9223372036854775808n, 0n, -1n], 0);
  dbl.set([1e300, -0.001, Infinity, -Infinity, NaN, 5e-324], 0);
  str[0] = ''; str[1] = 'ñ'; str[2] = '🦆 quack';
  d9.set([999_999_999, -999_999_999, 0, -1], 0);
  d15.set([999_999_999_999_999, -999_999_999_999_999, -1, 1], 0);
  d18.set([999_999_999_999_999_999n, -999_999_999_999_999_999n, -1n, 9_007_199_254_740_993n], 0);
  d38.splice(0, 6, 10n ** 38n - 1n, -(10n ** 38n - 1n), -1n, 2n ** 63n, -(2n ** 64n) - 1n, -(2n ** 100n) + 12345n);
  d38f.set([2 ** 53, -(2 ** 53), -1, 0], 0);
  dt.set([-719162, 2932896, -1, 0, -25567], 0); // 0001-01-01, 9999-12-31, 1969-12-31, 1970-01-01, 1900-01-01
  ts.set([-1, 1, -(2 ** 53), 2 ** 53, 1_700_000_000_123_456, -2_208_988_800_000_001], 0);
  tsB.set([253402300799999999n, -62135596800000000n, 0n, -1n], 0); // 9999-12-31 23:59:59.999999, 0001-01-01
  const v = (type: DataType, values: Vector['values'], nulls?: Uint8Array): Vector => ({ type, length: n, values, nulls });
  const strNulls = mask(n, 7, 3);
  strNulls.forEach((x, i) => x && (str[i] = '')); // null slots hold '' (as vectors do)
  const bigNulls = mask(n, 11, 5);
  bigNulls.forEach((x, i) => x && (bigF[i] = NaN)); // a null slot's value is ignored
  return [
    { name: 'flag', type: BOOLEAN, duck: 'BOOLEAN', physical: 'BOOLEAN', arrow: 'bool', vector: v(BOOLEAN, b, mask(n, 5, 2)) },
    { name: 'int', type: INTEGER, duck: 'INTEGER', physical: 'INT32', arrow: 'int32', vector: v(INTEGER, i32, mask(n, 13, 9)) },
    { name: 'big_double', type: BIGINT, duck: 'BIGINT', physical: 'INT64', arrow: 'int64', vector: v(BIGINT, bigF, bigNulls) },
    { name: 'big_int64', type: BIGINT, duck: 'BIGINT', physical: 'INT64', arrow: 'int64', vector: v(BIGINT, bigB, mask(n, 17, 12)) },
    { name: 'dbl', type: DOUBLE, duck: 'DOUBLE', physical: 'DOUBLE', arrow: 'double', vector: v(DOUBLE, dbl, mask(n, 19, 10)) },
    { name: 'Str ü', type: VARCHAR, duck: 'VARCHAR', physical: 'BYTE_ARRAY', arrow: 'string', vector: v(VARCHAR, str, strNulls) },
    { name: 'dec9', type: decimal(9, 3), duck: 'DECIMAL(9,3)', physical: 'INT32', arrow: 'decimal128(9, 3)', vector: v(decimal(9, 3), d9, mask(n, 23, 11)) },
    { name: 'dec15', type: decimal(15, 2), duck: 'DECIMAL(15,2)', physical: 'INT64', arrow: 'decimal128(15, 2)', vector: v(decimal(15, 2), d15, mask(n, 29, 13)) },
    { name: 'dec18', type: decimal(18, 4), duck: 'DECIMAL(18,4)', physical: 'INT64', arrow: 'decimal128(18, 4)', vector: v(decimal(18, 4), d18, mask(n, 31, 14)) },
    { name: 'dec38', type: decimal(38, 10), duck: 'DECIMAL(38,10)', physical: 'FIXED_LEN_BYTE_ARRAY', arrow: 'decimal128(38, 10)', vector: v(decimal(38, 10), d38, mask(n, 37, 15)) },
    { name: 'dec38_double', type: decimal(38, 10), duck: 'DECIMAL(38,10)', physical: 'FIXED_LEN_BYTE_ARRAY', arrow: 'decimal128(38, 10)', vector: v(decimal(38, 10), d38f, mask(n, 39, 20)) },
    { name: 'day', type: DATE, duck: 'DATE', physical: 'INT32', arrow: 'date32[day]', vector: v(DATE, dt, mask(n, 41, 16)) },
    { name: 'ts_double', type: TIMESTAMP, duck: 'TIMESTAMP', physical: 'INT64', arrow: 'timestamp[us]', vector: v(TIMESTAMP, ts, mask(n, 43, 17)) },
    { name: 'ts_int64', type: TIMESTAMP, duck: 'TIMESTAMP', physical: 'INT64', arrow: 'timestamp[us]', vector: v(TIMESTAMP, tsB, mask(n, 47, 18)) },
  ];
}

const COLS = sampleColumns();
const SCHEMA: Schema = COLS.map((c) => ({ name: c.name, type: c.type, nullable: true }));
const BATCH: Batch = { length: ROWS, columns: COLS.map((c) => c.vector) };

/** One form of each integral value, as toScalar gives them: number when |x| <= 2^53 - 1, else bigint (2^53 itself too). */
const canon = (t: DataType, x: Scalar): Scalar => {
  if (!isIntegral(t) || x === null) return x;
  const big = BigInt(x as number | bigint);
  return big <= BigInt(MAX_SAFE) && big >= -BigInt(MAX_SAFE) ? Number(big) : big;
};
const expected = (v: Vector) => Array.from({ length: v.length }, (_, i) => canon(v.type, valueAt(v, i)));

/** Rows [from, to) of a vector, in the same form. */
function slice(v: Vector, from: number, to: number): Vector {
  const vals = v.values as unknown as { slice(a: number, b: number): Vector['values'] };
  return { type: v.type, length: to - from, values: vals.slice(from, to), nulls: v.nulls?.slice(from, to) };
}

let dir: string;
let conn: DuckDBConnection;
const sql = (f: string) => `'${f.replace(/'/g, "''")}'`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kindling-parquet-batch-test-'));
  conn = await duck();
  await initParquet();
});
after(() => {
  conn?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function writeFile(name: string, schema: Schema, batches: Batch[] | Batch, codec: Compression): Promise<string> {
  const bytes = await encodeBatchParquet(schema, batches, codec);
  assert.ok(bytes instanceof Uint8Array);
  assert.equal(Buffer.from(bytes.subarray(0, 4)).toString(), 'PAR1');
  assert.equal(Buffer.from(bytes.subarray(bytes.length - 4)).toString(), 'PAR1');
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Every value as DuckDB reads it, column by column, in file order. */
async function duckColumns(file: string): Promise<{ names: string[]; columns: Scalar[][] }> {
  const r = await duckdbRows(conn, `SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sql(file)}, file_row_number = true) ORDER BY file_row_number`);
  return { names: r.columns.map((c) => c.name), columns: r.columns.map((_, k) => r.rows.map((row) => row[k])) };
}

describe('encodeBatchParquet read back by DuckDB', () => {
  for (const codec of CODECS) {
    test(`${codec}: every value of every type, column types, physical and logical types, codec`, async () => {
      const file = await writeFile(`all-${codec}.parquet`, SCHEMA, BATCH, codec);
      const got = await duckColumns(file);
      assert.deepEqual(got.names, COLS.map((c) => c.name));
      COLS.forEach((c, k) => assert.deepEqual(got.columns[k], expected(c.vector), `column ${c.name}`));

      const described = await rows(conn, `DESCRIBE SELECT * FROM read_parquet(${sql(file)})`);
      assert.deepEqual(described.map((d) => [d.column_name, d.column_type]), COLS.map((c) => [c.name, c.duck]));

      const schema = await rows(conn, `SELECT name, type, logical_type, repetition_type FROM parquet_schema(${sql(file)}) WHERE name <> 'arrow_schema'`);
      assert.equal(schema.length, COLS.length);
      for (const c of COLS) {
        const s = schema.find((x) => x.name === c.name)!;
        assert.equal(s.type, c.physical, `${c.name} physical type`);
        assert.equal(s.repetition_type, 'OPTIONAL');
        const logical = String(s.logical_type);
        if (c.type.id === 'DECIMAL') assert.equal(logical, `DecimalType(scale=${c.type.scale}, precision=${c.type.precision})`);
        else if (c.type.id === 'TIMESTAMP') assert.match(logical, /TimestampType\(isAdjustedToUTC=0, unit=TimeUnit\(MILLIS=<null>, MICROS=MicroSeconds\(\)/);
        else if (c.type.id === 'DATE') assert.equal(logical, 'DateType()');
        else if (c.type.id === 'VARCHAR') assert.match(logical, /String/);
        else assert.equal(s.logical_type, null, `${c.name}: a plain ${c.physical}`);
      }
      const meta = await rows(conn, `SELECT path_in_schema, compression FROM parquet_metadata(${sql(file)})`);
      assert.equal(meta.length, COLS.length, 'one row group, one chunk per column');
      for (const m of meta) assert.equal(m.compression, CODEC_NAME[codec], `codec of ${m.path_in_schema}`);
    });
  }

  test('exact beyond 2^53 and 2^63, checked in SQL: BIGINT, DECIMAL(38,10), TIMESTAMP text', async () => {
    const file = await writeFile('exact.parquet', SCHEMA, BATCH, 'zstd');
    const [r] = await rows(conn, `SELECT big_int64::VARCHAR AS b, dec38::VARCHAR AS d, dec18::VARCHAR AS d18, ts_int64::VARCHAR AS t, ts_double::VARCHAR AS td, day::VARCHAR AS dd
      FROM read_parquet(${sql(file)}, file_row_number = true) WHERE file_row_number = 1`);
    assert.deepEqual(r, { b: '-9223372036854775808', d: '-9999999999999999999999999999.9999999999', d18: '-99999999999999.9999', t: '0001-01-01 00:00:00', td: '1970-01-01 00:00:00.000001', dd: '9999-12-31' });
    const at = async (row: number, cols: string) => (await rows(conn, `SELECT ${cols} FROM read_parquet(${sql(file)}, file_row_number = true) WHERE file_row_number = ${row}`))[0];
    assert.deepEqual(await at(4, 'day::VARCHAR AS dd, dec38::VARCHAR AS d'), { dd: '1900-01-01', d: '-1844674407.3709551617' }); // -(2^64) - 1
    assert.deepEqual(await at(5, 'dec38::VARCHAR AS d, ts_double::VARCHAR AS t'), { d: '-126765060022822940149.6703193031', t: '1899-12-31 23:59:59.999999' });
  });

  test('several batches, in both vector forms, are every row in order', async () => {
    const cuts = [0, 1, 500, 500, ROWS]; // with an empty batch among them
    const batches: Batch[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) batches.push({ length: cuts[k + 1] - cuts[k], columns: COLS.map((c) => slice(c.vector, cuts[k], cuts[k + 1])) });
    // The same DECIMAL(15,2) values as bigints in the last batch: the two forms are one column.
    const d15 = COLS.findIndex((c) => c.name === 'dec15');
    const last = batches[batches.length - 1];
    const asDoubles = last.columns[d15];
    last.columns[d15] = { ...asDoubles, values: BigInt64Array.from(asDoubles.values as Float64Array, (x) => BigInt(x)) };
    const file = await writeFile('batches.parquet', SCHEMA, batches, 'snappy');
    const got = await duckColumns(file);
    COLS.forEach((c, k) => assert.deepEqual(got.columns[k], expected(c.vector), `column ${c.name}`));
  });

  test('no batches, or one empty batch, give a valid file with the schema', async () => {
    const cases: [string, Batch[] | Batch][] = [['none', []], ['empty', { length: 0, columns: COLS.map((c) => slice(c.vector, 0, 0)) }]];
    for (const [name, batches] of cases) {
      const file = await writeFile(`empty-${name}.parquet`, SCHEMA, batches, 'zstd');
      assert.equal((await rows(conn, `SELECT count(*)::INT AS n FROM read_parquet(${sql(file)})`))[0].n, 0, name);
      const described = await rows(conn, `DESCRIBE SELECT * FROM read_parquet(${sql(file)})`);
      assert.deepEqual(described.map((d) => [d.column_name, d.column_type]), COLS.map((c) => [c.name, c.duck]), name);
    }
  });
});

describe('encodeBatchParquet refuses what it cannot write exactly', () => {
  const one = (type: DataType, values: Vector['values'], name = 'x'): [Schema, Batch] => [
    [{ name, type, nullable: true }], { length: (values as ArrayLike<unknown>).length, columns: [{ type, length: (values as ArrayLike<unknown>).length, values }] }];
  const rejects = async ([s, b]: [Schema, Batch], code: string, message: RegExp, hint?: RegExp) =>
    assert.rejects(encodeBatchParquet(s, b, 'zstd'), (e: unknown) => {
      assert.ok(e instanceof KindlingError, String(e));
      assert.equal(e.code, code);
      assert.equal(e.place?.field, s[0].name);
      assert.match(e.message, message);
      if (hint) assert.match(e.hint ?? '', hint);
      return true;
    });

  test('an INTERVAL column: USAGE, naming the column, suggesting the cast to VARCHAR', async () => {
    const iv = vectorOf(INTERVAL, [{ months: 1, days: 2, micros: 3 }]);
    await rejects([[{ name: 'Wait time', type: INTERVAL, nullable: true }], { length: 1, columns: [iv] }], 'USAGE', /"Wait time" is an INTERVAL/, /CAST\("Wait time" AS VARCHAR\)/);
  });
  test('a DECIMAL value with more digits than its precision (both forms)', async () => {
    await rejects(one(decimal(9, 2), Float64Array.from([1, 1e9])), 'INTERNAL', /row 1 .*more than 9 digits/);
    await rejects(one(decimal(18, 2), BigInt64Array.from([1n, -(10n ** 18n)])), 'INTERNAL', /row 1 .*more than 18 digits/);
    await rejects(one(decimal(38, 0), [1n, 10n ** 38n]), 'INTERNAL', /row 1 /);
  });
  test('a fraction or a value beyond 2^53 in exact doubles', async () => {
    await rejects(one(BIGINT, Float64Array.from([1, 1.5])), 'INTERNAL', /row 1/);
    await rejects(one(TIMESTAMP, Float64Array.from([1, 2 ** 53 + 2])), 'INTERNAL', /row 1/);
    await rejects(one(decimal(20, 2), Float64Array.from([0.5])), 'INTERNAL', /row 0 .*not an exact integer/);
  });
  test('a vector of another type than the schema says, and duplicate column names', async () => {
    const [s, b] = one(INTEGER, Int32Array.from([1]));
    await rejects([[{ name: 'x', type: BIGINT, nullable: true }], b], 'INTERNAL', /holds INTEGER, the schema says BIGINT/);
    await rejects([[...s, ...s], { length: 1, columns: [b.columns[0], b.columns[0]] }], 'USAGE', /two output columns are named x/);
  });
});

const PYARROW_SCRIPT = `
import decimal, json, struct, sys
try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as e:
    sys.stderr.write("PYARROW_MISSING: " + str(e) + "\\n"); sys.exit(3)
decimal.getcontext().prec = 100
out = {}
for f in sys.argv[1:]:
    t = pq.read_table(f)
    cols = {}
    for fld in t.schema:
        col = t.column(fld.name)
        if pa.types.is_timestamp(fld.type) or pa.types.is_date32(fld.type):
            col = col.cast(pa.int64() if pa.types.is_timestamp(fld.type) else pa.int32())
        def conv(v, ty=fld.type):
            if v is None or isinstance(v, (bool, str)): return v
            if isinstance(v, int): return str(v)
            if isinstance(v, float): return struct.pack('<d', v).hex()
            if isinstance(v, decimal.Decimal): return str(int(v.scaleb(ty.scale)))
            raise TypeError(repr(v))
        cols[fld.name] = [conv(v) for v in col.to_pylist()]
    out[f] = {"types": {fld.name: str(fld.type) for fld in t.schema}, "rows": t.num_rows, "columns": cols}
print(json.dumps(out))
`;


/** A Scalar as the pyarrow script prints it: integral values as decimal strings, doubles as their 8 bytes in hex. */
function pyForm(t: DataType, x: Scalar): unknown {
  if (x === null || typeof x === 'boolean' || t.id === 'VARCHAR') return x;
  if (t.id === 'DOUBLE') { const b = Buffer.alloc(8); b.writeDoubleLE(x as number); return b.toString('hex'); }
  return String(x);
}

test('pyarrow reads the Arrow types and every value', async (t) => {
  const python = await pyarrowPython();
  if (!python) {
    const why = 'pyarrow is not provisioned; run `node scripts/provision.mjs python` (or `npm test`, which does it)';
    if (process.env.CI) assert.fail(`CI must provide pyarrow: ${why}`);
    return void t.skip(why);
  }
  const files: string[] = [];
  for (const c of CODECS) files.push(await writeFile(`pyarrow-${c}.parquet`, SCHEMA, BATCH, c));
  files.push(await writeFile('pyarrow-empty.parquet', SCHEMA, [], 'zstd'));
  const r = spawnSync(python, ['-c', PYARROW_SCRIPT, ...files], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  assert.ifError(r.error);
  assert.equal(r.status, 0, `${python} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, { types: Record<string, string>; rows: number; columns: Record<string, unknown[]> }>;
  for (const file of files) {
    const got = out[file];
    const empty = file.endsWith('empty.parquet');
    assert.equal(got.rows, empty ? 0 : ROWS);
    assert.deepEqual(got.types, Object.fromEntries(COLS.map((c) => [c.name, c.arrow])), `${file} arrow types`);
    for (const c of COLS) {
      const want = empty ? [] : expected(c.vector).map((x) => pyForm(c.type, x));
      assert.deepEqual(got.columns[c.name], want, `${file} ${c.name} (${typeName(c.type)}) values`);
    }
  }
  assert.ok(out[files[0]].columns.dec38.includes((-(2n ** 100n) + 12345n).toString()));
});
