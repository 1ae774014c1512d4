/**
 * Every PDU of RFC 7143 section 11, as typed objects, with one declarative table of field positions
 * per opcode. The same table drives the encoder, the decoder, field-by-field raw edits for negative
 * tests and the decoded trace, so a field's position is written once.
 *
 * Common to all PDUs (11.2.1): byte 0 holds the I bit (0x40) and the opcode; byte 4 TotalAHSLength
 * (in 4-byte words); bytes 5-7 DataSegmentLength. These are computed by the encoder from `ahs` and
 * `data`, and reported by the decoder.
 */
import { AhsType, BHS_LENGTH, Opcode, opcodeName, padLength, RESERVED_TAG } from './constants.js';
import { IscsiError, protocolError, rangeError } from '../errors.js';

/** An Additional Header Segment: `specific` is the AHS-Specific field (its first byte is reserved for the standard types). */
export interface Ahs {
  type: number;
  specific: Buffer;
}

interface Common {
  /** I bit: immediate delivery (initiator PDUs only). */
  immediate?: boolean;
  /** AHS other than those the PDU's own fields produce (Extended CDB, bidirectional read length). */
  ahs?: Ahs[];
  /** The data segment, unpadded. */
  data?: Buffer;
  /**
   * Set by a receiver when the data segment arrived in pieces: the pieces, uncopied. `data` then joins
   * them on first access; readers on the data path use these instead.
   */
  dataParts?: readonly Buffer[];
}

export interface NopOut extends Common {
  opcode: typeof Opcode.NOP_OUT;
  lun: bigint;
  itt: number;
  ttt: number;
  cmdSN: number;
  expStatSN: number;
}
export interface ScsiCommand extends Common {
  opcode: typeof Opcode.SCSI_COMMAND;
  final: boolean;
  read: boolean;
  write: boolean;
  attr: number;
  lun: bigint;
  itt: number;
  expectedDataTransferLength: number;
  cmdSN: number;
  expStatSN: number;
  /** The whole CDB: bytes past 16 travel in an Extended CDB AHS (11.2.2.3). */
  cdb: Buffer;
  /** Bidirectional Expected Read-Data Length AHS (11.2.2.4). */
  bidiReadLength?: number;
}
export interface TaskMgmtRequest extends Common {
  opcode: typeof Opcode.TASK_MGMT_REQUEST;
  function: number;
  lun: bigint;
  itt: number;
  referencedTaskTag: number;
  cmdSN: number;
  expStatSN: number;
  refCmdSN: number;
  expDataSN: number;
}
export interface LoginRequest extends Common {
  opcode: typeof Opcode.LOGIN_REQUEST;
  transit: boolean;
  continue: boolean;
  csg: number;
  nsg: number;
  versionMax: number;
  versionMin: number;
  isid: number;
  tsih: number;
  itt: number;
  cid: number;
  cmdSN: number;
  expStatSN: number;
}
export interface TextRequest extends Common {
  opcode: typeof Opcode.TEXT_REQUEST;
  final: boolean;
  continue: boolean;
  lun: bigint;
  itt: number;
  ttt: number;
  cmdSN: number;
  expStatSN: number;
}
export interface DataOut extends Common {
  opcode: typeof Opcode.DATA_OUT;
  final: boolean;
  lun: bigint;
  itt: number;
  ttt: number;
  expStatSN: number;
  dataSN: number;
  bufferOffset: number;
}
export interface LogoutRequest extends Common {
  opcode: typeof Opcode.LOGOUT_REQUEST;
  reason: number;
  itt: number;
  cid: number;
  cmdSN: number;
  expStatSN: number;
}
export interface SnackRequest extends Common {
  opcode: typeof Opcode.SNACK_REQUEST;
  type: number;
  lun: bigint;
  itt: number;
  tttOrSnackTag: number;
  expStatSN: number;
  begRun: number;
  runLength: number;
}
export interface NopIn extends Common {
  opcode: typeof Opcode.NOP_IN;
  lun: bigint;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
}
export interface ScsiResponse extends Common {
  opcode: typeof Opcode.SCSI_RESPONSE;
  bidiOverflow: boolean;
  bidiUnderflow: boolean;
  overflow: boolean;
  underflow: boolean;
  response: number;
  status: number;
  itt: number;
  snackTag: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  expDataSN: number;
  bidiReadResidualCount: number;
  residualCount: number;
}
export interface TaskMgmtResponse extends Common {
  opcode: typeof Opcode.TASK_MGMT_RESPONSE;
  response: number;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
}
export interface LoginResponse extends Common {
  opcode: typeof Opcode.LOGIN_RESPONSE;
  transit: boolean;
  continue: boolean;
  csg: number;
  nsg: number;
  versionMax: number;
  versionActive: number;
  isid: number;
  tsih: number;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  statusClass: number;
  statusDetail: number;
}
export interface TextResponse extends Common {
  opcode: typeof Opcode.TEXT_RESPONSE;
  final: boolean;
  continue: boolean;
  lun: bigint;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
}
export interface DataIn extends Common {
  opcode: typeof Opcode.DATA_IN;
  final: boolean;
  acknowledge: boolean;
  overflow: boolean;
  underflow: boolean;
  statusPresent: boolean;
  status: number;
  lun: bigint;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  dataSN: number;
  bufferOffset: number;
  residualCount: number;
}
export interface LogoutResponse extends Common {
  opcode: typeof Opcode.LOGOUT_RESPONSE;
  response: number;
  itt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  time2Wait: number;
  time2Retain: number;
}
export interface R2T extends Common {
  opcode: typeof Opcode.R2T;
  lun: bigint;
  itt: number;
  ttt: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  r2tSN: number;
  bufferOffset: number;
  desiredDataTransferLength: number;
}
export interface AsyncMessage extends Common {
  opcode: typeof Opcode.ASYNC_MESSAGE;
  lun: bigint;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  asyncEvent: number;
  asyncVCode: number;
  parameter1: number;
  parameter2: number;
  parameter3: number;
}
export interface Reject extends Common {
  opcode: typeof Opcode.REJECT;
  reason: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  dataSNOrR2TSN: number;
}
/** A PDU whose opcode RFC 7143 does not define (or a vendor opcode): kept whole so a target can Reject it. */
export interface UnknownPdu extends Common {
  opcode: number;
  unknown: true;
  itt: number;
  bhs: Buffer;
}

