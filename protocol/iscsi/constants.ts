/** RFC 7143 constants: opcodes (11.1.1), task attributes, TMF functions and responses, login status, reasons. */

export const Opcode = {
  NOP_OUT: 0x00,
  SCSI_COMMAND: 0x01,
  TASK_MGMT_REQUEST: 0x02,
  LOGIN_REQUEST: 0x03,
  TEXT_REQUEST: 0x04,
  DATA_OUT: 0x05,
  LOGOUT_REQUEST: 0x06,
  SNACK_REQUEST: 0x10,
  NOP_IN: 0x20,
  SCSI_RESPONSE: 0x21,
  TASK_MGMT_RESPONSE: 0x22,
  LOGIN_RESPONSE: 0x23,
  TEXT_RESPONSE: 0x24,
  DATA_IN: 0x25,
  LOGOUT_RESPONSE: 0x26,
  R2T: 0x31,
  ASYNC_MESSAGE: 0x32,
  REJECT: 0x3f,
} as const;
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

const OPCODE_NAMES: Record<number, string> = {
  0x00: 'NOP-Out',
  0x01: 'SCSI Command',
  0x02: 'Task Management Request',
  0x03: 'Login Request',
  0x04: 'Text Request',
  0x05: 'SCSI Data-Out',
  0x06: 'Logout Request',
  0x10: 'SNACK Request',
  0x20: 'NOP-In',
  0x21: 'SCSI Response',
  0x22: 'Task Management Response',
  0x23: 'Login Response',
  0x24: 'Text Response',
  0x25: 'SCSI Data-In',
  0x26: 'Logout Response',
  0x31: 'R2T',
  0x32: 'Asynchronous Message',
  0x3f: 'Reject',
};

export function opcodeName(op: number): string {
  return OPCODE_NAMES[op] ?? `opcode 0x${op.toString(16).padStart(2, '0')}`;
}

/** Opcodes an initiator sends (bit 5 clear); vendor-specific 0x1c-0x1e. */
export const isInitiatorOpcode = (op: number): boolean => (op & 0x20) === 0;

/** Basic Header Segment length (RFC 7143 11.2.1). */
export const BHS_LENGTH = 48;
/** The reserved "no tag" value for ITT and TTT (RFC 7143 11.2.1.8). */
export const RESERVED_TAG = 0xffffffff;
/** Data segments and AHS are padded to this (RFC 7143 11.2.3). */
export const PAD = 4;
export const padLength = (n: number): number => (4 - (n & 3)) & 3;

/** Task attributes, ATTR field of the SCSI Command PDU (RFC 7143 11.3.1, SAM-5). */
export const TaskAttr = { UNTAGGED: 0, SIMPLE: 1, ORDERED: 2, HEAD_OF_QUEUE: 3, ACA: 4 } as const;

/** Task management functions (RFC 7143 11.5.1). */
export const TmfFunction = {
  ABORT_TASK: 1,
  ABORT_TASK_SET: 2,
  CLEAR_ACA: 3,
  CLEAR_TASK_SET: 4,
  LOGICAL_UNIT_RESET: 5,
  TARGET_WARM_RESET: 6,
  TARGET_COLD_RESET: 7,
  TASK_REASSIGN: 8,
} as const;
export const TMF_FUNCTION_NAMES: Record<number, string> = {
  1: 'ABORT TASK',
  2: 'ABORT TASK SET',
  3: 'CLEAR ACA',
  4: 'CLEAR TASK SET',
  5: 'LOGICAL UNIT RESET',
  6: 'TARGET WARM RESET',
  7: 'TARGET COLD RESET',
  8: 'TASK REASSIGN',
};

/** Task management responses (RFC 7143 11.6.1). */
export const TmfResponse = {
  FUNCTION_COMPLETE: 0,
  TASK_DOES_NOT_EXIST: 1,
  LUN_DOES_NOT_EXIST: 2,
  TASK_STILL_ALLEGIANT: 3,
  TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED: 4,
  FUNCTION_NOT_SUPPORTED: 5,
  FUNCTION_AUTHORIZATION_FAILED: 6,
  FUNCTION_REJECTED: 255,
} as const;
export const TMF_RESPONSE_NAMES: Record<number, string> = {
  0: 'Function complete',
  1: 'Task does not exist',
  2: 'LUN does not exist',
  3: 'Task still allegiant',
  4: 'Task allegiance reassignment not supported',
  5: 'Task management function not supported',
  6: 'Function authorization failed',
  255: 'Function rejected',
};

/** iSCSI response codes in the SCSI Response PDU (RFC 7143 11.4.3). */
export const IscsiResponse = { COMMAND_COMPLETED: 0x00, TARGET_FAILURE: 0x01 } as const;

/** Login stages (CSG/NSG, RFC 7143 11.12.3). */
export const Stage = { SECURITY: 0, OPERATIONAL: 1, FULL_FEATURE: 3 } as const;

