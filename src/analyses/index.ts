/**
 * The analysis registry: name -> params schema, extra checks, the logical plan the built-in
 * map/reduce runs, and the same analysis as a SQL job over a table `events` (equal output; the
 * SQL engine runs it 1.2-1.4x slower today, so `spec.analysis` still runs the plan: npm run bench).
 */
import type { TSchema } from '@sinclair/typebox';
import type { Analysis } from '../spec/schema.js';
import type { AggregateQuery } from '../plan/logical.js';
import { REES46_COLUMNS } from './rees46.js';
import * as priceSensitivity from './price-sensitivity/plan.js';
import * as priceSensitivityParams from './price-sensitivity/params.js';
import * as priceSensitivitySql from './price-sensitivity/sql.js';
import * as engagement from './engagement/plan.js';
import * as engagementParams from './engagement/params.js';
import * as engagementSql from './engagement/sql.js';
import * as topCategoryBrand from './top-category-brand/plan.js';
import * as topCategoryBrandParams from './top-category-brand/params.js';
import * as topCategoryBrandSql from './top-category-brand/sql.js';

export interface AnalysisDef {
  description: string;
  paramsSchema: TSchema;
  checkParams(params: never): string[];
  plan(params: never): AggregateQuery;
  /** A script with one `create table <the plan's table> as …` over `events` (REES46_COLUMNS). */
  sql(params: never): string;
}

export const analyses: Record<Analysis, AnalysisDef> = {
  'price-sensitivity': { description: 'events, viewers, buyers and revenue per category and price band', ...priceSensitivity, ...priceSensitivityParams, ...priceSensitivitySql },
  engagement: { description: 'the most engaged users per category and brand', ...engagement, ...engagementParams, ...engagementSql },
  'top-category-brand': { description: "each user's favourite category-brand pair", ...topCategoryBrand, ...topCategoryBrandParams, ...topCategoryBrandSql },
};

/** spec.tables and spec.sql of the analysis as a SQL job over the input of its spec.input (uri, format, splitSize, bad-record policy). */
export function sqlSpec(analysis: Analysis, params: Record<string, unknown>, input: { uri: string; format: 'csv' | 'parquet'; splitSize?: string | number; onBadRecord?: string; maxBadRecords?: string | number }): { tables: Record<string, unknown>; sql: string } {
  const { uri, format, ...rest } = input;
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return {
    tables: { events: { uri, format, ...(format === 'csv' ? { schema: REES46_COLUMNS } : {}), ...given } },
    sql: analyses[analysis].sql(params as never),
  };
}
