/**
 * Hash aggregation: rows are grouped by their key columns (keys.ts) and each aggregate call
 * folds its group's rows. Sums of INTEGER, BIGINT and DECIMAL are exact (doubles while the sum
 * stays within 2^53, bigints past it); avg divides the exact sum once at the end; stddev and
 * variance use Welford's updates in doubles; min and max keep the best row, so they work for
 * every ordered type. `filter (where …)` and `distinct` choose the rows a call folds.
 *
 * Without group keys the result is one row even over no input (count 0, other aggregates NULL);
 * with keys, a group exists only for rows that have it. Grouping sets run the grouping once per
 * set over the same input: the keys a set does not group by are NULL in its rows and the
 * `grouping_id` column (bit i from the last key: key not grouped) tells the sets apart.
 */
import { BIGINT } from '../../types/datatype.js';
import type { Schema } from '../../types/schema.js';
import { isBig, isSafe, type Batch, type Vector } from '../../types/vector.js';
import { key as exprKey, type AggregateCall } from '../../plan/logical/expr.js';
import { compileExpr, type Compiled } from '../expr/compile.js';
import { comparator } from '../expr/logic.js';
import { fromBig, mergeNulls } from '../expr/values.js';
import { firstInGroup, groupRows } from './group-keys.js';
import { concatBatches, take } from './rows.js';

/** 1 for the groups that folded no row (their result is NULL). */
function noRows(c: Float64Array): Uint8Array {
  const out = new Uint8Array(c.length);
  for (let g = 0; g < c.length; g++) if (c[g] === 0) out[g] = 1;
  return out;
}

function quotients(s: Float64Array, c: Float64Array): Float64Array {
  const out = new Float64Array(s.length);
  for (let g = 0; g < s.length; g++) out[g] = s[g] / c[g];
  return out;
}

interface Fold {
  /** Folds row i (already chosen: filter true, distinct first) into group g. */
  add(g: number, i: number): void;
  result(groups: number): Vector;
}

export interface CompiledAggregate {
  call: AggregateCall;
  args: Compiled[];
  filter?: Compiled;
}

export function compileAggregates(calls: AggregateCall[]): CompiledAggregate[] {
  return calls.map((call) => ({ call, args: call.args.map(compileExpr), filter: call.filter ? compileExpr(call.filter) : undefined }));
}

/** One aggregate call over groups (ids per row of `input`, `groups` of them): its value per group. */
export function aggregateGroups(a: CompiledAggregate, input: Batch, ids: Int32Array, groups: number): Vector {
  return aggregateOne(a, input, ids, groups, new Map());
}

/** The aggregate's output vector over groups (ids per row of `input`). */
function aggregateOne(a: CompiledAggregate, input: Batch, ids: Int32Array, groups: number, masks: Map<string, Vector>): Vector {
  const args = a.args.map((f) => f(input));
  let mask: Vector | undefined;
  if (a.filter) {
    // Calls often share a condition (count(*) filter (where t = 'view'), sum(x) filter (where t = 'view')): evaluated once.
    const text = exprKey(a.call.filter); // the whole expression (column names alone may repeat)
    mask = masks.get(text) ?? a.filter(input);
    masks.set(text, mask);
  }
  const n = input.length;
  const argNulls = mergeNulls(n, args);
  const skipNulls = a.call.fn !== 'count_star';
  // The rows the call folds (undefined: all of them): the filter's true rows without NULL arguments.
  let rows: Int32Array | undefined;
  if (mask || (skipNulls && argNulls)) {
    const keep = new Int32Array(n);
    let m = 0;
    const mv = mask?.values as Uint8Array | undefined;
    const mn = mask?.nulls;
    for (let i = 0; i < n; i++) {
      if (mv && (!mv[i] || (mn && mn[i]))) continue;
      if (skipNulls && argNulls && argNulls[i]) continue;
      keep[m++] = i;
    }
    rows = keep.subarray(0, m);
  }
  if (a.call.distinct) {
    const all = rows ?? Int32Array.from({ length: n }, (_, i) => i);
    const firsts = firstInGroup(ids, args, all);
    let m = 0;
    for (let r = 0; r < all.length; r++) if (firsts[r]) all[m++] = all[r];
    rows = all.subarray(0, m);
  }
  if (a.call.fn === 'count' || a.call.fn === 'count_star') {
    const c = new Float64Array(groups);
    if (rows) for (let r = 0; r < rows.length; r++) c[ids[rows[r]]]++;
    else for (let i = 0; i < n; i++) c[ids[i]]++;
    return { type: BIGINT, length: groups, values: c };
  }
  const fold = makeFold(a.call, args, groups);
  if (rows) for (let r = 0; r < rows.length; r++) fold.add(ids[rows[r]], rows[r]);
  else for (let i = 0; i < n; i++) fold.add(ids[i], i);
  return fold.result(groups);
}

