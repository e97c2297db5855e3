/**
 * Hash aggregation, streaming: batch after batch, rows are grouped by their key columns into one
 * GroupTable (group-keys.ts words, stable across batches) and each aggregate call folds its
 * group's rows into its state (aggregate-folds.ts). Nothing of a batch is kept once it is folded
 * (but min/max's best rows): the group keys come back from the table's words at the end, so a
 * task's memory follows its groups, not its input. `filter (where …)` and `distinct` choose the
 * rows a call folds.
 *
 * Without group keys the result is one row even over no input (count 0, other aggregates NULL);
 * with keys, a group exists only for rows that have it. Grouping sets group the same batches once
 * per set: the keys a set does not group by are NULL in its rows and the `grouping_id` column
 * (bit i from the last key: key not grouped) tells the sets apart.
 */
import { BIGINT } from '../../types/datatype.js';
import type { Schema } from '../../types/schema.js';
import { allocate, type Batch, type Vector } from '../../types/vector.js';
import type { AggregateCall, Expr } from '../../plan/logical/expr.js';
import { compileShared, type Compiled } from '../expr/compile.js';
import { constantVector, mergeNulls } from '../expr/values.js';
import { makeFold, type Fold } from './aggregate-folds.js';
import { DistinctRows, KeyIds, keyVector, keyWords, rowBuffer, wordCount, WordScratch } from './group-keys.js';
import { GroupTable } from './group-table.js';
import { concatBatches, take } from './rows.js';

export interface CompiledAggregate {
  call: AggregateCall;
  args: Compiled[];
  filter?: Compiled;
}

/** An aggregate node's spec, its keys, arguments and filters compiled together (shared subexpressions once per batch). */
export function aggregateSpec(p: { groupBy: Expr[]; aggregates: AggregateCall[]; groupingSets?: number[][]; setCalls?: number[][]; schema: Schema }): AggregateSpec {
  const exprs = [...p.groupBy, ...p.aggregates.flatMap((a) => [...a.args, ...(a.filter ? [a.filter] : [])])];
  const compiled = compileShared(exprs);
  let at = p.groupBy.length;
  const aggregates = p.aggregates.map((call) => {
    const args = compiled.slice(at, (at += call.args.length));
    const filter = call.filter ? compiled[at++] : undefined;
    return { call, args, filter };
  });
  return { groupBy: compiled.slice(0, p.groupBy.length), aggregates, groupingSets: p.groupingSets, setCalls: p.setCalls, schema: p.schema };
}

export interface AggregateSpec {
  groupBy: Compiled[];
  aggregates: CompiledAggregate[];
  groupingSets?: number[][];
  /** Per grouping set, the calls it computes (the others are NULL in its rows); absent: all. */
  setCalls?: number[][];
  schema: Schema;
}

/** A call's view of one batch: its argument vectors and the rows it folds (undefined: all). */
interface CallInput {
  args: Vector[];
  rows?: Int32Array;
}

/** `bufs`: per call, a row buffer to reuse batch after batch (a streaming aggregation's; the rows die with the batch). */
function callInputs(calls: CompiledAggregate[], b: Batch, bufs?: Int32Array<ArrayBuffer>[]): CallInput[] {
  const n = b.length;
  // Calls often share a condition (count(*) filter (where t = 'view'), sum(x) filter (where t = 'view')):
  // compiled together, it is evaluated once, and its rows are listed once when no argument is NULL.
  const rowsOf = new Map<Vector, Int32Array>();
  return calls.map((a, j) => {
    const args = a.args.map((f) => f(b));
    const mask = a.filter?.(b);
    const skipNulls = a.call.fn !== 'count_star';
    const argNulls = skipNulls ? mergeNulls(n, args) : undefined;
    if (!mask && !argNulls) return { args };
    const known = !argNulls && mask ? rowsOf.get(mask) : undefined;
    if (known) return { args, rows: known };
    // The filter's true rows without NULL arguments.
    const keep = bufs ? (bufs[j] = rowBuffer(bufs[j], n)) : new Int32Array(n);
    let m = 0;
    const mv = mask?.values as Uint8Array | undefined;
    const mn = mask?.nulls;
    for (let i = 0; i < n; i++) {
      if (mv && (!mv[i] || (mn && mn[i]))) continue;
      if (argNulls && argNulls[i]) continue;
      keep[m++] = i;
    }
    const rows = keep.subarray(0, m);
    if (!argNulls && mask) rowsOf.set(mask, rows);
    return { args, rows };
  });
}

