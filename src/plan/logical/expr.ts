/**
 * Bound expressions: what the binder makes of SQL expressions, with every name resolved to a
 * column of the operator's input and every type known. The optimizer rewrites them; exec/expr
 * compiles them into JavaScript functions over column vectors.
 *
 * Function calls (operators included) name an entry of the function catalog
 * (plan/logical/functions.ts), which gives each its argument and result types; the binder has
 * already inserted the implicit casts, so a call's arguments have exactly the catalog's types.
 */
import { BOOLEAN, type DataType } from '../../types/datatype.js';
import type { Scalar } from '../../types/vector.js';
import type { AggregateCall, Expr, FrameBound, SortKey, WindowCall, WindowFn } from './nodes.js';

export type { AggregateCall, Expr, FrameBound, SortKey, WindowCall, WindowFn };

/** The columns an expression reads from its input. */
export function columnsOf(e: Expr, into = new Set<number>()): Set<number> {
  visit(e, (x) => {
    if (x.kind === 'column') into.add(x.index);
  });
  return into;
}

/** Calls f on e and every expression below it (not into subquery plans). */
export function visit(e: Expr, f: (e: Expr) => void): void {
  f(e);
  for (const c of children(e)) visit(c, f);
}

export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'column':
    case 'literal':
    case 'outer':
      return [];
    case 'call':
      return e.args;
    case 'cast':
      return [e.arg];
    case 'case':
      return [...e.whens.flatMap((w) => [w.when, w.then]), e.else];
    case 'inList':
      return [e.arg, ...e.list];
    case 'subquery':
      return e.arg ? [e.arg] : [];
  }
}

/** e with every child replaced by f(child) (bottom-up rewrites build on this). */
export function mapChildren(e: Expr, f: (e: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'column':
    case 'literal':
    case 'outer':
      return e;
    case 'call':
      return { ...e, args: e.args.map(f) };
    case 'cast':
      return { ...e, arg: f(e.arg) };
    case 'case':
      return { ...e, whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), else: f(e.else) };
    case 'inList':
      return { ...e, arg: f(e.arg), list: e.list.map(f) };
    case 'subquery':
      return e.arg ? { ...e, arg: f(e.arg) } : e;
  }
}

export const col = (index: number, name: string, type: DataType): Expr => ({ kind: 'column', index, name, type });
export const lit = (value: Scalar, type: DataType): Expr => ({ kind: 'literal', value, type });
export const call = (fn: string, args: Expr[], type: DataType): Expr => ({ kind: 'call', fn, args, type });

/** Structural equality (GROUP BY matching, common subexpressions). */
export function sameExpr(a: Expr, b: Expr): boolean {
  return key(a) === key(b);
}

/** A canonical text of an expression (or of any plan value; bigints included), for equality and as a map key. */
export function key(e: unknown): string {
  return JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** The conjuncts of a predicate (a and b and c: [a, b, c]). */
export function conjuncts(e: Expr): Expr[] {
  return e.kind === 'call' && e.fn === 'and' ? e.args.flatMap(conjuncts) : [e];
}

/** The conjunction of predicates (undefined for none). */
export function and(es: Expr[]): Expr | undefined {
  return es.length === 0 ? undefined : es.reduce((a, b) => ({ kind: 'call', fn: 'and', args: [a, b], type: BOOLEAN }));
}

/** e with every column reference replaced by f(column) (bottom-up; subquery plans untouched). */
export function mapColumns(e: Expr, f: (c: Expr & { kind: 'column' }) => Expr): Expr {
  return e.kind === 'column' ? f(e) : mapChildren(e, (c) => mapColumns(c, f));
}

/**
 * A join condition over (left columns, then right ones) split into equal keys, `left expr =
 * right expr` (the right one re-indexed to the right input's own columns), and the rest.
 * `firstOnly`: only the first conjunct may be a key (a NOT IN join's IN comparison).
 */
export function equiKeys(condition: Expr | undefined, leftWidth: number, firstOnly = false): { left: Expr[]; right: Expr[]; rest: Expr[] } {
  const left: Expr[] = [];
  const right: Expr[] = [];
  const rest: Expr[] = [];
  const side = (e: Expr): 'l' | 'r' | undefined => {
    const cs = [...columnsOf(e)];
    if (cs.length === 0) return undefined;
    return cs.every((c) => c < leftWidth) ? 'l' : cs.every((c) => c >= leftWidth) ? 'r' : undefined;
  };
  const toRight = (e: Expr) => mapColumns(e, (c) => ({ ...c, index: c.index - leftWidth }));
  for (const [k, c] of (condition ? conjuncts(condition) : []).entries()) {
    if (c.kind === 'call' && c.fn === 'eq' && (!firstOnly || k === 0)) {
      const [a, b] = c.args;
      const sa = side(a);
      const sb = side(b);
      if (sa === 'l' && sb === 'r') { left.push(a); right.push(toRight(b)); continue; }
      if (sa === 'r' && sb === 'l') { left.push(b); right.push(toRight(a)); continue; }
    }
    rest.push(c);
  }
  return { left, right, rest };
}
