/** Byte-level text helpers of the generator: timestamps, packed strings, UUIDs. */
import type { Rng } from './rng.js';

const TWO = Array.from({ length: 60 }, (_, i) => (i < 10 ? '0' : '') + i);
const DAY = Array.from({ length: 30 }, (_, d) => `2019-11-${TWO[d + 1]} `);
const ZERO = 48;

/** Rewrites the digits of `2019-11-DD HH:MM:SS UTC` in place for a second of the month. */
export function setTime(ts: Uint8Array, t: number): void {
  const d = Math.floor(t / 86_400);
  const r = t - d * 86_400;
  const h = Math.floor(r / 3600);
  const m = Math.floor((r - h * 3600) / 60);
  const sec = r - h * 3600 - m * 60;
  ts[8] = ZERO + Math.floor((d + 1) / 10);
  ts[9] = ZERO + ((d + 1) % 10);
  ts[11] = ZERO + Math.floor(h / 10);
  ts[12] = ZERO + (h % 10);
  ts[14] = ZERO + Math.floor(m / 10);
  ts[15] = ZERO + (m % 10);
  ts[17] = ZERO + Math.floor(sec / 10);
  ts[18] = ZERO + (sec % 10);
}

/** Strings packed into one byte array; string i is bytes [off[i], off[i+1]). */
export function pack(strings: string[]): { bytes: Buffer; off: Int32Array } {
  const off = new Int32Array(strings.length + 1);
  for (let i = 0; i < strings.length; i++) off[i + 1] = off[i] + strings[i].length;
  const bytes = Buffer.alloc(off[strings.length]);
  for (let i = 0; i < strings.length; i++) bytes.write(strings[i], off[i], 'latin1');
  return { bytes, off };
}

const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** `2019-11-01 00:00:07 UTC` for a second of the month. */
export function formatTime(t: number): string {
  const d = Math.floor(t / 86_400);
  const r = t - d * 86_400;
  const h = Math.floor(r / 3600);
  const m = Math.floor((r - h * 3600) / 60);
  return DAY[d] + TWO[h] + ':' + TWO[m] + ':' + TWO[r - h * 3600 - m * 60] + ' UTC';
}

/** A random (version 4) UUID. */
export function uuid(rng: Rng): string {
  const a = rng.u32();
  const b = rng.u32();
  const c = rng.u32();
  const d = rng.u32();
  return (
    HEX[a >>> 24] + HEX[(a >>> 16) & 255] + HEX[(a >>> 8) & 255] + HEX[a & 255] + '-' +
    HEX[b >>> 24] + HEX[(b >>> 16) & 255] + '-4' + HEX[(b >>> 8) & 255].slice(1) + HEX[b & 255] + '-' +
    HEX[0x80 | ((c >>> 24) & 0x3f)] + HEX[(c >>> 16) & 255] + '-' + HEX[(c >>> 8) & 255] + HEX[c & 255] +
    HEX[d >>> 24] + HEX[(d >>> 16) & 255] + HEX[(d >>> 8) & 255] + HEX[d & 255]
  );
}
