/** Defects for iSCSILoginValues and iSCSICHAP.HexName/.Base64Name (issue 16, login phase and CHAP names): each a --quirk of the reference target. */
import type { Cases } from './_support.js';

const CASES: Cases = {
  'iSCSILoginValues.TsihChanged': {
    quirks: ['login-header-unchecked'],
    verdict: 'warn',
    message: /TSIH \(0x1234\) differs from the first one of the login \(0\): expected .*status class 0x02, got .*0x0000/,
  },
  'iSCSILoginValues.CmdSNChanged': {
    quirks: ['login-header-unchecked'],
    verdict: 'warn',
    message: /CmdSN \(2\) differs from the first one of the login \(1\): expected .*status class 0x02, got .*0x0000/,
  },
  'iSCSILoginValues.InitiatorAliasTooLong': {
    quirks: ['login-value-length-unchecked'],
    verdict: 'warn',
    message: /InitiatorAlias of 256 bytes: expected .*status class 0x02, got .*0x0000/,
  },
  'iSCSILoginValues.InitiatorNameTooLong': {
    quirks: ['login-value-length-unchecked'],
    verdict: 'warn',
    message: /an InitiatorName of 224 bytes: expected .*status class 0x02, got .*0x0000/,
  },
  'iSCSILoginValues.AclRefused': {
    quirks: ['login-status-generic'],
    verdict: 'warn',
    message: /InitiatorName iqn.2026-12.org.iscsi-test:acl-refused, which the target's ACL refuses: expected .*0x0202.*got .*0x0200/,
  },
  'iSCSILoginValues.FfpKeyAtLogin': { quirks: ['login-ffp-key-silent'], verdict: 'warn', message: /did not answer SendTargets=All, sent at login/ },
  'iSCSILoginValues.NextStageNotBeyondRequest': {
    quirks: ['login-nsg-beyond-request'],
    verdict: 'warn',
    message: /asking for NSG=1 was answered with T=1 and NSG=3/,
  },
  'iSCSILoginValues.LongAnswerContinued': {
    quirks: ['login-answer-unsplit'],
    message: /data segment of \d+ bytes, more than the initiator's MaxRecvDataSegmentLength|closed/,
  },
  'iSCSICHAP.HexName': {
    quirks: ['chap-name-decoded'],
    chap: true,
    verdict: 'warn',
    message: /CHAP_N=0x73656c6674657374 \(user selftest written as a binary value\).*expected .*status class 0x02, got .*0x0000/,
  },
  'iSCSICHAP.Base64Name': {
    quirks: ['chap-name-decoded'],
    chap: true,
    verdict: 'warn',
    message: /CHAP_N=0b[A-Za-z0-9+/=]+ \(user selftest written as a binary value\).*expected .*status class 0x02, got .*0x0000/,
  },
};

export default CASES;
