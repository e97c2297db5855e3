/**
 * The store's catalog: categories (19-digit ids, dotted codes), brands and products with
 * their prices, built deterministically from the seed and scaled to the number of rows.
 *
 * product_id -> category_id and category_id -> category_code are functional by construction.
 * Products are grouped by category in popularity order, so the session model picks a
 * product as `catStart[c] + zipfRank`.
 */
import type { Rng } from './rng.js';
import { FULL, MONTH_SECONDS, type ScaleTargets } from './model.js';
import { assignBrands } from './brands.js';
import {
  CODES_TABLE, NULL_BRAND_SHARE, NULL_CODE_BRANDS, NULL_CODE_SHARE, TOP_LEVEL_VIEWS, ZERO_PRICE_SHARE,
  MULTI_PRICE_PRODUCT_SHARE,
} from './taxonomy.js';

export interface Category {
  id: string;
  code: string;
  weight: number;
  medianPrice: number;
  brands: string[];
}

export interface Catalog {
  categories: Category[];
  /** Cumulative category weights (last = 1), for picking a category. */
  catCum: Float64Array;
  /** First product index and product count of each category; ln(count + 1) for the Zipf pick. */
  catStart: Int32Array;
  catCount: Int32Array;
  catLnM1: Float64Array;
  /** `,product_id,category_id,category_code,brand,` of each product, ready to splice into a row. */
  productText: string[];
  /** Price text; `altPrice` applies for event seconds in [altFrom, altTo). */
  basePrice: string[];
  altPrice: string[];
  altFrom: Int32Array;
  altTo: Int32Array;
}

const MAX_PRICE_CENTS = 257_407;
const MIN_PRICE_CENTS = 77;
/** Products per category grow like weight^ALLOC_EXP (popular categories have more products). */
const ALLOC_EXP = 0.75;
/** Spread of product prices around their category's median (log scale). */
const PRICE_SIGMA = 0.7;
/** Brands in the catalog per distinct brand wanted (some brands' products are never seen). */
const BRAND_UNIVERSE = 1.0;

interface CodeRow { code: string; rows: number; ids: number; median: number; brands: string[] }

function parseCodes(): CodeRow[] {
  return CODES_TABLE.trim().split('\n').map((line) => {
    const [code, rows, ids, median, ...brands] = line.trim().split(/\s+/);
    return { code, rows: Number(rows), ids: Number(ids), median: Number(median), brands };
  });
}

/** 19-digit category ids: most in the 2053013... family of the real data, the rest later ones. */
function categoryId(rng: Rng, family: boolean, seen: Set<string>): string {
  for (;;) {
    const r = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
    const id = family
      ? 2_053_013_552_000_000_000n + (r % 14_600_000_000n)
      : 2_055_000_000_000_000_000n + (r % 180_000_000_000_000_000n);
    const s = id.toString();
    if (!seen.has(s)) {
      seen.add(s);
      return s;
    }
  }
}

function buildCategories(rng: Rng): Category[] {
  const codes = parseCodes();
  const topRows: Record<string, number> = {};
  for (const c of codes) {
    const top = c.code.split('.')[0];
    topRows[top] = (topRows[top] ?? 0) + c.rows;
  }
  let topTotal = 0;
  for (const v of Object.values(TOP_LEVEL_VIEWS)) topTotal += v;
  const seen = new Set<string>();
  const cats: Category[] = [];
  for (const c of codes) {
    const top = c.code.split('.')[0];
    const codeWeight = (c.rows / topRows[top]) * (TOP_LEVEL_VIEWS[top] / topTotal) * (1 - NULL_CODE_SHARE);
    // Published: 58 of 129 codes map to more than one category_id; the sample shows ~37.
    const k = c.ids + (c.ids === 1 && rng.next() < 0.25 ? 1 : 0);
    let wsum = 0;
    for (let j = 0; j < k; j++) wsum += 1 / Math.pow(j + 1, 1.5);
    for (let j = 0; j < k; j++) {
      cats.push({
        id: categoryId(rng, rng.next() < 0.9, seen),
        code: c.code,
        weight: (codeWeight * (1 / Math.pow(j + 1, 1.5))) / wsum,
        medianPrice: c.median * (j === 0 ? 1 : rng.logNormal(0, 0.3)),
        brands: j === 0 ? c.brands : c.brands.filter(() => rng.next() < 0.5),
      });
    }
  }
  // Categories without a code: the rest of the published 684 ids, Zipf-weighted.
  const nNull = Math.max(1, FULL.categories - cats.length);
  let zsum = 0;
  for (let j = 0; j < nNull; j++) zsum += 1 / Math.pow(j + 1, 1.1);
  for (let j = 0; j < nNull; j++) {
    const brands: string[] = [];
    if (j < NULL_CODE_BRANDS.length) brands.push(NULL_CODE_BRANDS[j]);
    if (rng.next() < 0.3) brands.push(NULL_CODE_BRANDS[rng.int(NULL_CODE_BRANDS.length)]);
    cats.push({
      id: categoryId(rng, rng.next() < 0.55, seen),
      code: '',
      weight: (NULL_CODE_SHARE * (1 / Math.pow(j + 1, 1.1))) / zsum,
      medianPrice: Math.min(900, Math.max(3, rng.logNormal(Math.log(60), 1.0))),
      brands: [...new Set(brands)],
    });
  }
  return cats;
}

