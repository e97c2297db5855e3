/**
 * Brands: the real names of each category (from the sample), plus made-up names for the
 * long tail, so that the number of distinct brands scales like the real data's.
 */
import type { Rng } from './rng.js';
import { BRAND_SUFFIXES, NULL_CODE_BRANDS, SYLLABLES } from './taxonomy.js';

/** `count` distinct lowercase made-up brand names, none equal to a name in `taken`. */
export function syntheticBrandNames(rng: Rng, count: number, taken: Set<string>): string[] {
  const out: string[] = [];
  while (out.length < count) {
    let name = '';
    const syl = 2 + (rng.next() < 0.3 ? 1 : 0);
    for (let i = 0; i < syl; i++) name += SYLLABLES[rng.int(SYLLABLES.length)];
    name += BRAND_SUFFIXES[rng.int(BRAND_SUFFIXES.length)];
    if (taken.has(name)) continue;
    taken.add(name);
    out.push(name);
  }
  return out;
}

/**
 * The brand of every product (products grouped by category, most popular first). A
 * category's list is its real brands, then made-up ones (more for categories with more
 * products). The first products of a category take one brand each, in list order, so every
 * listed brand is used; the rest pick a brand Zipf-like, which makes the listed leaders
 * (samsung, apple, xiaomi...) dominate as in the real data.
 */
export function assignBrands(rng: Rng, cats: readonly { brands: string[] }[], m: Int32Array, universe: number): string[] {
  const taken = new Set<string>(NULL_CODE_BRANDS);
  for (const c of cats) for (const b of c.brands) taken.add(b);
  const synthetic = syntheticBrandNames(rng, Math.max(0, universe - taken.size), new Set(taken));

  const lists = cats.map((c) => [...c.brands]);
  let total = 0;
  const cum = new Float64Array(cats.length);
  for (let c = 0; c < cats.length; c++) {
    total += m[c];
    cum[c] = total;
  }
  for (const name of synthetic) {
    const x = rng.next() * total;
    let c = 0;
    while (cum[c] <= x) c++;
    lists[c].push(name);
  }
  const fallback = synthetic.length > 0 ? synthetic : NULL_CODE_BRANDS;
  const brand: string[] = [];
  for (let c = 0; c < cats.length; c++) {
    const list = lists[c];
    if (list.length === 0) list.push(fallback[rng.int(fallback.length)]);
    const lnL1 = Math.log(list.length + 1);
    for (let r = 0; r < m[c]; r++) {
      if (r < list.length) brand.push(list[r]);
      else brand.push(list[Math.min(list.length - 1, Math.floor(Math.exp(rng.next() * lnL1)) - 1)]);
    }
  }
  return brand;
}
