/**
 * Expressions compiled for execution: a bound Expr becomes a function from a batch to a vector.
 * The tree is walked once, when compiling; each node becomes a closure that runs one vectorized
 * kernel over whole column arrays per batch (no per-row interpretation of the tree).
 *
 * Implemented so far: columns, literals, casts (./cast.ts: numbers, BOOLEAN, DATE/TIMESTAMP, and
 * to and from VARCHAR), + - * / and unary minus, comparisons, is [not] distinct from, and / or /
 * not, is [not] null, case, in (list), coalesce, the numeric functions (./math.ts), the string
 * functions (./strings.ts), date/time/interval arithmetic, date_part and date_trunc
 * (./temporal.ts). Any other
 * function is refused when compiling, naming it (never a wrong answer).
 */
import { KindlingError } from '../../common/errors.js';
import { BOOLEAN, sameType, typeName } from '../../types/datatype.js';
import { valueAt, vectorOf, type Batch, type Vector } from '../../types/vector.js';
import { key as exprKey, type Expr } from '../../plan/logical/expr.js';
import { arithmetic, divide, negate } from './arith.js';
import { cast, castSupported } from './cast.js';
import { FLIPPED, andOr, compare, compareWithNumber, compareWithString, comparator, distinctFrom, isNull, not, type Comparison } from './logic.js';
import { DOUBLE_FUNCTIONS, abs, extreme, map1, nullIf, power, remainder, rounding } from './math.js';
import { rowwise } from './rowwise.js';
import { STRING_FUNCTIONS, concat } from './strings.js';
import { temporalCall } from './temporal.js';
import { constantVector } from './values.js';

export type Compiled = (b: Batch) => Vector;

const COMPARISONS = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** While compileShared runs: the compiled subexpressions so far, by their structure. */
let shared: Map<string, Compiled> | undefined;

/**
 * Compiles expressions that run over the same batches (an aggregate's keys, arguments and
 * filters; a projection's columns): a subexpression they share, such as `event_type = 'view'` in
 * a filter and in a case, is evaluated once per batch (its last batch's result is kept).
 */
export function compileShared(es: Expr[]): Compiled[] {
  const outer = shared;
  shared = new Map();
  try {
    return es.map(compileExpr);
  } finally {
    shared = outer;
  }
}

export function compileExpr(e: Expr): Compiled {
  if (!shared || e.kind === 'column' || e.kind === 'literal') return compileNode(e);
  const text = exprKey(e);
  let f = shared.get(text);
  if (!f) {
    const inner = compileNode(e);
    let last: Batch | undefined;
    let value: Vector | undefined;
    f = (b) => {
      if (b !== last) { value = inner(b); last = b; }
      return value!;
    };
    shared.set(text, f);
  }
  return f;
}