/** Product counts per category for a universe of `p` products. */
function allocate(cats: Category[], p: number): Int32Array {
  let s = 0;
  for (const c of cats) s += Math.pow(c.weight, ALLOC_EXP);
  const m = new Int32Array(cats.length);
  for (let i = 0; i < cats.length; i++) m[i] = Math.max(1, Math.round((p * Math.pow(cats[i].weight, ALLOC_EXP)) / s));
  return m;
}

/** Expected distinct products seen in `rows` events, with Zipf(1) popularity inside each category. */
function expectedDistinct(cats: Category[], m: Int32Array, rows: number): number {
  let e = 0;
  for (let c = 0; c < cats.length; c++) {
    const k = (rows * cats[c].weight) / Math.log(m[c] + 1);
    for (let r = 0; r < m[c]; r++) e += 1 - Math.exp(-k * Math.log((r + 2) / (r + 1)));
  }
  return e;
}

/** The product universe whose expected number of distinct products seen matches the target. */
function solveProductCounts(cats: Category[], t: ScaleTargets): Int32Array {
  const enough = (p: number): boolean => expectedDistinct(cats, allocate(cats, p), t.rows) >= t.products;
  let lo = Math.max(1, t.products);
  if (enough(lo)) return allocate(cats, lo);
  let hi = Math.ceil(lo * 1.25);
  while (!enough(hi) && hi < t.products * 40) {
    lo = hi;
    hi = Math.ceil(hi * 1.25);
  }
  while (hi - lo > Math.max(1, lo * 0.002)) {
    const mid = Math.round((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid;
  }
  return allocate(cats, hi);
}

/** Distinct product-id blocks (id = prefix * 100000 + serial): 7- and 8-digit ids, a few 9-digit. */
function productIds(rng: Rng, cats: Category[], m: Int32Array): number[][] {
  const prefixes: number[] = [];
  for (let p = 10; p < 1000; p++) prefixes.push(p);
  rng.shuffle(prefixes);
  const late: number[] = [];
  for (let p = 1000; p < 1010; p++) late.push(p);
  const out: number[][] = [];
  for (let c = 0; c < cats.length; c++) {
    const blocks = Math.ceil(m[c] / 80_000);
    const mine: number[] = [];
    for (let b = 0; b < blocks; b++) {
      const useLate = cats[c].code === '' && late.length > 0 && rng.next() < 0.05;
      const pre = useLate ? late.pop() : prefixes.pop();
      if (pre === undefined) throw new Error('generator: out of product id prefixes');
      mine.push(pre);
    }
    const cap = blocks * 99_000;
    const gap = Math.floor(cap / m[c]);
    const ids: number[] = [];
    for (let r = 0; r < m[c]; r++) {
      const serial = r * gap + rng.int(gap);
      ids.push(mine[Math.floor(serial / 99_000)] * 100_000 + (serial % 99_000) + 500);
    }
    out.push(rng.shuffle(ids));
  }
  return out;
}

function priceText(cents: number): string {
  const s = String(cents);
  if (cents < 10) return '0.0' + s;
  if (cents < 100) return '0.' + s;
  return s.slice(0, -2) + '.' + s.slice(-2);
}

export function buildCatalog(t: ScaleTargets, rng: Rng): Catalog {
  const cats = buildCategories(rng);
  const m = solveProductCounts(cats, t);
  const ids = productIds(rng, cats, m);
  const n = m.reduce((a, b) => a + b, 0);

  const catCum = new Float64Array(cats.length);
  const catStart = new Int32Array(cats.length);
  const catLnM1 = new Float64Array(cats.length);
  const weight = new Float64Array(n); // expected share of rows per product
  const catOf = new Int32Array(n);
  let acc = 0;
  let start = 0;
  for (let c = 0; c < cats.length; c++) {
    acc += cats[c].weight;
    catCum[c] = acc;
    catStart[c] = start;
    catLnM1[c] = Math.log(m[c] + 1);
    for (let r = 0; r < m[c]; r++) {
      weight[start + r] = (cats[c].weight * Math.log((r + 2) / (r + 1))) / catLnM1[c];
      catOf[start + r] = c;
    }
    start += m[c];
  }
  for (let c = 0; c < cats.length; c++) catCum[c] /= acc;
  catCum[cats.length - 1] = 1;

  // Brands: the real names of each category first, then made-up names for the long tail.
  const brand = assignBrands(rng, cats, m, Math.round(t.brands * BRAND_UNIVERSE));
  // Empty brands: more often where the category has no code too (26.7% vs 8.0% in the sample).
  const noCodeNoBrand = NULL_CODE_SHARE * 0.267;
  markShare(rng, weight, (p) => cats[catOf[p]].code === '', noCodeNoBrand, (p) => (brand[p] = ''));
  markShare(rng, weight, (p) => cats[catOf[p]].code !== '', NULL_BRAND_SHARE - noCodeNoBrand, (p) => (brand[p] = ''));

  // Prices: log-normal around the category median, a stable price per product.
  const cents = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    let v = 0;
    for (let k = 0; k < 6; k++) {
      v = Math.round(cats[catOf[p]].medianPrice * 100 * rng.logNormal(0, PRICE_SIGMA));
      if (v <= MAX_PRICE_CENTS) break;
    }
    cents[p] = Math.min(MAX_PRICE_CENTS, Math.max(MIN_PRICE_CENTS, v));
  }
  fitPrices(cents, weight);
  // The published maximum, 2574.07, on an expensive product seen now and then (~1 row in 10k).
  let top = -1;
  for (let p = 0; p < n; p++) if (cents[p] > 180_000 && weight[p] < 1e-4 && (top < 0 || weight[p] > weight[top])) top = p;
  if (top >= 0) cents[top] = MAX_PRICE_CENTS;
  markShare(rng, weight, (p) => p !== top, ZERO_PRICE_SHARE, (p) => (cents[p] = 0));

  // Some products change price during the month: a permanent change or the Nov 15-17 sale.
  const basePrice: string[] = new Array(n);
  const altPrice: string[] = new Array(n);
  const altFrom = new Int32Array(n).fill(MONTH_SECONDS);
  const altTo = new Int32Array(n).fill(MONTH_SECONDS);
  const productText: string[] = new Array(n);
  for (let p = 0; p < n; p++) {
    basePrice[p] = altPrice[p] = priceText(cents[p]);
    if (cents[p] > 0 && rng.next() < MULTI_PRICE_PRODUCT_SHARE) {
      const sale = rng.next() < 0.4;
      const alt = sale ? cents[p] * (0.75 + 0.2 * rng.next()) : cents[p] * rng.logNormal(0, 0.06);
      altPrice[p] = priceText(Math.min(MAX_PRICE_CENTS, Math.max(MIN_PRICE_CENTS, Math.round(alt))));
      altFrom[p] = sale ? 14 * 86_400 : rng.int(MONTH_SECONDS);
      altTo[p] = sale ? 17 * 86_400 : MONTH_SECONDS;
    }
    const c = cats[catOf[p]];
    productText[p] = `,${ids[catOf[p]][p - catStart[catOf[p]]]},${c.id},${c.code},${brand[p]},`;
  }
  return { categories: cats, catCum, catStart, catCount: m, catLnM1, productText, basePrice, altPrice, altFrom, altTo };
}

/**
 * Row-weighted price quantiles to match (share of rows, price): Nov 2019 p50/p90/p99 and the
 * range from STATS.md; p10, p25 and p75 from the real October sample, scaled to Nov's median.
 */
const PRICE_KNOTS: [number, number][] = [
  [0, 0.77], [0.1, 31.5], [0.25, 63.7], [0.5, 164.61], [0.75, 383.8], [0.9, 758.24], [0.99, 1681.9], [1, 2574.07],
];

/**
 * Maps product prices monotonically (log-linear between knots) so that the expected
 * row-weighted distribution has the published quantiles; the order of prices is kept.
 */
function fitPrices(cents: Int32Array, weight: Float64Array): void {
  const n = cents.length;
  if (n < 20) return;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => cents[a] - cents[b] || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += weight[i];
  const from: number[] = [Math.log(cents[order[0]])];
  let acc = 0;
  let k = 1;
  for (const p of order) {
    acc += weight[p];
    for (; k < PRICE_KNOTS.length - 1 && acc >= PRICE_KNOTS[k][0] * total; k++) from.push(Math.log(cents[p]));
  }
  while (from.length < PRICE_KNOTS.length) from.push(Math.log(cents[order[n - 1]]));
  const to = PRICE_KNOTS.map(([, v]) => Math.log(v * 100));
  for (let i = 0; i < n; i++) {
    const x = Math.log(cents[i]);
    let j = 0;
    while (j < from.length - 2 && x > from[j + 1]) j++;
    const span = from[j + 1] - from[j];
    const f = span > 0 ? Math.min(1, Math.max(0, (x - from[j]) / span)) : 0.5;
    cents[i] = Math.min(MAX_PRICE_CENTS, Math.max(MIN_PRICE_CENTS, Math.round(Math.exp(to[j] + f * (to[j + 1] - to[j])))));
  }
}

/**
 * Applies `mark` to randomly chosen products of a group until they carry `share` of the
 * expected rows. Heavy products (over 0.15% of rows each) are skipped so that the realised
 * share stays close to the target at any scale.
 */
function markShare(rng: Rng, weight: Float64Array, inGroup: (p: number) => boolean, share: number, mark: (p: number) => void): void {
  const cap = Math.max(0.0015, 3 / weight.length);
  const order: number[] = [];
  for (let p = 0; p < weight.length; p++) if (inGroup(p)) order.push(p);
  rng.shuffle(order);
  let acc = 0;
  for (const p of order) {
    if (acc >= share) break;
    if (weight[p] > cap || acc + weight[p] > share * 1.002) continue;
    acc += weight[p];
    mark(p);
  }
}
