/**
 * READ DEFECT DATA parameter data (SBC-4 5.22 for the 10-byte CDB, 5.23 for the 12-byte CDB): the header
 * with PLISTV, GLISTV and the DEFECT LIST FORMAT, then the address descriptors in that format.
 */
import { rangeError } from '../errors.js';
import { bit, need, optUint, uint } from './util.js';

/** DEFECT LIST FORMAT codes (SBC-4 5.22, 6.2). 111b is reserved. */
export const DefectListFormat = {
  SHORT_BLOCK: 0b000,
  EXTENDED_BYTES_FROM_INDEX: 0b001,
  EXTENDED_PHYSICAL_SECTOR: 0b010,
  LONG_BLOCK: 0b011,
  BYTES_FROM_INDEX: 0b100,
  PHYSICAL_SECTOR: 0b101,
  VENDOR_SPECIFIC: 0b110,
} as const;

/** Size of one address descriptor in each format (vendor specific: unknown). */
export function defectDescriptorSize(format: number): number | undefined {
  switch (format) {
    case DefectListFormat.SHORT_BLOCK:
      return 4;
    case DefectListFormat.LONG_BLOCK:
    case DefectListFormat.EXTENDED_BYTES_FROM_INDEX:
    case DefectListFormat.EXTENDED_PHYSICAL_SECTOR:
    case DefectListFormat.BYTES_FROM_INDEX:
    case DefectListFormat.PHYSICAL_SECTOR:
      return 8;
    default:
      return undefined;
  }
}

export interface DefectData {
  plistv: boolean;
  glistv: boolean;
  format: number;
  /** READ DEFECT DATA (12) only. */
  generationCode?: number;
  /** DEFECT LIST LENGTH: bytes of address descriptors the device server has. */
  defectListLength: number;
  /** The address descriptor bytes present. */
  descriptors: Buffer;
  truncated: boolean;
}

/** SBC-4 5.22 READ DEFECT DATA (10) parameter data (4-byte header). */
export function parseDefectData10(buf: Buffer): DefectData {
  need('READ DEFECT DATA(10) data', buf, 4);
  const len = buf.readUInt16BE(2);
  return {
    plistv: (buf[1]! & 0x10) !== 0,
    glistv: (buf[1]! & 0x08) !== 0,
    format: buf[1]! & 7,
    defectListLength: len,
    descriptors: Buffer.from(buf.subarray(4, 4 + len)),
    truncated: buf.length < 4 + len,
  };
}

/** SBC-4 5.23 READ DEFECT DATA (12) parameter data (8-byte header with GENERATION CODE). */
export function parseDefectData12(buf: Buffer): DefectData {
  need('READ DEFECT DATA(12) data', buf, 8);
  const len = buf.readUInt32BE(4);
  return {
    plistv: (buf[1]! & 0x10) !== 0,
    glistv: (buf[1]! & 0x08) !== 0,
    format: buf[1]! & 7,
    generationCode: buf.readUInt16BE(2),
    defectListLength: len,
    descriptors: Buffer.from(buf.subarray(8, 8 + Math.min(len, buf.length))),
    truncated: buf.length < 8 + len,
  };
}

/** What the encoders take; `descriptors` are already encoded in `format`. */
export interface DefectDataInit {
  plistv?: boolean;
  glistv?: boolean;
  format: number;
  descriptors?: Buffer;
}

/** SBC-4 5.22 READ DEFECT DATA (10) parameter data. */
export function encodeDefectData10(o: DefectDataInit): Buffer {
  const ctx = 'READ DEFECT DATA(10) data';
  const d = o.descriptors ?? Buffer.alloc(0);
  if (d.length > 0xffff) throw rangeError(`${ctx}: ${d.length} bytes of descriptors do not fit DEFECT LIST LENGTH`);
  const h = Buffer.alloc(4);
  h[1] = (bit(o.plistv) << 4) | (bit(o.glistv) << 3) | uint(ctx, 'DEFECT LIST FORMAT', o.format, 3);
  h.writeUInt16BE(d.length, 2);
  return Buffer.concat([h, d]);
}

/** SBC-4 5.23 READ DEFECT DATA (12) parameter data. */
export function encodeDefectData12(o: DefectDataInit & { generationCode?: number }): Buffer {
  const ctx = 'READ DEFECT DATA(12) data';
  const d = o.descriptors ?? Buffer.alloc(0);
  const h = Buffer.alloc(8);
  h[1] = (bit(o.plistv) << 4) | (bit(o.glistv) << 3) | uint(ctx, 'DEFECT LIST FORMAT', o.format, 3);
  h.writeUInt16BE(optUint(ctx, 'GENERATION CODE', o.generationCode, 16), 2);
  h.writeUInt32BE(uint(ctx, 'DEFECT LIST LENGTH', d.length, 32), 4);
  return Buffer.concat([h, d]);
}
