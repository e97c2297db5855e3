#!/usr/bin/env node
// Fails when the TypeScript sources under src/ import each other in a cycle (DESIGN.md section 3).
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
console.log(`no circular imports among ${files.length} files`);
