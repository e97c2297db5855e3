/**
 * Predicate pushdown: each conjunct of a filter moves as far down as it stays correct: through
 * projections (columns replaced by their expressions), sorts, distinct, into both sides of a
 * union, below an aggregate when it reads only group keys, into the side of an inner join it
 * reads (or the join condition when it reads both: a comma join becomes an inner join), into the
 * preserved side of an outer join, and finally into the scan, which can skip Parquet row
 * groups by their statistics. Conjuncts holding subqueries stay (decorrelation runs first).
 */
import type { Expr } from '../logical/expr.js';
import { and, columnsOf, conjuncts, mapChildren, visit } from '../logical/expr.js';
import type { LogicalPlan } from '../logical/plan.js';
import { remap } from './prune-columns.js';

export function pushFilters(plan: LogicalPlan): LogicalPlan {
  return push(plan, []);
}


const movable = (e: Expr) => {
  let ok = true;
  visit(e, (x) => {
    if (x.kind === 'subquery' || x.kind === 'outer') ok = false;
  });
  return ok;
};

/** p with the predicates (over p's output) applied as low as possible. */
function push(p: LogicalPlan, preds: Expr[]): LogicalPlan {
  const stay = (plan: LogicalPlan, ps: Expr[]): LogicalPlan => {
    const c = and(ps);
    return c ? { op: 'filter', input: plan, predicate: c, schema: plan.schema } : plan;
  };
  const fixed = preds.filter((e) => !movable(e));
  const mobile = preds.filter(movable);
  const down = (plan: LogicalPlan) => stay(plan, fixed);
  switch (p.op) {
    case 'filter':
      return push(p.input, [...preds, ...conjuncts(p.predicate)]);
    case 'scan':
      return down({ ...p, filters: [...p.filters, ...mobile] });
    case 'project': {
      const sub = (e: Expr): Expr => (e.kind === 'column' ? p.exprs[e.index] : mapChildren(e, sub));
      const through = mobile.filter((e) => movable(sub(e)));
      return stay({ ...p, input: push(p.input, through.map(sub)) }, [...fixed, ...mobile.filter((e) => !through.includes(e))]);
    }
    case 'sort':
    case 'distinct':
      return down({ ...p, input: push(p.input, mobile) });
    case 'setop':
      if (p.kind === 'union' || p.kind === 'intersect') return down({ ...p, left: push(p.left, mobile), right: push(p.right, mobile) });
      return down({ ...p, left: push(p.left, mobile), right: push(p.right, []) });
    case 'aggregate': {
      // With grouping sets a key is NULL in the rows of sets without it: only plain groupings.
      const n = p.groupBy.length;
      const onKeys = p.groupingSets ? [] : mobile.filter((e) => [...columnsOf(e)].every((i) => i < n));
      const rest = mobile.filter((e) => !onKeys.includes(e));
      const sub = (e: Expr): Expr => (e.kind === 'column' ? p.groupBy[e.index] : mapChildren(e, sub));
      const input = push(p.input, onKeys.map(sub));
      return stay({ ...p, input }, [...fixed, ...rest]);
    }
    case 'join':
      return join(p, mobile, fixed, stay);
    case 'window': {
      // A predicate on the partition keys alone removes whole partitions: safe below the window.
      const width = p.input.schema.length;
      const parts = p.windows.map((w) => new Set(w.partitionBy.flatMap((e) => (e.kind === 'column' ? [e.index] : []))));
      const onParts = mobile.filter((e) => [...columnsOf(e)].every((i) => i < width && parts.every((s) => s.has(i))));
      const rest = mobile.filter((e) => !onParts.includes(e));
      return stay({ ...p, input: push(p.input, onParts) }, [...fixed, ...rest]);
    }
    case 'limit':
    case 'values':
      return stay(p.op === 'limit' ? { ...p, input: push(p.input, []) } : p, preds);
  }
}

function join(p: LogicalPlan & { op: 'join' }, mobile: Expr[], fixed: Expr[], stay: (plan: LogicalPlan, ps: Expr[]) => LogicalPlan): LogicalPlan {
  const lw = p.left.schema.length;
  const side = (e: Expr): 'left' | 'right' | 'both' | 'none' => {
    const cols = [...columnsOf(e)];
    if (cols.length === 0) return 'none';
    if (cols.every((i) => i < lw)) return 'left';
    if (cols.every((i) => i >= lw)) return 'right';
    return 'both';
  };
  const toRight = (e: Expr) => remap(e, new Map([...columnsOf(e)].map((i) => [i, i - lw])));
  const inner = p.kind === 'inner' || p.kind === 'cross';
  // Predicates from above and (for inner joins) the condition's own conjuncts.
  const cond = p.condition ? conjuncts(p.condition) : [];
  const pool = inner ? [...mobile, ...cond.filter(movable)] : mobile;
  const keepCond = inner ? cond.filter((e) => !movable(e)) : cond;
  const left: Expr[] = [];
  const right: Expr[] = [];
  const onJoin: Expr[] = [...keepCond];
  const above: Expr[] = [...fixed];
  for (const e of pool) {
    const s = side(e);
    const preservesLeft = p.kind === 'left' || p.kind === 'semi' || p.kind === 'anti' || p.kind === 'single' || p.kind === 'mark';
    if (inner) {
      if (s === 'left' || s === 'none') left.push(e);
      else if (s === 'right') right.push(toRight(e));
      else onJoin.push(e);
    } else if ((s === 'left' || s === 'none') && (preservesLeft || p.kind === 'inner')) left.push(e);
    else if (s === 'right' && p.kind === 'right') right.push(toRight(e));
    else above.push(e);
  }
  // The condition of an outer join filters the other side's matches: its one-sided conjuncts can go there.
  // (A NOT IN join's condition stays whole: its first conjunct is the IN comparison.)
  if (!inner && !p.nullAware) {
    const kept: Expr[] = [];
    for (const e of onJoin) {
      const s = side(e);
      if (s === 'right' && (p.kind === 'left' || p.kind === 'semi' || p.kind === 'anti' || p.kind === 'single' || p.kind === 'mark')) right.push(toRight(e));
      else if (s === 'left' && p.kind === 'right') left.push(e);
      else kept.push(e);
    }
    onJoin.splice(0, onJoin.length, ...kept);
  }
  const condition = and(onJoin);
  const kind = p.kind === 'cross' && condition ? 'inner' : p.kind;
  const { condition: _old, ...rest } = p;
  void _old;
  const joined: LogicalPlan = { ...rest, kind, left: push(p.left, left), right: push(p.right, right), ...(condition ? { condition } : {}) };
  return stay(joined, above);
}
