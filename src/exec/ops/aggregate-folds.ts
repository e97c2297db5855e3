/**
 * The states of aggregate calls, per group, folded batch after batch (aggregate.ts drives them):
 * each fold's arrays grow with the groups, and hold values, never rows of a batch, except min
 * and max, which keep each group's best row of a few retained argument vectors and compact them
 * into one as they pile up. Sums of INTEGER, BIGINT and DECIMAL are exact (doubles while the
 * sum stays within 2^53, a bigint per group past it); avg divides the exact sum once at the end;
 * stddev and variance use Welford's updates in doubles. Rows fold in input order, so a result
 * does not depend on how the input was cut into batches.
 */
import { BIGINT, type DataType } from '../../types/datatype.js';
import { MAX_SAFE, isBig, isSafe, type Vector } from '../../types/vector.js';
import type { AggregateCall } from '../../plan/logical/expr.js';
import { comparator } from '../expr/logic.js';
import { constantVector, fromBig } from '../expr/values.js';
import { concatVectors, take } from './rows.js';

export interface Fold {
  /** Before a batch's rows: its argument vectors, and `groups` groups so far (states grow to them). */
  begin(args: Vector[], groups: number): void;
  /** Folds row i (chosen: filter true, no NULL argument, distinct first) into group g. */
  add(g: number, i: number): void;
  /** Folds rows `rows` (undefined: 0..n-1) into groups ids[row] in one loop, if it can; false: the caller adds row by row. */
  addAll?(ids: Int32Array, rows: Int32Array | undefined, n: number): boolean;
  result(groups: number): Vector;
}

/** a with room for n groups (new slots: `fill`). */
export function grown(a: Float64Array<ArrayBuffer>, n: number, fill = 0): Float64Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Float64Array(Math.max(n, a.length * 2, 1024));
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/** 1 for the groups that folded no row (their result is NULL). */
function noRows(c: Float64Array, groups: number): Uint8Array {
  const out = new Uint8Array(groups);
  for (let g = 0; g < groups; g++) if (c[g] === 0) out[g] = 1;
  return out;
}

function quotients(s: Float64Array, c: Float64Array, groups: number): Float64Array {
  const out = new Float64Array(groups);
  for (let g = 0; g < groups; g++) out[g] = s[g] / c[g];
  return out;
}

export function makeFold(call: AggregateCall): Fold {
  const x = call.args[0];
  switch (call.fn) {
    case 'count_star':
    case 'count':
      return new CountFold();
    case 'sum':
    case 'avg':
      return x.type.id === 'DOUBLE' ? new DoubleSum(call) : new ExactSum(call);
    case 'min':
    case 'max':
    case 'any_value':
      return new BestRow(call.fn, call.type);
    case 'stddev_samp':
    case 'stddev_pop':
    case 'var_samp':
    case 'var_pop':
      return new Welford(call);
    case 'avg_final':
      return x.type.id === 'DOUBLE' ? new DoubleSum(call) : new ExactAverageOfPartials(call);
    default:
      throw new Error(`unknown aggregate ${String(call.fn)}`);
  }
}

class CountFold implements Fold {
  private c = new Float64Array(0);
  begin(_: Vector[], groups: number): void { this.c = grown(this.c, groups); }
  add(g: number): void { this.c[g]++; }
  addAll(ids: Int32Array, rows: Int32Array | undefined, n: number): boolean {
    const c = this.c;
    if (rows) for (let r = 0; r < rows.length; r++) c[ids[rows[r]]]++;
    else for (let i = 0; i < n; i++) c[ids[i]]++;
    return true;
  }
  result(groups: number): Vector { return { type: BIGINT, length: groups, values: grown(this.c, groups).subarray(0, groups) }; }
}

/** s[g] += v[i] and c[g]++ for rows `rows` (undefined: 0..n-1) in groups ids[i]: a sum's one loop. */
function sumRows(s: Float64Array, c: Float64Array, v: ArrayLike<number>, ids: Int32Array, rows: Int32Array | undefined, n: number): void {
  if (rows) for (let r = 0; r < rows.length; r++) { const i = rows[r]; const g = ids[i]; s[g] += v[i]; c[g]++; }
  else for (let i = 0; i < n; i++) { const g = ids[i]; s[g] += v[i]; c[g]++; }
}

