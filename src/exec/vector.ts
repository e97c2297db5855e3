/**
 * Column vectors of a decoded batch and vectorized evaluation of row expressions over them.
 * Decimals stay exact scaled integers (`scale` fraction digits); strings stay dictionary ids.
 */
import { KindlingError } from '../common/errors.js';
import type { Expr } from '../plan/logical.js';
import type { ByteDictionary } from '../formats/csv/dictionary.js';

export type Vec =
  /** `nulls` is always an array (never null): one object shape for every numeric vector. */
  | { kind: 'num'; values: Float64Array; nulls: Uint8Array; scale: number }
  | { kind: 'dict'; ids: Int32Array; dict: ByteDictionary }
  | { kind: 'bool'; mask: Uint8Array }
  | { kind: 'lit'; value: string | number | null };

export type Columns = Map<string, Vec>;

/** Evaluates e over `rows` rows; results are freshly allocated (expressions are few and small). */
export function evaluate(e: Expr, cols: Columns, rows: number): Vec {
  switch (e.op) {
    case 'col': {
      const v = cols.get(e.name);
      if (!v) throw new KindlingError('INTERNAL', `unknown column ${e.name} in expression`);
      return v;
    }
    case 'lit':
      return { kind: 'lit', value: e.value };
    // Every loop lives in its own small function below: a loop inside this dispatcher gets
    // compiled on-stack before the code after it has type feedback, and V8 then deoptimizes
    // evaluate() once per batch.
    case 'and':
    case 'or': {
      const masks = e.args.map((a) => asMask(evaluate(a, cols, rows), rows));
      const out = new Uint8Array(rows).fill(e.op === 'and' ? 1 : 0);
      for (const m of masks) combine(out, m, rows, e.op === 'and');
      return { kind: 'bool', mask: out };
    }
    case 'not':
      return { kind: 'bool', mask: invert(asMask(evaluate(e.arg, cols, rows), rows), rows) };
    case 'isNull': {
      const v = evaluate(e.arg, cols, rows);
      const out = new Uint8Array(rows);
      if (v.kind === 'dict') nullIds(v.ids, rows, out);
      else if (v.kind === 'num') out.set(v.nulls.subarray(0, rows));
      else if (v.kind === 'lit' && v.value === null) out.fill(1);
      return { kind: 'bool', mask: out };
    }
    case 'bucket': {
      const v = evaluate(e.arg, cols, rows);
      if (v.kind !== 'num') throw new KindlingError('INTERNAL', 'bucket() needs a number column');
      const f = 10 ** v.scale;
      const edges = Float64Array.from(e.edges, (x) => Math.round(x * f));
      return { kind: 'num', values: bucketize(v.values, rows, edges), nulls: v.nulls, scale: 0 };
    }
    default:
      return compare(e.op, evaluate(e.left, cols, rows), evaluate(e.right, cols, rows), rows);
  }
}

function combine(out: Uint8Array, m: Uint8Array, rows: number, and: boolean): void {
  if (and) for (let i = 0; i < rows; i++) out[i] &= m[i];
  else for (let i = 0; i < rows; i++) out[i] |= m[i];
}

function invert(m: Uint8Array, rows: number): Uint8Array {
  const out = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) out[i] = m[i] ^ 1;
  return out;
}

function nullIds(ids: Int32Array, rows: number, out: Uint8Array): void {
  for (let i = 0; i < rows; i++) out[i] = ids[i] < 0 ? 1 : 0;
}

function bucketize(values: Float64Array, rows: number, edges: Float64Array): Float64Array {
  const out = new Float64Array(rows);
  const n = edges.length;
  for (let i = 0; i < rows; i++) {
    const x = values[i];
    let b = 0;
    while (b < n && x >= edges[b]) b++;
    out[i] = b;
  }
  return out;
}

function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Vec, b: Vec, rows: number): Vec {
  if (a.kind === 'lit' && b.kind !== 'lit') return compare(flip(op), b, a, rows);
  const out = new Uint8Array(rows);
  if (a.kind === 'dict' && b.kind === 'lit') {
    if (op !== 'eq' && op !== 'ne') throw new KindlingError('INTERNAL', `strings support = and != only`);
    const id = b.value === null ? -2 : a.dict.idOf(String(b.value));
    const want = op === 'eq' ? 1 : 0;
    for (let i = 0; i < rows; i++) out[i] = (a.ids[i] === id ? 1 : 0) === want && a.ids[i] >= 0 ? 1 : 0;
    return { kind: 'bool', mask: out };
  }
  if (a.kind === 'num' && b.kind === 'lit' && typeof b.value === 'number') {
    const x = b.value * 10 ** a.scale;
    for (let i = 0; i < rows; i++) out[i] = a.nulls[i] ? 0 : test(op, a.values[i], x) ? 1 : 0;
    return { kind: 'bool', mask: out };
  }
  if (a.kind === 'num' && b.kind === 'num' && a.scale === b.scale) {
    for (let i = 0; i < rows; i++) out[i] = a.nulls[i] || b.nulls[i] ? 0 : test(op, a.values[i], b.values[i]) ? 1 : 0;
    return { kind: 'bool', mask: out };
  }
  throw new KindlingError('INTERNAL', `cannot compare ${a.kind} with ${b.kind}`);
}

function test(op: string, x: number, y: number): boolean {
  switch (op) {
    case 'eq': return x === y;
    case 'ne': return x !== y;
    case 'lt': return x < y;
    case 'le': return x <= y;
    case 'gt': return x > y;
    default: return x >= y;
  }
}

function flip(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge') {
  return ({ eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' } as const)[op];
}

export function asMask(v: Vec, rows: number): Uint8Array {
  if (v.kind === 'bool') return v.mask;
  if (v.kind === 'lit') return new Uint8Array(rows).fill(v.value ? 1 : 0);
  throw new KindlingError('INTERNAL', 'a condition must be a comparison');
}

/** A vector's values as numeric group keys: dictionary ids (-1 = null) or numbers (NaN = null). */
export function keyValues(v: Vec, rows: number, out: Float64Array): Float64Array {
  if (v.kind === 'dict') for (let i = 0; i < rows; i++) out[i] = v.ids[i];
  else if (v.kind === 'num') {
    const nulls = v.nulls;
    for (let i = 0; i < rows; i++) out[i] = nulls[i] ? NaN : v.values[i];
  } else throw new KindlingError('INTERNAL', 'a group key must be a column');
  return out;
}
