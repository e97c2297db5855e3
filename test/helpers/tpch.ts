/**
 * TPC-H test data: the 8 tables made by tpchgen-cli (the pinned version scripts/provision.mjs
 * installs, or $KINDLING_TPCHGEN), generated once per scale factor and format into
 * `<cache>/tpch/<tpchgen version>/sf<sf>-<format>/` and reused; the engine's table declarations
 * for them; and DuckDB (the oracle) over the same files, with its answers as kindling Scalars.
 *
 * What tpchgen-cli 4.0.0 writes (one file per table, `<table>.csv` / `<table>.parquet`):
 *   csv      a header line of the lowercase column names; `,` between fields; LF line ends;
 *            the address and comment columns (c_address, s_address, *_comment) always in `"`,
 *            nothing else quoted (TPC-H text has no `"`, so no escapes occur); dates as
 *            YYYY-MM-DD; money with 2 decimals (`901.00`), quantities without (`17`).
 *   parquet  SNAPPY, DECIMAL(15,2), DATE and strings as declared below, but the integer widths
 *            differ in 7 columns: every key is INT64 (the nation and region keys are INTEGER
 *            below) and l_linenumber, ps_availqty are INT32 (BIGINT below); PARQUET_TYPE_DIFFERENCES.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { Scalar } from '../../src/types/vector.js';

export type TpchFormat = 'csv' | 'parquet';

export interface TpchData {
  dir: string;
  sf: number;
  format: TpchFormat;
  /** tpchgen-cli's version (`4.0.0`), part of the cache key. */
  version: string;
  /** Per table: its files (absolute paths) and its DDL column list (`l_orderkey BIGINT, ...`). */
  tables: Record<string, { files: string[]; schema: string }>;
}

/**
 * The TPC-H schema as DuckDB's tpch extension declares it (`CALL dbgen(sf=0)`; its dbgen.cpp):
 * keys BIGINT except the nation and region keys (INTEGER); l_linenumber and ps_availqty BIGINT;
 * p_size and o_shippriority INTEGER; money, quantity, discount and tax DECIMAL(15,2); dates DATE;
 * text VARCHAR. Columns in the order tpchgen-cli writes them.
 */
export const TPCH_COLUMNS: Record<string, [name: string, type: string][]> = {
  region: [['r_regionkey', 'INTEGER'], ['r_name', 'VARCHAR'], ['r_comment', 'VARCHAR']],
  nation: [['n_nationkey', 'INTEGER'], ['n_name', 'VARCHAR'], ['n_regionkey', 'INTEGER'], ['n_comment', 'VARCHAR']],
  supplier: [['s_suppkey', 'BIGINT'], ['s_name', 'VARCHAR'], ['s_address', 'VARCHAR'], ['s_nationkey', 'INTEGER'], ['s_phone', 'VARCHAR'], ['s_acctbal', 'DECIMAL(15,2)'], ['s_comment', 'VARCHAR']],
  customer: [['c_custkey', 'BIGINT'], ['c_name', 'VARCHAR'], ['c_address', 'VARCHAR'], ['c_nationkey', 'INTEGER'], ['c_phone', 'VARCHAR'], ['c_acctbal', 'DECIMAL(15,2)'], ['c_mktsegment', 'VARCHAR'], ['c_comment', 'VARCHAR']],
  part: [['p_partkey', 'BIGINT'], ['p_name', 'VARCHAR'], ['p_mfgr', 'VARCHAR'], ['p_brand', 'VARCHAR'], ['p_type', 'VARCHAR'], ['p_size', 'INTEGER'], ['p_container', 'VARCHAR'], ['p_retailprice', 'DECIMAL(15,2)'], ['p_comment', 'VARCHAR']],
  partsupp: [['ps_partkey', 'BIGINT'], ['ps_suppkey', 'BIGINT'], ['ps_availqty', 'BIGINT'], ['ps_supplycost', 'DECIMAL(15,2)'], ['ps_comment', 'VARCHAR']],
  orders: [['o_orderkey', 'BIGINT'], ['o_custkey', 'BIGINT'], ['o_orderstatus', 'VARCHAR'], ['o_totalprice', 'DECIMAL(15,2)'], ['o_orderdate', 'DATE'], ['o_orderpriority', 'VARCHAR'], ['o_clerk', 'VARCHAR'], ['o_shippriority', 'INTEGER'], ['o_comment', 'VARCHAR']],
  lineitem: [
    ['l_orderkey', 'BIGINT'], ['l_partkey', 'BIGINT'], ['l_suppkey', 'BIGINT'], ['l_linenumber', 'BIGINT'],
    ['l_quantity', 'DECIMAL(15,2)'], ['l_extendedprice', 'DECIMAL(15,2)'], ['l_discount', 'DECIMAL(15,2)'], ['l_tax', 'DECIMAL(15,2)'],
    ['l_returnflag', 'VARCHAR'], ['l_linestatus', 'VARCHAR'], ['l_shipdate', 'DATE'], ['l_commitdate', 'DATE'], ['l_receiptdate', 'DATE'],
    ['l_shipinstruct', 'VARCHAR'], ['l_shipmode', 'VARCHAR'], ['l_comment', 'VARCHAR'],
  ],
};

