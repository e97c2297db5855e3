/**
 * String functions, as DuckDB computes them: positions and lengths count code points (not
 * UTF-16 units); upper/lower map each code point alone (ß becomes ẞ, never SS); reverse keeps
 * grapheme clusters whole; like/ilike with % and _ (no escape); regexp_* use JavaScript
 * regular expressions (DuckDB's are RE2: the common syntax is the same; lookaround and
 * backreferences exist only here).
 */
import type { Scalar } from '../../types/vector.js';

type Fn = (xs: Scalar[]) => Scalar;
const cp = (s: Scalar) => Array.from(s as string);
const int = (x: Scalar) => Number(x);

function mapCodePoints(s: string, upper: boolean): string {
  let out = '';
  for (const ch of s) {
    if (upper && ch === 'ß') { out += 'ẞ'; continue; }
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += Array.from(m).length === 1 ? m : ch;
  }
  return out;
}

function substring(s: string, start: number, len?: number): string {
  const chars = Array.from(s);
  const n = chars.length;
  // 1-based; 0 is just before the first character; negative counts from the end (DuckDB).
  const from = start > 0 ? start - 1 : start === 0 ? -1 : n + start;
  const to = len === undefined ? n : from + len;
  const a = Math.min(Math.max(from, 0), n);
  const b = Math.min(Math.max(to, 0), n);
  return chars.slice(a, Math.max(a, b)).join('');
}

function trimmer(mode: 'both' | 'left' | 'right'): Fn {
  return ([s, chars]) => {
    const set = new Set(chars === undefined ? [' '] : cp(chars));
    const a = cp(s);
    let i = 0;
    let j = a.length;
    if (mode !== 'right') while (i < j && set.has(a[i])) i++;
    if (mode !== 'left') while (j > i && set.has(a[j - 1])) j--;
    return a.slice(i, j).join('');
  };
}

const likeCache = new Map<string, RegExp>();
function likeRegex(pattern: string, insensitive: boolean): RegExp {
  const key = `${insensitive ? 'i' : 'c'}${pattern}`;
  let re = likeCache.get(key);
  if (!re) {
    const body = Array.from(pattern, (ch) => (ch === '%' ? '[\\s\\S]*' : ch === '_' ? '[\\s\\S]' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    re = new RegExp(`^${body}$`, insensitive ? 'isu' : 'su');
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(key, re);
  }
  return re;
}

const regexCache = new Map<string, RegExp>();
function regex(p: string, flags = 'u'): RegExp {
  const key = flags + p;
  let re = regexCache.get(key);
  if (!re) {
    re = new RegExp(p, flags);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

function pad(left: boolean): Fn {
  return ([s, n, fill]) => {
    const chars = cp(s);
    const len = int(n);
    if (chars.length >= len) return chars.slice(0, Math.max(len, 0)).join('');
    const f = cp(fill);
    if (f.length === 0) return s;
    const padding = Array.from({ length: len - chars.length }, (_, i) => f[i % f.length]).join('');
    return left ? padding + s : s + padding;
  };
}

function splitPart([s, sep, idx]: Scalar[]): Scalar {
  const parts = (sep as string) === '' ? cp(s) : (s as string).split(sep as string);
  const i = int(idx);
  const k = i > 0 ? i - 1 : i < 0 ? parts.length + i : -1;
  return k >= 0 && k < parts.length ? parts[k] : '';
}

const segmenter = new Intl.Segmenter();

export const STRING_FUNCTIONS: Record<string, Fn> = {
  upper: ([s]) => mapCodePoints(s as string, true),
  lower: ([s]) => mapCodePoints(s as string, false),
  length: ([s]) => cp(s).length,
  substring: ([s, start, len]) => substring(s as string, int(start), len === undefined ? undefined : int(len)),
  trim: trimmer('both'), ltrim: trimmer('left'), rtrim: trimmer('right'),
  replace: ([s, from, to]) => ((from as string) === '' ? s : (s as string).split(from as string).join(to as string)),
  split_part: splitPart,
  starts_with: ([s, p]) => (s as string).startsWith(p as string),
  ends_with: ([s, p]) => (s as string).endsWith(p as string),
  contains: ([s, p]) => (s as string).includes(p as string),
  strpos: ([s, p]) => { const i = (s as string).indexOf(p as string); return i < 0 ? 0 : Array.from((s as string).slice(0, i)).length + 1; },
  left: ([s, n]) => { const c = cp(s); const k = int(n); return (k >= 0 ? c.slice(0, k) : c.slice(0, Math.max(c.length + k, 0))).join(''); },
  right: ([s, n]) => { const c = cp(s); const k = int(n); return (k >= 0 ? c.slice(Math.max(c.length - k, 0)) : c.slice(Math.min(-k, c.length))).join(''); },
  reverse: ([s]) => Array.from(segmenter.segment(s as string), (g) => g.segment).reverse().join(''),
  repeat: ([s, n]) => (s as string).repeat(Math.max(int(n), 0)),
  lpad: pad(true), rpad: pad(false),
  like: ([s, p]) => likeRegex(p as string, false).test(s as string),
  ilike: ([s, p]) => likeRegex(p as string, true).test(s as string),
  concat_op: ([a, b]) => (a as string) + (b as string),
  regexp_matches: ([s, p]) => regex(p as string).test(s as string),
  regexp_replace: ([s, p, r, opts]) => (s as string).replace(regex(p as string, (opts as string | undefined)?.includes('g') ? 'gu' : 'u'), (r as string).replace(/\\(\d)/g, '$$$1')),
  regexp_extract: ([s, p, g]) => { const m = regex(p as string).exec(s as string); return m ? m[g === undefined ? 0 : int(g)] ?? '' : ''; },
};

/** concat(): NULLs are skipped (the only non-strict one). */
export const concat: Fn = (xs) => xs.filter((x) => x !== null).map(String).join('');
