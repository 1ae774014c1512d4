/**
 * Defects for the iSCSI protocol-layer suites of issue 16 (login phase, login keys, CHAP plan, full feature
 * phase, session-wide limits, SendTargets): each a --quirk of the reference target.
 */
import type { Cases } from './_support.js';

const CASES: Cases = {
  // iSCSILoginPhase: refusals are SHOULD-level where the RFC binds only the initiator, so the defect warns.
  'iSCSILoginPhase.MissingInitiatorName': {
    quirks: ['login-names-unchecked'],
    verdict: 'warn',
    message: /expected a Login Response with status class 0x02 \(initiator error\), got status 0x0000/,
  },
  'iSCSILoginPhase.MissingTargetName': {
    quirks: ['login-names-unchecked'],
    verdict: 'warn',
    message: /without TargetName: expected a Login Response with status class 0x02/,
  },
  'iSCSILoginPhase.UnknownTargetName': {
    quirks: ['login-names-unchecked'],
    verdict: 'warn',
    message: /naming a target that does not exist: expected .* got status 0x0000/,
  },
  'iSCSILoginPhase.UnsupportedVersion': {
    quirks: ['login-header-unchecked'],
    verdict: 'warn',
    message: /expected a Login Response with status 0x0205 \(Unsupported version\), got 0x0000/,
  },
  'iSCSILoginPhase.TransitAndContinue': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /T=1 and C=1: expected .* got status 0x0000/ },
  'iSCSILoginPhase.ReservedNextStage': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /NSG=2 \(reserved\): expected .* got status 0x0000/ },
  'iSCSILoginPhase.StageGoingBack': {
    quirks: ['login-header-unchecked'],
    verdict: 'warn',
    message: /back to security negotiation: expected .* got status 0x0000/,
  },
  'iSCSILoginPhase.IsidChanged': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /ISID differs .*: expected .* got status 0x0000/ },
  'iSCSILoginPhase.NoTransitUnasked': { quirks: ['login-transit-unasked'], message: /answered a Login Request with T=0 with T=1/ },
  'iSCSILoginPhase.UnknownTsih': {
    quirks: ['login-tsih-unchecked'],
    verdict: 'warn',
    message: /TSIH 0xbeef, which names no session: expected .* got status 0x0000/,
  },
  'iSCSILoginPhase.Reinstatement': { quirks: ['login-no-reinstatement'], message: /still answers a NOP-Out: the target did not end it/ },
  // iSCSILoginKeys
  'iSCSILoginKeys.MaxBurstLength': { quirks: ['login-result-function-swapped'], message: /MaxBurstLength=1048576 .*breaks the result function min/ },
  'iSCSILoginKeys.FirstBurstLength': { quirks: ['login-result-function-swapped'], message: /FirstBurstLength=262144 .*breaks the result function min/ },
  'iSCSILoginKeys.DefaultTime2Wait': { quirks: ['login-result-function-swapped'], message: /DefaultTime2Wait=2 .*breaks the result function max/ },
  'iSCSILoginKeys.MaxConnections': { quirks: ['login-result-function-swapped'], message: /MaxConnections=3 .*breaks the result function min/ },
  'iSCSILoginKeys.ErrorRecoveryLevel': { quirks: ['login-result-function-swapped'], message: /ErrorRecoveryLevel=3 is not a number in 0\.\.2/ },
  'iSCSILoginKeys.ProtocolLevel': { quirks: ['login-result-function-swapped'], message: /iSCSIProtocolLevel=1 .*breaks the result function min/ },
  'iSCSILoginKeys.InitialR2T': { quirks: ['login-result-function-swapped'], message: /InitialR2T=No .*breaks the result function OR/ },
  'iSCSILoginKeys.ImmediateData': { quirks: ['login-result-function-swapped'], message: /ImmediateData=Yes .*breaks the result function AND/ },
  'iSCSILoginKeys.HeaderDigestOffered': { quirks: ['login-list-answer-unoffered'], message: /HeaderDigest=None is not one of the offered values CRC32C/ },
  'iSCSILoginKeys.DataDigestOffered': { quirks: ['login-list-answer-unoffered'], message: /DataDigest=None is not one of the offered values CRC32C/ },
  'iSCSILoginKeys.TaskReporting': { quirks: ['login-list-answer-unoffered'], message: /TaskReporting=RFC3720 is not one of the offered values ResponseFence/ },
  'iSCSILoginKeys.NumberOutOfRange': { quirks: ['login-values-unchecked'], message: /MaxBurstLength=511 is not a number in 512\.\.16777215/ },
  'iSCSILoginKeys.MalformedNumber': { quirks: ['login-values-unchecked'], message: /MaxBurstLength=12abc is not a number/ },
  'iSCSILoginKeys.MalformedBoolean': { quirks: ['login-values-unchecked'], message: /InitialR2T=Maybe is not Yes or No/ },
  'iSCSILoginKeys.HexNumber': { quirks: ['login-hex-numbers-rejected'], message: /answered MaxBurstLength=Reject to the offer MaxBurstLength=0x1000/ },
  'iSCSILoginKeys.PublicExtensionKey': { quirks: ['login-unknown-key-silent'], message: /did not answer X#org\.iscsi-test\.Probe=1/ },
  // iSCSISendTargets (Simple's defect is in first.ts)
  'iSCSISendTargets.NormalAll': { quirks: ['sendtargets-lax'], message: /SendTargets=All in a normal session listed .*selftest/ },
  'iSCSISendTargets.NormalTargetName': { quirks: ['sendtargets-empty'], verdict: 'warn', message: /in a normal session did not name that target/ },
  'iSCSISendTargets.DiscoveryAll': { quirks: ['sendtargets-empty'], message: /SendTargets=All in a discovery session did not name/ },
  'iSCSISendTargets.DiscoveryTargetName': { quirks: ['sendtargets-empty'], message: /in a discovery session did not name that target/ },
  'iSCSISendTargets.DiscoveryEmpty': { quirks: ['sendtargets-lax'], verdict: 'warn', message: /which is logged in to no target, named .*selftest/ },
  // iSCSIFullFeature: Reject reasons and refusals of PDUs that break initiator rules are SHOULD (warn).
  'iSCSIFullFeature.ImmediateCommand': { quirks: ['immediate-advances-cmdsn'], message: /an immediate TEST UNIT READY: expected .*expCmdSN/ },
  'iSCSIFullFeature.SnackAtErl0': { quirks: ['no-reject'], verdict: 'warn', message: /a SNACK at ErrorRecoveryLevel 0: expected a Reject.*got no answer/ },
  'iSCSIFullFeature.UnknownOpcode': { quirks: ['no-reject'], verdict: 'warn', message: /opcode 0x0f: expected a Reject with reason 0x05.*got no answer/ },
  'iSCSIFullFeature.LoginInFullFeature': { quirks: ['no-reject'], verdict: 'warn', message: /a Login Request in full feature phase: expected .*got no answer/ },
  'iSCSIFullFeature.IttInUse': {
    quirks: ['no-reject'],
    verdict: 'warn',
    message: /still waiting for its data: expected a Reject with reason 0x07.*got no answer/,
  },
  'iSCSIFullFeature.LogoutRecoveryAtErl0': {
    quirks: ['logout-lax'],
    verdict: 'warn',
    message: /remove the connection for recovery" at ErrorRecoveryLevel 0: expected .*response/,
  },
  'iSCSIFullFeature.LogoutUnknownCid': {
    quirks: ['logout-lax'],
    verdict: 'warn',
    message: /for CID 0x7777, which the session does not have: expected .*response/,
  },
  'iSCSIFullFeature.DataSegmentBeyondMaxRecv': { quirks: ['mrdsl-unenforced'], verdict: 'warn', message: /-byte data segment .*: expected .*got NOP-In/ },
  'iSCSIFullFeature.ImmediateDataBeyondFirstBurst': {
    quirks: ['first-burst-unenforced'],
    verdict: 'warn',
    message: /bytes of immediate data \(FirstBurstLength 512\): expected .*got SCSI Response/,
  },
  // iSCSIChapAuth: run against the reference target's CHAP-protected node
  'iSCSIChapAuth.UnsupportedAlgorithmsOnly': {
    quirks: ['chap-algorithm-unchecked'],
    chap: true,
    message: /CHAP_A=129,130: the target answered CHAP_A=5 CHAP_I=/,
  },
  'iSCSIChapAuth.UnknownUser': { quirks: ['chap-accept-any'], chap: true, message: /a CHAP login as an unknown user: expected Login Response status 0x0201/ },
  'iSCSIChapAuth.ShortResponse': {
    quirks: ['chap-accept-any'],
    chap: true,
    message: /an 8-byte CHAP_R: expected a Login Response with status 0x0201 .*got 0x0000/,
  },
  'iSCSIChapAuth.AuthMethodNoneFirst': { quirks: ['login-auth-none-accepted'], chap: true, message: /chose AuthMethod=None/ },
  'iSCSILoginPhase.VersionChanged': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /Version-max differs .*: expected .* got status 0x0000/ },
  'iSCSILoginPhase.CidChanged': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /CID differs .*: expected .* got status 0x0000/ },
  'iSCSILoginPhase.TextAcrossPdus': {
    quirks: ['login-continue-ignored'],
    message: /first piece of the first Login Request \(C=1\): expected a Login Response with status 0x0000/,
  },
  'iSCSILoginPhase.SecondConnection': { quirks: ['login-status-generic'], verdict: 'warn', message: /refusal's status is 0x0200 .*names 0x0206/ },
  'iSCSILoginPhase.DiscoveryIrrelevantKey': {
    quirks: ['login-discovery-negotiates'],
    verdict: 'warn',
    message: /answered MaxBurstLength=4096: the key is irrelevant there/,
  },
  'iSCSIFullFeature.NopOutNoAnswer': {
    quirks: ['nop-answers-unrequested'],
    verdict: 'warn',
    message: /ITT 0xffffffff \(no answer requested\): expected no answer.*got NOP-In/,
  },
  // The first window (the login's, one slot) does not wrap; the first one that does stops the run.
  'iSCSIFullFeature.CmdSNWrap': { quirks: ['cmdsn-no-wrap'], message: /TEST UNIT READY with CmdSN 0xffffffff: expected a SCSI Response, got nothing within/ },
  'iSCSIFullFeature.TextUnknownKey': { quirks: ['text-unknown-key-silent'], message: /did not answer X-org\.iscsi-test\.Ffp=1 in a Text Request/ },
  'iSCSIFullFeature.PingDataMaxSegment': { quirks: ['nop-no-echo'], message: /the NOP-In returned 0 bytes of the \d+-byte ping data/ },
  'iSCSIFullFeature.DataOutUnknownTtt': {
    quirks: ['ttt-unchecked'],
    verdict: 'warn',
    message: /which no R2T carried: expected .*got SCSI Response .*status=0/,
  },
  'iSCSIFullFeature.DataOutBeyondR2T': { quirks: ['datasn-unchecked'], verdict: 'warn', message: /answering an R2T for \d+: expected .*got / },
  'iSCSIFullFeature.LogoutCloseSession': { quirks: ['logout-keeps-connection'], verdict: 'warn', message: /kept the TCP connection open for 5 s/ },
  'iSCSIFullFeature.DiscoveryScsiCommand': {
    quirks: ['no-reject'],
    verdict: 'warn',
    message: /a TEST UNIT READY in a discovery session: expected .*got no answer/,
  },
  'iSCSILoginPhase.RedeclaredInitiatorName': { quirks: ['login-repeated-key-ok'], message: /InitiatorName sent again in the operational stage .*got 0x0000/ },
  'iSCSILoginPhase.RenegotiatedKey': { quirks: ['login-repeated-key-ok'], message: /MaxBurstLength sent again in the operational stage .*got 0x0000/ },
};

export default CASES;