function makeFold(call: AggregateCall, args: Vector[], groups: number): Fold {
  const [x] = args;
  switch (call.fn) {
    case 'count_star':
    case 'count': {
      const c = new Float64Array(groups);
      return { add: (g) => { c[g]++; }, result: () => ({ type: BIGINT, length: groups, values: c }) };
    }
    case 'sum':
    case 'avg':
      return x.type.id === 'DOUBLE' ? doubleSum(call, x, groups) : exactSum(call, x, groups);
    case 'min':
    case 'max':
    case 'any_value': {
      const best = new Int32Array(groups).fill(-1);
      const cmp = comparator(x, x);
      const better = call.fn === 'min' ? (c: number) => c < 0 : call.fn === 'max' ? (c: number) => c > 0 : () => false;
      return {
        add: (g, i) => { const b = best[g]; if (b < 0 || better(cmp(i, b))) best[g] = i; },
        result: () => take(x, best),
      };
    }
    case 'stddev_samp':
    case 'stddev_pop':
    case 'var_samp':
    case 'var_pop':
      return welford(call, x, groups);
    case 'avg_final':
      return averageOfPartials(call, x, args[1], groups);
    default:
      throw new Error(`unknown aggregate ${String(call.fn)}`);
  }
}

function doubleSum(call: AggregateCall, x: Vector, groups: number): Fold {
  const s = new Float64Array(groups);
  const c = new Float64Array(groups);
  const v = x.values as Float64Array;
  return {
    add: (g, i) => { s[g] += v[i]; c[g]++; },
    result: () => {
      const nulls = noRows(c);
      const out = call.fn === 'avg' ? quotients(s, c) : s;
      return { type: call.type, length: groups, values: out, nulls };
    },
  };
}

/** Exact sums of integers or scaled decimals: doubles while safe, a bigint per group past 2^53. */
function exactSum(call: AggregateCall, x: Vector, groups: number): Fold {
  const s = new Float64Array(groups);
  const big: (bigint | undefined)[] = [];
  const c = new Float64Array(groups);
  const v = x.values as ArrayLike<number | bigint>;
  const scale = x.type.id === 'DECIMAL' ? x.type.scale : 0;
  const add = isBig(x.values)
    ? (g: number, i: number) => { big[g] = (big[g] ?? BigInt(s[g])) + (v[i] as bigint); c[g]++; }
    : (g: number, i: number) => {
      c[g]++;
      const b = big[g];
      if (b !== undefined) { big[g] = b + BigInt(v[i] as number); return; }
      const t = s[g] + (v[i] as number);
      if (isSafe(t)) s[g] = t;
      else big[g] = BigInt(s[g]) + BigInt(v[i] as number);
    };
  return {
    add,
    result: () => {
      const nulls = noRows(c);
      if (call.fn === 'avg') {
        const div = 10 ** scale;
        const out = new Float64Array(groups);
        for (let g = 0; g < groups; g++) out[g] = c[g] === 0 ? 0 : bigAverage(big[g] ?? s[g], c[g], div);
        return { type: call.type, length: groups, values: out, nulls };
      }
      if (big.length === 0) return { type: call.type, length: groups, values: s, nulls };
      const vals = Array.from({ length: groups }, (_, g) => big[g] ?? BigInt(s[g]));
      return fromBig(call.type, vals, nulls, 'sum');
    },
  };
}

