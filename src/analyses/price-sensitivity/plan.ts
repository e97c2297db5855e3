/**
 * price-sensitivity -> table `bands`: one row per (category_code, price band) with at least
 * one event; event counts, distinct viewers and buyers, revenue, average price and the
 * view-to-purchase ratio.
 */
import type { AggregateQuery } from '../../plan/logical.js';
import { REES46_SCHEMA, col, eventCountColumns, eventCounts, isType } from '../rees46.js';

export const DEFAULT_EDGES = [10, 25, 50, 100, 250, 500, 1000];

export function bandLabels(edges: number[]): string[] {
  const labels = [`<${edges[0]}`];
  for (let i = 1; i < edges.length; i++) labels.push(`${edges[i - 1]}-${edges[i]}`);
  labels.push(`>=${edges[edges.length - 1]}`);
  return labels;
}

export function plan(p: { bandEdges?: number[] }): AggregateQuery {
  const edges = p.bandEdges ?? DEFAULT_EDGES;
  return {
    table: 'bands',
    schema: REES46_SCHEMA,
    derive: [{ name: 'band_index', expr: { op: 'bucket', arg: col('price'), edges } }],
    groupBy: ['category_code', 'band_index'],
    aggregates: [
      { fn: 'count', name: 'events' },
      ...eventCounts,
      { fn: 'countDistinct', name: 'viewers', column: 'user_id', where: isType('view') },
      { fn: 'countDistinct', name: 'buyers', column: 'user_id', where: isType('purchase') },
      { fn: 'sum', name: 'revenue', column: 'price', where: isType('purchase') },
      { fn: 'sum', name: 'price_sum', column: 'price' },
    ],
    output: [
      { name: 'category_code', type: 'utf8', expr: col('category_code') },
      { name: 'band_index', type: 'int32', expr: col('band_index') },
      { name: 'price_band', type: 'utf8', expr: { op: 'label', arg: col('band_index'), labels: bandLabels(edges) } },
      { name: 'events', type: 'int64', expr: col('events') },
      ...eventCountColumns,
      { name: 'viewers', type: 'int64', expr: col('viewers') },
      { name: 'buyers', type: 'int64', expr: col('buyers') },
      { name: 'revenue', type: 'float64', expr: col('revenue') },
      { name: 'avg_price', type: 'float64', expr: { op: 'div', num: col('price_sum'), den: col('events') } },
      { name: 'view_to_purchase', type: 'float64', expr: { op: 'div', num: col('purchases'), den: col('views') } },
    ],
  };
}
