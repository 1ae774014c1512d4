/**
 * Small helpers shared by the SCSI codecs: field validation for builders and encoders (every value must fit
 * its field, or `rangeError`), big-endian writes of any width, and a bounded reader for parsers that never
 * reads past the end of the data (so a short buffer can never surface as a RangeError from Buffer).
 */
import { decodeError, rangeError } from '../errors.js';

/** A logical block address or other 64-bit quantity: numbers are accepted up to 2^53 - 1. */
export type U64 = number | bigint;

/** `0x1_0000_0000` style hex (groups of four digits from the right) for error messages. */
export function hexGrouped(v: number | bigint): string {
  const digits = v.toString(16);
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 4) groups.unshift(digits.slice(Math.max(0, end - 4), end));
  return `0x${groups.join('_')}`;
}

/** `0x3f` style hex with at least `width` digits. */
export function hex(v: number | bigint, width = 2): string {
  return `0x${v.toString(16).padStart(width, '0')}`;
}

/** Bytes as `28 00 01 ...`. */
export function hexBytes(buf: Buffer): string {
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function fmtValue(v: number | bigint): string {
  return typeof v === 'bigint' || v >= 0x10000 ? hexGrouped(v) : String(v);
}

/** Checks that `v` is an unsigned integer of at most `bits` bits and returns it. */
export function uint(ctx: string, field: string, v: number, bits: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw rangeError(`${ctx}: ${field} ${String(v)} is not an unsigned integer`);
  }
  if (bits < 53 && v >= 2 ** bits) throw rangeError(`${ctx}: ${field} ${fmtValue(v)} does not fit ${bits} bits`);
  return v;
}

/** Like `uint` for optional values: `undefined` becomes `dflt`. */
export function optUint(ctx: string, field: string, v: number | undefined, bits: number, dflt = 0): number {
  return v === undefined ? dflt : uint(ctx, field, v, bits);
}

/** Checks a 64-bit-capable value (number or bigint) against `bits` and returns it as a bigint. */
export function uintBig(ctx: string, field: string, v: U64, bits: number): bigint {
  let b: bigint;
  if (typeof v === 'bigint') {
    b = v;
  } else if (typeof v === 'number' && Number.isInteger(v)) {
    if (!Number.isSafeInteger(v)) throw rangeError(`${ctx}: ${field} ${v} is not a safe integer; pass a bigint`);
    b = BigInt(v);
  } else {
    throw rangeError(`${ctx}: ${field} ${String(v)} is not an unsigned integer`);
  }
  if (b < 0n) throw rangeError(`${ctx}: ${field} ${String(v)} is not an unsigned integer`);
  if (b >= 1n << BigInt(bits)) throw rangeError(`${ctx}: ${field} ${hexGrouped(b)} does not fit ${bits} bits`);
  return b;
}

/** 1 for true, 0 otherwise. */
export const bit = (v: boolean | undefined): number => (v ? 1 : 0);

/** Writes `v` big-endian into `bytes` bytes at `off` (1..8 bytes; v already validated). */
export function putBE(buf: Buffer, off: number, bytes: number, v: number | bigint): void {
  if (bytes <= 6 && typeof v === 'number') {
    buf.writeUIntBE(v, off, bytes);
    return;
  }
  let b = BigInt(v);
  for (let i = bytes - 1; i >= 0; i--) {
    buf[off + i] = Number(b & 0xffn);
    b >>= 8n;
  }
}

/** Rejects an option that the command does not have (so that a caller never believes it was sent). */
export function noField(ctx: string, field: string, v: unknown): void {
  if (v !== undefined && v !== false && v !== 0 && v !== 0n) {
    throw rangeError(`${ctx}: the CDB has no ${field} field`);
  }
}

/**
 * A bounded view for parsers: every read checks `off + size <= end` and returns `undefined` past it.
 * `end` is the smaller of the buffer length and the length the data declares for itself.
 */
export class View {
  readonly end: number;
  constructor(
    readonly buf: Buffer,
    end = buf.length,
  ) {
    this.end = Math.max(0, Math.min(end, buf.length));
  }
  has(off: number, n: number): boolean {
    return off >= 0 && off + n <= this.end;
  }
  u8(off: number): number | undefined {
    return this.has(off, 1) ? this.buf[off]! : undefined;
  }
  u16(off: number): number | undefined {
    return this.has(off, 2) ? this.buf.readUInt16BE(off) : undefined;
  }
  u24(off: number): number | undefined {
    return this.has(off, 3) ? this.buf.readUIntBE(off, 3) : undefined;
  }
  u32(off: number): number | undefined {
    return this.has(off, 4) ? this.buf.readUInt32BE(off) : undefined;
  }
  u64(off: number): bigint | undefined {
    return this.has(off, 8) ? this.buf.readBigUInt64BE(off) : undefined;
  }
  /** Bit `b` of byte `off`, or undefined past the end. */
  flag(off: number, b: number): boolean | undefined {
    const v = this.u8(off);
    return v === undefined ? undefined : ((v >> b) & 1) === 1;
  }
  /** Bits `hi..lo` of byte `off`, or undefined past the end. */
  bits(off: number, hi: number, lo: number): number | undefined {
    const v = this.u8(off);
    return v === undefined ? undefined : (v >> lo) & ((1 << (hi - lo + 1)) - 1);
  }
  slice(off: number, len: number): Buffer | undefined {
    return this.has(off, len) ? Buffer.from(this.buf.subarray(off, off + len)) : undefined;
  }
}

/** Throws `decodeError` unless the buffer holds at least `n` bytes. */
export function need(ctx: string, buf: Buffer, n: number): void {
  if (!Buffer.isBuffer(buf)) throw decodeError(`${ctx}: data is not a Buffer`);
  if (buf.length < n) throw decodeError(`${ctx}: ${buf.length} bytes, need at least ${n}`);
}

/** ASCII text of a fixed-width field with trailing spaces and NULs removed. */
export function asciiField(buf: Buffer): string {
  return buf.toString('latin1').replace(/[ \0]+$/, '');
}

/** Encodes `s` into a space-padded ASCII field of `width` bytes (SPC-5 ASCII data field requirements: only 20h..7Eh). */
export function putAscii(ctx: string, field: string, buf: Buffer, off: number, width: number, s: string): void {
  if (!/^[\x20-\x7e]*$/.test(s)) throw rangeError(`${ctx}: ${field} ${JSON.stringify(s)} is not printable ASCII`);
  if (s.length > width) throw rangeError(`${ctx}: ${field} ${JSON.stringify(s)} is longer than ${width} bytes`);
  buf.write(s.padEnd(width, ' '), off, width, 'latin1');
}