function compileNode(e: Expr): Compiled {
  switch (e.kind) {
    case 'column':
      return (b) => b.columns[e.index];
    case 'literal':
      return (b) => constantVector(e.type, e.value, b.length);
    case 'cast': {
      const arg = compileExpr(e.arg);
      if (!castSupported(e.arg.type, e.type)) throw notYet(`cast from ${typeName(e.arg.type)} to ${typeName(e.type)}`);
      return (b) => cast(arg(b), e.type, e.try);
    }
    case 'call':
      return compileCall(e.fn, e.args.map(compileExpr), e);
    case 'case': {
      const whens = e.whens.map((w) => ({ when: compileExpr(w.when), then: compileExpr(w.then) }));
      const otherwise = compileExpr(e.else);
      // case when c then x end (else NULL): x's values as they are, NULL where c is not true.
      if (e.whens.length === 1 && e.else.kind === 'literal' && e.else.value === null && sameType(e.whens[0].then.type, e.type)) {
        const [{ when, then }] = whens;
        return (b) => nullUnless(when(b), then(b));
      }
      // Every result a number literal of a typed-array type (a bucketing: case when x < 10 then 0 when …): a lookup.
      const results = [...e.whens.map((w) => w.then), e.else];
      const numbers = results.every((r) => r.kind === 'literal' && typeof r.value === 'number' && sameType(r.type, e.type)) && ['INTEGER', 'DATE', 'DOUBLE', 'BIGINT', 'DECIMAL', 'TIMESTAMP'].includes(e.type.id);
      if (numbers) {
        const table = Float64Array.from(results, (r) => (r as { value: number }).value);
        const int32 = e.type.id === 'INTEGER' || e.type.id === 'DATE';
        const buckets = bucketing(e.whens.map((w) => w.when));
        return (b) => {
          const pick = buckets ? bucketOf(buckets, b) : firstTrue(b.length, e.whens.length, whens.map((w) => w.when(b)));
          const out = int32 ? new Int32Array(b.length) : new Float64Array(b.length);
          for (let i = 0; i < b.length; i++) out[i] = table[pick[i]];
          return { type: e.type, length: b.length, values: out };
        };
      }
      return (b) => choose(b, whens.map((w) => ({ when: w.when(b), then: w.then(b) })), otherwise(b));
    }
    case 'inList': {
      const arg = compileExpr(e.arg);
      const list = e.list.map(compileExpr);
      return (b) => inList(arg(b), list.map((x) => x(b)), e.negated);
    }
    default:
      throw new KindlingError('INTERNAL', `${e.kind} expressions are removed by the optimizer before execution`);
  }
}

const notYet = (what: string) => new KindlingError('USAGE', `${what} is not supported yet by kindling's SQL engine`, { hint: 'see the SQL reference in the README for what runs' });

function compileCall(fn: string, args: Compiled[], e: Expr & { kind: 'call' }): Compiled {
  const [a, b] = args;
  if (COMPARISONS.has(fn)) {
    // A string column against a string literal: no column of the literal, and a dictionary's strings compared once each.
    const [l, r] = e.args;
    const text = (x: Expr) => (x.kind === 'literal' && typeof x.value === 'string' && x.type.id === 'VARCHAR' ? x.value : undefined);
    const rs = text(r);
    if (rs !== undefined && l.type.id === 'VARCHAR') return (x) => compareWithString(fn as Comparison, a(x), rs);
    const ls = text(l);
    if (ls !== undefined && r.type.id === 'VARCHAR') return (x) => compareWithString(FLIPPED[fn as Comparison], b(x), ls);
    // A number column against a number literal of its type (the binder cast them alike).
    const num = (e: Expr) => (e.kind === 'literal' && typeof e.value === 'number' && e.type.id === l.type.id && l.type.id === r.type.id && e.type.id !== 'BOOLEAN' && e.type.id !== 'INTERVAL' ? e.value : undefined);
    const rn = num(r);
    if (rn !== undefined && l.kind !== 'literal') return (x) => compareWithNumber(fn as Comparison, a(x), rn, () => b(x));
    const ln = num(l);
    if (ln !== undefined && r.kind !== 'literal') return (x) => compareWithNumber(FLIPPED[fn as Comparison], b(x), ln, () => a(x));
    return (x) => compare(fn as Comparison, a(x), b(x));
  }
  const temporal = temporalCall(fn, args, e);
  if (temporal) return temporal;
  switch (fn) {
    case 'add':
    case 'subtract':
    case 'multiply':
      if (!['INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE'].includes(e.type.id)) throw notYet(`${fn} of ${e.args.map((x) => typeName(x.type)).join(' and ')}`);
      return (x) => arithmetic(fn, a(x), b(x), e.type);
    case 'divide':
      return (x) => divide(a(x), b(x), e.type);
    case 'negate':
      return (x) => negate(a(x));
    case 'and':
    case 'or':
      return (x) => andOr(fn === 'and', a(x), b(x));
    case 'not':
      return (x) => not(a(x));
    case 'is_null':
    case 'is_not_null':
      return (x) => isNull(a(x), fn === 'is_not_null');
    case 'is_distinct_from':
    case 'is_not_distinct_from':
      return (x) => distinctFrom(a(x), b(x), fn === 'is_not_distinct_from');
    case 'coalesce':
      return (x) => { const vs = args.map((f) => f(x)); return choose(x, vs.slice(0, -1).map((v) => ({ when: isNull(v, true), then: v })), vs[vs.length - 1]); };
    case 'round':
    case 'floor':
    case 'ceil':
    case 'trunc':
      return (x) => rounding(fn, a(x), e.type, b?.(x));
    case 'abs':
      return (x) => abs(a(x));
    case 'mod':
    case 'integer_divide':
      return (x) => remainder(a(x), b(x), e.type, fn === 'integer_divide');
    case 'greatest':
    case 'least':
      return (x) => extreme(args.map((f) => f(x)), fn === 'greatest');
    case 'nullif':
      return (x) => nullIf(a(x), b(x));
    case 'power':
      return (x) => power(a(x), b(x), e.type);
    case 'sqrt':
    case 'ln':
    case 'log10':
    case 'exp':
      return (x) => map1(a(x), e.type, DOUBLE_FUNCTIONS[fn]);
    case 'concat':
      return (x) => rowwise(args.map((f) => f(x)), e.type, x.length, concat, true);
    default: {
      const f = Object.hasOwn(STRING_FUNCTIONS, fn) ? STRING_FUNCTIONS[fn] : undefined;
      if (!f) throw notYet(`the function ${fn}`);
      return (x) => rowwise(args.map((g) => g(x)), e.type, x.length, f);
    }
  }
}

