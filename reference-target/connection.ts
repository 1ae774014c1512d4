/**
 * One iSCSI connection of the reference target (sessions have one connection: MaxConnections=1,
 * ErrorRecoveryLevel 0): login through TargetLogin, then full feature phase, in which this class is a
 * dispatcher: each PDU goes, through CmdSN ordering (cmdsn.ts) where it carries a CmdSN, to the file
 * of its family: SCSI commands with R2T/Data-Out/Data-In (scsi-command.ts, data-out.ts), NOP (nop.ts),
 * task management (tmf.ts), text (text.ts), logout (logout.ts). They share the channel (channel.ts:
 * socket, framing, StatSN/MaxCmdSN, Reject). Everything the target refuses is answered as RFC 7143
 * prescribes (Reject, a login status, a dropped connection) and logged; memory stays bounded whatever
 * arrives. The server is reached only through SessionHost.
 */
import type * as net from 'node:net';
import {
  AnyPdu,
  DataOut,
  decodePdu,
  describePdu,
  LoginRequest,
  LoginStatus,
  LogoutRequest,
  NopOut,
  Opcode,
  opcodeName,
  RawPdu,
  RejectReason,
  ScsiCommand,
  snAdd,
  TaskMgmtRequest,
  TextRequest,
} from '../protocol/iscsi/index.js';
import { describeCdb } from '../protocol/scsi/index.js';
import { EMPTY, TargetChannel } from './channel.js';
import { DataBudget } from './data-budget.js';
import { CommandOrdering, NumberedPdu, ORDERED_OPCODES } from './cmdsn.js';
import { applyIscsiQuirks, Q_ISCSI } from './iscsi-quirks.js';
import { Q_LOGIN, TargetLogin, LoginResult } from './login.js';
import { LogoutHandler } from './logout.js';
import type { TargetNode } from './node.js';
import { NopHandler } from './nop.js';
import { reservedCode } from './reserved-codes.js';
import { ScsiCommands } from './scsi-command.js';
import type { Nexus } from './scsi/index.js';
import type { ConnectionHandle, ConnectionInfo, SessionHost, SessionState } from './session-host.js';
import { TextHandler } from './text.js';
import { TmfHandler } from './tmf.js';
import { unaskedPerCommand } from './window-budget.js';

export { Q_ISCSI } from './iscsi-quirks.js';
export type { ConnectionInfo } from './session-host.js';

/** The PDU families of full feature phase, made once login is over. */
interface FullFeature {
  session: SessionState;
  ordering: CommandOrdering;
  scsi: ScsiCommands;
  nop: NopHandler;
  tmf: TmfHandler;
  text: TextHandler;
  logout: LogoutHandler;
}

export class TargetConnection implements ConnectionHandle {
  readonly channel: TargetChannel;
  readonly info: ConnectionInfo;
  private readonly host: SessionHost;
  private readonly login: TargetLogin;
  private loginTimer: NodeJS.Timeout | undefined;
  result: LoginResult | undefined;
  node: TargetNode | undefined;
  nexus: Nexus | undefined;
  private ffp: FullFeature | undefined;
  private closeReason = '';
  /** Decisions of the connection itself that quirks may change (see iscsi-quirks.ts). */
  readonly conduct = {
    /** A PDU with a wrong data digest is refused, not taken as it is. */
    refuseBadData: (): boolean => true,
    /** After a successful Logout Response the connection is closed (RFC 7143 11.14). */
    closeAfterLogout: (): boolean => true,
  };

  constructor(socket: net.Socket, host: SessionHost) {
    this.host = host;
    this.channel = new TargetChannel(socket, host, {
      onRaw: (raw) => this.onRaw(raw),
      onWritable: () => this.ffp?.scsi.resumeDeferred(),
      waiting: () => this.ffp?.scsi.waiting ?? false,
      windowUsed: () => (this.ffp ? this.ffp.scsi.size + this.ffp.ordering.size : 0),
      windowSlots: (used) => this.ffp?.scsi.writeData.window.slots(used) ?? Infinity,
      windowOpened: (open, shut) => this.ffp?.scsi.writeData.window.opened(open, shut),
      windowSlotTaken: (left) => this.ffp?.scsi.writeData.window.tookSlot(left),
      fail: (why) => this.fail(why),
    });
    this.info = this.channel.info;
    this.login = new TargetLogin(host.loginEnvironment(this), this.channel.statSN);
    socket.on('end', () => this.close('the initiator closed the connection', true));
    socket.on('error', (e: NodeJS.ErrnoException) => this.close(`socket error ${e.code ?? e.message}`, true));
    socket.on('close', () => {
      this.close('connection closed', true);
      // Whatever ended it (a logout, a drop), a closed socket leaves the server's set of connections.
      host.connectionClosed(this);
    });
    if (!host.quirks.has(Q_LOGIN.noLoginTimeout)) {
      this.loginTimer = setTimeout(() => this.fail(`login not completed within ${host.loginTimeoutSeconds} s`), host.loginTimeoutSeconds * 1000);
      this.loginTimer.unref?.();
    }
  }

