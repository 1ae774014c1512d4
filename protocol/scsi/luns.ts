/**
 * LUN encoding (SAM-5 4.7: single level, peripheral device and flat space addressing), the 64-bit form
 * carried in the iSCSI BHS LUN field, and REPORT LUNS parameter data (SPC-5).
 */
import { decodeError, rangeError } from '../errors.js';
import { hexBytes, need, uint, uintBig } from './util.js';

/** The REPORT LUNS well-known logical unit (SAM-5 4.7.7: extended addressing, W-LUN 01h) as 64 bits. */
export const REPORT_LUNS_WLUN = 0xc101000000000000n;

/**
 * Encodes a LUN number as 8 bytes (SAM-5 4.7): peripheral device addressing (method 00b, bus 0) below 256,
 * flat space addressing (method 01b) for 256..16383; anything else throws `E_RANGE`.
 */
export function encodeLun(n: number): Buffer {
  const v = uint('LUN', 'LUN', n, 14);
  const b = Buffer.alloc(8);
  if (v < 256) {
    b[1] = v;
  } else {
    b[0] = 0x40 | (v >> 8);
    b[1] = v & 0xff;
  }
  return b;
}

/**
 * Decodes an 8-byte single-level LUN in peripheral device (bus identifier 0) or flat space addressing.
 * Other address methods, non-zero bus identifiers and further levels throw `SCSI_E_DECODE`.
 */
export function decodeLun(buf: Buffer): number {
  need('LUN', buf, 8);
  const method = buf[0]! >> 6;
  const rest = buf.subarray(2, 8);
  const tail = () => {
    if (rest.some((x) => x !== 0)) throw decodeError(`LUN ${hexBytes(buf.subarray(0, 8))}: second level addressing is not supported`);
  };
  if (method === 0) {
    if (buf[0]! & 0x3f) throw decodeError(`LUN ${hexBytes(buf.subarray(0, 8))}: peripheral addressing with BUS IDENTIFIER ${buf[0]! & 0x3f}`);
    tail();
    return buf[1]!;
  }
  if (method === 1) {
    tail();
    return ((buf[0]! & 0x3f) << 8) | buf[1]!;
  }
  throw decodeError(`LUN ${hexBytes(buf.subarray(0, 8))}: ADDRESS METHOD ${method === 2 ? 'logical unit (10b)' : 'extended (11b)'} is not supported`);
}

/**
 * The iSCSI BHS LUN field (RFC 7143 11.2.1.3: the 8 LUN bytes as a big-endian 64-bit value): a LUN number is
 * encoded with `encodeLun`; an 8-byte Buffer is taken as it is.
 */
export function lunToBigInt(lun: number | Buffer): bigint {
  if (Buffer.isBuffer(lun)) {
    if (lun.length !== 8) throw rangeError(`LUN: ${lun.length} bytes, need 8`);
    return lun.readBigUInt64BE(0);
  }
  return encodeLun(lun).readBigUInt64BE(0);
}

/** The 8 LUN bytes of a 64-bit BHS LUN value. */
export function bigIntToLunBytes(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(uintBig('LUN', 'LUN', v, 64));
  return b;
}

/** The LUN number of a 64-bit BHS LUN value (`decodeLun` rules: throws for unsupported address methods). */
export function bigIntToLun(v: bigint): number {
  return decodeLun(bigIntToLunBytes(v));
}

/** Parsed REPORT LUNS parameter data. */
export interface ReportLuns {
  /** LUN LIST LENGTH: bytes of LUN entries the device server has (8 per LUN). */
  listLength: number;
  /** LUN numbers of the entries `decodeLun` understands, in order. */
  luns: number[];
  /** Every complete 8-byte entry present, decodable or not (well-known LUNs, multi-level...). */
  entries: Buffer[];
  /** The buffer ended before 8 + LUN LIST LENGTH. */
  truncated: boolean;
}

/** SPC-5 REPORT LUNS parameter data. */
export function parseReportLuns(buf: Buffer): ReportLuns {
  const ctx = 'REPORT LUNS data';
  need(ctx, buf, 8);
  const listLength = buf.readUInt32BE(0);
  if (listLength % 8 !== 0) throw decodeError(`${ctx}: LUN LIST LENGTH ${listLength} is not a multiple of 8`);
  const declared = 8 + listLength;
  const end = Math.min(buf.length, declared);
  const entries: Buffer[] = [];
  const luns: number[] = [];
  for (let off = 8; off + 8 <= end; off += 8) {
    const e = Buffer.from(buf.subarray(off, off + 8));
    entries.push(e);
    try {
      luns.push(decodeLun(e));
    } catch {
      // kept in `entries` only
    }
  }
  return { listLength, luns, entries, truncated: buf.length < declared };
}

/**
 * SPC-5 REPORT LUNS parameter data for `luns` (numbers, or raw 8-byte entries). With `alloc` the
 * result is cut to that many bytes while LUN LIST LENGTH keeps the full length.
 */
export function encodeReportLuns(luns: (number | Buffer)[], alloc?: number): Buffer {
  const ctx = 'REPORT LUNS data';
  const body = luns.map((l, i) => {
    if (typeof l === 'number') return encodeLun(l);
    if (l.length !== 8) throw rangeError(`${ctx}: entry ${i} has ${l.length} bytes, need 8`);
    return l;
  });
  const h = Buffer.alloc(8);
  h.writeUInt32BE(uint(ctx, 'LUN LIST LENGTH', 8 * body.length, 32), 0);
  const out = Buffer.concat([h, ...body]);
  return alloc === undefined ? out : out.subarray(0, uint(ctx, 'ALLOCATION LENGTH', alloc, 32));
}
