/** The KindlingError fn throws (a test failure when it throws nothing or something else). */
import assert from 'node:assert/strict';
import { KindlingError } from '../../src/common/errors.js';

export function errorOf(fn: () => unknown): KindlingError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}