  get open(): boolean {
    return this.channel.phase !== 'closed';
  }

  get socket(): net.Socket {
    return this.channel.socket;
  }

  private log(line: string): void {
    this.channel.log(line);
  }

  /** Drop the connection, saying why in the log. */
  private fail(why: string): void {
    this.log(`dropping the connection: ${why}`);
    this.close(why);
  }

  // ------------------------------------------------------------------------------------------
  // Input

  private onRaw(raw: RawPdu): void {
    let pdu: AnyPdu;
    try {
      pdu = decodePdu(raw.header, EMPTY);
    } catch (e) {
      // A header whose AHS runs past TotalAHSLength: the framing holds, so in full feature phase the PDU is
      // Rejected as a protocol error (RFC 7143 11.17.1) and the connection goes on; during login it ends.
      if (this.channel.phase !== 'ffp') throw e;
      return this.channel.reject(RejectReason.PROTOCOL_ERROR, raw.header, (e as Error).message);
    }
    // Write data (Data-Out, a command's immediate data) stays in the input it came in: its task keeps
    // the slices (received-data.ts). Other data is copied, so that it keeps no input chunk alive.
    if (pdu.opcode === Opcode.DATA_OUT) pdu.dataParts = raw.parts;
    else if (pdu.opcode === Opcode.SCSI_COMMAND) pdu.data = raw.dataLength === 0 ? EMPTY : raw.data;
    else pdu.data = raw.dataLength === 0 ? EMPTY : Buffer.from(raw.data);
    if (raw.dataDigestError && this.conduct.refuseBadData()) {
      this.onDataDigestError(pdu, raw);
      return;
    }
    if (this.host.tracePdus) this.log(`<< ${describePdu(pdu)}${pdu.opcode === Opcode.SCSI_COMMAND ? ` (${describeCdb((pdu as ScsiCommand).cdb)})` : ''}`);
    if (this.channel.phase === 'login') this.onLoginPdu(pdu);
    else if (this.channel.phase === 'ffp') this.onFfpPdu(pdu, raw);
  }

  /**
   * A PDU whose data digest was wrong is Rejected and not acted on (RFC 7143 7.8). RFC 7143 7.3: the
   * CmdSN of a rejected command is not considered received (a gap the initiator plugs by retrying with
   * the same CmdSN, or by aborting the task); commands after it wait in CmdSN order until then.
   */
  private onDataDigestError(pdu: AnyPdu, raw: RawPdu): void {
    this.channel.reject(RejectReason.DATA_DIGEST_ERROR, raw.header, `data digest error on ${describePdu(pdu)}`);
    if (pdu.opcode === Opcode.DATA_OUT) this.ffp?.scsi.onDataDigestError(pdu as DataOut, raw);
  }

  // ------------------------------------------------------------------------------------------
  // Login

