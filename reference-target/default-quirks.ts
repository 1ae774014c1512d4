/**
 * Quirks that take an operational key neither side sent at another value than its RFC 7143 13 default, for
 * the iSCSIKeyDefaults tests: each changes the session's value in full feature phase only when the key was
 * never negotiated, so that a login that declares the key sees the correct target. Applied as wrappers, as
 * iscsi-quirks.ts does.
 */
import type { DataPduSlot } from '../protocol/iscsi/index.js';
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
  firstBurstDefault8k: defineQuirk(
    'first-burst-default-8k',
    'iscsi',
    'FirstBurstLength that neither side sent is taken as 8192 instead of its default 65536: unsolicited data beyond 8192 bytes is refused',
  ),
  headerDigestDefault: defineQuirk(
    'header-digest-default-crc32c',
    'iscsi',
    'HeaderDigest that neither side sent is taken as CRC32C instead of its default None: full feature phase PDUs carry and expect header digests',
  ),
  dataPduOrderDefaultNo: defineQuirk(
    'data-pdu-order-default-no',
    'iscsi',
    'DataPDUInOrder that neither side sent is taken as No instead of its default Yes: the first two Data-In PDUs of each sequence change places',
  ),
  dataSequenceOrderDefaultNo: defineQuirk(
    'data-sequence-order-default-no',
    'iscsi',
    'DataSequenceInOrder that neither side sent is taken as No instead of its default Yes: the Data-In sequences of a READ go out last first',
  ),
};

/** Wrap the parts of one connection for the quirks of this file that are on. */
export function applyDefaultQuirks(q: Quirks, parts: QuirkableParts): void {
  const negotiated = parts.session.result.negotiator.values;
  if (q.has(Q_DEFAULTS.initialR2TDefaultNo) && !negotiated.has('InitialR2T')) parts.session.params = { ...parts.session.params, initialR2T: false };
  if (q.has(Q_DEFAULTS.maxOutstandingR2TDefault4) && !negotiated.has('MaxOutstandingR2T'))
    parts.session.params = { ...parts.session.params, maxOutstandingR2T: 4 };
  if (q.has(Q_DEFAULTS.firstBurstDefault8k) && !negotiated.has('FirstBurstLength')) parts.session.params = { ...parts.session.params, firstBurstLength: 8192 };
  if (q.has(Q_DEFAULTS.headerDigestDefault) && !negotiated.has('HeaderDigest')) parts.channel.enterFullFeature({ ...parts.session.params, headerDigest: true });
  const pduOrder = q.has(Q_DEFAULTS.dataPduOrderDefaultNo) && !negotiated.has('DataPDUInOrder');
  const sequenceOrder = q.has(Q_DEFAULTS.dataSequenceOrderDefaultNo) && !negotiated.has('DataSequenceInOrder');
  if (pduOrder || sequenceOrder) {
    const slots = parts.scsi.dataInSlots.bind(parts.scsi);
    parts.scsi.dataInSlots = (length) => reordered(slots(length), { pduOrder, sequenceOrder });
  }
}

/**
 * Data-In slots sent out of order: sequences last first, and/or the first two PDUs of each sequence swapped.
 * DataSN still counts up in sending order, the F bit still ends each sequence and the last slot sent is the one
 * marked last (the one that may carry status).
 */
function reordered(slots: DataPduSlot[], o: { pduOrder: boolean; sequenceOrder: boolean }): DataPduSlot[] {
  const sequences: DataPduSlot[][] = [[]];
  for (const s of slots) {
    sequences[sequences.length - 1]!.push(s);
    if (s.final) sequences.push([]);
  }
  const full = sequences.filter((q) => q.length > 0);
  if (o.sequenceOrder) full.reverse();
  const out: DataPduSlot[] = [];
  for (const q of full) {
    const bytes = q.map((s) => ({ offset: s.offset, length: s.length }));
    if (o.pduOrder && bytes.length > 1) [bytes[0], bytes[1]] = [bytes[1]!, bytes[0]!];
    bytes.forEach((b, i) => out.push({ ...b, dataSN: 0, final: i === bytes.length - 1, last: false }));
  }
  out.forEach((s, i) => {
    s.dataSN = (slots[0]?.dataSN ?? 0) + i;
    s.last = i === out.length - 1;
  });
  return out;
}
