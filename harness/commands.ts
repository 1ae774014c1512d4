/**
 * What the harness knows about a CDB before sending it: whether it changes the medium (so a test must
 * declare `dataloss`, or `sanitize`), how much Data-In it asks for, how many blocks a write carries; and
 * afterwards whether the answer means "not implemented", and whether the command is one the standard
 * makes mandatory for the device type (then "not implemented" is a failure, not a skip).
 */
import { Asc, Op, opcodeHasServiceAction, opcodeName, SaIn16, SBC4, ScsiStatus, SenseKey, SPC5 } from '../protocol/scsi/index.js';
import type { ScsiResult } from './initiator/index.js';

/** Commands that change the medium or persistent device state: a test sending one must declare `dataloss`. */
const DATALOSS_OPS = new Set<number>([
  Op.WRITE_6,
  Op.WRITE_10,
  Op.WRITE_12,
  Op.WRITE_16,
  Op.WRITE_AND_VERIFY_10,
  Op.WRITE_AND_VERIFY_12,
  Op.WRITE_AND_VERIFY_16,
  Op.WRITE_SAME_10,
  Op.WRITE_SAME_16,
  Op.UNMAP,
  Op.COMPARE_AND_WRITE,
  Op.ORWRITE_16,
  Op.WRITE_ATOMIC_16,
  Op.EXTENDED_COPY,
  Op.MODE_SELECT_6,
  Op.MODE_SELECT_10,
  Op.PERSISTENT_RESERVE_OUT,
  0x04, // FORMAT UNIT
  0x07, // REASSIGN BLOCKS
  0x3b, // WRITE BUFFER
  0x3f, // WRITE LONG (10)
  0x7f, // variable length (WRITE(32) and friends)
]);

export interface CdbClass {
  /** Needs `dataloss`. */
  dataloss: boolean;
  /** Needs `sanitize`. */
  sanitize: boolean;
}

export function classifyCdb(cdb: Buffer): CdbClass {
  const op = cdb[0]!;
  if (op === Op.SANITIZE) return { dataloss: true, sanitize: true };
  if (op === Op.SERVICE_ACTION_IN_16 || op === Op.MAINTENANCE_IN) return { dataloss: false, sanitize: false };
  // WRITE LONG (16) is SERVICE ACTION OUT (16) 9Fh/11h; anything sent with 9Fh is treated as writing.
  return { dataloss: DATALOSS_OPS.has(op) || op === 0x9f, sanitize: false };
}

/** LBA and block count of a READ/WRITE/WRITE AND VERIFY CDB (6, 10, 12, 16 bytes), else undefined. */
export function lbaRange(cdb: Buffer): { lba: number; blocks: number } | undefined {
  const op = cdb[0]!;
  switch (op) {
    case Op.READ_6:
    case Op.WRITE_6:
      if (cdb.length < 6) return undefined;
      return { lba: ((cdb[1]! & 0x1f) << 16) | cdb.readUInt16BE(2), blocks: cdb[4] || 256 };
    case Op.READ_10:
    case Op.WRITE_10:
    case Op.WRITE_AND_VERIFY_10:
      if (cdb.length < 10) return undefined;
      return { lba: cdb.readUInt32BE(2), blocks: cdb.readUInt16BE(7) };
    case Op.READ_12:
    case Op.WRITE_12:
    case Op.WRITE_AND_VERIFY_12:
      if (cdb.length < 12) return undefined;
      return { lba: cdb.readUInt32BE(2), blocks: cdb.readUInt32BE(6) };
    case Op.READ_16:
    case Op.WRITE_16:
    case Op.WRITE_AND_VERIFY_16:
      if (cdb.length < 16) return undefined;
      return { lba: Number(cdb.readBigUInt64BE(2)), blocks: cdb.readUInt32BE(10) };
    default:
      return undefined;
  }
}

const READS = new Set<number>([Op.READ_6, Op.READ_10, Op.READ_12, Op.READ_16]);
const WRITES = new Set<number>([Op.WRITE_6, Op.WRITE_10, Op.WRITE_12, Op.WRITE_16, Op.WRITE_AND_VERIFY_10, Op.WRITE_AND_VERIFY_12, Op.WRITE_AND_VERIFY_16]);

export const isRead = (cdb: Buffer): boolean => READS.has(cdb[0]!);
export const isBlockWrite = (cdb: Buffer): boolean => WRITES.has(cdb[0]!);

/**
 * The Data-In length a CDB asks for, when the harness can tell: the blocks of a READ, the ALLOCATION
 * LENGTH of the commands that have one. Undefined: the test must say (`dataIn`).
 */
