/** SCSI status codes (SAM-5 5.3.1, table 26) and their names. */
import { hex } from './util.js';

export const ScsiStatus = {
  GOOD: 0x00,
  CHECK_CONDITION: 0x02,
  CONDITION_MET: 0x04,
  BUSY: 0x08,
  RESERVATION_CONFLICT: 0x18,
  TASK_SET_FULL: 0x28,
  ACA_ACTIVE: 0x30,
  TASK_ABORTED: 0x40,
} as const;
export type ScsiStatusCode = (typeof ScsiStatus)[keyof typeof ScsiStatus];

const NAMES: Record<number, string> = {
  0x00: 'GOOD',
  0x02: 'CHECK CONDITION',
  0x04: 'CONDITION MET',
  0x08: 'BUSY',
  0x10: 'INTERMEDIATE',
  0x14: 'INTERMEDIATE-CONDITION MET',
  0x18: 'RESERVATION CONFLICT',
  0x22: 'COMMAND TERMINATED',
  0x28: 'TASK SET FULL',
  0x30: 'ACA ACTIVE',
  0x40: 'TASK ABORTED',
};

/** `'CHECK CONDITION'`; unknown codes give `'STATUS 0xNN'`. */
export function statusName(s: number): string {
  return NAMES[s] ?? `STATUS ${hex(s & 0xff)}`;
}
