/**
 * Expected outcomes of a SCSI command, as named constants (status, sense key, the accepted set of
 * ASC/ASCQ), and the one function that checks a result against them and words the failure:
 *
 *   READ(10) LBA=2097152 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD
 *
 * A test may accept several outcomes (`[GOOD, INVALID_FIELD_IN_CDB]`); define others with `expectation()`.
 * Each constant cites where the standard prescribes it.
 */
import type { ScsiResult } from './initiator/index.js';
import { Asc, ascShortName, describeSense, ScsiStatus, SenseKey, senseKeyName, statusName } from '../protocol/scsi/index.js';

export interface Expectation {
  /** The constant's name, e.g. 'LBA_OUT_OF_RANGE'. */
  readonly name: string;
  readonly status: number;
  /** Sense key, for CHECK CONDITION; undefined accepts any key. */
  readonly key?: number;
  /** Accepted `ASC << 8 | ASCQ` values; empty accepts any. */
  readonly asc: readonly number[];
  /** 'CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE'. */
  readonly text: string;
}

function text(status: number, key: number | undefined, asc: readonly number[]): string {
  if (status !== ScsiStatus.CHECK_CONDITION) return statusName(status);
  if (key === undefined) return 'CHECK CONDITION';
  if (asc.length === 0) return `CHECK CONDITION ${senseKeyName(key)}`;
  const names = asc.map(ascShortName);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return `CHECK CONDITION ${senseKeyName(key)}/${list}`;
}

/** Define an expected outcome. `asc` empty (or absent) accepts any additional sense code. */
export function expectation(name: string, status: number, key?: number, asc: readonly number[] = []): Expectation {
  return Object.freeze({ name, status, ...(key !== undefined ? { key } : {}), asc: Object.freeze([...asc]), text: text(status, key, asc) });
}

const CC = ScsiStatus.CHECK_CONDITION;
const IR = SenseKey.ILLEGAL_REQUEST;