  private onLoginPdu(pdu: AnyPdu): void {
    if (pdu.opcode !== Opcode.LOGIN_REQUEST) {
      // RFC 7143 6.3: anything but a Login Request before login completes ends the connection.
      this.log(`${opcodeName(pdu.opcode)} before login: dropping the connection`);
      this.close(`${opcodeName(pdu.opcode)} received during login`);
      return;
    }
    const step = this.login.handle(pdu as LoginRequest);
    if ('fail' in step) {
      const r = step.response;
      this.log(`login refused (${this.login.describe()}): class 0x${r.statusClass.toString(16)} detail 0x${r.statusDetail.toString(16)}: ${step.fail}`);
      const authFailure = ((r.statusClass << 8) | r.statusDetail) === LoginStatus.AUTHENTICATION_FAILURE;
      const hold = authFailure ? this.host.authenticationFailed(this.login.initiator) : 0;
      if (hold > 0) this.log(`repeated authentication failures of ${this.login.initiator}: answering after ${hold} ms`);
      const refuse = () => {
        this.channel.send(r);
        this.close(`login refused: ${step.fail}`);
      };
      if (hold > 0) setTimeout(refuse, hold).unref();
      else refuse();
      return;
    }
    if ('done' in step) {
      // The window the login opens (one slot) is held to the target's budget like any other.
      const unit = unaskedPerCommand(step.done.params);
      if (unit > 0 && !this.host.quirks.has(Q_ISCSI.windowUnbudgeted) && !this.host.dataBudget.holds(unit)) {
        step.response.maxCmdSN = snAdd(step.response.maxCmdSN, -1);
      }
    }
    this.channel.send(step.response);
    if ('done' in step) this.enterFullFeature(step.done, step.response.maxCmdSN);
  }

  private enterFullFeature(r: LoginResult, maxCmdSN: number): void {
    clearTimeout(this.loginTimer);
    const ch = this.channel;
    this.result = r;
    this.node = r.node;
    ch.statSN = r.statSN;
    ch.expCmdSN = r.expCmdSN;
    ch.windowEnd = maxCmdSN;
    ch.queueDepth = r.node?.queueDepth ?? 16;
    ch.stallLimitSeconds = this.nopTimeoutSeconds;
    ch.enterFullFeature(r.params);
    this.nexus = this.host.sessionStarted(this, r);
    const session: SessionState = { result: r, node: r.node, nexus: this.nexus, params: r.params };
    const budget = new DataBudget(this.host.sessionDataBudget, this.host.dataBudget);
    const scsi = new ScsiCommands(ch, session, { budget, dataTimeoutSeconds: this.host.dataTimeoutSeconds }, (why) => this.fail(why));
    const ordering = new CommandOrdering(ch, {
      arrived: (pdu, raw, immediate) => pdu.opcode !== Opcode.SCSI_COMMAND || scsi.arrive(pdu as ScsiCommand, raw, immediate),
      deliver: (pdu, raw) => this.deliver(pdu, raw),
    });
    const nop = new NopHandler(ch);
    const tmf = new TmfHandler(ch, session, scsi, ordering, {
      resetOthers: (cold) => this.host.resetOthers(this, cold),
      close: (why) => this.close(why),
    });
    const text = new TextHandler(ch, session, this.host);
    const logout = new LogoutHandler(ch, session, scsi, { loggedOut: () => this.loggedOut() });
    this.ffp = { session, ordering, scsi, nop, tmf, text, logout };
    applyIscsiQuirks(this.host.quirks, { channel: ch, ordering, scsi, nop, tmf, text, logout, session, conduct: this.conduct });
    // The login's window is promised like any other.
    ch.windowUsedSlot();
    this.log(
      `login: ${r.initiatorName} ISID 0x${r.isid.toString(16).padStart(12, '0')} TSIH ${r.tsih} -> ${r.node?.config.iqn ?? 'discovery'} ` +
        `(${r.authMethod}${r.params.headerDigest ? ', HeaderDigest' : ''}${r.params.dataDigest ? ', DataDigest' : ''})`,
    );
    nop.start({
      intervalSeconds: r.node?.config.nopInterval ?? this.host.nopIntervalSeconds,
      timeoutSeconds: this.nopTimeoutSeconds,
      fail: (why) => this.close(why),
    });
  }

  /** NOPTimeout of this connection's target (its own, or the server-wide one). */
  private get nopTimeoutSeconds(): number {
    return this.node?.config.nopTimeout ?? this.host.nopTimeoutSeconds;
  }

  // ------------------------------------------------------------------------------------------
  // Full feature phase

