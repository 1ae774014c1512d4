/** Defects for the iSCSI-layer suites added after the first ones: each a --quirk of the reference target. */
import type { Cases } from './_support.js';

const CASES: Cases = {
  'iSCSICHAP.Invalid': { quirks: ['chap-accept-any'], chap: true, message: /accepted a CHAP login of user selftest with a wrong secret/ },
  'iSCSILogin.TargetPortalGroupTag': { quirks: ['login-no-tpgt'], message: /did not send TargetPortalGroupTag in its answer to the first Login Request/ },
  'iSCSINop.NonImmediate': { quirks: ['nop-no-reply'], message: /did not answer a non-immediate NOP-Out ping/ },
  'iSCSIStatSN.Consecutive': { quirks: ['statsn-skip'], message: /carries StatSN \d+, expected \d+/ },
  'iSCSIDataIn.StatusFinal': { quirks: ['status-without-final'], message: /has the S bit without the F bit/ },
  'iSCSIR2T.MaxBurstLength': { quirks: ['r2t-unbounded'], message: /an R2T asks for \d+ bytes at offset 0, more than MaxBurstLength 4096/ },
  'iSCSIdatasn.iSCSIDataSnInvalid': { quirks: ['datasn-unchecked'], message: /the target completed it with GOOD/ },
  'iSCSIDigests.BadDataDigest': { quirks: ['digest-unchecked'], message: /answered a NOP-Out whose data digest was wrong/ },
  'iSCSITMF.AbortTaskSimpleAsync': { quirks: ['tmf-abort-ignored'], message: /the target answered the aborted WRITE\(10\)/ },
};

export default CASES;
