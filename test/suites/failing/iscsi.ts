/** Defects for the iSCSI-layer suites added after the first ones: a --quirk of the reference target, or proxy rules. */
import type { Cases } from './_support.js';

const CASES: Cases = {
  'iSCSICHAP.Invalid': {
    quirks: ['chap-accept-any'],
    chap: true,
    message: /a CHAP login of user selftest with a wrong secret: expected Login Response status 0x0201 \(.*\), got the login accepted/,
  },
  'iSCSILogin.TargetPortalGroupTag': { quirks: ['login-no-tpgt'], message: /did not send TargetPortalGroupTag in its answer to the first Login Request/ },
  'iSCSINop.NonImmediate': {
    quirks: ['nop-no-reply'],
    message:
      /a non-immediate NOP-Out ping \(valid ITT\), which must be answered with a NOP-In echoing its data: expected NOP-In with ttt=0xffffffff, data=4 bytes, got no answer within 10 s/,
  },
  // With --quirk statsn-skip the initiator's own StatSN check stops the start-up probe (test/initiator/sequence.test.ts):
  // the skip is planted in the answer to the test's INQUIRY (ALLOCATION LENGTH 96, which the probe does not send).
  'iSCSIStatSN.Consecutive': {
    rules: () => [{ match: (c) => c[0] === 0x12 && c.readUInt16BE(3) === 96, numbers: (n) => void (n.statSN = (n.statSN + 1) >>> 0) }],
    message: /INQUIRY.*carries StatSN \d+, expected \d+/,
  },
  'iSCSIDataIn.StatusFinal': { quirks: ['status-without-final'], message: /has the S bit without the F bit/ },
  'iSCSIR2T.MaxBurstLength': { quirks: ['r2t-unbounded'], message: /an R2T asks for \d+ bytes at offset 0, more than MaxBurstLength 4096/ },
  'iSCSIdatasn.iSCSIDataSnInvalid': { quirks: ['datasn-unchecked'], message: /the target completed it with GOOD/ },
  'iSCSIDigests.BadDataDigest': {
    quirks: ['digest-unchecked'],
    message: /whose data digest was wrong, which must be discarded, not acted on: expected no answer within 3 s or the connection dropped, got NOP-In/,
  },
  'iSCSITMF.AbortTaskSimpleAsync': {
    quirks: ['tmf-abort-ignored'],
    message:
      /the held Data-Out of the aborted WRITE\(10\), whose task must not complete: expected no answer within 3 s or the connection dropped, got SCSI (Response|Data-In)/,
  },
};

export default CASES;
