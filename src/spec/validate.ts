/**
 * Validation by walking the schema next to the value, so every message names the field
 * path and what is allowed: `spec.input.format: must be one of csv`.
 */
import type { TSchema } from '@sinclair/typebox';

export interface SpecIssue {
  path: string;
  message: string;
}

type Schema = TSchema & Record<string, unknown>;

export function validateAgainst(schema: TSchema, value: unknown, path: string): SpecIssue[] {
  const out: SpecIssue[] = [];
  walk(schema as Schema, value, path, out);
  return out;
}

function walk(s: Schema, v: unknown, path: string, out: SpecIssue[]): void {
  const at = (message: string) => out.push({ path: path || '(root)', message });
  if (Array.isArray(s.anyOf)) {
    const options = s.anyOf as Schema[];
    if (options.every((o) => o.const !== undefined)) {
      if (!options.some((o) => o.const === v)) at(`must be one of ${options.map((o) => String(o.const)).join(', ')}${v === undefined ? '' : ` (got ${show(v)})`}`);
      return;
    }
    const trials = options.map((o) => {
      const issues: SpecIssue[] = [];
      walk(o, v, path, issues);
      return issues;
    });
    if (trials.some((t) => t.length === 0)) return;
    // Report the option whose type matched, else (none, or several) a summary.
    const typed = options.findIndex((o) => typeMatches(o, v));
    const alsoTyped = options.findIndex((o, k) => k > typed && typeMatches(o, v));
    if (typed >= 0 && (alsoTyped < 0 || s.description === undefined)) out.push(...trials[typed]);
    else at(`must be ${String(s.description ?? options.map((o) => o.type).join(' or '))} (got ${show(v)})`);
    return;
  }
  if (s.const !== undefined) {
    if (v !== s.const) at(`must be one of ${String(s.const)}${v === undefined ? '' : ` (got ${show(v)})`}`);
    return;
  }
  switch (s.type) {
    case 'object': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return void at(`must be an object (got ${show(v)})`);
      const obj = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const req of (s.required ?? []) as string[]) {
        if (obj[req] === undefined) out.push({ path: join(path, req), message: 'is required' });
      }
      for (const [k, val] of Object.entries(obj)) {
        if (val === undefined) continue; // an undefined property is an absent one
        const child = props[k];
        if (child) walk(child, val, join(path, k), out);
        else if (s.patternProperties) {
          const pp = Object.values(s.patternProperties as Record<string, Schema>)[0];
          walk(pp, val, join(path, k), out);
        } else if (s.additionalProperties === false) {
          out.push({ path: join(path, k), message: `unknown field; allowed: ${Object.keys(props).join(', ')}` });
        }
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(v)) return void at(`must be a list (got ${show(v)})`);
      if (typeof s.minItems === 'number' && v.length < s.minItems) at(`must have at least ${s.minItems} item(s)`);
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) at(`must have at most ${s.maxItems} items`);
      if (s.items) v.forEach((item, i) => walk(s.items as Schema, item, `${path}[${i}]`, out));
      return;
    }
    case 'integer':
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v) || (s.type === 'integer' && !Number.isInteger(v))) {
        return void at(`must be ${s.type === 'integer' ? 'an integer' : 'a number'} (got ${show(v)})`);
      }
      if (typeof s.minimum === 'number' && v < s.minimum) at(`must be >= ${s.minimum} (got ${v})`);
      if (typeof s.maximum === 'number' && v > s.maximum) at(`must be <= ${s.maximum} (got ${v})`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) at(`must be > ${s.exclusiveMinimum} (got ${v})`);
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) at(`must be < ${s.exclusiveMaximum} (got ${v})`);
      return;
    }
    case 'string': {
      if (typeof v !== 'string') return void at(`must be a string (got ${show(v)})`);
      if (typeof s.minLength === 'number' && v.length < s.minLength) at('must not be empty');
      if (typeof s.maxLength === 'number' && v.length > s.maxLength) at(`must be at most ${s.maxLength} characters`);
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(v)) at(`must be ${String(s.description ?? `like /${s.pattern}/`)} (got ${show(v)})`);
      return;
    }
    case 'boolean':
      if (typeof v !== 'boolean') at(`must be true or false (got ${show(v)})`);
      return;
    default:
      return; // Unknown: anything goes (e.g. params, checked per analysis)
  }
}

function typeMatches(s: Schema, v: unknown): boolean {
  if (s.type === 'integer' || s.type === 'number') return typeof v === 'number';
  if (s.type === 'string') return typeof v === 'string';
  if (s.type === 'array') return Array.isArray(v);
  if (s.type === 'object') return typeof v === 'object' && v !== null && !Array.isArray(v);
  return false;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