export const TPCH_TABLES = Object.keys(TPCH_COLUMNS);

/** The DDL column list of each table, as the engine's table declarations take it. */
export const TPCH_SCHEMA: Record<string, string> = Object.fromEntries(Object.entries(TPCH_COLUMNS).map(([t, cols]) => [t, cols.map(([n, ty]) => `${n} ${ty}`).join(', ')]));

/** Where tpchgen-cli 4.0.0's Parquet types (as DuckDB reads them) differ from TPCH_COLUMNS: `table.column: file type`. */
export const PARQUET_TYPE_DIFFERENCES: Record<string, string> = {
  'region.r_regionkey': 'BIGINT',
  'nation.n_nationkey': 'BIGINT',
  'nation.n_regionkey': 'BIGINT',
  'supplier.s_nationkey': 'BIGINT',
  'customer.c_nationkey': 'BIGINT',
  'partsupp.ps_availqty': 'INTEGER',
  'lineitem.l_linenumber': 'INTEGER',
};

/** The exact cardinalities of the TPC-H specification (clause 4.2.5); lineitem's is only ~6,000,000 x SF (60175 at SF 0.01). */
export function tpchRowCounts(sf: number): Record<string, number> {
  return { region: 5, nation: 25, supplier: 10_000 * sf, customer: 150_000 * sf, part: 200_000 * sf, partsupp: 800_000 * sf, orders: 1_500_000 * sf };
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)); // from dist/test/helpers/

interface ProvisionModule {
  tpchgenCli(): string | undefined;
  TPCHGEN_VERSION: string;
}
interface ServicesModule {
  cacheDir(): string;
  tryLock(lock: string): boolean;
}
const provisionMjs = async () => (await import(pathToFileURL(join(ROOT, 'scripts', 'provision.mjs')).href)) as ProvisionModule;
const servicesMjs = async () => (await import(pathToFileURL(join(ROOT, 'scripts', 'services.mjs')).href)) as ServicesModule;

/** Why the TPC-H tests cannot run here, and the one command that enables them. */
export const TPCHGEN_MISSING = 'tpchgen-cli is not provisioned; run `node scripts/provision.mjs tpchgen` (or `npm test`, which does it)';

/** tpchgen-cli's version (`tpchgen-cli 4.0.0` -> `4.0.0`), or undefined when it does not run. */
function versionOf(bin: string): string | undefined {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const m = r.status === 0 ? /^tpchgen-cli (\S+)/.exec(r.stdout.trim()) : null;
  return m?.[1];
}

/** The tpchgen-cli to run: $KINDLING_TPCHGEN (set by scripts/test.mjs), else the provisioned one, else undefined. */
export async function tpchgenPath(): Promise<string | undefined> {
  const env = process.env.KINDLING_TPCHGEN;
  if (env && versionOf(env)) return env;
  return (await provisionMjs()).tpchgenCli();
}

