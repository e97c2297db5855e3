import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveJob, type Job } from '../../src/spec/load.js';
import { runLocal } from '../../src/cli/run.js';
import type { Manifest } from '../../src/coordinator/commit.js';

/** The real samples in shared/ beside the checkout (dist/test/helpers -> ../../../../shared). */
export const REAL = fileURLToPath(new URL('../../../../shared/data/real/', import.meta.url));
export const REAL_OCT = join(REAL, 'rees46_multicategory_2019-Oct_head17434.csv');
export const REAL_NOV = join(REAL, 'rees46_multicategory_2019-Nov_sample120.csv');
export const REAL_COSMETICS = join(REAL, 'cosmetics_shop_2019-Oct-Nov_sample270.csv');

export function tempDir(prefix = 'kindling-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function job(analysis: string, input: string, output: string, spec: Record<string, unknown> = {}, params: Record<string, unknown> = {}): Job {
  const { input: inp, shuffle, workers, output: out, ...rest } = spec as Record<string, Record<string, unknown>>;
  return resolveJob({
    apiVersion: 'kindling.dev/v1alpha1',
    kind: 'KindlingJob',
    metadata: { name: `t-${analysis}` },
    spec: {
      analysis,
      params,
      input: { uri: input, format: 'csv', ...inp },
      output: { uri: output, ...out },
      shuffle: { partitions: 3, ...shuffle },
      workers: { replicas: 2, threads: 1, ...workers },
      ...rest,
    },
  });
}

export function run(j: Job): Promise<Manifest> {
  return runLocal(j, { quiet: true });
}

export const TABLES: Record<string, string> = {
  'price-sensitivity': 'bands',
  engagement: 'top_users',
  'top-category-brand': 'user_favorites',
};
