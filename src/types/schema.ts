/**
 * Schemas: named, typed, nullable fields. A table declared in a job spec gives its schema as a DDL
 * column list ("event_time TIMESTAMP, price DECIMAL(10,2)") or as a list of {name, type}; both
 * parse here, with errors that carry the offset of what is wrong.
 */
import { UnknownTypeError, resolveTypeName, typeName, type DataType } from './datatype.js';

export interface Field {
  name: string;
  type: DataType;
  /** Declared columns are nullable (SQL's default); an aggregate like count(*) is not. */
  nullable: boolean;
  /** A declared VARCHAR column's only values (spec.tables.<t>.schema[].values): the scan rejects others, and NULL. */
  values?: string[];
}

export type Schema = Field[];

/** A DDL list that cannot be read: what, and the character offset in the text. */
export class SchemaSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function formatSchema(s: Schema): string {
  return s.map((f) => `${quoteIdent(f.name)} ${typeName(f.type)}`).join(', ');
}

/** An identifier as SQL needs it written: bare when it is a plain lower-case name, else quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

interface Token {
  kind: 'ident' | 'quoted' | 'number' | 'punct';
  text: string;
  at: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= src.length) throw new SchemaSyntaxError('unterminated quoted name', i, 'close it with "');
        if (src[j] === '"') {
          if (src[j + 1] === '"') {
            text += '"';
            j += 2;
            continue;
          }
          break;
        }
        text += src[j++];
      }
      if (!text) throw new SchemaSyntaxError('an empty quoted name', i);
      out.push({ kind: 'quoted', text, at: i });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      out.push({ kind: 'ident', text: m[0], at: i });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(src.slice(i))!;
      out.push({ kind: 'number', text: m[0], at: i });
      i += m[0].length;
    } else if (c === ',' || c === '(' || c === ')') {
      out.push({ kind: 'punct', text: c, at: i++ });
    } else {
      throw new SchemaSyntaxError(`unexpected character ${JSON.stringify(c)}`, i, 'write columns as `name TYPE, name TYPE`');
    }
  }
  return out;
}

/**
 * Parses `name TYPE[(p[,s])] [NOT NULL], ...`. Names are case-preserved when quoted and folded
 * to lower case otherwise (as SQL folds unquoted identifiers). Duplicate names are an error.
 */
export function parseSchemaDdl(src: string): Schema {
  const toks = tokenize(src);
  const fields: Schema = [];
  const seen = new Map<string, number>();
  let i = 0;
  const end = src.length;
  const at = () => toks[i]?.at ?? end;
  while (i < toks.length || fields.length === 0) {
    const nameTok = toks[i];
    if (!nameTok || (nameTok.kind !== 'ident' && nameTok.kind !== 'quoted')) {
      throw new SchemaSyntaxError(nameTok ? `expected a column name, found ${JSON.stringify(nameTok.text)}` : 'expected a column name', at(), 'write columns as `name TYPE, name TYPE`');
    }
    i++;
    const name = nameTok.kind === 'quoted' ? nameTok.text : nameTok.text.toLowerCase();
    const typeAt = at();
    const words: string[] = [];
    while (toks[i]?.kind === 'ident' && !(words.length && /^not$/i.test(toks[i].text))) words.push(toks[i++].text);
    if (!words.length) throw new SchemaSyntaxError(`column ${name}: expected a type`, typeAt, 'for example BIGINT, VARCHAR, DECIMAL(10,2), TIMESTAMP');
    const args: number[] = [];
    if (toks[i]?.text === '(') {
      i++;
      for (;;) {
        const n = toks[i];
        if (n?.kind !== 'number') throw new SchemaSyntaxError(`column ${name}: expected a number in the type's parentheses`, at());
        args.push(Number(n.text));
        i++;
        if (toks[i]?.text === ',') i++;
        else if (toks[i]?.text === ')') {
          i++;
          break;
        } else throw new SchemaSyntaxError(`column ${name}: expected , or ) in the type's parentheses`, at());
      }
      // TIMESTAMP(6) WITHOUT TIME ZONE and the like: trailing words of the type.
      while (toks[i]?.kind === 'ident' && !/^not$/i.test(toks[i].text)) words.push(toks[i++].text);
    }
    let nullable = true;
    if (/^not$/i.test(toks[i]?.text ?? '') && /^null$/i.test(toks[i + 1]?.text ?? '')) {
      nullable = false;
      i += 2;
    }
    let type: DataType;
    try {
      type = resolveTypeName(words.join(' '), args);
    } catch (e) {
      if (e instanceof UnknownTypeError) throw new SchemaSyntaxError(`column ${name}: ${e.message}`, typeAt, e.hint);
      throw e;
    }
    if (seen.has(name)) throw new SchemaSyntaxError(`column ${name} is declared twice`, nameTok.at, 'give each column its own name');
    seen.set(name, fields.length);
    fields.push({ name, type, nullable });
    if (i >= toks.length) break;
    if (toks[i].text !== ',') throw new SchemaSyntaxError(`column ${name}: expected , before ${JSON.stringify(toks[i].text)}`, at(), 'separate columns with commas');
    i++;
    if (i >= toks.length) throw new SchemaSyntaxError('a trailing comma', toks[i - 1].at);
  }
  return fields;
}

/** The schema of a list of {name, type} entries (type as in DDL). Errors name the entry's index. */
export function schemaFromList(list: { name: string; type: string; nullable?: boolean }[]): Schema {
  const out: Schema = [];
  list.forEach((c, k) => {
    let f: Field;
    try {
      [f] = parseSchemaDdl(`${quoteIdent(c.name)} ${c.type}`);
    } catch (e) {
      if (e instanceof SchemaSyntaxError) throw new SchemaSyntaxError(`[${k}] ${e.message}`, k, e.hint);
      throw e;
    }
    if (out.some((x) => x.name === f.name)) throw new SchemaSyntaxError(`[${k}] column ${f.name} is declared twice`, k, 'give each column its own name');
    out.push({ ...f, nullable: c.nullable ?? true });
  });
  return out;
}
