/**
 * Reserved code values in the defined fields of a full-feature PDU, which "MUST be reported as a protocol error"
 * (RFC 7143 11.2): an AHS whose AHSType code is reserved (0 and 3-59, 11.2.2.2; 60-63 are non-iSCSI extensions,
 * 1 and 2 the Extended CDB and Bidirectional Read Expected Data Transfer Length), a SCSI Command's task
 * attribute 5-7 (11.3.1), and a task management function code other than 1-8 (11.5.1). The connection Rejects
 * such a PDU (reason Protocol Error) before acting on it.
 */
import { AhsType, type AnyPdu, Opcode, type ScsiCommand, type TaskMgmtRequest, TMF_FUNCTION_NAMES } from '../protocol/iscsi/index.js';
import { defineQuirk, type Quirks } from './quirks.js';

export const Q_RESERVED = {
  unchecked: defineQuirk(
    'reserved-codes-unchecked',
    'iscsi',
    'reserved AHSType codes, SCSI task attributes 5-7 and task management function codes are not Rejected (an unknown function is "not supported")',
  ),
};

/** The first non-iSCSI-extension AHS code (60-63, 11.2.2.2). */
const AHS_EXTENSIONS = 60;

/** Why the PDU carries a reserved code value, or undefined. */
export function reservedCode(q: Quirks, pdu: AnyPdu): string | undefined {
  if (q.has(Q_RESERVED.unchecked)) return undefined;
  for (const a of pdu.ahs ?? []) {
    const code = a.type & 0x3f;
    if (code !== AhsType.EXTENDED_CDB && code !== AhsType.BIDI_READ_LENGTH && code < AHS_EXTENSIONS)
      return `AHSType code ${code} is reserved (RFC 7143 11.2.2.2)`;
  }
  if (pdu.opcode === Opcode.SCSI_COMMAND && (pdu as ScsiCommand).attr > 4) return `task attribute ${(pdu as ScsiCommand).attr} is reserved (RFC 7143 11.3.1)`;
  if (pdu.opcode === Opcode.TASK_MGMT_REQUEST && TMF_FUNCTION_NAMES[(pdu as TaskMgmtRequest).function] === undefined)
    return `task management function ${(pdu as TaskMgmtRequest).function} is reserved (RFC 7143 11.5.1)`;
  return undefined;
}
