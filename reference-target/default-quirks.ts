/**
 * Quirks that take an operational key neither side sent at another value than its RFC 7143 13 default, for
 * the iSCSIKeyDefaults tests: each changes the session's value in full feature phase only when the key was
 * never negotiated, so that a login that declares the key sees the correct target. Applied as wrappers, as
 * iscsi-quirks.ts does.
 */
import type { QuirkableParts } from './iscsi-quirks.js';
import { defineQuirk, type Quirks } from './quirks.js';

export const Q_DEFAULTS = {
  initialR2TDefaultNo: defineQuirk(
    'initial-r2t-default-no',
    'iscsi',
    'InitialR2T that neither side sent is taken as No instead of its default Yes: a WRITE announcing unsolicited Data-Out (F=0) is accepted and the data taken',
  ),
  maxOutstandingR2TDefault4: defineQuirk(
    'max-outstanding-r2t-default-4',
    'iscsi',
    'MaxOutstandingR2T that neither side sent is taken as 4 instead of its default 1: a WRITE longer than one burst gets several R2Ts at once',
  ),
};

/** Wrap the parts of one connection for the quirks of this file that are on. */
export function applyDefaultQuirks(q: Quirks, parts: QuirkableParts): void {
  const negotiated = parts.session.result.negotiator.values;
  if (q.has(Q_DEFAULTS.initialR2TDefaultNo) && !negotiated.has('InitialR2T')) parts.session.params = { ...parts.session.params, initialR2T: false };
  if (q.has(Q_DEFAULTS.maxOutstandingR2TDefault4) && !negotiated.has('MaxOutstandingR2T'))
    parts.session.params = { ...parts.session.params, maxOutstandingR2T: 4 };
}
