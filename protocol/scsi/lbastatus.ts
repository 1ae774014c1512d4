/** GET LBA STATUS parameter data (SBC-4 5.6.2) and LBA status descriptors (SBC-4 5.6.2.2). */
import { decodeError, rangeError } from '../errors.js';
import { need, optUint, putBE, uint, uintBig, type U64 } from './util.js';

/** PROVISIONING STATUS values (SBC-4 5.6.2.2 table 53). */
export const ProvisioningStatus = { MAPPED: 0x0, DEALLOCATED: 0x1, ANCHORED: 0x2 } as const;

export interface LbaStatusDescriptor {
  lba: bigint;
  blocks: number;
  provisioningStatus: number;
  /** ADDITIONAL STATUS (byte 13). */
  additionalStatus: number;
}

export interface LbaStatusData {
  /** PARAMETER DATA LENGTH: bytes following byte 3 that the device server has. */
  parameterDataLength: number;
  descriptors: LbaStatusDescriptor[];
  /** The buffer ended before 4 + PARAMETER DATA LENGTH. */
  truncated: boolean;
}

/** SBC-4 5.6.2 GET LBA STATUS parameter data: 8-byte header and 16-byte descriptors. */
export function parseLbaStatus(buf: Buffer): LbaStatusData {
  const ctx = 'GET LBA STATUS data';
  need(ctx, buf, 8);
  const pdl = buf.readUInt32BE(0);
  if (pdl < 4 || (pdl - 4) % 16 !== 0) throw decodeError(`${ctx}: PARAMETER DATA LENGTH ${pdl} is not 4 + 16 × n`);
  const declared = 4 + pdl;
  const end = Math.min(buf.length, declared);
  const descriptors: LbaStatusDescriptor[] = [];
  for (let off = 8; off + 16 <= end; off += 16) {
    descriptors.push({
      lba: buf.readBigUInt64BE(off),
      blocks: buf.readUInt32BE(off + 8),
      provisioningStatus: buf[off + 12]! & 0x0f,
      additionalStatus: buf[off + 13]!,
    });
  }
  return { parameterDataLength: pdl, descriptors, truncated: buf.length < declared };
}

/**
 * SBC-4 5.6.2 GET LBA STATUS parameter data. With `alloc` the result is cut to that many bytes while
 * PARAMETER DATA LENGTH keeps the full length.
 */
export function encodeLbaStatus(descs: { lba: U64; blocks: number; provisioningStatus: number; additionalStatus?: number }[], alloc?: number): Buffer {
  const ctx = 'GET LBA STATUS data';
  const total = 8 + 16 * descs.length;
  if (total - 4 > 0xffffffff) throw rangeError(`${ctx}: too many descriptors`);
  const b = Buffer.alloc(total);
  b.writeUInt32BE(total - 4, 0);
  descs.forEach((d, i) => {
    const off = 8 + 16 * i;
    putBE(b, off, 8, uintBig(ctx, `descriptor ${i} LBA`, d.lba, 64));
    b.writeUInt32BE(uint(ctx, `descriptor ${i} NUMBER OF LOGICAL BLOCKS`, d.blocks, 32), off + 8);
    b[off + 12] = uint(ctx, `descriptor ${i} PROVISIONING STATUS`, d.provisioningStatus, 4);
    b[off + 13] = optUint(ctx, `descriptor ${i} ADDITIONAL STATUS`, d.additionalStatus, 8);
  });
  return alloc === undefined ? b : b.subarray(0, uint(ctx, 'ALLOCATION LENGTH', alloc, 32));
}
