import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asAnalysisJob, resolveJob, type AnalysisJob, type Job } from '../../src/spec/load.js';
import { runLocal } from '../../src/cli/run.js';
import type { Manifest } from '../../src/coordinator/commit.js';

export { REAL, REAL_COSMETICS, REAL_NOV, REAL_OCT } from './fixtures.js';

export function tempDir(prefix = 'kindling-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function job(analysis: string, input: string, output: string, spec: Record<string, unknown> = {}, params: Record<string, unknown> = {}): AnalysisJob {
  const { input: inp, shuffle, workers, output: out, ...rest } = spec as Record<string, Record<string, unknown>>;
  return asAnalysisJob(resolveJob({
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
  }));
}

export function run(j: Job): Promise<Manifest> {
  return runLocal(j, { quiet: true });
}

export const TABLES: Record<string, string> = {
  'price-sensitivity': 'bands',
  engagement: 'top_users',
  'top-category-brand': 'user_favorites',
};
