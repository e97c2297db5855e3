/**
 * `kindling generate`: writes a synthetic, seeded REES46 clickstream month for demos,
 * tests and benchmarks.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { generateEvents, type GenerateResult } from '../gen/generate.js';
import { configureStorage, storeFor } from '../storage/index.js';

/** Parses a count: 1000000, 1_000_000, 1e6, 500k, 2M. */
export function parseCount(value: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec(value.replace(/_/g, '').trim());
  const n = m ? Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number, e.g. 1000000, 1e6, 500k or 2M');
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

const HELP_AFTER = `
Output:
  <out>/events-00000.csv ... (events-NNNNN.csv.gz with --gzip), each with the header
  event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session
  Rows are split evenly over the files; the files are consecutive time slices of one
  month (2019-11-01 .. 2019-11-30 UTC), ordered by event_time. Files of an earlier run
  with the same naming that this run does not write are deleted.

What the data looks like (the published Nov 2019 figures of the REES46 dataset):
  event mix ~94.15% view / 4.49% cart / 1.36% purchase, with view -> cart -> purchase
  funnels inside sessions and a sale on Nov 15-17; ~32% empty category_code, ~14% empty
  brand; 19-digit category ids (above 2^53); prices 0-2574.07 with median ~165; Zipf-like
  users, products and brands, their counts scaled with --rows like real data
  (1M rows: ~54k users, ~34k products, ~1.8k brands).

Examples:
  $ kindling generate --out data/events                          # 1M rows, one file
  $ kindling generate --out data/events --rows 2M --files 8 --gzip
  $ kindling generate --out data/small --rows 10k --seed 42      # same seed, same bytes
`;

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .summary('write a synthetic REES46 e-commerce clickstream (Nov 2019) as CSV')
    .description(
      'Write a realistic synthetic month of the REES46 multi-category store clickstream ' +
        '(views, carts, purchases) as CSV files. Seeded and deterministic: the same options ' +
        'give byte-identical files, and the rows do not depend on --files.',
    )
    .requiredOption('--out <dir>', 'output directory (a local path, file:// or s3:// URI)')
    .option('--endpoint <url>', 'S3 endpoint for an s3:// --out (default AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)')
    .option('--region <region>', 'S3 region (default AWS_REGION, else us-east-1)')
    .option('--rows <n>', 'total rows over all files (accepts 1e6, 2_000_000, 500k, 2M)', parseCount, 1_000_000)
    .option('--files <n>', 'number of files to split the rows into', parseCount, 1)
    .option('--seed <n>', 'random seed; the same seed gives the same data', parseSeed, 1)
    .option('--gzip', 'write gzip-compressed .csv.gz files', false)
    .option('--create-bucket', 'create the bucket of an s3:// --out if it does not exist', false)
    .addHelpText('after', HELP_AFTER)
    .action(async (opts: { out: string; rows: number; files: number; seed: number; gzip: boolean; createBucket: boolean; endpoint?: string; region?: string }) => {
      configureStorage({ endpoint: opts.endpoint, region: opts.region });
      if (opts.createBucket && (await storeFor(opts.out).ensureBucket?.(opts.out))) process.stderr.write(`created the bucket of ${opts.out}\n`);
      const tty = process.stderr.isTTY === true;
      let shown = -1;
      const onProgress = tty
        ? (done: number): void => {
            const pct = opts.rows > 0 ? Math.floor((100 * done) / opts.rows) : 100;
            if (pct === shown) return;
            shown = pct;
            process.stderr.write(`\rgenerating ${String(pct).padStart(3)}%  ${done.toLocaleString('en-US')} / ${opts.rows.toLocaleString('en-US')} rows`);
          }
        : undefined;
      let result: GenerateResult;
      try {
        result = await generateEvents({ rows: opts.rows, files: opts.files, seed: opts.seed, out: opts.out, gzip: opts.gzip, onProgress });
      } finally {
        if (tty) process.stderr.write('\r\x1b[K');
      }
      process.stdout.write(summary(result, opts.out));
    });
}

function summary(r: GenerateResult, out: string): string {
  const bytes = r.files.reduce((a, f) => a + f.bytes, 0);
  const secs = r.ms / 1000;
  const lines = [
    `wrote ${r.rows.toLocaleString('en-US')} rows in ${r.files.length} file${r.files.length === 1 ? '' : 's'} to ${out} ` +
      `(${(bytes / 1e6).toFixed(1)} MB) in ${secs.toFixed(2)} s: ` +
      `${Math.round(r.rows / Math.max(secs, 1e-9)).toLocaleString('en-US')} rows/s, ${(bytes / 1e6 / Math.max(secs, 1e-9)).toFixed(1)} MB/s`,
  ];
  const show = r.files.length <= 6 ? r.files : [...r.files.slice(0, 3), undefined, ...r.files.slice(-2)];
  for (const f of show) lines.push(f ? `  ${f.uri}  ${f.rows.toLocaleString('en-US')} rows, ${f.bytes.toLocaleString('en-US')} bytes` : '  ...');
  return lines.join('\n') + '\n';
}
