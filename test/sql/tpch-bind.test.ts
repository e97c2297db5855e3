// All 22 TPC-H queries (validation parameters) bind, and each result has DuckDB's column names
// and types: DuckDB (the oracle) describes the same query over empty tables of the same schema.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadParser } from '../../src/sql/parse.js';
import { bindSql } from '../../src/sql/bind/script.js';
import { typeName } from '../../src/types/datatype.js';
import { parseSchemaDdl } from '../../src/types/schema.js';
import type { TableSource } from '../../src/plan/logical/plan.js';
import { TPCH_QUERIES } from '../../bench/tpch-queries.js';
import { duck } from '../helpers/oracle.js';

/** The TPC-H schema (specification clause 1.4), in the types tpchgen-cli's Parquet files have. */
const TPCH: Record<string, string> = {
  nation: 'n_nationkey INTEGER, n_name VARCHAR, n_regionkey INTEGER, n_comment VARCHAR',
  region: 'r_regionkey INTEGER, r_name VARCHAR, r_comment VARCHAR',
  part: 'p_partkey BIGINT, p_name VARCHAR, p_mfgr VARCHAR, p_brand VARCHAR, p_type VARCHAR, p_size INTEGER, p_container VARCHAR, p_retailprice DECIMAL(15,2), p_comment VARCHAR',
  supplier: 's_suppkey BIGINT, s_name VARCHAR, s_address VARCHAR, s_nationkey INTEGER, s_phone VARCHAR, s_acctbal DECIMAL(15,2), s_comment VARCHAR',
  partsupp: 'ps_partkey BIGINT, ps_suppkey BIGINT, ps_availqty INTEGER, ps_supplycost DECIMAL(15,2), ps_comment VARCHAR',
  customer: 'c_custkey BIGINT, c_name VARCHAR, c_address VARCHAR, c_nationkey INTEGER, c_phone VARCHAR, c_acctbal DECIMAL(15,2), c_mktsegment VARCHAR, c_comment VARCHAR',
  orders: 'o_orderkey BIGINT, o_custkey BIGINT, o_orderstatus VARCHAR, o_totalprice DECIMAL(15,2), o_orderdate DATE, o_orderpriority VARCHAR, o_clerk VARCHAR, o_shippriority INTEGER, o_comment VARCHAR',
  lineitem: 'l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT, l_linenumber INTEGER, l_quantity DECIMAL(15,2), l_extendedprice DECIMAL(15,2), l_discount DECIMAL(15,2), l_tax DECIMAL(15,2), l_returnflag VARCHAR, l_linestatus VARCHAR, l_shipdate DATE, l_commitdate DATE, l_receiptdate DATE, l_shipinstruct VARCHAR, l_shipmode VARCHAR, l_comment VARCHAR',
};
const TABLES: TableSource[] = Object.entries(TPCH).map(([name, ddl]) => ({ name, uri: `/tpch/${name}/`, format: 'parquet', schema: parseSchemaDdl(ddl), splitSize: 1 << 26 }));

const duckName = (t: string) => (t === 'DECIMAL(38,0)' ? 'HUGEINT' : t);

let c: DuckDBConnection;
before(async () => {
  await loadParser();
  c = await duck();
  for (const [name, ddl] of Object.entries(TPCH)) await c.run(`create table ${name} (${ddl})`);
});
after(() => c?.closeSync());

test('the 22 TPC-H queries bind, each to DuckDB’s result columns and types', async () => {
  assert.equal(TPCH_QUERIES.length, 22);
  const wrong: string[] = [];
  for (const q of TPCH_QUERIES) {
    const schema = bindSql(q.sql, TABLES).outputs[0].plan.schema;
    const ours = schema.map((f) => `${f.name} ${duckName(typeName(f.type))}`);
    const theirs = (await c.runAndReadAll(`describe ${q.sql}`)).getRows().map((r) => `${r[0]} ${r[1]}`);
    if (ours.join(', ') !== theirs.join(', ')) wrong.push(`Q${q.id}: kindling [${ours.join(', ')}], DuckDB [${theirs.join(', ')}]`);
  }
  assert.deepEqual(wrong, []);
});
