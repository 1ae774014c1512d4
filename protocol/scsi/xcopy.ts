/**
 * Third-party copy parameter data (SPC-4 6.3 / SPC-5 6.6 EXTENDED COPY (LID1), RECEIVE COPY RESULTS): the
 * CSCD and segment descriptors of an EXTENDED COPY parameter list, the operating parameters and the copy
 * status a copy manager reports. The list header itself is `extendedCopyParameterList` (cdb.ts).
 *
 * Only what the project uses is coded: the Identification CSCD descriptor (E4h) naming a logical unit by a
 * designator of its Device Identification page, and the block device to block device segment descriptor
 * (02h).
 */
import { rangeError } from '../errors.js';
import { bit, need, optUint, putBE, uint, uintBig, type U64 } from './util.js';

/** Descriptor type codes (SPC-4 table of EXTENDED COPY descriptor type codes). */
export const XcopyDescriptor = {
  /** Segment: copy from block device to block device. */
  BLOCK_TO_BLOCK: 0x02,
  /** CSCD: identification descriptor. */
  IDENTIFICATION: 0xe4,
} as const;

/** Sizes of the EXTENDED COPY (LID1) parameter list parts. */
export const XCOPY_HEADER_LENGTH = 16;
export const CSCD_DESCRIPTOR_LENGTH = 32;
/** The block-to-block segment descriptor is 28 bytes; its DESCRIPTOR LENGTH field says 24 (0018h). */
export const BLOCK_SEGMENT_LENGTH = 28;

/** An Identification CSCD descriptor (E4h). */
export interface IdentificationCscd {
  /** LU ID TYPE: 00b the designator names the LU (the only value this project sends). */
  luIdType?: number;
  nul?: boolean;
  /** PERIPHERAL DEVICE TYPE (0: direct access block device). */
  peripheralDeviceType?: number;
  relativeInitiatorPortId?: number;
  /** The designation descriptor as the Device Identification page carries it (4-byte header + designator, at most 20 bytes). */
  designation: Buffer;
  pad?: boolean;
  /** DISK BLOCK LENGTH (the copy target's logical block length). */
  blockLength: number;
}

/** Encodes an Identification CSCD descriptor (32 bytes). */
export function encodeIdentificationCscd(o: IdentificationCscd & { typeCode?: number }): Buffer {
  const ctx = 'Identification CSCD descriptor';
  if (o.designation.length > 20) throw rangeError(`${ctx}: a designation descriptor of ${o.designation.length} bytes does not fit in 20`);
  const b = Buffer.alloc(CSCD_DESCRIPTOR_LENGTH);
  b[0] = optUint(ctx, 'DESCRIPTOR TYPE CODE', o.typeCode, 8, XcopyDescriptor.IDENTIFICATION);
  b[1] = (optUint(ctx, 'LU ID TYPE', o.luIdType, 2) << 6) | (bit(o.nul) << 5) | optUint(ctx, 'PERIPHERAL DEVICE TYPE', o.peripheralDeviceType, 5);
  b.writeUInt16BE(optUint(ctx, 'RELATIVE INITIATOR PORT IDENTIFIER', o.relativeInitiatorPortId, 16), 2);
  o.designation.copy(b, 4);
  b[28] = bit(o.pad) << 2;
  b.writeUIntBE(uint(ctx, 'DISK BLOCK LENGTH', o.blockLength, 24), 29, 3);
  return b;
}

/** Decodes the fields of a 32-byte Identification CSCD descriptor (the caller checks the type code). */
export function decodeIdentificationCscd(b: Buffer): Required<IdentificationCscd> {
  need('Identification CSCD descriptor', b, CSCD_DESCRIPTOR_LENGTH);
  const idLen = Math.min(b[7]!, 16);
  return {
    luIdType: b[1]! >> 6,
    nul: (b[1]! & 0x20) !== 0,
    peripheralDeviceType: b[1]! & 0x1f,
    relativeInitiatorPortId: b.readUInt16BE(2),
    designation: Buffer.from(b.subarray(4, 8 + idLen)),
    pad: (b[28]! & 0x04) !== 0,
    blockLength: b.readUIntBE(29, 3),
  };
}

/** A block device to block device segment descriptor (02h). */
export interface BlockSegment {
  dc?: boolean;
  cat?: boolean;
  /** DESCRIPTOR LENGTH (default 0018h, the only valid value). */
  descriptorLength?: number;
  sourceIndex: number;
  destinationIndex: number;
  blocks: number;
  sourceLba: U64;
  destinationLba: U64;
}

