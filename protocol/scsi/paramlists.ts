/**
 * Parameter lists that travel in the Data-Out buffer and that only a device server needs to read: the UNMAP
 * parameter list (SBC-4 5.35.2) and the SANITIZE OVERWRITE parameter list (SBC-4 5.30). Their encoders
 * are in cdb.ts (`unmapParameterList`, `sanitizeOverwriteParameterList`).
 *
 * The parsers never throw for short data: they report the header fields as sent and whatever complete
 * parts the buffer holds, so that the device server can choose the sense it returns (PARAMETER LIST LENGTH
 * ERROR, INVALID FIELD IN PARAMETER LIST) and point at the offending byte.
 */
import { View } from './util.js';

/** A parsed UNMAP parameter list. */
export interface UnmapParameterList {
  /** UNMAP DATA LENGTH (bytes 0-1), or undefined when fewer than 2 bytes were given. */
  unmapDataLength?: number;
  /** UNMAP BLOCK DESCRIPTOR DATA LENGTH (bytes 2-3), or undefined when fewer than 4 bytes were given. */
  blockDescriptorDataLength?: number;
  /**
   * The complete 16-byte descriptors inside both the buffer and the declared descriptor data length: a
   * descriptor cut short by either is left out, as SBC-4 5.35.2 has the device server ignore it.
   */
  descriptors: { lba: bigint; blocks: number; /** byte offset of the descriptor in the list */ offset: number }[];
  /** The buffer ended before 8 + UNMAP BLOCK DESCRIPTOR DATA LENGTH. */
  truncated: boolean;
}

/** SBC-4 5.35.2: 8-byte header, then 16-byte UNMAP block descriptors (LBA, NUMBER OF LOGICAL BLOCKS). */
export function parseUnmapParameterList(buf: Buffer): UnmapParameterList {
  const v = new View(buf);
  const out: UnmapParameterList = { descriptors: [], truncated: false };
  const udl = v.u16(0);
  if (udl !== undefined) out.unmapDataLength = udl;
  const bddl = v.u16(2);
  if (bddl === undefined) {
    out.truncated = true;
    return out;
  }
  out.blockDescriptorDataLength = bddl;
  const end = 8 + bddl;
  out.truncated = buf.length < end;
  const stop = Math.min(end, buf.length);
  for (let off = 8; off + 16 <= stop; off += 16) {
    out.descriptors.push({ lba: buf.readBigUInt64BE(off), blocks: buf.readUInt32BE(off + 8), offset: off });
  }
  return out;
}

/** A parsed SANITIZE OVERWRITE parameter list. */
export interface SanitizeOverwriteParameterList {
  invert: boolean;
  /** TEST (byte 0 bits 6-5). */
  test: number;
  /** OVERWRITE COUNT (byte 0 bits 4-0). */
  count: number;
  /** Byte 1 (reserved). */
  reserved1: number;
  /** INITIALIZATION PATTERN LENGTH (bytes 2-3). */
  patternLength: number;
  /** The pattern bytes present, at most `patternLength`. */
  pattern: Buffer;
  /** The buffer ended before 4 + INITIALIZATION PATTERN LENGTH. */
  truncated: boolean;
}

/** SBC-4 5.30 SANITIZE OVERWRITE parameter list; undefined when the 4-byte header is incomplete. */
export function parseSanitizeOverwriteParameterList(buf: Buffer): SanitizeOverwriteParameterList | undefined {
  if (buf.length < 4) return undefined;
  const b0 = buf[0]!;
  const patternLength = buf.readUInt16BE(2);
  const have = Math.min(patternLength, buf.length - 4);
  return {
    invert: (b0 & 0x80) !== 0,
    test: (b0 >> 5) & 3,
    count: b0 & 0x1f,
    reserved1: buf[1]!,
    patternLength,
    pattern: Buffer.from(buf.subarray(4, 4 + have)),
    truncated: buf.length < 4 + patternLength,
  };
}
