/**
 * Errors in a SQL script, at a character offset of it: a syntax error, an unknown name, a type
 * error, an unsupported construct. `render` names the line and column and shows the line with
 * a caret under the place; the spec loader turns one into a spec error of spec.sql.
 */
import { closest } from '../common/names.js';

export type SqlErrorKind = 'syntax' | 'name' | 'type' | 'unsupported' | 'semantic';

export class SqlError extends Error {
  constructor(
    readonly kind: SqlErrorKind,
    message: string,
    /** Character offset in the script (-1: unknown). */
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  text: string;
}

/** The line and column of a character offset, and that line's text. */
export function position(script: string, offset: number): Position {
  const at = Math.max(0, Math.min(offset, script.length));
  const start = script.lastIndexOf('\n', at - 1) + 1;
  const endNl = script.indexOf('\n', at);
  const end = endNl < 0 ? script.length : endNl;
  let line = 1;
  for (let i = 0; i < start; i++) if (script.charCodeAt(i) === 10) line++;
  return { line, column: at - start + 1, text: script.slice(start, end).replace(/\r$/, '') };
}

/**
 * The error for a person: "line 3, column 14: <message>", the line, a caret under the column,
 * then the hint. `firstLine` is the script's first line in its file (spec.sql inside a YAML
 * spec), so the line number is the file's, with `where` naming the file or field.
 */
export function render(script: string, e: SqlError, opts: { where?: string; firstLine?: number } = {}): string {
  const where = opts.where ? `${opts.where} ` : '';
  if (e.offset < 0) return `${where}${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`;
  // "At the end of input" is the end of the script's text, not the blank line after it.
  const p = position(script, Math.min(e.offset, script.trimEnd().length));
  const line = p.line + (opts.firstLine ?? 1) - 1;
  const gutter = `${line} | `;
  const lead = p.text.slice(0, p.column - 1).replace(/[^\t]/g, ' ');
  return [
    `${where}line ${line}, column ${p.column}: ${e.message}`,
    `  ${gutter}${p.text}`,
    `  ${' '.repeat(gutter.length)}${lead}^`,
    ...(e.hint ? [`  hint: ${e.hint}`] : []),
  ].join('\n');
}

/** "did you mean x?" and the list of what exists, for an unknown name. */
export function suggest(name: string, candidates: string[], what: string): string {
  const near = closest(name, candidates);
  const list = candidates.length ? `${what} here: ${candidates.slice(0, 12).join(', ')}${candidates.length > 12 ? ', …' : ''}` : `there are no ${what} here`;
  return near ? `did you mean ${near}? ${list}` : list;
}
