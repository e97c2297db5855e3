/**
 * The TPC-H part of `npm run bench`: the 22 queries at scale factor BENCH_TPCH_SF (default 1;
 * 0 skips it) on tpchgen-cli's CSV files, each query run as a whole process per engine —
 * kindling (a SQL job on 2 worker processes x 1 thread) and DuckDB (2 threads), both parsing the
 * same CSV — with the time ratio per query and the geometric mean. Reports; asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from '../src/cli/format.js';
import { TPCH_QUERIES } from './tpch-queries.js';
import { TPCH_COLUMNS, tpchData } from '../test/helpers/tpch.js';

export async function benchTpch(cache: string, runs: number): Promise<void> {
  const sf = Number(process.env.BENCH_TPCH_SF ?? 1);
  if (!(sf > 0)) return;
  const data = await tpchData(sf, 'csv');
  const manifest = join(cache, `tpch-sf${sf}.json`);
  const tables = Object.fromEntries(Object.entries(data.tables).map(([name, t]) => [name, {
    ...t, columns: `{${TPCH_COLUMNS[name].map(([n, ty]) => `'${n}': '${ty}'`).join(', ')}}`,
  }]));
  mkdirSync(cache, { recursive: true });
  writeFileSync(manifest, JSON.stringify({ tables }));
  const child = fileURLToPath(new URL('./tpch-child.js', import.meta.url));
  const runOne = (engine: string, id: number) => {
    const out = execFileSync(process.execPath, ['--max-old-space-size=16384', child, engine, manifest, String(id)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; rows: number; peakRssBytes: number };
  };
  process.stdout.write(`\nTPC-H SF ${sf} (tpchgen-cli ${data.version} CSV), each query a whole process; kindling: a SQL job on 2 workers x 1 thread; DuckDB: 2 threads\n\n`);
  const rows: unknown[][] = [];
  const ratios: number[] = [];
  for (const q of TPCH_QUERIES) {
    const k: number[] = [];
    const d: number[] = [];
    let kr = 0, dr = 0, kRss = 0;
    for (let r = 0; r < runs; r++) {
      const a = runOne('kindling', q.id); k.push(a.ms); kr = a.rows; kRss = Math.max(kRss, a.peakRssBytes);
      const b = runOne('duckdb', q.id); d.push(b.ms); dr = b.rows;
    }
    const km = median(k);
    const dm = median(d);
    ratios.push(km / dm);
    rows.push([`Q${q.id}`, (km / 1000).toFixed(2), (dm / 1000).toFixed(2), `${(km / dm).toFixed(1)}x`, `${(kRss / 2 ** 30).toFixed(2)} GiB`, kr === dr ? `${kr}` : `${kr} vs ${dr}!`]);
    process.stderr.write(`Q${q.id}: kindling ${(km / 1000).toFixed(2)} s, DuckDB ${(dm / 1000).toFixed(2)} s\n`);
  }
  const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  process.stdout.write(table(['query', 'kindling s', 'duckdb s', 'ratio', 'kindling worker RSS', 'rows'], rows) + '\n');
  process.stdout.write(`\ngeometric mean of the ratios: ${geo.toFixed(1)}x (median of ${runs} run(s) per query and engine)\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
