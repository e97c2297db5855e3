/**
 * Parquet writer candidates, measured side by side on the same result table.
 *
 *   npx tsc -p tsconfig.json; node dist/bench/parquet-libs.js [--rows 300000] [--runs 5]
 *
 * For each candidate (parquet-wasm through kindling's encodeParquet, hyparquet-writer,
 * parquetjs-lite) and each codec (zstd, snappy, gzip, none):
 *   - write time: median of --runs writes of the whole table, in one warm process;
 *   - file size;
 *   - correctness: every value read back with DuckDB (@duckdb/node-api) and with hyparquet,
 *     the int64 columns counted separately; the codec, the physical/logical types and the
 *     string dictionary pages checked with parquet_metadata() / parquet_schema();
 *   - a zero-row table written and read back;
 *   - startup: module load and the first (1,000-row) write, in fresh processes (median of 3).
 * Results and the decision: docs/parquet-libraries.md. Libraries are imported lazily so the
 * startup probe (`--startup NAME`, run in a child process) times only the library's own load.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import type { Compression, OutColumn, OutTable } from '../src/types/table.js';

const CODECS: Compression[] = ['zstd', 'snappy', 'gzip', 'none'];
const UPPER: Record<Compression, 'ZSTD' | 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED'> = { zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', none: 'UNCOMPRESSED' };
const PHYSICAL: Record<OutColumn['type'], string> = { utf8: 'BYTE_ARRAY', int64: 'INT64', int32: 'INT32', float64: 'DOUBLE' };
// zlib gained zstd in Node 22.15; on Node 20 there is none without another package.
const zstdCompress = (zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Buffer }).zstdCompressSync;

interface Candidate {
  name: string;
  load(): Promise<void>;
  write(t: OutTable, c: Compression): Promise<Uint8Array>;
}

// ---------------------------------------------------------------- candidates
let kindling: typeof import('../src/formats/parquet.js');
const parquetWasm: Candidate = {
  name: 'parquet-wasm 0.8 (kindling encodeParquet)',
  async load() { kindling = await import('../src/formats/parquet.js'); await kindling.initParquet(); },
  write: (t, c) => kindling.encodeParquet(t, c),
};

let hw: typeof import('hyparquet-writer');
const HW_TYPE = { utf8: 'STRING', int64: 'INT64', int32: 'INT32', float64: 'DOUBLE' } as const;
const hyparquetWriter: Candidate = {
  name: 'hyparquet-writer 0.17',
  async load() { hw = await import('hyparquet-writer'); },
  async write(t, c) {
    const columnData = t.columns.map((col) => ({ name: col.name, type: HW_TYPE[col.type], nullable: true, data: jsColumn(col, t.rows, true) }));
    const compressors: Record<string, (b: Uint8Array) => Uint8Array> = { GZIP: (b) => gzipSync(b) }; // our 1-line adapter
    if (zstdCompress) compressors.ZSTD = (b) => zstdCompress(b);
    // Same row-group size as arrow-rs' default, so sizes compare like for like.
    const buf = hw.parquetWriteBuffer({ columnData: columnData as never, codec: UPPER[c], compressors, rowGroupSize: 1024 * 1024 });
    return new Uint8Array(buf);
  },
};

// parquetjs-lite ships no types; a non-literal specifier keeps tsc from looking for them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let pjs: any;
const PJS_TYPE = { utf8: 'UTF8', int64: 'INT64', int32: 'INT32', float64: 'DOUBLE' } as const;
const parquetjsLite: Candidate = {
  name: 'parquetjs-lite 0.8.7',
  async load() { const spec = 'parquetjs-lite'; pjs = (await import(spec)).default; },
  async write(t, c) {
    const fields: Record<string, unknown> = {};
    for (const col of t.columns) fields[col.name] = { type: PJS_TYPE[col.type], optional: true, compression: UPPER[c] };
    const schema = new pjs.ParquetSchema(fields);
    const chunks: Buffer[] = [];
    const out = new Writable({ write(chunk: Buffer, _e, cb) { chunks.push(chunk); cb(); } });
    const w = await pjs.ParquetWriter.openStream(schema, out, { rowGroupSize: 1024 * 1024 });
    const cols = t.columns.map((col) => jsColumn(col, t.rows, false));
    for (let r = 0; r < t.rows; r++) {
      const row: Record<string, unknown> = {};
      for (let k = 0; k < cols.length; k++) { const v = cols[k][r]; if (v !== null) row[t.columns[k].name] = v; }
      await w.appendRow(row);
    }
    await w.close();
    return new Uint8Array(Buffer.concat(chunks));
  },
};

const CANDIDATES = [parquetWasm, hyparquetWriter, parquetjsLite];

/** Column as a JS array the pure-JS writers accept; int64 as bigint (exact), or the typed array itself. */
function jsColumn(col: OutColumn, n: number, keepTyped: boolean): ArrayLike<unknown> {
  if (col.type === 'utf8') return col.values;
  if (keepTyped && !col.nulls && !(col.type === 'int64' && col.values instanceof Float64Array)) return col.values;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    out[i] = col.nulls?.[i] ? null : col.type === 'int64' ? BigInt(col.values[i]) : col.values[i];
  }
  return out;
}

