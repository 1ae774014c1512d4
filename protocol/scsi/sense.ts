/**
 * Sense data: keys, additional sense codes, decoding of fixed and descriptor formats, encoders for the
 * reference target, and the one-line description used in failure messages (SPC-5 sense data).
 *
 * The iSCSI SenseLength prefix is not handled here: the iSCSI layer strips it before calling `decodeSense`.
 */
import { decodeError, rangeError } from '../errors.js';
import { bit, hex, putBE, uint, uintBig, View, type U64 } from './util.js';

/** Sense keys (SPC-5 sense keys). 0Ch is reserved (formerly EQUAL). */
export const SenseKey = {
  NO_SENSE: 0x0,
  RECOVERED_ERROR: 0x1,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  HARDWARE_ERROR: 0x4,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  DATA_PROTECT: 0x7,
  BLANK_CHECK: 0x8,
  VENDOR_SPECIFIC: 0x9,
  COPY_ABORTED: 0xa,
  ABORTED_COMMAND: 0xb,
  VOLUME_OVERFLOW: 0xd,
  MISCOMPARE: 0xe,
  COMPLETED: 0xf,
} as const;

const KEY_NAMES = [
  'NO SENSE',
  'RECOVERED ERROR',
  'NOT READY',
  'MEDIUM ERROR',
  'HARDWARE ERROR',
  'ILLEGAL REQUEST',
  'UNIT ATTENTION',
  'DATA PROTECT',
  'BLANK CHECK',
  'VENDOR SPECIFIC',
  'COPY ABORTED',
  'ABORTED COMMAND',
  'RESERVED SENSE KEY 0xc',
  'VOLUME OVERFLOW',
  'MISCOMPARE',
  'COMPLETED',
];

/** `'ILLEGAL REQUEST'`; values above 0Fh give `'SENSE KEY 0xNN'`. */
export function senseKeyName(k: number): string {
  return KEY_NAMES[k] ?? `SENSE KEY ${hex(k)}`;
}

