import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateEvents } from '../gen/generate.js';
import { resolveJob } from '../spec/load.js';
import type { Analysis } from '../spec/schema.js';
import { runLocal, summary } from './run.js';
import { headOutput } from './head.js';
import { count, duration, table } from './format.js';

const SHOW: Record<Analysis, { sort: string[]; what: string }> = {
  'price-sensitivity': { sort: ['-revenue', 'category_code', 'band_index'], what: 'top bands by revenue' },
  engagement: { sort: ['-interactions', 'category_code', 'brand', 'rank'], what: 'the most engaged users' },
  'top-category-brand': { sort: ['-user_interactions', 'user_id'], what: 'the most active users and their favourite pair' },
};

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('generate ~1M events (once, cached under data/demo) and run every analysis on them, printing the top rows')
    .option('--rows <n>', 'events to generate', (v) => parseInt(v, 10), 1_000_000)
    .option('--dir <dir>', 'where data and outputs go', 'data/demo')
    .action(async (flags: { rows: number; dir: string }) => {
      const input = `${flags.dir}/events`;
      const marker = `${flags.dir}/events.json`;
      const want = JSON.stringify({ rows: flags.rows, files: 2, seed: 7 });
      if (!existsSync(marker) || readFileSync(marker, 'utf8') !== want) {
        process.stderr.write(`generating ${count(flags.rows)} events into ${input}/ ...\n`);
        const g = await generateEvents({ rows: flags.rows, files: 2, seed: 7, out: input, gzip: false });
        writeFileSync(marker, want);
        process.stderr.write(`generated ${count(g.rows)} events in ${duration(g.ms)}\n`);
      } else process.stderr.write(`using the events generated earlier in ${input}/\n`);
      for (const analysis of Object.keys(SHOW) as Analysis[]) {
        const out = `${flags.dir}/out/${analysis}`;
        const job = resolveJob({
          apiVersion: 'kindling.dev/v1alpha1',
          kind: 'KindlingJob',
          metadata: { name: `demo-${analysis}` },
          spec: { analysis, input: { uri: input, format: 'csv' }, output: { uri: out, overwrite: true }, shuffle: { partitions: 4 }, workers: { replicas: 2, threads: 1 } },
        });
        const manifest = await runLocal(job, {});
        process.stdout.write(`\n== ${analysis} ==\n${summary(job, manifest)}\n`);
        const head = await headOutput(out, { limit: 10, sort: SHOW[analysis].sort });
        process.stdout.write(`\n${SHOW[analysis].what} (${head.table}, ${count(head.total)} rows):\n`);
        process.stdout.write(table(head.columns, head.rows.map((r) => head.columns.map((c) => r[c]))) + '\n');
      }
    });
}
