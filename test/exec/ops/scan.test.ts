// The table scan (src/exec/ops/scan.ts), checked value by value against DuckDB reading the same
// files with the same types: the real event samples (whole, and cut into many small splits), a
// generated CSV holding every type (NULLs, quoted delimiters and newlines, negative decimals,
// dates before 1970, values beyond 2^53) plain, gzipped and in small splits, another dialect
// (delimiter, quote, nullValue, no header, a timestamp format), Parquet files DuckDB wrote
// (row-group splits, a committed output's _SUCCESS manifest), and the errors for bad records.
import { civilFromDays } from '../../../src/types/calendar.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { listSplits, readTable, scanSplit, scanTable, type BadRecordReport } from '../../../src/exec/ops/scan.js';
import type { TableSource } from '../../../src/plan/logical/nodes.js';
import { parseSchemaDdl, type Schema } from '../../../src/types/schema.js';
import { typeName, type DataType } from '../../../src/types/datatype.js';
import { isBig, isIntegral, valueAt, type Batch, type Interval, type Scalar } from '../../../src/types/vector.js';
import { KindlingError } from '../../../src/common/errors.js';
import { LocalStore } from '../../../src/storage/local.js';
import { concatBatches } from '../../../src/exec/ops/rows.js';
import { loadArrow } from '../../../src/formats/parquet.js';
import { REAL } from '../../helpers/fixtures.js';
import { duck } from '../../helpers/oracle.js';
import { rng } from '../../formats/csv/helpers.js';

const store = new LocalStore();
const EVENTS = parseSchemaDdl('event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, category_id BIGINT, category_code VARCHAR, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT, user_session VARCHAR');
const ALL = parseSchemaDdl('bo BOOLEAN, i INTEGER, g BIGINT, d DOUBLE, m DECIMAL(10,2), m18 DECIMAL(18,4), m38 DECIMAL(38,10), s VARCHAR, dt DATE, ts TIMESTAMP, iv INTERVAL');

