/**
 * The copy manager (SPC-5 6.6 EXTENDED COPY, LID1 only) and RECEIVE COPY RESULTS (COPY STATUS (LID1) and
 * OPERATING PARAMETERS). It copies blocks between logical units of this target named by Identification
 * CSCD descriptors (E4h) with their NAA designator, using block-to-block segment descriptors (02h).
 *
 * The whole parameter list is checked before any block is read: a bad descriptor, an unreachable copy target
 * or a segment past the end of a medium ends the command with the sense SPC-5 names and changes no block.
 */
import { Op, ExtendedCopySa, ReceiveCopySa } from '../../../protocol/scsi/opcodes.js';
import { Asc, SenseKey } from '../../../protocol/scsi/sense.js';
import {
  BLOCK_SEGMENT_LENGTH,
  CopyManagerStatus,
  CSCD_DESCRIPTOR_LENGTH,
  decodeBlockSegment,
  decodeIdentificationCscd,
  decodeXcopyHeader,
  encodeCopyOperatingParameters,
  encodeCopyStatusLid1,
  XCOPY_HEADER_LENGTH,
  XcopyDescriptor,
  type CopyStatusLid1,
} from '../../../protocol/scsi/xcopy.js';
import {
  encodeThirdPartyCopyVpd,
  encodeTpcGeneralCopyOperations,
  encodeTpcParameterData,
  encodeTpcSupportedCommands,
  encodeTpcSupportedCscdIds,
  encodeTpcSupportedDescriptors,
} from '../../../protocol/scsi/tpcvpd.js';
import { CheckCondition, invalidCdb, invalidParam, paramListLengthError } from '../check.js';
import type { LogicalUnit } from '../lu.js';
import { Q } from '../quirks.js';
import { catalogued, type CommandSpec, type Ctx, type HandlerResult } from './types.js';

/** The copy manager's limits, reported by OPERATING PARAMETERS and enforced by EXTENDED COPY. */
export const COPY_LIMITS = {
  maxCscdDescriptors: 8,
  maxSegmentDescriptors: 64,
  /** Room for the maximum counts of both descriptor kinds. */
  maxDescriptorListLength: 8 * CSCD_DESCRIPTOR_LENGTH + 64 * BLOCK_SEGMENT_LENGTH,
  maxInlineDataLength: 0,
} as const;

/** Copies are done in pieces of this many bytes, so that a segment never holds more in memory. */
const CHUNK_BYTES = 1024 * 1024;
/** Copy status entries remembered per LU (oldest forgotten first). */
const MAX_HELD_STATUS = 64;

const heldStatus = new WeakMap<LogicalUnit, Map<string, CopyStatusLid1>>();

function holdStatus(lu: LogicalUnit, key: string, s: CopyStatusLid1): void {
  let m = heldStatus.get(lu);
  if (!m) heldStatus.set(lu, (m = new Map()));
  m.delete(key);
  m.set(key, s);
  if (m.size > MAX_HELD_STATUS) m.delete(m.keys().next().value!);
}

const copyAborted = (asc: number, byte?: number): CheckCondition =>
  new CheckCondition(SenseKey.COPY_ABORTED, asc, byte === undefined ? {} : { field: { cd: false, byte } });
const illegal = (asc: number, byte: number, bit?: number): CheckCondition =>
  new CheckCondition(SenseKey.ILLEGAL_REQUEST, asc, { field: { cd: false, byte, ...(bit === undefined ? {} : { bit }) } });

/** The LU of this target whose NAA designator the designation descriptor carries (code set binary, designator type 3h, association LU). */
function copyTarget(ctx: Ctx, designation: Buffer): LogicalUnit | undefined {
  const codeSet = designation[0]! & 0x0f;
  const association = (designation[1]! >> 4) & 3;
  const type = designation[1]! & 0x0f;
  if (codeSet !== 1 || association !== 0 || type !== 3) return undefined;
  const id = designation.subarray(4, 4 + designation[3]!);
  return ctx.core.logicalUnits().find((lu) => lu.naa.equals(id));
}

/** CSCD DESCRIPTOR ID FFFFh: the logical unit that contains the copy manager (the one EXTENDED COPY was sent to). */
export const OWN_LU_CSCD_ID = 0xffff;

