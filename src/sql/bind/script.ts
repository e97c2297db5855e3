/**
 * Binding a script: its statements in order. Views are names for queries; `create table t as`
 * outputs t and makes t a name later statements can read; the bare query outputs `result`. Each
 * name is unique among the declared tables, views and outputs.
 */
import type { BoundScript, LogicalPlan, TableSource } from '../../plan/logical/plan.js';
import { SqlError } from '../errors.js';
import { parseLoaded, type PgNode, type Statement } from '../parse.js';
import { position } from '../errors.js';
import type { Scope } from './scope.js';
import { eq } from './scope.js';
import type { NamedQuery, QueryContext } from './from.js';
import { bindQuery } from './select.js';

export const RESULT = 'result';

/** Binds a parsed script (see parse.ts; loadParser() must have resolved for bindSql). */
export function bindStatements(script: string, statements: Statement[], tables: TableSource[]): BoundScript {
  const declared = new Map(tables.map((t) => [t.name, t]));
  const views = new Map<string, NamedQuery>();
  const outputs: BoundScript['outputs'] = [];
  for (const st of statements) {
    const ctx: QueryContext = {
      toChar: st.toChar,
      tables: declared,
      views,
      subquery: (select: PgNode, outer: Scope) => bindQuery(select, ctx, outer, new Map()),
      query: (select: PgNode, outer: Scope | undefined, ctes: Map<string, NamedQuery>) => bindQuery(select, ctx, outer, ctes),
    };
    const plan: LogicalPlan = bindQuery(st.select, ctx, undefined, new Map());
    const line = position(script, st.offset).line;
    if (st.kind === 'query') {
      if (outputs.some((o) => o.name === RESULT)) {
        throw new SqlError('semantic', 'a script has at most one bare query (it is written to result/)', st.offset, 'write the others as create table <name> as <query>');
      }
      outputs.push({ name: RESULT, plan, line });
      continue;
    }
    const name = st.name!;
    const taken = [...declared.keys()].find((k) => eq(k, name)) ? 'a table declared in spec.tables'
      : [...views.keys()].find((k) => eq(k, name)) ? 'a view or table created earlier in the script'
      : eq(RESULT, name) ? 'the name of the bare query\'s output' : undefined;
    if (taken) throw new SqlError('semantic', `${name} is already ${taken}`, st.nameOffset ?? st.offset, 'choose another name');
    views.set(name, { select: st.select });
    if (st.kind === 'table') outputs.push({ name, plan, line });
  }
  if (outputs.length === 0) {
    throw new SqlError('semantic', 'the script writes nothing: it has no create table … as and no bare query', statements[statements.length - 1].offset,
      'add a query (written to result/) or create table <name> as <query>');
  }
  return { outputs };
}

/** Parses and binds a script (the parser must be loaded: await loadParser()). */
export function bindSql(script: string, tables: TableSource[]): BoundScript {
  return bindStatements(script, parseLoaded(script), tables);
}