/** avg from partial (sum, count) rows: the sums added exactly (or as doubles), divided once, as avg does. */
function averageOfPartials(call: AggregateCall, sums: Vector, counts: Vector, groups: number): Fold {
  const c = new Float64Array(groups);
  const cv = counts.values as ArrayLike<number | bigint>;
  if (sums.type.id === 'DOUBLE') {
    const s = new Float64Array(groups);
    const v = sums.values as Float64Array;
    return {
      add: (g, i) => { s[g] += v[i]; c[g] += Number(cv[i]); },
      result: () => ({ type: call.type, length: groups, values: quotients(s, c), nulls: noRows(c) }),
    };
  }
  const big = new Array<bigint>(groups).fill(0n);
  const v = sums.values as ArrayLike<number | bigint>;
  const div = 10 ** (sums.type.id === 'DECIMAL' ? sums.type.scale : 0);
  return {
    add: (g, i) => { big[g] += BigInt(v[i]); c[g] += Number(cv[i]); },
    result: () => {
      const out = new Float64Array(groups);
      for (let g = 0; g < groups; g++) out[g] = c[g] === 0 ? 0 : bigAverage(isSafe(Number(big[g])) ? Number(big[g]) : big[g], c[g], div);
      return { type: call.type, length: groups, values: out, nulls: noRows(c) };
    },
  };
}

/** sum / count / 10^scale as a double, rounding once where the sum is exact. */
function bigAverage(sum: number | bigint, count: number, div: number): number {
  if (typeof sum === 'number') return sum / count / div;
  const q = sum / BigInt(count);
  const r = sum - q * BigInt(count);
  return (Number(q) + Number(r) / count) / div;
}

function welford(call: AggregateCall, x: Vector, groups: number): Fold {
  const n = new Float64Array(groups);
  const mean = new Float64Array(groups);
  const m2 = new Float64Array(groups);
  const v = x.values as Float64Array;
  return {
    add: (g, i) => {
      const k = ++n[g];
      const d = v[i] - mean[g];
      mean[g] += d / k;
      m2[g] += d * (v[i] - mean[g]);
    },
    result: () => {
      const samp = call.fn === 'stddev_samp' || call.fn === 'var_samp';
      const root = call.fn.startsWith('stddev');
      const out = new Float64Array(groups);
      const nulls = new Uint8Array(groups);
      for (let g = 0; g < groups; g++) {
        const d = samp ? n[g] - 1 : n[g];
        if (d <= 0) { nulls[g] = 1; continue; }
        out[g] = root ? Math.sqrt(m2[g] / d) : m2[g] / d;
      }
      return { type: call.type, length: groups, values: out, nulls };
    },
  };
}

export interface AggregateSpec {
  groupBy: Compiled[];
  aggregates: CompiledAggregate[];
  groupingSets?: number[][];
  schema: Schema;
}

/** The aggregate operator over one (materialized) input. */
export function hashAggregate(spec: AggregateSpec, input: Batch): Batch {
  const keys = spec.groupBy.map((f) => f(input));
  if (!spec.groupingSets) return groupOnce(spec, input, keys, keys.map((_, k) => k), false);
  const parts = spec.groupingSets.map((set) => groupOnce(spec, input, keys, set, true));
  return concatBatches(spec.schema, parts);
}

function groupOnce(spec: AggregateSpec, input: Batch, keys: Vector[], set: number[], withId: boolean): Batch {
  const used = set.map((k) => keys[k]);
  const { ids, count, first } = groupRows(used, input.length);
  const groups = used.length === 0 ? 1 : count;
  const firstRows = Int32Array.from(first);
  const keyCols = keys.map((k, i) => (set.includes(i) ? take(k, firstRows) : take(k, new Int32Array(groups).fill(-1))));
  const masks = new Map<string, Vector>();
  const aggs = spec.aggregates.map((a) => aggregateOne(a, input, ids, groups, masks));
  const cols = [...keyCols];
  if (withId) {
    let id = 0;
    keys.forEach((_, i) => { if (!set.includes(i)) id |= 1 << (keys.length - 1 - i); });
    cols.push({ type: BIGINT, length: groups, values: new Float64Array(groups).fill(id) });
  }
  cols.push(...aggs);
  return { length: groups, columns: cols };
}
