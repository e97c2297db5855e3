/**
 * The independent oracle: DuckDB runs the SQL equivalent of each analysis on the same CSV
 * files, and compares every row and column with kindling's Parquet output (read by DuckDB).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_EDGES, bandLabels } from '../../src/analyses/price-sensitivity/plan.js';

export type Params = { bandEdges?: number[]; topN?: number };

const COLUMNS = `{'event_time':'VARCHAR','event_type':'VARCHAR','product_id':'BIGINT','category_id':'BIGINT','category_code':'VARCHAR','brand':'VARCHAR','price':'DECIMAL(18,2)','user_id':'BIGINT','user_session':'VARCHAR'}`;

export function eventsSql(files: string[]): string {
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
  return `read_csv([${list}], header=true, auto_detect=false, delim=',', quote='"', escape='"', columns=${COLUMNS})`;
}

const counts = `count(*) filter (where event_type = 'view') as views,
  count(*) filter (where event_type = 'cart') as carts,
  count(*) filter (where event_type = 'purchase') as purchases`;

/** The analysis as SQL, and its key columns (for ordering rows). */
export function oracleSql(analysis: string, files: string[], p: Params = {}): { sql: string; keys: string[] } {
  const ev = eventsSql(files);
  if (analysis === 'price-sensitivity') {
    const edges = p.bandEdges ?? DEFAULT_EDGES;
    const band = `case ${edges.map((e, i) => `when price < ${e} then ${i}`).join(' ')} else ${edges.length} end`;
    const labels = `[${bandLabels(edges).map((l) => `'${l}'`).join(', ')}]`;
    return {
      keys: ['category_code', 'band_index'],
      sql: `with e as (select *, (${band})::INTEGER as band_index from ${ev})
        select category_code, band_index, ${labels}[band_index + 1] as price_band,
          count(*) as events, ${counts},
          count(distinct user_id) filter (where event_type = 'view') as viewers,
          count(distinct user_id) filter (where event_type = 'purchase') as buyers,
          coalesce(sum(price) filter (where event_type = 'purchase'), 0)::DOUBLE as revenue,
          sum(price)::DOUBLE / count(*) as avg_price,
          case when views = 0 then null else purchases::DOUBLE / views end as view_to_purchase
        from e group by category_code, band_index`,
    };
  }
  if (analysis === 'engagement') {
    return {
      keys: ['category_code', 'brand', 'rank'],
      sql: `with g as (
          select category_code, brand, user_id, count(*) as interactions, ${counts},
            coalesce(sum(price) filter (where event_type = 'purchase'), 0)::DOUBLE as revenue
          from ${ev} group by category_code, brand, user_id),
        r as (select *, row_number() over (partition by category_code, brand order by interactions desc, user_id asc) as rank from g)
        select category_code, brand, rank::INTEGER as rank, user_id, interactions, views, carts, purchases, revenue from r where rank <= ${p.topN ?? 10}`,
    };
  }
  if (analysis === 'top-category-brand') {
    return {
      keys: ['user_id'],
      sql: `with g as (select user_id, category_code, brand, count(*) as interactions from ${ev} group by user_id, category_code, brand),
        w as (select *, sum(interactions) over (partition by user_id) as user_interactions,
          row_number() over (partition by user_id order by interactions desc, category_code asc nulls last, brand asc nulls last) as rn from g)
        select user_id, category_code, brand, interactions, user_interactions::BIGINT as user_interactions,
          interactions::DOUBLE / user_interactions as share from w where rn = 1`,
    };
  }
  throw new Error(`no oracle for ${analysis}`);
}

export async function duck(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:');
  return db.connect();
}

export async function rows(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
}

/** Rows in one Parquet glob and not the other (both ways, as multisets): 0 when they hold the same rows. */
export async function differingRows(c: DuckDBConnection, a: string, b: string): Promise<number> {
  const r = await rows(c, `select count(*)::INTEGER as n from ((select * from read_parquet('${a}') except all select * from read_parquet('${b}')) union all (select * from read_parquet('${b}') except all select * from read_parquet('${a}')))`);
  return Number(r[0].n);
}

export interface Comparison {
  expected: number;
  actual: number;
  mismatches: string[];
}

/** Every row and every column of kindling's output table against the oracle's. */
export async function compareWithOracle(c: DuckDBConnection, analysis: string, files: string[], outputDir: string, table: string, p: Params = {}): Promise<Comparison> {
  const { sql, keys } = oracleSql(analysis, files, p);
  const order = keys.map((k) => `${k} asc nulls last`).join(', ');
  const expected = await rows(c, `select * from (${sql}) order by ${order}`);
  const actual = await rows(c, `select * from read_parquet('${outputDir}/${table}/*.parquet') order by ${order}`);
  const mismatches: string[] = [];
  const cols = Object.keys(expected[0] ?? actual[0] ?? {});
  if (actual.length > 0 && Object.keys(actual[0]).join(',') !== cols.join(',') && expected.length > 0) {
    mismatches.push(`columns differ: kindling [${Object.keys(actual[0])}] vs oracle [${cols}]`);
  }
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n && mismatches.length < 10; i++) {
    const e = expected[i];
    const a = actual[i];
    if (!e || !a) {
      mismatches.push(`row ${i}: ${e ? 'missing in kindling' : 'extra in kindling'}: ${JSON.stringify(e ?? a, big)}`);
      continue;
    }
    for (const col of cols) {
      if (!same(e[col], a[col])) mismatches.push(`row ${i} (${keys.map((k) => String(e[k])).join(', ')}) ${col}: oracle ${String(e[col])}, kindling ${String(a[col])}`);
    }
  }
  return { expected: expected.length, actual: actual.length, mismatches };
}

/** Exact equality: integers by value (BIGINT arrives as bigint), doubles bit for bit, strings as text. */
function same(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (x === null || y === null || x === undefined || y === undefined) return false;
  if (typeof x === 'bigint' || typeof y === 'bigint') {
    try {
      return BigInt(x as number) === BigInt(y as number);
    } catch {
      return false; // a fraction against an integer
    }
  }
  return String(x) === String(y);
}

function big(_k: string, v: unknown) {
  return typeof v === 'bigint' ? v.toString() : v;
}