/** The copy target a segment descriptor's CSCD DESCRIPTOR ID names, if any. */
const cscd = (ctx: Ctx, targets: LogicalUnit[], id: number): LogicalUnit | undefined => (id === OWN_LU_CSCD_ID ? ctx.lu : targets[id]);

interface Segment {
  src: LogicalUnit;
  dst: LogicalUnit;
  srcLba: bigint;
  dstLba: bigint;
  blocks: number;
}

/** Checks the whole parameter list and returns the segments to run. */
function parseList(ctx: Ctx, p: Buffer, len: number): { listId: number; hold: boolean; segments: Segment[] } {
  if (len < XCOPY_HEADER_LENGTH) throw paramListLengthError();
  const h = decodeXcopyHeader(p);
  // LIST ID USAGE 01b is reserved; 11b (no list identifier) requires LIST IDENTIFIER 0
  if (h.listIdUsage === 1) throw invalidParam(1, 4);
  if (h.listIdUsage === 3 && h.listIdentifier !== 0) throw invalidParam(0);
  if (h.inlineDataLength > COPY_LIMITS.maxInlineDataLength) throw illegal(Asc.INLINE_DATA_LENGTH_EXCEEDED, 12);
  // the lengths must account for exactly the parameter list the command transferred
  if (XCOPY_HEADER_LENGTH + h.cscdListLength + h.segmentListLength + h.inlineDataLength !== len) throw paramListLengthError();
  if (h.cscdListLength + h.segmentListLength > COPY_LIMITS.maxDescriptorListLength) throw paramListLengthError();
  if (h.cscdListLength % CSCD_DESCRIPTOR_LENGTH !== 0) throw invalidParam(2);
  const nCscd = h.cscdListLength / CSCD_DESCRIPTOR_LENGTH;
  if (nCscd > COPY_LIMITS.maxCscdDescriptors) throw illegal(Asc.TOO_MANY_TARGET_DESCRIPTORS, 2);
  const lax = ctx.core.quirks.has(Q.XCOPY_ANY_DESCRIPTOR);

  const targets: LogicalUnit[] = [];
  for (let i = 0; i < nCscd; i++) {
    const off = XCOPY_HEADER_LENGTH + i * CSCD_DESCRIPTOR_LENGTH;
    if (p[off] !== XcopyDescriptor.IDENTIFICATION) {
      if (lax) return { listId: h.listIdentifier, hold: false, segments: [] };
      throw illegal(Asc.UNSUPPORTED_TARGET_DESCRIPTOR_TYPE_CODE, off, 7);
    }
    const d = decodeIdentificationCscd(p.subarray(off, off + CSCD_DESCRIPTOR_LENGTH));
    // SPC-5 (Identification Descriptor CSCD descriptor): its LU ID TYPE field shall be ignored, and byte 1 bit 5
    // (the NUL bit of SPC-3) is obsolete; only the PERIPHERAL DEVICE TYPE of byte 1 is checked
    if (d.luIdType !== 0 && ctx.core.quirks.has(Q.XCOPY_CHECKS_LU_ID_TYPE)) throw invalidParam(off + 1, 7);
    if (d.peripheralDeviceType !== 0) throw invalidParam(off + 1, 4);
    const lu = copyTarget(ctx, d.designation);
    if (!lu) throw copyAborted(Asc.UNREACHABLE_COPY_TARGET);
    // DISK BLOCK LENGTH 0: the copy manager finds the block length itself (SPC-5, block device type parameters)
    if (d.blockLength !== 0 && d.blockLength !== lu.blockSize) throw invalidParam(off + 29);
    targets.push(lu);
  }

  const segments: Segment[] = [];
  const end = XCOPY_HEADER_LENGTH + h.cscdListLength + h.segmentListLength;
  for (let off = XCOPY_HEADER_LENGTH + h.cscdListLength; off < end;) {
    if (segments.length >= COPY_LIMITS.maxSegmentDescriptors) throw illegal(Asc.TOO_MANY_SEGMENT_DESCRIPTORS, 8);
    if (p[off] !== XcopyDescriptor.BLOCK_TO_BLOCK) {
      if (lax) return { listId: h.listIdentifier, hold: false, segments: [] };
      throw illegal(Asc.UNSUPPORTED_SEGMENT_DESCRIPTOR_TYPE_CODE, off, 7);
    }
    if (off + BLOCK_SEGMENT_LENGTH > end) throw paramListLengthError();
    const s = decodeBlockSegment(p.subarray(off, off + BLOCK_SEGMENT_LENGTH));
    if (s.descriptorLength !== BLOCK_SEGMENT_LENGTH - 4) throw invalidParam(off + 2);
    // SPC-5 (segment descriptors): a CSCD DESCRIPTOR ID naming no CSCD descriptor of the list names a copy
    // target the copy manager cannot reach: COPY ABORTED, UNREACHABLE COPY TARGET; FFFFh is this logical unit
    const src = cscd(ctx, targets, s.sourceIndex);
    const dst = cscd(ctx, targets, s.destinationIndex);
    if (!src) throw copyAborted(Asc.UNREACHABLE_COPY_TARGET, off + 4);
    if (!dst) throw copyAborted(Asc.UNREACHABLE_COPY_TARGET, off + 6);
    for (const [lu, lba, at] of [
      [src, s.sourceLba, off + 12],
      [dst, s.destinationLba, off + 20],
    ] as const) {
      lu.requireMedium();
      // found before any segment is processed, so not COPY ABORTED (SPC-5, EXTENDED COPY errors detected before
      // segment descriptor processing starts): the range is an invalid parameter, as for any command naming LBAs
      if (lba + BigInt(s.blocks) > BigInt(lu.blocks) && !ctx.core.quirks.has(Q.NO_LBA_RANGE_CHECK)) throw illegal(Asc.LBA_OUT_OF_RANGE, at);
    }
    dst.requireWritable();
    segments.push({ src, dst, srcLba: s.sourceLba, dstLba: s.destinationLba, blocks: s.blocks });
    off += BLOCK_SEGMENT_LENGTH;
  }
  return { listId: h.listIdentifier, hold: h.listIdUsage === 0 || h.listIdUsage === 2, segments };
}

