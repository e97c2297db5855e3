// node scripts/perf/firstwin.mjs f.cpuprofile N : self time in the first task window vs the second task window
import { readFileSync } from 'node:fs';
const [file, N = 30] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const stackHas = (id, re) => { for (let x = id; x !== undefined; x = parent.get(x)) if (re.test(byId.get(x).callFrame.functionName)) return true; return false; };
let t = p.startTime; const times = [];
for (let i = 0; i < p.samples.length; i++) { t += p.timeDeltas[i]; times.push(t); }
// task boundaries: a sample in encodeBatch followed later by one in readCsvSplit / scan
const starts = [];
let inEncode = true;
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i];
  if (stackHas(id, /^encodeBatch$|^writeOutput$/)) inEncode = true;
  else if (inEncode && stackHas(id, /^readCsvSplit$|^scanCsvSplit$/)) { starts.push(i); inEncode = false; }
}
console.log('task starts (ms from profile start):', starts.slice(0, 8).map((i) => Math.round((times[i] - p.startTime) / 1000)).join(' '));
const win = (a, b) => { const m = new Map(); let tot = 0; for (let i = a; i < b; i++) { const d = p.timeDeltas[i + 1] ?? 0; tot += d; const k = key(byId.get(p.samples[i])); m.set(k, (m.get(k) ?? 0) + d); } return { m, tot }; };
const w1 = win(starts[0], starts[1]);
const w2 = win(starts[1], starts[2]);
console.log('first window ms', (w1.tot / 1000).toFixed(0), 'second', (w2.tot / 1000).toFixed(0));
const keys = [...new Set([...w1.m.keys(), ...w2.m.keys()])].map((k) => [k, (w1.m.get(k) ?? 0) - (w2.m.get(k) ?? 0), w1.m.get(k) ?? 0, w2.m.get(k) ?? 0]);
for (const [k, d, a, b] of keys.sort((x, y) => y[1] - x[1]).slice(0, Number(N))) console.log((d / 1000).toFixed(1).padStart(7), (a / 1000).toFixed(1).padStart(7), (b / 1000).toFixed(1).padStart(7), k);
