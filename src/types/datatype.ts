/**
 * SQL data types: the vocabulary every layer of the engine shares (sql/, plan/, exec/, formats/).
 * Exact types stay exact end to end: a BIGINT is a 64-bit integer (never a JavaScript double), a
 * DECIMAL(p,s) a scaled integer, a DATE days and a TIMESTAMP microseconds since the epoch (UTC),
 * an INTERVAL months + days + microseconds (as in DuckDB and PostgreSQL).
 */
export type DataType =
  | { id: 'BOOLEAN' }
  | { id: 'INTEGER' }
  | { id: 'BIGINT' }
  | { id: 'DOUBLE' }
  | { id: 'DECIMAL'; precision: number; scale: number }
  | { id: 'VARCHAR' }
  | { id: 'DATE' }
  | { id: 'TIMESTAMP' }
  | { id: 'INTERVAL' };

export type TypeId = DataType['id'];

export const BOOLEAN: DataType = { id: 'BOOLEAN' };
export const INTEGER: DataType = { id: 'INTEGER' };
export const BIGINT: DataType = { id: 'BIGINT' };
export const DOUBLE: DataType = { id: 'DOUBLE' };
export const VARCHAR: DataType = { id: 'VARCHAR' };
export const DATE: DataType = { id: 'DATE' };
export const TIMESTAMP: DataType = { id: 'TIMESTAMP' };
export const INTERVAL: DataType = { id: 'INTERVAL' };

/** The widest decimal kindling computes with (DuckDB's too: a 128-bit scaled integer). */
export const MAX_DECIMAL_PRECISION = 38;
/** DuckDB's DECIMAL without a precision. */
export const DEFAULT_DECIMAL = { precision: 18, scale: 3 };

export function decimal(precision: number, scale: number): DataType {
  if (!Number.isInteger(precision) || precision < 1 || precision > MAX_DECIMAL_PRECISION) {
    throw new TypeError(`DECIMAL precision must be between 1 and ${MAX_DECIMAL_PRECISION}, not ${precision}`);
  }
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) throw new TypeError(`DECIMAL scale must be between 0 and the precision (${precision}), not ${scale}`);
  return { id: 'DECIMAL', precision, scale };
}

/** The SQL spelling: BIGINT, DECIMAL(10,2), ... */
export function typeName(t: DataType): string {
  return t.id === 'DECIMAL' ? `DECIMAL(${t.precision},${t.scale})` : t.id;
}

export function sameType(a: DataType, b: DataType): boolean {
  return a.id === b.id && (a.id !== 'DECIMAL' || (b.id === 'DECIMAL' && a.precision === b.precision && a.scale === b.scale));
}

export const isNumeric = (t: DataType) => t.id === 'INTEGER' || t.id === 'BIGINT' || t.id === 'DOUBLE' || t.id === 'DECIMAL';
export const isInteger = (t: DataType) => t.id === 'INTEGER' || t.id === 'BIGINT';
export const isTemporal = (t: DataType) => t.id === 'DATE' || t.id === 'TIMESTAMP';

/** A type name that is not one of kindling's: why, and what to write instead. */
export class UnknownTypeError extends Error {
  constructor(
    readonly typeText: string,
    readonly hint: string,
  ) {
    super(`unsupported type ${typeText}`);
  }
}

const SUPPORTED = 'BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE, TIMESTAMP, INTERVAL';

/** Names that mean one of our types (DuckDB's aliases). */
const ALIASES: Record<string, TypeId> = {
  BOOLEAN: 'BOOLEAN', BOOL: 'BOOLEAN', LOGICAL: 'BOOLEAN',
  INTEGER: 'INTEGER', INT: 'INTEGER', INT4: 'INTEGER', SIGNED: 'INTEGER',
  BIGINT: 'BIGINT', INT8: 'BIGINT', LONG: 'BIGINT',
  DOUBLE: 'DOUBLE', FLOAT8: 'DOUBLE', 'DOUBLE PRECISION': 'DOUBLE',
  DECIMAL: 'DECIMAL', NUMERIC: 'DECIMAL',
  VARCHAR: 'VARCHAR', TEXT: 'VARCHAR', STRING: 'VARCHAR', CHAR: 'VARCHAR', BPCHAR: 'VARCHAR', 'CHARACTER VARYING': 'VARCHAR', CHARACTER: 'VARCHAR',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP', DATETIME: 'TIMESTAMP', 'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP',
  INTERVAL: 'INTERVAL',
};

/** Names DuckDB knows that kindling does not compute with (yet): each with what to use. */
const NOT_SUPPORTED: Record<string, string> = {
  TINYINT: 'use INTEGER', SMALLINT: 'use INTEGER', INT1: 'use INTEGER', INT2: 'use INTEGER', HUGEINT: 'use DECIMAL(38,0)',
  UTINYINT: 'use INTEGER', USMALLINT: 'use INTEGER', UINTEGER: 'use BIGINT', UBIGINT: 'use DECIMAL(20,0)',
  REAL: 'use DOUBLE (kindling has no 4-byte float)', FLOAT: 'use DOUBLE (kindling has no 4-byte float)', FLOAT4: 'use DOUBLE (kindling has no 4-byte float)',
  TIMESTAMPTZ: 'use TIMESTAMP (kindling keeps timestamps in UTC)', 'TIMESTAMP WITH TIME ZONE': 'use TIMESTAMP (kindling keeps timestamps in UTC)',
  TIME: 'keep the time in a TIMESTAMP or a VARCHAR', BLOB: 'use VARCHAR', BYTEA: 'use VARCHAR', UUID: 'use VARCHAR', JSON: 'use VARCHAR',
};

/**
 * The type a SQL type name denotes: `name` as written (any case, inner spaces collapsed) and its
 * parenthesised numbers (DECIMAL(10,2), VARCHAR(25)). Throws UnknownTypeError naming what to use.
 */
export function resolveTypeName(name: string, args: number[] = []): DataType {
  const key = name.trim().replace(/\s+/g, ' ').toUpperCase();
  const written = args.length ? `${key}(${args.join(',')})` : key;
  const id = ALIASES[key];
  if (!id) {
    const instead = NOT_SUPPORTED[key];
    throw new UnknownTypeError(written, instead ? `${instead}; kindling's types are ${SUPPORTED}` : `kindling's types are ${SUPPORTED}`);
  }
  if (id === 'DECIMAL') {
    if (args.length > 2) throw new UnknownTypeError(written, 'DECIMAL takes a precision and a scale: DECIMAL(p,s)');
    const precision = args[0] ?? DEFAULT_DECIMAL.precision;
    const scale = args[1] ?? (args.length ? 0 : DEFAULT_DECIMAL.scale);
    try {
      return decimal(precision, scale);
    } catch (e) {
      throw new UnknownTypeError(written, (e as Error).message);
    }
  }
  if (id === 'VARCHAR') {
    // A length is accepted and not enforced, as in DuckDB.
    if (args.length > 1) throw new UnknownTypeError(written, `${key} takes at most a length`);
    return VARCHAR;
  }
  if (args.length) throw new UnknownTypeError(written, `${key} takes no parameters`);
  return { id } as DataType;
}
