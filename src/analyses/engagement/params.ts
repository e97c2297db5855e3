/** engagement: its parameters (the schema validated under spec.params) and extra checks. */
import { Type } from '@sinclair/typebox';

export const paramsSchema = Type.Object(
  { topN: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'users per (category_code, brand) (default 10)' })) },
  { additionalProperties: false },
);

export function checkParams(): string[] {
  return [];
}
