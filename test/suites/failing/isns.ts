/** Defects for the iSNS family: each a --quirk of the reference target's iSNS side (reference-target/isns.ts). */
import type { Cases } from './_support.js';

const CASES: Cases = {
  'iSNSRegistration.Entity': { quirks: ['isns-initiator-type'], message: /registered iSCSI Node Type 0x2, expected the Target bit \(0x1\) set/ },
  'iSNSRegistration.PortalGroupTag': {
    quirks: ['isns-wrong-pgt'],
    message: /the Portal Group Tag registered for .* is 2, but the login gave TargetPortalGroupTag 1/,
  },
  'iSNSRegistration.Refresh': {
    quirks: ['isns-no-refresh'],
    verdict: 'warn',
    message: /no iSNSP message from entity .* within 12 s \(its Registration Period is 10 s\)/,
  },
  'iSNSRegistration.Esi': { quirks: ['isns-no-esi'], message: /no ESIRsp from .* within 5000 ms/ },
  'iSNSRegistration.Deregister': {
    quirks: ['isns-no-dereg'],
    verdict: 'warn',
    message: /no DevDereg from entity .* within 10 s after the target was stopped: it stays registered until its Registration Period \(10 s\) runs out/,
  },
  'iSNSRegistration.ServerRestart': {
    quirks: ['isns-no-refresh'],
    verdict: 'warn',
    message: /did not register again within 20 s after the iSNS server forgot it/,
  },
  'iSNSRegistration.ServerErrors': {
    quirks: ['isns-give-up'],
    verdict: 'warn',
    message: /did not register again within 30 s after its registrations were answered Busy/,
  },
};

export default CASES;
