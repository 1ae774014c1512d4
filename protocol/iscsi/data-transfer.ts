/**
 * Pure logic that both ends of an iSCSI connection need for moving data, written once so that the
 * initiator and the reference target cannot drift apart (no I/O, no timers, no copies of data):
 *
 * - splitting a transfer into data PDUs (Data-In or Data-Out) within MaxRecvDataSegmentLength and,
 *   for Data-In, ending each sequence at MaxBurstLength (RFC 7143 11.7.1, 13.12, 13.13);
 * - checking that a received data PDU continues its sequence (DataSN, Buffer Offset, end of the
 *   transfer) under DataPDUInOrder=Yes (RFC 7143 11.7.5, 11.7.6, 13.18);
 * - the SenseLength framing of sense data in a SCSI Response or Asynchronous Message (11.4.7.2, 11.9.4);
 * - peeking a header for what a receiver needs before the data segment arrives (where to place a
 *   Data-In/Data-Out segment) and for a PDU's length on the wire (11.2, 11.2.1.5).
 */
import { BHS_LENGTH, padLength } from './constants.js';
import { protocolError, rangeError } from '../errors.js';

// ------------------------------------------------------------------------------------------------
// Splitting a transfer into data PDUs

/** One data PDU of a transfer: the bytes it carries (as offsets into the transfer), its DataSN and F bit. */
export interface DataPduSlot {
  /** Buffer Offset of the PDU's first byte. */
  offset: number;
  /** Bytes in its data segment (at least 1). */
  length: number;
  dataSN: number;
  /** F bit: the PDU ends a sequence (the burst is full, or the transfer ends). */
  final: boolean;
  /** The PDU carries the transfer's last byte. */
  last: boolean;
}

export interface SplitLimits {
  /** Largest data segment a PDU may carry: the receiver's MaxRecvDataSegmentLength (or less). */
  maxSegment: number;
  /**
   * Bytes per sequence: the F bit is set and a PDU never crosses a multiple of this, counted from
   * the transfer's start (Data-In: MaxBurstLength, RFC 7143 13.13). Omitted: one sequence.
   */
  maxBurst?: number;
  /** DataSN of the first PDU (default 0). Data-In numbers run on across sequences (11.7.5). */
  firstDataSN?: number;
}

/**
 * The data PDUs that move `length` bytes starting at Buffer Offset `start`, in order. A transfer of
 * 0 bytes needs none. `maxSegment` and `maxBurst` must be at least 1 (a declared limit of 0 would
 * never end): a clear error otherwise.
 */
