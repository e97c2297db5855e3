import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { storeFor } from '../../../src/storage/index.js';
import { readCsvSplit, type CsvSplit } from '../../../src/formats/csv/split-reader.js';
import { ByteDictionary } from '../../../src/formats/csv/dictionary.js';
import { decodeBigInt, decodeDecimal, decodeInt, decodeTimestamp } from '../../../src/formats/csv/decode.js';
import { REAL_OCT } from '../../helpers/fixtures.js';

const REAL = REAL_OCT;
const HEADER = ['event_time', 'event_type', 'product_id', 'category_id', 'category_code', 'brand', 'price', 'user_id', 'user_session'];

interface Decoded {
  eventTime: number[];
  eventType: string[];
  productId: number[];
  categoryId: bigint[];
  categoryCode: (string | null)[];
  brand: (string | null)[];
  price: number[];
  userId: number[];
  session: string[];
  summaries: { first: number; end: number; records: number }[];
}

/** Reads the file in the given splits, decoding every column. */
async function readAll(splits: CsvSplit[]): Promise<Decoded> {
  const store = storeFor(REAL);
  const out: Decoded = { eventTime: [], eventType: [], productId: [], categoryId: [], categoryCode: [], brand: [], price: [], userId: [], session: [], summaries: [] };
  const dicts = [0, 1, 2, 3].map(() => new ByteDictionary()); // event_type, category_code, brand, user_session
  const f64 = new Float64Array(65536);
  const i64 = new BigInt64Array(65536);
  const ids = new Int32Array(65536);
  const nulls = new Uint8Array(65536);
  const ctx = (field: string) => ({ file: REAL, field });
  for (const split of splits) {
    const it = readCsvSplit(store, split, { columns: 9, project: [0, 1, 2, 3, 4, 5, 6, 7, 8], expectHeader: HEADER, chunkSize: 100_000, batchRows: 5000 });
    for (;;) {
      const r = await it.next();
      if (r.done) {
        out.summaries.push({ first: r.value.firstRecordOffset, end: r.value.endOffset, records: r.value.records });
        break;
      }
      const { batch, bad } = r.value;
      assert.deepEqual(bad, []);
      const n = batch.rows;
      const nums = (target: number[]) => { for (let i = 0; i < n; i++) target.push(f64[i]); };
      const strs = (d: ByteDictionary, c: number, target: (string | null)[]) => {
        d.encode(batch, c, ids);
        for (let i = 0; i < n; i++) target.push(ids[i] < 0 ? null : d.values[ids[i]]);
      };
      decodeTimestamp(batch, 0, f64, nulls, ctx('event_time')); nums(out.eventTime);
      strs(dicts[0], 1, out.eventType as (string | null)[]);
      assert.equal(decodeInt(batch, 2, f64, nulls, ctx('product_id')), -1); nums(out.productId);
      assert.equal(decodeInt(batch, 3, f64, nulls, ctx('category_id')), 0);
      decodeBigInt(batch, 3, i64, nulls, ctx('category_id'));
      for (let i = 0; i < n; i++) out.categoryId.push(i64[i]);
      strs(dicts[1], 4, out.categoryCode);
      strs(dicts[2], 5, out.brand);
      decodeDecimal(batch, 6, 2, f64, nulls, ctx('price')); nums(out.price);
      assert.equal(decodeInt(batch, 7, f64, nulls, ctx('user_id')), -1); nums(out.userId);
      strs(dicts[3], 8, out.session as (string | null)[]);
    }
  }
  return out;
}

test('the real REES46 file read in 1 split and in 7 splits gives the same 17,434 decoded records', async () => {
  const size = statSync(REAL).size;
  const one = await readAll([{ uri: REAL, start: 0, end: size, fileSize: size, gzip: false, header: true }]);
  assert.equal(one.eventType.length, 17434);
  const step = Math.ceil(size / 7);
  const seven: CsvSplit[] = [];
  for (let s = 0; s < size; s += step) seven.push({ uri: REAL, start: s, end: Math.min(size, s + step), fileSize: size, gzip: false, header: true });
  assert.equal(seven.length, 7);
  const many = await readAll(seven);
  for (let i = 1; i < many.summaries.length; i++) assert.equal(many.summaries[i].first, many.summaries[i - 1].end);
  assert.equal(many.summaries.at(-1)!.end, size);
  assert.ok(many.summaries.every((s) => s.records > 2000));
  const { summaries: _a, ...a } = one;
  const { summaries: _b, ...b } = many;
  assert.deepEqual(b, a);

  // facts from the data README
  const count = (v: string) => one.eventType.filter((t) => t === v).length;
  assert.deepEqual([count('view'), count('purchase'), count('cart')], [17055, 214, 165]);
  assert.equal((one.categoryCode.filter((c) => c === null).length / 17434 * 100).toFixed(1), '33.0');
  assert.equal((one.brand.filter((c) => c === null).length / 17434 * 100).toFixed(1), '14.2');
  assert.equal(one.eventTime[0], Date.parse('2019-10-01T00:00:00Z'));
  assert.equal(one.eventTime.at(-1), Date.parse('2019-10-01T02:50:00Z'));
  assert.equal(one.categoryId[1], 2053013552326770905n);
  assert.equal(one.price[0], 3579);
});
