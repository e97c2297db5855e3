#!/usr/bin/env node
// Fails when the TypeScript sources under src/ import each other in a cycle (DESIGN.md section 3),
// or when a layer of the query engine imports a layer above it (DESIGN.md section 5). The layers,
// bottom up (a layer may import its own and the ones below):
//   common, types < storage < formats < plan/logical < sql < plan/optimize < plan/physical < exec/expr < exec/ops < engine
// (the planner gets what it needs from the executor passed in, e.g. constant folding's evaluator).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const files = [];
(function walk(d) {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
})(root);

const graph = new Map();
const importRe = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;
for (const f of files) {
  const deps = [];
  for (const m of readFileSync(f, 'utf8').matchAll(importRe)) deps.push(resolve(dirname(f), m[1].replace(/\.js$/, '.ts')));
  graph.set(f, deps);
}

const state = new Map(); // 1 = on stack, 2 = done
const cycles = [];
function visit(f, stack) {
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (!graph.has(d)) continue;
    if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(root, x)).join(' -> '));
    else if (!state.get(d)) visit(d, stack);
  }
  stack.pop();
  state.set(f, 2);
}
for (const f of files) if (!state.get(f)) visit(f, []);

if (cycles.length) {
  console.error(`circular imports (${cycles.length}):\n  ${cycles.join('\n  ')}`);
  process.exit(1);
}

const LAYERS = [['common', 0], ['types', 0], ['storage', 1], ['formats', 2], ['plan/logical', 3], ['sql', 4], ['plan/optimize', 5], ['plan/physical', 5.5], ['exec/expr', 6], ['exec/ops', 7], ['engine', 8]];
const layerOf = (f) => {
  const r = relative(root, f).split('\\').join('/');
  return LAYERS.filter(([d]) => r.startsWith(`${d}/`)).sort((a, b) => b[0].length - a[0].length)[0];
};
const upward = [];
for (const [f, deps] of graph) {
  const from = layerOf(f);
  if (!from) continue;
  for (const d of deps) {
    const to = layerOf(d);
    if (to && to[1] > from[1]) upward.push(`${relative(root, f)} (${from[0]}) imports ${relative(root, d)} (${to[0]}, a layer above)`);
  }
}
if (upward.length) {
  console.error(`imports running up the engine's layers (${upward.length}):\n  ${upward.join('\n  ')}`);
  process.exit(1);
}
console.log(`no circular imports among ${files.length} files; no engine layer imports one above it`);
