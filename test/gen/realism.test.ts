/**
 * The generated data against the published Nov 2019 statistics (STATS.md), on 200k rows.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEvents } from '../../src/gen/generate.js';
import { scaleTargets } from '../../src/gen/model.js';

const ROWS = 200_000;
let dir = '';
let rows: string[][] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kindling-gen-real-'));
  const r = await generateEvents({ rows: ROWS, files: 2, seed: 11, out: dir, gzip: false });
  rows = [];
  for (const f of r.files) {
    const lines = (await readFile(f.uri, 'latin1')).split('\n');
    for (let i = 1; i < lines.length; i++) if (lines[i] !== '') rows.push(lines[i].split(','));
  }
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pct = (n: number): number => (100 * n) / rows.length;
const count = (f: (r: string[]) => boolean): number => rows.reduce((a, r) => a + (f(r) ? 1 : 0), 0);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

test('event mix ~94.15% view / 4.49% cart / 1.36% purchase', () => {
  assert.equal(rows.length, ROWS);
  const view = pct(count((r) => r[1] === 'view'));
  const cart = pct(count((r) => r[1] === 'cart'));
  const purchase = pct(count((r) => r[1] === 'purchase'));
  assert.ok(Math.abs(view - 94.15) < 0.6, `view ${view}`);
  assert.ok(Math.abs(cart - 4.49) < 0.5, `cart ${cart}`);
  assert.ok(Math.abs(purchase - 1.36) < 0.25, `purchase ${purchase}`);
});

test('missing values: category_code ~32.4%, brand ~13.7%, user_session almost never', () => {
  const code = pct(count((r) => r[4] === ''));
  const brand = pct(count((r) => r[5] === ''));
  assert.ok(Math.abs(code - 32.44) < 2.5, `empty category_code ${code}`);
  assert.ok(Math.abs(brand - 13.66) < 2.5, `empty brand ${brand}`);
  const blank = count((r) => r[8] === '');
  assert.ok(blank >= 1 && blank <= 20, `empty user_session in ${blank} rows`);
  for (const i of [0, 1, 2, 3, 6, 7]) assert.equal(count((r) => r[i] === ''), 0, `column ${i} is never empty`);
});

test('category_id is a 19-digit integer above 2^53; product -> category -> code are functional', () => {
  const catOf = new Map<string, string>();
  const codeOf = new Map<string, string>();
  const codes = new Set<string>();
  for (const r of rows) {
    const id = BigInt(r[3]);
    assert.ok(id > 2n ** 53n && r[3].length === 19, r[3]);
    assert.equal(catOf.get(r[2]) ?? r[3], r[3], `product ${r[2]} has one category`);
    catOf.set(r[2], r[3]);
    assert.equal(codeOf.get(r[3]) ?? r[4], r[4], `category ${r[3]} has one code`);
    codeOf.set(r[3], r[4]);
    if (r[4] !== '') {
      codes.add(r[4]);
      const depth = r[4].split('.').length;
      assert.ok(depth >= 2 && depth <= 4, r[4]);
    }
  }
  assert.ok(codeOf.size > 400 && codeOf.size <= 684, `categories ${codeOf.size}`);
  assert.ok(codes.size > 100 && codes.size <= 129, `codes ${codes.size}`);
  assert.ok(codes.has('electronics.smartphone') && codes.has('appliances.kitchen.washer'));
  // The ids really need int64: most of them do not survive a round trip through a double.
  const ids = [...codeOf.keys()];
  assert.ok(ids.filter((x) => BigInt(Number(x)) !== BigInt(x)).length > ids.length / 2);
});

test('funnels: a purchase follows a cart, a cart follows a view, of the same product in the same session', () => {
  const seen = new Map<string, Set<string>>(); // session -> 'type:product'
  let purchases = 0;
  for (const r of rows) {
    if (r[8] === '') continue;
    const s = seen.get(r[8]) ?? new Set<string>();
    seen.set(r[8], s);
    if (r[1] === 'purchase') {
      purchases++;
      assert.ok(s.has('cart:' + r[2]), `purchase without an earlier cart: ${r.join(',')}`);
    } else if (r[1] === 'cart') {
      assert.ok(s.has('view:' + r[2]), `cart without an earlier view: ${r.join(',')}`);
    }
    s.add(r[1] + ':' + r[2]);
  }
  assert.ok(purchases > 0);
  const users = new Map<string, string>();
  for (const r of rows) if (r[8] !== '') assert.equal(users.get(r[8]) ?? r[7], r[7], 'a session has one user');
  for (const r of rows) if (r[8] !== '') users.set(r[8], r[7]);
});

test('prices: two decimals, 0..2574.07, skewed like Nov 2019 (median ~165, p90 ~758)', () => {
  const prices = rows.map((r) => Number(r[6])).sort((a, b) => a - b);
  assert.ok(prices[0] >= 0 && prices[prices.length - 1] <= 2574.07);
  const median = quantile(prices, 0.5);
  const p90 = quantile(prices, 0.9);
  assert.ok(median > 130 && median < 200, `median ${median}`);
  assert.ok(p90 > 620 && p90 < 900, `p90 ${p90}`);
  const zero = pct(count((r) => r[6] === '0.00'));
  assert.ok(zero > 0 && zero < 1.5, `price 0 in ${zero}% of rows`);
  // A product has a stable price: at most two distinct prices over the month.
  const pricesOf = new Map<string, Set<string>>();
  for (const r of rows) pricesOf.set(r[2], (pricesOf.get(r[2]) ?? new Set()).add(r[6]));
  for (const [p, s] of pricesOf) assert.ok(s.size <= 2, `product ${p} has prices ${[...s]}`);
});

test('cardinalities scale like the real data (users ~ rows x 3.70M/67.5M)', () => {
  const t = scaleTargets(ROWS);
  const users = new Set(rows.map((r) => r[7])).size;
  const products = new Set(rows.map((r) => r[2])).size;
  const brands = new Set(rows.map((r) => r[5]).filter((b) => b !== '')).size;
  const sessions = new Set(rows.map((r) => r[8])).size;
  assert.ok(Math.abs(users / t.users - 1) < 0.1, `users ${users} vs ${t.users}`);
  assert.ok(Math.abs(products / t.products - 1) < 0.15, `products ${products} vs ${t.products}`);
  assert.ok(Math.abs(brands / t.brands - 1) < 0.25, `brands ${brands} vs ${t.brands}`);
  assert.ok(Math.abs(sessions / t.sessions - 1) < 0.1, `sessions ${sessions} vs ${t.sessions}`);
  for (const r of rows) assert.ok(Number(r[7]) >= 1e8 && Number(r[7]) < 6e8, r[7]);
  // Zipf-like: the busiest user and product are far above the median.
  const perProduct = new Map<string, number>();
  for (const r of rows) perProduct.set(r[2], (perProduct.get(r[2]) ?? 0) + 1);
  const counts = [...perProduct.values()].sort((a, b) => a - b);
  assert.ok(counts[counts.length - 1] > 50 * quantile(counts, 0.5));
});

test('time covers Nov 2019 with the Nov 15-17 sale', () => {
  const perDay = new Array<number>(31).fill(0);
  const buysPerDay = new Array<number>(31).fill(0);
  for (const r of rows) {
    const d = Number(r[0].slice(8, 10));
    perDay[d]++;
    if (r[1] === 'purchase') buysPerDay[d]++;
  }
  for (let d = 1; d <= 30; d++) assert.ok(perDay[d] > 0, `day ${d} has events`);
  assert.ok(perDay[16] > 2 * perDay[12], 'the sale weekend is busier');
  assert.ok(buysPerDay[17] > 3 * buysPerDay[12], 'purchases peak on Nov 17');
});