export type InitiatorPdu = NopOut | ScsiCommand | TaskMgmtRequest | LoginRequest | TextRequest | DataOut | LogoutRequest | SnackRequest;
export type TargetPdu = NopIn | ScsiResponse | TaskMgmtResponse | LoginResponse | TextResponse | DataIn | LogoutResponse | R2T | AsyncMessage | Reject;
export type Pdu = InitiatorPdu | TargetPdu;
export type AnyPdu = Pdu | UnknownPdu;

// ---------------------------------------------------------------------------------------------
// The field table

type FieldKind = 'u8' | 'u16' | 'u24' | 'u32' | 'u48' | 'u64' | 'flag' | 'bits' | 'fixed' | 'bytes';
export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** Byte offset in the BHS. */
  at: number;
  /** For flag/bits/fixed: the bit mask within byte `at`. */
  mask?: number;
  /** For fixed: the value the bits always hold (written by the encoder; informative for the decoder). */
  value?: number;
  /** For bytes: length. */
  len?: number;
}

const u8 = (name: string, at: number): FieldSpec => ({ name, kind: 'u8', at });
const u16 = (name: string, at: number): FieldSpec => ({ name, kind: 'u16', at });
const u32 = (name: string, at: number): FieldSpec => ({ name, kind: 'u32', at });
const u64 = (name: string, at: number): FieldSpec => ({ name, kind: 'u64', at });
const flag = (name: string, at: number, mask: number): FieldSpec => ({ name, kind: 'flag', at, mask });
const bits = (name: string, at: number, mask: number): FieldSpec => ({ name, kind: 'bits', at, mask });
const fixed = (at: number, mask: number, value: number): FieldSpec => ({ name: '', kind: 'fixed', at, mask, value });
const F1 = fixed(1, 0x80, 0x80);
const TAG_FF = (at: number): FieldSpec => ({ name: '', kind: 'fixed', at, mask: 0xffffffff, value: RESERVED_TAG });