/** Copies one segment in pieces, each under the range locks of its source and destination blocks. */
async function runSegment(ctx: Ctx, s: Segment): Promise<void> {
  const per = Math.max(1, Math.floor(CHUNK_BYTES / s.src.blockSize));
  for (let done = 0; done < s.blocks; done += per) {
    const n = BigInt(Math.min(per, s.blocks - done));
    const at = BigInt(done);
    const releaseSrc = await s.src.lock(ctx.task, s.srcLba + at, n, false);
    let data: Buffer;
    try {
      data = await s.src.readBlocks(s.srcLba + at, n);
    } finally {
      releaseSrc();
    }
    const releaseDst = await s.dst.lock(ctx.task, s.dstLba + at, n, true);
    try {
      await s.dst.writeBytes(s.dstLba + at, data);
    } finally {
      releaseDst();
    }
  }
}

async function extendedCopy(ctx: Ctx): Promise<HandlerResult> {
  const len = ctx.f.num('paramLen');
  // SPC-5 6.6: a PARAMETER LIST LENGTH of zero is not an error; nothing is transferred or changed
  if (len === 0) return ctx.req.dataOut?.length ? { transferLength: 0 } : {};
  const d = ctx.req.dataOut ?? Buffer.alloc(0);
  if (d.length < len) throw paramListLengthError();
  const list = parseList(ctx, d.subarray(0, len), len);
  const key = `${ctx.itKey}/${list.listId}`;
  let processed = 0;
  let bytes = 0;
  try {
    if (!ctx.core.quirks.has(Q.XCOPY_NOOP)) {
      for (const s of list.segments) {
        await runSegment(ctx, s);
        processed++;
        bytes += s.blocks * s.src.blockSize;
      }
    } else processed = list.segments.length;
  } catch (e) {
    if (list.hold) holdStatus(ctx.lu, key, status(CopyManagerStatus.COMPLETED_WITH_ERRORS, processed, bytes));
    throw e;
  }
  if (list.hold) holdStatus(ctx.lu, key, status(CopyManagerStatus.COMPLETED_GOOD, processed, bytes));
  return d.length > len ? { transferLength: len } : {};
}

/** A copy status in KiB when the byte count does not fit the 32-bit TRANSFER COUNT. */
function status(copyManagerStatus: number, segmentsProcessed: number, bytes: number): CopyStatusLid1 {
  const kib = bytes > 0xffffffff;
  return { hdd: false, copyManagerStatus, segmentsProcessed, transferCountUnits: kib ? 1 : 0, transferCount: kib ? Math.floor(bytes / 1024) : bytes };
}

