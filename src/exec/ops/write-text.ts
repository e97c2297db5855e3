/**
 * Text outputs of SQL jobs (spec.output.format): CSV and JSON Lines, each value as DuckDB's
 * cast to VARCHAR writes it (exec/expr/format-value.ts), so a DECIMAL keeps its scale and a
 * BIGINT above 2^53 its every digit.
 *
 *   csv    a header line, comma-separated, LF line ends; a field is quoted (quotes doubled)
 *          when it holds a comma, a quote, CR or LF, or is the empty string; NULL is an empty
 *          unquoted field (read back with nullValue "", the default)
 *   jsonl  one object per row, keys in column order; numbers as JSON numbers (the exact digits;
 *          a DOUBLE that is NaN or infinite as null), BOOLEAN as true / false, everything else
 *          (VARCHAR, DATE, TIMESTAMP, INTERVAL) as strings; NULL as null
 */
import type { Schema } from '../../types/schema.js';
import type { Batch } from '../../types/vector.js';
import { valueAt } from '../../types/vector.js';
import { toText } from '../expr/format-value.js';

const NEEDS_QUOTES = /[",\r\n]/;
const csvField = (s: string) => (s === '' || NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function encodeCsv(schema: Schema, b: Batch): Uint8Array {
  const texts = b.columns.map(toText);
  const lines = [schema.map((f) => csvField(f.name)).join(',')];
  for (let i = 0; i < b.length; i++) lines.push(texts.map((t) => (valueAt(t, i) === null ? '' : csvField(valueAt(t, i) as string))).join(','));
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

export function encodeJsonl(schema: Schema, b: Batch): Uint8Array {
  const texts = b.columns.map(toText);
  const keys = schema.map((f) => JSON.stringify(f.name));
  const kinds = schema.map((f) => (f.type.id === 'BOOLEAN' ? 'bool' : ['INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE'].includes(f.type.id) ? 'num' : 'str'));
  const lines: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const parts = texts.map((t, c) => {
      const x = valueAt(t, i) as string | null;
      if (x === null) return `${keys[c]}:null`;
      if (kinds[c] === 'str') return `${keys[c]}:${JSON.stringify(x)}`;
      if (kinds[c] === 'num' && !/^-?[0-9]/.test(x)) return `${keys[c]}:null`; // nan, inf
      return `${keys[c]}:${x}`;
    });
    lines.push(`{${parts.join(',')}}`);
  }
  return new TextEncoder().encode(lines.length ? lines.join('\n') + '\n' : '');
}