// ---------------------------------------------------------------- the table
function makeTable(rows: number): OutTable {
  let s = 0x9e3779b9;
  const rnd = () => { s = (s + 0x6d2b79f5) | 0; let t = Math.imul(s ^ (s >>> 15), 1 | s); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  // Random low bits: rnd() has 32 bits, so rnd() * 2^40 alone would only give multiples of 256 (exact doubles).
  const cats = Array.from({ length: 600 }, () => 2053013552000000000n + (BigInt(Math.floor(rnd() * 2 ** 30)) << 20n) + BigInt(Math.floor(rnd() * 2 ** 20)));
  cats[0] = 2053013552326770905n; cats[1] = 2053013555631882655n; // real REES46 ids
  const codes = Array.from({ length: 130 }, (_, i) => `${['electronics', 'appliances', 'apparel', 'furniture', 'kids'][i % 5]}.sub${i}.item${i * 7}`);
  const brands = Array.from({ length: 2000 }, (_, i) => `brand${i}${i % 3 === 0 ? '-ü' : ''}`);
  const categoryId = new BigInt64Array(rows), userId = new Float64Array(rows);
  const code: (string | null)[] = new Array(rows), brand: (string | null)[] = new Array(rows);
  const events = new Int32Array(rows), purchases = new Int32Array(rows), pNull = new Uint8Array(rows);
  const revenue = new Float64Array(rows), rNull = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    categoryId[i] = cats[Math.floor(rnd() * cats.length)];
    userId[i] = 500_000_000 + Math.floor(rnd() * 120_000_000);
    code[i] = rnd() < 0.3 ? null : codes[Math.floor(rnd() * codes.length)];
    brand[i] = rnd() < 0.3 ? null : brands[Math.floor(rnd() * brands.length)];
    events[i] = 1 + Math.floor(rnd() * 500);
    purchases[i] = Math.floor(rnd() * 20); pNull[i] = rnd() < 0.1 ? 1 : 0;
    revenue[i] = Math.round(rnd() * 257_400) / 100; rNull[i] = rnd() < 0.2 ? 1 : 0;
  }
  return {
    rows, columns: [
      { name: 'category_id', type: 'int64', values: categoryId },
      { name: 'user_id', type: 'int64', values: userId },
      { name: 'category_code', type: 'utf8', values: code },
      { name: 'brand', type: 'utf8', values: brand },
      { name: 'events', type: 'int32', values: events },
      { name: 'purchases', type: 'int32', values: purchases, nulls: pNull },
      { name: 'revenue', type: 'float64', values: revenue, nulls: rNull },
    ],
  };
}

function expected(col: OutColumn, i: number): unknown {
  if (col.type === 'utf8') return col.values[i];
  if (col.nulls?.[i]) return null;
  return col.type === 'int64' ? BigInt(col.values[i]) : col.values[i];
}

/** Wrong values per column (a column missing or mis-sized counts every row wrong). */
function mismatches(t: OutTable, got: Map<string, ArrayLike<unknown>>): Record<string, number> {
  const bad: Record<string, number> = {};
  for (const col of t.columns) {
    const vals = got.get(col.name);
    let n = 0;
    for (let i = 0; i < t.rows; i++) {
      let v = vals?.[i] ?? null;
      if (col.type === 'int64' && typeof v === 'number') v = BigInt(v);
      if (v !== expected(col, i)) n++;
    }
    bad[col.name] = n;
  }
  return bad;
}

