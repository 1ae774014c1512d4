/**
 * Defects for iSCSISequence (issue 16, full feature phase: the command window in every kind of answer):
 * each a --quirk of the reference target. The acknowledgement rule has no MUST, so the defects warn.
 */
import type { Cases } from './_support.js';

const LAGS = (what: string): Cases[string] => ({ quirks: ['expcmdsn-lags'], verdict: 'warn', message: new RegExp(`${what} carries ExpCmdSN 0x[0-9a-f]+, which does not acknowledge`) });

const CASES: Cases = {
  'iSCSISequence.ScsiResponseWindow': LAGS('the SCSI Response to a TEST UNIT READY'),
  'iSCSISequence.DataInWindow': LAGS('the Data-In with status \\(S=1\\) of a READ \\(10\\)'),
  'iSCSISequence.NopInWindow': LAGS('the NOP-In to a non-immediate ping'),
  'iSCSISequence.TextResponseWindow': LAGS('the Text Response to a non-immediate Text Request'),
  'iSCSISequence.TmfResponseWindow': LAGS('the TMF Response to an ABORT TASK'),
  'iSCSISequence.LogoutResponseWindow': LAGS('the Logout Response to "close the session"'),
  'iSCSISequence.RejectWindow': LAGS('the Reject of a SNACK'),
};

export default CASES;
