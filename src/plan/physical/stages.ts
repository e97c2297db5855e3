/**
 * The stage DAG of an optimized logical plan: where a distributed run cuts it at exchanges.
 * Each stage holds its fragment: the part of the plan it runs, whose leaves are table scans (a
 * source stage: one task per split) and exchange inputs (scans of a TableSource with
 * `exchange` set: the output of that stage, as the exchange delivers it). How a stage's output
 * leaves it is its `output` partitioning; the last stage of a plan has none (it writes the table).
 *
 *   aggregate        partial aggregate in the input's stage, exchange hash(group keys), final
 *                    aggregate (./partial-aggregate.ts); distinct calls over one argument:
 *                    a partial with grouping sets of the keys and the (keys, argument) pairs
 *                    (./distinct-aggregate.ts), one exchange on the keys; with grouping sets
 *                    or stddev: the rows go through hash(group keys; the keys every grouping
 *                    set shares) to the stage that aggregates; single without keys. None
 *                    when the input is partitioned by some of the group keys already
 *   join             the side estimated under the broadcast threshold is broadcast to the other
 *                    side's stage (build there; an inner join swaps its sides to broadcast the
 *                    smaller one); else both sides exchange hash(join keys) to a
 *                    join stage. A join without equal keys, a mark join and a null-aware anti
 *                    join (NOT IN) broadcast their right side (they need all of it at once);
 *                    right and full joins never broadcast the side they preserve
 *   window           exchange hash(the partition keys all its windows share), single without;
 *                    none when its input is already partitioned by some of those keys: an
 *                    aggregate under a window (through filters and projections) exchanges
 *                    on the group keys the window partitions by, so both run in one stage
 *   sort             exchange range(sort keys, boundaries from samples) to a sort stage; its
 *                    tasks' part files in order are the sorted result; sort + limit: a top-K
 *                    per task, then single
 *   limit            a limit per task, then single; distinct: per task, then hash(all columns);
 *   set operations   union all: single; the others hash(all columns)
 *   filter, project  stay in their input's stage
 *
 * Estimates are coarse and say so: rows from bytes (CSV ~100 bytes a row, Parquet ~25),
 * a quarter per filter, an aggregate a tenth of its input (one row without keys), a join the
 * larger side.
 */
import type { Expr, SortKey } from '../logical/expr.js';
import { equiKeys, mapColumns, sameExpr } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { expr as explainExpr } from '../logical/explain.js';
import type { Schema } from '../../types/schema.js';
import { canSplit, fieldCol, splitAggregate } from './partial-aggregate.js';
import { canSplitDistinct, splitDistinct } from './distinct-aggregate.js';

/** How a stage's output reaches the stage that reads it. */
export type Partitioning =
  | { kind: 'hash'; keys: Expr[]; partitions: number }
  | { kind: 'broadcast' }
  | { kind: 'range'; keys: SortKey[]; partitions: number }
  | { kind: 'single' };

/** The same, as EXPLAIN shows it (expressions as text). */
export type Exchange =
  | { kind: 'hash'; keys: string[]; partitions: number }
  | { kind: 'broadcast' }
  | { kind: 'range'; keys: string[]; partitions: number }
  | { kind: 'single' };

export interface Stage {
  id: number;
  /** What the stage computes, top operator first (e.g. ["aggregate", "hash join probe"]). */
  ops: string[];
  /** The stages it reads, and how each one's output reaches it. */
  inputs: { stage: number; exchange: Exchange }[];
  /** Estimated; a source stage's real count is its table's splits. */
  tasks: number;
  estRows: number;
  estBytes: number;
  /** The fragment the stage's tasks run. */
  plan: LogicalPlan;
  /** How its output leaves (absent: the plan's last stage, which writes the table). */
  output?: Partitioning;
  /** A source stage: the declared table whose splits are its tasks. */
  scan?: string;
}

export interface StageOptions {
  partitions: number;
  /** Broadcast a join side estimated smaller than this (bytes). */
  broadcastBytes: number;
  splitSize: number;
}

export const DEFAULT_BROADCAST_BYTES = 10 * 1024 * 1024;

interface Open {
  stage: Stage;
  rows: number;
  width: number;
  /** Columns of the output such that rows equal in them are in one task (a hash exchange's keys). */
  part?: Expr[];
}

export function exchangeOf(p: Partitioning): Exchange {
  switch (p.kind) {
    case 'hash': return { kind: 'hash', keys: p.keys.map(explainExpr), partitions: p.partitions };
    case 'range': return { kind: 'range', keys: p.keys.map((k) => explainExpr(k.expr)), partitions: p.partitions };
    default: return p;
  }
}

