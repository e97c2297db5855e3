/**
 * Window functions. Rows are split into partitions (hash on the partition keys), each sorted by
 * the window's order keys (stable); rows with equal order keys are peers. Each call then gets
 * one value per row, appended as a column after the input's.
 *
 * Frames: `rows` counts rows from the current one; `range` with current row extends to the
 * peers, and with an offset compares the (single) order key's value: numbers by their value,
 * DATE and TIMESTAMP by an INTERVAL of days and time (months are refused: their length varies).
 * Without order by the frame is the whole partition; with it the default is range from the
 * partition's start to the current row's last peer. Aggregates fold their frame (from the
 * partition's start: incrementally; a sliding frame: per row); ranking and lag/lead ignore frames.
 */
import { KindlingError } from '../../common/errors.js';
import { BIGINT, DOUBLE } from '../../types/datatype.js';
import { isSafe, valueAt, vectorOf, type Interval, type Scalar, type Vector, type Batch } from '../../types/vector.js';
import { key as exprKey, type AggregateCall, type FrameBound, type WindowCall } from '../../plan/logical/expr.js';
import { aggregateGroups } from './aggregate.js';
import { compileExpr, type Compiled } from '../expr/compile.js';
import { comparator, isTrue } from '../expr/logic.js';
import { groupRows } from './group-keys.js';
import { rowComparator, type CompiledSortKey } from './sort.js';
import { take } from './rows.js';

export interface CompiledWindow {
  call: WindowCall;
  args: Compiled[];
  partitionBy: Compiled[];
  orderBy: CompiledSortKey[];
  filter?: Compiled;
}

const notYet = (what: string) => new KindlingError('USAGE', `${what} is not supported yet by kindling's SQL engine`, { hint: 'see the SQL reference in the README for what runs' });

export function compileWindows(calls: WindowCall[]): CompiledWindow[] {
  return calls.map((call) => {
    if (call.distinct) throw notYet(`${call.fn}(distinct …) over a window`);
    for (const b of [call.frame.start, call.frame.end]) {
      if (call.frame.mode === 'range' && b.offset !== undefined) {
        if (call.orderBy.length !== 1) throw new KindlingError('USAGE', 'a range frame with an offset needs exactly one order by key');
        if (b.offsetType?.id === 'INTERVAL' && (b.offset as Interval).months !== 0) throw notYet('a range frame offset in months or years');
      }
    }
    return {
      call,
      args: call.args.map(compileExpr),
      partitionBy: call.partitionBy.map(compileExpr),
      orderBy: call.orderBy.map((k) => ({ expr: compileExpr(k.expr), desc: k.desc, nullsFirst: k.nullsFirst })),
      filter: call.filter ? compileExpr(call.filter) : undefined,
    };
  });
}

/**
 * The input's columns, then one column per window call. `limits`: per call index, a K such that only rows numbered at most K are kept above (a filter
 * rn <= K on a row_number call): that call numbers each partition's first K rows in order and
 * gives every other row K + 1, without sorting the partition.
 */
export function windowOp(calls: CompiledWindow[], input: Batch, limits: Map<number, number> = new Map()): Batch {
  const cache: Shared = { groups: new Map(), orders: new Map() };
  return {
    length: input.length,
    columns: [...input.columns, ...calls.map((w, j) => (limits.has(j) && w.call.fn === 'row_number' ? topRowNumbers(w, input, cache, limits.get(j)!) : windowColumn(w, input, cache)))],
  };
}

/** Above this K a top-K row_number sorts its partitions instead of keeping the K best rows. */
const MAX_TOP_K = 64;