// ---------------------------------------------------------------- readers
type Conn = Awaited<ReturnType<Awaited<ReturnType<typeof import('@duckdb/node-api').DuckDBInstance.create>>['connect']>>;
const q = (f: string) => `'${f.replace(/'/g, "''")}'`;

async function duckValues(c: Conn, file: string): Promise<Map<string, ArrayLike<unknown>>> {
  const r = await c.runAndReadAll(`SELECT * FROM read_parquet(${q(file)}, file_row_number = true) ORDER BY file_row_number`);
  const names = r.columnNames(), cols = r.getColumns();
  return new Map(names.map((n, i) => [n, cols[i]]));
}

interface FileFacts { codecOk: boolean; typesOk: boolean; dictStrings: boolean; typeText: string }
async function duckFacts(c: Conn, file: string, t: OutTable, codec: Compression): Promise<FileFacts> {
  const meta = (await c.runAndReadAll(`SELECT path_in_schema, compression, encodings, dictionary_page_offset FROM parquet_metadata(${q(file)})`)).getRowObjects();
  const schema = (await c.runAndReadAll(`SELECT name, type, converted_type, logical_type FROM parquet_schema(${q(file)})`)).getRowObjects();
  const codecOk = meta.length > 0 && meta.every((m) => m.compression === UPPER[codec]);
  const strCols = t.columns.filter((col) => col.type === 'utf8').map((col) => col.name);
  const dictStrings = strCols.every((n) => meta.filter((m) => m.path_in_schema === n).every((m) => String(m.encodings).includes('DICTIONARY') && m.dictionary_page_offset !== null));
  let typesOk = true;
  const parts: string[] = [];
  for (const col of t.columns) {
    const s = schema.find((x) => x.name === col.name);
    const ok = !!s && s.type === PHYSICAL[col.type] && (col.type !== 'utf8' || s.converted_type === 'UTF8' || String(s.logical_type).includes('String'));
    typesOk &&= ok;
    if (col.type === 'utf8' && s && !parts.length) parts.push(s.logical_type ? 'STRING logical + UTF8 converted' : 'UTF8 converted only');
  }
  return { codecOk, typesOk, dictStrings, typeText: parts.join(' ') };
}

let hr: typeof import('hyparquet');
async function hyparquetValues(bytes: Uint8Array, t: OutTable): Promise<Map<string, ArrayLike<unknown>>> {
  hr ??= await import('hyparquet');
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await hr.parquetReadObjects({ file: ab, compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gunzipSync(b)) } });
  return new Map(t.columns.map((col) => [col.name, rows.map((r) => r[col.name])]));
}

// ---------------------------------------------------------------- main
function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }
function arg(name: string, def: number): number { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; }
function errText(e: unknown): string { return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 90); }
function sumBad(b: Record<string, number>, t: OutTable, type?: string): number {
  return t.columns.filter((c) => !type || c.type === type).reduce((s, c) => s + (b[c.name] ?? 0), 0);
}

async function startupProbe(name: string): Promise<void> {
  const cand = CANDIDATES.find((x) => x.name === name)!;
  const t0 = performance.now();
  await cand.load();
  const t1 = performance.now();
  await cand.write(makeTable(1000), 'snappy');
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ loadMs: t1 - t0, firstWriteMs: t2 - t1, rssMB: process.memoryUsage().rss / 2 ** 20 }));
}