/** Additional sense code and qualifier as one 16-bit value `ASC << 8 | ASCQ` (SPC-5 additional sense codes). */
export const Asc = {
  NO_ADDITIONAL_SENSE: 0x0000,
  OPERATION_IN_PROGRESS: 0x0016,
  LOGICAL_UNIT_NOT_READY_CAUSE_NOT_REPORTABLE: 0x0400,
  LUN_NOT_READY_BECOMING_READY: 0x0401,
  LUN_NOT_READY_INIT_CMD_REQUIRED: 0x0402,
  LUN_NOT_READY_MANUAL_INTERVENTION: 0x0403,
  LUN_NOT_READY_FORMAT_IN_PROGRESS: 0x0404,
  LUN_NOT_READY_OPERATION_IN_PROGRESS: 0x0407,
  LUN_NOT_READY_SELF_TEST_IN_PROGRESS: 0x0409,
  LUN_NOT_ACCESSIBLE_ASYMMETRIC_ACCESS_STATE_TRANSITION: 0x040a,
  LUN_NOT_ACCESSIBLE_TARGET_PORT_IN_STANDBY_STATE: 0x040b,
  LUN_NOT_ACCESSIBLE_TARGET_PORT_IN_UNAVAILABLE_STATE: 0x040c,
  LUN_NOT_READY_SANITIZE_IN_PROGRESS: 0x041b,
  UNREACHABLE_COPY_TARGET: 0x0804,
  WRITE_ERROR: 0x0c00,
  COPY_TARGET_DEVICE_NOT_REACHABLE: 0x0d02,
  INCORRECT_COPY_TARGET_DEVICE_TYPE: 0x0d03,
  COPY_TARGET_DEVICE_DATA_UNDERRUN: 0x0d04,
  COPY_TARGET_DEVICE_DATA_OVERRUN: 0x0d05,
  INFORMATION_UNIT_TOO_SHORT: 0x0e01,
  INFORMATION_UNIT_TOO_LONG: 0x0e02,
  INVALID_FIELD_IN_INFORMATION_UNIT: 0x0e03,
  LOGICAL_BLOCK_GUARD_CHECK_FAILED: 0x1001,
  LOGICAL_BLOCK_APPLICATION_TAG_CHECK_FAILED: 0x1002,
  LOGICAL_BLOCK_REFERENCE_TAG_CHECK_FAILED: 0x1003,
  UNRECOVERED_READ_ERROR: 0x1100,
  PARAMETER_LIST_LENGTH_ERROR: 0x1a00,
  MISCOMPARE_DURING_VERIFY: 0x1d00,
  INVALID_COMMAND_OPERATION_CODE: 0x2000,
  LBA_OUT_OF_RANGE: 0x2100,
  UNALIGNED_WRITE_COMMAND: 0x2104,
  INVALID_FIELD_IN_CDB: 0x2400,
  LOGICAL_UNIT_NOT_SUPPORTED: 0x2500,
  INVALID_FIELD_IN_PARAMETER_LIST: 0x2600,
  PARAMETER_NOT_SUPPORTED: 0x2601,
  PARAMETER_VALUE_INVALID: 0x2602,
  INVALID_RELEASE_OF_PERSISTENT_RESERVATION: 0x2604,
  TOO_MANY_TARGET_DESCRIPTORS: 0x2606,
  UNSUPPORTED_TARGET_DESCRIPTOR_TYPE_CODE: 0x2607,
  TOO_MANY_SEGMENT_DESCRIPTORS: 0x2608,
  UNSUPPORTED_SEGMENT_DESCRIPTOR_TYPE_CODE: 0x2609,
  UNEXPECTED_INEXACT_SEGMENT: 0x260a,
  INLINE_DATA_LENGTH_EXCEEDED: 0x260b,
  INVALID_OPERATION_FOR_COPY_SOURCE_OR_DESTINATION: 0x260c,
  COPY_SEGMENT_GRANULARITY_VIOLATION: 0x260d,
  WRITE_PROTECTED: 0x2700,
  HARDWARE_WRITE_PROTECTED: 0x2701,
  SOFTWARE_WRITE_PROTECTED: 0x2702,
  SPACE_ALLOCATION_FAILED_WRITE_PROTECT: 0x2707,
  NOT_READY_TO_READY_CHANGE: 0x2800,
  POWER_ON_RESET_OR_BUS_DEVICE_RESET: 0x2900,
  POWER_ON_OCCURRED: 0x2901,
  SCSI_BUS_RESET_OCCURRED: 0x2902,
  BUS_DEVICE_RESET_FUNCTION_OCCURRED: 0x2903,
  DEVICE_INTERNAL_RESET: 0x2904,
  I_T_NEXUS_LOSS_OCCURRED: 0x2907,
  PARAMETERS_CHANGED: 0x2a00,
  MODE_PARAMETERS_CHANGED: 0x2a01,
  LOG_PARAMETERS_CHANGED: 0x2a02,
  RESERVATIONS_PREEMPTED: 0x2a03,
  RESERVATIONS_RELEASED: 0x2a04,
  REGISTRATIONS_PREEMPTED: 0x2a05,
  ASYMMETRIC_ACCESS_STATE_CHANGED: 0x2a06,
  IMPLICIT_ASYMMETRIC_ACCESS_STATE_TRANSITION_FAILED: 0x2a07,
  CAPACITY_DATA_HAS_CHANGED: 0x2a09,
  TIMESTAMP_CHANGED: 0x2a10,
  COMMAND_SEQUENCE_ERROR: 0x2c00,
  ORWRITE_GENERATION_DOES_NOT_MATCH: 0x2c0c,
  COMMANDS_CLEARED_BY_ANOTHER_INITIATOR: 0x2f00,
  COMMANDS_CLEARED_BY_POWER_LOSS_NOTIFICATION: 0x2f01,
  COMMANDS_CLEARED_BY_DEVICE_SERVER: 0x2f02,
  MEDIUM_FORMAT_CORRUPTED: 0x3100,
  SANITIZE_COMMAND_FAILED: 0x3103,
  THIN_PROVISIONING_SOFT_THRESHOLD_REACHED: 0x3807,
  SAVING_PARAMETERS_NOT_SUPPORTED: 0x3900,
  MEDIUM_NOT_PRESENT: 0x3a00,
  MEDIUM_NOT_PRESENT_TRAY_CLOSED: 0x3a01,
  MEDIUM_NOT_PRESENT_TRAY_OPEN: 0x3a02,
  LOGICAL_UNIT_FAILED_SELF_TEST: 0x3e03,
  MICROCODE_HAS_BEEN_CHANGED: 0x3f01,
  INQUIRY_DATA_HAS_CHANGED: 0x3f03,
  REPORTED_LUNS_DATA_HAS_CHANGED: 0x3f0e,
  INTERNAL_TARGET_FAILURE: 0x4400,
  INVALID_MESSAGE_ERROR: 0x4900,
  DATA_PHASE_ERROR: 0x4b00,
  TOO_MUCH_WRITE_DATA: 0x4b02,
  INITIATOR_RESPONSE_TIMEOUT: 0x4b06,
  OVERLAPPED_COMMANDS_ATTEMPTED: 0x4e00,
  MEDIUM_LOAD_OR_EJECT_FAILED: 0x5300,
  MEDIUM_REMOVAL_PREVENTED: 0x5302,
  SYSTEM_RESOURCE_FAILURE: 0x5500,
  INSUFFICIENT_RESOURCES: 0x5503,
  INSUFFICIENT_REGISTRATION_RESOURCES: 0x5504,
  FAILURE_PREDICTION_THRESHOLD_EXCEEDED: 0x5d00,
  FAILURE_PREDICTION_THRESHOLD_EXCEEDED_FALSE: 0x5dff,
} as const;