/** RFC 7143 section 11: where each field of each PDU lies (bytes 0 and 4-7 are common and not listed). */
export const PDU_FIELDS: Readonly<Record<number, readonly FieldSpec[]>> = {
  [Opcode.NOP_OUT]: [F1, u64('lun', 8), u32('itt', 16), u32('ttt', 20), u32('cmdSN', 24), u32('expStatSN', 28)],
  [Opcode.SCSI_COMMAND]: [
    flag('final', 1, 0x80),
    flag('read', 1, 0x40),
    flag('write', 1, 0x20),
    bits('attr', 1, 0x07),
    u64('lun', 8),
    u32('itt', 16),
    u32('expectedDataTransferLength', 20),
    u32('cmdSN', 24),
    u32('expStatSN', 28),
    { name: 'cdb', kind: 'bytes', at: 32, len: 16 },
  ],
  [Opcode.TASK_MGMT_REQUEST]: [
    F1,
    bits('function', 1, 0x7f),
    u64('lun', 8),
    u32('itt', 16),
    u32('referencedTaskTag', 20),
    u32('cmdSN', 24),
    u32('expStatSN', 28),
    u32('refCmdSN', 32),
    u32('expDataSN', 36),
  ],
  [Opcode.LOGIN_REQUEST]: [
    flag('transit', 1, 0x80),
    flag('continue', 1, 0x40),
    bits('csg', 1, 0x0c),
    bits('nsg', 1, 0x03),
    u8('versionMax', 2),
    u8('versionMin', 3),
    { name: 'isid', kind: 'u48', at: 8 },
    u16('tsih', 14),
    u32('itt', 16),
    u16('cid', 20),
    u32('cmdSN', 24),
    u32('expStatSN', 28),
  ],
  [Opcode.TEXT_REQUEST]: [
    flag('final', 1, 0x80),
    flag('continue', 1, 0x40),
    u64('lun', 8),
    u32('itt', 16),
    u32('ttt', 20),
    u32('cmdSN', 24),
    u32('expStatSN', 28),
  ],
  [Opcode.DATA_OUT]: [flag('final', 1, 0x80), u64('lun', 8), u32('itt', 16), u32('ttt', 20), u32('expStatSN', 28), u32('dataSN', 36), u32('bufferOffset', 40)],
  [Opcode.LOGOUT_REQUEST]: [F1, bits('reason', 1, 0x7f), u32('itt', 16), u16('cid', 20), u32('cmdSN', 24), u32('expStatSN', 28)],
  [Opcode.SNACK_REQUEST]: [
    F1,
    bits('type', 1, 0x0f),
    u64('lun', 8),
    u32('itt', 16),
    u32('tttOrSnackTag', 20),
    u32('expStatSN', 28),
    u32('begRun', 40),
    u32('runLength', 44),
  ],
  [Opcode.NOP_IN]: [F1, u64('lun', 8), u32('itt', 16), u32('ttt', 20), u32('statSN', 24), u32('expCmdSN', 28), u32('maxCmdSN', 32)],
  [Opcode.SCSI_RESPONSE]: [
    F1,
    flag('bidiOverflow', 1, 0x10),
    flag('bidiUnderflow', 1, 0x08),
    flag('overflow', 1, 0x04),
    flag('underflow', 1, 0x02),
    u8('response', 2),
    u8('status', 3),
    u32('itt', 16),
    u32('snackTag', 20),
    u32('statSN', 24),
    u32('expCmdSN', 28),
    u32('maxCmdSN', 32),
    u32('expDataSN', 36),
    u32('bidiReadResidualCount', 40),
    u32('residualCount', 44),
  ],
  [Opcode.TASK_MGMT_RESPONSE]: [F1, u8('response', 2), u32('itt', 16), u32('statSN', 24), u32('expCmdSN', 28), u32('maxCmdSN', 32)],
  [Opcode.LOGIN_RESPONSE]: [
    flag('transit', 1, 0x80),
    flag('continue', 1, 0x40),
    bits('csg', 1, 0x0c),
    bits('nsg', 1, 0x03),
    u8('versionMax', 2),
    u8('versionActive', 3),
    { name: 'isid', kind: 'u48', at: 8 },
    u16('tsih', 14),
    u32('itt', 16),
    u32('statSN', 24),
    u32('expCmdSN', 28),
    u32('maxCmdSN', 32),
    u8('statusClass', 36),
    u8('statusDetail', 37),
  ],
  [Opcode.TEXT_RESPONSE]: [
    flag('final', 1, 0x80),
    flag('continue', 1, 0x40),
    u64('lun', 8),
    u32('itt', 16),
    u32('ttt', 20),
    u32('statSN', 24),
    u32('expCmdSN', 28),
    u32('maxCmdSN', 32),
  ],
  [Opcode.DATA_IN]: [
    flag('final', 1, 0x80),
    flag('acknowledge', 1, 0x40),
    flag('overflow', 1, 0x04),
    flag('underflow', 1, 0x02),
    flag('statusPresent', 1, 0x01),
    u8('status', 3),
    u64('lun', 8),
    u32('itt', 16),
    u32('ttt', 20),
    u32('statSN', 24),
    u32('expCmdSN', 28),
    u32('maxCmdSN', 32),
    u32('dataSN', 36),
    u32('bufferOffset', 40),
    u32('residualCount', 44),
  ],
  [Opcode.LOGOUT_RESPONSE]: [
    F1,
    u8('response', 2),
    u32('itt', 16),
    u32('statSN', 24),
    u32('expCmdSN', 28),
    u32('maxCmdSN', 32),
    u16('time2Wait', 40),
    u16('time2Retain', 42),
  ],
  [Opcode.R2T]: [
    F1,
    u64('lun', 8),
    u32('itt', 16),
    u32('ttt', 20),
    u32('statSN', 24),
    u32('expCmdSN', 28),
    u32('maxCmdSN', 32),
    u32('r2tSN', 36),
    u32('bufferOffset', 40),
    u32('desiredDataTransferLength', 44),
  ],
  [Opcode.ASYNC_MESSAGE]: [
    F1,
    u64('lun', 8),
    TAG_FF(16),
    u32('statSN', 24),
    u32('expCmdSN', 28),
    u32('maxCmdSN', 32),
    u8('asyncEvent', 36),
    u8('asyncVCode', 37),
    u16('parameter1', 38),
    u16('parameter2', 40),
    u16('parameter3', 42),
  ],
  [Opcode.REJECT]: [F1, u8('reason', 2), TAG_FF(16), u32('statSN', 24), u32('expCmdSN', 28), u32('maxCmdSN', 32), u32('dataSNOrR2TSN', 36)],
};