/** GOOD status (SAM-5 5.3.1). */
export const GOOD = expectation('GOOD', ScsiStatus.GOOD);
/** CONDITION MET (PRE-FETCH, SBC-4 5.13). */
export const CONDITION_MET = expectation('CONDITION_MET', ScsiStatus.CONDITION_MET);
/** RESERVATION CONFLICT status (SPC-5 reservations). */
export const RESERVATION_CONFLICT = expectation('RESERVATION_CONFLICT', ScsiStatus.RESERVATION_CONFLICT);
/** Any CHECK CONDITION. */
export const CHECK_CONDITION = expectation('CHECK_CONDITION', CC);
/** CHECK CONDITION, ILLEGAL REQUEST, any additional sense code. */
export const ILLEGAL_REQUEST = expectation('ILLEGAL_REQUEST', CC, IR);
/** LBA OUT OF RANGE (SBC-4 4.5: an LBA or range past the capacity). */
export const LBA_OUT_OF_RANGE = expectation('LBA_OUT_OF_RANGE', CC, IR, [Asc.LBA_OUT_OF_RANGE]);
/** INVALID FIELD IN CDB (SPC-5 additional sense codes: a reserved or unsupported CDB field value). */
export const INVALID_FIELD_IN_CDB = expectation('INVALID_FIELD_IN_CDB', CC, IR, [Asc.INVALID_FIELD_IN_CDB]);
/** INVALID FIELD IN PARAMETER LIST (SPC-5 additional sense codes). */
export const INVALID_FIELD_IN_PARAM_LIST = expectation('INVALID_FIELD_IN_PARAM_LIST', CC, IR, [Asc.INVALID_FIELD_IN_PARAMETER_LIST]);
/** PARAMETER LIST LENGTH ERROR (SPC-5 additional sense codes). */
export const PARAM_LIST_LEN_ERR = expectation('PARAM_LIST_LEN_ERR', CC, IR, [Asc.PARAMETER_LIST_LENGTH_ERROR]);
/** INVALID COMMAND OPERATION CODE (SPC-5 additional sense codes): the command is not implemented. */
export const INVALID_OPCODE = expectation('INVALID_OPCODE', CC, IR, [Asc.INVALID_COMMAND_OPERATION_CODE]);
/** DATA PROTECT, write protected (SBC-4 4.12: write-protected medium). */
export const WRITE_PROTECTED = expectation('WRITE_PROTECTED', CC, SenseKey.DATA_PROTECT, [
  Asc.WRITE_PROTECTED,
  Asc.HARDWARE_WRITE_PROTECTED,
  Asc.SOFTWARE_WRITE_PROTECTED,
]);
/** MISCOMPARE DURING VERIFY OPERATION (SBC-4 5.3, 5.36, 5.44). */
export const MISCOMPARE = expectation('MISCOMPARE', CC, SenseKey.MISCOMPARE, [Asc.MISCOMPARE_DURING_VERIFY]);
/** NOT READY, MEDIUM NOT PRESENT (SBC-4 4.4). */
export const NO_MEDIUM = expectation('NO_MEDIUM', CC, SenseKey.NOT_READY, [
  Asc.MEDIUM_NOT_PRESENT,
  Asc.MEDIUM_NOT_PRESENT_TRAY_CLOSED,
  Asc.MEDIUM_NOT_PRESENT_TRAY_OPEN,
]);
/** MEDIUM REMOVAL PREVENTED (SBC-4 5.15, START STOP UNIT with LOEJ while prevented). */
export const REMOVAL_PREVENTED = expectation('REMOVAL_PREVENTED', CC, IR, [Asc.MEDIUM_REMOVAL_PREVENTED]);
/** NOT READY, SANITIZE IN PROGRESS (SBC-4 4.11.3). */
export const SANITIZE_IN_PROGRESS = expectation('SANITIZE_IN_PROGRESS', CC, SenseKey.NOT_READY, [Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS]);
/** Any UNIT ATTENTION (SAM-5 5.14). */
export const UNIT_ATTENTION = expectation('UNIT_ATTENTION', CC, SenseKey.UNIT_ATTENTION);
const UA = SenseKey.UNIT_ATTENTION;
// Unit attentions by ASC/ASCQ, for the reservation, reset and nexus-loss tests (SAM-5 6.3, SPC-5 reservations).
/** RESERVATIONS PREEMPTED: a CLEAR, or a PREEMPT of the reservation, seen by the other registrants (SPC-5 reservations). */
export const UA_RESERVATIONS_PREEMPTED = expectation('UA_RESERVATIONS_PREEMPTED', CC, UA, [Asc.RESERVATIONS_PREEMPTED]);
/** RESERVATIONS RELEASED: a registrants-only or all-registrants reservation released, seen by the other registrants (SPC-5 reservations). */
export const UA_RESERVATIONS_RELEASED = expectation('UA_RESERVATIONS_RELEASED', CC, UA, [Asc.RESERVATIONS_RELEASED]);
/** REGISTRATIONS PREEMPTED: the registration of this I_T nexus was removed by a PREEMPT (SPC-5 reservations). */
export const UA_REGISTRATIONS_PREEMPTED = expectation('UA_REGISTRATIONS_PREEMPTED', CC, UA, [Asc.REGISTRATIONS_PREEMPTED]);
/** MODE PARAMETERS CHANGED: another I_T nexus changed a mode page (SPC-5 MODE SELECT). */
export const UA_MODE_PARAMETERS_CHANGED = expectation('UA_MODE_PARAMETERS_CHANGED', CC, UA, [Asc.MODE_PARAMETERS_CHANGED]);
/** BUS DEVICE RESET FUNCTION OCCURRED: a LOGICAL UNIT RESET, for every I_T nexus (SAM-5 6.3.3). */
export const UA_BUS_DEVICE_RESET = expectation('UA_BUS_DEVICE_RESET', CC, UA, [Asc.BUS_DEVICE_RESET_FUNCTION_OCCURRED]);
/** POWER ON, RESET, OR BUS DEVICE RESET OCCURRED (29h/00h) alone: the generic code of the reset family, which some targets report for every reset. */
export const UA_RESET_GENERIC = expectation('UA_RESET_GENERIC', CC, UA, [Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET]);
/** POWER ON, RESET, OR BUS DEVICE RESET OCCURRED or one of its specific codes: a power on or a target reset (SAM-5 6.3.1, 6.3.2). */
export const UA_POWER_ON_RESET = expectation('UA_POWER_ON_RESET', CC, UA, [
  Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET,
  Asc.POWER_ON_OCCURRED,
  Asc.BUS_DEVICE_RESET_FUNCTION_OCCURRED,
]);
/** I_T NEXUS LOSS OCCURRED: the I_T nexus was lost and has come back (SAM-5 6.3.4). */
export const UA_I_T_NEXUS_LOSS = expectation('UA_I_T_NEXUS_LOSS', CC, UA, [Asc.I_T_NEXUS_LOSS_OCCURRED]);
/** COMMANDS CLEARED BY ANOTHER INITIATOR: this nexus's tasks were aborted by another's CLEAR TASK SET or PREEMPT AND ABORT (SAM-5 7, TAS 0). */
export const UA_COMMANDS_CLEARED = expectation('UA_COMMANDS_CLEARED', CC, UA, [Asc.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR]);
/** INVALID RELEASE OF PERSISTENT RESERVATION: RELEASE by the holder with another TYPE or SCOPE (SPC-5 reservations, releasing). */
export const INVALID_RELEASE = expectation('INVALID_RELEASE', CC, IR, [Asc.INVALID_RELEASE_OF_PERSISTENT_RESERVATION]);
/** INSUFFICIENT REGISTRATION RESOURCES (SPC-5 6.17). */
export const INSUFFICIENT_REGISTRATION_RESOURCES = expectation('INSUFFICIENT_REGISTRATION_RESOURCES', CC, IR, [Asc.INSUFFICIENT_REGISTRATION_RESOURCES]);
/** INVALID FIELD IN COMMAND INFORMATION UNIT (an Expected Data Transfer Length the device server refuses). */
export const INVALID_FIELD_IN_IU = expectation('INVALID_FIELD_IN_IU', CC, IR, [Asc.INVALID_FIELD_IN_INFORMATION_UNIT]);
/** EXTENDED COPY descriptor limits (SPC-5 6.6). */
export const TOO_MANY_DESCRIPTORS = expectation('TOO_MANY_DESCRIPTORS', CC, IR, [Asc.TOO_MANY_TARGET_DESCRIPTORS, Asc.TOO_MANY_SEGMENT_DESCRIPTORS]);
export const UNSUPPORTED_DESCRIPTOR_CODE = expectation('UNSUPPORTED_DESCRIPTOR_CODE', CC, IR, [
  Asc.UNSUPPORTED_TARGET_DESCRIPTOR_TYPE_CODE,
  Asc.UNSUPPORTED_SEGMENT_DESCRIPTOR_TYPE_CODE,
]);
export const COPY_ABORTED = expectation('COPY_ABORTED', CC, SenseKey.COPY_ABORTED, [
  Asc.NO_ADDITIONAL_SENSE,
  Asc.UNREACHABLE_COPY_TARGET,
  Asc.COPY_TARGET_DEVICE_NOT_REACHABLE,
]);

