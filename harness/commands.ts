/**
 * What the harness knows about a CDB before sending it: whether it changes the medium (so a test must
 * declare `dataloss`, or `sanitize`), how much Data-In it asks for, how many blocks a write carries; and
 * afterwards whether the answer means "not implemented", and whether the command is one the standard
 * makes mandatory for the device type (then "not implemented" is a failure, not a skip). Every fact about a
 * CDB comes from the command catalogue (protocol/scsi/catalogue.ts).
 */
import { Asc, cdbName, cdbTransfer, decodeCdb, lookupCdb, Op, SBC4, ScsiStatus, SenseKey, type DecodedCdb } from '../protocol/scsi/index.js';
import type { ScsiResult } from './initiator/index.js';

/** The CDB decoded against the command catalogue, or undefined (unknown, variable-length or short CDB). */
function decoded(cdb: Buffer): DecodedCdb | undefined {
  const e = lookupCdb(cdb);
  return e?.length !== undefined && cdb.length >= e.length ? decodeCdb(cdb) : undefined;
}

export interface CdbClass {
  /** Needs `dataloss`. */
  dataloss: boolean;
  /** Needs `sanitize`. */
  sanitize: boolean;
}

/**
 * Whether a test sending this CDB must declare `dataloss` (the command changes the medium or persistent
 * device state: the catalogue's `medium`) or `sanitize`. Anything sent with an operation code the
 * catalogue marks so counts, whatever its service action (WRITE LONG (16) is SERVICE ACTION OUT (16)).
 */
export function classifyCdb(cdb: Buffer): CdbClass {
  const medium = lookupCdb(cdb)?.medium;
  return { dataloss: medium !== undefined, sanitize: medium === 'sanitize' };
}

/** LBA and block count of a CDB whose Data-Out or Data-In is the addressed blocks (READ, WRITE, WRITE AND VERIFY), else undefined. */
export function lbaRange(cdb: Buffer): { lba: number; blocks: number } | undefined {
  const d = decoded(cdb);
  if (!d || !(d.entry.storesData || isBlockReadEntry(d))) return undefined;
  return { lba: Number(d.values.lba), blocks: Number(d.values.blocks) };
}

const isBlockReadEntry = (d: DecodedCdb): boolean => d.entry.transfer.dir === 'in' && 'unit' in d.entry.transfer && d.entry.transfer.unit === 'blocks';

export const isRead = (cdb: Buffer): boolean => {
  const d = decoded(cdb);
  return d !== undefined && isBlockReadEntry(d);
};
export const isBlockWrite = (cdb: Buffer): boolean => lookupCdb(cdb)?.storesData === true;

/**
 * The Data-In length a CDB asks for, when the harness can tell: the blocks of a READ, the ALLOCATION
 * LENGTH of the commands that have one, 0 for commands without data. Undefined: the test must say (`dataIn`).
 */
export function inferDataIn(cdb: Buffer, blockSize: number): number | undefined {
  const d = decoded(cdb);
  const t = d && cdbTransfer(d, blockSize);
  return t && t.dir !== 'out' ? t.bytes : undefined;
}

/** The command's name, with its service action when it has one: 'READ CAPACITY(16)', 'UNMAP'. */
export const commandName = (cdb: Buffer): string => cdbName(cdb);

/**
 * The answer means the device server does not implement the command: CHECK CONDITION, ILLEGAL REQUEST,
 * INVALID COMMAND OPERATION CODE (SPC-5 additional sense codes; REPORT SUPPORTED OPERATION CODES); for a command that carries a service action (MAINTENANCE
 * IN, SERVICE ACTION IN(16)) an unsupported service action is reported as INVALID FIELD IN CDB pointing at
 * byte 1 (SPC-5, REPORT SUPPORTED OPERATION CODES) — or, as many targets do, with no field pointer at all.
 * With `implemented` (REPORT SUPPORTED OPERATION CODES lists the command, or it was answered before) an
 * INVALID FIELD IN CDB without a field pointer refuses some other field of an implemented command: a verdict
 * for the test, not a reason to skip it (it hid an ALLOCATION LENGTH 0 refused so).
 */
export function isNotImplemented(cdb: Buffer, r: Pick<ScsiResult, 'status' | 'sense' | 'response'>, implemented = false): boolean {
  if (r.response !== 0 || r.status !== ScsiStatus.CHECK_CONDITION || !r.sense || r.sense.key !== SenseKey.ILLEGAL_REQUEST) return false;
  if (r.sense.ascAscq === Asc.INVALID_COMMAND_OPERATION_CODE) return true;
  const op = cdb[0]!;
  if (
    (op === Op.MAINTENANCE_IN || op === Op.SERVICE_ACTION_IN_16) &&
    (r.sense.ascAscq === Asc.INVALID_FIELD_IN_CDB || r.sense.ascAscq === Asc.INVALID_FIELD_IN_PARAMETER_LIST)
  ) {
    const f = r.sense.senseKeySpecific?.field;
    return f ? f.cd && f.fieldPointer === 1 : !implemented;
  }
  return false;
}

/**
 * Commands a direct-access block device must implement, with the clause that says so (the catalogue's
 * `mandatory`). READ (16) and READ CAPACITY (16) became mandatory with SBC-3; they count only for a device
 * that claims SBC-3 or later.
 */
export interface Mandatory {
  clause: string;
  sbc3Only?: boolean;
}

/** The mandatory-command entry of this CDB for a direct-access device, if it is one. */
export function mandatoryFor(cdb: Buffer, dev: { sbc: boolean; sbc3: boolean }): Mandatory | undefined {
  const e = lookupCdb(cdb);
  const m = e?.mandatory;
  if (!e || !m) return undefined;
  // SPC-5 mandates the SPC ones for every device type, not only direct-access ones.
  if (m !== 'everyDevice' && !dev.sbc) return undefined;
  if (m === 'sinceSbc3' && !dev.sbc3) return undefined;
  const since = m === 'sinceSbc3' ? ' since SBC-3' : '';
  return { clause: `${e.clause} and ${SBC4.COMMANDS} (${e.name} is mandatory${since})`, ...(m === 'sinceSbc3' ? { sbc3Only: true } : {}) };
}
