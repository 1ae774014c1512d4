/**
 * Defects for iSCSIAsync (issue 16: the target's Asynchronous Messages, DefaultTime2Retain, ExpStatSN): each a
 * --quirk of the reference target (reference-target/async-quirks.ts). The logout-request tests stop and start
 * the target (need 'targetControl'), so the runner gives them a target of their own that it controls (reference-runs.ts).
 */
import type { Cases } from './_support.js';

const CASES: Cases = {
  'iSCSIAsync.LogoutRequest': {
    quirks: ['async-logout-parameter2'],
    message: /Parameter2 of the logout request \(11\.9\.1: reserved for AsyncEvent 1\): expected 0, got 2/,
  },
  'iSCSIAsync.LogoutRequestDeadline': {
    quirks: ['logout-request-unenforced'],
    verdict: 'warn',
    message: /a session that did not log out within the 2 s \(Parameter3\) the target asked: expected the connection dropped, got no answer within 4 s/,
  },
  'iSCSIAsync.CommandAfterLogoutRequest': {
    quirks: ['logout-request-rejects-commands'],
    verdict: 'warn',
    message:
      /a TEST UNIT READY sent after the target asked for logout within 2 s: expected .*response=0 or a Reject with reason 0x0c .*, got a Reject with reason 0x04/,
  },
  'iSCSIAsync.Time2RetainZero': {
    quirks: ['session-retained'],
    verdict: 'warn',
    message: /whose only connection dropped with DefaultTime2Retain=0: expected Login Response status 0x020a .*, got Login Response status 0x0206/,
  },
  'iSCSIAsync.ExpStatSNUnacknowledged': {
    quirks: ['status-waits-for-ack'],
    // A SHOULD-level test, but a target that does not answer fails whatever the level (harness/runner.ts classify).
    message: /target did not answer TEST UNIT READY 9 of 24 with ExpStatSN \d+ \(8 responses not acknowledged\) within 5 s/,
  },
};

export default CASES;
