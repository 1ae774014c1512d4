/** READ CAPACITY (10) and (16) parameter data (SBC-4 5.20.2, 5.21.2). */
import { bit, need, optUint, putBE, uint, uintBig, type U64 } from './util.js';

export interface ReadCapacity10Data {
  /** RETURNED LOGICAL BLOCK ADDRESS: FFFFFFFFh means "use READ CAPACITY (16)". */
  lastLba: number;
  blockLength: number;
}

/** SBC-4 5.20.2 READ CAPACITY (10) parameter data (8 bytes). */
export function parseReadCapacity10(buf: Buffer): ReadCapacity10Data {
  need('READ CAPACITY(10) data', buf, 8);
  return { lastLba: buf.readUInt32BE(0), blockLength: buf.readUInt32BE(4) };
}

/**
 * SBC-4 5.20.2 READ CAPACITY (10) parameter data. A last LBA above FFFFFFFEh is returned as FFFFFFFFh, as
 * the standard requires when the capacity does not fit.
 */
export function encodeReadCapacity10(o: { lastLba: U64; blockLength: number }): Buffer {
  const ctx = 'READ CAPACITY(10) data';
  const lba = uintBig(ctx, 'RETURNED LOGICAL BLOCK ADDRESS', o.lastLba, 64);
  const b = Buffer.alloc(8);
  b.writeUInt32BE(lba > 0xffffffffn ? 0xffffffff : Number(lba), 0);
  b.writeUInt32BE(uint(ctx, 'BLOCK LENGTH IN BYTES', o.blockLength, 32), 4);
  return b;
}

export interface ReadCapacity16Data {
  lastLba: bigint;
  blockLength: number;
  /** RC BASIS (byte 12 bits 5-4). */
  rcBasis: number;
  protEn: boolean;
  /** P_TYPE: protection type − 1 when PROT_EN is set. */
  pType: number;
  pIExponent: number;
  /** LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT. */
  lbppbExponent: number;
  lbpme: boolean;
  lbprz: boolean;
  lowestAlignedLba: number;
  /** Fewer than the 32 bytes of the full parameter data (the reserved tail) were present. */
  truncated: boolean;
}

/** SBC-4 5.21.2 READ CAPACITY (16) parameter data: 16 meaningful bytes needed, 32 in full. */
export function parseReadCapacity16(buf: Buffer): ReadCapacity16Data {
  need('READ CAPACITY(16) data', buf, 16);
  const b12 = buf[12]!;
  return {
    lastLba: buf.readBigUInt64BE(0),
    blockLength: buf.readUInt32BE(8),
    rcBasis: (b12 >> 4) & 3,
    protEn: (b12 & 1) !== 0,
    pType: (b12 >> 1) & 7,
    pIExponent: buf[13]! >> 4,
    lbppbExponent: buf[13]! & 0x0f,
    lbpme: (buf[14]! & 0x80) !== 0,
    lbprz: (buf[14]! & 0x40) !== 0,
    lowestAlignedLba: buf.readUInt16BE(14) & 0x3fff,
    truncated: buf.length < 32,
  };
}

/** SBC-4 5.21.2 READ CAPACITY (16) parameter data (32 bytes). */
export function encodeReadCapacity16(o: {
  lastLba: U64;
  blockLength: number;
  rcBasis?: number;
  protEn?: boolean;
  pType?: number;
  pIExponent?: number;
  lbppbExponent?: number;
  lbpme?: boolean;
  lbprz?: boolean;
  lowestAlignedLba?: number;
}): Buffer {
  const ctx = 'READ CAPACITY(16) data';
  const b = Buffer.alloc(32);
  putBE(b, 0, 8, uintBig(ctx, 'RETURNED LOGICAL BLOCK ADDRESS', o.lastLba, 64));
  b.writeUInt32BE(uint(ctx, 'LOGICAL BLOCK LENGTH IN BYTES', o.blockLength, 32), 8);
  b[12] = (optUint(ctx, 'RC BASIS', o.rcBasis, 2) << 4) | (optUint(ctx, 'P_TYPE', o.pType, 3) << 1) | bit(o.protEn);
  b[13] = (optUint(ctx, 'P_I_EXPONENT', o.pIExponent, 4) << 4) | optUint(ctx, 'LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT', o.lbppbExponent, 4);
  b.writeUInt16BE((bit(o.lbpme) << 15) | (bit(o.lbprz) << 14) | optUint(ctx, 'LOWEST ALIGNED LOGICAL BLOCK ADDRESS', o.lowestAlignedLba, 14), 14);
  return b;
}
