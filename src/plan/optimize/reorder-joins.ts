/**
 * Join order: a region of inner and cross joins (any shape: the FROM list's comma joins after
 * pushdown, explicit joins) is flattened into its inputs and its condition's conjuncts, then
 * rebuilt left-deep, greedily: start from the input estimated largest, then add, of the inputs
 * that an equality connects to what is joined so far, the smallest; an input nothing connects
 * is added last, as a cross join. So a FROM list in an unlucky order (TPC-H Q9: part, supplier,
 * lineitem, ... where part and supplier share no condition) never builds a cross product that a
 * condition could have avoided. Each conjunct goes on the first join that has all its columns;
 * a projection puts the columns back in the region's original order.
 *
 * Estimates are coarse: a scan's table bytes when the planner knows them (else 1), a quarter for
 * each filter pushed into it; other inputs take their input's estimate. Ties keep the query's order.
 */
import { BOOLEAN } from '../../types/datatype.js';
import type { Expr } from '../logical/expr.js';
import { columnsOf, conjuncts } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { inputs, withInputs } from '../logical/plan.js';
import { remap } from './prune-columns.js';

type Join = LogicalPlan & { op: 'join' };
const isRegion = (p: LogicalPlan): p is Join => p.op === 'join' && (p.kind === 'inner' || p.kind === 'cross');

export function reorderJoins(p: LogicalPlan): LogicalPlan {
  if (!isRegion(p)) {
    const ins = inputs(p);
    return ins.length ? withInputs(p, ins.map(reorderJoins)) : p;
  }
  const leaves: LogicalPlan[] = [];
  const conds: Expr[] = [];
  // Flatten: a node's columns start at the global offset of its first leaf.
  const flatten = (q: LogicalPlan, offset: number) => {
    if (!isRegion(q)) { leaves.push(reorderJoins(q)); return; }
    flatten(q.left, offset);
    flatten(q.right, offset + q.left.schema.length);
    if (q.condition) for (const c of conjuncts(q.condition)) conds.push(offset === 0 ? c : remap(c, new Map([...columnsOf(c)].map((i) => [i, i + offset]))));
  };
  flatten(p, 0);
  if (leaves.length < 3) return rebuild(p, leaves);
  const offsets: number[] = [];
  leaves.reduce((o, l, k) => { offsets[k] = o; return o + l.schema.length; }, 0);
  const leafOf = (col: number) => { let k = 0; while (k + 1 < leaves.length && offsets[k + 1] <= col) k++; return k; };
  const refs = conds.map((c) => new Set([...columnsOf(c)].map(leafOf)));
  const est = leaves.map(estimate);
  const equi = conds.map((c) => c.kind === 'call' && c.fn === 'eq' && c.args.every((a) => columnsOf(a).size > 0));
  const chosen: number[] = [];
  const inSet = new Set<number>();
  const better = (a: number, b: number) => est[a] < est[b] || (est[a] === est[b] && a < b);
  // The largest input first (the fact table: the probe side every other input joins onto, so
  // no intermediate result grows past it through a join of two small inputs on a shared
  // low-cardinality key, TPC-H Q5's customer and supplier on nationkey), then the smallest connected.
  let first = 0;
  for (let k = 1; k < leaves.length; k++) if (est[k] > est[first]) first = k;
  chosen.push(first); inSet.add(first);
  while (chosen.length < leaves.length) {
    let next = -1;
    for (let k = 0; k < leaves.length; k++) {
      if (inSet.has(k)) continue;
      // Connected by an equality (an equi-join key); other predicates across inputs (TPC-H Q7's
      // or over two nations) do not make a join worth taking early.
      const connected = refs.some((r, i) => equi[i] && r.has(k) && r.size > 1 && [...r].every((x) => x === k || inSet.has(x)));
      if (connected && (next < 0 || better(k, next))) next = k;
    }
    if (next < 0) for (let k = 0; k < leaves.length; k++) if (!inSet.has(k) && (next < 0 || better(k, next))) next = k;
    chosen.push(next); inSet.add(next);
  }
  return rebuildLeftDeep(p, leaves, conds, refs, chosen, offsets);
}

function estimate(p: LogicalPlan): number {
  if (p.op === 'scan') return (p.table.bytes ?? 1) * 0.25 ** p.filters.length;
  if (p.op === 'filter') return estimate(p.input) * 0.25;
  const ins = inputs(p);
  return ins.length ? Math.max(...ins.map(estimate)) : 1;
}

/** A region of two inputs: the same join with the rewritten inputs. */
function rebuild(p: Join, leaves: LogicalPlan[]): LogicalPlan {
  const go = (q: LogicalPlan): LogicalPlan => (isRegion(q) ? { ...q, left: go(q.left), right: go(q.right) } : leaves.shift()!);
  return go(p);
}

function rebuildLeftDeep(p: Join, leaves: LogicalPlan[], conds: Expr[], refs: Set<number>[], order: number[], offsets: number[]): LogicalPlan {
  const placed = new Set<number>();
  const used = new Set<number>();
  // global column -> its index in the plan built so far
  const at = new Map<number, number>();
  let cur: LogicalPlan | undefined;
  for (const k of order) {
    const leaf = leaves[k];
    const base = cur ? cur.schema.length : 0;
    leaf.schema.forEach((_, i) => at.set(offsets[k] + i, base + i));
    placed.add(k);
    if (!cur) { cur = leaf; continue; }
    const ready = conds.map((_, i) => i).filter((i) => !used.has(i) && [...refs[i]].every((x) => placed.has(x)));
    ready.forEach((i) => used.add(i));
    const condition = ready.length ? ready.map((i) => remap(conds[i], at)).reduce((a, b) => ({ kind: 'call', fn: 'and', args: [a, b], type: BOOLEAN })) : undefined;
    cur = { op: 'join', kind: condition ? 'inner' : 'cross', left: cur, right: leaf, schema: [...cur.schema, ...leaf.schema], ...(condition ? { condition } : {}) };
  }
  let out = cur!;
  const rest = conds.filter((_, i) => !used.has(i)).map((c) => remap(c, at));
  if (rest.length) out = { op: 'filter', input: out, predicate: rest.reduce((a, b) => ({ kind: 'call', fn: 'and', args: [a, b], type: BOOLEAN })), schema: out.schema };
  if (order.every((k, i) => k === i)) return out;
  const exprs: Expr[] = p.schema.map((f, g) => ({ kind: 'column', index: at.get(g)!, name: f.name, type: f.type }));
  return { op: 'project', input: out, exprs, schema: p.schema };
}