/** row_number() numbering only each partition's first k rows (the others: k + 1). */
function topRowNumbers(w: CompiledWindow, b: Batch, cache: Shared, k: number): Vector {
  const n = b.length;
  if (k > MAX_TOP_K) return windowColumn(w, b, cache);
  const { ids, count } = groupsOf(w, b, cache);
  const key = w.orderBy.length ? rowComparator(w.orderBy, b) : () => 0;
  const cmp = (i: number, j: number) => key(i, j) || i - j;
  const nums = new Float64Array(n).fill(k + 1);
  // The k best rows of each partition so far, in order (insertion into a short sorted list).
  const best: number[][] = Array.from({ length: n === 0 ? 0 : count }, () => []);
  for (let i = 0; i < n; i++) {
    const top = best[ids[i]];
    if (top.length === k && (k === 0 || cmp(i, top[k - 1]) > 0)) continue;
    let at = top.length;
    while (at > 0 && cmp(i, top[at - 1]) < 0) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  for (const top of best) top.forEach((r, p) => { nums[r] = p + 1; });
  return { type: BIGINT, length: n, values: nums };
}

type Comparator = (i: number, j: number) => number;
/** What calls with the same partition keys (and order keys) share within one windowOp. */
interface Shared {
  groups: Map<string, { ids: Int32Array; count: number }>;
  orders: Map<string, { parts: number[][]; cmp: Comparator }>;
}

/** Each row's partition. */
function groupsOf(w: CompiledWindow, b: Batch, cache: Shared): { ids: Int32Array; count: number } {
  const byKeys = exprKey(w.call.partitionBy);
  let g = cache.groups.get(byKeys);
  if (!g) cache.groups.set(byKeys, (g = groupRows(w.partitionBy.map((f) => f(b)), b.length)));
  return g;
}

const AGGREGATES = new Set<WindowCall['fn']>(['count_star', 'count', 'sum', 'avg', 'min', 'max', 'any_value', 'stddev_samp', 'stddev_pop', 'var_samp', 'var_pop']);

/** Is every row's frame its whole partition (no order: every row is a peer of every other)? */
function wholePartition(c: WindowCall): boolean {
  if (c.frame.start.kind === 'unboundedPreceding' && c.frame.end.kind === 'unboundedFollowing') return true;
  return c.orderBy.length === 0 && c.frame.mode === 'range';
}

/** The rows of each partition, in window order, and the order's comparator. */
function partitions(w: CompiledWindow, b: Batch, cache: Shared): { parts: number[][]; cmp: Comparator } {
  const byKeys = exprKey(w.call.partitionBy);
  const byOrder = `${byKeys}|${exprKey(w.call.orderBy)}`;
  const known = cache.orders.get(byOrder);
  if (known) return known;
  const { ids, count } = groupsOf(w, b, cache);
  const parts: number[][] = Array.from({ length: b.length === 0 ? 0 : count }, () => []);
  for (let i = 0; i < b.length; i++) parts[ids[i]].push(i);
  let cmp: Comparator = () => 0;
  if (w.orderBy.length) {
    const c = rowComparator(w.orderBy, b);
    cmp = c;
    for (const p of parts) p.sort((i, j) => c(i, j) || i - j);
  }
  const out = { parts, cmp };
  cache.orders.set(byOrder, out);
  return out;
}

function windowColumn(w: CompiledWindow, b: Batch, cache: Shared): Vector {
  const n = b.length;
  if (AGGREGATES.has(w.call.fn) && wholePartition(w.call)) {
    // One value per partition: the grouped aggregate, given back to each of its rows.
    const { ids, count } = groupsOf(w, b, cache);
    const call = { fn: w.call.fn as AggregateCall['fn'], args: w.call.args, distinct: false, ...(w.call.filter ? { filter: w.call.filter } : {}), type: w.call.type };
    return take(aggregateGroups({ call, args: w.args, filter: w.filter }, b, ids, count), ids);
  }
  const { parts, cmp: peerCmp } = partitions(w, b, cache);
  const args = w.args.map((f) => f(b));
  const mask = w.filter?.(b);
  const fn = w.call.fn;
  const nums = new Float64Array(n);
  const src = new Int32Array(n).fill(-1);
  const scalars: Scalar[] = new Array(n).fill(null);
  const kind = fn === 'row_number' || fn === 'rank' || fn === 'dense_rank' || fn === 'ntile' ? 'rank'
    : fn === 'percent_rank' || fn === 'cume_dist' ? 'dist'
    : fn === 'lag' || fn === 'lead' || fn === 'first_value' || fn === 'last_value' || fn === 'nth_value' ? 'value' : 'agg';
  for (const rows of parts) {
    const m = rows.length;
    // peerStart[p] / peerEnd[p]: the first and last position of p's peers.
    const peerStart = new Int32Array(m);
    const peerEnd = new Int32Array(m);
    for (let p = 0; p < m; p++) peerStart[p] = p > 0 && peerCmp(rows[p - 1], rows[p]) === 0 ? peerStart[p - 1] : p;
    for (let p = m - 1; p >= 0; p--) peerEnd[p] = p < m - 1 && peerCmp(rows[p + 1], rows[p]) === 0 ? peerEnd[p + 1] : p;
    if (kind === 'rank' || kind === 'dist') {
      let dense = 0;
      const buckets = fn === 'ntile' ? Number(valueAt(args[0], rows[0])) : 0;
      if (fn === 'ntile' && !(buckets > 0)) throw new KindlingError('QUERY_VALUE', `ntile: the number of buckets must be positive, not ${String(valueAt(args[0], rows[0]))}`);
      for (let p = 0; p < m; p++) {
        if (peerStart[p] === p) dense++;
        const r = rows[p];
        nums[r] = fn === 'row_number' ? p + 1 : fn === 'rank' ? peerStart[p] + 1 : fn === 'dense_rank' ? dense
          : fn === 'ntile' ? ntile(p, m, buckets)
          : fn === 'percent_rank' ? (m > 1 ? peerStart[p] / (m - 1) : 0) : (peerEnd[p] + 1) / m;
      }
      continue;
    }
    const [start, end] = frameBounds(w, b, rows, peerStart, peerEnd);
    if (kind === 'value') valueFunction(w, args, rows, start, end, src, scalars);
    else aggregateFrames(w, mask, args, rows, start, end, scalars);
  }
  if (kind === 'rank') return { type: BIGINT, length: n, values: nums };
  if (kind === 'dist') return { type: DOUBLE, length: n, values: nums };
  if (kind === 'value' && fn !== 'lag' && fn !== 'lead') return take(args[0], src);
  if (kind === 'value') {
    // lag / lead: the row's source value, or its default.
    const base = take(args[0], src);
    return vectorOf(w.call.type, Array.from({ length: n }, (_, i) => (src[i] >= 0 ? valueAt(base, i) : scalars[i])));
  }
  return vectorOf(w.call.type, scalars);
}

/** PostgreSQL's ntile: m rows in k buckets, the first m % k buckets one row larger. */
function ntile(p: number, m: number, k: number): number {
  const small = Math.floor(m / k);
  const large = m % k;
  const inLarge = large * (small + 1);
  return p < inLarge ? Math.floor(p / (small + 1)) + 1 : large + Math.floor((p - inLarge) / Math.max(small, 1)) + 1;
}

/** Each position's frame [start, end] (end < start: empty). */
function frameBounds(w: CompiledWindow, b: Batch, rows: number[], peerStart: Int32Array, peerEnd: Int32Array): [Int32Array, Int32Array] {
  const m = rows.length;
  const { mode, start: s, end: e } = w.call.frame;
  const start = new Int32Array(m);
  const end = new Int32Array(m);
  const key = mode === 'range' && (s.offset !== undefined || e.offset !== undefined) ? rangeKey(w, b, rows) : undefined;
  for (let p = 0; p < m; p++) {
    start[p] = bound(s, p, m, mode, peerStart, peerEnd, key, true);
    end[p] = bound(e, p, m, mode, peerStart, peerEnd, key, false);
  }
  return [start, end];
}

interface RangeKey { at: (p: number) => number | null; desc: boolean; offset: (o: Scalar, t: FrameBound['offsetType']) => number }

function rangeKey(w: CompiledWindow, b: Batch, rows: number[]): RangeKey {
  const v = w.orderBy[0].expr(b);
  const t = v.type;
  const scale = t.id === 'DECIMAL' ? 10 ** t.scale : 1;
  return {
    at: (p) => { const x = valueAt(v, rows[p]); return x === null ? null : Number(x); },
    desc: w.orderBy[0].desc,
    offset: (o, ot) => {
      if (ot?.id === 'INTERVAL') {
        const iv = o as Interval;
        const micros = iv.days * 86_400e6 + iv.micros;
        if (t.id === 'TIMESTAMP') return micros;
        if (t.id === 'DATE') return micros / 86_400e6;
        throw new KindlingError('USAGE', `a range frame over ${t.id} takes a number offset, not an INTERVAL`);
      }
      if (t.id === 'TIMESTAMP') throw new KindlingError('USAGE', 'a range frame over a TIMESTAMP takes an INTERVAL offset, e.g. interval 30 minute');
      const os = ot?.id === 'DECIMAL' ? 10 ** ot.scale : 1;
      return (Number(o) / os) * scale;
    },
  };
}

function bound(f: FrameBound, p: number, m: number, mode: 'rows' | 'range', peerStart: Int32Array, peerEnd: Int32Array, key: RangeKey | undefined, isStart: boolean): number {
  switch (f.kind) {
    case 'unboundedPreceding': return 0;
    case 'unboundedFollowing': return m - 1;
    case 'currentRow': return mode === 'rows' ? p : isStart ? peerStart[p] : peerEnd[p];
    default: {
      if (mode === 'rows') {
        const k = Number(f.offset);
        return f.kind === 'preceding' ? Math.max(-1, p - k) : Math.min(m, p + k);
      }
      const x = key!.at(p);
      if (x === null) return isStart ? peerStart[p] : peerEnd[p];
      const off = key!.offset(f.offset ?? 0, f.offsetType);
      // The value the bound sits at; "preceding" runs against the sort direction.
      const target = (f.kind === 'preceding') !== key!.desc ? x - off : x + off;
      return isStart ? firstAtOrAfter(key!, m, target) : lastAtOrBefore(key!, m, target);
    }
  }
}

/** In window order: is value a before b? */
const before = (k: RangeKey, a: number, b: number) => (k.desc ? a > b : a < b);

function firstAtOrAfter(k: RangeKey, m: number, target: number): number {
  for (let q = 0; q < m; q++) { const x = k.at(q); if (x !== null && !before(k, x, target)) return q; }
  return m;
}

function lastAtOrBefore(k: RangeKey, m: number, target: number): number {
  for (let q = m - 1; q >= 0; q--) { const x = k.at(q); if (x !== null && !before(k, target, x)) return q; }
  return -1;
}

function valueFunction(w: CompiledWindow, args: Vector[], rows: number[], start: Int32Array, end: Int32Array, src: Int32Array, scalars: Scalar[]): void {
  const m = rows.length;
  const x = args[0];
  const skip = (q: number) => w.call.ignoreNulls === true && x.nulls !== undefined && x.nulls[rows[q]] === 1;
  const fn = w.call.fn;
  for (let p = 0; p < m; p++) {
    const r = rows[p];
    if (fn === 'lag' || fn === 'lead') {
      const k = Number(valueAt(args[1], r));
      const dir = fn === 'lag' ? -1 : 1;
      let q = p;
      for (let left = k; left > 0 && q >= 0 && q < m;) { q += dir; if (q >= 0 && q < m && !skip(q)) left--; }
      if (k === 0) q = p;
      if (q >= 0 && q < m) src[r] = rows[q];
      else scalars[r] = args[2] ? valueAt(args[2], r) : null;
      continue;
    }
    const s = Math.max(0, start[p]);
    const e = Math.min(m - 1, end[p]);
    let q = -1;
    if (fn === 'first_value') { for (let t = s; t <= e; t++) if (!skip(t)) { q = t; break; } }
    else if (fn === 'last_value') { for (let t = e; t >= s; t--) if (!skip(t)) { q = t; break; } }
    else {
      let k = Number(valueAt(args[1], r));
      if (!(k >= 1)) throw new KindlingError('QUERY_VALUE', `nth_value: the position must be at least 1, not ${k}`);
      for (let t = s; t <= e; t++) if (!skip(t) && --k === 0) { q = t; break; }
    }
    src[r] = q >= 0 ? rows[q] : -1;
  }
}

/** An aggregate over a frame of rows: add rows, read the value. */
interface Running { add(r: number): void; value(): Scalar }

function runningFold(w: CompiledWindow, x: Vector | undefined): () => Running {
  const fn = w.call.fn;
  const type = w.call.type;
  switch (fn) {
    case 'count_star':
    case 'count':
      return () => { let c = 0; return { add: () => { c++; }, value: () => c }; };
    case 'sum':
    case 'avg': {
      const v = x!.values as ArrayLike<number | bigint>;
      const dbl = x!.type.id === 'DOUBLE';
      const scale = x!.type.id === 'DECIMAL' ? 10 ** x!.type.scale : 1;
      return () => {
        let s = 0;
        let big: bigint | undefined;
        let c = 0;
        return {
          add: (r) => {
            c++;
            const a = v[r];
            if (dbl) { s += a as number; return; }
            if (big !== undefined || typeof a === 'bigint') { big = (big ?? BigInt(s)) + BigInt(a); return; }
            const t = s + a;
            if (isSafe(t)) s = t; else big = BigInt(s) + BigInt(a);
          },
          value: () => {
            if (c === 0) return null;
            if (fn === 'avg') return Number(big ?? s) / c / scale;
            if (dbl || type.id === 'DOUBLE') return s;
            return big !== undefined ? (isSafe(Number(big)) ? Number(big) : big) : s;
          },
        };
      };
    }
    case 'min':
    case 'max':
    case 'any_value': {
      const cmp = comparator(x!, x!);
      const better = fn === 'min' ? (c: number) => c < 0 : fn === 'max' ? (c: number) => c > 0 : () => false;
      return () => { let best = -1; return { add: (r) => { if (best < 0 || better(cmp(r, best))) best = r; }, value: () => (best < 0 ? null : valueAt(x!, best)) }; };
    }
    case 'stddev_samp':
    case 'stddev_pop':
    case 'var_samp':
    case 'var_pop': {
      const v = x!.values as Float64Array;
      return () => {
        let k = 0, mean = 0, m2 = 0;
        return {
          add: (r) => { k++; const d = v[r] - mean; mean += d / k; m2 += d * (v[r] - mean); },
          value: () => {
            const d = fn.endsWith('samp') ? k - 1 : k;
            if (d <= 0) return null;
            return fn.startsWith('stddev') ? Math.sqrt(m2 / d) : m2 / d;
          },
        };
      };
    }
    default:
      throw notYet(`the window function ${fn}`);
  }
}

function aggregateFrames(w: CompiledWindow, mask: Vector | undefined, args: Vector[], rows: number[], start: Int32Array, end: Int32Array, out: Scalar[]): void {
  const m = rows.length;
  const x = args[0];
  const counts = (r: number) => (!mask || isTrue(mask, r)) && (w.call.fn === 'count_star' || !(x.nulls && x.nulls[r]));
  const make = runningFold(w, x);
  const cumulative = w.call.frame.start.kind === 'unboundedPreceding';
  if (cumulative) {
    // Frame ends never move back: fold once, reading the value at each end.
    const acc = make();
    let at = 0;
    for (let p = 0; p < m; p++) {
      const e = Math.min(m - 1, end[p]);
      while (at <= e) { if (counts(rows[at])) acc.add(rows[at]); at++; }
      out[rows[p]] = e < 0 ? make().value() : acc.value();
    }
    return;
  }
  for (let p = 0; p < m; p++) {
    const acc = make();
    for (let q = Math.max(0, start[p]); q <= Math.min(m - 1, end[p]); q++) if (counts(rows[q])) acc.add(rows[q]);
    out[rows[p]] = acc.value();
  }
}