  private onFfpPdu(pdu: AnyPdu, raw: RawPdu): void {
    const ch = this.channel;
    if ('unknown' in pdu) {
      ch.reject(
        (pdu.opcode & 0x20) !== 0 ? RejectReason.PROTOCOL_ERROR : RejectReason.COMMAND_NOT_SUPPORTED,
        raw.header,
        `unsupported opcode 0x${pdu.opcode.toString(16)}`,
      );
      return;
    }
    const reserved = reservedCode(this.host.quirks, pdu);
    if (reserved) return ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, reserved);
    if (pdu.opcode === Opcode.DATA_OUT) return this.ffp!.scsi.onDataOut(pdu, raw);
    if (ORDERED_OPCODES.has(pdu.opcode)) {
      if (this.result!.sessionType === 'Discovery' && (pdu.opcode === Opcode.SCSI_COMMAND || pdu.opcode === Opcode.TASK_MGMT_REQUEST)) {
        ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, `${opcodeName(pdu.opcode)} in a discovery session (RFC 7143 4.3)`);
        return;
      }
      this.ffp!.ordering.receive(pdu as NumberedPdu, raw);
      ch.commandArrived(pdu as NumberedPdu & { expStatSN: number });
      return;
    }
    if (pdu.opcode === Opcode.SNACK_REQUEST) return ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'SNACK at ErrorRecoveryLevel 0 (RFC 7143 11.16)');
    if (pdu.opcode === Opcode.LOGIN_REQUEST) return ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'Login Request in full feature phase');
    ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, `${opcodeName(pdu.opcode)} is a target opcode`);
  }

  /** A PDU's CmdSN turn came (or it was immediate): hand it to its family. */
  private deliver(pdu: AnyPdu, raw: RawPdu | undefined): void {
    const f = this.ffp;
    if (this.channel.phase !== 'ffp' || !f) return;
    switch (pdu.opcode) {
      case Opcode.SCSI_COMMAND:
        return f.scsi.release(pdu as ScsiCommand);
      case Opcode.NOP_OUT:
        return f.nop.onNopOut(pdu as NopOut);
      case Opcode.TASK_MGMT_REQUEST:
        void f.tmf.onTmf(pdu as TaskMgmtRequest);
        return;
      case Opcode.TEXT_REQUEST:
        return f.text.onText(pdu as TextRequest, raw);
      case Opcode.LOGOUT_REQUEST:
        void f.logout.onLogout(pdu as LogoutRequest);
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Requests from the server

  /** Ask the initiator to log out within `seconds` (asynchronous event 1); the caller drops it if it does not. */
  requestLogout(seconds: number): void {
    if (this.channel.phase === 'ffp') this.ffp?.logout.requestLogout(seconds);
  }

  /** The initiator did not log out in the time it was asked to: announce the drop (asynchronous event 2), then drop. */
  dropUnloggedOut(why: string): void {
    if (this.channel.phase === 'ffp') this.ffp?.logout.announceDrop();
    this.close(why);
  }

  /** Tasks of this session on `lun` not yet handed to the device server (gathering Data-Out) end without status; how many. */
  endPendingTasks(lun: number, taskAborted = false): number {
    return this.ffp?.tmf.endWaiting(lun, taskAborted) ?? 0;
  }

  /** Another session of this node was reset: end this session's local tasks (warm) or the connection (cold). */
  onTargetReset(cold: boolean): void {
    this.ffp?.scsi.abortWaiting();
    if (cold) setImmediate(() => this.close('TARGET COLD RESET from another session'));
  }

  // ------------------------------------------------------------------------------------------
  // Closing

  private loggedOut(): void {
    this.log(`logout: ${this.result!.initiatorName} TSIH ${this.result!.tsih}`);
    this.host.sessionEnded(this, 'logout');
    if (this.conduct.closeAfterLogout()) this.channel.socket.end();
    this.channel.phase = 'closed';
    this.cleanup();
  }

  private cleanup(): void {
    clearTimeout(this.loginTimer);
    this.channel.stop();
    this.ffp?.nop.stop();
    this.ffp?.scsi.clear();
    this.ffp?.ordering.clear();
  }

  /** Drop the connection. `fromSocket`: the socket already ended or failed. */
  close(why: string, fromSocket = false): void {
    if (this.channel.phase === 'closed') {
      if (!fromSocket) this.channel.socket.destroy();
      return;
    }
    const wasFfp = this.channel.phase === 'ffp';
    this.channel.phase = 'closed';
    this.closeReason = why;
    this.cleanup();
    if (wasFfp) {
      this.log(`connection of ${this.result!.initiatorName} TSIH ${this.result!.tsih} ended: ${why}`);
      this.host.sessionEnded(this, 'loss');
    }
    this.channel.closeSocket(fromSocket);
    this.host.connectionClosed(this);
  }

  get reason(): string {
    return this.closeReason;
  }
}