export function inferDataIn(cdb: Buffer, blockSize: number): number | undefined {
  const op = cdb[0]!;
  if (READS.has(op)) {
    const r = lbaRange(cdb);
    return r ? r.blocks * blockSize : undefined;
  }
  switch (op) {
    case Op.TEST_UNIT_READY:
    case Op.START_STOP_UNIT:
    case Op.PREVENT_ALLOW_MEDIUM_REMOVAL:
    case Op.SYNCHRONIZE_CACHE_10:
    case Op.SYNCHRONIZE_CACHE_16:
    case Op.PRE_FETCH_10:
    case Op.PRE_FETCH_16:
    case Op.RESERVE_6:
    case Op.RELEASE_6:
      return 0;
    case Op.REQUEST_SENSE:
    case Op.MODE_SENSE_6:
      return cdb[4]!;
    case Op.INQUIRY:
      return cdb.readUInt16BE(3);
    case Op.READ_CAPACITY_10:
      return 8;
    case Op.MODE_SENSE_10:
    case Op.PERSISTENT_RESERVE_IN:
    case Op.READ_DEFECT_DATA_10:
      return cdb.readUInt16BE(7);
    case Op.REPORT_LUNS:
    case Op.MAINTENANCE_IN:
    case Op.READ_DEFECT_DATA_12:
      return cdb.readUInt32BE(6);
    case Op.SERVICE_ACTION_IN_16:
    case Op.RECEIVE_COPY_RESULTS:
      return cdb.readUInt32BE(10);
    default:
      return undefined;
  }
}

/** The command's name, with its service action when it has one: 'READ CAPACITY(16)', 'UNMAP'. */
export function commandName(cdb: Buffer): string {
  const op = cdb[0]!;
  return opcodeName(op, opcodeHasServiceAction(op) && cdb.length > 1 ? cdb[1]! & 0x1f : undefined);
}

/**
 * The answer means the device server does not implement the command: CHECK CONDITION, ILLEGAL REQUEST,
 * INVALID COMMAND OPERATION CODE (SPC-5 additional sense codes; REPORT SUPPORTED OPERATION CODES); for a command that carries a service action (MAINTENANCE
 * IN, SERVICE ACTION IN(16)) an unsupported service action is reported as INVALID FIELD IN CDB pointing at
 * byte 1 (SPC-5, REPORT SUPPORTED OPERATION CODES) — or, as many targets do, with no field pointer at all.
 */
export function isNotImplemented(cdb: Buffer, r: Pick<ScsiResult, 'status' | 'sense' | 'response'>): boolean {
  if (r.response !== 0 || r.status !== ScsiStatus.CHECK_CONDITION || !r.sense || r.sense.key !== SenseKey.ILLEGAL_REQUEST) return false;
  if (r.sense.ascAscq === Asc.INVALID_COMMAND_OPERATION_CODE) return true;
  const op = cdb[0]!;
  if ((op === Op.MAINTENANCE_IN || op === Op.SERVICE_ACTION_IN_16) && (r.sense.ascAscq === Asc.INVALID_FIELD_IN_CDB || r.sense.ascAscq === Asc.INVALID_FIELD_IN_PARAMETER_LIST)) {
    const f = r.sense.senseKeySpecific?.field;
    return !f || (f.cd && f.fieldPointer === 1);
  }
  return false;
}

/**
 * Commands a direct-access block device must implement, with the clause that says so. READ (16) and
 * READ CAPACITY (16) became mandatory with SBC-3; they count only for a device that claims SBC-3 or later.
 */
export interface Mandatory {
  clause: string;
  sbc3Only?: boolean;
}

const SBC_MANDATORY: Record<string, Mandatory> = {
  [key(Op.TEST_UNIT_READY)]: { clause: `${SPC5.TEST_UNIT_READY} and ${SBC4.COMMANDS} (TEST UNIT READY is mandatory)` },
  [key(Op.INQUIRY)]: { clause: `${SPC5.INQUIRY} and ${SBC4.COMMANDS} (INQUIRY is mandatory)` },
  [key(Op.REQUEST_SENSE)]: { clause: `${SPC5.REQUEST_SENSE} and ${SBC4.COMMANDS} (REQUEST SENSE is mandatory)` },
  [key(Op.REPORT_LUNS)]: { clause: `${SPC5.REPORT_LUNS} and ${SBC4.COMMANDS} (REPORT LUNS is mandatory)` },
  [key(Op.READ_CAPACITY_10)]: { clause: `${SBC4.READ_CAPACITY_10} and ${SBC4.COMMANDS} (READ CAPACITY (10) is mandatory)` },
  [key(Op.READ_10)]: { clause: `${SBC4.READ_10} and ${SBC4.COMMANDS} (READ (10) is mandatory)` },
  [key(Op.READ_16)]: { clause: `${SBC4.READ_16} and ${SBC4.COMMANDS} (READ (16) is mandatory since SBC-3)`, sbc3Only: true },
  [key(Op.SERVICE_ACTION_IN_16, SaIn16.READ_CAPACITY_16)]: { clause: `${SBC4.READ_CAPACITY_16} and ${SBC4.COMMANDS} (READ CAPACITY (16) is mandatory since SBC-3)`, sbc3Only: true },
};

function key(op: number, sa?: number): string {
  return sa === undefined ? `${op}` : `${op}/${sa}`;
}

/** The mandatory-command entry of this CDB for a direct-access device, if it is one. */
export function mandatoryFor(cdb: Buffer, dev: { sbc: boolean; sbc3: boolean }): Mandatory | undefined {
  const op = cdb[0]!;
  const m = SBC_MANDATORY[opcodeHasServiceAction(op) ? key(op, cdb[1]! & 0x1f) : key(op)];
  if (!m) return undefined;
  // SPC-5 mandates the SPC ones for every device type, not only direct-access ones.
  if (!dev.sbc) return op === Op.INQUIRY || op === Op.TEST_UNIT_READY || op === Op.REQUEST_SENSE || op === Op.REPORT_LUNS ? m : undefined;
  if (m.sbc3Only && !dev.sbc3) return undefined;
  return m;
}

