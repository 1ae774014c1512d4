/**
 * CHECK CONDITION as a thrown value inside the device server, and its encoding as fixed or descriptor sense
 * data (SPC-5 sense data) with the protocol/scsi encoders.
 */
import { Asc, encodeDescriptorSense, encodeFixedSense, SenseKey, type SenseInit } from '../../protocol/scsi/sense.js';

export interface CheckDetail {
  /** Sense-key-specific field pointer (ILLEGAL REQUEST): byte of the CDB (cd) or parameter list, bit when known. */
  field?: { cd: boolean; byte: number; bit?: number };
  information?: bigint | number;
  /** Progress indication 0..65535 (NOT READY). */
  progress?: number;
  /** Deferred error (response code 71h/73h). */
  deferred?: boolean;
}

/** A command ends with CHECK CONDITION and this sense. */
export class CheckCondition extends Error {
  constructor(
    readonly key: number,
    readonly ascAscq: number,
    readonly detail: CheckDetail = {},
  ) {
    super(`CHECK CONDITION key ${key} asc/ascq ${ascAscq.toString(16).padStart(4, '0')}`);
    this.name = 'CheckCondition';
  }
}

/** The task was aborted by task management (the transport sends nothing). */
export class TaskAborted extends Error {
  constructor() {
    super('task aborted');
    this.name = 'TaskAborted';
  }
}

/** The command ends with RESERVATION CONFLICT status (no sense data). */
export class ReservationConflict extends Error {
  constructor() {
    super('reservation conflict');
    this.name = 'ReservationConflict';
  }
}

/** Highest set bit of a non-zero byte. */
export const topBit = (v: number): number => 31 - Math.clz32(v & 0xff);

export const invalidCdb = (byte: number, bit?: number): CheckCondition =>
  new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_FIELD_IN_CDB, { field: { cd: true, byte, ...(bit === undefined ? {} : { bit }) } });
export const invalidParam = (byte: number, bit?: number): CheckCondition =>
  new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_FIELD_IN_PARAMETER_LIST, { field: { cd: false, byte, ...(bit === undefined ? {} : { bit }) } });
export const paramListLengthError = (): CheckCondition => new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.PARAMETER_LIST_LENGTH_ERROR);
export const lbaOutOfRange = (): CheckCondition => new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.LBA_OUT_OF_RANGE);
export const invalidOpcode = (): CheckCondition =>
  new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_COMMAND_OPERATION_CODE, { field: { cd: true, byte: 0, bit: 7 } });
export const luNotSupported = (): CheckCondition => new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.LOGICAL_UNIT_NOT_SUPPORTED);
export const mediumNotPresent = (): CheckCondition => new CheckCondition(SenseKey.NOT_READY, Asc.MEDIUM_NOT_PRESENT);
export const ioInformationUnit = (): CheckCondition => new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_FIELD_IN_INFORMATION_UNIT);

export interface SenseOptions {
  descriptor: boolean;
  /** Drop the field pointer (quirk sense-no-field-pointer). */
  noFieldPointer?: boolean;
}

/** Encodes a CheckCondition as sense data. */
export function encodeCheck(c: CheckCondition, o: SenseOptions): Buffer {
  const init: SenseInit = { key: c.key, ascAscq: c.ascAscq };
  const d = c.detail;
  if (d.deferred) init.current = false;
  if (d.field && !o.noFieldPointer) {
    init.fieldPointer = { cd: d.field.cd, fieldPointer: d.field.byte, ...(d.field.bit === undefined ? {} : { bitPointer: d.field.bit }) };
  } else if (d.progress !== undefined) {
    init.progress = Math.max(0, Math.min(0xffff, Math.floor(d.progress)));
  }
  if (d.information !== undefined) {
    const info = BigInt(d.information);
    // fixed format has a 32-bit INFORMATION field: a larger value cannot be reported there (VALID stays 0)
    if (o.descriptor || info <= 0xffffffffn) init.information = info;
  }
  return o.descriptor ? encodeDescriptorSense(init) : encodeFixedSense(init);
}
