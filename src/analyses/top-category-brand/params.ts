/** top-category-brand: its parameters (the schema validated under spec.params) and extra checks. */
import { Type } from '@sinclair/typebox';

export const paramsSchema = Type.Object({}, { additionalProperties: false });

export function checkParams(): string[] {
  return [];
}
