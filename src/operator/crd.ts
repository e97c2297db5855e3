/**
 * The KindlingJob CustomResourceDefinition, generated from the job spec schema
 * (src/spec/schema.ts), so `kindling run` and `kubectl apply` accept the same documents.
 * TypeBox's JSON Schema becomes a Kubernetes structural schema:
 *  - a union of string literals -> `type: string` + `enum`
 *  - a size (integer or string) -> `x-kubernetes-int-or-string`
 *  - a number-or-string (maxBadRecords) -> `x-kubernetes-preserve-unknown-fields`, no type
 *  - free-form maps (params) -> `x-kubernetes-preserve-unknown-fields` (params are checked
 *    per analysis by the same validator as `kindling run`)
 *  - `additionalProperties: false` is dropped: the API server prunes or, with strict field
 *    validation, rejects unknown fields itself
 */
import type { TSchema } from '@sinclair/typebox';
import { JobSpecSchema } from '../spec/schema.js';
import { GROUP, KIND, PLURAL, VERSION } from '../k8s/names.js';

type Json = Record<string, unknown>;

const KEEP = ['description', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'format'];

export function structural(schema: TSchema | Json): Json {
  const s = schema as Json;
  const out: Json = {};
  for (const k of KEEP) if (s[k] !== undefined) out[k] = s[k];
  if (s['x-kubernetes-int-or-string']) return { ...out, 'x-kubernetes-int-or-string': true };
  // A value the structural schema cannot type (e.g. a number or a string): the coordinator validates it.
  if (s['x-kindling-any-value']) return { ...out, 'x-kubernetes-preserve-unknown-fields': true };
  if (Array.isArray(s.anyOf)) {
    const options = s.anyOf as Json[];
    if (options.every((o) => typeof o.const === 'string')) return { ...out, type: 'string', enum: options.map((o) => o.const) };
    throw new Error(`cannot express this union in a structural schema: ${JSON.stringify(s).slice(0, 120)}`);
  }
  if (typeof s.const === 'string') return { ...out, type: 'string', enum: [s.const] };
  switch (s.type) {
    case 'object': {
      if (!s.properties) {
        // A map: Record<string, T> is patternProperties in TypeBox, additionalProperties here.
        const value = Object.values((s.patternProperties ?? {}) as Json)[0] as Json | undefined;
        if (value && (value.type || value.anyOf || value['x-kubernetes-int-or-string'])) return { ...out, type: 'object', additionalProperties: structural(value) };
        return { ...out, type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      }
      const props: Json = {};
      for (const [k, v] of Object.entries(s.properties as Json)) props[k] = structural(v as Json);
      const required = s.required as string[] | undefined;
      return { ...out, type: 'object', properties: props, ...(required?.length ? { required } : {}) };
    }
    case 'array':
      return { ...out, type: 'array', items: structural(s.items as Json) };
    case 'integer':
    case 'number':
    case 'string':
    case 'boolean':
      return { ...out, type: s.type };
    default:
      return { ...out, 'x-kubernetes-preserve-unknown-fields': true };
  }
}

export { GROUP, VERSION, KIND, PLURAL } from '../k8s/names.js';

export function kindlingJobCrd(): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: 'kindlingjob', shortNames: ['kj'] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
            { name: 'Workers', type: 'string', jsonPath: '.status.workers.summary' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A kindling batch job: the same document `kindling run` takes.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: structural(JobSpecSchema),
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  };
}