/** Several outcomes any of which is correct. */
export type Expected = Expectation | readonly Expectation[];

export const asList = (e: Expected): readonly Expectation[] => (Array.isArray(e) ? (e as readonly Expectation[]) : [e as Expectation]);

/** The text of an expectation list: 'GOOD or CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB'. */
export function expectedText(e: Expected): string {
  const l = asList(e);
  return l.length === 1
    ? l[0]!.text
    : `${l
        .slice(0, -1)
        .map((x) => x.text)
        .join(', ')} or ${l[l.length - 1]!.text}`;
}

/** What came back, in the words of the expectations: 'GOOD', 'CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE'. */
export function outcomeText(r: Pick<ScsiResult, 'response' | 'status' | 'sense' | 'senseError' | 'senseData'>): string {
  if (r.response !== 0)
    return `iSCSI response 0x${r.response.toString(16).padStart(2, '0')} (${r.response === 1 ? 'TARGET FAILURE' : 'not COMMAND COMPLETED AT TARGET'})`;
  if (r.status !== ScsiStatus.CHECK_CONDITION) return statusName(r.status);
  if (r.sense) return `CHECK CONDITION ${describeSense(r.sense)}`;
  if (r.senseError) return `CHECK CONDITION with undecodable sense data (${r.senseError})`;
  return 'CHECK CONDITION without sense data';
}

/** Does the result meet this one expectation? */
export function meets(r: Pick<ScsiResult, 'response' | 'status' | 'sense'>, e: Expectation): boolean {
  if (r.response !== 0) return false;
  if (r.status !== e.status) return false;
  if (e.status !== ScsiStatus.CHECK_CONDITION || e.key === undefined) return true;
  if (!r.sense || r.sense.key !== e.key) return false;
  return e.asc.length === 0 || e.asc.includes(r.sense.ascAscq);
}

export type Check = { ok: true; matched: Expectation } | { ok: false; message: string };

/**
 * The one check: the result meets one of the expectations, or a failure message that says what was sent,
 * what was expected and what came back.
 */
export function checkResult(what: string, r: Pick<ScsiResult, 'response' | 'status' | 'sense' | 'senseError' | 'senseData'>, expected: Expected): Check {
  for (const e of asList(expected)) if (meets(r, e)) return { ok: true, matched: e };
  return { ok: false, message: `${what}: expected ${expectedText(expected)}, got ${outcomeText(r)}` };
}
