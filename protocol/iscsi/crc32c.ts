/**
 * CRC32C (Castagnoli, generator 0x11EDC6F41, reflected 0x82F63B78) as RFC 7143 13.1 requires for
 * HeaderDigest and DataDigest. Table-driven, eight bytes a step ("slicing by 8"); incremental, so a
 * digest can be computed over a data segment that arrived in pieces, without joining them.
 *
 * On the wire the 32-bit digest is sent least significant byte first (RFC 3720 Appendix B.4: 32 zero
 * bytes digest to the octets aa 36 91 8a, the value 0x8a9136aa): use `writeDigest` / `readDigest`.
 */

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
