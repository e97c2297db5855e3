// [INCL=1] node scripts/perf/prof.mjs f.cpuprofile N : top functions by self (or inclusive) time
import { readFileSync } from 'node:fs';
const [file, N = 40] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const incl = new Map();
let total = 0;
for (const [id, t] of dt) {
  total += t;
  const n = byId.get(id);
  self.set(key(n), (self.get(key(n)) ?? 0) + t);
  if (process.env.INCL) {
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) { const k = key(byId.get(x)); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + t); } }
  }
}
const m = process.env.INCL ? incl : self;
console.log('total ms', (total / 1000).toFixed(0));
for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(N))) console.log((t / 1000).toFixed(1).padStart(8), k);
