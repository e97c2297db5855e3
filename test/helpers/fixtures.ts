/**
 * The real data samples the tests read, kept in the repository (test/fixtures/real/, with their
 * sources, checksums and terms in its README), so every clone can run the data-driven tests.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first directory above this file (src or dist/) holding package.json and test/fixtures. */
export function repoRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'test', 'fixtures'))) return d;
    if (dirname(d) === d) throw new Error(`the repository root (with test/fixtures/) was not found above ${fileURLToPath(import.meta.url)}`);
  }
}

export const REAL = join(repoRoot(), 'test', 'fixtures', 'real');
export const REAL_OCT = join(REAL, 'rees46_multicategory_2019-Oct_head17434.csv');
export const REAL_NOV = join(REAL, 'rees46_multicategory_2019-Nov_sample120.csv');
export const REAL_COSMETICS = join(REAL, 'cosmetics_shop_2019-Oct-Nov_sample270.csv');
export const REAL_UCI_JSON = join(REAL, 'richie-kwon_testdata-batch_100rows.json');