/** Encodes a block-to-block segment descriptor (28 bytes). */
export function encodeBlockSegment(o: BlockSegment & { typeCode?: number }): Buffer {
  const ctx = 'block to block segment descriptor';
  const b = Buffer.alloc(BLOCK_SEGMENT_LENGTH);
  b[0] = optUint(ctx, 'DESCRIPTOR TYPE CODE', o.typeCode, 8, XcopyDescriptor.BLOCK_TO_BLOCK);
  b[1] = (bit(o.dc) << 1) | bit(o.cat);
  b.writeUInt16BE(optUint(ctx, 'DESCRIPTOR LENGTH', o.descriptorLength, 16, BLOCK_SEGMENT_LENGTH - 4), 2);
  b.writeUInt16BE(uint(ctx, 'SOURCE CSCD DESCRIPTOR INDEX', o.sourceIndex, 16), 4);
  b.writeUInt16BE(uint(ctx, 'DESTINATION CSCD DESCRIPTOR INDEX', o.destinationIndex, 16), 6);
  b.writeUInt16BE(uint(ctx, 'BLOCK DEVICE NUMBER OF BLOCKS', o.blocks, 16), 10);
  putBE(b, 12, 8, uintBig(ctx, 'SOURCE LOGICAL BLOCK ADDRESS', o.sourceLba, 64));
  putBE(b, 20, 8, uintBig(ctx, 'DESTINATION LOGICAL BLOCK ADDRESS', o.destinationLba, 64));
  return b;
}

/** Decodes a block-to-block segment descriptor (the caller checks the type code and length). */
export function decodeBlockSegment(b: Buffer): Required<BlockSegment> & { sourceLba: bigint; destinationLba: bigint } {
  need('block to block segment descriptor', b, BLOCK_SEGMENT_LENGTH);
  return {
    dc: (b[1]! & 0x02) !== 0,
    cat: (b[1]! & 0x01) !== 0,
    descriptorLength: b.readUInt16BE(2),
    sourceIndex: b.readUInt16BE(4),
    destinationIndex: b.readUInt16BE(6),
    blocks: b.readUInt16BE(10),
    sourceLba: b.readBigUInt64BE(12),
    destinationLba: b.readBigUInt64BE(20),
  };
}

/** The EXTENDED COPY (LID1) parameter list header, decoded. */
export interface XcopyHeader {
  listIdentifier: number;
  str: boolean;
  listIdUsage: number;
  priority: number;
  cscdListLength: number;
  segmentListLength: number;
  inlineDataLength: number;
}

export function decodeXcopyHeader(b: Buffer): XcopyHeader {
  need('EXTENDED COPY parameter list header', b, XCOPY_HEADER_LENGTH);
  return {
    listIdentifier: b[0]!,
    str: (b[1]! & 0x20) !== 0,
    listIdUsage: (b[1]! >> 3) & 3,
    priority: b[1]! & 7,
    cscdListLength: b.readUInt16BE(2),
    segmentListLength: b.readUInt32BE(8),
    inlineDataLength: b.readUInt32BE(12),
  };
}

/** RECEIVE COPY RESULTS OPERATING PARAMETERS data (SPC-4 6.18.4). */
export interface CopyOperatingParameters {
  snlid: boolean;
  maxCscdDescriptors: number;
  maxSegmentDescriptors: number;
  maxDescriptorListLength: number;
  maxSegmentLength: number;
  maxInlineDataLength: number;
  heldDataLimit: number;
  maxStreamDeviceTransferSize: number;
  totalConcurrentCopies: number;
  maxConcurrentCopies: number;
  /** log2 of the data segment granularity in bytes. */
  dataSegmentGranularity: number;
  inlineDataGranularity: number;
  heldDataGranularity: number;
  /** The descriptor type codes the copy manager implements. */
  implementedDescriptors: number[];
}

const OPP_FIXED = 44;

