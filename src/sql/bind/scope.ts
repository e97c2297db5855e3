/**
 * Name resolution: the columns a query can see (its FROM clause's, each with the table alias it
 * came from) and the enclosing queries' (for correlated subqueries). Unknown names get the list
 * of what exists and the closest; ambiguous ones name every candidate.
 */
import type { DataType } from '../../types/datatype.js';
import { SqlError, suggest } from '../errors.js';

export interface ScopeColumn {
  name: string;
  /** The alias of the table (or subquery) it comes from. */
  table?: string;
  type: DataType;
  nullable: boolean;
  /** The right-hand copy of a `using` column: reachable qualified only, left out of `*`. */
  hidden?: boolean;
}

export interface Resolved {
  /** 0: this query's columns; 1: the enclosing query's, and so on. */
  depth: number;
  index: number;
  column: ScopeColumn;
}

export class Scope {
  constructor(
    readonly columns: ScopeColumn[],
    readonly parent?: Scope,
  ) {}

  /** Resolves [name] or [table, name] (case-insensitive, as unquoted SQL names are). */
  resolve(parts: string[], offset: number): Resolved {
    for (let s: Scope | undefined = this, depth = 0; s; s = s.parent, depth++) {
      const hit = s.find(parts, offset);
      if (hit) return { depth, ...hit };
    }
    const name = parts.join('.');
    if (parts.length === 2 && !this.tables().some((t) => eq(t, parts[0]))) {
      throw new SqlError('name', `unknown table or alias ${parts[0]} in ${name}`, offset, suggest(parts[0], this.tables(), 'tables'));
    }
    const names = this.columns.filter((c) => !c.hidden && (parts.length === 1 || eq(c.table, parts[0]))).map((c) => (parts.length === 2 ? `${c.table}.${c.name}` : c.name));
    throw new SqlError('name', `unknown column ${name}`, offset, suggest(name, [...new Set(names)], 'columns'));
  }

  private find(parts: string[], offset: number): { index: number; column: ScopeColumn } | undefined {
    const [table, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    const hits: number[] = [];
    this.columns.forEach((c, i) => {
      if (!eq(c.name, name)) return;
      if (table === undefined ? !c.hidden : eq(c.table, table)) hits.push(i);
    });
    if (hits.length > 1) {
      throw new SqlError('name', `column reference ${parts.join('.')} is ambiguous: it could be ${hits.map((i) => `${this.columns[i].table ?? '?'}.${this.columns[i].name}`).join(' or ')}`, offset,
        'qualify it with the table name or alias');
    }
    return hits.length ? { index: hits[0], column: this.columns[hits[0]] } : undefined;
  }

  tables(): string[] {
    return [...new Set(this.columns.flatMap((c) => (c.table ? [c.table] : [])))];
  }
}

export function eq(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
