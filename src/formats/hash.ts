/**
 * Deterministic 32-bit hashing for partitioning and hash tables (MurmurHash3 x86_32, seed 0).
 *
 * All functions return an UNSIGNED 32-bit integer (0 .. 2^32-1), so `h % partitions` is never
 * negative. The result depends only on the bytes (or the number's exact value), never on the
 * process, so map tasks on different workers agree on partitions.
 *
 * hashString(s) === hashBytes(utf8(s), 0, len): a string and its UTF-8 bytes hash alike, which
 * lets the CSV dictionary hash raw field bytes without making a string.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const SEED = 0;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 x86_32 of buf[start..end). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = SEED;
  const len = end - start;
  const end4 = start + (len & ~3);
  let i = start;
  for (; i < end4; i += 4) {
    h = mixH(h, buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
  }
  const rest = len & 3;
  if (rest !== 0) {
    let k = buf[i];
    if (rest > 1) k |= buf[i + 1] << 8;
    if (rest > 2) k |= buf[i + 2] << 16;
    h ^= mixK(k);
  }
  return fmix(h ^ len);
}

let scratch = new Uint8Array(256);

/**
 * UTF-8 encodes s into the module scratch buffer; returns the byte length. Lone surrogates become
 * U+FFFD (EF BF BD), exactly as TextEncoder and Buffer.from(s) do.
 */
export function utf8Encode(s: string): { bytes: Uint8Array; length: number } {
  if (scratch.length < s.length * 3) scratch = new Uint8Array(s.length * 3 + 16);
  const b = scratch;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) b[n++] = c;
    else if (c < 0x800) {
      b[n++] = 0xc0 | (c >> 6);
      b[n++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          b[n++] = 0xf0 | (c >> 18);
          b[n++] = 0x80 | ((c >> 12) & 63);
          b[n++] = 0x80 | ((c >> 6) & 63);
          b[n++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd;
      }
      b[n++] = 0xe0 | (c >> 12);
      b[n++] = 0x80 | ((c >> 6) & 63);
      b[n++] = 0x80 | (c & 63);
    }
  }
  return { bytes: b, length: n };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Hash of a double's 64 bits (0 and -0 alike). */
export function hashNumber(x: number): number {
  f64[0] = x + 0;
  return fmix(mixH(mixH(SEED, u32[0]), u32[1]) ^ 8);
}

/** Hash of the string's UTF-8 bytes; equals hashBytes over the same bytes. */
export function hashString(s: string): number {
  const { bytes, length } = utf8Encode(s);
  return hashBytes(bytes, 0, length);
}
