/**
 * Reduce-side finishing: final aggregate values -> window sums -> top-K per group ->
 * output columns. Works on group indices and typed arrays; strings only for output.
 */
import { KindlingError } from '../common/errors.js';
import type { AggregateQuery, OrderKey, OutExpr } from '../plan/logical.js';
import type { Aggregator } from './aggregate.js';
import { GroupTable } from './ops/group-table.js';
import type { OutColumn, OutTable } from '../types/table.js';

type Field =
  | { kind: 'str'; dict: string[]; c: number; t: GroupTable }
  | { kind: 'num'; get: (g: number) => number; scale: number };

export function finalize(q: AggregateQuery, agg: Aggregator, keyDicts: (string[] | null)[]): OutTable {
  const G = agg.groups;
  const t = agg.table;
  const fields = new Map<string, Field>();
  const scaleOf = (name: string) => q.schema.find((c) => c.name === name && c.type === 'decimal')?.scale ?? 0;
  q.groupBy.forEach((name, c) => {
    const dict = keyDicts[c];
    fields.set(name, dict ? { kind: 'str', dict, c, t } : { kind: 'num', get: (g) => t.key(g, c), scale: scaleOf(name) });
  });
  const results = agg.results();
  q.aggregates.forEach((a, j) => {
    const r = results[j];
    const scale = a.fn === 'count' || a.fn === 'countDistinct' ? 0 : scaleOf(a.column);
    fields.set(a.name, { kind: 'num', get: (g) => r[g], scale });
  });
  // Window and top-K usually share their partitionBy: bucket once per key list.
  const bucketCache = new Map<string, Int32Array>();
  const bucketsBy = (keys: string[]): Int32Array => {
    const cached = bucketCache.get(keys.join('\u0000'));
    if (cached) return cached;
    const idx = keys.map((k) => q.groupBy.indexOf(k));
    const cols = idx.map((c) => {
      const out = new Float64Array(G);
      for (let g = 0; g < G; g++) out[g] = t.key(g, c);
      return out;
    });
    const b = new Int32Array(G);
    new GroupTable(idx.length, Math.max(16, G)).insert(cols, G, b);
    bucketCache.set(keys.join('\u0000'), b);
    return b;
  };
  if (q.window) {
    const wb = bucketsBy(q.window.partitionBy);
    for (const w of q.window.sums) {
      const src = fields.get(w.of) as Extract<Field, { kind: 'num' }>;
      const tot = new Float64Array(G);
      for (let g = 0; g < G; g++) tot[wb[g]] += src.get(g);
      fields.set(w.name, { kind: 'num', get: (g) => tot[wb[g]], scale: src.scale });
    }
  }
  let selected: Int32Array;
  let ranks: Int32Array | null = null;
  if (q.topK) {
    const { k, orderBy } = q.topK;
    const tb = bucketsBy(q.topK.partitionBy);
    const cmp = comparator(orderBy.map((o) => [fields.get(o.name)!, o] as const), G);
    let buckets = 0;
    for (let g = 0; g < G; g++) if (tb[g] >= buckets) buckets = tb[g] + 1;
    const best = new Int32Array(buckets * k);
    const count = new Int32Array(buckets);
    for (let g = 0; g < G; g++) {
      const b = tb[g];
      const base = b * k;
      let n = count[b];
      if (n === k && cmp(g, best[base + k - 1]) >= 0) continue;
      if (n < k) count[b] = ++n;
      let i = n - 1; // insertion into the sorted top list
      while (i > 0 && cmp(g, best[base + i - 1]) < 0) {
        best[base + i] = best[base + i - 1];
        i--;
      }
      best[base + i] = g;
    }
    let total = 0;
    for (let b = 0; b < buckets; b++) total += count[b];
    selected = new Int32Array(total);
    ranks = new Int32Array(total);
    let r = 0;
    for (let b = 0; b < buckets; b++) {
      for (let i = 0; i < count[b]; i++) {
        selected[r] = best[b * k + i];
        ranks[r++] = i + 1;
      }
    }
    if (q.topK.rank) {
      const rank = new Int32Array(G);
      for (let r2 = 0; r2 < total; r2++) rank[selected[r2]] = ranks[r2];
      fields.set(q.topK.rank, { kind: 'num', get: (g) => rank[g], scale: 0 });
    }
  } else {
    selected = new Int32Array(G);
    for (let g = 0; g < G; g++) selected[g] = g;
  }
  const columns = q.output.map((o) => outputColumn(o.name, o.type, o.expr, fields, selected));
  return { rows: selected.length, columns };
}

