/**
 * The event stream: users open sessions, view products, put some in the cart and buy some
 * of those (view -> cart -> purchase of the same product in the same session). Sessions
 * overlap in time; a heap merges their events into one stream ordered by event_time.
 *
 * Session start times follow the month's calendar as a function of the share of rows
 * scheduled so far (see nextProgress), so a stream of exactly `rows` events covers Nov 1 to
 * Nov 30 whatever `rows` is. Memory stays bounded by the sessions open at one time.
 */
import { Rng, searchCumulative } from './rng.js';
import type { Catalog } from './catalog.js';
import { Calendar, MONTH_SECONDS, dayRates, solveLogNormalMu, type ScaleTargets } from './model.js';
import { formatTime, pack, setTime, uuid } from './text.js';
import { DUPLICATE_SHARE, EMPTY_SESSION_SHARE, MIX } from './taxonomy.js';

const VIEW = 0;
const CART = 1;
const PURCHASE = 2;
const TYPE_BYTES = [',view', ',cart', ',purchase'].map((x) => Buffer.from(x, 'latin1'));
const LAST_SECOND = MONTH_SECONDS - 1;
/** Longest session, in views. */
const MAX_VIEWS = 400;
/** Spread of the views-per-session distribution (log-normal). */
const VIEWS_SIGMA = 1.3;
/** After a view: look at it again / another product of the same category / another category. */
const P_REVIEW = 0.22;
const P_SAME_CATEGORY = 0.85;
/** A returning user is any earlier user with this probability, else one of last week's sessions'. */
const P_ANY_USER = 0.35;
/** Session intent: most sessions browse (cart rate x0.25), a quarter shop (x3.25); mean 1. */
const P_BROWSE = 0.75;

interface Session {
  times: number[];
  /** product * 4 + event type */
  evs: number[];
  pos: number;
  /** `,user_id,user_session` (ASCII); the last 36 bytes are the session id */
  text: Buffer;
}

export class EventStream {
  private readonly rng: Rng;
  private readonly cal: Calendar;
  private readonly cartRate: Float64Array;
  private readonly buyRate: Float64Array;
  private readonly viewsMu: number;
  private readonly pNewUser: number;
  private readonly window: number;
  private scheduled = 0;
  // arrival smoothing (see nextProgress)
  private readonly meanLen: number;
  private readonly smoothN: number;
  private made = 0;
  private drift = 0;
  private progress = 0;
  private pending: Session | null;
  private readonly heap: Session[] = [];
  // users: preferential attachment over past sessions gives Zipf-like activity per user
  private readonly userText: string[] = [];
  private readonly userIds = new Set<number>();
  private history = new Int32Array(1024);
  private sessions = 0;
  // output state
  /** `,product_id,category_id,category_code,brand,price` per product: base prices, then the alternative ones */
  private readonly ppBytes: Buffer;
  private readonly ppOff: Int32Array;
  private readonly nProd: number;
  private readonly maxRow: number;
  private readonly ts = Buffer.from(formatTime(0), 'latin1');
  private lastT = 0;
  /** End offset of the last fill(). */
  bytes = 0;
  private blankIn: number;
  private readonly pBlank: number;
  private readonly pendP: number[] = [];
  private readonly pendK: number[] = [];

  constructor(private readonly cat: Catalog, private readonly t: ScaleTargets, seed: number) {
    this.rng = new Rng(seed, 2);
    const rates = dayRates();
    this.cal = new Calendar(rates.events);
    this.cartRate = rates.cart;
    this.buyRate = rates.buy;
    const perView = (1 + (MIX.cart + MIX.purchase) / MIX.view) * (1 + DUPLICATE_SHARE);
    const meanSession = t.rows / t.sessions;
    this.meanLen = meanSession;
    this.smoothN = Math.max(10, Math.min(2000, Math.round(t.sessions / 50)));
    this.viewsMu = solveLogNormalMu(meanSession / perView - 1, VIEWS_SIGMA, MAX_VIEWS - 1);
    this.pNewUser = Math.min(1, t.users / t.sessions);
    this.window = Math.max(1, Math.round((t.sessions * 7) / 30));
    // A few empty user_session values (the real month has 10); ~4 per 1M rows.
    this.pBlank = Math.max(EMPTY_SESSION_SHARE, Math.min(1e-5, 4 / Math.max(t.rows, 1)));
    this.blankIn = Math.ceil((0.5 + this.rng.next()) / this.pBlank);
    const pt = cat.productText;
    this.nProd = pt.length;
    ({ bytes: this.ppBytes, off: this.ppOff } = pack([...pt.map((x, p) => x + cat.basePrice[p]), ...pt.map((x, p) => x + cat.altPrice[p])]));
    let maxPP = 0;
    for (let q = 0; q < 2 * this.nProd; q++) maxPP = Math.max(maxPP, this.ppOff[q + 1] - this.ppOff[q]);
    // time + ',purchase' + product and price + ',user_id,uuid' + '\n'
    this.maxRow = 23 + 9 + maxPP + 1 + 10 + 1 + 36 + 1;
    this.pending = this.makeSession();
  }