/** Runs a command with a progress line every 30 s; rejects with its output tail when it fails. */
function run(cmd: string, args: string[], what: string): Promise<void> {
  const t0 = Date.now();
  const tick = setInterval(() => console.error(`tpch:   still ${what} (${Math.round((Date.now() - t0) / 1000)} s)...`), 30_000);
  return new Promise((resolve, reject) => {
    let out = '';
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => (out = (out + b.toString()).slice(-4000));
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    p.on('error', (e) => {
      clearInterval(tick);
      reject(e);
    });
    p.on('exit', (code, sig) => {
      clearInterval(tick);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${sig ?? code}): ${out.trim()}`));
    });
  });
}

const EXT: Record<TpchFormat, string> = { csv: 'csv', parquet: 'parquet' };
const MANIFEST = 'tpchgen.json';

/** The files of a table in dir: `<table>.<ext>`, or `<table>/*.<ext>` when generated in parts. */
function tableFiles(dir: string, table: string, format: TpchFormat): string[] {
  const one = join(dir, `${table}.${EXT[format]}`);
  if (existsSync(one)) return [one];
  const sub = join(dir, table);
  if (!existsSync(sub)) return [];
  return readdirSync(sub).filter((f) => f.endsWith(`.${EXT[format]}`)).sort().map((f) => join(sub, f));
}

function located(dir: string, sf: number, format: TpchFormat, version: string): TpchData {
  const tables: TpchData['tables'] = {};
  for (const t of TPCH_TABLES) {
    const files = tableFiles(dir, t, format);
    if (!files.length) throw new Error(`${dir} has no ${t} files: remove the directory and run again`);
    tables[t] = { files, schema: TPCH_SCHEMA[t] };
  }
  return { dir, sf, format, version, tables };
}

/**
 * The 8 TPC-H tables at scale factor sf in the format: generated by tpchgen-cli once (into a
 * temporary directory, renamed when complete; under a lock when processes race), then reused.
 * Throws TPCHGEN_MISSING when tpchgen-cli is not provisioned.
 */
export async function tpchData(sf: number, format: TpchFormat): Promise<TpchData> {
  if (!(sf > 0)) throw new RangeError(`scale factor must be positive, not ${sf}`);
  const bin = await tpchgenPath();
  if (!bin) throw new Error(TPCHGEN_MISSING);
  const version = versionOf(bin)!;
  const { cacheDir, tryLock } = await servicesMjs();
  const dir = join(cacheDir(), 'tpch', version, `sf${sf}-${format}`);
  const done = () => existsSync(join(dir, MANIFEST));
  if (done()) return located(dir, sf, format, version);
  mkdirSync(join(dir, '..'), { recursive: true });
  const lock = `${dir}.lock`;
  while (!tryLock(lock)) {
    console.error(`tpch: another process is generating ${dir}; waiting...`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  try {
    if (done()) return located(dir, sf, format, version);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    console.error(`tpch: generating TPC-H SF ${sf} (${format}) with tpchgen-cli ${version} into ${dir} (one-time)...`);
    const t0 = Date.now();
    try {
      await run(bin, [format, '--scale-factor', String(sf), '--output-dir', tmp, '--no-progress', '--quiet'], `generating TPC-H SF ${sf}`);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    const seconds = (Date.now() - t0) / 1000;
    const bytes = TPCH_TABLES.flatMap((t) => tableFiles(tmp, t, format)).reduce((n, f) => n + statSync(f).size, 0);
    writeFileSync(join(tmp, MANIFEST), JSON.stringify({ tpchgen: version, sf, format, seconds, bytes }, null, 2) + '\n');
    located(tmp, sf, format, version); // every table is there
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    console.error(`tpch: SF ${sf} (${format}) ready in ${seconds.toFixed(1)} s, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    return located(dir, sf, format, version);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * DuckDB's read of one table's files, as a FROM item: read_csv with the dialect spelled out and
 * the declared columns (nothing detected), or read_parquet (the file's own types).
 */
export function duckdbSource(data: TpchData, table: string): string {
  const { files } = data.tables[table];
  const list = `[${files.map(quote).join(', ')}]`;
  if (data.format === 'parquet') return `read_parquet(${list})`;
  const columns = `{${TPCH_COLUMNS[table].map(([n, t]) => `${quote(n)}: ${quote(t)}`).join(', ')}}`;
  return `read_csv(${list}, header=true, auto_detect=false, delim=',', quote='"', escape='"', new_line='\\n', dateformat='%Y-%m-%d', columns=${columns})`;
}

/** An in-memory DuckDB with the 8 tables created with exactly the declared types and loaded from the data's files. */
export async function duckdbTpch(data: TpchData): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  for (const t of TPCH_TABLES) {
    await c.run(`create table ${t} (${data.tables[t].schema})`);
    const cols = TPCH_COLUMNS[t].map(([n]) => n).join(', ');
    await c.run(`insert into ${t} (${cols}) select ${cols} from ${duckdbSource(data, t)}`);
  }
  return c;
}

const num = (x: bigint): number | bigint => (x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x);

/**
 * A DuckDB value as a kindling Scalar (src/types/vector.ts): BIGINT, HUGEINT and DECIMAL (the
 * integer value x 10^scale) as number when |x| <= 2^53 - 1, else bigint; DATE days since
 * 1970-01-01; TIMESTAMP microseconds; INTERVAL {months, days, micros}; VARCHAR string; BOOLEAN;
 * DOUBLE number; NULL null. Types kindling does not have are an error naming them.
 */
export function toScalar(v: DuckDBValue, typeId: DuckDBTypeId, typeName: string): Scalar {
  if (v === null) return null;
  const o = v as unknown as Record<string, unknown>;
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return v as boolean;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return v as number;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return num(BigInt(v as bigint));
    case DuckDBTypeId.DECIMAL:
      return num(o.value as bigint);
    case DuckDBTypeId.DATE:
      return o.days as number;
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return num(o.micros as bigint);
    case DuckDBTypeId.TIMESTAMP_S:
      return num((o.seconds as bigint) * 1_000_000n);
    case DuckDBTypeId.TIMESTAMP_MS:
      return num((o.millis as bigint) * 1000n);
    case DuckDBTypeId.INTERVAL:
      return { months: o.months as number, days: o.days as number, micros: Number(o.micros as bigint) };
    case DuckDBTypeId.VARCHAR:
      return v as string;
    default:
      throw new TypeError(`DuckDB type ${typeName} has no kindling Scalar form`);
  }
}

export interface DuckdbResult {
  /** Names and DuckDB's type names (`BIGINT`, `DECIMAL(38,2)`, `HUGEINT`, ...). */
  columns: { name: string; type: string }[];
  rows: Scalar[][];
}

/** Runs a query; its rows with every value as a kindling Scalar (toScalar). */
export async function duckdbRows(conn: DuckDBConnection, sql: string): Promise<DuckdbResult> {
  const r = await conn.runAndReadAll(sql);
  const types = r.columnTypes();
  const columns = r.columnNames().map((name, i) => ({ name, type: types[i].toString() }));
  const rows = r.getRows().map((row) => row.map((v, i) => toScalar(v, types[i].typeId, columns[i].type)));
  return { columns, rows };
}
