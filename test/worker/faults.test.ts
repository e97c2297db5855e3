/** The KINDLING_FAULTS grammar: what each entry means, and typos rejected with the entry named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultsEnv, parseFaults } from '../../src/worker/faults.js';

const pick = (s: string) => parseFaults(s).map(({ action, stage, partition, attempt, point, ms }) => ({ action, stage, partition, attempt, point, ms }));

test('the grammar: action, stage, partition, attempt (default 0, * for every one), point or duration', () => {
  assert.deepEqual(parseFaults(undefined), []);
  assert.deepEqual(parseFaults('  '), []);
  assert.deepEqual(pick('kill:map:3:before-result'), [{ action: 'kill', stage: 'map', partition: 3, attempt: 0, point: 'before-result', ms: 0 }]);
  assert.deepEqual(pick('kill:map:2:start, kill:reduce:1'), [
    { action: 'kill', stage: 'map', partition: 2, attempt: 0, point: 'start', ms: 0 },
    { action: 'kill', stage: 'reduce', partition: 1, attempt: 0, point: 'start', ms: 0 },
  ]);
  assert.deepEqual(pick('kill-all:map:4:*:start'), [{ action: 'kill-all', stage: 'map', partition: 4, attempt: '*', point: 'start', ms: 0 }]);
  assert.deepEqual(pick('kill:reduce:0:2:before-result'), [{ action: 'kill', stage: 'reduce', partition: 0, attempt: 2, point: 'before-result', ms: 0 }]);
  assert.deepEqual(pick('fail:map:5:*'), [{ action: 'fail', stage: 'map', partition: 5, attempt: '*', point: 'start', ms: 0 }]);
  assert.deepEqual(pick('fail:reduce:1'), [{ action: 'fail', stage: 'reduce', partition: 1, attempt: 0, point: 'start', ms: 0 }]);
  assert.deepEqual(pick('slow:map:0:0:5000'), [{ action: 'slow', stage: 'map', partition: 0, attempt: 0, point: 'start', ms: 5000 }]);
  assert.deepEqual(pick('slow:map:0:2500'), [{ action: 'slow', stage: 'map', partition: 0, attempt: 0, point: 'start', ms: 2500 }], 'one number after the partition is the duration');
  assert.deepEqual(pick('lose-shuffle:map:2'), [{ action: 'lose-shuffle', stage: 'map', partition: 2, attempt: 0, point: 'start', ms: 0 }]);
  assert.deepEqual(pick('lose-shuffle:map:2:*'), [{ action: 'lose-shuffle', stage: 'map', partition: 2, attempt: '*', point: 'start', ms: 0 }]);
  assert.deepEqual(parseFaults('hold:map:0:/tmp/gate').map((f) => [f.action, f.partition, f.attempt, f.file]), [['hold', 0, 0, '/tmp/gate']]);
  assert.deepEqual(parseFaults('hold:reduce:1:*:/tmp/a:b').map((f) => [f.action, f.stage, f.attempt, f.file]), [['hold', 'reduce', '*', '/tmp/a:b']], 'the file is the rest, colons included');
});

test('a bad entry is a USAGE error naming it and the grammar; faultsEnv passes on only a valid value', () => {
  for (const [bad, why] of [
    ['explode:map:1', /unknown action "explode"/],
    ['kill:shuffle:1', /the stage must be map, reduce or s<N>/],
    ['kill:map:x', /the partition must be a number/],
    ['kill:map:1:later', /the point must be start or before-result/],
    ['slow:map:1', /slow needs a duration in ms/],
    ['lose-shuffle:reduce:1', /only map or SQL stage output can be lost/],
    ['hold:map:1', /hold needs an absolute file path/],
    ['hold:map:1:0:gate', /hold needs an absolute file path/],
    ['fail:map:1:0:9', /unexpected "9"/],
  ] as const) {
    assert.throws(() => parseFaults(`kill:map:0,${bad}`), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'USAGE');
      assert.match(e.message, new RegExp(`KINDLING_FAULTS: bad fault "${bad.replace(/[*]/g, '\\*')}"`));
      assert.match(e.message, why);
      return true;
    }, bad);
  }
  assert.deepEqual(faultsEnv({}), {});
  assert.deepEqual(faultsEnv({ KINDLING_FAULTS: 'fail:map:5:*' }), { KINDLING_FAULTS: 'fail:map:5:*' });
  assert.throws(() => faultsEnv({ KINDLING_FAULTS: 'fail:map' }), /the partition must be a number/);
});