  /** Upper bound of one row's bytes, line end included. */
  get maxRowBytes(): number {
    return this.maxRow;
  }

  /**
   * Writes up to `n` rows (each ending in '\n') into `buf` from offset `start` and returns
   * the number of rows; `bytes` is then the end offset. `buf` must have room for
   * n * maxRowBytes. Fewer than `n` rows only when the stream is done.
   */
  fill(buf: Buffer, start: number, n: number): number {
    const heap = this.heap;
    const { ppBytes, ppOff, nProd } = this;
    const { altFrom, altTo } = this.cat;
    const ts = this.ts;
    let pos = start;
    let k = 0;
    while (k < n) {
      const pend = this.pending;
      if (pend !== null && (heap.length === 0 || pend.times[0] <= heap[0].times[heap[0].pos])) {
        this.push(pend);
        this.pending = this.makeSession();
        continue;
      }
      if (heap.length === 0) break;
      const s = heap[0];
      const t = s.times[s.pos];
      const e = s.evs[s.pos];
      const p = e >> 2;
      const type = e & 3;
      if (t !== this.lastT) {
        this.lastT = t;
        setTime(ts, t);
      }
      for (let i = 0; i < 23; i++) buf[pos++] = ts[i];
      const tb = TYPE_BYTES[type];
      for (let i = 0; i < tb.length; i++) buf[pos++] = tb[i];
      const q = t >= altFrom[p] && t < altTo[p] ? p + nProd : p;
      pos += ppBytes.copy(buf, pos, ppOff[q], ppOff[q + 1]);
      const st = s.text;
      let sl = st.length;
      if (type === VIEW && --this.blankIn <= 0) {
        sl -= 36; // the rare empty user_session: keep `,user_id,`
        this.blankIn = Math.ceil((0.5 + this.rng.next()) / this.pBlank);
      }
      pos += st.copy(buf, pos, 0, sl);
      buf[pos++] = 10;
      k++;
      if (++s.pos === s.times.length) this.popTop();
      else this.siftDown(0);
    }
    this.bytes = pos;
    return k;
  }

  private pickCategory(): number {
    return searchCumulative(this.cat.catCum, this.rng.next());
  }

  /** A product of category c, Zipf(1) over its popularity ranks. */
  private pickProduct(c: number): number {
    const m = this.cat.catCount[c];
    const r = Math.floor(Math.exp(this.rng.next() * this.cat.catLnM1[c])) - 1;
    return this.cat.catStart[c] + (r < m ? r : m - 1);
  }

  private gap(median: number, sigma: number, cap: number): number {
    const g = Math.round(median * Math.exp(sigma * this.rng.normal()));
    return g < cap ? g : cap;
  }

  /**
   * Share of the month at which the next session starts. Driven by the expected session
   * length, so that one long session does not leave a hole in arrivals, plus a smoothed
   * correction towards the rows really scheduled, which takes over near the end so that
   * exactly `rows` events end on Nov 30. Never decreases (the merge relies on it).
   */
  private nextProgress(): number {
    const rows = this.t.rows;
    const expected = this.made * this.meanLen;
    this.drift += (this.scheduled - expected - this.drift) / this.smoothN;
    const smooth = (expected + this.drift) / rows;
    const a = Math.min(1, (rows - this.scheduled) / (this.smoothN * this.meanLen));
    const p = a * smooth + (1 - a) * (this.scheduled / rows);
    if (p > this.progress) this.progress = p;
    this.made++;
    return this.progress;
  }

