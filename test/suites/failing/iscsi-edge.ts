/**
 * Defects for the iSCSI edge cases of issue 16 that other tables left open: the target's session limit
 * (iSCSIResources) and ABORT TASK of a running task (iSCSITMFRunning), each a --quirk of the reference target, run
 * against a target configured as the test needs (a small MaxSessions, so that the limit is met within the harness's bound;
 * a LUN with latency, so that the READ is still running when the abort comes).
 */
import type { Cases } from './_support.js';

const UNSOLICITED = { InitialR2T: 'No' };

const CASES: Cases = {
  'iSCSIResources.OutOfResources': {
    quirks: ['login-status-generic'],
    maxSessions: 4,
    verdict: 'warn',
    message:
      /login 5 of at most 64, with 4 sessions open: expected the login accepted or Login Response status 0x0302 \(.*\), got Login Response status 0x0300/,
  },
  'iSCSITMFRunning.AbortTaskRunning': {
    quirks: ['tmf-abort-ignored'],
    latencyMs: 1000,
    message: /the READ\(10\) aborted by a Function complete, which must get no answer after it: expected no answer within 3 s, got SCSI (Data-In|Response)/,
  },
  'iSCSIUnsolicited.FirstBurstAboveMaxBurst': {
    quirks: ['first-burst-above-max-burst'],
    verdict: 'warn',
    message: /the target accepted it and answered FirstBurstLength=16384 above MaxBurstLength=4096/,
  },
  'iSCSIUnsolicited.ImmediateAndUnsolicited': {
    quirks: ['unsolicited-data-refused'],
    params: UNSOLICITED,
    message: /came as immediate data and unsolicited Data-Out: expected R2T with bufferOffset=0x800, desiredDataTransferLength=0x200, got a Reject/,
  },
  'iSCSIUnsolicited.UnsolicitedBeyondEdtl': {
    quirks: ['unsolicited-beyond-edtl-taken'],
    params: UNSOLICITED,
    verdict: 'warn',
    message: /Expected Data Transfer Length is 512: expected a Reject, the connection dropped or SCSI Response with status=2, got SCSI Response/,
  },
  'iSCSIReject.AhsLengthPastTotal': {
    quirks: ['no-reject'],
    verdict: 'warn',
    message:
      /AHSLength \(12\) runs past TotalAHSLength \(8 bytes\): expected a Reject with reason 0x04 \(.*\) or the connection dropped, got no answer within 5 s/,
  },
  'iSCSIReject.ReservedAhsType': {
    quirks: ['reserved-codes-unchecked'],
    message: /an AHS of the reserved type 3: expected a Reject with reason 0x04 \(.*\) or the connection dropped, got SCSI Response/,
  },
  'iSCSIReject.ReservedTaskAttribute': {
    quirks: ['reserved-codes-unchecked'],
    message: /the reserved task attribute 5: expected a Reject with reason 0x04 \(.*\) or the connection dropped, got SCSI Response/,
  },
  'iSCSIKeyDefaults.MaxRecvDataSegmentLengthDefault': {
    quirks: ['mrdsl-ignored'],
    message: /MaxRecvDataSegmentLength left at its default 8192: after 0 Data-In \(0 bytes\) the connection closed \(.*32768.*\)/,
  },
  'iSCSIKeyDefaults.MaxBurstLengthDefault': {
    quirks: ['max-burst-ignored'],
    message: /a Data-In sequence of more than 262144 bytes \(MaxBurstLength left at its default\): 270336 bytes by offset 270336 without the F bit/,
  },
  'iSCSIReject.ReservedTmfFunction': {
    quirks: ['reserved-codes-unchecked'],
    verdict: 'warn',
    message: /reserved function code 127: expected a Reject with reason 0x04 \(.*\) or the connection dropped, got Task Management Response response=5/,
  },
  'iSCSIKeyDefaults.ImmediateDataDefault': {
    quirks: ['immediate-data-default-no'],
    message: /ImmediateData never negotiated \(default Yes\): expected R2T with bufferOffset=0x200, desiredDataTransferLength=0x200, got a Reject/,
  },
};

export default CASES;