/** x where c is true, else NULL (a NULL slot holds its type's empty value, as everywhere); a string column keeps its dictionary. */
function nullUnless(c: Vector, x: Vector): Vector {
  const n = x.length;
  const cv = c.values as Uint8Array;
  const cn = c.nulls;
  const xn = x.nulls;
  const nulls = new Uint8Array(n);
  for (let i = 0; i < n; i++) nulls[i] = cv[i] === 1 && !(cn && cn[i]) && !(xn && xn[i]) ? 0 : 1;
  const v = x.values;
  if (v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array || v instanceof BigInt64Array) {
    const out = v.slice(0, n);
    const empty = out instanceof BigInt64Array ? 0n : 0;
    for (let i = 0; i < n; i++) if (nulls[i]) out[i] = empty as never;
    return { type: x.type, length: n, values: out, nulls };
  }
  if (Array.isArray(v) && x.type.id === 'VARCHAR') {
    const out = (v as string[]).slice(0, n);
    for (let i = 0; i < n; i++) if (nulls[i]) out[i] = '';
    return { type: x.type, length: n, values: out, nulls, ...(x.dict ? { dict: x.dict } : {}) };
  }
  return gather([x, constantVector(x.type, null, n)], Int32Array.from(nulls), n);
}

/** Row by row, the `then` of the first true `when`, else `otherwise` (all of one type). */
function choose(b: Batch, whens: { when: Vector; then: Vector }[], otherwise: Vector): Vector {
  const pick = firstTrue(b.length, whens.length, whens.map((w) => w.when));
  return gather([...whens.map((w) => w.then), otherwise], pick, b.length);
}

/** Conditions `x < c1`, `x < c2`, … (or <=) on one number column x against number literals of its type: x, and each bound. */
function bucketing(conds: Expr[]): { x: Compiled; bounds: Float64Array; le: Uint8Array } | undefined {
  let x: Expr | undefined;
  const bounds: number[] = [];
  const le: number[] = [];
  for (const c of conds) {
    if (c.kind !== 'call' || (c.fn !== 'lt' && c.fn !== 'le') || c.args.length !== 2) return undefined;
    const [l, r] = c.args;
    if (l.kind !== 'column' || r.kind !== 'literal' || typeof r.value !== 'number' || r.value !== r.value || !sameType(l.type, r.type)) return undefined;
    if (!['INTEGER', 'DATE', 'DOUBLE', 'BIGINT', 'DECIMAL', 'TIMESTAMP'].includes(l.type.id)) return undefined;
    if (x && (x.kind !== 'column' || x.index !== l.index)) return undefined;
    x = l;
    bounds.push(r.value);
    le.push(c.fn === 'le' ? 1 : 0);
  }
  return x ? { x: compileNode(x), bounds: Float64Array.from(bounds), le: Uint8Array.from(le) } : undefined;
}