/** Folds rows `rows` (undefined: 0..n-1) of a batch into the groups `ids` gives them. */
function foldRows(f: Fold, args: Vector[], ids: Int32Array, rows: Int32Array | undefined, n: number, groups: number): void {
  f.begin(args, groups);
  if (f.addAll?.(ids, rows, n)) return;
  if (rows) for (let r = 0; r < rows.length; r++) f.add(ids[rows[r]], rows[r]);
  else for (let i = 0; i < n; i++) f.add(ids[i], i);
}

/** One aggregate call over groups (ids per row of `input`, `groups` of them): its value per group. */
export function aggregateGroups(a: CompiledAggregate, input: Batch, ids: Int32Array, groups: number): Vector {
  const [c] = callInputs([a], input);
  const rows = a.call.distinct ? new DistinctRows(a.args.length).firstRows(ids, c.args, c.rows, input.length) : c.rows;
  const f = makeFold(a.call);
  foldRows(f, c.args, ids, rows, input.length, groups);
  return f.result(groups);
}

const emptyVector = (v: Schema[number]): Vector => ({ type: v.type, length: 0, values: allocate(v.type, 0) });

/**
 * One grouping set's groups and states. A set that holds an earlier set's keys (its parent: a
 * rollup's longer sets, the distinct pairs' (keys, x)) groups by (the parent's group, its other
 * keys): fewer words to hash, and its parent's key values are gathered once at the end.
 */
class Grouping {
  private table?: GroupTable;
  /** The keys this set groups by itself: the set's keys not in its parent's. */
  private readonly own: number[];
  private readonly keyIds: KeyIds[];
  /** With a parent: each group's parent group. */
  private parentOf = new Int32Array(0);
  /** Per call: its fold, undefined where this set does not compute it. */
  private readonly folds: (Fold | undefined)[];
  private readonly distinct: (DistinctRows | undefined)[];
  /** The current batch's group per row (a child set reads its parent's). */
  ids = new Int32Array(0);
  private keyCols = new Map<number, Vector>();
  /** The current batch's key words (the table copies a new group's). */
  private readonly scratch = new WordScratch();

  constructor(private readonly spec: AggregateSpec, readonly set: number[], calls: number[] | undefined, private readonly parent?: Grouping) {
    this.own = parent ? set.filter((k) => !parent.set.includes(k)) : set;
    this.keyIds = this.own.map(() => new KeyIds());
    this.folds = spec.aggregates.map((a, j) => (!calls || calls.includes(j) ? makeFold(a.call) : undefined));
    this.distinct = spec.aggregates.map((a, j) => (a.call.distinct && this.folds[j] ? new DistinctRows(a.args.length) : undefined));
  }

  get groups(): number {
    return this.set.length === 0 ? 1 : (this.table?.size ?? 0);
  }

  /** A set that computes no calls under a parent (the distinct pairs) has no group whose own keys are all NULL. */
  get pairsOnly(): boolean {
    return this.parent !== undefined && this.folds.every((f) => f === undefined);
  }

  add(keys: Vector[], inputs: CallInput[], n: number): void {
    const ids = (this.ids = rowBuffer(this.ids, n)).subarray(0, n);
    if (this.set.length > 0) {
      const used = this.own.map((k) => keys[k]);
      this.scratch.reset();
      const words = keyWords(used, n, this.keyIds, this.scratch);
      const pids = this.parent?.ids;
      if (pids) words.unshift(this.scratch.ints(pids, n));
      // Only the rows that can form a group (a pairs set skips rows without a value to pair).
      const only = this.pairsOnly ? someKey(used, n) : undefined;
      this.table ??= new GroupTable(words.length, Math.min(Math.max(n >> 2, 16), 1 << 16));
      const before = this.table.size;
      this.table.insert(words, n, ids, only);
      if (pids && this.table.size > before) {
        // Each new group's parent group (also its first word).
        if (this.parentOf.length < this.table.size) {
          const grown = new Int32Array(Math.max(this.table.size, this.parentOf.length * 2));
          grown.set(this.parentOf);
          this.parentOf = grown;
        }
        let next = before;
        const count = only ? only.length : n;
        for (let r = 0; r < count; r++) {
          const i = only ? only[r] : r;
          if (ids[i] === next) this.parentOf[next++] = pids[i];
        }
      }
    }
    this.fold(inputs, ids, n);
  }

  private fold(inputs: CallInput[], ids: Int32Array, n: number): void {
    const groups = this.groups;
    this.folds.forEach((f, j) => {
      if (!f) return;
      const c = inputs[j];
      const rows = this.distinct[j] ? this.distinct[j]!.firstRows(ids, c.args, c.rows, n) : c.rows;
      foldRows(f, c.args, ids, rows, n, groups);
    });
  }

