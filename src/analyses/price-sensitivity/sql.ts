/** price-sensitivity as a SQL job over the table `events` (same table, rows and columns as plan.ts). */
import { EVENT_COUNTS_SQL } from '../rees46.js';
import { DEFAULT_EDGES, bandLabels } from './plan.js';

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function sql(p: { bandEdges?: number[] }): string {
  const edges = p.bandEdges ?? DEFAULT_EDGES;
  const band = `case ${edges.map((e, i) => `when price < ${e} then ${i}`).join(' ')} else ${edges.length} end`;
  const label = `case band_index ${bandLabels(edges).map((l, i) => `when ${i} then ${quote(l)}`).join(' ')} end`;
  return `create table bands as
with e as (select *, (${band})::INTEGER as band_index from events)
select category_code, band_index, ${label} as price_band,
  count(*) as events,
  ${EVENT_COUNTS_SQL},
  count(distinct user_id) filter (where event_type = 'view') as viewers,
  count(distinct user_id) filter (where event_type = 'purchase') as buyers,
  coalesce(sum(price) filter (where event_type = 'purchase'), 0)::DOUBLE as revenue,
  sum(price)::DOUBLE / count(*) as avg_price,
  case when count(*) filter (where event_type = 'view') = 0 then null
    else (count(*) filter (where event_type = 'purchase'))::DOUBLE / count(*) filter (where event_type = 'view') end as view_to_purchase
from e group by category_code, band_index`;
}
