import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DECIMAL, UnknownTypeError, resolveTypeName, sameType, typeName } from '../../src/types/datatype.js';
import { SchemaSyntaxError, formatSchema, parseSchemaDdl, schemaFromList } from '../../src/types/schema.js';

const REES46 = 'event_time TIMESTAMP, event_type VARCHAR, product_id BIGINT, category_id BIGINT, category_code VARCHAR, brand VARCHAR, price DECIMAL(10,2), user_id BIGINT, user_session VARCHAR';

test('a DDL column list: names folded to lower case unless quoted, types with their aliases and parameters', () => {
  const s = parseSchemaDdl(REES46);
  assert.equal(s.length, 9);
  assert.equal(formatSchema(s), REES46);
  assert.ok(s.every((f) => f.nullable));
  const t = parseSchemaDdl('ID int not null, "Mixed Case" text, d numeric(15, 2), x double precision, v character varying(25), ts timestamp without time zone, n decimal, b bool');
  assert.deepEqual(t.map((f) => [f.name, typeName(f.type), f.nullable]), [
    ['id', 'INTEGER', false],
    ['Mixed Case', 'VARCHAR', true],
    ['d', 'DECIMAL(15,2)', true],
    ['x', 'DOUBLE', true],
    ['v', 'VARCHAR', true],
    ['ts', 'TIMESTAMP', true],
    ['n', `DECIMAL(${DEFAULT_DECIMAL.precision},${DEFAULT_DECIMAL.scale})`, true],
    ['b', 'BOOLEAN', true],
  ]);
  assert.equal(formatSchema(t).split(', ')[1], '"Mixed Case" VARCHAR');
  assert.ok(sameType(resolveTypeName('decimal', [12]), resolveTypeName('NUMERIC', [12, 0])), 'DECIMAL(p) has scale 0');
});

test('DDL errors say what is wrong, at which offset, and what to write instead', () => {
  const cases: [string, RegExp, number, RegExp?][] = [
    ['a BIGINT, b', /column b: expected a type/, 11],
    ['a BIGINT b VARCHAR', /unsupported type BIGINT B VARCHAR/, 2],
    ['a BIGINT, a VARCHAR', /column a is declared twice/, 10],
    ['a SMALLINT', /unsupported type SMALLINT/, 2, /use INTEGER/],
    ['a REAL', /unsupported type REAL/, 2, /use DOUBLE/],
    ['t TIMESTAMPTZ', /unsupported type TIMESTAMPTZ/, 2, /UTC/],
    ['d DECIMAL(40,2)', /DECIMAL\(40,2\)/, 2, /precision must be between 1 and 38/],
    ['d DECIMAL(5,6)', /DECIMAL\(5,6\)/, 2, /scale must be between 0 and the precision/],
    ['a BIGINT,', /trailing comma/, 8],
    ['', /expected a column name/, 0],
    ['"a BIGINT', /unterminated quoted name/, 0],
    ['a BIGINT; drop', /unexpected character ";"/, 8],
    ['a DATE(3)', /DATE takes no parameters/, 2],
  ];
  for (const [src, msg, offset, hint] of cases) {
    assert.throws(() => parseSchemaDdl(src), (e: unknown) => {
      assert.ok(e instanceof SchemaSyntaxError, src);
      assert.match(e.message + ' ' + (e.hint ?? ''), msg, src);
      assert.equal(e.offset, offset, `${src}: offset`);
      if (hint) assert.match(e.hint ?? '', hint, src);
      return true;
    });
  }
  assert.throws(() => resolveTypeName('GEOMETRY'), (e: unknown) => e instanceof UnknownTypeError && /kindling's types are BOOLEAN/.test(e.hint));
});

test('a list of {name, type}: names verbatim, errors with the entry index', () => {
  const s = schemaFromList([{ name: 'Price', type: 'DECIMAL(10,2)' }, { name: 'n', type: 'bigint', nullable: false }]);
  assert.deepEqual(s.map((f) => [f.name, typeName(f.type), f.nullable]), [['Price', 'DECIMAL(10,2)', true], ['n', 'BIGINT', false]]);
  assert.throws(() => schemaFromList([{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'TINYINT' }]), /\[1\] column b: unsupported type TINYINT/);
  assert.throws(() => schemaFromList([{ name: 'a', type: 'BIGINT' }, { name: 'a', type: 'DATE' }]), /\[1\] column a is declared twice/);
});