/** Annex F (SPC-5) texts, upper case, for the codes above. */
const ASC_NAMES: Record<number, string> = {
  0x0000: 'NO ADDITIONAL SENSE INFORMATION',
  0x0016: 'OPERATION IN PROGRESS',
  0x0400: 'LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE',
  0x0401: 'LOGICAL UNIT IS IN PROCESS OF BECOMING READY',
  0x0402: 'LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED',
  0x0403: 'LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED',
  0x0404: 'LOGICAL UNIT NOT READY, FORMAT IN PROGRESS',
  0x0407: 'LOGICAL UNIT NOT READY, OPERATION IN PROGRESS',
  0x0409: 'LOGICAL UNIT NOT READY, SELF-TEST IN PROGRESS',
  0x040a: 'LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION',
  0x040b: 'LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE',
  0x040c: 'LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE',
  0x041b: 'LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS',
  0x0804: 'UNREACHABLE COPY TARGET',
  0x0c00: 'WRITE ERROR',
  0x0d02: 'COPY TARGET DEVICE NOT REACHABLE',
  0x0d03: 'INCORRECT COPY TARGET DEVICE TYPE',
  0x0d04: 'COPY TARGET DEVICE DATA UNDERRUN',
  0x0d05: 'COPY TARGET DEVICE DATA OVERRUN',
  0x0e01: 'INFORMATION UNIT TOO SHORT',
  0x0e02: 'INFORMATION UNIT TOO LONG',
  0x0e03: 'INVALID FIELD IN COMMAND INFORMATION UNIT',
  0x1001: 'LOGICAL BLOCK GUARD CHECK FAILED',
  0x1002: 'LOGICAL BLOCK APPLICATION TAG CHECK FAILED',
  0x1003: 'LOGICAL BLOCK REFERENCE TAG CHECK FAILED',
  0x1100: 'UNRECOVERED READ ERROR',
  0x1a00: 'PARAMETER LIST LENGTH ERROR',
  0x1d00: 'MISCOMPARE DURING VERIFY OPERATION',
  0x2000: 'INVALID COMMAND OPERATION CODE',
  0x2100: 'LOGICAL BLOCK ADDRESS OUT OF RANGE',
  0x2104: 'UNALIGNED WRITE COMMAND',
  0x2400: 'INVALID FIELD IN CDB',
  0x2500: 'LOGICAL UNIT NOT SUPPORTED',
  0x2600: 'INVALID FIELD IN PARAMETER LIST',
  0x2601: 'PARAMETER NOT SUPPORTED',
  0x2602: 'PARAMETER VALUE INVALID',
  0x2604: 'INVALID RELEASE OF PERSISTENT RESERVATION',
  0x2606: 'TOO MANY TARGET DESCRIPTORS',
  0x2607: 'UNSUPPORTED TARGET DESCRIPTOR TYPE CODE',
  0x2608: 'TOO MANY SEGMENT DESCRIPTORS',
  0x2609: 'UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE',
  0x260a: 'UNEXPECTED INEXACT SEGMENT',
  0x260b: 'INLINE DATA LENGTH EXCEEDED',
  0x260c: 'INVALID OPERATION FOR COPY SOURCE OR DESTINATION',
  0x260d: 'COPY SEGMENT GRANULARITY VIOLATION',
  0x2700: 'WRITE PROTECTED',
  0x2701: 'HARDWARE WRITE PROTECTED',
  0x2702: 'LOGICAL UNIT SOFTWARE WRITE PROTECTED',
  0x2707: 'SPACE ALLOCATION FAILED WRITE PROTECT',
  0x2800: 'NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED',
  0x2900: 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED',
  0x2901: 'POWER ON OCCURRED',
  0x2902: 'SCSI BUS RESET OCCURRED',
  0x2903: 'BUS DEVICE RESET FUNCTION OCCURRED',
  0x2904: 'DEVICE INTERNAL RESET',
  0x2907: 'I_T NEXUS LOSS OCCURRED',
  0x2a00: 'PARAMETERS CHANGED',
  0x2a01: 'MODE PARAMETERS CHANGED',
  0x2a02: 'LOG PARAMETERS CHANGED',
  0x2a03: 'RESERVATIONS PREEMPTED',
  0x2a04: 'RESERVATIONS RELEASED',
  0x2a05: 'REGISTRATIONS PREEMPTED',
  0x2a06: 'ASYMMETRIC ACCESS STATE CHANGED',
  0x2a07: 'IMPLICIT ASYMMETRIC ACCESS STATE TRANSITION FAILED',
  0x2a09: 'CAPACITY DATA HAS CHANGED',
  0x2a10: 'TIMESTAMP CHANGED',
  0x2c00: 'COMMAND SEQUENCE ERROR',
  0x2c0c: 'ORWRITE GENERATION DOES NOT MATCH',
  0x2f00: 'COMMANDS CLEARED BY ANOTHER INITIATOR',
  0x2f01: 'COMMANDS CLEARED BY POWER LOSS NOTIFICATION',
  0x2f02: 'COMMANDS CLEARED BY DEVICE SERVER',
  0x3100: 'MEDIUM FORMAT CORRUPTED',
  0x3103: 'SANITIZE COMMAND FAILED',
  0x3807: 'THIN PROVISIONING SOFT THRESHOLD REACHED',
  0x3900: 'SAVING PARAMETERS NOT SUPPORTED',
  0x3a00: 'MEDIUM NOT PRESENT',
  0x3a01: 'MEDIUM NOT PRESENT - TRAY CLOSED',
  0x3a02: 'MEDIUM NOT PRESENT - TRAY OPEN',
  0x3e03: 'LOGICAL UNIT FAILED SELF-TEST',
  0x3f01: 'MICROCODE HAS BEEN CHANGED',
  0x3f03: 'INQUIRY DATA HAS CHANGED',
  0x3f0e: 'REPORTED LUNS DATA HAS CHANGED',
  0x4400: 'INTERNAL TARGET FAILURE',
  0x4900: 'INVALID MESSAGE ERROR',
  0x4b00: 'DATA PHASE ERROR',
  0x4b02: 'TOO MUCH WRITE DATA',
  0x4b06: 'INITIATOR RESPONSE TIMEOUT',
  0x4e00: 'OVERLAPPED COMMANDS ATTEMPTED',
  0x5300: 'MEDIA LOAD OR EJECT FAILED',
  0x5302: 'MEDIUM REMOVAL PREVENTED',
  0x5500: 'SYSTEM RESOURCE FAILURE',
  0x5503: 'INSUFFICIENT RESOURCES',
  0x5504: 'INSUFFICIENT REGISTRATION RESOURCES',
  0x5d00: 'FAILURE PREDICTION THRESHOLD EXCEEDED',
  0x5dff: 'FAILURE PREDICTION THRESHOLD EXCEEDED (FALSE)',
};

