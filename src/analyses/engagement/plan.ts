/**
 * engagement -> table `top_users`: for each (category_code, brand), the top N users by
 * interactions (events of any type), ties broken by user_id ascending.
 */
import type { AggregateQuery } from '../../plan/logical.js';
import { REES46_SCHEMA, col, eventCountColumns, eventCounts, isType } from '../rees46.js';

export function plan(p: { topN?: number }): AggregateQuery {
  return {
    table: 'top_users',
    schema: REES46_SCHEMA,
    derive: [],
    groupBy: ['category_code', 'brand', 'user_id'],
    partitionBy: ['category_code', 'brand'],
    aggregates: [
      { fn: 'count', name: 'interactions' },
      ...eventCounts,
      { fn: 'sum', name: 'revenue', column: 'price', where: isType('purchase') },
    ],
    topK: {
      partitionBy: ['category_code', 'brand'],
      orderBy: [{ name: 'interactions', desc: true }, { name: 'user_id' }],
      k: p.topN ?? 10,
      rank: 'rank',
    },
    output: [
      { name: 'category_code', type: 'utf8', expr: col('category_code') },
      { name: 'brand', type: 'utf8', expr: col('brand') },
      { name: 'rank', type: 'int32', expr: col('rank') },
      { name: 'user_id', type: 'int64', expr: col('user_id') },
      { name: 'interactions', type: 'int64', expr: col('interactions') },
      ...eventCountColumns,
      { name: 'revenue', type: 'float64', expr: col('revenue') },
    ],
  };
}
