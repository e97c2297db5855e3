/**
 * The S3 variant of the bench: price-sensitivity with input, shuffle and output on a local
 * MinIO, against the same job on local disk, with the requests made and bytes moved.
 */
import { join } from 'node:path';
import { resolveJob } from '../src/spec/load.js';
import { runLocal } from '../src/cli/run.js';
import { bytes, table } from '../src/cli/format.js';
import { configureStorage } from '../src/storage/index.js';
import { startMinio } from '../test/helpers/minio.js';
import { minioStore, upload } from '../test/helpers/s3.js';

export async function benchS3(files: string[], inputDir: string, cache: string, runs: number, split: string): Promise<void> {
  const minio = await startMinio().catch((e: Error) => {
    process.stdout.write(`\nS3 variant not run: ${e.message}\n`);
    return undefined;
  });
  if (!minio) {
    process.stdout.write('\nS3 variant not run: MinIO is not built (node scripts/services.mjs build)\n');
    return;
  }
  try {
    const s3 = await minioStore(minio, ['events', 'results']);
    configureStorage({ endpoint: minio.endpoint });
    await upload(s3, files, 's3://events/bench/');
    const spec = (input: string, output: string, storage?: object) =>
      resolveJob({
        apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'bench-s3' },
        spec: { analysis: 'price-sensitivity', storage, input: { uri: input, format: 'csv', splitSize: split }, output: { uri: output, overwrite: true }, shuffle: { partitions: 8 }, workers: { replicas: 2, threads: 1 } },
      });
    const variants = [
      { name: 'local disk', job: spec(inputDir, join(cache, 'out', 's3cmp-local')) },
      { name: 'MinIO (input, shuffle, output)', job: spec('s3://events/bench/', 's3://results/price-sensitivity/', { endpoint: minio.endpoint }) },
    ];
    const rows: unknown[][] = [];
    let localMs = 0;
    for (const v of variants) {
      const times: number[] = [];
      let m!: Awaited<ReturnType<typeof runLocal>>;
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        m = await runLocal(v.job, { quiet: true });
        times.push(performance.now() - t0);
      }
      const ms = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
      if (!localMs) localMs = ms;
      rows.push([v.name, (ms / 1000).toFixed(2), `${(ms / localMs).toFixed(2)}x`, m.storage.requests, bytes(m.storage.bytesRead), bytes(m.storage.bytesWritten), m.tables.bands.rows]);
    }
    const ratio = Number(String(rows[1][2]).replace('x', ''));
    process.stdout.write(`\nS3 variant: price-sensitivity, 2 workers, median of ${runs} runs (target: MinIO within 1.5x of local disk: ${ratio <= 1.5 ? 'met' : 'MISSED'})\n`);
    process.stdout.write(table(['storage', 'seconds', 'vs local', 'S3 requests', 'bytes read', 'bytes written', 'rows'], rows) + '\n');
  } finally {
    configureStorage({});
    await minio.dispose();
  }
}
