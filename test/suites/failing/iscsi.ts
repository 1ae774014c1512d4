/** Defects for the iSCSI-layer suites added after the first ones: each a --quirk of the reference target. */
import type { Cases } from './_support.js';

const CASES: Cases = {
  'iSCSILogin.TargetPortalGroupTag': { quirks: ['login-no-tpgt'], message: /did not send TargetPortalGroupTag in its answer to the first Login Request/ },
  'iSCSINop.NonImmediate': { quirks: ['nop-no-reply'], message: /did not answer a non-immediate NOP-Out ping/ },
  'iSCSIStatSN.Consecutive': { quirks: ['statsn-skip'], message: /carries StatSN \d+, expected \d+/ },
  'iSCSIDataIn.StatusFinal': { quirks: ['status-without-final'], message: /has the S bit without the F bit/ },
};

export default CASES;
