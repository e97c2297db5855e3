/**
 * The stage DAG of an optimized logical plan: where a distributed run cuts it at exchanges.
 *
 *   scan             a source stage, one task per split
 *   aggregate        partial aggregate in the input's stage; exchange hash(group keys) (single
 *                    without keys) to a final-aggregate stage
 *   join             the side estimated under the broadcast threshold is broadcast to the other
 *                    side's stage (build there); else both sides exchange hash(join keys) to a
 *                    join stage; a join without equal keys broadcasts its smaller side
 *   window           exchange hash(partition keys) (single without) to a window stage
 *   sort             exchange range(sort keys, by sampling) to a sort stage; sort + limit: a
 *                    top-K per task, then single
 *   limit, distinct, set operations: single / hash(all columns) exchanges
 *   filter, project  stay in their input's stage
 *
 * Estimates are coarse and say so: rows from bytes (CSV ~100 bytes a row, Parquet ~25),
 * a quarter per filter, an aggregate a tenth of its input (one row without keys), a join the
 * larger side. The runner that executes these stages across workers is not built yet: today a
 * SQL job runs the same operators in one process; `kindling plan` shows the DAG it will run.
 */
import type { Expr } from '../logical/expr.js';
import { equiKeys } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { expr as explainExpr } from '../logical/explain.js';

export type Exchange =
  | { kind: 'hash'; keys: string[]; partitions: number }
  | { kind: 'broadcast' }
  | { kind: 'range'; keys: string[]; partitions: number }
  | { kind: 'single' };

export interface Stage {
  id: number;
  /** What the stage computes, top operator first (e.g. ["final aggregate", "hash join probe"]). */
  ops: string[];
  /** The stages it reads, and how each one's output reaches it. */
  inputs: { stage: number; exchange: Exchange }[];
  tasks: number;
  estRows: number;
  estBytes: number;
}

export interface StageOptions {
  partitions: number;
  /** Broadcast a join side estimated smaller than this (bytes). */
  broadcastBytes: number;
  splitSize: number;
}

export const DEFAULT_BROADCAST_BYTES = 10 * 1024 * 1024;

interface Open { stage: Stage; rows: number; width: number }

