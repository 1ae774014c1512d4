/** Defects for iSCSIResiduals, iSCSISendTargets.Invalid, iSCSITMF, iSCSICHAP, digests and task management (issue 16): quirks of the reference target. */
import { isStdInquiry, type Cases } from './_support.js';

const CASES: Cases = {};

for (const n of ['10', '12', '16']) {
  CASES[`iSCSIResiduals.Read${n}Residuals`] = {
    quirks: ['wrong-residual'],
    message: new RegExp(`READ\\(${n}\\) LBA=0 LEN=1 with EDTL 0 \\(the CDB calls for \\d+ bytes\\): GOOD without a residual overflow`),
  };
  CASES[`iSCSIResiduals.Write${n}Residuals`] = {
    quirks: ['wrong-residual'],
    message: new RegExp(`WRITE\\(${n}\\) LBA=0 LEN=1 with EDTL 0 \\(the CDB calls for \\d+ bytes\\): GOOD without a residual overflow`),
  };
  CASES[`iSCSIResiduals.WriteVerify${n}Residuals`] = {
    quirks: ['wrong-residual'],
    message: new RegExp(`WRITE AND VERIFY\\(${n}\\) LBA=0 LEN=1 with EDTL 0 \\(the CDB calls for \\d+ bytes\\): GOOD without a residual overflow`),
  };
}
CASES['iSCSIResiduals.Read10Invalid'] = {
  quirks: ['wrong-residual'],
  message: /READ\(10\) LBA=0 LEN=1 with EDTL 0 \(the CDB calls for \d+ bytes\): GOOD without a residual overflow/,
};
CASES['iSCSISendTargets.Invalid'] = {
  quirks: ['sendtargets-sloppy'],
  message: /a Text Request SendTargetsPlease=All in a discovery session was answered as SendTargets=All: it listed iqn\.2026-11\.org\.iscsi-test:selftest/,
};
CASES['iSCSITMF.LUNResetSimpleAsync'] = {
  quirks: ['tmf-reset-keeps-waiting'],
  message:
    /the held Data-Out of the WRITE\(10\) the LUN RESET ended, whose task must not complete: expected no answer within 3 s or the connection dropped, got SCSI Response/,
};
CASES['iSCSITMF.LogoutDuringIOAsync'] = {
  quirks: ['logout-waits-for-data'],
  message:
    /a Logout \(close the session\) with nine WRITE\(10\)s waiting for their Data-Out, whose commands the target must terminate: expected Logout Response.*got no answer within 10 s/,
};
CASES['iSCSICHAP.Simple'] = {
  quirks: ['chap-a-single'],
  chap: true,
  message: /a CHAP login offering CHAP_A=5,6,7,8: expected the login accepted, got Login Response status 0x0201/,
};
CASES['iSCSICHAP.Base64'] = {
  quirks: ['chap-hex-only'],
  chap: true,
  message: /a CHAP login whose CHAP_R is base64 \(0b…\): expected the login accepted, got Login Response status 0x0201/,
};
CASES['iSCSICHAP.Base64Oversize'] = {
  quirks: ['chap-response-suffix'],
  chap: true,
  message: /a CHAP_R of 32 bytes whose last 16 are the right response: expected a Login Response with status class 0x02, got/,
};
CASES['iSCSIDigests.BothDigests'] = { rules: () => [{ match: isStdInquiry, corruptDataDigest: true }], message: /data digest/i };
CASES['iSCSIDigests.BadHeaderDigest'] = {
  quirks: ['header-digest-unchecked'],
  message: /whose header digest was wrong, which must be discarded or end the connection: expected no answer within 3 s or the connection dropped, got NOP-In/,
};
CASES['iSCSIDigests.BadDataDigestDataOut'] = {
  quirks: ['digest-unchecked'],
  message: /WRITE\(10\) LBA=\d+ LEN=1 whose Data-Out has a wrong data digest: the target completed it with GOOD/,
};
CASES['iSCSIDigests.BadDataDigestImmediate'] = {
  quirks: ['digest-unchecked'],
  message: /WRITE\(10\) LBA=\d+ LEN=1 whose immediate data has a wrong data digest: the target completed it with GOOD/,
};
CASES['iSCSITMF.AbortTaskFinished'] = {
  quirks: ['tmf-abort-unknown-complete'],
  message: /ABORT TASK of the finished TEST UNIT READY .*: expected response 1 \(Task does not exist\), got 0 \(Function complete\)/,
};
CASES['iSCSITMF.AbortTaskUnknown'] = {
  quirks: ['tmf-abort-unknown-complete'],
  message: /ABORT TASK of an unknown task .*: expected response 1 \(Task does not exist\), got 0 \(Function complete\)/,
};
CASES['iSCSITMF.AbortTaskNotReceived'] = {
  quirks: ['tmf-refcmdsn-ignored'],
  message: /ABORT TASK of a command never sent .*: expected response 0 \(Function complete\), got 1 \(Task does not exist\)/,
};
CASES['iSCSITMF.TaskReassignErl0'] = {
  quirks: ['tmf-reassign-accepted'],
  verdict: 'warn',
  message: /TASK REASSIGN at ErrorRecoveryLevel 0 answered Function complete/,
};
CASES['iSCSITMF.UnknownLun'] = {
  quirks: ['tmf-any-lun'],
  verdict: 'warn',
  message: /ABORT TASK SET to LUN \d+, which REPORT LUNS does not list: answered Function complete/,
};
CASES['iSCSITMF.AbortTaskSetAsync'] = {
  quirks: ['tmf-reset-keeps-waiting'],
  message:
    /the held Data-Out of the WRITE\(10\) the ABORT TASK SET ended, whose task must not complete: expected no answer within 3 s or the connection dropped, got SCSI Response/,
};
CASES['iSCSITMF.ClearTaskSetAsync'] = {
  quirks: ['tmf-reset-keeps-waiting'],
  message:
    /the held Data-Out of the WRITE\(10\) the CLEAR TASK SET ended, whose task must not complete: expected no answer within 3 s or the connection dropped, got SCSI Response/,
};
CASES['iSCSITMF.AbortTaskQueued'] = {
  quirks: ['tmf-abort-ignored'],
  message:
    /TEST UNIT READY with CmdSN \d+ after the ABORT TASK of the one queued behind it, which must not complete: expected no answer within 3 s, got SCSI Response/,
};

export default CASES;
