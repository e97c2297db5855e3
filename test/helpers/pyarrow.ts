/** The second Parquet reader of the tests: a Python that imports pyarrow. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The Python that imports pyarrow: $KINDLING_PYTHON (set by scripts/test.mjs), else the provisioned environment, else none. */
export async function pyarrowPython(): Promise<string | undefined> {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const { venvPython } = (await import(pathToFileURL(join(root, 'scripts', 'provision.mjs')).href)) as { venvPython(): string | undefined };
  for (const p of [process.env.KINDLING_PYTHON, venvPython()]) {
    if (p && spawnSync(p, ['-c', 'import pyarrow'], { encoding: 'utf8' }).status === 0) return p;
  }
  return undefined;
}
