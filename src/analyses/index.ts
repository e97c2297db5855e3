/** The analysis registry: name -> params schema, extra checks, and the logical plan. */
import type { TSchema } from '@sinclair/typebox';
import type { Analysis } from '../spec/schema.js';
import type { AggregateQuery } from '../plan/logical.js';
import * as priceSensitivity from './price-sensitivity/plan.js';
import * as priceSensitivityParams from './price-sensitivity/params.js';
import * as engagement from './engagement/plan.js';
import * as engagementParams from './engagement/params.js';
import * as topCategoryBrand from './top-category-brand/plan.js';
import * as topCategoryBrandParams from './top-category-brand/params.js';

export interface AnalysisDef {
  description: string;
  paramsSchema: TSchema;
  checkParams(params: never): string[];
  plan(params: never): AggregateQuery;
}

export const analyses: Record<Analysis, AnalysisDef> = {
  'price-sensitivity': { description: 'events, viewers, buyers and revenue per category and price band', ...priceSensitivity, ...priceSensitivityParams },
  engagement: { description: 'the most engaged users per category and brand', ...engagement, ...engagementParams },
  'top-category-brand': { description: "each user's favourite category-brand pair", ...topCategoryBrand, ...topCategoryBrandParams },
};
