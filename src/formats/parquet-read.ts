/** Reads a Parquet file into plain rows (for `kindling head` and the demo), via parquet-wasm + Arrow. */
import { readParquet } from 'parquet-wasm';
import { loadArrow } from './parquet.js';

export type Row = Record<string, string | number | bigint | null>;

export function readParquetRows(bytes: Uint8Array): { columns: string[]; rows: Row[] } {
  const wasmTable = readParquet(bytes);
  const t = loadArrow().tableFromIPC(wasmTable.intoIPCStream());
  const columns = t.schema.fields.map((f) => f.name);
  const rows: Row[] = [];
  for (const r of t) {
    const o = r.toJSON() as Record<string, unknown>;
    const row: Row = {};
    for (const c of columns) {
      const v = o[c];
      row[c] = v === undefined || v === null ? null : typeof v === 'bigint' ? (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v) : (v as string | number);
    }
    rows.push(row);
  }
  return { columns, rows };
}