/** Login status classes and details (RFC 7143 11.13.5). */
export const LoginStatus = {
  SUCCESS: 0x0000,
  TARGET_MOVED_TEMPORARILY: 0x0101,
  TARGET_MOVED_PERMANENTLY: 0x0102,
  INITIATOR_ERROR: 0x0200,
  AUTHENTICATION_FAILURE: 0x0201,
  AUTHORIZATION_FAILURE: 0x0202,
  NOT_FOUND: 0x0203,
  TARGET_REMOVED: 0x0204,
  UNSUPPORTED_VERSION: 0x0205,
  TOO_MANY_CONNECTIONS: 0x0206,
  MISSING_PARAMETER: 0x0207,
  CANT_INCLUDE_IN_SESSION: 0x0208,
  SESSION_TYPE_NOT_SUPPORTED: 0x0209,
  SESSION_DOES_NOT_EXIST: 0x020a,
  INVALID_DURING_LOGIN: 0x020b,
  TARGET_ERROR: 0x0300,
  SERVICE_UNAVAILABLE: 0x0301,
  OUT_OF_RESOURCES: 0x0302,
} as const;
const LOGIN_STATUS_NAMES: Record<number, string> = {
  0x0000: 'Success',
  0x0101: 'Target moved temporarily',
  0x0102: 'Target moved permanently',
  0x0200: 'Initiator error',
  0x0201: 'Authentication failure',
  0x0202: 'Authorization failure',
  0x0203: 'Not found',
  0x0204: 'Target removed',
  0x0205: 'Unsupported version',
  0x0206: 'Too many connections',
  0x0207: 'Missing parameter',
  0x0208: "Can't include in session",
  0x0209: 'Session type not supported',
  0x020a: 'Session does not exist',
  0x020b: 'Invalid request during login',
  0x0300: 'Target error',
  0x0301: 'Service unavailable',
  0x0302: 'Out of resources',
};
export function loginStatusName(cls: number, detail: number): string {
  const v = (cls << 8) | detail;
  return LOGIN_STATUS_NAMES[v] ?? `status class 0x${cls.toString(16).padStart(2, '0')} detail 0x${detail.toString(16).padStart(2, '0')}`;
}

/** Logout reason codes (RFC 7143 11.14.1) and responses (11.15.1). */
export const LogoutReason = { CLOSE_SESSION: 0, CLOSE_CONNECTION: 1, REMOVE_CONNECTION_FOR_RECOVERY: 2 } as const;
export const LogoutResponseCode = {
  SUCCESS: 0,
  CID_NOT_FOUND: 1,
  RECOVERY_NOT_SUPPORTED: 2,
  CLEANUP_FAILED: 3,
} as const;

/** Reject reasons (RFC 7143 11.17.1). */
export const RejectReason = {
  DATA_DIGEST_ERROR: 0x02,
  SNACK_REJECT: 0x03,
  PROTOCOL_ERROR: 0x04,
  COMMAND_NOT_SUPPORTED: 0x05,
  IMMEDIATE_COMMAND_REJECT: 0x06,
  TASK_IN_PROGRESS: 0x07,
  INVALID_DATA_ACK: 0x08,
  INVALID_PDU_FIELD: 0x09,
  LONG_OPERATION_REJECT: 0x0a,
  DEPRECATED: 0x0b,
  WAITING_FOR_LOGOUT: 0x0c,
} as const;
const REJECT_NAMES: Record<number, string> = {
  0x02: 'Data (payload) digest error',
  0x03: 'SNACK Reject',
  0x04: 'Protocol error',
  0x05: 'Command not supported',
  0x06: 'Immediate command reject - too many immediate commands',
  0x07: 'Task in progress',
  0x08: 'Invalid data ack',
  0x09: 'Invalid PDU field',
  0x0a: 'Long op reject - out of resources',
  0x0b: 'Deprecated (negotiation reset)',
  0x0c: 'Waiting for Logout',
};
export const rejectReasonName = (r: number): string => REJECT_NAMES[r] ?? `reason 0x${r.toString(16)}`;

/** Asynchronous events (RFC 7143 11.9.1). */
export const AsyncEvent = {
  SCSI_ASYNC_EVENT: 0,
  LOGOUT_REQUESTED: 1,
  CONNECTION_DROP: 2,
  SESSION_DROP: 3,
  RENEGOTIATE: 4,
  VENDOR: 255,
} as const;

/** SNACK types (RFC 7143 11.16.1). */
export const SnackType = { DATA_R2T: 0, STATUS: 1, DATA_ACK: 2, R_DATA: 3 } as const;

/** AHS types (RFC 7143 11.2.2). */
export const AhsType = { EXTENDED_CDB: 1, BIDI_READ_LENGTH: 2 } as const;

/** Serial number arithmetic (RFC 1982, 32 bits), as RFC 7143 4.2.2.1 requires for CmdSN and StatSN. */
export function snLess(a: number, b: number): boolean {
  return a !== b && ((a < b && b - a < 0x80000000) || (a > b && a - b > 0x80000000));
}
export const snLessEq = (a: number, b: number): boolean => a === b || snLess(a, b);
export const snAdd = (a: number, n: number): number => (a + n) >>> 0;
/** b - a in serial arithmetic (signed). */
export const snDiff = (a: number, b: number): number => (b - a) | 0;
