/**
 * SCSI operation codes and service actions used by the harness and the reference target
 * (the operation code annex of SPC-5, SBC-4 5.1 table 34). Their names, CDB layouts and the rest of their
 * facts are in the command catalogue (catalogue.ts). The clause numbers
 * the project cites (SBC-4 as of sbc4r22, SPC-5 as of spc5r17) and the evidence for them are in clauses.ts.
 */
import { hex } from './util.js';

/** Operation codes (the operation code annex of SPC-5, SBC-4 5.1 table 34). */
export const Op = {
  TEST_UNIT_READY: 0x00,
  REQUEST_SENSE: 0x03,
  READ_6: 0x08,
  WRITE_6: 0x0a,
  INQUIRY: 0x12,
  MODE_SELECT_6: 0x15,
  RESERVE_6: 0x16,
  RELEASE_6: 0x17,
  MODE_SENSE_6: 0x1a,
  START_STOP_UNIT: 0x1b,
  PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
  READ_CAPACITY_10: 0x25,
  READ_10: 0x28,
  WRITE_10: 0x2a,
  WRITE_AND_VERIFY_10: 0x2e,
  VERIFY_10: 0x2f,
  PRE_FETCH_10: 0x34,
  SYNCHRONIZE_CACHE_10: 0x35,
  READ_DEFECT_DATA_10: 0x37,
  WRITE_SAME_10: 0x41,
  UNMAP: 0x42,
  SANITIZE: 0x48,
  MODE_SELECT_10: 0x55,
  MODE_SENSE_10: 0x5a,
  PERSISTENT_RESERVE_IN: 0x5e,
  PERSISTENT_RESERVE_OUT: 0x5f,
  EXTENDED_COPY: 0x83,
  RECEIVE_COPY_RESULTS: 0x84,
  READ_16: 0x88,
  COMPARE_AND_WRITE: 0x89,
  WRITE_16: 0x8a,
  ORWRITE_16: 0x8b,
  WRITE_AND_VERIFY_16: 0x8e,
  VERIFY_16: 0x8f,
  PRE_FETCH_16: 0x90,
  SYNCHRONIZE_CACHE_16: 0x91,
  WRITE_SAME_16: 0x93,
  WRITE_ATOMIC_16: 0x9c,
  SERVICE_ACTION_IN_16: 0x9e,
  REPORT_LUNS: 0xa0,
  MAINTENANCE_IN: 0xa3,
  READ_12: 0xa8,
  WRITE_12: 0xaa,
  WRITE_AND_VERIFY_12: 0xae,
  VERIFY_12: 0xaf,
  READ_DEFECT_DATA_12: 0xb7,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** SERVICE ACTION IN (16) service actions (SBC-4 5.21, 5.6). */
export const SaIn16 = { READ_CAPACITY_16: 0x10, GET_LBA_STATUS: 0x12 } as const;

/** MAINTENANCE IN service actions (SPC-5: REPORT TARGET PORT GROUPS, REPORT SUPPORTED OPERATION CODES, REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS, REPORT TIMESTAMP). */
export const MaintIn = {
  REPORT_TARGET_PORT_GROUPS: 0x0a,
  REPORT_SUPPORTED_OPERATION_CODES: 0x0c,
  REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS: 0x0d,
  REPORT_TIMESTAMP: 0x0f,
} as const;

/** PERSISTENT RESERVE IN service actions (SPC-5 6.16). */
export const PrInSa = { READ_KEYS: 0x00, READ_RESERVATION: 0x01, REPORT_CAPABILITIES: 0x02, READ_FULL_STATUS: 0x03 } as const;

/** PERSISTENT RESERVE OUT service actions (SPC-5 6.17). */
export const PrOutSa = {
  REGISTER: 0x00,
  RESERVE: 0x01,
  RELEASE: 0x02,
  CLEAR: 0x03,
  PREEMPT: 0x04,
  PREEMPT_AND_ABORT: 0x05,
  REGISTER_AND_IGNORE_EXISTING_KEY: 0x06,
  REGISTER_AND_MOVE: 0x07,
  REPLACE_LOST_RESERVATION: 0x08,
} as const;

/** Persistent reservation TYPE codes (SPC-5 6.16, READ RESERVATION data). */
export const PrType = {
  WRITE_EXCLUSIVE: 0x1,
  EXCLUSIVE_ACCESS: 0x3,
  WRITE_EXCLUSIVE_REGISTRANTS_ONLY: 0x5,
  EXCLUSIVE_ACCESS_REGISTRANTS_ONLY: 0x6,
  WRITE_EXCLUSIVE_ALL_REGISTRANTS: 0x7,
  EXCLUSIVE_ACCESS_ALL_REGISTRANTS: 0x8,
} as const;

/** Persistent reservation SCOPE codes (SPC-5 6.16, READ RESERVATION data): only LU_SCOPE is defined. */
export const PrScope = { LU: 0x0 } as const;

/** SANITIZE service actions (SBC-4 5.30.1). */
export const SanitizeSa = { OVERWRITE: 0x01, BLOCK_ERASE: 0x02, CRYPTOGRAPHIC_ERASE: 0x03, EXIT_FAILURE_MODE: 0x1f } as const;

/** EXTENDED COPY service actions (the operation code annex of SPC-5). */
export const ExtendedCopySa = { LID1: 0x00, LID4: 0x01, POPULATE_TOKEN: 0x10, WRITE_USING_TOKEN: 0x11 } as const;

/** RECEIVE COPY RESULTS service actions (the operation code annex of SPC-5). */
export const ReceiveCopySa = {
  COPY_STATUS_LID1: 0x00,
  RECEIVE_DATA_LID1: 0x01,
  OPERATING_PARAMETERS: 0x03,
  FAILED_SEGMENT_DETAILS_LID1: 0x04,
  COPY_STATUS_LID4: 0x05,
  RECEIVE_DATA_LID4: 0x06,
  ROD_TOKEN_INFORMATION: 0x07,
  REPORT_ALL_ROD_TOKENS: 0x08,
} as const;

/**
 * CDB length from the GROUP CODE (bits 7..5) of the operation code (SPC-5, OPERATION CODE field): group 0 → 6, 1 and 2
 * → 10, 4 → 16, 5 → 12; group 3 (reserved / variable length 7Fh) and the vendor-specific groups 6 and 7
 * → undefined.
 */
export function cdbLength(op: number): number | undefined {
  switch ((op >> 5) & 7) {
    case 0:
      return 6;
    case 1:
    case 2:
      return 10;
    case 4:
      return 16;
    case 5:
      return 12;
    default:
      return undefined;
  }
}

const PR_TYPE_NAMES: Record<number, string> = {
  0x1: 'WRITE EXCLUSIVE',
  0x3: 'EXCLUSIVE ACCESS',
  0x5: 'WRITE EXCLUSIVE - REGISTRANTS ONLY',
  0x6: 'EXCLUSIVE ACCESS - REGISTRANTS ONLY',
  0x7: 'WRITE EXCLUSIVE - ALL REGISTRANTS',
  0x8: 'EXCLUSIVE ACCESS - ALL REGISTRANTS',
};

/** `'WRITE EXCLUSIVE - REGISTRANTS ONLY'`, or `'TYPE 0xN'` for reserved codes (SPC-5 6.16, READ RESERVATION data). */
export function prTypeName(type: number): string {
  return PR_TYPE_NAMES[type] ?? `TYPE ${hex(type, 1)}`;
}
