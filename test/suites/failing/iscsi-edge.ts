/**
 * Defects for the iSCSI edge cases of issue 16 that other tables left open: the target's session limit
 * (iSCSIResources), each a --quirk of the reference target, run against a node configured as the test needs
 * (a small MaxSessions, so that the limit is met within the harness's bound).
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
};

export default CASES;