const cut = (b: Buffer, alloc: number): Buffer => (b.length > alloc ? b.subarray(0, alloc) : b);

async function copyStatus(ctx: Ctx): Promise<HandlerResult> {
  const s = heldStatus.get(ctx.lu)?.get(`${ctx.itKey}/${ctx.f.num('listId')}`);
  // no EXTENDED COPY from this I_T nexus holds that list identifier
  if (!s) throw invalidCdb(ctx.f.byteOf('listId'));
  return { data: cut(encodeCopyStatusLid1(s), ctx.f.num('alloc')) };
}

/** The descriptor type codes the copy manager implements, ascending (OPERATING PARAMETERS and the Third-party Copy VPD page). */
const IMPLEMENTED_DESCRIPTORS = [XcopyDescriptor.BLOCK_TO_BLOCK, XcopyDescriptor.IDENTIFICATION];
/** A block-to-block segment names at most 65535 blocks. */
const maxSegmentLength = (lu: LogicalUnit): number => Math.min(0xffff * lu.blockSize, 0xffffffff);

/**
 * The Third-party Copy VPD page (SPC-5): the same limits as OPERATING PARAMETERS, in the descriptors a LID1 copy
 * manager reports, in ascending order of descriptor type.
 */
export function thirdPartyCopyVpd(ctx: Ctx): Buffer {
  const ordered = [
    encodeTpcSupportedCommands([
      { opcode: Op.EXTENDED_COPY, serviceActions: [ExtendedCopySa.LID1] },
      { opcode: Op.RECEIVE_COPY_RESULTS, serviceActions: [ReceiveCopySa.COPY_STATUS_LID1, ReceiveCopySa.OPERATING_PARAMETERS] },
    ]),
    encodeTpcParameterData(COPY_LIMITS),
    encodeTpcSupportedDescriptors(IMPLEMENTED_DESCRIPTORS),
    encodeTpcSupportedCscdIds([OWN_LU_CSCD_ID]),
    encodeTpcGeneralCopyOperations({
      totalConcurrentCopies: 1,
      maxIdentifiedConcurrentCopies: 1,
      maxSegmentLength: maxSegmentLength(ctx.lu),
      dataSegmentGranularity: Math.log2(ctx.lu.blockSize),
      inlineDataGranularity: 0,
    }),
  ];
  const descriptors = ctx.core.quirks.has(Q.TPC_VPD_UNSORTED) ? [ordered[4]!, ...ordered.slice(0, 4)] : ordered;
  return encodeThirdPartyCopyVpd({ descriptors });
}

async function operatingParameters(ctx: Ctx): Promise<HandlerResult> {
  const bs = ctx.lu.blockSize;
  const data = encodeCopyOperatingParameters({
    snlid: false,
    maxCscdDescriptors: COPY_LIMITS.maxCscdDescriptors,
    maxSegmentDescriptors: COPY_LIMITS.maxSegmentDescriptors,
    maxDescriptorListLength: COPY_LIMITS.maxDescriptorListLength,
    maxSegmentLength: maxSegmentLength(ctx.lu),
    maxInlineDataLength: COPY_LIMITS.maxInlineDataLength,
    heldDataLimit: 0,
    maxStreamDeviceTransferSize: 0,
    totalConcurrentCopies: 1,
    maxConcurrentCopies: 1,
    dataSegmentGranularity: Math.log2(bs),
    inlineDataGranularity: 0,
    heldDataGranularity: 0,
    implementedDescriptors: IMPLEMENTED_DESCRIPTORS,
  });
  if (ctx.core.quirks.has(Q.XCOPY_BAD_OP_PARAMS)) data.writeUInt32BE(data.length, 0);
  return { data: cut(data, ctx.f.num('alloc')) };
}

export const copyCommands: CommandSpec[] = [
  { ...catalogued(Op.EXTENDED_COPY, ExtendedCopySa.LID1), access: 'write', timeout: 120, handler: extendedCopy },
  { ...catalogued(Op.RECEIVE_COPY_RESULTS, ReceiveCopySa.COPY_STATUS_LID1), access: 'read', handler: copyStatus },
  { ...catalogued(Op.RECEIVE_COPY_RESULTS, ReceiveCopySa.OPERATING_PARAMETERS), access: 'read', handler: operatingParameters },
];
