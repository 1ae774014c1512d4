/**
 * Quirks of the target's own initiative and of status acknowledgement (`--quirk NAME`): the Asynchronous
 * Message asking for logout (RFC 7143 11.9.1), the time given for it, the session state kept after a
 * connection drops (DefaultTime2Retain, 13.20), and status held back until the initiator acknowledges
 * earlier status (ExpStatSN, 4.2.2.2). Declared here; the per-connection ones are applied here as
 * wrappers around one connection's parts (as iscsi-quirks.ts does), the server's in server.ts.
 */
import { type AnyPdu, type AsyncMessage, AsyncEvent, Opcode, RejectReason, snDiff } from '../protocol/iscsi/index.js';
import type { QuirkableParts } from './iscsi-quirks.js';
import { defineQuirk, Quirks } from './quirks.js';

/** How many responses the status-waits-for-ack quirk sends beyond the initiator's ExpStatSN before it stalls. */
const UNACKNOWLEDGED_STATUS_LIMIT = 8;
/** How much longer than it asked the logout-request-unenforced quirk keeps a connection that did not log out. */
const UNENFORCED_EXTRA_SECONDS = 6;

export const Q_ASYNC = {
  logoutParameter2: defineQuirk(
    'async-logout-parameter2',
    'iscsi',
    'the Asynchronous Message asking for logout carries its seconds in Parameter2 (reserved for that event) and 0 in Parameter3',
  ),
  logoutRequestUnenforced: defineQuirk(
    'logout-request-unenforced',
    'iscsi',
    `an initiator asked to log out (asynchronous event 1) that does not keeps its connection ${UNENFORCED_EXTRA_SECONDS} s past the time it was given`,
  ),
  logoutRequestRejectsCommands: defineQuirk(
    'logout-request-rejects-commands',
    'iscsi',
    'SCSI commands that arrive after the target asked for logout are Rejected as a protocol error (0x04) rather than "Waiting for Logout" (0x0c)',
  ),
  sessionRetained: defineQuirk(
    'session-retained',
    'iscsi',
    'a session whose connection dropped is kept for 20 s whatever DefaultTime2Retain says (a login naming its TSIH is refused as a second connection)',
  ),
  statusWaitsForAck: defineQuirk(
    'status-waits-for-ack',
    'iscsi',
    `responses more than ${UNACKNOWLEDGED_STATUS_LIMIT} StatSNs beyond the initiator's last ExpStatSN are not sent (status waits for acknowledgement)`,
  ),
};

/** Seconds the server waits for initiators it asked to log out before it drops them. */
export function logoutDeadlineSeconds(q: Quirks, asked: number): number {
  return q.has(Q_ASYNC.logoutRequestUnenforced) ? asked + UNENFORCED_EXTRA_SECONDS : asked;
}

/** How long the session-retained quirk keeps a dropped session, in ms. */
export const RETAINED_SESSION_MS = 20_000;

/** Wrap the parts of one connection for the quirks of this file that are on. */
export function applyAsyncQuirks(q: Quirks, parts: QuirkableParts): void {
  const { channel, ordering } = parts;
  if (q.has(Q_ASYNC.logoutParameter2)) {
    const send = channel.send.bind(channel);
    channel.send = (pdu, data) => {
      const m = pdu as AsyncMessage;
      if (pdu.opcode === Opcode.ASYNC_MESSAGE && m.asyncEvent === AsyncEvent.LOGOUT_REQUESTED) {
        m.parameter2 = m.parameter3;
        m.parameter3 = 0;
      }
      send(pdu, data);
    };
  }
  if (q.has(Q_ASYNC.logoutRequestRejectsCommands)) {
    let asked = false;
    const requestLogout = parts.logout.requestLogout.bind(parts.logout);
    parts.logout.requestLogout = (seconds) => {
      asked = true;
      requestLogout(seconds);
    };
    const receive = ordering.receive.bind(ordering);
    ordering.receive = (pdu, raw) =>
      asked && pdu.opcode === Opcode.SCSI_COMMAND
        ? channel.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'a SCSI command after the logout request')
        : receive(pdu, raw);
  }
  if (q.has(Q_ASYNC.statusWaitsForAck)) {
    let acknowledged: number | undefined;
    const receive = ordering.receive.bind(ordering);
    ordering.receive = (pdu, raw) => {
      acknowledged = (pdu as { expStatSN: number }).expStatSN;
      receive(pdu, raw);
    };
    const send = channel.send.bind(channel);
    channel.send = (pdu: AnyPdu, data) => {
      const statSN = (pdu as { statSN?: number }).statSN;
      if (acknowledged !== undefined && statSN !== undefined && snDiff(acknowledged, statSN) >= UNACKNOWLEDGED_STATUS_LIMIT) {
        channel.log(`StatSN ${statSN} held back: the initiator acknowledged status up to ${acknowledged - 1} only`);
        return;
      }
      send(pdu, data);
    };
  }
}