  /** Key k's values per group (k in the set). */
  keyColumn(k: number): Vector {
    let v = this.keyCols.get(k);
    if (v) return v;
    const c = this.own.indexOf(k);
    if (c < 0) v = take(this.parent!.keyColumn(k), this.parentOf.subarray(0, this.groups));
    else if (!this.table) v = emptyVector(this.spec.schema[k]);
    else {
      // Decoded from the table's words: after the parent's group, the own keys' words in order.
      let offset = this.parent ? 1 : 0;
      for (let j = 0; j < c; j++) offset += wordCount(this.spec.schema[this.own[j]].type);
      v = keyVector(this.spec.schema[k].type, this.table, offset, this.groups, this.keyIds[c]);
    }
    this.keyCols.set(k, v);
    return v;
  }

  result(withId: boolean): Batch {
    const groups = this.groups;
    const keyCount = this.spec.groupBy.length;
    const cols: Vector[] = [];
    for (let k = 0; k < keyCount; k++) {
      cols.push(this.set.includes(k) ? this.keyColumn(k) : constantVector(this.spec.schema[k].type, null, groups));
    }
    if (withId) {
      let id = 0;
      for (let k = 0; k < keyCount; k++) if (!this.set.includes(k)) id |= 1 << (keyCount - 1 - k);
      cols.push({ type: BIGINT, length: groups, values: new Float64Array(groups).fill(id) });
    }
    this.folds.forEach((f, j) => cols.push(f ? f.result(groups) : constantVector(this.spec.aggregates[j].call.type, null, groups)));
    return { length: groups, columns: cols };
  }
}

/** The rows where some of the columns is not NULL; undefined when that is every row. */
function someKey(cols: Vector[], n: number): Int32Array | undefined {
  if (cols.some((v) => !v.nulls)) return undefined;
  const some = new Uint8Array(n);
  for (const v of cols) {
    const nulls = v.nulls!;
    for (let i = 0; i < n; i++) some[i] |= nulls[i] ^ 1;
  }
  let m = 0;
  for (let i = 0; i < n; i++) m += some[i];
  if (m === n) return undefined;
  const rows = new Int32Array(m);
  for (let i = 0, r = 0; i < n; i++) if (some[i]) rows[r++] = i;
  return rows;
}

/** Does a set of keys hold all of `other`'s keys, and more? */
const holds = (set: number[], other: number[]) => other.length > 0 && other.length < set.length && other.every((k) => set.includes(k));

/** The aggregate operator, fed batch by batch. */
export class HashAggregation {
  private readonly sets: Grouping[];
  private readonly rowBufs: Int32Array<ArrayBuffer>[] = [];

  constructor(private readonly spec: AggregateSpec) {
    const sets = spec.groupingSets ?? [spec.groupBy.map((_, k) => k)];
    this.sets = [];
    sets.forEach((s, j) => {
      // The parent: the earlier set with the most keys, all of them in this set (and fewer).
      const parent = this.sets.filter((p) => !p.pairsOnly && holds(s, p.set)).sort((a, b) => b.set.length - a.set.length)[0];
      this.sets.push(new Grouping(spec, s, spec.setCalls?.[j], parent));
    });
  }

  add(b: Batch): void {
    if (b.length === 0) return;
    const keys = this.spec.groupBy.map((f) => f(b));
    const inputs = callInputs(this.spec.aggregates, b, this.rowBufs);
    for (const s of this.sets) s.add(keys, inputs, b.length);
  }

  result(): Batch {
    const parts = this.results();
    return parts.length === 1 ? parts[0] : concatBatches(this.spec.schema, parts);
  }

  /** The result in parts, one per grouping set: each set's other keys and calls all NULL in its part. */
  results(): Batch[] {
    if (!this.spec.groupingSets) return [this.sets[0].result(false)];
    return this.sets.map((s) => s.result(true));
  }
}

/** The aggregate operator over one (materialized) input. */
export function hashAggregate(spec: AggregateSpec, input: Batch): Batch {
  const h = new HashAggregation(spec);
  h.add(input);
  return h.result();
}

/** The aggregate operator over a stream of batches. */
export async function aggregateBatches(spec: AggregateSpec, batches: AsyncIterable<Batch>): Promise<Batch> {
  return (await aggregated(spec, batches)).result();
}

/** The same, its result in parts (HashAggregation.results). */
export async function aggregateParts(spec: AggregateSpec, batches: AsyncIterable<Batch>): Promise<Batch[]> {
  return (await aggregated(spec, batches)).results();
}

async function aggregated(spec: AggregateSpec, batches: AsyncIterable<Batch>): Promise<HashAggregation> {
  const h = new HashAggregation(spec);
  for await (const b of batches) h.add(b);
  return h;
}
