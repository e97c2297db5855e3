/**
 * A finished, columnar result table: what reduce tasks hand to the Parquet writer.
 * Nulls: utf8 uses `null` entries; the numeric types use the optional `nulls` mask (1 = null).
 */
export type OutType = 'utf8' | 'int64' | 'int32' | 'float64';

export type OutColumn =
  | { name: string; type: 'utf8'; values: (string | null)[] }
  | { name: string; type: 'int64'; values: BigInt64Array | Float64Array; nulls?: Uint8Array }
  | { name: string; type: 'int32'; values: Int32Array; nulls?: Uint8Array }
  | { name: string; type: 'float64'; values: Float64Array; nulls?: Uint8Array };

export interface OutTable {
  rows: number;
  columns: OutColumn[];
}

export type Compression = 'zstd' | 'snappy' | 'gzip' | 'none';
