/**
 * Defects for iSCSISequence (issue 16, full feature phase: the command window in every kind of answer,
 * R2T numbering and MaxOutstandingR2T): each a --quirk of the reference target. None of these rules
 * is a MUST sentence binding the target, so the defects warn.
 */
import type { Cases } from './_support.js';

const LAGS = (what: string): Cases[string] => ({
  quirks: ['expcmdsn-lags'],
  verdict: 'warn',
  message: new RegExp(`${what} carries ExpCmdSN 0x[0-9a-f]+, which does not acknowledge`),
});

const CASES: Cases = {
  'iSCSISequence.ScsiResponseWindow': LAGS('the SCSI Response to a TEST UNIT READY'),
  'iSCSISequence.DataInWindow': LAGS('the Data-In with status \\(S=1\\) of a READ \\(10\\)'),
  'iSCSISequence.NopInWindow': LAGS('the NOP-In to a non-immediate ping'),
  'iSCSISequence.TextResponseWindow': LAGS('the Text Response to a non-immediate Text Request'),
  'iSCSISequence.TmfResponseWindow': LAGS('the TMF Response to an ABORT TASK'),
  'iSCSISequence.LogoutResponseWindow': LAGS('the Logout Response to "close the session"'),
  'iSCSISequence.R2TWindow': LAGS('the R2T for a WRITE \\(10\\)'),
  'iSCSISequence.RejectWindow': LAGS('the Reject of a SNACK'),
  'iSCSISequence.R2TSequence': { quirks: ['r2tsn-stuck'], verdict: 'warn', message: /R2T number 2 of the WRITE \(10\) carries R2TSN 0, expected 1/ },
  'iSCSISequence.MaxOutstandingR2T': {
    quirks: ['r2t-outstanding-unbounded'],
    verdict: 'warn',
    message: /with MaxOutstandingR2T=1 the target sent [2-9] R2Ts for the WRITE \(10\) before any data/,
  },
};

export default CASES;