export function stageDag(plan: LogicalPlan, o: StageOptions): Stage[] {
  const stages: Stage[] = [];
  const open = (ops: string[], inputs: Stage['inputs'], tasks: number, rows: number, width: number): Open => {
    const stage: Stage = { id: stages.length, ops, inputs, tasks, estRows: Math.round(rows), estBytes: Math.round(rows * width) };
    stages.push(stage);
    return { stage, rows, width };
  };
  const set = (x: Open, rows: number, width = x.width): Open => {
    x.stage.estRows = Math.max(1, Math.round(rows));
    x.stage.estBytes = Math.round(x.stage.estRows * width);
    return { ...x, rows, width };
  };
  const cut = (x: Open, exchange: Exchange, ops: string[], tasks: number): Open =>
    open(ops, [{ stage: x.stage.id, exchange }], tasks, x.rows, x.width);
  const hash = (keys: Expr[]): Exchange => ({ kind: 'hash', keys: keys.map(explainExpr), partitions: o.partitions });

  const walk = (p: LogicalPlan): Open => {
    switch (p.op) {
      case 'scan': {
        const bytes = p.table.bytes ?? o.splitSize;
        const width = p.table.format === 'parquet' ? 25 : 100;
        const x = open([`scan ${p.table.name}${p.filters.length ? ' + filter' : ''}`], [], Math.max(1, Math.ceil(bytes / p.table.splitSize)), bytes / width, 8 * p.schema.length);
        return set(x, (bytes / width) * 0.25 ** p.filters.length, 8 * p.schema.length);
      }
      case 'values':
        return open(['values'], [], 1, p.rows.length, 8 * p.schema.length);
      case 'filter': {
        const x = walk(p.input);
        x.stage.ops.unshift('filter');
        return set(x, x.rows * 0.25);
      }
      case 'project': {
        const x = walk(p.input);
        if (x.stage.ops[0] !== 'project') x.stage.ops.unshift('project');
        return set(x, x.rows, 8 * p.schema.length);
      }
      case 'aggregate': {
        const x = walk(p.input);
        x.stage.ops.unshift('partial aggregate');
        const groups = p.groupBy.length ? Math.max(1, x.rows / 10) : 1;
        set(x, Math.min(x.rows, groups * x.stage.tasks), 8 * p.schema.length);
        const y = cut(x, p.groupBy.length ? hash(p.groupBy) : { kind: 'single' }, ['final aggregate'], p.groupBy.length ? o.partitions : 1);
        return set(y, groups, 8 * p.schema.length);
      }
      case 'join': {
        const l = walk(p.left);
        const r = walk(p.right);
        const lw = p.left.schema.length;
        const keys = equiKeys(p.condition, lw);
        const rb = r.rows * r.width;
        const rows = p.kind === 'semi' || p.kind === 'anti' || p.kind === 'mark' ? l.rows : Math.max(l.rows, r.rows);
        // Broadcast the small side (right joins and full joins need the right side whole where it is probed: no broadcast of the preserved side).
        const canBroadcastRight = p.kind !== 'right' && p.kind !== 'full';
        if ((rb <= o.broadcastBytes && canBroadcastRight) || !keys.left.length) {
          l.stage.inputs.push({ stage: r.stage.id, exchange: { kind: 'broadcast' } });
          l.stage.ops.unshift(`${p.kind} join (build: broadcast stage ${r.stage.id})`);
          return set(l, rows, l.width + (p.schema.length - lw) * 8);
        }
        return open([`${p.kind} hash join`], [{ stage: l.stage.id, exchange: hash(keys.left) }, { stage: r.stage.id, exchange: hash(keys.right) }], o.partitions, rows, 8 * p.schema.length);
      }
      case 'window': {
        const x = walk(p.input);
        const parts = p.windows[0]?.partitionBy ?? [];
        return set(cut(x, parts.length ? hash(parts) : { kind: 'single' }, ['window'], parts.length ? o.partitions : 1), x.rows, 8 * p.schema.length);
      }
      case 'sort': {
        const x = walk(p.input);
        return cut(x, { kind: 'range', keys: p.keys.map((k) => explainExpr(k.expr)), partitions: o.partitions }, ['sort'], o.partitions);
      }
      case 'limit': {
        if (p.input.op === 'sort' && p.limit !== undefined) {
          const x = walk(p.input.input);
          x.stage.ops.unshift(`top-${p.limit + p.offset} per task`);
          set(x, Math.min(x.rows, (p.limit + p.offset) * x.stage.tasks));
          const y = cut(x, { kind: 'single' }, [`sort + limit ${p.limit}${p.offset ? ` offset ${p.offset}` : ''}`], 1);
          return set(y, Math.min(x.rows, p.limit));
        }
        const x = walk(p.input);
        return set(cut(x, { kind: 'single' }, [`limit ${p.limit ?? 'all'}`], 1), Math.min(x.rows, p.limit ?? x.rows));
      }
      case 'distinct': {
        const x = walk(p.input);
        x.stage.ops.unshift('partial distinct');
        return cut(x, { kind: 'hash', keys: p.schema.map((f) => f.name), partitions: o.partitions }, ['distinct'], o.partitions);
      }
      case 'setop': {
        const l = walk(p.left);
        const r = walk(p.right);
        const ex: Exchange = p.kind === 'union' && p.all ? { kind: 'single' } : { kind: 'hash', keys: p.schema.map((f) => f.name), partitions: o.partitions };
        return open([`${p.kind}${p.all ? ' all' : ''}`], [{ stage: l.stage.id, exchange: ex }, { stage: r.stage.id, exchange: ex }], ex.kind === 'single' ? 1 : o.partitions, l.rows + r.rows, l.width);
      }
    }
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
