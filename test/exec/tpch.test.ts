// The 22 TPC-H queries (validation parameters) at scale factor 0.01 (0.1 with KINDLING_TPCH_SF),
// run by kindling's engine over tpchgen-cli's CSV files (read by kindling's own scan) and by
// DuckDB over the same files: every answer equal, in order where the query orders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { runScript } from '../../src/engine/local.js';
import type { TableSource } from '../../src/plan/logical/plan.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import { storageScan } from '../../src/exec/ops/scan.js';
import { TPCH_QUERIES } from '../../bench/tpch-queries.js';
import { TPCH_TABLES, duckdbRows, duckdbTpch, tpchData, tpchgenPath, TPCHGEN_MISSING, type TpchData } from '../helpers/tpch.js';
import { batchRows, diffRows } from '../helpers/result-compare.js';
import { isOrdered } from '../helpers/sql-oracle.js';

const SF = Number(process.env.KINDLING_TPCH_SF ?? 0.01);
const available = (await tpchgenPath()) !== undefined;
const skip = !available && !process.env.CI ? TPCHGEN_MISSING : false;

let data: TpchData;
let c: DuckDBConnection;
let tables: TableSource[];
before(async () => {
  if (skip) return;
  data = await tpchData(SF, 'csv');
  c = await duckdbTpch(data);
  tables = TPCH_TABLES.map((name) => ({
    name, uri: data.tables[name].files[0], format: 'csv', schema: parseSchemaDdl(data.tables[name].schema), splitSize: 1 << 20,
    csv: { header: true, delimiter: ',', quote: '"', nullValue: '' },
  }));
});
after(() => c?.closeSync());

for (const q of TPCH_QUERIES) {
  test(`TPC-H Q${q.id} (${q.name}) at SF ${SF} equals DuckDB`, { skip }, async () => {
    const [res] = await runScript(q.sql, tables, storageScan());
    const theirs = await duckdbRows(c, q.sql);
    assert.deepEqual(res.schema.map((f) => f.name), theirs.columns.map((x) => x.name));
    assert.ok(theirs.rows.length > 0, 'DuckDB returns rows (the query is not vacuous)');
    assert.deepEqual(diffRows(batchRows(res.batch), theirs.rows, res.schema.map((f) => f.type.id === 'DOUBLE'), isOrdered(q.sql)), []);
  });
}