const FIELD_MAX: Record<string, number> = { u8: 0xff, u16: 0xffff, u24: 0xffffff, u32: 0xffffffff, u48: 0xffffffffffff };

const shiftOf = (mask: number): number => 31 - Math.clz32(mask & -mask);

/** Names a field in an error message (apart from writeField: a closure there would be made for every field written). */
const where = (op: number, f: FieldSpec): string => `${opcodeName(op)} field ${f.name}`;

function writeField(bhs: Buffer, f: FieldSpec, v: unknown, op: number): void {
  switch (f.kind) {
    case 'fixed':
      if (f.mask === 0xffffffff) bhs.writeUInt32BE(f.value!, f.at);
      else bhs[f.at] = (bhs[f.at]! & ~f.mask!) | f.value!;
      return;
    case 'flag':
      if (v) bhs[f.at] = bhs[f.at]! | f.mask!;
      else bhs[f.at] = bhs[f.at]! & ~f.mask!;
      return;
    case 'bits': {
      const n = Number(v ?? 0);
      const sh = shiftOf(f.mask!);
      // Compare before shifting: `<<` works on 32 bits, so 2**32 would shift to 0 and pass a mask test.
      if (!Number.isInteger(n) || n < 0 || n > f.mask! >>> sh) throw rangeError(`${where(op, f)}: ${String(v)} does not fit`);
      bhs[f.at] = (bhs[f.at]! & ~f.mask!) | (n << sh);
      return;
    }
    case 'u64': {
      const n = typeof v === 'bigint' ? v : BigInt((v as number | undefined) ?? 0);
      if (n < 0n || n > 0xffffffffffffffffn) throw rangeError(`${where(op, f)}: ${String(v)} does not fit 64 bits`);
      bhs.writeBigUInt64BE(n, f.at);
      return;
    }
    case 'bytes': {
      const b = (v as Buffer | undefined) ?? Buffer.alloc(0);
      bhs.fill(0, f.at, f.at + f.len!);
      b.copy(bhs, f.at, 0, Math.min(b.length, f.len!));
      return;
    }
    default: {
      const n = Number(v ?? 0);
      if (!Number.isInteger(n) || n < 0 || n > FIELD_MAX[f.kind]!) throw rangeError(`${where(op, f)}: ${String(v)} does not fit ${f.kind}`);
      if (f.kind === 'u8') bhs[f.at] = n;
      else if (f.kind === 'u16') bhs.writeUInt16BE(n, f.at);
      else if (f.kind === 'u24') bhs.writeUIntBE(n, f.at, 3);
      else if (f.kind === 'u32') bhs.writeUInt32BE(n, f.at);
      else bhs.writeUIntBE(n, f.at, 6);
    }
  }
}

