/**
 * Defects for the iSCSI edge cases of issue 16 that other tables left open: the target's session limit
 * (iSCSIResources) and ABORT TASK of a running task (iSCSITMFRunning), each a --quirk of the reference target, run
 * against a target configured as the test needs (a small MaxSessions, so that the limit is met within the harness's bound;
 * a LUN with latency, so that the READ is still running when the abort comes).
 */
import type { Cases } from './_support.js';

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
};

export default CASES;
