/**
 * SQL parser candidates for spec.sql, measured side by side:
 *
 *   npx tsc -p tsconfig.json; node dist/bench/sql-parsers.js [--runs 20]
 *
 * For each candidate (libpg-query: PostgreSQL's own parser in WebAssembly; node-sql-parser in
 * its postgresql dialect; pgsql-ast-parser):
 *   - the dialect probes below: one statement per construct kindling's SQL must run (the list
 *     of issue 12), each parsed or not;
 *   - the 22 TPC-H queries (bench/tpch-queries.ts): how many parse, and the median time per
 *     query over --runs passes in one warm process;
 *   - the position a syntax error reports (the probe `select a frm t`: the error is at `t`,
 *     character 13), and after non-ASCII text (`select 'é' frm t`: character 15, byte 16).
 * Results and the decision: docs/sql-parser-choice.md.
 */
import { cpus } from 'node:os';
import { TPCH_QUERIES } from './tpch-queries.js';

interface Candidate {
  name: string;
  load(): Promise<void>;
  parse(sql: string): void;
  /** The offset a syntax error reports, as the library gives it. */
  errorOffset(sql: string): number | undefined;
}

const PROBES: [string, string][] = [
  ['select list, where, order by nulls last', "select a, b from t where a > 1 order by b desc nulls last"],
  ['group by / having', 'select a, count(*) from t group by a having count(*) > 1'],
  ['limit / offset', 'select * from t limit 10 offset 5'],
  ['distinct', 'select distinct a from t'],
  ['union all / intersect / except', 'select a from t union all select a from u intersect select a from v except select a from w'],
  ['CTE with column list', 'with c(x) as (select a from t) select x from c'],
  ['subquery in from', 'select * from (select a from t) s'],
  ['left / full join using', 'select * from t left join u using (id) full outer join v using (id)'],
  ['cross and comma joins', 'select * from t cross join u, v where t.a = v.a'],
  ['non-equi join', 'select * from t join u on t.a < u.b and t.c = u.c'],
  ['scalar subquery', 'select (select max(a) from t) as m'],
  ['in / not in subquery', 'select * from t where a in (select a from u) and b not in (select b from v)'],
  ['correlated exists', 'select * from t where exists (select 1 from u where u.a = t.a)'],
  ['case / coalesce / nullif / cast', "select case when a > 1 then 'x' else 'y' end, coalesce(a, 0), nullif(a, 1), cast(a as decimal(10,2)) from t"],
  ['like / ilike / between / in list', "select * from t where s like 'a%' and s not ilike 'b%' and a between 1 and 2 and b in (1, 2)"],
  ['is distinct from / ||', "select a is distinct from b, s || 'x' from t"],
  ['substring from for / position in', "select substring(s from 2 for 3), position('a' in s) from t"],
  ['date and timestamp literals', "select date '1998-12-01', timestamp '2019-11-01 00:00:00' from t"],
  ["interval '3' month", "select date '1998-12-01' - interval '90' day, d + interval '3' month from t"],
  ['extract', 'select extract(year from d), extract(epoch from ts) from t'],
  ['date_trunc', "select date_trunc('day', ts) from t"],
  ['count(distinct) with filter', "select count(distinct a) filter (where s = 'x') from t"],
  ['grouping sets / rollup / cube', 'select a, b, sum(c) from t group by grouping sets ((a, b), (a), ()), rollup (a), cube (b)'],
  ['window with rows frame', 'select sum(a) over (partition by b order by c rows between 2 preceding and current row) from t'],
  ['window with range frame', "select avg(a) over (order by d range between interval '1' day preceding and current row) from t"],
  ['lag / lead / ntile / named window', 'select lag(a, 1) over w, lead(a) over w, ntile(4) over w from t window w as (order by a)'],
  ['create view / create table as', 'create view v as select * from t; create table x as select * from v'],
  ['DuckDB integer division //', 'select a // 2 from t'],
];

// ---------------------------------------------------------------- candidates
let pg: typeof import('libpg-query');
const libpgQuery: Candidate = {
  name: 'libpg-query 18 (PostgreSQL 18 parser, WebAssembly)',
  async load() { pg = await import('libpg-query'); await pg.loadModule(); },
  parse: (sql) => void pg.parseSync(sql),
  errorOffset(sql) {
    try { pg.parseSync(sql); } catch (e) { return (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition; }
    return undefined;
  },
};

let nsp: InstanceType<typeof import('node-sql-parser').Parser>;
const nodeSqlParser: Candidate = {
  name: 'node-sql-parser 5 (postgresql dialect)',
  async load() { const m = await import('node-sql-parser'); nsp = new ((m as unknown as { default?: typeof m }).default ?? m).Parser(); },
  parse: (sql) => void nsp.astify(sql, { database: 'postgresql' }),
  errorOffset(sql) {
    try { nsp.astify(sql, { database: 'postgresql' }); } catch (e) { return (e as { location?: { start: { offset: number } } }).location?.start.offset; }
    return undefined;
  },
};

let pap: typeof import('pgsql-ast-parser');
const pgsqlAstParser: Candidate = {
  name: 'pgsql-ast-parser 12',
  async load() { pap = await import('pgsql-ast-parser'); },
  parse: (sql) => void pap.parse(sql),
  errorOffset(sql) {
    try { pap.parse(sql); } catch (e) { return (e as { token?: { offset: number } }).token?.offset; }
    return undefined;
  },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ok = (f: () => void) => { try { f(); return true; } catch { return false; } };

async function main() {
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
  console.log(`SQL parsers on ${cpus().length} cores, node ${process.version}; TPC-H time: median of ${runs} passes\n`);
  const rows: string[][] = [['parser', 'probes parsed', 'TPC-H parsed', 'ms / TPC-H query', 'error offset (want 13)', 'after "é" (want char 15; byte 16)']];
  const failures: string[] = [];
  for (const c of [libpgQuery, nodeSqlParser, pgsqlAstParser]) {
    await c.load();
    const probes = PROBES.filter(([name, sql]) => ok(() => c.parse(sql)) || (failures.push(`${c.name}: ${name}`), false)).length;
    const tpch = TPCH_QUERIES.filter((q) => ok(() => c.parse(q.sql)) || (failures.push(`${c.name}: TPC-H Q${q.id}`), false));
    const times: number[] = [];
    for (let r = 0; r < runs && tpch.length; r++) {
      const t0 = performance.now();
      for (const q of tpch) c.parse(q.sql);
      times.push((performance.now() - t0) / tpch.length);
    }
    rows.push([c.name, `${probes} / ${PROBES.length}`, `${tpch.length} / ${TPCH_QUERIES.length}`, tpch.length ? median(times).toFixed(2) : '-',
      String(c.errorOffset('select a frm t') ?? 'none'), String(c.errorOffset("select 'é' frm t") ?? 'none')]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((x, i) => x.padEnd(widths[i])).join('  '));
  console.log(`\nnot parsed:\n${failures.map((f) => `  ${f}`).join('\n') || '  (none)'}`);
}

await main();
