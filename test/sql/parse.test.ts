// The SQL script parser: statements and their kinds, names and offsets; syntax errors with the
// line, the column and a caret; statements kindling does not run named as unsupported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript } from '../../src/sql/parse.js';
import { SqlError, position, render } from '../../src/sql/errors.js';

async function sqlError(script: string): Promise<SqlError> {
  try {
    await parseScript(script);
  } catch (e) {
    assert.ok(e instanceof SqlError, String(e));
    return e;
  }
  assert.fail(`no error for ${script}`);
}

test('a script: views, tables and one bare query, with their names and where each starts', async () => {
  const script = 'create temp view v as select 1;\ncreate table t as select 2 as x;\n\n  select * from t';
  const st = await parseScript(script);
  assert.deepEqual(st.map((s) => [s.kind, s.name, s.offset]), [['view', 'v', 0], ['table', 't', 32], ['query', undefined, 68]]);
  assert.equal(position(script, st[2].offset).line, 4);
  assert.equal(script.slice(st[1].nameOffset!, st[1].nameOffset! + 1), 't');
});

test('a syntax error names the line and column and shows the line with a caret, counted in the spec file', async () => {
  const script = 'select brand,\n  count(*) as n\nfrom events\nwher n > 1';
  const e = await sqlError(script);
  assert.equal(e.kind, 'syntax');
  assert.equal(render(script, e, { where: 'spec.sql', firstLine: 10 }), [
    'spec.sql line 13, column 6: syntax error at or near "n"',
    '  13 | wher n > 1',
    '            ^',
  ].join('\n'));
});

test('offsets count characters, not bytes, after non-ASCII text', async () => {
  const script = "select 'héllo wörld' as x, y fro t";
  const e = await sqlError(script);
  assert.equal(script.slice(e.offset, e.offset + 1), 't', `offset ${e.offset}`);
  const st = await parseScript("select 'é'; ");
  assert.equal(st[0].toChar(11), 10, 'byte 11 (;) is character 10: é is 2 bytes');
});

test('statements kindling does not run are named, and a script holds at most one bare query', async () => {
  assert.match((await sqlError('insert into t values (1)')).message, /^insert is not supported/);
  assert.match((await sqlError('drop table t')).message, /^drop is not supported/);
  const two = await sqlError('select 1;\nselect 2');
  assert.match(two.message, /one bare query .* has 2/);
  assert.equal(two.offset, 10);
  assert.match(two.hint!, /create table <name> as <query>/);
  assert.match((await sqlError('  ')).message, /no statement/);
  assert.match((await sqlError('select 1 from')).hint ?? '', /incomplete/);
});
