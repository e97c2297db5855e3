/**
 * Projection pruning: every operator keeps only the columns someone above it reads, down to
 * the scans, which then read (and decode) only those. Unused aggregates and window calls go too.
 * Top-down: prune(p, needed) returns the narrower plan and where each kept column went.
 */
import type { Expr } from '../logical/expr.js';
import { columnsOf, mapChildren } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';

interface Pruned {
  plan: LogicalPlan;
  /** old output index -> new output index, for the columns kept. */
  map: Map<number, number>;
}

export function pruneColumns(plan: LogicalPlan): LogicalPlan {
  return prune(plan, new Set(plan.schema.map((_, i) => i))).plan;
}

const all = (p: LogicalPlan) => new Set(p.schema.map((_, i) => i));
const identity = (n: number) => new Map(Array.from({ length: n }, (_, i) => [i, i]));

/** e with its column indices moved by map (every column it reads must be in map). */
export function remap(e: Expr, map: Map<number, number>): Expr {
  if (e.kind === 'column') {
    const to = map.get(e.index);
    if (to === undefined) throw new Error(`internal: column ${e.name} (#${e.index}) was pruned but is read`);
    return to === e.index ? e : { ...e, index: to };
  }
  return mapChildren(e, (c) => remap(c, map));
}

const used = (es: (Expr | undefined)[], into = new Set<number>()) => {
  for (const e of es) if (e) columnsOf(e, into);
  return into;
};

function keep<T>(xs: T[], needed: Set<number>, offset = 0): { kept: T[]; map: Map<number, number> } {
  const kept: T[] = [];
  const map = new Map<number, number>();
  xs.forEach((x, i) => {
    if (needed.has(i + offset)) map.set(i + offset, offset + kept.push(x) - 1);
  });
  return { kept, map };
}

function prune(p: LogicalPlan, needed: Set<number>): Pruned {
  switch (p.op) {
    case 'scan': {
      const want = used(p.filters, new Set(needed));
      const idx = [...want].sort((a, b) => a - b);
      const map = new Map(idx.map((old, i) => [old, i]));
      const filters = p.filters.map((f) => remap(f, map));
      return { plan: { ...p, columns: idx.map((i) => p.columns[i]), filters, schema: idx.map((i) => p.schema[i]) }, map };
    }
    case 'values': {
      const { map } = keep(p.schema, needed);
      const idx = [...map.keys()];
      return { plan: { ...p, rows: p.rows.map((r) => idx.map((i) => r[i])), schema: idx.map((i) => p.schema[i]) }, map };
    }
    case 'project': {
      const { kept, map } = keep(p.exprs, needed);
      const child = prune(p.input, used(kept));
      const exprs = kept.map((e) => remap(e, child.map));
      return { plan: { ...p, input: child.plan, exprs, schema: [...map.keys()].map((i) => p.schema[i]) }, map };
    }
    case 'filter': {
      const child = prune(p.input, used([p.predicate], new Set(needed)));
      return { plan: { ...p, input: child.plan, predicate: remap(p.predicate, child.map), schema: child.plan.schema }, map: child.map };
    }
    case 'sort': {
      const child = prune(p.input, used(p.keys.map((k) => k.expr), new Set(needed)));
      return { plan: { ...p, input: child.plan, keys: p.keys.map((k) => ({ ...k, expr: remap(k.expr, child.map) })), schema: child.plan.schema }, map: child.map };
    }
    case 'limit': {
      const child = prune(p.input, needed);
      return { plan: { ...p, input: child.plan, schema: child.plan.schema }, map: child.map };
    }
    case 'aggregate': {
      const first = p.groupBy.length + (p.groupingSets ? 1 : 0);
      const { kept, map: aggMap } = keep(p.aggregates, needed, first);
      const child = prune(p.input, used([...p.groupBy, ...kept.flatMap((a) => [...a.args, a.filter])]));
      const map = new Map([...identity(first), ...aggMap]);
      const aggregates = kept.map((a) => ({ ...a, args: a.args.map((x) => remap(x, child.map)), ...(a.filter ? { filter: remap(a.filter, child.map) } : {}) }));
      const schema = [...p.schema.slice(0, first), ...[...aggMap.keys()].map((i) => p.schema[i])];
      return { plan: { ...p, input: child.plan, groupBy: p.groupBy.map((g) => remap(g, child.map)), aggregates, schema }, map };
    }
    case 'window': {
      const width = p.input.schema.length;
      const { kept, map: winMap } = keep(p.windows, needed, width);
      const exprs = kept.flatMap((w) => [...w.args, ...w.partitionBy, ...w.orderBy.map((k) => k.expr), w.filter]);
      const child = prune(p.input, used(exprs, new Set([...needed].filter((i) => i < width))));
      if (kept.length === 0) return child;
      const n = child.plan.schema.length;
      const map = new Map([...child.map, ...[...winMap].map(([old, to]) => [old, to - width + n] as [number, number])]);
      const r = (e: Expr) => remap(e, child.map);
      const windows = kept.map((w) => ({ ...w, args: w.args.map(r), partitionBy: w.partitionBy.map(r), orderBy: w.orderBy.map((k) => ({ ...k, expr: r(k.expr) })), ...(w.filter ? { filter: r(w.filter) } : {}) }));
      return { plan: { ...p, input: child.plan, windows, schema: [...child.plan.schema, ...[...winMap.keys()].map((i) => p.schema[i])] }, map };
    }
    case 'join': {
      const lw = p.left.schema.length;
      const want = used([p.condition], new Set(p.kind === 'mark' ? [...needed].filter((i) => i !== lw) : needed));
      const left = prune(p.left, new Set([...want].filter((i) => i < lw)));
      const semi = p.kind === 'semi' || p.kind === 'anti';
      const right = prune(p.right, new Set([...want].filter((i) => i >= lw).map((i) => i - lw)));
      const nl = left.plan.schema.length;
      const both = new Map([...left.map, ...[...right.map].map(([o, n]) => [o + lw, n + nl] as [number, number])]);
      const condition = p.condition ? remap(p.condition, both) : undefined;
      if (p.kind === 'mark') {
        // The output: the left's columns, then the mark (not a column of the right).
        const schema = [...left.plan.schema, p.schema[lw]];
        const plan: LogicalPlan = { ...p, left: left.plan, right: right.plan, schema, ...(condition ? { condition } : {}) };
        return { plan, map: new Map([...left.map, [lw, nl]]) };
      }
      const schema = semi ? left.plan.schema : [...left.plan.schema, ...right.plan.schema];
      const plan: LogicalPlan = { ...p, left: left.plan, right: right.plan, schema, ...(condition ? { condition } : {}) };
      return { plan, map: semi ? left.map : both };
    }
    case 'distinct':
    case 'setop': {
      // Every column takes part in the comparison of rows: nothing below can go.
      if (p.op === 'distinct') {
        const child = prune(p.input, all(p.input));
        return { plan: { ...p, input: child.plan }, map: identity(p.schema.length) };
      }
      const l = prune(p.left, all(p.left));
      const r = prune(p.right, all(p.right));
      return { plan: { ...p, left: l.plan, right: r.plan }, map: identity(p.schema.length) };
    }
  }
}
