/** top-category-brand as a SQL job over the table `events` (same table, rows and columns as plan.ts). */
export function sql(): string {
  return `create table user_favorites as
with g as (
  select user_id, category_code, brand, count(*) as interactions
  from events group by user_id, category_code, brand),
w as (
  select *, sum(interactions) over (partition by user_id) as user_interactions,
    row_number() over (partition by user_id order by interactions desc, category_code asc nulls last, brand asc nulls last) as rn
  from g)
select user_id, category_code, brand, interactions, user_interactions::BIGINT as user_interactions,
  interactions::DOUBLE / user_interactions as share
from w where rn = 1`;
}