/**
 * Order keys become one numeric array per key (strings by their rank in the sorted
 * dictionary, null as NaN), so comparing two groups is a few array reads, not string compares.
 */
function comparator(keys: (readonly [Field, OrderKey])[], G: number) {
  const cols = keys.map(([f]) => {
    const out = new Float64Array(G);
    if (f.kind === 'str') {
      const order = f.dict.map((_, i) => i).sort((a, b) => (f.dict[a] < f.dict[b] ? -1 : f.dict[a] > f.dict[b] ? 1 : 0));
      const rank = new Float64Array(f.dict.length);
      order.forEach((id, r) => (rank[id] = r));
      for (let g = 0; g < G; g++) {
        const id = f.t.key(g, f.c);
        out[g] = id < 0 ? NaN : rank[id];
      }
    } else for (let g = 0; g < G; g++) out[g] = f.get(g);
    return out;
  });
  const desc = keys.map(([, o]) => (o.desc ? -1 : 1));
  const nullSign = keys.map(([, o]) => (o.nullsFirst ? -1 : 1));
  const n = keys.length;
  return (a: number, b: number): number => {
    for (let k = 0; k < n; k++) {
      const x = cols[k][a];
      const y = cols[k][b];
      if (x === y) continue;
      const xn = x !== x;
      const yn = y !== y;
      if (xn && yn) continue;
      if (xn || yn) return (xn ? 1 : -1) * nullSign[k];
      return x < y ? -desc[k] : desc[k];
    }
    return 0;
  };
}

function strAt(f: Extract<Field, { kind: 'str' }>, g: number): string | null {
  const id = f.t.key(g, f.c);
  return id < 0 ? null : f.dict[id];
}

function outputColumn(name: string, type: OutColumn['type'], e: OutExpr, fields: Map<string, Field>, rows: Int32Array): OutColumn {
  const n = rows.length;
  const value = compile(e, fields);
  if (type === 'utf8') {
    const values: (string | null)[] = new Array(n);
    for (let r = 0; r < n; r++) {
      const v = value(rows[r]);
      values[r] = v === null ? null : String(v);
    }
    return { name, type, values };
  }
  const values = type === 'int32' ? new Int32Array(n) : new Float64Array(n);
  let nulls: Uint8Array | undefined;
  for (let r = 0; r < n; r++) {
    const v = value(rows[r]);
    if (v === null || typeof v !== 'number' || v !== v) {
      if (typeof v === 'string') throw new KindlingError('INTERNAL', `output ${name}: expected a number`);
      (nulls ??= new Uint8Array(n))[r] = 1;
    } else values[r] = v;
  }
  return type === 'int32' ? { name, type, values: values as Int32Array, nulls } : { name, type, values: values as Float64Array, nulls };
}

function compile(e: OutExpr, fields: Map<string, Field>): (g: number) => number | string | null {
  switch (e.op) {
    case 'col': {
      const f = fields.get(e.name);
      if (!f) throw new KindlingError('INTERNAL', `unknown output column ${e.name}`);
      if (f.kind === 'str') return (g) => strAt(f, g);
      const div = 10 ** f.scale;
      // min/max over no values stay at +-Infinity: that is null.
      return (g) => {
        const v = f.get(g);
        return v === Infinity || v === -Infinity ? null : f.scale === 0 ? v : v / div;
      };
    }
    case 'div': {
      const num = compile(e.num, fields);
      const den = compile(e.den, fields);
      return (g) => {
        const d = den(g) as number | null;
        const x = num(g) as number | null;
        return d === null || d === 0 || x === null ? null : x / d;
      };
    }
    case 'label': {
      const arg = compile(e.arg, fields);
      return (g) => {
        const i = arg(g) as number | null;
        return i === null || i !== i ? null : e.labels[i];
      };
    }
  }
}
