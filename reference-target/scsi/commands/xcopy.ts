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

const copyAborted = (asc: number): CheckCondition => new CheckCondition(SenseKey.COPY_ABORTED, asc);
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
    if (d.luIdType !== 0) throw invalidParam(off + 1, 7);
    if (d.nul) throw invalidParam(off + 1, 5);
    if (d.peripheralDeviceType !== 0) throw invalidParam(off + 1, 4);
    const lu = copyTarget(ctx, d.designation);
    if (!lu) throw copyAborted(Asc.UNREACHABLE_COPY_TARGET);
    if (d.blockLength !== lu.blockSize) throw invalidParam(off + 29);
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
    const src = targets[s.sourceIndex];
    const dst = targets[s.destinationIndex];
    if (!src) throw invalidParam(off + 4);
    if (!dst) throw invalidParam(off + 6);
    for (const [lu, lba] of [
      [src, s.sourceLba],
      [dst, s.destinationLba],
    ] as const) {
      lu.requireMedium();
      if (lba + BigInt(s.blocks) > BigInt(lu.blocks) && !ctx.core.quirks.has(Q.NO_LBA_RANGE_CHECK)) throw copyAborted(Asc.LBA_OUT_OF_RANGE);
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

async function operatingParameters(ctx: Ctx): Promise<HandlerResult> {
  const bs = ctx.lu.blockSize;
  const data = encodeCopyOperatingParameters({
    snlid: false,
    maxCscdDescriptors: COPY_LIMITS.maxCscdDescriptors,
    maxSegmentDescriptors: COPY_LIMITS.maxSegmentDescriptors,
    maxDescriptorListLength: COPY_LIMITS.maxDescriptorListLength,
    // a block-to-block segment names at most 65535 blocks
    maxSegmentLength: Math.min(0xffff * bs, 0xffffffff),
    maxInlineDataLength: COPY_LIMITS.maxInlineDataLength,
    heldDataLimit: 0,
    maxStreamDeviceTransferSize: 0,
    totalConcurrentCopies: 1,
    maxConcurrentCopies: 1,
    dataSegmentGranularity: Math.log2(bs),
    inlineDataGranularity: 0,
    heldDataGranularity: 0,
    implementedDescriptors: [XcopyDescriptor.BLOCK_TO_BLOCK, XcopyDescriptor.IDENTIFICATION],
  });
  if (ctx.core.quirks.has(Q.XCOPY_BAD_OP_PARAMS)) data.writeUInt32BE(data.length, 0);
  return { data: cut(data, ctx.f.num('alloc')) };
}

export const copyCommands: CommandSpec[] = [
  { ...catalogued(Op.EXTENDED_COPY, ExtendedCopySa.LID1), access: 'write', timeout: 120, handler: extendedCopy },
  { ...catalogued(Op.RECEIVE_COPY_RESULTS, ReceiveCopySa.COPY_STATUS_LID1), access: 'read', handler: copyStatus },
  { ...catalogued(Op.RECEIVE_COPY_RESULTS, ReceiveCopySa.OPERATING_PARAMETERS), access: 'read', handler: operatingParameters },
];
