/** SQL jobs from the CLI: run, plan (EXPLAIN, --json), head, and bad SQL exiting 2 with nothing written. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REAL_OCT, tempDir } from '../helpers/jobs.js';

const BIN = fileURLToPath(new URL('../../../bin/kindling.js', import.meta.url));
let dir: string;

function kindling(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const EVENTS = 'event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, category_id BIGINT, category_code VARCHAR, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT, user_session VARCHAR';

/** Writes a SQL job spec `<name>.yaml`: its tables (YAML lines under spec.tables), script and output options. */
function jobFile(name: string, tables: string, sql: string, output = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: ${name} }
spec:
  tables:
    ${tables}
  sql: |
${sql.split('\n').map((l) => `    ${l}`).join('\n')}
  output: { uri: out/${name}/${output ? `, ${output}` : ''} }
`);
  return file;
}

/** A job over the events table (in/). */
const spec = (name: string, sql: string): string => jobFile(name, `events: { uri: in/, format: csv, schema: "${EVENTS}" }`, sql);

before(() => {
  dir = tempDir('kindling-sql-cli-');
  mkdirSync(join(dir, 'in'));
  copyFileSync(REAL_OCT, join(dir, 'in', 'events.csv'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('kindling run writes every table of the script under one _SUCCESS; head shows typed values', () => {
  const file = spec('brands', "create table by_day as select cast(event_time as date) as day, count(*) as n from events group by 1;\nselect brand, count(*) as n, sum(price) as revenue from events where brand is not null group by brand order by n desc, brand limit 5;");
  const r = kindling('run', file);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /job brands \(sql\) committed to out\/brands\//);
  const m = JSON.parse(readFileSync(join(dir, 'out', 'brands', '_SUCCESS'), 'utf8'));
  assert.deepEqual(Object.keys(m.tables).sort(), ['by_day', 'result']);
  assert.deepEqual(m.tables.result.types, ['VARCHAR', 'BIGINT', 'DECIMAL(38,2)']);
  assert.deepEqual(m.tables.by_day.types, ['DATE', 'BIGINT']);
  assert.equal(m.tables.result.rows, 5);
  assert.equal(m.counters.inputRows, 17434 * 2, 'both tables read the 17,434 rows');
  assert.ok(!existsSync(join(dir, 'out', 'brands', '_temporary')), 'no staging left behind');
  const h = kindling('head', 'out/brands/', '-t', 'by_day');
  assert.equal(h.code, 0, h.err);
  assert.match(h.out, /by_day: 1 rows\nday +n\n[- ]+\n2019-10-01 +17434\n/);
  // A second run refuses to replace the committed output.
  const again = kindling('run', file);
  assert.equal(again.code, 1);
  assert.match(again.err, /already holds a committed result.*OUTPUT_EXISTS/);
});

test('kindling plan prints the optimized plan per output and --json for tools', () => {
  const file = spec('plan', "select brand, count(*) as n from events where event_type = 'purchase' group by brand;");
  const r = kindling('plan', file);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /events: in\/ \(csv, 1 file\(s\)/);
  assert.match(r.out, /result \(spec\.sql line 8\) -> out\/plan\/result\//);
  assert.match(r.out, /Scan: events \[event_type, brand\] filters=\[\(event_type = 'purchase'\)\]/, 'the filter is pushed into the scan, the columns pruned');
  const j = kindling('plan', file, '--json');
  assert.equal(j.code, 0, j.err);
  const p = JSON.parse(j.out);
  assert.equal(p.outputs[0].name, 'result');
  assert.equal(p.outputs[0].schema, 'brand VARCHAR, n BIGINT');
  assert.equal(p.tables[0].files, 1);
  assert.ok(!existsSync(join(dir, 'out', 'plan')), 'plan runs nothing');
});

test('bad SQL exits 2 before anything runs, naming the spec file line, and writes nothing', () => {
  const file = spec('bad', 'select brand,\n  count(*) as n\nfrom evnts group by brand');
  const r = kindling('run', file);
  assert.equal(r.code, 2);
  assert.match(r.err, /spec\.sql line 10, column 6: .*evnts/);
  assert.match(r.err, /events/, 'names the table that exists');
  assert.ok(!existsSync(join(dir, 'out', 'bad')), 'nothing written');
  const both = join(dir, 'both.yaml');
  writeFileSync(both, readFileSync(file, 'utf8').replace('spec:\n', 'spec:\n  analysis: engagement\n'));
  const b = kindling('run', both);
  assert.equal(b.code, 2);
  assert.match(b.err, /spec\.analysis and spec\.sql exclude each other/);
});

test('spec.output.format csv and jsonl: DuckDB reads back exactly its own answer', async () => {
  const { duck } = await import('../helpers/oracle.js');
  const { duckdbRows } = await import('../helpers/tpch.js');
  const sql = "select brand, category_id, count(*) as n, sum(price) as revenue, min(event_time) as first_seen, cast(min(event_time) as date) as day, avg(price) as avg_price, max(category_code) like '%,%' as odd from events group by brand, category_id";
  const c = await duck();
  try {
    await c.run(`create table events as select * from read_csv('${join(dir, 'in', 'events.csv')}', header=true, auto_detect=false, timestampformat='%Y-%m-%d %H:%M:%S UTC', columns={${EVENTS.split(', ').map((x) => { const [n, ...t] = x.split(' '); return `'${n}': '${t.join(' ')}'`; }).join(', ')}})`);
    // An empty brand and a value with a comma and quotes, to exercise the CSV quoting.
    const want = (await duckdbRows(c, `${sql} order by all`)).rows;
    const types = "{'brand': 'VARCHAR', 'category_id': 'BIGINT', 'n': 'BIGINT', 'revenue': 'DECIMAL(38,2)', 'first_seen': 'TIMESTAMP', 'day': 'DATE', 'avg_price': 'DOUBLE', 'odd': 'BOOLEAN'}";
    for (const format of ['csv', 'jsonl']) {
      const file = spec(`out-${format}`, `${sql};`);
      const r = kindling('run', file, '--set', `spec.output.format=${format}`);
      assert.equal(r.code, 0, r.err);
      const part = join(dir, 'out', `out-${format}`, 'result', `part-*.${format}`); // every part file
      const read = format === 'csv' ? `read_csv('${part}', header=true, auto_detect=false, quote='"', escape='"', columns=${types})` : `read_json('${part}', format='newline_delimited', columns=${types})`;
      const got = (await duckdbRows(c, `select * from ${read} order by all`)).rows;
      assert.equal(got.length, want.length, format);
      assert.deepEqual(got.map((row) => row.map((x, k) => (k === 6 && x !== null ? Number(x).toPrecision(12) : x))), want.map((row) => row.map((x, k) => (k === 6 && x !== null ? Number(x).toPrecision(12) : x))), format);
    }
  } finally {
    c.closeSync();
  }
});

test('a jsonl table: the jsonl output of the job above read back by another job gives the same totals as the CSV', () => {
  const totals = 'select count(*) as groups, sum(n) as events, sum(revenue) as revenue, count(first_seen) as seen, max(avg_price) as top from';
  const file = jobFile('jsonl-consumer', 'r: { uri: out/out-jsonl/, format: jsonl, schema: "brand VARCHAR, category_id BIGINT, n BIGINT, revenue DECIMAL(38,2), first_seen TIMESTAMP, day DATE, avg_price DOUBLE, odd BOOLEAN", splitSize: 2KiB }', `${totals} r`, 'format: csv');
  const r = kindling('run', file);
  assert.equal(r.code, 0, r.err);
  const direct = spec('jsonl-direct', `${totals} (select brand, category_id, count(*) as n, sum(price) as revenue, min(event_time) as first_seen, avg(price) as avg_price from events group by brand, category_id) x;`);
  assert.equal(kindling('run', direct, '--set', 'spec.output.format=csv').code, 0);
  const read = (name: string) => readFileSync(join(dir, 'out', name, 'result', 'part-00000.csv'), 'utf8');
  assert.equal(read('jsonl-consumer'), read('jsonl-direct'));
  assert.match(read('jsonl-consumer'), /^groups,events,revenue,seen,top\n\d+,17434,/);
});

test('a Parquet table without a schema takes its columns from the files (another job’s committed output)', () => {
  const first = spec('producer', "select brand, count(*) as n, sum(price) as revenue, min(event_time) as first_seen, cast(min(event_time) as date) as day from events where brand is not null group by brand;");
  assert.equal(kindling('run', first).code, 0);
  const file = jobFile('consumer', 'brands: { uri: out/producer/, format: parquet }', 'select * from brands order by n desc, brand limit 3', 'format: csv');
  const p = kindling('plan', file, '--json');
  assert.equal(p.code, 0, p.err);
  assert.equal(JSON.parse(p.out).tables[0].schema, 'brand VARCHAR, n BIGINT, revenue DECIMAL(38,2), first_seen TIMESTAMP, day DATE');
  const r = kindling('run', file);
  assert.equal(r.code, 0, r.err);
  const csv = readFileSync(join(dir, 'out', 'consumer', 'result', 'part-00000.csv'), 'utf8').split('\n');
  assert.equal(csv[0], 'brand,n,revenue,first_seen,day');
  assert.match(csv[1], /^[^,]+,\d+,\d+\.\d{2},2019-10-01 \d\d:\d\d:\d\d,2019-10-01$/);
  assert.equal(csv.length, 5, 'header, 3 rows, final newline');
});

test('onBadRecord: quarantine on a SQL table: bad records are dropped, counted and committed under _rejects/ with their file, offset, line, field and text', () => {
  const lines = readFileSync(REAL_OCT, 'utf8').split('\n');
  const bad = new Map<number, string>([
    [3, '2019-10-01 00:00:05 UTC,view,1,2,a.b,x,12x,5,s'], // a bad value (price)
    [5000, 'garbage,line'], // a wrong field count
    [12000, 'yesterday,view,1,2,a.b,x,1.00,5,s'], // a bad TIMESTAMP
  ]);
  const mixed = lines.flatMap((l, i) => (bad.has(i) ? [bad.get(i)!, l] : [l]));
  mkdirSync(join(dir, 'badin'), { recursive: true });
  writeFileSync(join(dir, 'badin', 'events.csv'), mixed.join('\n'));
  const file = jobFile('quarantine', `events: { uri: badin/, format: csv, schema: "${EVENTS}", splitSize: 300KiB, onBadRecord: quarantine, maxBadRecords: 3 }`,
    'select event_type, count(*) as n, sum(price) as revenue, min(event_time) as first from events group by 1 order by 1', 'format: csv');
  const r = kindling('run', file);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(readFileSync(join(dir, 'out', 'quarantine', '_SUCCESS'), 'utf8'));
  assert.equal(m.counters.rejectedRows, 3);
  assert.equal(m.rejects.rows, 3);
  assert.ok(m.rejects.files.length >= 2, 'the bad records were in different splits');
  const rejects = m.rejects.files.flatMap((f: { path: string }) => readFileSync(join(dir, 'out', 'quarantine', f.path), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
  const text = mixed.join('\n');
  assert.deepEqual(rejects.map((x: { record: string }) => x.record).sort(), [...bad.values()].sort());
  for (const x of rejects) {
    assert.equal(x.file, 'badin/events.csv');
    assert.equal(text.indexOf(x.record), x.offset, 'the offset is the record’s first byte');
  }
  assert.deepEqual(rejects.filter((x: { field?: string }) => x.field).map((x: { field: string }) => x.field).sort(), ['event_time', 'price']);
  assert.equal(rejects.find((x: { record: string }) => x.record === bad.get(3)).line, 4, 'line of the file (the first split; line 1 is the header)');
  // The answer is the clean file's.
  const clean = spec('quarantine-clean', 'select event_type, count(*) as n, sum(price) as revenue, min(event_time) as first from events group by 1 order by 1;'); // bad values count in the columns a query reads
  assert.equal(kindling('run', clean, '--set', 'spec.output.format=csv').code, 0);
  const all = (name: string) => JSON.parse(readFileSync(join(dir, 'out', name, '_SUCCESS'), 'utf8')).tables.result.files.map((f: { path: string }) => readFileSync(join(dir, 'out', name, f.path), 'utf8').split('\n').slice(1).join('\n')).join('');
  assert.equal(all('quarantine'), all('quarantine-clean'));
  // Over the limit: the job fails and commits nothing.
  const over = kindling('run', file, '--set', 'spec.tables.events.maxBadRecords=2', '--set', 'spec.output.uri=out/quarantine-over/');
  assert.equal(over.code, 1, over.err);
  assert.match(over.err, /3 bad record\(s\) of \d+ read, more than spec\.tables\.events\.maxBadRecords/);
  assert.ok(!existsSync(join(dir, 'out', 'quarantine-over', '_SUCCESS')));
});
