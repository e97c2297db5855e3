// The real samples in test/fixtures/real/ are the files their README describes: same bytes
// (SHA-256), same row counts. The data-driven tests rely on these files, never on a folder
// outside the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REAL } from './helpers/fixtures.js';

test('every real sample matches the checksum and the row count in its README', () => {
  const readme = readFileSync(join(REAL, 'README.md'), 'utf8');
  const sums = new Map([...readme.matchAll(/^([0-9a-f]{64})  (\S+)$/gm)].map((m) => [m[2], m[1]]));
  const data = readdirSync(REAL).filter((f) => f.endsWith('.csv') || f.endsWith('.json')).sort();
  assert.deepEqual([...sums.keys()].sort(), data, 'the README lists a checksum for exactly the data files here');
  for (const f of data) {
    const bytes = readFileSync(join(REAL, f));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), sums.get(f), `${f}: SHA-256`);
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${f}\``));
    assert.ok(row, `${f}: a row in the README's table`);
    const rows = Number(row.split('|')[2].trim().replace(/,/g, ''));
    const text = bytes.toString('utf8');
    const counted = f.endsWith('.json') ? (JSON.parse(text) as unknown[]).length : text.split('\n').filter(Boolean).length - 1;
    assert.equal(counted, rows, `${f}: rows (without the header)`);
  }
  assert.match(readme, /rees46\.com/, 'the REES46 terms ask for the source to be named');
  assert.match(readme, /doi:10\.1057\/dbm\.2012\.17/, 'the UCI citation');
});
