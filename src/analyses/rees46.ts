import type { InputColumn } from '../plan/logical.js';

/** The event types of the REES46 data. */
export const EVENT_TYPES = ['view', 'cart', 'purchase', 'remove_from_cart'];

/** The REES46 e-commerce clickstream schema (DESIGN.md section 4). */
export const REES46_SCHEMA: InputColumn[] = [
  { name: 'event_time', type: 'timestamp' },
  // Any other event type is a bad record for the analyses that read it (price-sensitivity and
  // engagement count views, carts and purchases; top-category-brand counts every event alike).
  { name: 'event_type', type: 'string', values: EVENT_TYPES },
  { name: 'product_id', type: 'int64' },
  { name: 'category_id', type: 'int64' },
  { name: 'category_code', type: 'string' },
  { name: 'brand', type: 'string' },
  { name: 'price', type: 'decimal', scale: 2 },
  { name: 'user_id', type: 'int64' },
  { name: 'user_session', type: 'string' },
];

export const isType = (t: string) => ({ op: 'eq' as const, left: { op: 'col' as const, name: 'event_type' }, right: { op: 'lit' as const, value: t } });

/** The per-event-type counters every analysis reports. */
export const eventCounts = [
  { fn: 'count' as const, name: 'views', where: isType('view') },
  { fn: 'count' as const, name: 'carts', where: isType('cart') },
  { fn: 'count' as const, name: 'purchases', where: isType('purchase') },
];

export const col = (name: string) => ({ op: 'col' as const, name });

/** Output columns for the counters above (int64). */
export const eventCountColumns = ['views', 'carts', 'purchases'].map((name) => ({ name, type: 'int64' as const, expr: col(name) }));

/** The schema as a SQL table's DDL (spec.tables.<name>.schema), for the analyses' SQL forms. */
export const REES46_DDL = 'event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, category_id BIGINT, category_code VARCHAR, brand VARCHAR, price DECIMAL(18,2), user_id BIGINT, user_session VARCHAR';

/** The counters above in SQL. */
export const EVENT_COUNTS_SQL = ['view', 'cart', 'purchase'].map((t) => `count(*) filter (where event_type = '${t}') as ${t}s`).join(',\n    ');

/** The same as a SQL table's list schema, with event_type's allowed values (other values are bad records, as in the analyses). */
export const REES46_COLUMNS: { name: string; type: string; values?: string[] }[] = REES46_DDL.split(', ').map((c) => {
  const [name, type] = c.split(' ');
  const values = REES46_SCHEMA.find((x) => x.name === name)?.values;
  return { name, type, ...(values ? { values } : {}) };
});
