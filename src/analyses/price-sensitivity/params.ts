/** price-sensitivity: its parameters (the schema validated under spec.params) and extra checks. */
import { Type } from '@sinclair/typebox';
import { DEFAULT_EDGES } from './plan.js';

export const paramsSchema = Type.Object(
  {
    bandEdges: Type.Optional(Type.Array(Type.Number({ minimum: 0 }), { minItems: 1, maxItems: 100, description: 'ascending price edges' })),
  },
  { additionalProperties: false },
);

export function checkParams(p: { bandEdges?: number[] }): string[] {
  const e = p.bandEdges ?? DEFAULT_EDGES;
  for (let i = 1; i < e.length; i++) if (!(e[i] > e[i - 1])) return [`bandEdges: must be strictly ascending (got ${e[i - 1]} then ${e[i]})`];
  return [];
}