/** Per row, the first bound x is under (a NULL or NaN x: none), else the else branch. */
function bucketOf(k: { x: Compiled; bounds: Float64Array; le: Uint8Array }, b: Batch): Int32Array {
  const v = k.x(b);
  const vals = v.values;
  const n = b.length;
  const m = k.bounds.length;
  const pick = new Int32Array(n).fill(m);
  if (!(vals instanceof Float64Array || vals instanceof Int32Array)) {
    return firstTrue(n, m, Array.from(k.bounds, (c, j) => compareWithNumber(k.le[j] ? 'le' : 'lt', v, c, () => constantVector(v.type, c, n))));
  }
  const { bounds, le } = k;
  const nulls = v.nulls;
  for (let i = 0; i < n; i++) {
    if (nulls && nulls[i]) continue;
    const a = vals[i];
    for (let j = 0; j < m; j++) if (le[j] ? a <= bounds[j] : a < bounds[j]) { pick[i] = j; break; }
  }
  return pick;
}

/** Per row, the index of the first true condition, else `count` (the else branch). */
function firstTrue(n: number, count: number, conds: Vector[]): Int32Array {
  const pick = new Int32Array(n).fill(count);
  for (let k = count - 1; k >= 0; k--) {
    const v = conds[k].values as Uint8Array;
    const nulls = conds[k].nulls;
    if (nulls) { for (let i = 0; i < n; i++) if (v[i] === 1 && !nulls[i]) pick[i] = k; }
    else for (let i = 0; i < n; i++) if (v[i] === 1) pick[i] = k;
  }
  return pick;
}

/** out[i] = sources[pick[i]][i]. */
function gather(sources: Vector[], pick: Int32Array, n: number): Vector {
  const first = sources[0].values;
  const typed = first instanceof Float64Array || first instanceof Int32Array || first instanceof Uint8Array;
  if ((typed || (Array.isArray(first) && sources[0].type.id === 'VARCHAR')) && sources.every((v) => v.values.constructor === first.constructor)) {
    // One physical form throughout: copy the values as they are.
    const out = (typed ? new (first.constructor as Float64ArrayConstructor)(n) : new Array<string>(n).fill('')) as Float64Array | string[];
    let nulls: Uint8Array | undefined;
    for (let i = 0; i < n; i++) {
      const v = sources[pick[i]];
      if (v.nulls && v.nulls[i]) (nulls ??= new Uint8Array(n))[i] = 1;
      else out[i] = (v.values as Float64Array | string[])[i] as never;
    }
    return { type: sources[0].type, length: n, values: out, ...(nulls ? { nulls } : {}) };
  }
  return vectorOf(sources[0].type, Array.from({ length: n }, (_, i) => valueAt(sources[pick[i]], i)));
}

/** x [not] in (list): true on a match; else NULL if x or any item is NULL; else false (negated: the reverse). */
function inList(x: Vector, list: Vector[], negated: boolean): Vector {
  const n = x.length;
  const out = new Uint8Array(n);
  let nulls: Uint8Array | undefined;
  const cmps = list.map((v) => comparator(x, v));
  for (let i = 0; i < n; i++) {
    let found = false;
    let unknown = x.nulls ? x.nulls[i] === 1 : false;
    if (!unknown) {
      for (let k = 0; k < list.length && !found; k++) {
        if (list[k].nulls && list[k].nulls![i]) unknown = true;
        else if (cmps[k](i, i) === 0) found = true;
      }
    }
    if (found) out[i] = negated ? 0 : 1;
    else if (unknown) (nulls ??= new Uint8Array(n))[i] = 1;
    else out[i] = negated ? 1 : 0;
  }
  return { type: BOOLEAN, length: n, values: out, nulls };
}
