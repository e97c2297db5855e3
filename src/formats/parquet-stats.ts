/**
 * Row-group statistics of a Parquet file (the footer only, read by range): per row group its
 * rows and, per top-level column, the min, max and null count the writer recorded. Read with
 * hyparquet (parquet-wasm exposes no statistics). Values come as the planner compares them:
 * integers as number or bigint, DATE as days, TIMESTAMP as microseconds (bigint), strings,
 * DECIMAL as the (rounded) real value, so comparisons with it must allow for rounding.
 */
import { parquetMetadataAsync } from 'hyparquet';
import type { ObjectStore } from '../storage/store.js';

export interface ColumnStats {
  min?: number | bigint | string | boolean;
  max?: number | bigint | string | boolean;
  nullCount?: number;
  /** The column is a DECIMAL: min and max are rounded real values. */
  decimal?: boolean;
}

export interface RowGroupStats {
  rows: number;
  /** By column name. */
  columns: Map<string, ColumnStats>;
}

const parsers = {
  dateFromDays: (d: number) => d,
  timestampFromMicroseconds: (us: bigint) => us,
  timestampFromMilliseconds: (ms: bigint) => ms * 1000n,
  timestampFromNanoseconds: (ns: bigint) => ns / 1000n,
  stringFromBytes: (b: Uint8Array) => (b === undefined ? undefined : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')),
};

const usable = (v: unknown): v is ColumnStats['min'] => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean';

export async function rowGroupStats(store: ObjectStore, uri: string, size: number): Promise<RowGroupStats[]> {
  const file = {
    byteLength: size,
    slice: async (start: number, end?: number): Promise<ArrayBuffer> => {
      const b = await store.readRange(uri, start, end ?? size);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  };
  const meta = await parquetMetadataAsync(file, { parsers });
  const decimal = new Set(meta.schema.filter((e) => e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL').map((e) => e.name));
  return meta.row_groups.map((g) => {
    const columns = new Map<string, ColumnStats>();
    for (const c of g.columns) {
      const m = c.meta_data;
      if (!m || m.path_in_schema.length !== 1) continue;
      const s = m.statistics;
      const name = m.path_in_schema[0];
      // The deprecated min/max of strings were compared as signed bytes: only min_value/max_value for them.
      const old = (v: unknown) => (typeof v === 'string' ? undefined : v);
      const min: unknown = s?.min_value ?? old(s?.min);
      const max: unknown = s?.max_value ?? old(s?.max);
      columns.set(name, {
        ...(usable(min) ? { min } : {}),
        ...(usable(max) ? { max } : {}),
        ...(s?.null_count !== undefined ? { nullCount: Number(s.null_count) } : {}),
        ...(decimal.has(name) ? { decimal: true } : {}),
      });
    }
    return { rows: Number(g.num_rows), columns };
  });
}