/** The exchange input of a fragment: stage `id`'s output, with its schema. */
export function exchangeLeaf(id: number, schema: Schema): LogicalPlan {
  return {
    op: 'scan',
    table: { name: `stage ${id}`, uri: '', format: 'csv', schema, splitSize: 0, exchange: id },
    alias: `stage ${id}`,
    columns: schema.map((_, i) => i),
    filters: [],
    schema,
  };
}

/** Expressions present in every list. */
function shared(lists: Expr[][]): Expr[] {
  if (lists.length === 0) return [];
  return lists[0].filter((e) => lists.every((l) => l.some((x) => sameExpr(x, e))));
}

/** The stages of one plan, numbered from `firstId` (a job's outputs share one DAG). */
export function stageDag(plan: LogicalPlan, o: StageOptions, firstId = 0): Stage[] {
  const stages: Stage[] = [];
  const open = (ops: string[], inputs: Stage['inputs'], tasks: number, rows: number, width: number, fragment: LogicalPlan, scan?: string): Open => {
    const stage: Stage = { id: firstId + stages.length, ops, inputs, tasks, estRows: Math.round(rows), estBytes: Math.round(rows * width), plan: fragment, ...(scan ? { scan } : {}) };
    stages.push(stage);
    return { stage, rows, width };
  };
  const set = (x: Open, rows: number, width = x.width): Open => {
    x.stage.estRows = Math.max(1, Math.round(rows));
    x.stage.estBytes = Math.round(x.stage.estRows * width);
    return { ...x, rows, width };
  };
  /** Closes x's stage with `output`; the exchange leaf that reads it. */
  const close = (x: Open, output: Partitioning): { leaf: LogicalPlan; input: Stage['inputs'][number] } => {
    x.stage.output = output;
    return { leaf: exchangeLeaf(x.stage.id, x.stage.plan.schema), input: { stage: x.stage.id, exchange: exchangeOf(output) } };
  };
  /** A new stage over x's output: `build` makes its fragment from the exchange leaf. */
  const cut = (x: Open, output: Partitioning, ops: string[], build: (leaf: LogicalPlan) => LogicalPlan): Open => {
    const c = close(x, output);
    const tasks = output.kind === 'hash' || output.kind === 'range' ? output.partitions : 1;
    return open(ops, [c.input], tasks, x.rows, x.width, build(c.leaf));
  };
  /** x's stage grows by p (its input replaced by the stage's fragment so far). */
  const grow = (x: Open, p: LogicalPlan, op?: string): Open => {
    x.stage.plan = p;
    if (op) x.stage.ops.unshift(op);
    return x;
  };
  const hash = (keys: Expr[]): Partitioning => (keys.length ? { kind: 'hash', keys, partitions: o.partitions } : { kind: 'single' });

  /** The column refs of `want` (over p's output) as p.input's columns, when p passes them through. */
  const through = (p: Extract<LogicalPlan, { op: 'project' }>, want: Expr[] | undefined): Expr[] | undefined => {
    if (!want) return undefined;
    const out = want.map((w) => (w.kind === 'column' && p.exprs[w.index]?.kind === 'column' ? p.exprs[w.index] : undefined));
    return out.every((e) => e !== undefined) ? (out as Expr[]) : undefined;
  };
  /** `part` (over p.input's columns) as p's output columns, where p passes them through. */
  const back = (p: Extract<LogicalPlan, { op: 'project' }>, part: Expr[] | undefined): Expr[] | undefined => {
    if (!part) return undefined;
    const out = part.map((e) => {
      const i = e.kind === 'column' ? p.exprs.findIndex((x) => x.kind === 'column' && x.index === e.index) : -1;
      return i < 0 ? undefined : fieldCol(i, p.schema[i]);
    });
    return out.every((e) => e !== undefined) ? (out as Expr[]) : undefined;
  };
  const subsetOf = (part: Expr[], keys: Expr[]) => part.length > 0 && part.every((e) => keys.some((k) => sameExpr(k, e)));

  /** `want`: columns of p's output the consumer would have it partitioned by (a window's keys). */
  const walk = (p: LogicalPlan, want?: Expr[]): Open => {
    switch (p.op) {
      case 'scan': {
        const bytes = p.table.bytes ?? o.splitSize;
        const width = p.table.format === 'parquet' ? 25 : 100;
        const x = open([`scan ${p.table.name}${p.filters.length ? ' + filter' : ''}`], [], Math.max(1, Math.ceil(bytes / p.table.splitSize)), bytes / width, 8 * p.schema.length, p, p.table.name);
        return set(x, (bytes / width) * 0.25 ** p.filters.length, 8 * p.schema.length);
      }
      case 'values':
        return open(['values'], [], 1, p.rows.length, 8 * p.schema.length, p);
      case 'filter': {
        const x = walk(p.input, want);
        grow(x, { ...p, input: x.stage.plan }, 'filter');
        return set(x, x.rows * 0.25);
      }
      case 'project': {
        const x = walk(p.input, through(p, want));
        grow(x, { ...p, input: x.stage.plan }, x.stage.ops[0] !== 'project' ? 'project' : undefined);
        x.part = back(p, x.part);
        return set(x, x.rows, 8 * p.schema.length);
      }
      case 'aggregate': {
        const columnKeys = !p.groupingSets && p.groupBy.length > 0 && p.groupBy.every((e) => e.kind === 'column');
        const x = walk(p.input, columnKeys ? p.groupBy : undefined);
        const groups = p.groupBy.length ? Math.max(1, x.rows / 10) : 1;
        if (columnKeys && x.part && subsetOf(x.part, p.groupBy)) {
          // The input is partitioned by some of the group keys already: every group is in one task.
          const part = x.part.map((e) => {
            const i = p.groupBy.findIndex((g) => sameExpr(g, e));
            return fieldCol(i, p.schema[i]);
          });
          grow(x, { ...p, input: x.stage.plan }, 'aggregate');
          x.part = part;
          return set(x, groups, 8 * p.schema.length);
        }
        // Exchanged on the group keys the consumer wants (a subset of them), else on all.
        const wanted = !p.groupingSets && want?.length && want.every((w) => w.kind === 'column' && w.index < p.groupBy.length)
          ? want.map((w) => (w as Extract<Expr, { kind: 'column' }>).index) : undefined;
        const outKeys = (wanted ?? p.groupBy.map((_, i) => i)).map((i) => fieldCol(i, p.schema[i]));
        const splittable = canSplit(p);
        if (splittable || canSplitDistinct(p)) {
          const split = splittable ? splitAggregate(p) : splitDistinct(p);
          grow(x, split.partial(x.stage.plan), 'partial aggregate');
          set(x, Math.min(x.rows, groups * x.stage.tasks), 8 * p.schema.length);
          const y = cut(x, hash(wanted ? wanted.map((i) => split.keys[i]) : split.keys), ['final aggregate'], split.final);
          if (p.groupBy.length) y.part = outKeys;
          return set(y, groups, 8 * p.schema.length);
        }
        const keys = p.groupingSets ? shared(p.groupingSets.map((s) => s.map((i) => p.groupBy[i]))) : wanted ? wanted.map((i) => p.groupBy[i]) : p.groupBy;
        const y = cut(x, hash(keys), ['aggregate'], (leaf) => ({ ...p, input: leaf }));
        if (!p.groupingSets && p.groupBy.length) y.part = outKeys;
        return set(y, groups, 8 * p.schema.length);
      }
      case 'join': {
        const l = walk(p.left);
        const r = walk(p.right);
        // An inner join builds on its smaller side: when that is the left, the sides swap (the
        // larger side keeps its tasks as the probe), and a projection restores the column order.
        if ((p.kind === 'inner' || p.kind === 'cross') && l.rows * l.width < r.rows * r.width && l.rows * l.width <= o.broadcastBytes) {
          return joinSwapped(p, l, r);
        }
        const lw = p.left.schema.length;
        const keys = equiKeys(p.condition, lw);
        const rb = r.rows * r.width;
        const rows = p.kind === 'semi' || p.kind === 'anti' || p.kind === 'mark' ? l.rows : Math.max(l.rows, r.rows);
        const preservesRight = p.kind === 'right' || p.kind === 'full';
        const needsAllOfRight = !keys.left.length || p.kind === 'mark' || p.nullAware === true;
        if (!preservesRight && (needsAllOfRight || rb <= o.broadcastBytes)) {
          const c = close(r, { kind: 'broadcast' });
          l.stage.inputs.push(c.input);
          grow(l, { ...p, left: l.stage.plan, right: c.leaf }, `${p.kind} join (build: broadcast stage ${r.stage.id})`);
          return set(l, rows, l.width + (p.schema.length - lw) * 8);
        }
        // Shuffled: both sides hash-partitioned on the keys (a right or full join without keys: one task sees both).
        const lc = close(l, hash(keys.left));
        const rc = close(r, hash(keys.right));
        const tasks = keys.left.length ? o.partitions : 1;
        return open([`${p.kind} hash join`], [lc.input, rc.input], tasks, rows, 8 * p.schema.length, { ...p, left: lc.leaf, right: rc.leaf });
      }
      case 'window': {
        const keys = shared(p.windows.map((w) => w.partitionBy));
        const x = walk(p.input, keys.length && keys.every((k) => k.kind === 'column') ? keys : undefined);
        if (x.part && subsetOf(x.part, keys)) {
          grow(x, { ...p, input: x.stage.plan }, 'window');
          return set(x, x.rows, 8 * p.schema.length);
        }
        const y = cut(x, hash(keys), ['window'], (leaf) => ({ ...p, input: leaf }));
        if (keys.length) y.part = keys;
        return set(y, x.rows, 8 * p.schema.length);
      }
      case 'sort': {
        const x = walk(p.input);
        return cut(x, { kind: 'range', keys: p.keys, partitions: o.partitions }, ['sort'], (leaf) => ({ ...p, input: leaf }));
      }
      case 'limit': {
        if (p.input.op === 'sort' && p.limit !== undefined) {
          const sort = p.input;
          const x = walk(sort.input);
          const k = p.limit + p.offset;
          grow(x, { ...p, offset: 0, limit: k, input: { ...sort, input: x.stage.plan } }, `top-${k} per task`);
          set(x, Math.min(x.rows, k * x.stage.tasks));
          const y = cut(x, { kind: 'single' }, [`sort + limit ${p.limit}${p.offset ? ` offset ${p.offset}` : ''}`], (leaf) => ({ ...p, input: { ...sort, input: leaf } }));
          return set(y, Math.min(x.rows, p.limit));
        }
        const x = walk(p.input);
        if (p.limit !== undefined) grow(x, { ...p, offset: 0, limit: p.limit + p.offset, input: x.stage.plan }, `limit ${p.limit + p.offset} per task`);
        return set(cut(x, { kind: 'single' }, [`limit ${p.limit ?? 'all'}${p.offset ? ` offset ${p.offset}` : ''}`], (leaf) => ({ ...p, input: leaf })), Math.min(x.rows, p.limit ?? x.rows));
      }
      case 'distinct': {
        const x = walk(p.input);
        grow(x, { ...p, input: x.stage.plan }, 'partial distinct');
        const all = p.schema.map((f, i): Expr => ({ kind: 'column', index: i, name: f.name, type: f.type }));
        return cut(x, hash(all), ['distinct'], (leaf) => ({ ...p, input: leaf }));
      }
      case 'setop': {
        const l = walk(p.left);
        const r = walk(p.right);
        const all = p.schema.map((f, i): Expr => ({ kind: 'column', index: i, name: f.name, type: f.type }));
        const out: Partitioning = p.kind === 'union' && p.all ? { kind: 'single' } : hash(all);
        const lc = close(l, out);
        const rc = close(r, out);
        return open([`${p.kind}${p.all ? ' all' : ''}`], [lc.input, rc.input], out.kind === 'single' ? 1 : o.partitions, l.rows + r.rows, l.width, { ...p, left: lc.leaf, right: rc.leaf });
      }
    }
  };
  /** p with its sides swapped, over the walked sides: the left is broadcast into the right's stage. */
  const joinSwapped = (p: Extract<LogicalPlan, { op: 'join' }>, l: Open, r: Open): Open => {
    const lw = p.left.schema.length;
    const rw = p.right.schema.length;
    const condition = p.condition && mapColumns(p.condition, (c) => ({ ...c, index: c.index < lw ? c.index + rw : c.index - lw }));
    const c = close(l, { kind: 'broadcast' });
    r.stage.inputs.push(c.input);
    r.part = undefined;
    const swapped: LogicalPlan = { ...p, left: r.stage.plan, right: c.leaf, condition, schema: [...p.right.schema, ...p.left.schema] };
    const back: Expr[] = p.schema.map((f, i) => ({ kind: 'column', index: i < lw ? rw + i : i - lw, name: f.name, type: f.type }));
    grow(r, { op: 'project', input: swapped, exprs: back, schema: p.schema }, `${p.kind} join (build: broadcast stage ${l.stage.id})`);
    return set(r, Math.max(l.rows, r.rows), r.width + lw * 8);
  };

  walk(plan);
  return stages;
}

const exchangeText = (e: Exchange) => (e.kind === 'hash' ? `hash(${e.keys.join(', ')}) x ${e.partitions}` : e.kind === 'range' ? `range(${e.keys.join(', ')}) x ${e.partitions}` : e.kind);

/** The DAG in text, one line per stage, the last (the output) first. */
export function describeStages(stages: Stage[]): string[] {
  const size = (n: number) => (n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
  return [...stages].reverse().map((s) => {
    const ins = s.inputs.length ? ` <- ${s.inputs.map((i) => `stage ${i.stage} (${exchangeText(i.exchange)})`).join(', ')}` : '';
    return `stage ${s.id}: ${s.ops.join(' <- ')}; ${s.tasks} task(s), ~${s.estRows.toLocaleString('en-US')} rows, ~${size(s.estBytes)}${ins}`;
  });
}