async function main(): Promise<void> {
  const rows = arg('--rows', 300_000), runs = arg('--runs', 5);
  const self = fileURLToPath(import.meta.url);
  console.log(`# Parquet writers: ${rows} rows x 7 columns, median of ${runs} writes`);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);
  const table = makeTable(rows);
  const empty: OutTable = { rows: 0, columns: table.columns.map((c) => (c.type === 'utf8' ? { ...c, values: [] } : { ...c, values: c.values.subarray(0, 0), nulls: undefined }) as OutColumn) };
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const dir = mkdtempSync(join(tmpdir(), 'kindling-pq-bench-'));
  const speed: string[] = [], checks: string[] = [], starts: string[] = [], notes: string[] = [];
  try {
    for (const cand of CANDIDATES) {
      const probes = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, [self, '--startup', cand.name], { encoding: 'utf8' })) as { loadMs: number; firstWriteMs: number; rssMB: number });
      starts.push(`| ${cand.name} | ${median(probes.map((p) => p.loadMs)).toFixed(0)} | ${median(probes.map((p) => p.firstWriteMs)).toFixed(0)} | ${median(probes.map((p) => p.rssMB)).toFixed(0)} |`);
      await cand.load();
      const times: string[] = [], sizes: string[] = [], ok: Compression[] = [];
      let i64Duck = '', i64Hyp = '', otherBad = '', dict = '', types = '';
      for (const codec of CODECS) {
        let bytes: Uint8Array;
        try { bytes = await cand.write(table, codec); } catch (e) {
          times.push('—'); sizes.push('—'); notes.push(`${cand.name}, ${codec}: ${errText(e)}`); continue;
        }
        const ts: number[] = [];
        for (let r = 0; r < runs; r++) { const a = performance.now(); await cand.write(table, codec); ts.push(performance.now() - a); }
        times.push(median(ts).toFixed(0)); sizes.push((bytes.length / 1e6).toFixed(2));
        const file = join(dir, `${cand.name.split(' ')[0]}-${codec}.parquet`);
        writeFileSync(file, bytes);
        const facts = await duckFacts(conn, file, table, codec);
        const bad = mismatches(table, await duckValues(conn, file));
        if (facts.codecOk) ok.push(codec);
        if (!facts.codecOk) notes.push(`${cand.name}, ${codec}: column chunks do not carry codec ${UPPER[codec]}`);
        if (codec === 'snappy') {
          const hb = mismatches(table, await hyparquetValues(bytes, table));
          i64Duck = `${sumBad(bad, table, 'int64')}`;
          i64Hyp = `${sumBad(hb, table, 'int64')}`;
          otherBad = `${sumBad(bad, table) - sumBad(bad, table, 'int64')}`;
          dict = facts.dictStrings ? 'yes' : 'no';
          types = `${facts.typesOk ? 'ok' : 'WRONG'} (${facts.typeText})`;
          for (const col of table.columns) if (bad[col.name]) notes.push(`${cand.name}: ${col.name} ${bad[col.name]} of ${rows} values wrong (${(100 * bad[col.name] / rows).toFixed(1)}%) per DuckDB`);
        }
      }
      let zero = 'ok';
      try {
        const zf = join(dir, `${cand.name.split(' ')[0]}-empty.parquet`);
        writeFileSync(zf, await cand.write(empty, 'snappy'));
        const zs = (await conn.runAndReadAll(`SELECT count(*)::INT AS n FROM parquet_schema(${q(zf)})`)).getRowObjects()[0].n;
        const zr = (await conn.runAndReadAll(`SELECT count(*)::INT AS n FROM read_parquet(${q(zf)})`)).getRowObjects()[0].n;
        if (zs !== table.columns.length + 1 || zr !== 0) zero = `schema ${zs} nodes, ${zr} rows`;
      } catch (e) { zero = 'fails'; notes.push(`${cand.name}, zero rows: ${errText(e)}`); }
      speed.push(`| ${cand.name} | ${times.join(' | ')} | ${sizes.join(' | ')} |`);
      checks.push(`| ${cand.name} | ${i64Duck} | ${i64Hyp} | ${otherBad} | ${ok.join(', ') || '—'} | ${dict} | ${types} | ${zero} |`);
    }
  } finally {
    conn.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('## Correctness (snappy file; int64 = category_id + user_id, 2 x rows values)\n');
  console.log('| writer | int64 wrong (DuckDB) | int64 wrong (hyparquet) | other values wrong | codecs written (verified per chunk) | string dictionary | physical/logical types | zero-row file |');
  console.log('|---|---|---|---|---|---|---|---|');
  checks.forEach((l) => console.log(l));
  console.log('\n## Write time (ms, median) and file size (MB)\n');
  console.log('| writer | zstd ms | snappy ms | gzip ms | none ms | zstd MB | snappy MB | gzip MB | none MB |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  speed.forEach((l) => console.log(l));
  console.log('\n## Startup in a fresh process (median of 3)\n');
  console.log('| writer | module load ms | first write (1,000 rows) ms | RSS after MB |');
  console.log('|---|---|---|---|');
  starts.forEach((l) => console.log(l));
  if (notes.length) { console.log('\n## Notes\n'); notes.forEach((n) => console.log(`- ${n}`)); }
}


const probe = process.argv.indexOf('--startup');
if (probe > 0) await startupProbe(process.argv[probe + 1]);
else await main();