/** Shorter forms that read better inside failure messages; everything else uses the Annex F text. */
const ASC_SHORT: Record<number, string> = {
  0x0000: 'NO ADDITIONAL SENSE',
  0x1d00: 'MISCOMPARE DURING VERIFY',
  0x2100: 'LBA OUT OF RANGE',
  0x2800: 'NOT READY TO READY CHANGE',
  0x2900: 'POWER ON OR RESET OCCURRED',
};

const ascFallback = (v: number): string => `ASC ${hex((v >> 8) & 0xff)} ASCQ ${hex(v & 0xff)}`;

/** SPC-5 name (additional sense codes) of `ASC << 8 | ASCQ` (`'LOGICAL BLOCK ADDRESS OUT OF RANGE'`), or `'ASC 0xNN ASCQ 0xNN'`. */
export function ascName(ascAscq: number): string {
  return ASC_NAMES[ascAscq] ?? ascFallback(ascAscq);
}

/** Like `ascName`, with a few long names shortened for messages (`'LBA OUT OF RANGE'`). */
export function ascShortName(ascAscq: number): string {
  return ASC_SHORT[ascAscq] ?? ascName(ascAscq);
}

/** Decoded sense data, fixed or descriptor format. */
export interface Sense {
  /** RESPONSE CODE: 70h/71h fixed, 72h/73h descriptor. */
  responseCode: number;
  format: 'fixed' | 'descriptor';
  /** Current (70h/72h) rather than deferred (71h/73h) error. */
  current: boolean;
  key: number;
  asc: number;
  ascq: number;
  ascAscq: number;
  /** INFORMATION, when valid (fixed: VALID bit; descriptor: information descriptor with VALID set). */
  information?: bigint;
  commandSpecific?: bigint;
  senseKeySpecific?: {
    sksv: boolean;
    /** The three SENSE KEY SPECIFIC bytes as a 24-bit value, SKSV included. */
    raw: number;
    /** Field pointer (ILLEGAL REQUEST, SPC-5 field pointer sense key specific data), decoded when SKSV is set. */
    field?: { cd: boolean; bpv: boolean; bitPointer: number; fieldPointer: number };
    /** Progress indication 0..65535 (NO SENSE, NOT READY; SPC-5 progress indication sense key specific data), decoded when SKSV is set. */
    progress?: number;
  };
  fileMark?: boolean;
  eom?: boolean;
  ili?: boolean;
  /** FIELD REPLACEABLE UNIT CODE (fixed format byte 14). */
  fru?: number;
  /** Descriptor format: every descriptor, the known ones included; `data` excludes the 2-byte header. */
  descriptors?: { type: number; data: Buffer }[];
  /** The buffer ended before the ADDITIONAL SENSE LENGTH did; fields past the end are absent. */
  truncated?: boolean;
}