function readField(bhs: Buffer, f: FieldSpec): unknown {
  switch (f.kind) {
    case 'flag':
      return (bhs[f.at]! & f.mask!) !== 0;
    case 'bits':
      return (bhs[f.at]! & f.mask!) >>> shiftOf(f.mask!);
    case 'u8':
      return bhs[f.at]!;
    case 'u16':
      return bhs.readUInt16BE(f.at);
    case 'u24':
      return bhs.readUIntBE(f.at, 3);
    case 'u32':
      return bhs.readUInt32BE(f.at);
    case 'u48':
      return bhs.readUIntBE(f.at, 6);
    case 'u64':
      return bhs.readBigUInt64BE(f.at);
    case 'bytes':
      return bhs.subarray(f.at, f.at + f.len!);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

const NO_AHS: readonly Ahs[] = [];

/** The AHS list a PDU carries: its own (Extended CDB, bidirectional read length) then any given. */
function ahsOf(pdu: AnyPdu): readonly Ahs[] {
  // Nearly every PDU has none: no array for them.
  if (!pdu.ahs && (pdu.opcode !== Opcode.SCSI_COMMAND || ((pdu as ScsiCommand).cdb.length <= 16 && (pdu as ScsiCommand).bidiReadLength === undefined)))
    return NO_AHS;
  const out: Ahs[] = [];
  if (pdu.opcode === Opcode.SCSI_COMMAND) {
    const cmd = pdu as ScsiCommand;
    if (cmd.cdb.length > 16) {
      const specific = Buffer.alloc(1 + cmd.cdb.length - 16);
      cmd.cdb.copy(specific, 1, 16);
      out.push({ type: AhsType.EXTENDED_CDB, specific });
    }
    if (cmd.bidiReadLength !== undefined) {
      const n = cmd.bidiReadLength;
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw rangeError(`SCSI Command bidiReadLength: ${String(n)} does not fit u32`);
      const specific = Buffer.alloc(5);
      specific.writeUInt32BE(n, 1);
      out.push({ type: AhsType.BIDI_READ_LENGTH, specific });
    }
  }
  if (pdu.ahs) out.push(...pdu.ahs);
  return out;
}

/**
 * Encode the header of a PDU: the 48-byte BHS followed by its AHS (padded), without digest.
 * `dataSegmentLength` defaults to the length of `pdu.data`; pass it to lie on purpose.
 */
export function encodeHeader(pdu: AnyPdu, dataSegmentLength = pdu.data?.length ?? 0): Buffer {
  const ahs = ahsOf(pdu);
  let ahsBytes = 0;
  for (const a of ahs) {
    if (a.specific.length > 0xffff) throw rangeError(`AHS type ${a.type}: ${a.specific.length} bytes is too long`);
    ahsBytes += 3 + a.specific.length + padLength(3 + a.specific.length);
  }
  if (ahsBytes / 4 > 255) throw rangeError(`AHS total ${ahsBytes} bytes exceeds 1020`);
  if (!Number.isInteger(dataSegmentLength) || dataSegmentLength < 0 || dataSegmentLength > 0xffffff)
    throw rangeError(`data segment of ${dataSegmentLength} bytes does not fit 24 bits`);
  // From Node's pool (an unpooled 48-byte allocation per PDU shows in profiles), zeroed here.
  const hdr = Buffer.allocUnsafe(BHS_LENGTH + ahsBytes).fill(0);
  if ('unknown' in pdu) {
    pdu.bhs.copy(hdr, 0, 0, BHS_LENGTH);
  } else {
    const fields = PDU_FIELDS[pdu.opcode];
    if (!fields) throw rangeError(`cannot encode opcode 0x${pdu.opcode.toString(16)}`);
    const rec = pdu as unknown as Record<string, unknown>;
    for (const f of fields) writeField(hdr, f, f.kind === 'fixed' ? undefined : rec[f.name], pdu.opcode);
  }
  // RFC 7143 11.12: a Login Request always has the I bit (byte 0 is .|1|0x03); say immediate: false to break that on purpose.
  const immediate = pdu.immediate ?? pdu.opcode === Opcode.LOGIN_REQUEST;
  hdr[0] = (immediate ? 0x40 : 0) | (pdu.opcode & 0x3f);
  hdr[4] = ahsBytes / 4;
  hdr.writeUIntBE(dataSegmentLength, 5, 3);
  let at = BHS_LENGTH;
  for (const a of ahs) {
    hdr.writeUInt16BE(a.specific.length, at);
    hdr[at + 2] = a.type;
    a.specific.copy(hdr, at + 3);
    at += 3 + a.specific.length + padLength(3 + a.specific.length);
  }
  return hdr;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Split the AHS area into its segments, checking every length against the area (11.2.2). */
export function parseAhs(area: Buffer): Ahs[] {
  const out: Ahs[] = [];
  let at = 0;
  // Each AHS takes at least 4 bytes, so this loop runs at most area.length / 4 times.
  while (at < area.length) {
    if (area.length - at < 4) throw protocolError(`AHS at offset ${at}: ${area.length - at} bytes left, too short for an AHS header`);
    const len = area.readUInt16BE(at);
    const type = area[at + 2]!;
    const end = at + 3 + len;
    if (end > area.length) throw protocolError(`AHS type ${type} at offset ${at}: AHSLength ${len} runs past TotalAHSLength`);
    out.push({ type, specific: area.subarray(at + 3, end) });
    at = end + padLength(3 + len);
  }
  return out;
}

/**
 * Decode a header (BHS + AHS, without digest) and its data segment into a PDU object.
 * Unknown opcodes decode to an `UnknownPdu` rather than an error, so a target can Reject them.
 */
export function decodePdu(header: Buffer, data: Buffer = Buffer.alloc(0)): AnyPdu {
  if (header.length < BHS_LENGTH) throw protocolError(`header of ${header.length} bytes is shorter than the 48-byte BHS`);
  const op = header[0]! & 0x3f;
  const immediate = (header[0]! & 0x40) !== 0;
  const ahsLen = header[4]! * 4;
  if (header.length < BHS_LENGTH + ahsLen) throw protocolError(`TotalAHSLength ${ahsLen} bytes but only ${header.length - BHS_LENGTH} present`);
  const ahs = ahsLen === 0 ? NO_AHS : parseAhs(header.subarray(BHS_LENGTH, BHS_LENGTH + ahsLen));
  const fields = PDU_FIELDS[op];
  if (!fields) {
    const u: UnknownPdu = { opcode: op, unknown: true, itt: header.readUInt32BE(16), bhs: header.subarray(0, BHS_LENGTH), data };
    if (immediate) u.immediate = true;
    if (ahs.length) u.ahs = [...ahs];
    return u;
  }
  const rec: Record<string, unknown> = { opcode: op };
  if (immediate) rec['immediate'] = true;
  for (const f of fields) if (f.kind !== 'fixed') rec[f.name] = readField(header, f);
  if (op === Opcode.SCSI_COMMAND) {
    let cdb = rec['cdb'] as Buffer;
    const rest: Ahs[] = [];
    for (const a of ahs) {
      if (a.type === AhsType.EXTENDED_CDB && a.specific.length >= 1) cdb = Buffer.concat([cdb, a.specific.subarray(1)]);
      else if (a.type === AhsType.BIDI_READ_LENGTH && a.specific.length === 5) rec['bidiReadLength'] = a.specific.readUInt32BE(1);
      else rest.push(a);
    }
    rec['cdb'] = cdb;
    if (rest.length) rec['ahs'] = rest;
  } else if (ahs.length) {
    rec['ahs'] = ahs;
  }
  rec['data'] = data;
  return rec as unknown as Pdu;
}

/** The DataSegmentLength field of a BHS. */
export const dataSegmentLengthOf = (bhs: Buffer): number => bhs.readUIntBE(5, 3);

// ---------------------------------------------------------------------------------------------
// Raw edits and description, for negative tests and traces

/** Overwrite one named field in an encoded header (for PDUs built on purpose to be wrong). */
export function setField(header: Buffer, name: string, value: number | bigint | boolean): void {
  const op = header[0]! & 0x3f;
  const f = PDU_FIELDS[op]?.find((x) => x.name === name);
  if (!f) throw rangeError(`${opcodeName(op)} has no field ${name}`);
  writeField(header, f, value, op);
}

export function getField(header: Buffer, name: string): unknown {
  const op = header[0]! & 0x3f;
  const f = PDU_FIELDS[op]?.find((x) => x.name === name);
  if (!f) throw rangeError(`${opcodeName(op)} has no field ${name}`);
  return readField(header, f);
}

const hex32 = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** One line naming the PDU and its fields, for traces and error messages. */
export function describePdu(pdu: AnyPdu): string {
  const parts: string[] = [opcodeName(pdu.opcode) + (pdu.immediate ? ' (I)' : '')];
  if ('unknown' in pdu) {
    parts.push(`itt=${hex32(pdu.itt)}`);
  } else {
    const rec = pdu as unknown as Record<string, unknown>;
    for (const f of PDU_FIELDS[pdu.opcode] ?? []) {
      if (f.kind === 'fixed') continue;
      const v = rec[f.name];
      if (f.kind === 'flag') {
        if (v) parts.push(f.name);
      } else if (f.kind === 'bytes') parts.push(`${f.name}=${(pdu as ScsiCommand).cdb.toString('hex')}`);
      else if (f.name === 'itt' || f.name === 'ttt' || f.name === 'referencedTaskTag') parts.push(`${f.name}=${hex32(v as number)}`);
      else parts.push(`${f.name}=${String(v)}`);
    }
  }
  const dl = pdu.dataParts ? pdu.dataParts.reduce((n, p) => n + p.length, 0) : (pdu.data?.length ?? 0);
  if (dl) parts.push(`data=${dl}`);
  return parts.join(' ');
}

/** Narrow a decoded PDU to a type, or throw a protocol error naming what came instead. */
export function expectOpcode<T extends Pdu>(pdu: AnyPdu, opcode: T['opcode'], context: string): T {
  if (pdu.opcode !== opcode || 'unknown' in pdu) {
    throw new IscsiError('ISCSI_E_PROTOCOL', `${context}: expected ${opcodeName(opcode)}, got ${opcodeName(pdu.opcode)}`);
  }
  return pdu as T;
}
