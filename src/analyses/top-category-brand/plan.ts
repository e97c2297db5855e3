/**
 * top-category-brand -> table `user_favorites`: one row per user, the (category_code, brand)
 * pair with the most interactions; ties broken by category_code then brand, ascending,
 * nulls last; with the user's total interactions and the pair's share of them.
 */
import type { AggregateQuery } from '../../plan/logical.js';
import { REES46_SCHEMA, col } from '../rees46.js';

export function plan(): AggregateQuery {
  return {
    table: 'user_favorites',
    schema: REES46_SCHEMA,
    derive: [],
    groupBy: ['user_id', 'category_code', 'brand'],
    partitionBy: ['user_id'],
    aggregates: [{ fn: 'count', name: 'interactions' }],
    window: { partitionBy: ['user_id'], sums: [{ name: 'user_interactions', of: 'interactions' }] },
    topK: {
      partitionBy: ['user_id'],
      orderBy: [{ name: 'interactions', desc: true }, { name: 'category_code' }, { name: 'brand' }],
      k: 1,
    },
    output: [
      { name: 'user_id', type: 'int64', expr: col('user_id') },
      { name: 'category_code', type: 'utf8', expr: col('category_code') },
      { name: 'brand', type: 'utf8', expr: col('brand') },
      { name: 'interactions', type: 'int64', expr: col('interactions') },
      { name: 'user_interactions', type: 'int64', expr: col('user_interactions') },
      { name: 'share', type: 'float64', expr: { op: 'div', num: col('interactions'), den: col('user_interactions') } },
    ],
  };
}
