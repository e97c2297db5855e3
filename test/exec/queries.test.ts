// Whole queries, each run by kindling's in-process executor (bind, optimize, execute) and by
// DuckDB (the oracle) over the same small tables with NULLs, duplicates and BIGINTs above 2^53,
// and compared value by value: joins of every kind, aggregates, grouping sets, windows, set
// operations, subqueries (decorrelated into joins), sorting and limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadParser } from '../../src/sql/parse.js';
import { KindlingError } from '../../src/common/errors.js';
import { runScript } from '../../src/engine/local.js';
import { duck } from '../helpers/oracle.js';
import { compareQuery, loadIntoDuck, memoryTables } from '../helpers/sql-oracle.js';
import { QUERIES, TABLES } from '../helpers/queries.js';

let c: DuckDBConnection;
const { sources, ctx } = memoryTables(TABLES);
before(async () => {
  await loadParser();
  c = await duck();
  await loadIntoDuck(c, TABLES, sources);
});
after(() => c?.closeSync());

test('each query gives DuckDB’s answer', async () => {
  const wrong: string[] = [];
  for (const q of QUERIES) {
    try {
      const d = await compareQuery(c, sources, ctx, q);
      if (d.length) wrong.push(`${q}\n    ${d.join('\n    ')}`);
    } catch (e) {
      wrong.push(`${q}\n    error: ${(e as Error).message}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('a scalar subquery with more than one row is an error, as in DuckDB', async () => {
  await assert.rejects(runScript('select i, (select v from u where u.k = t.i) as v from t', sources, ctx), (e: unknown) => e instanceof KindlingError && /more than one row returned by a subquery/.test(e.message));
  await assert.rejects(c.run('select i, (select v from u where u.k = t.i) as v from t'), /More than one row returned by a subquery/);
});