/** sum and avg of doubles; avg_final of double partial sums (argument 2: their counts). */
class DoubleSum implements Fold {
  private s = new Float64Array(0);
  private c = new Float64Array(0);
  private v: Float64Array = new Float64Array(0);
  private counts?: ArrayLike<number | bigint>;
  constructor(private readonly call: AggregateCall) {}
  begin(args: Vector[], groups: number): void {
    this.s = grown(this.s, groups);
    this.c = grown(this.c, groups);
    this.v = args[0].values as Float64Array;
    this.counts = this.call.fn === 'avg_final' ? (args[1].values as ArrayLike<number | bigint>) : undefined;
  }
  add(g: number, i: number): void {
    this.s[g] += this.v[i];
    this.c[g] += this.counts ? Number(this.counts[i]) : 1;
  }
  addAll(ids: Int32Array, rows: Int32Array | undefined, n: number): boolean {
    if (this.counts) return false;
    sumRows(this.s, this.c, this.v, ids, rows, n);
    return true;
  }
  result(groups: number): Vector {
    const s = grown(this.s, groups);
    const c = grown(this.c, groups);
    const out = this.call.fn === 'sum' ? s.subarray(0, groups) : quotients(s, c, groups);
    return { type: this.call.type, length: groups, values: out, nulls: noRows(c, groups) };
  }
}

/** Exact sums of integers or scaled decimals: doubles while safe, a bigint per group past 2^53. */
class ExactSum implements Fold {
  private s = new Float64Array(0);
  private c = new Float64Array(0);
  private readonly big: (bigint | undefined)[] = [];
  private v: ArrayLike<number | bigint> = [];
  private bigValues = false;
  /** The sum of |x| over every value folded while no group's sum is a bigint: a bound on each group's |sum|. */
  private mass = 0;
  constructor(private readonly call: AggregateCall) {}
  begin(args: Vector[], groups: number): void {
    this.s = grown(this.s, groups);
    this.c = grown(this.c, groups);
    this.v = args[0].values as ArrayLike<number | bigint>;
    this.bigValues = isBig(args[0].values);
  }
  /** While no sum can pass 2^53 (the values' total magnitude says so), one loop of double additions. */
  addAll(ids: Int32Array, rows: Int32Array | undefined, n: number): boolean {
    if (this.bigValues || this.big.length > 0) return false;
    const v = this.v as Float64Array;
    let mass = this.mass;
    if (rows) for (let r = 0; r < rows.length; r++) mass += Math.abs(v[rows[r]]);
    else for (let i = 0; i < n; i++) mass += Math.abs(v[i]);
    this.mass = mass; // past 2^53 it stays past: every later batch adds row by row
    if (!(mass <= MAX_SAFE)) return false;
    sumRows(this.s, this.c, v, ids, rows, n);
    return true;
  }
  add(g: number, i: number): void {
    this.c[g]++;
    const b = this.big[g];
    if (this.bigValues) { this.big[g] = (b ?? BigInt(this.s[g])) + (this.v[i] as bigint); return; }
    const x = this.v[i] as number;
    if (b !== undefined) { this.big[g] = b + BigInt(x); return; }
    const t = this.s[g] + x;
    if (isSafe(t)) this.s[g] = t;
    else this.big[g] = BigInt(this.s[g]) + BigInt(x);
  }
  result(groups: number): Vector {
    const s = grown(this.s, groups);
    const c = grown(this.c, groups);
    const nulls = noRows(c, groups);
    const x = this.call.args[0].type;
    if (this.call.fn === 'avg') {
      const div = 10 ** (x.id === 'DECIMAL' ? x.scale : 0);
      const out = new Float64Array(groups);
      for (let g = 0; g < groups; g++) out[g] = c[g] === 0 ? 0 : bigAverage(this.big[g] ?? s[g], c[g], div);
      return { type: this.call.type, length: groups, values: out, nulls };
    }
    if (this.big.length === 0) return { type: this.call.type, length: groups, values: s.subarray(0, groups), nulls };
    const vals = Array.from({ length: groups }, (_, g) => this.big[g] ?? BigInt(s[g]));
    return fromBig(this.call.type, vals, nulls, 'sum');
  }
}

/** avg from exact partial (sum, count) rows: the sums added exactly, divided once, as avg does. */
class ExactAverageOfPartials implements Fold {
  private c = new Float64Array(0);
  private readonly big: bigint[] = [];
  private v: ArrayLike<number | bigint> = [];
  private counts: ArrayLike<number | bigint> = [];
  constructor(private readonly call: AggregateCall) {}
  begin(args: Vector[], groups: number): void {
    this.c = grown(this.c, groups);
    while (this.big.length < groups) this.big.push(0n);
    this.v = args[0].values as ArrayLike<number | bigint>;
    this.counts = args[1].values as ArrayLike<number | bigint>;
  }
  add(g: number, i: number): void {
    this.big[g] += BigInt(this.v[i]);
    this.c[g] += Number(this.counts[i]);
  }
  result(groups: number): Vector {
    const x = this.call.args[0].type;
    const div = 10 ** (x.id === 'DECIMAL' ? x.scale : 0);
    const c = grown(this.c, groups);
    const out = new Float64Array(groups);
    for (let g = 0; g < groups; g++) {
      const b = this.big[g] ?? 0n;
      out[g] = c[g] === 0 ? 0 : bigAverage(isSafe(Number(b)) ? Number(b) : b, c[g], div);
    }
    return { type: this.call.type, length: groups, values: out, nulls: noRows(c, groups) };
  }
}

