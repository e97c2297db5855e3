/** engagement as a SQL job over the table `events` (same table, rows and columns as plan.ts). */
import { EVENT_COUNTS_SQL } from '../rees46.js';

export function sql(p: { topN?: number }): string {
  return `create table top_users as
with g as (
  select category_code, brand, user_id, count(*) as interactions,
    ${EVENT_COUNTS_SQL},
    coalesce(sum(price) filter (where event_type = 'purchase'), 0)::DOUBLE as revenue
  from events group by category_code, brand, user_id),
r as (
  select *, row_number() over (partition by category_code, brand order by interactions desc, user_id asc) as rank
  from g)
select category_code, brand, rank::INTEGER as rank, user_id, interactions, views, carts, purchases, revenue
from r where rank <= ${p.topN ?? 10}`;
}
