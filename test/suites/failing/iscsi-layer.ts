/**
 * Defects for the iSCSI protocol-layer suites of issue 16 (login phase, login keys, CHAP plan, full feature
 * phase, session-wide limits, SendTargets): each a --quirk of the reference target.
 */
import type { Cases } from './_support.js';

const CASES: Cases = {
  // iSCSILoginPhase: refusals are SHOULD-level where the RFC binds only the initiator, so the defect warns.
  'iSCSILoginPhase.MissingInitiatorName': { quirks: ['login-names-unchecked'], verdict: 'warn', message: /expected a Login Response with status class 0x02 \(initiator error\), got status 0x0000/ },
  'iSCSILoginPhase.MissingTargetName': { quirks: ['login-names-unchecked'], verdict: 'warn', message: /without TargetName: expected a Login Response with status class 0x02/ },
  'iSCSILoginPhase.UnknownTargetName': { quirks: ['login-names-unchecked'], verdict: 'warn', message: /naming a target that does not exist: expected .* got status 0x0000/ },
  'iSCSILoginPhase.UnsupportedVersion': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /expected a Login Response with status 0x0205 \(Unsupported version\), got 0x0000/ },
  'iSCSILoginPhase.TransitAndContinue': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /T=1 and C=1: expected .* got status 0x0000/ },
  'iSCSILoginPhase.ReservedNextStage': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /NSG=2 \(reserved\): expected .* got status 0x0000/ },
  'iSCSILoginPhase.StageGoingBack': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /back to security negotiation: expected .* got status 0x0000/ },
  'iSCSILoginPhase.IsidChanged': { quirks: ['login-header-unchecked'], verdict: 'warn', message: /ISID differs .*: expected .* got status 0x0000/ },
  'iSCSILoginPhase.NoTransitUnasked': { quirks: ['login-transit-unasked'], message: /answered a Login Request with T=0 with T=1/ },
  'iSCSILoginPhase.UnknownTsih': { quirks: ['login-tsih-unchecked'], verdict: 'warn', message: /TSIH 0xbeef, which names no session: expected .* got status 0x0000/ },
  'iSCSILoginPhase.Reinstatement': { quirks: ['login-no-reinstatement'], message: /still answers a NOP-Out: the target did not end it/ },
};

export default CASES;
