/** Errors -> one line on stderr and an exit code. Light on purpose: every process loads it. */
import { KindlingError } from '../common/errors.js';

/** Exit codes: 0 ok, 1 the job failed, 2 bad usage or spec, 130 interrupted. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof KindlingError && e.code === 'INTERRUPTED') return 130;
  if (e instanceof KindlingError && ['USAGE', 'SPEC_INVALID', 'SPEC_PARSE'].includes(e.code)) return 2;
  return 1;
}

export function reportError(e: unknown): void {
  const msg = e instanceof KindlingError ? `${e.describe()} [${e.code}]` : (e as Error)?.stack ?? String(e);
  process.stderr.write(`kindling: ${msg}\n`);
}