export function splitTransfer(start: number, length: number, limits: SplitLimits): DataPduSlot[] {
  const { maxSegment, maxBurst } = limits;
  if (!Number.isSafeInteger(maxSegment) || maxSegment < 1) throw rangeError(`data PDU split: segment limit ${maxSegment} is not a positive integer`);
  if (maxBurst !== undefined && (!Number.isSafeInteger(maxBurst) || maxBurst < 1))
    throw rangeError(`data PDU split: burst limit ${maxBurst} is not a positive integer`);
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw rangeError(`data PDU split: offset ${start} and length ${length} must be integers of at least 0`);
  }
  const out: DataPduSlot[] = [];
  const end = start + length;
  let dataSN = limits.firstDataSN ?? 0;
  let inBurst = 0;
  // Bounded by length / min(maxSegment, maxBurst) + length / maxBurst.
  for (let at = start; at < end;) {
    const n = Math.min(maxSegment, end - at, maxBurst === undefined ? Infinity : maxBurst - inBurst);
    inBurst += n;
    const last = at + n >= end;
    const endOfBurst = last || (maxBurst !== undefined && inBurst >= maxBurst);
    out.push({ offset: at, length: n, dataSN, final: endOfBurst, last });
    dataSN = (dataSN + 1) >>> 0;
    at += n;
    if (endOfBurst) inBurst = 0;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Receiving data PDUs in sequence

/** Where a sequence of data PDUs stands: what the next PDU must carry. */
export interface DataSequence {
  /** DataSN the next PDU must carry. */
  expDataSN: number;
  /** Buffer Offset the next PDU must start at (DataPDUInOrder=Yes: where the previous one ended). */
  nextOffset: number;
  /** Offset no PDU may carry data past (EDTL, or the end of the burst an R2T asked for). */
  end: number;
}

/** A received data PDU that does not continue its sequence: which field, what it held, what was due. */
export interface DataSequenceFault {
  field: 'DataSN' | 'Buffer Offset' | 'DataSegmentLength';
  received: number;
  expected: number;
  /** One line naming the field and both values. */
  message: string;
}

/**
 * Whether a data PDU (`dataSN`, `bufferOffset`, `length` bytes) continues `seq`; undefined if it does.
 * The first fault found is reported: DataSN, then Buffer Offset, then data past `end`.
 */
export function checkDataSequence(seq: DataSequence, dataSN: number, bufferOffset: number, length: number): DataSequenceFault | undefined {
  if (dataSN !== seq.expDataSN) {
    return { field: 'DataSN', received: dataSN, expected: seq.expDataSN, message: `DataSN ${dataSN}, expected ${seq.expDataSN}` };
  }
  if (bufferOffset !== seq.nextOffset) {
    return { field: 'Buffer Offset', received: bufferOffset, expected: seq.nextOffset, message: `Buffer Offset ${bufferOffset}, expected ${seq.nextOffset}` };
  }
  if (bufferOffset + length > seq.end) {
    return {
      field: 'DataSegmentLength',
      received: length,
      expected: Math.max(0, seq.end - bufferOffset),
      message: `${length} bytes at Buffer Offset ${bufferOffset} reach byte ${bufferOffset + length}, past the end of the transfer at ${seq.end}`,
    };
  }
  return undefined;
}

/** Advance `seq` past an accepted data PDU of `length` bytes (in place; returns it). */
export function advanceDataSequence(seq: DataSequence, length: number): DataSequence {
  seq.expDataSN = (seq.expDataSN + 1) >>> 0;
  seq.nextOffset += length;
  return seq;
}

// ------------------------------------------------------------------------------------------------
// SenseLength framing (RFC 7143 11.4.7.2: a 2-byte SenseLength, the sense data, then response data)

const NO_DATA = Buffer.alloc(0);

/** The data segment carrying `sense`: SenseLength then the sense bytes; empty when there is no sense. */
export function frameSense(sense: Buffer | undefined): Buffer {
  if (!sense || sense.length === 0) return NO_DATA;
  if (sense.length > 0xffff) throw rangeError(`sense data of ${sense.length} bytes does not fit the 16-bit SenseLength`);
  const seg = Buffer.allocUnsafe(2 + sense.length);
  seg.writeUInt16BE(sense.length, 0);
  sense.copy(seg, 2);
  return seg;
}

export interface SenseSegment {
  /** SenseLength as received (0 when the segment is empty). */
  senseLength: number;
  /** The sense data: a view of the segment, absent when SenseLength is 0. */
  sense?: Buffer;
  /** Bytes after the sense data (iSCSI response data, or an Asynchronous Message's event data): a view. */
  rest: Buffer;
}

/**
 * Split a SCSI Response's (or Asynchronous Message's) data segment into sense data and what follows
 * it, without copying. An empty segment means no sense. A SenseLength longer than the bytes after it,
 * or a 1-byte segment, is a protocol error naming SenseLength and the lengths.
 */
export function parseSenseSegment(data: Buffer): SenseSegment {
  if (data.length === 0) return { senseLength: 0, rest: NO_DATA };
  if (data.length === 1) throw protocolError('a data segment of 1 byte cannot hold the 2-byte SenseLength', { field: 'SenseLength', dataSegmentLength: 1 });
  const senseLength = data.readUInt16BE(0);
  if (senseLength + 2 > data.length) {
    throw protocolError(`SenseLength ${senseLength} exceeds the ${data.length - 2} bytes of sense data present`, {
      field: 'SenseLength',
      received: senseLength,
      present: data.length - 2,
    });
  }
  const out: SenseSegment = { senseLength, rest: data.subarray(2 + senseLength) };
  if (senseLength > 0) out.sense = data.subarray(2, 2 + senseLength);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Peeking a header

/** Opcode of a BHS (without the I bit). */
export const peekOpcode = (bhs: Buffer): number => bhs[0]! & 0x3f;
/** Initiator Task Tag (bytes 16-19 of every BHS). */
export const peekItt = (bhs: Buffer): number => bhs.readUInt32BE(16);
/** Buffer Offset of a Data-In, Data-Out or R2T BHS (bytes 40-43). */
export const peekBufferOffset = (bhs: Buffer): number => bhs.readUInt32BE(40);

/**
 * A PDU's length on the wire from its BHS alone: BHS, AHS (TotalAHSLength words), header digest,
 * data segment, padding to 4 bytes, data digest (only when there is data; RFC 7143 11.2, 11.2.1.5).
 */
export function pduWireLength(bhs: Buffer, digests: { headerDigest: boolean; dataDigest: boolean }): number {
  if (bhs.length < BHS_LENGTH) throw protocolError(`a BHS needs ${BHS_LENGTH} bytes, ${bhs.length} given`);
  const dsl = bhs.readUIntBE(5, 3);
  return BHS_LENGTH + bhs[4]! * 4 + (digests.headerDigest ? 4 : 0) + dsl + padLength(dsl) + (digests.dataDigest && dsl > 0 ? 4 : 0);
}
