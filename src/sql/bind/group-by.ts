/**
 * GROUP BY: the group keys, bound over the FROM clause's columns: expressions, select-list
 * positions (group by 1), select-list aliases (when no input column has the name), and grouping
 * sets (rollup, cube, grouping sets), combined as SQL says (several are a cross product).
 */
import type { Expr } from '../../plan/logical/expr.js';
import { key } from '../../plan/logical/expr.js';
import { SqlError } from '../errors.js';
import type { PgNode } from '../parse.js';
import { at, bindExpr, containsAggregate, type ExprEnv } from './expr.js';
import { eq } from './scope.js';

export interface GroupKeys {
  keys: Expr[];
  /** Absent: one plain grouping by every key. */
  sets?: number[][];
  names: string[];
}

export function groupKeys(items: PgNode[], targets: PgNode[], env: ExprEnv): GroupKeys {
  const keys: Expr[] = [];
  const names: string[] = [];
  const index = (e: Expr, name: string): number => {
    const k = key(e);
    const i = keys.findIndex((x) => key(x) === k);
    if (i >= 0) return i;
    names.push(name);
    return keys.push(e) - 1;
  };
  const one = (node: PgNode): number => {
    const { expr, name } = bindKey(node, targets, env);
    return index(expr, name);
  };
  let plain = true;
  // Each item is a list of sets; the grouping is their cross product.
  const factors: number[][][] = items.map((item) => {
    const gs = item.GroupingSet;
    if (!gs) return [[one(item)]];
    plain = false;
    const content = (gs.content ?? []) as PgNode[];
    const members = (n: PgNode): number[] => (n.RowExpr ? (n.RowExpr.args as PgNode[]).map(one) : n.GroupingSet?.kind === 'GROUPING_SET_EMPTY' ? [] : n.GroupingSet ? unsupportedNesting(n, env) : [one(n)]);
    switch (gs.kind) {
      case 'GROUPING_SET_EMPTY':
        return [[]];
      case 'GROUPING_SET_ROLLUP': {
        const ms = content.map(members);
        return Array.from({ length: ms.length + 1 }, (_, i) => ms.slice(0, ms.length - i).flat());
      }
      case 'GROUPING_SET_CUBE': {
        const ms = content.map(members);
        if (ms.length > 12) throw new SqlError('unsupported', `cube over ${ms.length} keys makes too many grouping sets`, at(env, gs));
        return Array.from({ length: 1 << ms.length }, (_, bits) => ms.filter((_m, j) => !(bits & (1 << (ms.length - 1 - j)))).flat());
      }
      case 'GROUPING_SET_SETS':
        return content.map(members);
      default:
        return [content.flatMap(members)];
    }
  });
  if (plain) return { keys, names };
  const sets = factors.reduce<number[][]>((acc, f) => acc.flatMap((a) => f.map((b) => [...new Set([...a, ...b])].sort((x, y) => x - y))), [[]]);
  return { keys, sets, names };
}

function unsupportedNesting(n: PgNode, env: ExprEnv): never {
  throw new SqlError('unsupported', 'nested grouping sets are not supported', at(env, n.GroupingSet));
}

function bindKey(node: PgNode, targets: PgNode[], env: ExprEnv): { expr: Expr; name: string } {
  const c = node.A_Const;
  if (c?.ival !== undefined) {
    const i = (c.ival.ival ?? 0) as number;
    if (i < 1 || i > targets.length) throw new SqlError('semantic', `GROUP BY position ${i} is not in the select list (1 to ${targets.length})`, at(env, c));
    return fromTarget(targets[i - 1].ResTarget, env, i - 1);
  }
  const fields = node.ColumnRef?.fields as PgNode[] | undefined;
  if (fields?.length === 1 && fields[0].String) {
    const name = fields[0].String.sval as string;
    const inInput = env.scope.columns.some((col) => !col.hidden && eq(col.name, name));
    const alias = targets.find((t) => t.ResTarget.name && eq(t.ResTarget.name, name));
    if (!inInput && alias) return fromTarget(alias.ResTarget, env, targets.indexOf(alias));
  }
  if (containsAggregate(node)) throw new SqlError('semantic', 'aggregate functions are not allowed in GROUP BY', at(env, node[Object.keys(node)[0]]));
  const expr = bindExpr(node, env);
  return { expr, name: expr.kind === 'column' ? expr.name : `#${Object.keys(node)[0]}` };
}

function fromTarget(r: PgNode, env: ExprEnv, i: number): { expr: Expr; name: string } {
  if (containsAggregate(r.val)) throw new SqlError('semantic', `GROUP BY ${i + 1} refers to an aggregate`, at(env, r));
  const expr = bindExpr(r.val, env);
  return { expr, name: r.name ?? (expr.kind === 'column' ? expr.name : `#${i + 1}`) };
}