export function encodeCopyOperatingParameters(o: CopyOperatingParameters): Buffer {
  const ctx = 'copy operating parameters';
  const b = Buffer.alloc(OPP_FIXED + o.implementedDescriptors.length);
  b.writeUInt32BE(b.length - 4, 0);
  b[4] = bit(o.snlid);
  b.writeUInt16BE(uint(ctx, 'MAXIMUM CSCD DESCRIPTOR COUNT', o.maxCscdDescriptors, 16), 8);
  b.writeUInt16BE(uint(ctx, 'MAXIMUM SEGMENT DESCRIPTOR COUNT', o.maxSegmentDescriptors, 16), 10);
  b.writeUInt32BE(uint(ctx, 'MAXIMUM DESCRIPTOR LIST LENGTH', o.maxDescriptorListLength, 32), 12);
  b.writeUInt32BE(uint(ctx, 'MAXIMUM SEGMENT LENGTH', o.maxSegmentLength, 32), 16);
  b.writeUInt32BE(uint(ctx, 'MAXIMUM INLINE DATA LENGTH', o.maxInlineDataLength, 32), 20);
  b.writeUInt32BE(uint(ctx, 'HELD DATA LIMIT', o.heldDataLimit, 32), 24);
  b.writeUInt32BE(uint(ctx, 'MAXIMUM STREAM DEVICE TRANSFER SIZE', o.maxStreamDeviceTransferSize, 32), 28);
  b.writeUInt16BE(uint(ctx, 'TOTAL CONCURRENT COPIES', o.totalConcurrentCopies, 16), 34);
  b[36] = uint(ctx, 'MAXIMUM CONCURRENT COPIES', o.maxConcurrentCopies, 8);
  b[37] = uint(ctx, 'DATA SEGMENT GRANULARITY', o.dataSegmentGranularity, 8);
  b[38] = uint(ctx, 'INLINE DATA GRANULARITY', o.inlineDataGranularity, 8);
  b[39] = uint(ctx, 'HELD DATA GRANULARITY', o.heldDataGranularity, 8);
  b[43] = uint(ctx, 'IMPLEMENTED DESCRIPTOR LIST LENGTH', o.implementedDescriptors.length, 8);
  o.implementedDescriptors.forEach((c, i) => (b[OPP_FIXED + i] = uint(ctx, 'descriptor type code', c, 8)));
  return b;
}

export function parseCopyOperatingParameters(b: Buffer): CopyOperatingParameters & { availableData: number } {
  const ctx = 'copy operating parameters';
  need(ctx, b, OPP_FIXED);
  const n = b[43]!;
  need(ctx, b, OPP_FIXED + n);
  return {
    availableData: b.readUInt32BE(0),
    snlid: (b[4]! & 1) !== 0,
    maxCscdDescriptors: b.readUInt16BE(8),
    maxSegmentDescriptors: b.readUInt16BE(10),
    maxDescriptorListLength: b.readUInt32BE(12),
    maxSegmentLength: b.readUInt32BE(16),
    maxInlineDataLength: b.readUInt32BE(20),
    heldDataLimit: b.readUInt32BE(24),
    maxStreamDeviceTransferSize: b.readUInt32BE(28),
    totalConcurrentCopies: b.readUInt16BE(34),
    maxConcurrentCopies: b[36]!,
    dataSegmentGranularity: b[37]!,
    inlineDataGranularity: b[38]!,
    heldDataGranularity: b[39]!,
    implementedDescriptors: [...b.subarray(OPP_FIXED, OPP_FIXED + n)],
  };
}

/** COPY MANAGER STATUS values of RECEIVE COPY RESULTS COPY STATUS (LID1). */
export const CopyManagerStatus = { IN_PROGRESS: 0x00, COMPLETED_GOOD: 0x01, COMPLETED_WITH_ERRORS: 0x02 } as const;

/** RECEIVE COPY RESULTS COPY STATUS (LID1) data (SPC-4 6.18.2): 12 bytes. */
export interface CopyStatusLid1 {
  hdd: boolean;
  copyManagerStatus: number;
  segmentsProcessed: number;
  /** TRANSFER COUNT UNITS (00h bytes, 01h KiB, 02h MiB, ...). */
  transferCountUnits: number;
  transferCount: number;
}

export function encodeCopyStatusLid1(o: CopyStatusLid1): Buffer {
  const ctx = 'copy status (LID1)';
  const b = Buffer.alloc(12);
  b.writeUInt32BE(8, 0);
  b[4] = (bit(o.hdd) << 7) | uint(ctx, 'COPY MANAGER STATUS', o.copyManagerStatus, 7);
  b.writeUInt16BE(uint(ctx, 'SEGMENTS PROCESSED', o.segmentsProcessed, 16), 5);
  b[7] = uint(ctx, 'TRANSFER COUNT UNITS', o.transferCountUnits, 8);
  b.writeUInt32BE(uint(ctx, 'TRANSFER COUNT', o.transferCount, 32), 8);
  return b;
}

export function parseCopyStatusLid1(b: Buffer): CopyStatusLid1 & { availableData: number } {
  need('copy status (LID1)', b, 12);
  return {
    availableData: b.readUInt32BE(0),
    hdd: (b[4]! & 0x80) !== 0,
    copyManagerStatus: b[4]! & 0x7f,
    segmentsProcessed: b.readUInt16BE(5),
    transferCountUnits: b[7]!,
    transferCount: b.readUInt32BE(8),
  };
}