/** sum / count / 10^scale as a double, rounding once where the sum is exact. */
function bigAverage(sum: number | bigint, count: number, div: number): number {
  if (typeof sum === 'number') return sum / count / div;
  const q = sum / BigInt(count);
  const r = sum - q * BigInt(count);
  return (Number(q) + Number(r) / count) / div;
}

class Welford implements Fold {
  private n = new Float64Array(0);
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  private v: Float64Array = new Float64Array(0);
  constructor(private readonly call: AggregateCall) {}
  begin(args: Vector[], groups: number): void {
    this.n = grown(this.n, groups);
    this.mean = grown(this.mean, groups);
    this.m2 = grown(this.m2, groups);
    this.v = args[0].values as Float64Array;
  }
  add(g: number, i: number): void {
    const k = ++this.n[g];
    const x = this.v[i];
    const d = x - this.mean[g];
    this.mean[g] += d / k;
    this.m2[g] += d * (x - this.mean[g]);
  }
  result(groups: number): Vector {
    const fn = this.call.fn;
    const samp = fn === 'stddev_samp' || fn === 'var_samp';
    const root = fn.startsWith('stddev');
    const n = grown(this.n, groups);
    const m2 = grown(this.m2, groups);
    const out = new Float64Array(groups);
    const nulls = new Uint8Array(groups);
    for (let g = 0; g < groups; g++) {
      const d = samp ? n[g] - 1 : n[g];
      if (d <= 0) { nulls[g] = 1; continue; }
      out[g] = root ? Math.sqrt(m2[g] / d) : m2[g] / d;
    }
    return { type: this.call.type, length: groups, values: out, nulls };
  }
}

/**
 * min, max, any_value of any ordered type: each group's best row, as (retained vector, row).
 * The argument vectors of past batches are retained while a best row is in them; when they hold
 * many more rows than there are groups, the best rows are gathered into one vector.
 */
class BestRow implements Fold {
  private vecs: Vector[] = [];
  private rows = 0;
  private at = new Int32Array(0);
  private row = new Int32Array(0);
  private cur!: Vector;
  private k = -1;
  private cmps: ((i: number, j: number) => number)[] = [];
  constructor(private readonly fn: 'min' | 'max' | 'any_value', private readonly type: DataType) {}
  begin(args: Vector[], groups: number): void {
    if (this.rows > 2 * groups + 65536) this.compact(groups);
    if (this.at.length < groups) {
      const n = Math.max(groups, this.at.length * 2, 1024);
      const at = new Int32Array(n).fill(-1);
      at.set(this.at);
      const row = new Int32Array(n);
      row.set(this.row);
      this.at = at;
      this.row = row;
    }
    this.cur = args[0];
    this.vecs.push(this.cur);
    this.rows += this.cur.length;
    this.k = this.vecs.length - 1;
    this.cmps = [];
  }
  add(g: number, i: number): void {
    const a = this.at[g];
    if (a < 0) { this.at[g] = this.k; this.row[g] = i; return; }
    if (this.fn === 'any_value') return;
    const cmp = (this.cmps[a] ??= comparator(this.cur, this.vecs[a]));
    const c = cmp(i, this.row[g]);
    if (this.fn === 'min' ? c < 0 : c > 0) { this.at[g] = this.k; this.row[g] = i; }
  }
  /** Every group's best value in one vector (NULL where none), which becomes the only retained one. */
  private compact(groups: number): Vector {
    const starts: number[] = [];
    let total = 0;
    for (const v of this.vecs) { starts.push(total); total += v.length; }
    const all = this.vecs.length === 1 ? this.vecs[0] : concatVectors(this.vecs);
    const pick = new Int32Array(groups);
    for (let g = 0; g < groups; g++) pick[g] = g < this.at.length && this.at[g] >= 0 ? starts[this.at[g]] + this.row[g] : -1;
    const best = take(all, pick);
    this.vecs = [best];
    this.rows = groups;
    for (let g = 0; g < this.at.length; g++) {
      if (g < groups && this.at[g] >= 0) { this.at[g] = 0; this.row[g] = g; } else this.at[g] = -1;
    }
    return best;
  }
  result(groups: number): Vector {
    if (this.vecs.length === 0) return constantVector(this.type, null, groups);
    return this.compact(groups);
  }
}