function decodeSks(key: number, raw: number): NonNullable<Sense['senseKeySpecific']> {
  const sksv = (raw & 0x800000) !== 0;
  const out: NonNullable<Sense['senseKeySpecific']> = { sksv, raw };
  if (!sksv) return out;
  if (key === SenseKey.ILLEGAL_REQUEST) {
    const b0 = raw >> 16;
    out.field = { cd: (b0 & 0x40) !== 0, bpv: (b0 & 0x08) !== 0, bitPointer: b0 & 0x07, fieldPointer: raw & 0xffff };
  } else if (key === SenseKey.NO_SENSE || key === SenseKey.NOT_READY) {
    out.progress = raw & 0xffff;
  }
  return out;
}

/**
 * Decodes sense data in fixed (70h/71h, SPC-5 fixed format sense data) or descriptor (72h/73h, SPC-5 descriptor format sense data) format.
 * Information (00h), command-specific information (01h), sense key specific (02h), stream commands (04h)
 * and block commands (05h) descriptors are decoded; all descriptors are kept in `descriptors`.
 * Throws `SCSI_E_DECODE` for empty or short data, unknown response codes and descriptors that overrun the
 * ADDITIONAL SENSE LENGTH.
 */
export function decodeSense(buf: Buffer): Sense {
  if (!Buffer.isBuffer(buf) || buf.length === 0) throw decodeError('sense data: empty');
  const responseCode = buf[0]! & 0x7f;
  if (responseCode === 0x70 || responseCode === 0x71) return decodeFixed(buf, responseCode);
  if (responseCode === 0x72 || responseCode === 0x73) return decodeDescriptor(buf, responseCode);
  throw decodeError(`sense data: unknown RESPONSE CODE ${hex(responseCode)}`);
}

