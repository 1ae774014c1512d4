/**
 * Defects for iSCSIDataOut, iSCSIText and iSCSIPduFields (issue 16, full feature phase: unsolicited data, stray
 * Data-Out, long text answers, reserved header fields, the target's own pings): each a --quirk of the reference
 * target. The tests of unsolicited data run against the node configured with InitialR2T=No, which the reference
 * target does not offer by default, and TargetPing against one configured to ping (NOPInterval 1).
 */
import type { Cases } from './_support.js';

const UNSOLICITED = { InitialR2T: 'No' };

const CASES: Cases = {
  'iSCSIDataOut.UnsolicitedFirstBurst': {
    quirks: ['unsolicited-data-refused'],
    params: UNSOLICITED,
    message: /unsolicited Data-Out \(FirstBurstLength \d+\): expected SCSI Response with status=0, got a Reject with reason 0x04/,
  },
  'iSCSIDataOut.UnsolicitedBeyondFirstBurst': {
    quirks: ['unsolicited-burst-unbounded'],
    params: UNSOLICITED,
    verdict: 'warn',
    message:
      /bytes of unsolicited Data-Out with FirstBurstLength 512: expected a Reject, the connection dropped or SCSI Response with status=2, got SCSI Response .*status=0 /,
  },
  'iSCSIDataOut.UnsolicitedFinalBit': {
    quirks: ['unsolicited-final-ignored'],
    params: UNSOLICITED,
    message: /the unsolicited burst ended by the F bit after 512 of 1024 bytes .*: expected R2T with bufferOffset=0x200, got no answer within 5 s/,
  },
  'iSCSIDataOut.DataOutFinishedTask': {
    quirks: ['finished-task-answered'],
    verdict: 'warn',
    message: /a Data-Out for the WRITE \(10\) that has ended .*: expected no answer within 2 s, a Reject or the connection dropped, got SCSI Response/,
  },
  'iSCSIDataOut.DataOutWrongLun': {
    quirks: ['data-out-lun-unchecked'],
    verdict: 'warn',
    message: /a Data-Out answering the R2T with another LUN: expected .*, got SCSI Response .*status=0\b/,
  },
  'iSCSIText.LongAnswerContinued': {
    quirks: ['text-continue-reserved-ttt'],
    message: /a Text Response with F=0 carries TTT 0xffffffff/,
  },
  'iSCSIText.NewRequestEndsOld': {
    quirks: ['text-reset-ignored'],
    verdict: 'warn',
    message: /the target went on with the old answer/,
  },
  'iSCSIText.ContinueUnknownTtt': {
    quirks: ['no-reject'],
    verdict: 'warn',
    message: /TTT 0x5eed0001, which no Text Response carried: expected .*, got no answer within 3 s/,
  },
  'iSCSINop.TargetPing': {
    quirks: ['nop-ping-itt'],
    nopInterval: 1,
    message: /ITT of the target's NOP-In ping \(11.19\): expected 4294967295, got 0/,
  },
  'iSCSIPduFields.ReservedFieldsIgnored': {
    quirks: ['reserved-fields-checked'],
    message: /a NOP-Out ping whose reserved header bytes are not zero: expected NOP-In with .*, got a Reject with reason 0x04/,
  },
  'iSCSIPduFields.ReservedLogoutReason': {
    quirks: ['logout-reserved-reason-accepted'],
    message: /reserved reason code 0x05: expected a Reject with reason 0x04 \(.*\) or the connection dropped, got Logout Response/,
  },
};

export default CASES;
