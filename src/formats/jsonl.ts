/**
 * A JSON Lines record's top-level fields as raw tokens, without JSON.parse's rounding: a
 * number keeps its text (so a BIGINT past 2^53 or a DECIMAL reads exactly), a string is
 * decoded, a nested object or array keeps its JSON text. Returns the reason for a line that
 * is not one JSON object.
 */

/** A JSON number's text without an exponent ("1.5e3" -> "1500", "25e-3" -> "0.025"), exactly. */
export function plainNumber(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(text);
  if (!m) return text;
  const digits = m[2] + (m[3] ?? '');
  const point = m[2].length + Number(m[4]);
  if (point <= 0) return `${m[1]}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${m[1]}${digits}${'0'.repeat(point - digits.length)}`;
  return `${m[1]}${digits.slice(0, point)}.${digits.slice(point)}`;
}
export type JsonToken =
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'json'; text: string };

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

export function parseJsonObject(s: string): Map<string, JsonToken> | string {
  let i = 0;
  const ws = () => { while (i < s.length && isWs(s.charCodeAt(i))) i++; };
  /** A string token from s[i] === '"'; i moves past it. */
  const str = (): string | undefined => {
    const from = i++;
    let escaped = false;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 92) { escaped = true; i += 2; continue; }
      if (c === 34) break;
      i++;
    }
    if (i >= s.length) return undefined;
    i++;
    if (!escaped) return s.slice(from + 1, i - 1);
    try {
      return JSON.parse(s.slice(from, i)) as string;
    } catch {
      return undefined;
    }
  };
  /** A nested object or array from s[i]; i moves past it. */
  const nested = (): string | undefined => {
    const from = i;
    let depth = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 34) { if (str() === undefined) return undefined; continue; }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) { depth--; if (depth === 0) { i++; break; } }
      i++;
    }
    if (depth !== 0) return undefined;
    const text = s.slice(from, i);
    try {
      JSON.parse(text);
    } catch {
      return undefined;
    }
    return text;
  };
  const out = new Map<string, JsonToken>();
  ws();
  if (s.charCodeAt(i) !== 123) return 'not a JSON object (a line must hold one {...})';
  i++;
  ws();
  if (s.charCodeAt(i) === 125) { i++; ws(); return i === s.length ? out : 'text after the object'; }
  for (;;) {
    ws();
    if (s.charCodeAt(i) !== 34) return `expected a field name at character ${i + 1}`;
    const key = str();
    if (key === undefined) return 'an unterminated string';
    ws();
    if (s.charCodeAt(i) !== 58) return `expected ':' after "${key}"`;
    i++;
    ws();
    const c = s.charCodeAt(i);
    let tok: JsonToken;
    if (c === 34) {
      const v = str();
      if (v === undefined) return `field ${key}: an unterminated string`;
      tok = { kind: 'string', value: v };
    } else if (c === 123 || c === 91) {
      const v = nested();
      if (v === undefined) return `field ${key}: a broken nested value`;
      tok = { kind: 'json', text: v };
    } else {
      const from = i;
      while (i < s.length && !isWs(s.charCodeAt(i)) && s[i] !== ',' && s[i] !== '}') i++;
      const text = s.slice(from, i);
      if (text === 'true' || text === 'false') tok = { kind: 'bool', value: text === 'true' };
      else if (text === 'null') tok = { kind: 'null' };
      else if (NUMBER.test(text) || text === 'NaN' || text === 'Infinity' || text === '-Infinity') tok = { kind: 'number', text }; // the last three as DuckDB and Python write them
      else return `field ${key}: ${text ? `${JSON.stringify(text.slice(0, 40))} is not a JSON value` : 'a missing value'}`;
    }
    out.set(key, tok);
    ws();
    const sep = s.charCodeAt(i);
    i++;
    if (sep === 44) continue;
    if (sep === 125) break;
    return `expected ',' or '}' after field ${key}`;
  }
  ws();
  return i === s.length ? out : 'text after the object';
}
