/**
 * Logout (RFC 7143 11.14, 11.15) and the target's request for one (Asynchronous Message, AsyncEvent 1,
 * 11.9.1). Sessions have one connection at ErrorRecoveryLevel 0: closing the connection or the session
 * is the same, and removing a connection for recovery is not supported.
 */
import {
  AsyncEvent,
  AsyncMessage,
  encodeHeader,
  LogoutReason,
  LogoutRequest,
  LogoutResponse,
  LogoutResponseCode,
  Opcode,
  RejectReason,
} from '../protocol/iscsi/index.js';
import type { TargetChannel } from './channel.js';
import type { ScsiCommands } from './scsi-command.js';
import type { SessionState } from './session-host.js';

/** How long commands already executing may take to finish before a logout is answered. */
const LOGOUT_DRAIN_MS = 2000;

export interface LogoutEvents {
  /** The session logged out: the response is on its way; end the session and the connection. */
  loggedOut(): void;
}

export class LogoutHandler {
  private loggingOut = false;
  /** How long commands already executing may take to finish before the answer. */
  drainMs = LOGOUT_DRAIN_MS;

  constructor(
    private readonly ch: TargetChannel,
    private readonly session: SessionState,
    private readonly scsi: ScsiCommands,
    private readonly events: LogoutEvents,
  ) {}

  async onLogout(req: LogoutRequest): Promise<void> {
    if (this.loggingOut) return;
    if (!this.reasonDefined(req)) {
      // RFC 7143 11.2: a reserved code value in a defined field is reported as a protocol error.
      this.ch.reject(RejectReason.PROTOCOL_ERROR, encodeHeader(req), `Logout Request with the reserved reason code ${req.reason}`);
      return;
    }
    const code = this.responseCode(req);
    if (code === LogoutResponseCode.SUCCESS) {
      this.loggingOut = true;
      // Commands already executing finish first (bounded wait); those still gathering data end here.
      this.endWaiting();
      const until = Date.now() + this.drainMs;
      // Bounded: drainMs.
      while (this.scsi.size > 0 && Date.now() < until && this.ch.phase === 'ffp') await new Promise((r) => setTimeout(r, 5));
      for (const t of this.scsi.all()) t.aborted = true;
    }
    const rsp: LogoutResponse = {
      opcode: Opcode.LOGOUT_RESPONSE,
      response: code,
      itt: req.itt,
      statSN: this.ch.takeStatSN(),
      expCmdSN: this.ch.expCmdSN,
      maxCmdSN: this.ch.maxCmdSN,
      time2Wait: 0,
      time2Retain: 0,
    };
    this.ch.send(rsp);
    if (code === LogoutResponseCode.SUCCESS) this.events.loggedOut();
  }

  /** Commands still gathering Data-Out or waiting for their CmdSN turn end at logout, unanswered. */
  endWaiting(): void {
    this.scsi.abortWaiting();
  }

  /** Whether the Logout's reason code is one RFC 7143 11.14.1 defines (0-2; the rest are reserved). */
  reasonDefined(req: LogoutRequest): boolean {
    return req.reason <= LogoutReason.REMOVE_CONNECTION_FOR_RECOVERY;
  }

  /** The answer to a Logout Request (RFC 7143 11.15.1). */
  responseCode(req: LogoutRequest): number {
    if (req.reason === LogoutReason.REMOVE_CONNECTION_FOR_RECOVERY) return LogoutResponseCode.RECOVERY_NOT_SUPPORTED;
    if (req.reason === LogoutReason.CLOSE_CONNECTION && req.cid !== this.session.result.cid) return LogoutResponseCode.CID_NOT_FOUND;
    return LogoutResponseCode.SUCCESS;
  }

  /** Ask the initiator to log out within `seconds` (Parameter3; Parameter1 and 2 reserved); the caller drops it if it does not. */
  requestLogout(seconds: number): void {
    this.sendAsync(AsyncEvent.LOGOUT_REQUESTED, 0, 0, seconds);
  }

  /**
   * Announce that the connection is about to be dropped (AsyncEvent 2, RFC 7143 11.9.1: Parameter1 its CID,
   * Parameter2 Time2Wait, Parameter3 Time2Retain), as a target does when the initiator did not log out in the
   * time it was given. Time2Retain 0: no task survives the connection (ErrorRecoveryLevel 0).
   */
  announceDrop(): void {
    this.sendAsync(AsyncEvent.CONNECTION_DROP, this.session.result.cid, 0, 0);
  }

  private sendAsync(asyncEvent: number, parameter1: number, parameter2: number, parameter3: number): void {
    const msg: AsyncMessage = {
      opcode: Opcode.ASYNC_MESSAGE,
      lun: 0n,
      // RFC 7143 11.9: StatSN counts an Asynchronous Message as an acknowledgeable event.
      statSN: this.ch.takeStatSN(),
      expCmdSN: this.ch.expCmdSN,
      maxCmdSN: this.ch.maxCmdSN,
      asyncEvent,
      asyncVCode: 0,
      parameter1,
      parameter2,
      parameter3,
    };
    this.ch.send(msg);
  }
}