function decodeFixed(buf: Buffer, responseCode: number): Sense {
  if (buf.length < 14) throw decodeError(`fixed sense data: ${buf.length} bytes, need at least 14 for ASC and ASCQ`);
  const declared = 8 + buf[7]!;
  const v = new View(buf, declared);
  const full = new View(buf);
  const b2 = buf[2]!;
  const asc = buf[12]!;
  const ascq = buf[13]!;
  const s: Sense = {
    responseCode,
    format: 'fixed',
    current: responseCode === 0x70,
    key: b2 & 0x0f,
    asc,
    ascq,
    ascAscq: (asc << 8) | ascq,
    fileMark: (b2 & 0x80) !== 0,
    eom: (b2 & 0x40) !== 0,
    ili: (b2 & 0x20) !== 0,
  };
  if (buf[0]! & 0x80) s.information = BigInt(full.u32(3)!);
  s.commandSpecific = BigInt(full.u32(8)!);
  const fru = v.u8(14);
  if (fru !== undefined) s.fru = fru;
  const sks = v.u24(15);
  if (sks !== undefined) s.senseKeySpecific = decodeSks(s.key, sks);
  if (buf.length < declared) s.truncated = true;
  return s;
}

function decodeDescriptor(buf: Buffer, responseCode: number): Sense {
  if (buf.length < 8) throw decodeError(`descriptor sense data: ${buf.length} bytes, need at least 8`);
  const declared = 8 + buf[7]!;
  const end = Math.min(buf.length, declared);
  const asc = buf[2]!;
  const ascq = buf[3]!;
  const s: Sense = {
    responseCode,
    format: 'descriptor',
    current: responseCode === 0x72,
    key: buf[1]! & 0x0f,
    asc,
    ascq,
    ascAscq: (asc << 8) | ascq,
    descriptors: [],
  };
  let off = 8;
  while (off < end) {
    if (off + 2 > end || off + 2 + buf[off + 1]! > end) {
      if (end === declared) {
        throw decodeError(`descriptor sense data: descriptor at byte ${off} overruns ADDITIONAL SENSE LENGTH ${buf[7]}`);
      }
      break; // cut by the buffer: the truncated flag below says so
    }
    const type = buf[off]!;
    const len = buf[off + 1]!;
    const d = Buffer.from(buf.subarray(off + 2, off + 2 + len));
    s.descriptors!.push({ type, data: d });
    const tooShort = (min: number) => {
      if (len < min) throw decodeError(`descriptor sense data: descriptor type ${hex(type)} length ${len}, need ${min}`);
    };
    switch (type) {
      case 0x00: // information (SPC-5 descriptor format sense data)
        tooShort(0x0a);
        if (d[0]! & 0x80) s.information = d.readBigUInt64BE(2);
        break;
      case 0x01: // command-specific information (4.4.2.3)
        tooShort(0x0a);
        s.commandSpecific = d.readBigUInt64BE(2);
        break;
      case 0x02: // sense key specific (4.4.2.4)
        tooShort(0x06);
        s.senseKeySpecific = decodeSks(s.key, d.readUIntBE(2, 3));
        break;
      case 0x04: // stream commands (SSC; SPC-5 descriptor format sense data)
        tooShort(0x02);
        s.fileMark = (d[1]! & 0x80) !== 0;
        s.eom = (d[1]! & 0x40) !== 0;
        s.ili = (d[1]! & 0x20) !== 0;
        break;
      case 0x05: // block commands (SBC-4 4.18)
        tooShort(0x02);
        s.ili = (d[1]! & 0x20) !== 0;
        break;
      default:
        break;
    }
    off += 2 + len;
  }
  if (buf.length < declared) s.truncated = true;
  return s;
}

