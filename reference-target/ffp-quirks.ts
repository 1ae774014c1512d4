/**
 * Quirks of the full feature phase's data and text exchanges (`--quirk NAME`): unsolicited Data-Out
 * (InitialR2T=No), Data-Out for a finished task or under a wrong LUN, long Text Responses and their
 * reset, reserved header fields and code values, the target's own pings. Declared and applied here as wrappers around one connection's parts,
 * as iscsi-quirks.ts does for the rest, so that the correct code paths carry no quirk branches.
 */
import { type NopIn, Opcode, RejectReason, RESERVED_TAG, type ScsiResponse, type TextResponse } from '../protocol/iscsi/index.js';
import type { QuirkableParts } from './iscsi-quirks.js';
import { defineQuirk, Quirks } from './quirks.js';

export const Q_FFP = {
  unsolicitedRefused: defineQuirk('unsolicited-data-refused', 'iscsi', 'unsolicited Data-Out (TTT 0xffffffff) is Rejected even though InitialR2T=No'),
  unsolicitedUnbounded: defineQuirk(
    'unsolicited-burst-unbounded',
    'iscsi',
    'with InitialR2T=No the unsolicited Data-Out may run to the Expected Data Transfer Length, past FirstBurstLength',
  ),
  unsolicitedFinalIgnored: defineQuirk(
    'unsolicited-final-ignored',
    'iscsi',
    'the F bit ending an unsolicited burst short of FirstBurstLength is ignored: the target waits for the rest of the burst and sends no R2T',
  ),
  finishedTaskAnswered: defineQuirk(
    'finished-task-answered',
    'iscsi',
    'a Data-Out for a task that has ended is answered with another SCSI Response (CHECK CONDITION) carrying its ITT',
  ),
  dataOutLunUnchecked: defineQuirk('data-out-lun-unchecked', 'iscsi', 'a Data-Out answering an R2T is taken whatever LUN it carries'),
  textContinueReservedTtt: defineQuirk(
    'text-continue-reserved-ttt',
    'iscsi',
    'the non-final pieces of a long Text Response carry TTT 0xffffffff instead of a tag naming the rest of the answer',
  ),
  textResetIgnored: defineQuirk(
    'text-reset-ignored',
    'iscsi',
    'a Text Request with TTT 0xffffffff and the ITT of a long answer still being handed out gets the next piece of that answer',
  ),
  logoutReservedReason: defineQuirk(
    'logout-reserved-reason-accepted',
    'iscsi',
    'a Logout Request with a reserved reason code (3-127) is taken as "close the session" instead of a protocol error',
  ),
  pingWithItt: defineQuirk('nop-ping-itt', 'iscsi', "the target's own NOP-In pings carry ITT 0 instead of 0xffffffff"),
  reservedFieldsChecked: defineQuirk('reserved-fields-checked', 'iscsi', 'a NOP-Out with non-zero reserved header bytes is Rejected (protocol error)'),
};

/** Wrap the parts of one connection for the quirks of this file that are on. */
export function applyFfpQuirks(q: Quirks, parts: QuirkableParts): void {
  const { channel, ordering, scsi, text } = parts;
  const wd = scsi.writeData;
  if (q.has(Q_FFP.unsolicitedRefused)) {
    const onDataOut = wd.onDataOut.bind(wd);
    wd.onDataOut = (d, raw) =>
      d.ttt === RESERVED_TAG && scsi.get(d.itt) ? channel.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'unsolicited Data-Out refused') : onDataOut(d, raw);
  }
  if (q.has(Q_FFP.unsolicitedUnbounded)) {
    const accept = wd.accept.bind(wd);
    wd.accept = (task, raw) => {
      const ok = accept(task, raw);
      if (ok && task.unsolicitedOpen) task.unsolicitedLimit = task.solicitedUpTo = task.edtl;
      return ok;
    };
  }
  if (q.has(Q_FFP.unsolicitedFinalIgnored)) {
    const onDataOut = wd.onDataOut.bind(wd);
    wd.onDataOut = (d, raw) => {
      const task = scsi.get(d.itt);
      const short = task && d.ttt === RESERVED_TAG && d.final && d.bufferOffset + raw.dataLength < task.unsolicitedLimit;
      onDataOut(short ? { ...d, final: false } : d, raw);
    };
  }
  if (q.has(Q_FFP.finishedTaskAnswered)) {
    const onDataOut = wd.onDataOut.bind(wd);
    wd.onDataOut = (d, raw) => {
      if (scsi.get(d.itt)) return onDataOut(d, raw);
      const rsp: ScsiResponse = {
        opcode: Opcode.SCSI_RESPONSE,
        bidiOverflow: false,
        bidiUnderflow: false,
        overflow: false,
        underflow: false,
        response: 0,
        status: 2,
        itt: d.itt,
        snackTag: 0,
        statSN: channel.takeStatSN(),
        expCmdSN: channel.expCmdSN,
        maxCmdSN: channel.maxCmdSN,
        expDataSN: 0,
        bidiReadResidualCount: 0,
        residualCount: 0,
      };
      channel.send(rsp);
    };
  }
  if (q.has(Q_FFP.dataOutLunUnchecked)) wd.lunMatches = () => true;
  if (q.has(Q_FFP.textContinueReservedTtt)) {
    const send = channel.send.bind(channel);
    channel.send = (pdu, data) => {
      const r = pdu as TextResponse;
      if (pdu.opcode === Opcode.TEXT_RESPONSE && !r.final && (r.data?.length ?? 0) > 0) r.ttt = RESERVED_TAG;
      send(pdu, data);
    };
  }
  if (q.has(Q_FFP.textResetIgnored)) {
    const onText = text.onText.bind(text);
    text.onText = (req, raw) => {
      const p = text.pending;
      onText(req.ttt === RESERVED_TAG && p?.itt === req.itt ? { ...req, ttt: p.ttt } : req, raw);
    };
  }
  if (q.has(Q_FFP.logoutReservedReason)) parts.logout.reasonDefined = () => true;
  if (q.has(Q_FFP.pingWithItt)) {
    const send = channel.send.bind(channel);
    channel.send = (pdu, data) => {
      if (pdu.opcode === Opcode.NOP_IN && (pdu as NopIn).ttt !== RESERVED_TAG) (pdu as NopIn).itt = 0;
      send(pdu, data);
    };
  }
  if (q.has(Q_FFP.reservedFieldsChecked)) {
    const receive = ordering.receive.bind(ordering);
    ordering.receive = (pdu, raw) => {
      const h = raw.header;
      const dirty = h[2] !== 0 || h[3] !== 0 || h.subarray(32, 48).some((b) => b !== 0);
      if (pdu.opcode === Opcode.NOP_OUT && dirty) return channel.reject(RejectReason.PROTOCOL_ERROR, h, 'reserved bytes of a NOP-Out are not zero');
      receive(pdu, raw);
    };
  }
}
