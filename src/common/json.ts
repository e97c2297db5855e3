/**
 * JSON for values that plain JSON loses: bigints (a BIGINT or DECIMAL literal in a plan past
 * 2^53) and the non-finite doubles. They are written as {"$bigint": "123"} and {"$number":
 * "NaN" | "Infinity" | "-Infinity"}; every other value is plain JSON, so a document without
 * them reads with JSON.parse too. Tasks, results and plans cross HTTP and the journal in it.
 */
export function stringify(value: unknown, space?: number): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  }, space);
}

export function parse<T = unknown>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && typeof o.$bigint === 'string') return BigInt(o.$bigint);
      if (keys.length === 1 && typeof o.$number === 'string') return Number(o.$number);
    }
    return v;
  }) as T;
}
