/** Defects for iSCSIChapChallenge: each a --quirk of the reference target's CHAP-protected node. */
import type { Cases } from './_support.js';

const CASES: Cases = {
  'iSCSIChapChallenge.OversizeChallenge': {
    quirks: ['chap-challenge-any-length'],
    chap: true,
    verdict: 'warn',
    message: /a mutual CHAP_C of 1025 bytes: expected a Login Response with status class 0x02, got a Login Response with status 0x0000/,
  },
  'iSCSIChapChallenge.ShortChallenge': {
    quirks: ['chap-challenge-any-length'],
    chap: true,
    verdict: 'warn',
    message: /answered a mutual CHAP challenge of 1 byte/,
  },
  // Only with both: a target that took any CHAP_R and did not look for its own secret in it.
  'iSCSIChapChallenge.OwnSecretResponse': {
    quirks: ['chap-own-secret-unchecked', 'chap-accept-any'],
    chap: true,
    message: /a CHAP_R made with the target's own secret: expected a Login Response with 0x0201 .*, got a Login Response with status 0x0000/,
  },
};

export default CASES;
