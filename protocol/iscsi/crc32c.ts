/**
 * CRC32C (Castagnoli, generator 0x11EDC6F41, reflected 0x82F63B78) as RFC 7143 13.1 requires for
 * HeaderDigest and DataDigest. Incremental, so a digest can be computed over a data segment that arrived
 * in pieces, without joining them.
 *
 * Two implementations behind one function: our own table-driven one, eight bytes a step ("slicing by 8"),
 * and, when the optional package @node-rs/crc32 loads (SIMD, a prebuilt binary inside the npm package), that
 * one for spans of at least NATIVE_MIN bytes. Measured on this project's 2-core machine (npm run bench's
 * digest rows): the native one digests 1 MiB about 4x faster, but a 48-byte header about 2x slower (the
 * cost of the call into the addon), hence the threshold. ISCSI_TEST_CRC32C=js forces our own everywhere.
 *
 * On the wire the 32-bit digest is sent least significant byte first (RFC 3720 Appendix B.4: 32 zero
 * bytes digest to the octets aa 36 91 8a, the value 0x8a9136aa): use `writeDigest` / `readDigest`.
 */
import { createRequire } from 'node:module';

/** Spans shorter than this are digested in JavaScript even when the native implementation is there. */
export const NATIVE_MIN = 512;

type NativeCrc32c = (input: Uint8Array, initialState?: number) => number;

function loadNative(): NativeCrc32c | undefined {
  if (process.env['ISCSI_TEST_CRC32C'] === 'js') return undefined;
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c?: NativeCrc32c };
    return typeof mod.crc32c === 'function' ? mod.crc32c : undefined;
  } catch {
    return undefined; // not installed, or no binary for this platform: our own is used
  }
}

const native = loadNative();

/** Which implementation digests long spans: 'native' (@node-rs/crc32) or 'js'. */
export const crc32cImplementation: 'native' | 'js' = native ? 'native' : 'js';

const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let s = 1; s < 8; s++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[s * 256 + n] = c;
  }
}

/** Continue a CRC32C over `buf[start, end)`. Start a new digest with `crc = 0`. */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  if (native && end - start >= NATIVE_MIN) return native(start === 0 && end === buf.length ? buf : buf.subarray(start, end), crc) >>> 0;
  return crc32cUpdateJs(crc, buf, start, end);
}

/** Our own CRC32C (slicing by 8), whatever is installed: the reference the native one is tested against. */
export function crc32cUpdateJs(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc;
  let i = start;
  const stop8 = end - ((end - start) & 7);
  while (i < stop8) {
    const a = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ c;
    c =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = T[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC32C of one buffer or of several pieces taken in order. */
export function crc32c(...pieces: Uint8Array[]): number {
  let c = 0;
  for (const p of pieces) c = crc32cUpdate(c, p);
  return c;
}

const ZERO_PAD = new Uint8Array(3);

/** Digest of a data segment and its zero padding to a multiple of 4 (RFC 7143 13.1: padding is covered). */
export function dataDigest(pieces: readonly Uint8Array[], length: number): number {
  let c = 0;
  for (const p of pieces) c = crc32cUpdate(c, p);
  const pad = (4 - (length & 3)) & 3;
  return pad ? crc32cUpdate(c, ZERO_PAD, 0, pad) : c;
}

export function writeDigest(value: number, out: Buffer = Buffer.allocUnsafe(4), at = 0): Buffer {
  out.writeUInt32LE(value >>> 0, at);
  return out;
}

export function readDigest(buf: Buffer, at = 0): number {
  return buf.readUInt32LE(at);
}
