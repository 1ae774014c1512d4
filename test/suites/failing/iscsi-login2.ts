/** Defects for iSCSILoginLimits (issue 16, login-phase limits): each a --quirk of the reference target. */
import type { Cases } from './_support.js';

const above = (key: string, got: string, offer: string) => ({
  quirks: ['login-answer-above-offer'],
  message: new RegExp(`answered ${key}=${got} to the offer ${key}=${offer}`),
});

const CASES: Cases = {
  'iSCSILoginLimits.ChapKeyInOperationalStage': {
    quirks: ['login-stage-keys-unchecked'],
    verdict: 'warn',
    message: /CHAP_A=5 in an operational-stage Login Request: expected .*status class 0x02.*got status 0x0000/,
  },
  'iSCSILoginLimits.AuthMethodInOperationalStage': {
    quirks: ['login-stage-keys-unchecked'],
    message: /AuthMethod=None offered again in the operational stage: expected .*got status 0x0000/,
  },
  'iSCSILoginLimits.KeyName63Bytes': { quirks: ['login-unknown-key-silent'], message: /did not answer the 63-byte key/ },
  'iSCSILoginLimits.KeyName64Bytes': {
    quirks: ['login-text-limits-unchecked'],
    verdict: 'warn',
    message: /accepted a Login Request with the 64-byte key .* and did not answer it/,
  },
  'iSCSILoginLimits.MaxConnectionsOne': above('MaxConnections', '2', '1'),
  'iSCSILoginLimits.ErrorRecoveryLevelZero': above('ErrorRecoveryLevel', '1', '0'),
  'iSCSILoginLimits.DefaultTime2RetainZero': above('DefaultTime2Retain', '1', '0'),
  'iSCSILoginLimits.MaxOutstandingR2TOne': above('MaxOutstandingR2T', '2', '1'),
  'iSCSILoginLimits.DataPDUInOrderYes': above('DataPDUInOrder', 'No', 'Yes'),
  'iSCSILoginLimits.DataSequenceInOrderYes': above('DataSequenceInOrder', 'No', 'Yes'),
  'iSCSILoginLimits.InitiatorAliasDeclared': {
    quirks: ['login-declarations-answered'],
    verdict: 'warn',
    message: /answered the declaration InitiatorAlias=iscsi-test login2 with InitiatorAlias=NotUnderstood/,
  },
  'iSCSILoginLimits.DiscoveryWithTargetName': { quirks: ['login-discovery-targetname-refused'], verdict: 'warn', message: /was refused with status 0x0203/ },
  'iSCSILoginLimits.MutualChapResponse': {
    quirks: ['chap-mutual-wrong-secret'],
    chap: true,
    message: /the target's CHAP_R=.* is not MD5\(CHAP_I 7, the target_password/,
  },
  'iSCSILoginLimits.ReflectedChallenge': {
    quirks: ['chap-reflection-unchecked'],
    chap: true,
    verdict: 'warn',
    message: /answered its own challenge sent back as the initiator's CHAP_C/,
  },
  'iSCSILoginLimits.UnfinishedLoginDropped': {
    quirks: ['login-no-timeout'],
    verdict: 'warn',
    message: /still open after \d+ s: the target does not time out stalled logins/,
  },
  'iSCSILoginLimits.OperationalKeyInSecurityStage': {
    quirks: ['login-security-stage-offer-ignored'],
    verdict: 'warn',
    message: /never answered MaxBurstLength=65536, offered in the security stage/,
  },
  'iSCSILoginLimits.UnknownSessionType': { quirks: ['login-session-type-unchecked'], verdict: 'warn', message: /SessionType=Monitor was accepted/ },
};

export default CASES;