/** What `encodeFixedSense` and `encodeDescriptorSense` accept. */
export interface SenseInit {
  key: number;
  ascAscq: number;
  information?: U64;
  commandSpecific?: U64;
  /** Field pointer sense-key-specific data (for ILLEGAL REQUEST); BPV is set when `bitPointer` is given. */
  fieldPointer?: { cd: boolean; bitPointer?: number; fieldPointer: number };
  /** Progress indication 0..65535 (for NOT READY / NO SENSE). */
  progress?: number;
  /** Any other sense-key-specific value: the 24 raw bits, SKSV included. */
  sksRaw?: number;
  /** Current (70h/72h, the default) or deferred (71h/73h). */
  current?: boolean;
  ili?: boolean;
  eom?: boolean;
  fileMark?: boolean;
  /** Extra descriptors appended as given (descriptor format only). */
  descriptors?: { type: number; data: Buffer }[];
}

function sksBytes(ctx: string, s: SenseInit): number | undefined {
  const given = [s.fieldPointer, s.progress, s.sksRaw].filter((x) => x !== undefined).length;
  if (given > 1) throw rangeError(`${ctx}: give only one of fieldPointer, progress, sksRaw`);
  if (s.fieldPointer) {
    const fp = s.fieldPointer;
    const bp = fp.bitPointer;
    const b0 = 0x80 | (bit(fp.cd) << 6) | (bp === undefined ? 0 : 0x08 | uint(ctx, 'BIT POINTER', bp, 3));
    return (b0 << 16) | uint(ctx, 'FIELD POINTER', fp.fieldPointer, 16);
  }
  if (s.progress !== undefined) return 0x800000 | uint(ctx, 'PROGRESS INDICATION', s.progress, 16);
  if (s.sksRaw !== undefined) return uint(ctx, 'SENSE KEY SPECIFIC', s.sksRaw, 24);
  return undefined;
}