  private makeSession(): Session | null {
    const rows = this.t.rows;
    if (this.scheduled >= rows) return null;
    const rng = this.rng;
    const start = this.cal.at(this.nextProgress());
    const day = Math.floor(start / 86_400);
    const pCart = Math.min(0.9, this.cartRate[day] * (rng.next() < P_BROWSE ? 0.25 : 3.25));
    const pBuy = this.buyRate[day];
    const views = 1 + Math.min(MAX_VIEWS - 1, Math.floor(Math.exp(this.viewsMu + VIEWS_SIGMA * rng.normal())));
    const times: number[] = [];
    const evs: number[] = [];
    const add = (t: number, ev: number): void => {
      if (t > LAST_SECOND) return; // the session runs into December: not in this month's file
      times.push(t);
      evs.push(ev);
      if (rng.next() < DUPLICATE_SHARE) {
        times.push(t);
        evs.push(ev);
      }
    };
    const pendP = this.pendP;
    const pendK = this.pendK;
    pendP.length = pendK.length = 0;
    let c = this.pickCategory();
    let p = this.pickProduct(c);
    let t = start;
    for (let i = 0; i < views; i++) {
      if (i > 0) {
        t += this.gap(25, 1.1, 1800);
        const r = rng.next();
        if (r >= P_REVIEW) {
          if (r >= P_SAME_CATEGORY) c = this.pickCategory();
          p = this.pickProduct(c);
        }
      }
      add(t, p * 4 + VIEW);
      if (rng.next() < pCart) {
        t += this.gap(12, 0.8, 600);
        add(t, p * 4 + CART);
        if (rng.next() < pBuy) {
          pendP.push(p);
          pendK.push(rng.next() < 0.55 ? 0 : 1 + rng.int(3));
        }
      }
      for (let j = 0; j < pendP.length; j++) {
        if (pendK[j]-- > 0) continue;
        t += this.gap(45, 0.8, 1800);
        add(t, pendP[j] * 4 + PURCHASE);
        pendP.splice(j, 1);
        pendK.splice(j, 1);
        j--;
      }
    }
    for (let j = 0; j < pendP.length; j++) {
      t += this.gap(45, 0.8, 1800);
      add(t, pendP[j] * 4 + PURCHASE);
    }
    const room = rows - this.scheduled;
    if (times.length > room) times.length = evs.length = room; // the last session is cut at `rows`
    this.scheduled += times.length;
    const text = ',' + this.pickUser(start) + ',' + uuid(this.rng);
    return { times, evs, pos: 0, text: Buffer.from(text, 'latin1') };
  }

  private pickUser(t: number): string {
    const rng = this.rng;
    let u: number;
    const r = rng.next();
    if (this.sessions === 0 || r < this.pNewUser) u = this.newUser(t);
    else if (r < this.pNewUser + (1 - this.pNewUser) * P_ANY_USER) u = rng.int(this.userText.length);
    else {
      // Preferential attachment over the last week's sessions: active users come back more.
      const w = Math.min(this.sessions, this.window);
      u = this.history[this.sessions - 1 - rng.int(w)];
    }
    if (this.sessions === this.history.length) {
      const h = new Int32Array(this.history.length * 2);
      h.set(this.history);
      this.history = h;
    }
    this.history[this.sessions++] = u;
    return this.userText[u];
  }

  /** A new user: mostly accounts of 2019 (~5.12e8-5.66e8), new sign-ups rising through Nov. */
  private newUser(t: number): number {
    const rng = this.rng;
    let id: number;
    do {
      const r = rng.next();
      if (r < 0.01) id = 300_000_000 + rng.int(212_000_000);
      else if (r < 0.6) id = 512_000_000 + rng.int(54_000_000);
      else id = 566_000_000 + Math.floor((t / MONTH_SECONDS) * 13_500_000) + rng.int(400_000);
    } while (this.userIds.has(id));
    this.userIds.add(id);
    this.userText.push(String(id));
    return this.userText.length - 1;
  }

  // --- a binary min-heap of sessions keyed by their next event's time ---

  private push(s: Session): void {
    const heap = this.heap;
    heap.push(s);
    let i = heap.length - 1;
    const key = s.times[s.pos];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const ps = heap[parent];
      if (ps.times[ps.pos] <= key) break;
      heap[i] = ps;
      i = parent;
    }
    heap[i] = s;
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const s = heap[i];
    const key = s.times[s.pos];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ck = heap[c].times[heap[c].pos];
      if (c + 1 < n) {
        const rk = heap[c + 1].times[heap[c + 1].pos];
        if (rk < ck) {
          c++;
          ck = rk;
        }
      }
      if (key <= ck) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = s;
  }
}