let c: DuckDBConnection;
let dir: string;
before(async () => {
  c = await duck();
  dir = mkdtempSync(join(tmpdir(), 'kindling-scan-test-'));
});
after(() => {
  c?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const duckColumns = (s: Schema) => `{${s.map((f) => `${q(f.name)}: ${q(typeName(f.type))}`).join(', ')}}`;
const table = (uri: string, schema: Schema, more: Partial<TableSource> = {}): TableSource => ({ name: 't', uri, format: 'csv', schema, splitSize: 1 << 26, ...more });
const all = (s: Schema) => s.map((_, i) => i);

const dbl = (x: number) => (Object.is(x, -0) ? '-0' : String(x));
/** A DuckDB value as comparable text. */
function duckText(t: DataType, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  const o = v as Record<string, unknown>;
  switch (t.id) {
    case 'TIMESTAMP': return String(o.micros);
    case 'DATE': return String(o.days);
    case 'DECIMAL': return String(o.value);
    case 'INTERVAL': return `${o.months}/${o.days}/${o.micros}`;
    case 'DOUBLE': return dbl(v as number);
    case 'VARCHAR': return JSON.stringify(v);
    default: return String(v);
  }
}
/** A kindling value as the same text. */
function ourText(t: DataType, x: Scalar): string {
  if (x === null) return 'NULL';
  if (isIntegral(t)) return BigInt(x as number | bigint).toString();
  if (t.id === 'INTERVAL') { const iv = x as Interval; return `${iv.months}/${iv.days}/${BigInt(iv.micros)}`; }
  if (t.id === 'DOUBLE') return dbl(x as number);
  if (t.id === 'VARCHAR') return JSON.stringify(x);
  return String(x);
}

/** Every value of every row of `b` (columns `cols` of `schema`) against DuckDB's rows of `sql`; returns the row count. */
async function compare(b: Batch, schema: Schema, cols: number[], sql: string): Promise<number> {
  const expected = (await c.runAndReadAll(sql)).getRowObjects();
  assert.equal(b.length, expected.length, 'row count');
  assert.equal(b.columns.length, cols.length);
  const bad: string[] = [];
  for (let r = 0; r < expected.length && bad.length < 10; r++) {
    cols.forEach((col, k) => {
      const f = schema[col];
      assert.equal(b.columns[k].type, f.type);
      const want = duckText(f.type, expected[r][f.name]);
      const got = ourText(f.type, valueAt(b.columns[k], r));
      if (want !== got) bad.push(`row ${r} ${f.name}: duckdb ${want}, kindling ${got}`);
    });
  }
  assert.deepEqual(bad, []);
  return b.length;
}

async function collect(it: AsyncIterable<Batch>, schema: Schema, cols: number[]): Promise<Batch> {
  const parts: Batch[] = [];
  for await (const b of it) parts.push(b);
  return concatBatches(cols.map((i) => schema[i]), parts);
}

test('the real event samples read exactly as DuckDB reads them, whole and in small splits', async () => {
  const files = readdirSync(REAL).filter((f) => f.endsWith('.csv')).sort().map((f) => join(REAL, f));
  assert.equal(files.length, 3);
  const sql = `select * from read_csv([${files.map(q).join(', ')}], header=true, auto_detect=false, delim=',', quote='"', escape='"', columns=${duckColumns(EVENTS)})`;
  const whole = await readTable(store, table(REAL, EVENTS), all(EVENTS));
  assert.equal(await compare(whole, EVENTS, all(EVENTS), sql), 17434 + 120 + 270);
  // category_id is above 2^53: the bigint form, exact.
  assert.ok(isBig(whole.columns[3].values));
  assert.equal(valueAt(whole.columns[3], 0), 1487580005411062629n); // the cosmetics file sorts first
  assert.equal(valueAt(whole.columns[3], 390), 2103807459595387724n);
  assert.ok(whole.columns[2].values instanceof Float64Array); // product_id fits: exact doubles
  // String columns carry the scan's dictionary ids (distinct strings, one id per value).
  for (const k of [1, 4, 5]) {
    const v = whole.columns[k];
    assert.ok(v.dict, `${EVENTS[k].name} has a dictionary`);
    assert.equal(new Set(v.dict.strings).size, v.dict.strings.length);
    (v.values as string[]).forEach((s, i) => { if (!v.nulls?.[i]) assert.equal(v.dict!.strings[v.dict!.ids[i]], s); });
  }
  const small = table(REAL, EVENTS, { splitSize: 50_000 });
  const splits = await listSplits(store, small);
  assert.ok(splits.length > 40, `${splits.length} splits`);
  await compare(await collect(scanTable(store, small, all(EVENTS)), EVENTS, all(EVENTS)), EVENTS, all(EVENTS), sql);
  // A projection, in another order, one column twice.
  const cols = [6, 3, 1, 6];
  await compare(await readTable(store, small, cols), EVENTS, cols, `select price, category_id, event_type from (${sql})`);
  // No columns at all: the row count.
  assert.equal((await readTable(store, small, [])).length, 17824);
});

// ---- a generated CSV with every type ----

const pick = <T>(r: () => number, xs: T[]) => xs[Math.floor(r() * xs.length)];
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const dateText = (days: number) => { const [y, m, d] = civilFromDays(days); return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`; };
const csvField = (s: string, quote = '"', delim = ',') => (s.includes(delim) || s.includes(quote) || s.includes('\n') || s.startsWith(' ') ? quote + s.split(quote).join(quote + quote) + quote : s);
function scaled(r: () => number, digits: number, scale: number): string {
  let s = '';
  for (let k = 0; k < digits; k++) s += String(Math.floor(r() * 10));
  s = s.replace(/^0+(?=\d)/, '');
  const ip = s.length > scale ? s.slice(0, s.length - scale) : '0';
  const fp = s.padStart(scale, '0').slice(-scale);
  return (r() < 0.4 ? '-' : '') + ip + (scale ? '.' + fp : '');
}

function generated(rows: number, seed: number): string {
  const r = rng(seed);
  const lines = [ALL.map((f) => f.name).join(',')];
  const nul = (s: string) => (r() < 0.08 ? '' : s);
  for (let k = 0; k < rows; k++) {
    const ts = Math.floor((r() - 0.5) * 2 * 40e15); // about 1970 +- 1270 years: some beyond 2^53 µs
    const tsDays = Math.floor(ts / 86_400_000_000);
    const rest = ts - tsDays * 86_400_000_000;
    const clock = `${pad(Math.floor(rest / 3_600_000_000), 2)}:${pad(Math.floor(rest / 60_000_000) % 60, 2)}:${pad(Math.floor(rest / 1e6) % 60, 2)}`;
    const frac = rest % 1e6 ? '.' + pad(rest % 1e6, 6).replace(/0+$/, '') : '';
    const str = Array.from({ length: Math.floor(r() * 12) }, () => pick(r, ['a', 'b', 'Z', ' ', ',', '"', '\n', 'é', '😀', '|', "'", 'x'])).join('');
    lines.push([
      nul(pick(r, ['true', 'false', 't', 'f', 'TRUE', '1', '0'])),
      nul(pick(r, [String(Math.floor((r() - 0.5) * 2 ** 32)), '2147483647', '-2147483648', '0', String(Math.floor(r() * 100))])),
      nul(pick(r, [String(Math.floor((r() - 0.5) * 2 ** 40)), '9223372036854775807', '-9223372036854775808', (BigInt(Math.floor(r() * 2 ** 31)) << 32n).toString(), '-9007199254740993'])),
      nul(pick(r, [String((r() - 0.5) * 1e6), '-0', '1e300', '2.5E-10', String(r()), '-3', 'inf', '-inf', 'nan', '.5'])),
      nul(pick(r, [scaled(r, 10, 2), scaled(r, 3, 2), '1.005', '-1.005', '12', '0.1', '1.500'])),
      nul(scaled(r, 1 + Math.floor(r() * 18), 4)),
      nul(pick(r, [scaled(r, 38, 10), scaled(r, 5, 10), '-0.0000000001'])),
      r() < 0.05 ? '""' : nul(csvField(str)),
      nul(dateText(Math.floor(-700_000 + r() * 1_500_000))),
      nul(`${dateText(tsDays)}${pick(r, [' ', 'T'])}${clock}${frac}${pick(r, ['', '', 'Z', ' UTC'])}`),
      nul(pick(r, ['1 year 2 months 3 days 04:05:06.5', '-1 day -00:00:01', '90 minutes', '2 weeks', '1.5 days', '00:00:00.000001', '3 mons', '-2 years', '1 month -03:00:00', '10:00'])),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

const allSql = (file: string) => `select * from read_csv(${q(file)}, header=true, auto_detect=false, delim=',', quote='"', escape='"', columns=${duckColumns(ALL)})`;

test('a generated CSV with every type: plain, gzipped and in small splits, each row once', async () => {
  const file = join(dir, 'all.csv');
  writeFileSync(file, generated(1500, 42));
  const gz = join(dir, 'all.csv.gz');
  writeFileSync(gz, gzipSync(generated(1500, 42)));
  const sql = allSql(file);
  const whole = await readTable(store, table(file, ALL), all(ALL));
  await compare(whole, ALL, all(ALL), sql);
  // Every form appears: exact doubles and bigints, the wide decimal as bigint[], nulls.
  assert.ok(isBig(whole.columns[2].values) && whole.columns[5].values instanceof BigInt64Array && Array.isArray(whole.columns[6].values));
  assert.ok(whole.columns[9].values instanceof BigInt64Array, 'timestamps beyond 2^53 µs');
  assert.ok(whole.columns.every((v) => v.nulls));

  const zipped = await listSplits(store, table(gz, ALL, { splitSize: 1000 }));
  assert.equal(zipped.length, 1);
  await compare(await readTable(store, table(gz, ALL, { splitSize: 1000 }), all(ALL)), ALL, all(ALL), sql);

  for (const size of [997, 4096]) {
    const t = table(file, ALL, { splitSize: size });
    const splits = await listSplits(store, t);
    assert.ok(splits.length > 20);
    assert.equal(splits[0].start, 0);
    for (let k = 1; k < splits.length; k++) assert.equal(splits[k].start, splits[k - 1].end);
    const parts: Batch[] = [];
    for (const s of splits) for await (const b of scanSplit(store, t, s, all(ALL), { batchRows: 7 })) parts.push(b);
    assert.ok(parts.every((b) => b.length <= 7));
    await compare(await collect((async function* () { yield* parts; })(), ALL, all(ALL)), ALL, all(ALL), sql);
  }
});

test('another dialect: delimiter, quote, nullValue, no header, a timestamp format', async () => {
  const schema = parseSchemaDdl('s VARCHAR, i INTEGER, ts TIMESTAMP, m DECIMAL(10,2), dt DATE');
  const file = join(dir, 'dialect.txt');
  const r = rng(7);
  const lines: string[] = [];
  for (let k = 0; k < 400; k++) {
    const s = pick(r, ['', 'NA', "it's", 'a|b', 'plain', 'x\ny']);
    lines.push([
      s === 'NA' ? 'NA' : csvField(s, "'", '|'),
      r() < 0.2 ? 'NA' : String(Math.floor((r() - 0.5) * 1e6)),
      r() < 0.2 ? 'NA' : `${pad(1 + Math.floor(r() * 28), 2)}/${pad(1 + Math.floor(r() * 12), 2)}/${1900 + Math.floor(r() * 200)} ${pad(Math.floor(r() * 24), 2)}:${pad(Math.floor(r() * 60), 2)}:${pad(Math.floor(r() * 60), 2)}.${pad(Math.floor(r() * 1e6), 6)}`,
      r() < 0.2 ? 'NA' : scaled(r, 6, 2),
      r() < 0.2 ? 'NA' : dateText(Math.floor((r() - 0.5) * 100_000)),
    ].join('|'));
  }
  writeFileSync(file, lines.join('\n'));
  const csv = { header: false, delimiter: '|', quote: "'", nullValue: 'NA', timestampFormat: '%d/%m/%Y %H:%M:%S.%f' };
  const sql = `select * from read_csv(${q(file)}, header=false, auto_detect=false, delim='|', quote='''', escape='''', nullstr='NA', timestampformat='%d/%m/%Y %H:%M:%S.%f', columns=${duckColumns(schema)})`;
  for (const splitSize of [1 << 20, 500]) {
    const b = await readTable(store, table(file, schema, { csv, splitSize }), all(schema));
    await compare(b, schema, all(schema), sql);
    const strings = b.columns[0];
    assert.ok([...Array(b.length).keys()].some((i) => valueAt(strings, i) === ''), 'an empty VARCHAR field is the empty string');
    assert.ok([...Array(b.length).keys()].some((i) => valueAt(strings, i) === null), 'NA is NULL');
  }
});

test('lenient spellings, zone offsets and the edges of each type', async () => {
  const schema = parseSchemaDdl('ts TIMESTAMP, i INTEGER, b BOOLEAN, m DECIMAL(5,2), dt DATE');
  const file = join(dir, 'edges.csv');
  writeFileSync(file, 'ts,i,b,m,dt\n2019-10-01T02:00:00+02:00, 12 ,Yes,1e2,2020-2-9\n1969-12-31 23:59:59.9999999,+5,F,-999.994,1970-01-01\n');
  const b = await readTable(store, table(file, schema), all(schema));
  assert.deepEqual([0, 1].map((r) => b.columns.map((v) => valueAt(v, r))), [
    [1569888000000000, 12, true, 10000, 18301],
    [-1, 5, false, -99999, 0],
  ]);
});

// ---- Parquet ----

test('Parquet files DuckDB wrote read back equal, in row-group splits, with projections', async () => {
  const csv = join(dir, 'all-pq.csv');
  writeFileSync(csv, generated(9000, 9));
  const schema = ALL.slice(0, 10); // all but INTERVAL
  const pq = join(dir, 'all.parquet');
  await c.run(`copy (select * exclude (iv) from (${allSql(csv)})) to ${q(pq)} (format parquet, row_group_size 256)`);
  const sql = `select * from read_parquet(${q(pq)})`;
  const t = table(pq, schema, { format: 'parquet' });
  await compare(await readTable(store, t, all(schema)), schema, all(schema), sql);
  const cols = [9, 2, 7, 2];
  await compare(await readTable(store, t, cols), schema, cols, `select ts, g, s from read_parquet(${q(pq)})`);
  // DuckDB writes row groups of 2048 rows at least: 5 here, one split each at a tiny splitSize.
  const groups = (await c.runAndReadAll(`select count(distinct row_group_id)::INTEGER as n from parquet_metadata(${q(pq)})`)).getRowObjects()[0].n;
  assert.equal(groups, 5);
  const small = { ...t, splitSize: 1 };
  const splits = await listSplits(store, small);
  assert.deepEqual(splits.map((s) => s.rowGroups), [[0], [1], [2], [3], [4]]);
  await compare(await readTable(store, small, all(schema)), schema, all(schema), sql);
  assert.equal((await readTable(store, small, [])).length, 9000);
  assert.equal((await listSplits(store, { ...t, splitSize: 1 << 30 })).length, 1);

  // An INTERVAL column is refused (the reader would drop its months), naming the file and column.
  const iv = join(dir, 'iv.parquet');
  await c.run(`copy (select interval '14 months' as iv) to ${q(iv)} (format parquet)`);
  await assert.rejects(readTable(store, table(iv, parseSchemaDdl('iv INTERVAL'), { format: 'parquet' }), [0]),
    (e: unknown) => e instanceof KindlingError && e.place?.field === 'iv' && e.place.file === iv && /months/.test(e.message));
  // A column the file does not have.
  await assert.rejects(readTable(store, table(iv, parseSchemaDdl('nope VARCHAR'), { format: 'parquet' }), [0]),
    (e: unknown) => e instanceof KindlingError && e.code === 'INPUT_BAD_HEADER' && /no column nope/.test(e.message));
});

test('Parquet written through Arrow: a dictionary-encoded string column and int64 beyond 2^53', async () => {
  const arrow = loadArrow();
  const pw = await import('parquet-wasm');
  const s = arrow.vectorFromArray(['a', 'b', null, 'a', 'é'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
  const n = arrow.vectorFromArray([1n, null, -3n, 2n ** 60n, 0n], new arrow.Int64());
  const file = join(dir, 'dict.parquet');
  writeFileSync(file, pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table({ s, n }), 'stream'))));
  const schema = parseSchemaDdl('s VARCHAR, n BIGINT');
  const t = table(file, schema, { format: 'parquet' });
  const b = await readTable(store, t, [0, 1]);
  assert.deepEqual(Array.from({ length: 5 }, (_, i) => [valueAt(b.columns[0], i), valueAt(b.columns[1], i)]), [['a', 1n], ['b', null], [null, -3n], ['a', 2n ** 60n], ['é', 0n]]);
  assert.ok(b.columns[1].values instanceof BigInt64Array);
  await compare(b, schema, [0, 1], `select * from read_parquet(${q(file)})`);
  // An integer column read as a DECIMAL, and a mismatch named.
  const d = await readTable(store, { ...t, schema: parseSchemaDdl('s VARCHAR, n DECIMAL(21,2)') }, [1]);
  assert.deepEqual(Array.from({ length: 5 }, (_, i) => valueAt(d.columns[0], i)), [100n, null, -300n, 2n ** 60n * 100n, 0n]);
  assert.ok(Array.isArray(d.columns[0].values)); // DECIMAL(21,2) in its bigint form: bigint[]
  await assert.rejects(readTable(store, { ...t, schema: parseSchemaDdl('s VARCHAR, n DECIMAL(20,2)') }, [1]), /out of the range of DECIMAL\(20,2\)/);
  await assert.rejects(readTable(store, { ...t, schema: parseSchemaDdl('s DATE') }, [0]), (e: unknown) => e instanceof KindlingError && e.code === 'INPUT_BAD_HEADER' && /does not read as DATE/.test(e.message));
});

test('a committed output is read for exactly the files its _SUCCESS manifest lists', async () => {
  const out = join(dir, 'out');
  mkdirSync(join(out, 'totals'), { recursive: true });
  for (let p = 0; p < 3; p++) await c.run(`copy (select range + ${p * 100} as n from range(${10 + p})) to ${q(join(out, 'totals', `part-0000${p}.parquet`))} (format parquet)`);
  // part-00002 is a leftover the manifest does not list.
  const files = [0, 1].map((p) => ({ path: `totals/part-0000${p}.parquet`, rows: 10 + p, bytes: 0 }));
  writeFileSync(join(out, '_SUCCESS'), JSON.stringify({ tables: { totals: { rows: 21, columns: ['n'], files } } }));
  const schema = parseSchemaDdl('n BIGINT');
  const expected = [...Array(10).keys(), ...Array.from({ length: 11 }, (_, i) => 100 + i)];
  for (const uri of [out, join(out, 'totals'), join(out, 'totals') + '/']) {
    const b = await readTable(store, table(uri, schema, { format: 'parquet' }), [0]);
    assert.deepEqual(Array.from({ length: b.length }, (_, i) => valueAt(b.columns[0], i)), expected, uri);
  }
});

// ---- errors ----

const where = (e: unknown) => (e instanceof KindlingError ? { code: e.code, ...e.place } : e);

test('a bad value names the file, byte offset, line and field; a wrong field count likewise; skip drops them', async () => {
  const schema = parseSchemaDdl('id INTEGER, dt DATE, s VARCHAR');
  const rows = ['id,dt,s', '1,2020-01-31,a', '2,2020-13-01,b', '3,1969-07-20', '4,1900-02-28,"x,y"'];
  const file = join(dir, 'bad.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  const offset = (k: number) => rows.slice(0, k).join('\n').length + 1;
  const t = table(file, schema);
  await assert.rejects(readTable(store, t, [0, 1, 2]), (e: unknown) => {
    assert.deepEqual(where(e), { code: 'INPUT_BAD_RECORD', file, offset: offset(2), line: 3, field: 'dt' });
    assert.match((e as Error).message, /dt: "2020-13-01" is not a DATE/);
    return true;
  });
  // Without the DATE column, the wrong field count of row 3 is the first bad record.
  await assert.rejects(readTable(store, t, [0]), (e: unknown) => {
    assert.deepEqual(where(e), { code: 'INPUT_BAD_RECORD', file, offset: offset(3), line: 4 });
    assert.match((e as Error).message, /expected 3 fields, found 2/);
    return true;
  });
  // In a split that does not start the file, the offset is still the file's (the line is not known).
  const size = rows.join('\n').length + 1;
  const later = { uri: file, start: offset(2) - 3, end: size, fileSize: size, gzip: false };
  await assert.rejects(collect(scanSplit(store, t, later, [1]), schema, [1]), (e: unknown) => {
    assert.deepEqual(where(e), { code: 'INPUT_BAD_RECORD', file, offset: offset(2), field: 'dt' });
    return true;
  });
  // skip: the good rows, each bad record reported once.
  const seen: BadRecordReport[] = [];
  const b = await readTable(store, t, [2, 0, 1], { bad: { onBadRecord: 'skip', onBad: (r) => seen.push(r) } });
  assert.deepEqual([0, 1].map((k) => Array.from({ length: b.length }, (_, i) => valueAt(b.columns[k], i))), [['a', 'x,y'], [1, 4]]);
  assert.deepEqual(seen.map((r) => [r.offset, r.line, r.field]), [[offset(2), 3, 'dt'], [offset(3), 4, undefined]]);
  await assert.rejects(readTable(store, t, [0], { bad: { onBadRecord: 'skip', maxCount: 0 } }), /too many bad records/);
});

test('each type rejects what is not its value', async () => {
  const cases: [string, string][] = [
    ['INTEGER', '2147483648'], ['INTEGER', '1.5x'], ['BIGINT', '9223372036854775808'], ['DOUBLE', '1..2'], ['DECIMAL(5,2)', '1000.00'],
    ['DECIMAL(38,20)', '1e30'], ['BOOLEAN', 'maybe'], ['DATE', '2019-02-29'], ['TIMESTAMP', '2019-10-01 25:00:00'], ['INTERVAL', '3 fortnights'],
  ];
  for (const [type, text] of cases) {
    const file = join(dir, 'one.csv');
    writeFileSync(file, `x\n${text}\n`);
    await assert.rejects(readTable(store, table(file, parseSchemaDdl(`x ${type}`)), [0]),
      (e: unknown) => e instanceof KindlingError && e.code === 'INPUT_BAD_RECORD' && e.place?.offset === 2 && e.place.field === 'x' && e.place.line === 2, `${type} ${text}`);
    // DuckDB refuses it too.
    await assert.rejects(c.runAndReadAll(`select * from read_csv(${q(file)}, header=true, auto_detect=false, columns={'x': ${q(type)}})`), `${type} ${text} in DuckDB`);
  }
  await assert.rejects(listSplits(store, table(join(dir, 'missing', '*.csv'), ALL)), (e: unknown) => e instanceof KindlingError && e.code === 'INPUT_NOT_FOUND');
});

// ---- JSON Lines ----

test('JSON Lines DuckDB wrote read back equal: every type but INTERVAL, plain, gzipped, in small splits', async () => {
  const csv = join(dir, 'all-for-json.csv');
  writeFileSync(csv, generated(1200, 7));
  const file = join(dir, 'all.jsonl');
  const schema = ALL.filter((f) => f.type.id !== 'INTERVAL');
  const sql = `select * exclude (iv) from (${allSql(csv)})`;
  // DuckDB writes DECIMAL and BIGINT as numbers with every digit, DATE and TIMESTAMP as strings.
  await c.run(`copy (${sql}) to ${q(file)} (format json)`);
  const whole = await readTable(store, table(file, schema, { format: 'jsonl' }), all(schema));
  await compare(whole, schema, all(schema), sql);
  assert.ok(isBig(whole.columns[2].values), 'BIGINT past 2^53 exact');
  const gz = join(dir, 'all.jsonl.gz');
  writeFileSync(gz, gzipSync(readFileSync(file)));
  await compare(await readTable(store, table(gz, schema, { format: 'jsonl', splitSize: 500 }), all(schema)), schema, all(schema), sql);
  for (const size of [701, 5000]) {
    const t = table(file, schema, { format: 'jsonl', splitSize: size });
    const splits = await listSplits(store, t);
    assert.ok(splits.length > 20, `${splits.length} splits`);
    await compare(await collect(scanTable(store, t, all(schema), { batchRows: 5 }), schema, all(schema)), schema, all(schema), sql);
  }
  // A projection in another order.
  await compare(await readTable(store, table(file, schema, { format: 'jsonl', splitSize: 3000 }), [7, 2]), schema, [7, 2], `select s, g from (${sql})`);
});

test('JSON Lines: field names ignoring case, missing fields and null as NULL, nested values and numbers as VARCHAR, CRLF and blank lines', async () => {
  const file = join(dir, 'loose.jsonl');
  writeFileSync(file, [
    '{"ID": 1, "name": "a\\"b\\u00e9", "tags": {"x": [1, 2]}, "n": 12.50, "ok": true}',
    '',
    '{"id": 9007199254740993, "name": null, "n": "7.25", "extra": "ignored"}\r',
    '{"id": -3, "tags": [1, "}"], "n": 1e2, "ok": false, "name": 42}',
  ].join('\n') + '\n');
  const schema = parseSchemaDdl('id BIGINT, name VARCHAR, tags VARCHAR, n DECIMAL(10,2), ok BOOLEAN');
  const b = await readTable(store, table(file, schema, { format: 'jsonl' }), all(schema));
  const rows = Array.from({ length: b.length }, (_, r) => b.columns.map((v) => valueAt(v, r)));
  assert.deepEqual(rows, [
    [1n, 'a"bé', '{"x": [1, 2]}', 1250, true], // one id is past 2^53: the column's bigint form
    [9007199254740993n, null, null, 725, null],
    [-3n, '42', '[1, "}"]', 10000, false],
  ]);
});

test('JSON Lines: a broken line or a value of the wrong type names the file, offset, line and field; skip drops it', async () => {
  const file = join(dir, 'bad.jsonl');
  const lines = ['{"id": 1, "d": "2020-01-01"}', '{"id": 2, "d": "2020-01-01"', '{"id": 3.5, "d": "2020-01-02"}', '{"id": 4, "d": "yesterday"}', '{"id": 5, "d": "2020-01-03"}'];
  writeFileSync(file, lines.join('\n') + '\n');
  const schema = parseSchemaDdl('id BIGINT, d DATE');
  const t = table(file, schema, { format: 'jsonl' });
  await assert.rejects(readTable(store, t, all(schema)), (e: unknown) => {
    assert.ok(e instanceof KindlingError && e.code === 'INPUT_BAD_RECORD', String(e));
    assert.equal(e.place?.file, file);
    assert.equal(e.place?.line, 2);
    assert.equal(e.place?.offset, lines[0].length + 1);
    assert.match(e.message, /expected ',' or '}'/);
    return true;
  });
  const seen: BadRecordReport[] = [];
  const b = await readTable(store, t, all(schema), { bad: { onBadRecord: 'skip', onBad: (r) => seen.push(r) } });
  assert.deepEqual(Array.from({ length: b.length }, (_, r) => valueAt(b.columns[0], r)), [1, 5]);
  assert.deepEqual(seen.map((r) => [r.line, r.field]), [[2, undefined], [3, 'id'], [4, 'd']]);
  assert.match(seen[1].reason, /3\.5 is not an integer/);
  assert.match(seen[2].reason, /"yesterday" is not a DATE/);
});
