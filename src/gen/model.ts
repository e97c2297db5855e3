/**
 * The generator's distributions at the level of the whole month: how cardinalities scale
 * with the number of rows, the calendar (when events happen) and the funnel rates per day.
 */
import { HOUR_PROFILE, MIX, dayTable } from './taxonomy.js';

/** The published full-month figures (Nov 2019, STATS.md). */
export const FULL = {
  rows: 67_501_979,
  users: 3_696_117,
  sessions: 13_776_050,
  products: 190_662,
  brands: 4_200,
  categories: 684,
  codes: 129,
};

/**
 * Heaps' law exponents (distinct ~ rows^beta) fitted to the two measured points: the
 * 17,434-row sample (6,493 products, 864 brands) and the full month (190,662, 4,200).
 */
const HEAPS_PRODUCTS = Math.log(190_662 / 6_493) / Math.log(FULL.rows / 17_434);
const HEAPS_BRANDS = Math.log(4_200 / 864) / Math.log(FULL.rows / 17_434);

export interface ScaleTargets {
  rows: number;
  /** Expected sessions (events per session as in Nov: 67.5M / 13.78M = 4.9). */
  sessions: number;
  /** Distinct users wanted: rows x 3.70M/67.5M, at least a few hundred (or one per session). */
  users: number;
  /** Distinct products wanted (Heaps' law). */
  products: number;
  /** Distinct brands wanted (Heaps' law). */
  brands: number;
}

/** How many users, products... a month of `rows` events has, scaled the way real data scales. */
export function scaleTargets(rows: number): ScaleTargets {
  const f = Math.max(rows, 1) / FULL.rows;
  const sessions = Math.max(1, (rows * FULL.sessions) / FULL.rows);
  const users = Math.max(Math.round(FULL.users * f), Math.min(300, Math.ceil(sessions)));
  const products = Math.max(Math.min(300, rows), Math.round(FULL.products * Math.pow(f, HEAPS_PRODUCTS)));
  const brands = Math.max(Math.min(60, rows), Math.round(FULL.brands * Math.pow(f, HEAPS_BRANDS)));
  return { rows, sessions, users, products, brands };
}

export const MONTH_DAYS = 30;
export const MONTH_SECONDS = MONTH_DAYS * 86_400;
/** 2019-11-01 00:00:00 UTC in ms. */
export const MONTH_START_MS = Date.UTC(2019, 10, 1);

/** Per-day funnel rates, rescaled so that the month's mix is exactly the published one. */
export interface DayRates {
  /** Probability that a view is followed by a cart of the same product (mean session). */
  cart: Float64Array;
  /** Probability that a cart is followed by a purchase. */
  buy: Float64Array;
  /** Share of the month's events on each day. */
  events: Float64Array;
}

export function dayRates(): DayRates {
  const days = dayTable();
  const n = days.length;
  const events = new Float64Array(n);
  const c = new Float64Array(n);
  const q = new Float64Array(n);
  let total = 0;
  for (let d = 0; d < n; d++) total += days[d][0];
  for (let d = 0; d < n; d++) {
    events[d] = days[d][0] / total;
    c[d] = days[d][1];
    q[d] = days[d][2];
  }
  // Solve for scale factors a (carts per view) and b (purchases per cart) such that the
  // expected month totals match MIX, given each day's share of all events.
  const wantCV = MIX.cart / MIX.view;
  const wantPC = MIX.purchase / MIX.cart;
  let a = 1;
  let b = 1;
  for (let it = 0; it < 50; it++) {
    let views = 0;
    let carts = 0;
    let buys = 0;
    for (let d = 0; d < n; d++) {
      const v = events[d] / (1 + a * c[d] * (1 + b * q[d]));
      views += v;
      carts += v * a * c[d];
      buys += v * a * c[d] * b * q[d];
    }
    a *= wantCV / (carts / views);
    b *= wantPC / (buys / carts);
  }
  const cart = new Float64Array(n);
  const buy = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    cart[d] = a * c[d];
    buy[d] = Math.min(0.95, b * q[d]);
  }
  return { cart, buy, events };
}

/**
 * Maps the share of the month's events already scheduled (0..1) to a second of the month,
 * following the per-day volumes and the hourly profile. Calls must not go backwards in
 * progress for the cursor to stay O(1); it still answers correctly if they do.
 */
export class Calendar {
  private readonly cum: Float64Array; // cumulative share at the start of each hour, length hours+1
  private cursor = 0;

  constructor(dayEvents: Float64Array) {
    const hours = dayEvents.length * 24;
    let hsum = 0;
    for (const h of HOUR_PROFILE) hsum += h;
    this.cum = new Float64Array(hours + 1);
    let acc = 0;
    for (let d = 0; d < dayEvents.length; d++) {
      for (let h = 0; h < 24; h++) {
        this.cum[d * 24 + h] = acc;
        acc += (dayEvents[d] * HOUR_PROFILE[h]) / hsum;
      }
    }
    for (let i = 0; i < hours; i++) this.cum[i] /= acc;
    this.cum[hours] = 1;
  }

  /** The second of the month (0 .. MONTH_SECONDS-1) at which `progress` of the events is reached. */
  at(progress: number): number {
    const cum = this.cum;
    const last = cum.length - 2;
    let h = this.cursor;
    if (progress < cum[h]) h = 0;
    while (h < last && cum[h + 1] <= progress) h++;
    this.cursor = h;
    const frac = (progress - cum[h]) / (cum[h + 1] - cum[h]);
    const s = h * 3600 + Math.floor(Math.min(Math.max(frac, 0), 0.99999) * 3600);
    return s < MONTH_SECONDS ? s : MONTH_SECONDS - 1;
  }
}

/** mu such that E[min(max, floor(exp(mu + sigma Z)))] equals `want` (Z standard normal). */
export function solveLogNormalMu(want: number, sigma: number, max: number): number {
  const mean = (mu: number): number => {
    let e = 0;
    for (let k = 1; k <= max; k++) e += 1 - normCdf((Math.log(k) - mu) / sigma);
    return e;
  };
  let lo = -5;
  let hi = 5;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mean(mid) < want) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function normCdf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}