/** Encodes 18 bytes of fixed format sense data (SPC-5 fixed format sense data); INFORMATION sets VALID. */
export function encodeFixedSense(s: SenseInit): Buffer {
  const ctx = 'fixed sense data';
  const key = uint(ctx, 'SENSE KEY', s.key, 4);
  const ascAscq = uint(ctx, 'ASC/ASCQ', s.ascAscq, 16);
  if (s.descriptors?.length) throw rangeError(`${ctx}: descriptors exist only in descriptor format`);
  const b = Buffer.alloc(18);
  b[0] = (s.current === false ? 0x71 : 0x70) | (s.information !== undefined ? 0x80 : 0);
  b[2] = (bit(s.fileMark) << 7) | (bit(s.eom) << 6) | (bit(s.ili) << 5) | key;
  if (s.information !== undefined) putBE(b, 3, 4, uintBig(ctx, 'INFORMATION', s.information, 32));
  b[7] = 10;
  if (s.commandSpecific !== undefined) putBE(b, 8, 4, uintBig(ctx, 'COMMAND-SPECIFIC INFORMATION', s.commandSpecific, 32));
  b[12] = ascAscq >> 8;
  b[13] = ascAscq & 0xff;
  const sks = sksBytes(ctx, s);
  if (sks !== undefined) b.writeUIntBE(sks, 15, 3);
  return b;
}

/**
 * Encodes descriptor format sense data (SPC-5 descriptor format sense data) with, in this order, the information (00h),
 * command-specific information (01h), sense key specific (02h) descriptors when given, a stream commands
 * descriptor (04h) when FILEMARK or EOM is set, else a block commands descriptor (05h) when ILI is set,
 * then any extra `descriptors`.
 */
export function encodeDescriptorSense(s: SenseInit): Buffer {
  const ctx = 'descriptor sense data';
  const key = uint(ctx, 'SENSE KEY', s.key, 4);
  const ascAscq = uint(ctx, 'ASC/ASCQ', s.ascAscq, 16);
  const parts: Buffer[] = [];
  if (s.information !== undefined) {
    const d = Buffer.alloc(12);
    d[0] = 0x00;
    d[1] = 0x0a;
    d[2] = 0x80;
    putBE(d, 4, 8, uintBig(ctx, 'INFORMATION', s.information, 64));
    parts.push(d);
  }
  if (s.commandSpecific !== undefined) {
    const d = Buffer.alloc(12);
    d[0] = 0x01;
    d[1] = 0x0a;
    putBE(d, 4, 8, uintBig(ctx, 'COMMAND-SPECIFIC INFORMATION', s.commandSpecific, 64));
    parts.push(d);
  }
  const sks = sksBytes(ctx, s);
  if (sks !== undefined) {
    const d = Buffer.alloc(8);
    d[0] = 0x02;
    d[1] = 0x06;
    d.writeUIntBE(sks, 4, 3);
    parts.push(d);
  }
  if (s.fileMark || s.eom) {
    parts.push(Buffer.from([0x04, 0x02, 0x00, (bit(s.fileMark) << 7) | (bit(s.eom) << 6) | (bit(s.ili) << 5)]));
  } else if (s.ili) {
    parts.push(Buffer.from([0x05, 0x02, 0x00, 0x20]));
  }
  for (const x of s.descriptors ?? []) {
    if (x.data.length > 255) throw rangeError(`${ctx}: descriptor type ${hex(x.type)} data of ${x.data.length} bytes does not fit 255`);
    parts.push(Buffer.concat([Buffer.from([uint(ctx, 'DESCRIPTOR TYPE', x.type, 8), x.data.length]), x.data]));
  }
  const body = Buffer.concat(parts);
  if (body.length > 244) throw rangeError(`${ctx}: ${body.length} bytes of descriptors do not fit ADDITIONAL SENSE LENGTH`);
  const h = Buffer.alloc(8);
  h[0] = s.current === false ? 0x73 : 0x72;
  h[1] = key;
  h[2] = ascAscq >> 8;
  h[3] = ascAscq & 0xff;
  h[7] = body.length;
  return Buffer.concat([h, body]);
}

/** `'ILLEGAL REQUEST/LBA OUT OF RANGE'`: sense key name, a slash, the (short) ASC/ASCQ name. */
export function describeSense(s: Pick<Sense, 'key' | 'ascAscq'>): string {
  return `${senseKeyName(s.key)}/${ascShortName(s.ascAscq)}`;
}
