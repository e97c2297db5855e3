/**
 * Parsing: a SQL script -> its statements, each a PostgreSQL parse tree (libpg-query, the
 * PostgreSQL parser compiled to WebAssembly; chosen by measurement: docs/sql-parser-choice.md).
 * What kindling runs of them:
 *   create [temp] view v as <query>      a name for a query (not written)
 *   create table t as <query>            written to <output>/t/
 *   <query>                              at most one; written to <output>/result/
 * Anything else is named as unsupported. Errors carry character offsets into the script.
 */
import { loadModule, parseSync } from 'libpg-query';
import { SqlError } from './errors.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A node of PostgreSQL's parse tree, as libpg-query's JSON has it ({ NodeType: { ...fields } }). */
export type PgNode = Record<string, any>;

export interface Statement {
  kind: 'view' | 'table' | 'query';
  /** view, table: its name (as written, lower-cased unless quoted). */
  name?: string;
  /** The query: a SelectStmt node's fields. */
  select: PgNode;
  /** Character offset of the statement in the script, and of its name. */
  offset: number;
  nameOffset?: number;
  /** Maps the parse tree's byte locations to character offsets of the script. */
  toChar: (byteOffset: number) => number;
}

let loaded: Promise<void> | undefined;

/** Loads the parser's WebAssembly module (once; parseScript needs it). */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

export async function parseScript(script: string): Promise<Statement[]> {
  await loadParser();
  return parseLoaded(script);
}

/** parseScript, once loadParser() has resolved. */
export function parseLoaded(script: string): Statement[] {
  const toChar = byteToChar(script);
  let tree: { stmts?: { stmt: PgNode; stmt_location?: number }[] };
  try {
    tree = parseSync(script) as any;
  } catch (e) {
    const d = (e as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    const msg = d?.message ?? (e as Error).message;
    throw new SqlError('syntax', msg, d ? d.cursorPosition : -1, syntaxHint(msg));
  }
  const out: Statement[] = [];
  for (const s of tree.stmts ?? []) {
    const offset = toChar(s.stmt_location ?? 0);
    const start = offset + (script.slice(offset).length - script.slice(offset).trimStart().length);
    out.push(statement(s.stmt, start, toChar));
  }
  if (out.length === 0) throw new SqlError('semantic', 'the script holds no statement', 0, 'write a query, e.g. select count(*) from events');
  const queries = out.filter((s) => s.kind === 'query');
  if (queries.length > 1) {
    throw new SqlError('semantic', `a script may hold one bare query (written to result/), this one has ${queries.length}`, queries[1].offset,
      'name the others: create table <name> as <query> writes each to <output>/<name>/');
  }
  return out;
}

function statement(node: PgNode, offset: number, toChar: (b: number) => number): Statement {
  const [type] = Object.keys(node);
  const n = node[type];
  if (type === 'SelectStmt') return { kind: 'query', select: n, offset, toChar };
  if (type === 'ViewStmt') {
    if (n.view.schemaname) throw new SqlError('unsupported', 'schema-qualified names are not supported', toChar(n.view.location));
    if (n.aliases?.length) throw new SqlError('unsupported', 'a column list after the view name is not supported', toChar(n.view.location), 'name the columns in the query with "as"');
    return { kind: 'view', name: n.view.relname, select: n.query.SelectStmt, offset, nameOffset: toChar(n.view.location), toChar };
  }
  if (type === 'CreateTableAsStmt') {
    const into = n.into;
    if (into.rel.schemaname) throw new SqlError('unsupported', 'schema-qualified names are not supported', toChar(into.rel.location));
    if (into.colNames?.length) throw new SqlError('unsupported', 'a column list after the table name is not supported', toChar(into.rel.location), 'name the columns in the query with "as"');
    if (!n.query.SelectStmt) throw new SqlError('unsupported', 'create table … as needs a query', offset);
    return { kind: 'table', name: into.rel.relname, select: n.query.SelectStmt, offset, nameOffset: toChar(into.rel.location), toChar };
  }
  throw new SqlError('unsupported', `${describeStatement(type)} is not supported`, offset,
    'a script holds queries, create [temp] view <name> as <query>, and create table <name> as <query>');
}

const STATEMENT_NAMES: Record<string, string> = {
  InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete', CreateStmt: 'create table without "as <query>"', DropStmt: 'drop',
  CopyStmt: 'copy', ExplainStmt: 'explain (use `kindling plan`)', VariableSetStmt: 'set', TransactionStmt: 'a transaction statement',
};

function describeStatement(type: string): string {
  return STATEMENT_NAMES[type] ?? `the statement ${type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`;
}

function syntaxHint(msg: string): string | undefined {
  if (/at end of input/.test(msg)) return 'the statement is incomplete';
  return undefined;
}

/** Byte offset (UTF-8, as the parser reports locations) -> character offset (UTF-16 index). */
export function byteToChar(script: string): (b: number) => number {
  if (!/[^\x00-\x7f]/.test(script)) return (b) => b;
  const map: number[] = [];
  for (let i = 0; i < script.length; i++) {
    const c = script.codePointAt(i)!;
    const bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (let k = 0; k < bytes; k++) map.push(i);
    if (c >= 0x10000) i++;
  }
  return (b) => (b < 0 ? -1 : b >= map.length ? script.length : map[b]);
}
