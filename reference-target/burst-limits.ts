/**
 * Burst limits where the rest of the target leaves them open. At login, the answers to the two burst keys kept
 * consistent: "FirstBurstLength MUST NOT exceed MaxBurstLength" (RFC 7143 13.14). Each is a min() key (13.13,
 * 13.14), so an initiator offering FirstBurstLength above its own MaxBurstLength would get both minima back and
 * an outcome that breaks the rule; the target answers FirstBurstLength with no more than the MaxBurstLength in
 * force instead (a smaller value is within min()'s choice). And the quirks that undo the limits on unsolicited
 * data (data-out.ts bounds it by min(FirstBurstLength, EDTL)), applied as wrappers as iscsi-quirks.ts does.
 */
import { type KeyValue, parseNumber } from '../protocol/iscsi/index.js';
import type { QuirkableParts } from './iscsi-quirks.js';
import { defineQuirk, type Quirks } from './quirks.js';

export const Q_BURST = {
  firstAboveMax: defineQuirk(
    'first-burst-above-max-burst',
    'iscsi',
    'a FirstBurstLength offered above MaxBurstLength is answered with the plain min() of offer and own value, above the MaxBurstLength answered',
  ),
  unsolicitedBeyondEdtl: defineQuirk(
    'unsolicited-beyond-edtl-taken',
    'iscsi',
    'unsolicited Data-Out past the Expected Data Transfer Length (within FirstBurstLength) is taken, the excess dropped, and the WRITE completes with GOOD',
  ),
  burstIgnored: defineQuirk(
    'max-burst-ignored',
    'iscsi',
    'the negotiated MaxBurstLength is taken as 16 MiB in full feature phase: Data-In sequences (F bit) and R2Ts run past it',
  ),
  immediateDefaultNo: defineQuirk(
    'immediate-data-default-no',
    'iscsi',
    'ImmediateData that neither side sent is taken as No instead of its default Yes: immediate data is Rejected',
  ),
};

/** Wrap the parts of one connection for the quirks of this file that are on. */
export function applyBurstQuirks(q: Quirks, parts: QuirkableParts): void {
  const wd = parts.scsi.writeData;
  if (q.has(Q_BURST.burstIgnored)) parts.session.params = { ...parts.session.params, maxBurstLength: 1 << 24 };
  if (q.has(Q_BURST.immediateDefaultNo) && !parts.session.result.negotiator.values.has('ImmediateData'))
    parts.session.params = { ...parts.session.params, immediateData: false };
  if (q.has(Q_BURST.unsolicitedBeyondEdtl)) {
    const accept = wd.accept.bind(wd);
    wd.accept = (task, raw) => {
      const ok = accept(task, raw);
      if (ok && task.unsolicitedOpen) task.unsolicitedLimit = Math.max(task.unsolicitedLimit, parts.session.params.firstBurstLength);
      return ok;
    };
  }
}

/**
 * The answers with FirstBurstLength lowered to the MaxBurstLength in force (answered in this response or
 * negotiated before, `values`), which is updated to match.
 */
export function burstAnswers(q: Quirks, out: KeyValue[], values: Map<string, string>): KeyValue[] {
  if (q.has(Q_BURST.firstAboveMax)) return out;
  const answer = (k: string) => out.find(([n]) => n === k)?.[1];
  const max = parseNumber(answer('MaxBurstLength') ?? values.get('MaxBurstLength') ?? '');
  const first = parseNumber(answer('FirstBurstLength') ?? '');
  if (max === undefined || first === undefined || first <= max) return out;
  values.set('FirstBurstLength', String(max));
  return out.map(([k, v]): KeyValue => (k === 'FirstBurstLength' ? [k, String(max)] : [k, v]));
}
