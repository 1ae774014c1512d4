/**
 * One iSCSI connection of the reference target (sessions have one connection: MaxConnections=1,
 * ErrorRecoveryLevel 0): login through TargetLogin, then full feature phase. Commands are delivered
 * to the SCSI device server in CmdSN order within the window the target advertises (RFC 7143
 * 4.2.2.1); write data comes as immediate data, unsolicited Data-Out up to FirstBurstLength, and
 * R2T-solicited bursts within MaxOutstandingR2T and MaxBurstLength; read data goes out in Data-In
 * PDUs within the initiator's MaxRecvDataSegmentLength with the status in the last when it can.
 * Everything the target refuses is answered as RFC 7143 prescribes (Reject, a login status, a
 * dropped connection) and logged; memory stays bounded whatever arrives.
 */
import * as net from 'node:net';
import {
  AnyPdu,
  AsyncMessage,
  DataIn,
  DataOut,
  decodePdu,
  describePdu,
  encodeHeader,
  encodeText,
  frameEncoded,
  KeyValue,
  LoginRequest,
  LogoutReason,
  LogoutRequest,
  LogoutResponse,
  LogoutResponseCode,
  NopIn,
  NopOut,
  Opcode,
  opcodeName,
  PduParser,
  R2T,
  RawPdu,
  Reject,
  RejectReason,
  RESERVED_TAG,
  ScsiCommand,
  ScsiResponse,
  SessionParams,
  snAdd,
  snLess,
  snLessEq,
  splitText,
  TaskAttr,
  TaskMgmtRequest,
  TaskMgmtResponse,
  TextAccumulator,
  TextRequest,
  TextResponse,
  TMF_FUNCTION_NAMES,
  TmfFunction,
  TmfResponse,
} from '../protocol/iscsi/index.js';
import { Asc, bigIntToLun, describeCdb, encodeFixedSense, ScsiStatus, SenseKey } from '../protocol/scsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import { TargetLogin, LoginResult } from './login.js';
import type { TargetNode } from './node.js';
import { defineQuirk } from './quirks.js';
import type { CommandResult, Nexus, TaskAttribute, TmfName, TmfOutcome } from './scsi/index.js';
import type { TargetServer } from './server.js';

export const Q_ISCSI = {
  wrongResidual: defineQuirk('wrong-residual', 'iscsi', 'residual counts are reported one byte off and the U/O flags dropped'),
  cmdsnWindowIgnored: defineQuirk('cmdsn-window-ignored', 'iscsi', 'commands outside the CmdSN window are executed instead of being ignored'),
  datasnUnchecked: defineQuirk('datasn-unchecked', 'iscsi', 'Data-Out DataSN and Buffer Offset are not checked'),
  mrdslIgnored: defineQuirk('mrdsl-ignored', 'iscsi', "Data-In segments ignore the initiator's MaxRecvDataSegmentLength (up to 1 MiB)"),
  nopNoEcho: defineQuirk('nop-no-echo', 'iscsi', 'NOP-In answers to pings do not echo the ping data'),
  nopNoReply: defineQuirk('nop-no-reply', 'iscsi', 'NOP-Out pings are not answered'),
  abortIgnored: defineQuirk('tmf-abort-ignored', 'iscsi', 'ABORT TASK answers "function complete" but the task runs on and answers'),
  logoutWaitsForData: defineQuirk('logout-waits-for-data', 'iscsi', 'a Logout waits (up to 30 s) for commands still gathering Data-Out instead of terminating them'),
  resetKeepsWaiting: defineQuirk('tmf-reset-keeps-waiting', 'iscsi', 'LUN RESET and the other task-set functions leave tasks waiting for Data-Out alive: the data, sent later, completes them'),
  r2tUnbounded: defineQuirk('r2t-unbounded', 'iscsi', 'R2Ts ignore MaxOutstandingR2T and MaxBurstLength (one R2T for all the data)'),
  statsnSkip: defineQuirk('statsn-skip', 'iscsi', 'StatSN advances by two on each response'),
  noReject: defineQuirk('no-reject', 'iscsi', 'PDUs the target cannot accept are dropped silently instead of Rejected'),
  digestUnchecked: defineQuirk('digest-unchecked', 'iscsi', 'data digests are not verified'),
  headerDigestUnchecked: defineQuirk('header-digest-unchecked', 'iscsi', 'header digests are not verified'),
  sendTargetsEmpty: defineQuirk('sendtargets-empty', 'iscsi', 'SendTargets answers with no targets'),
  logoutKeepsConnection: defineQuirk('logout-keeps-connection', 'iscsi', 'after a successful Logout Response the target leaves the TCP connection open'),
  tttUnchecked: defineQuirk('ttt-unchecked', 'iscsi', "a Data-Out whose TTT no R2T of its task carried is taken as data for the task's first open R2T"),
  cmdsnNoWrap: defineQuirk('cmdsn-no-wrap', 'iscsi', 'the command window is compared as plain numbers, not serial numbers: a window that wraps at 2^32 takes no command'),
  textUnknownKeySilent: defineQuirk('text-unknown-key-silent', 'iscsi', 'unknown keys in a full-feature Text Request get no NotUnderstood answer'),
  nopAnswersUnrequested: defineQuirk('nop-answers-unrequested', 'iscsi', 'a NOP-Out with ITT 0xffffffff (no answer requested) is answered with a NOP-In'),
  immediateAdvances: defineQuirk('immediate-advances-cmdsn', 'iscsi', 'an immediate command advances ExpCmdSN as a non-immediate one would'),
  mrdslUnenforced: defineQuirk('mrdsl-unenforced', 'iscsi', "PDUs with data segments beyond the target's own MaxRecvDataSegmentLength are accepted (up to 16 MiB)"),
  firstBurstUnenforced: defineQuirk('first-burst-unenforced', 'iscsi', 'immediate data beyond FirstBurstLength is accepted'),
  logoutLax: defineQuirk('logout-lax', 'iscsi', 'Logout "remove the connection for recovery" at ErrorRecoveryLevel 0 and "close the connection" for an unknown CID are answered with success'),
  sendTargetsLax: defineQuirk('sendtargets-lax', 'iscsi', 'SendTargets=All in a normal session and the empty value in a discovery session list every target'),
  sendTargetsSloppy: defineQuirk('sendtargets-sloppy', 'iscsi', 'any key starting with sendtargets in any case is SendTargets, and any value starting with A or a is All'),
  noPhaseCollapse: defineQuirk('status-without-final', 'iscsi', 'the S bit is set without the F bit on the last Data-In PDU of a read that takes more than one'),
};

/** Most Data-Out a single command may need: larger writes get CHECK CONDITION before any data moves. */
const MAX_WRITE = 64 << 20;
/** Bytes queued for the socket beyond which the initiator is taken to have stopped reading. */
const MAX_OUTPUT = 128 << 20;
/**
 * Flow control: once the responses queued for the socket and the read data of the commands executing
 * reach this, no further command starts and no further input is read until the socket drains. A
 * connection then holds at most this much plus one command's data, whatever the initiator does.
 */
const OUTPUT_HIGH_WATER = 16 << 20;
/** Recently finished ITTs whose stray Data-Out is discarded silently (bounded). */
const RECENT_ITTS = 256;

const EMPTY = Buffer.alloc(0);
/** Holds the place of a CmdSN that ABORT TASK took as received before its command came (delivers nothing). */
const CMDSN_ABORTED: AnyPdu = { opcode: -1, unknown: true, itt: RESERVED_TAG, bhs: EMPTY };

interface R2TState {
  ttt: number;
  offset: number;
  length: number;
  received: number;
  expDataSN: number;
}

interface TargetTask {
  itt: number;
  cmdSN: number;
  immediate: boolean;
  lun: bigint;
  lunNumber: number;
  cmd: ScsiCommand;
  edtl: number;
  /** Write data being gathered (EDTL bytes). */
  buf?: Buffer;
  received: number;
  /** Unsolicited Data-Out still possible (SCSI Command F bit was 0 and InitialR2T=No). */
  unsolicitedOpen: boolean;
  unsolicitedLimit: number;
  unsolicitedExpDataSN: number;
  /** Bytes asked for by R2T so far (next R2T starts here). */
  solicitedUpTo: number;
  r2tSN: number;
  r2ts: Map<number, R2TState>;
  /** Released by CmdSN order (or immediate). */
  ordered: boolean;
  executing: boolean;
  aborted: boolean;
  /** A data PDU was lost or wrong: end with CHECK CONDITION once all data is in (RFC 7143 7.8 option b). */
  dataError?: 'crc' | 'sequence';
  /** Waiting in `deferred` for the output to drain. */
  deferred?: boolean;
  /** Read data this task may still produce, counted in `inflight` while it executes. */
  reserved?: number;
}

export interface ConnectionInfo {
  remote: string;
  local: string;
}

export class TargetConnection {
  readonly socket: net.Socket;
  readonly server: TargetServer;
  readonly info: ConnectionInfo;
  private readonly parser: PduParser;
  private state: 'login' | 'ffp' | 'closed' = 'login';
  private login: TargetLogin;
  private loginTimer: NodeJS.Timeout | undefined;
  result: LoginResult | undefined;
  node: TargetNode | undefined;
  nexus: Nexus | undefined;
  private params!: SessionParams;
  private headerDigest = false;
  private dataDigest = false;
  private statSN = 0;
  private expCmdSN = 0;
  private queueDepth = 128;
  /** Non-immediate PDUs that arrived ahead of ExpCmdSN, by CmdSN (bounded by the window). */
  private readonly early = new Map<number, AnyPdu>();
  private readonly tasks = new Map<number, TargetTask>();
  private readonly byTtt = new Map<number, { task: TargetTask; r2t: R2TState }>();
  private readonly recent: number[] = [];
  private nextTtt = 1;
  private pingTtt: number | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pingDeadline: NodeJS.Timeout | undefined;
  private lastInput = Date.now();
  private textState: { itt: number; ttt: number; pieces: Buffer[]; acc: TextAccumulator } | undefined;
  private readonly textIn = new TextAccumulator(65536);
  private loggingOut = false;
  private closeReason = '';
  /** Tasks ready to run but held while the output is over OUTPUT_HIGH_WATER, in the order they became ready. */
  private readonly deferred: TargetTask[] = [];
  /** Read data the executing tasks may still produce. */
  private inflight = 0;
  /** Input is paused while the socket's queue is over OUTPUT_HIGH_WATER. */
  private inputPaused = false;
  /** Armed while output waits on the initiator: it must read within NOPTimeout or be dropped. */
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(socket: net.Socket, server: TargetServer) {
    this.socket = socket;
    this.server = server;
    this.info = {
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      local: `${socket.localAddress}:${socket.localPort}`,
    };
    socket.setNoDelay(true);
    this.login = new TargetLogin(server.loginEnvironment(this), server.initialStatSN());
    this.parser = new PduParser(
      { maxDataSegmentLength: 8192, reuseInput: true, placeData: (h, n) => this.placeData(h, n) },
      (raw) => this.onRaw(raw),
    );
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('end', () => this.close('the initiator closed the connection', true));
    socket.on('error', (e: NodeJS.ErrnoException) => this.close(`socket error ${e.code ?? e.message}`, true));
    socket.on('close', () => {
      this.close('connection closed', true);
      // Whatever ended it (a logout, a drop), a closed socket leaves the server's set of connections.
      server.connectionClosed(this);
    });
    this.loginTimer = setTimeout(() => {
      const why = `login not completed within ${server.loginTimeoutSeconds} s`;
      this.log(`dropping the connection: ${why}`);
      this.close(why);
    }, server.loginTimeoutSeconds * 1000);
    this.loginTimer.unref?.();
  }

  get open(): boolean {
    return this.state !== 'closed';
  }

  private log(line: string): void {
    this.server.log(`${this.info.remote} ${line}`);
  }

  // ------------------------------------------------------------------------------------------
  // Input

  private onData(chunk: Buffer): void {
    this.lastInput = Date.now();
    try {
      this.parser.push(chunk);
    } catch (e) {
      const err = e instanceof IscsiError ? e : new IscsiError('ISCSI_E_PROTOCOL', (e as Error).message);
      this.protocolFailure(err);
    }
  }

  /** A framing error: the stream cannot be resynchronised. Reject what can be named, then drop. */
  private protocolFailure(err: IscsiError): void {
    this.log(`dropping the connection: ${err.message}`);
    this.close(err.message);
  }

  private placeData(header: Buffer, length: number): Buffer | undefined {
    if ((header[0]! & 0x3f) !== Opcode.DATA_OUT || this.state !== 'ffp') return undefined;
    const task = this.tasks.get(header.readUInt32BE(16));
    if (!task?.buf || task.aborted) return undefined;
    const offset = header.readUInt32BE(40);
    if (offset + length > task.buf.length) return undefined;
    return task.buf.subarray(offset, offset + length);
  }

  private onRaw(raw: RawPdu): void {
    const pdu = decodePdu(raw.header, EMPTY);
    // Data-Out data lands in its task's buffer (placed or copied there); other data is copied here,
    // since the parser reuses its input.
    if (pdu.opcode !== Opcode.DATA_OUT) pdu.data = raw.dataLength === 0 ? EMPTY : Buffer.from(raw.data);
    else pdu.dataParts = raw.parts;
    if (raw.dataDigestError && !this.server.quirks.has(Q_ISCSI.digestUnchecked)) {
      this.onDataDigestError(pdu, raw);
      return;
    }
    if (this.server.tracePdus) this.log(`<< ${describePdu(pdu)}${pdu.opcode === Opcode.SCSI_COMMAND ? ` (${describeCdb((pdu as ScsiCommand).cdb)})` : ''}`);
    if (this.state === 'login') this.onLoginPdu(pdu, raw);
    else if (this.state === 'ffp') this.onFfpPdu(pdu, raw);
  }

  // ------------------------------------------------------------------------------------------
  // Output

  private send(pdu: AnyPdu, data?: Buffer): void {
    if (this.state === 'closed') return;
    if (this.server.tracePdus) this.log(`>> ${describePdu(pdu)}`);
    if (this.socket.writableLength > MAX_OUTPUT) {
      this.close(`the initiator has not read ${this.socket.writableLength} bytes of responses`);
      return;
    }
    const header = encodeHeader(pdu, data?.length ?? pdu.data?.length ?? 0);
    const bufs = frameEncoded(header, data ?? pdu.data, { headerDigest: this.headerDigest, dataDigest: this.dataDigest });
    // Everything sent in one turn of the event loop leaves in one writev: one syscall for the
    // responses of many commands rather than one each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    for (const b of bufs) this.socket.write(b);
    if (this.socket.writableLength > OUTPUT_HIGH_WATER && !this.inputPaused) {
      // The initiator is not keeping up: read no more from it until it does.
      this.inputPaused = true;
      this.socket.pause();
    }
    if ((this.inputPaused || this.deferred.length > 0) && this.socket.writableNeedDrain) this.armStall();
  }

  /** NOPTimeout of this connection's target (its own, or the server-wide one). */
  private get nopTimeoutSeconds(): number {
    return this.node?.config.nopTimeout ?? this.server.nopTimeoutSeconds;
  }

  /** The output is waiting on the initiator to read: drop the connection if it does not within NOPTimeout. */
  private armStall(): void {
    if (this.stallTimer || this.state !== 'ffp') return;
    const limit = this.nopTimeoutSeconds;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      const why = `the initiator has not read ${this.socket.writableLength} bytes of responses for ${limit} s`;
      this.log(`dropping the connection: ${why}`);
      this.close(why);
    }, limit * 1000);
    this.stallTimer.unref?.();
  }

  private onDrain(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.state !== 'ffp') return;
    if (this.inputPaused) {
      this.inputPaused = false;
      this.socket.resume();
    }
    this.resumeDeferred();
  }

  /**
   * Whether starting `task` now would take the output over OUTPUT_HIGH_WATER (one task always may run).
   * Every reason to wait has an event that ends it: read data in flight, the end of its task (finish);
   * queued output, a 'drain', and so it counts only while one is due (below the socket's own small
   * high-water mark no 'drain' comes).
   */
  private overCommitted(task: TargetTask): boolean {
    const queued = (this.socket.writableNeedDrain ? this.socket.writableLength : 0) + this.inflight;
    return queued > 0 && queued + this.readLength(task) > OUTPUT_HIGH_WATER;
  }

  /** The read data a task may produce, for flow control: its EDTL (an initiator's own figure), capped. */
  private readLength(task: TargetTask): number {
    return Math.min(task.cmd.read ? (task.cmd.write ? task.cmd.bidiReadLength ?? 0 : task.edtl) : 0, OUTPUT_HIGH_WATER);
  }

  /** Start the tasks held for the output to drain, in order, as far as the output allows. */
  private resumeDeferred(): void {
    // Bounded by the number of deferred tasks (at most the queue depth).
    while (this.deferred.length > 0 && this.state === 'ffp') {
      const t = this.deferred[0]!;
      if (this.tasks.get(t.itt) !== t || t.aborted || t.executing) {
        this.deferred.shift();
        t.deferred = false;
        continue;
      }
      if (this.overCommitted(t)) {
        if (this.socket.writableNeedDrain) this.armStall();
        return;
      }
      this.deferred.shift();
      t.deferred = false;
      this.start(t);
    }
  }

  private corked = false;

  private takeStatSN(): number {
    const s = this.statSN;
    this.statSN = snAdd(this.statSN, this.server.quirks.has(Q_ISCSI.statsnSkip) ? 2 : 1);
    return s;
  }

  /** MaxCmdSN: the window closes as outstanding commands fill the session's queue depth. */
  private get maxCmdSN(): number {
    const room = Math.max(0, this.queueDepth - this.tasks.size - this.early.size);
    return snAdd(this.expCmdSN, room - 1);
  }

  private reject(reason: number, header: Buffer, why: string): void {
    this.log(`Reject (${reason}): ${why}`);
    if (this.server.quirks.has(Q_ISCSI.noReject)) return;
    const r: Reject = {
      opcode: Opcode.REJECT,
      reason,
      // RFC 7143 11.17.3: StatSN carries its usual value and is advanced after a Reject.
      statSN: this.takeStatSN(),
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      dataSNOrR2TSN: 0,
      data: Buffer.from(header.subarray(0, 48)),
    };
    this.send(r);
  }

  // ------------------------------------------------------------------------------------------
  // Login

  private onLoginPdu(pdu: AnyPdu, raw: RawPdu): void {
    if (pdu.opcode !== Opcode.LOGIN_REQUEST) {
      // RFC 7143 6.3: anything but a Login Request before login completes ends the connection.
      this.log(`${opcodeName(pdu.opcode)} before login: dropping the connection`);
      this.close(`${opcodeName(pdu.opcode)} received during login`);
      return;
    }
    void raw;
    const step = this.login.handle(pdu as LoginRequest);
    this.send(step.response);
    if ('fail' in step) {
      this.log(`login refused (${this.login.describe()}): class 0x${step.response.statusClass.toString(16)} detail 0x${step.response.statusDetail.toString(16)}: ${step.fail}`);
      this.close(`login refused: ${step.fail}`);
      return;
    }
    if ('done' in step) this.enterFullFeature(step.done);
  }

  private enterFullFeature(r: LoginResult): void {
    clearTimeout(this.loginTimer);
    this.result = r;
    this.params = r.params;
    this.statSN = r.statSN;
    this.expCmdSN = r.expCmdSN;
    this.node = r.node;
    this.queueDepth = r.node?.queueDepth ?? 16;
    // RFC 7143 13.1: digests apply from the first PDU after the final Login Response.
    this.headerDigest = r.params.headerDigest;
    this.dataDigest = r.params.dataDigest;
    this.parser.headerDigest = r.params.headerDigest;
    this.parser.verifyHeaderDigest = !this.server.quirks.has(Q_ISCSI.headerDigestUnchecked);
    this.parser.dataDigest = r.params.dataDigest;
    this.parser.maxDataSegmentLength = this.server.quirks.has(Q_ISCSI.mrdslUnenforced) ? 1 << 24 : r.params.maxRecvDataSegmentLength;
    this.state = 'ffp';
    this.nexus = this.server.sessionStarted(this, r);
    this.log(
      `login: ${r.initiatorName} ISID 0x${r.isid.toString(16).padStart(12, '0')} TSIH ${r.tsih} -> ${r.node?.config.iqn ?? 'discovery'} (${r.authMethod}${r.params.headerDigest ? ', HeaderDigest' : ''}${r.params.dataDigest ? ', DataDigest' : ''})`,
    );
    this.armPing();
  }

  // ------------------------------------------------------------------------------------------
  // Full feature phase

  private onFfpPdu(pdu: AnyPdu, raw: RawPdu): void {
    if ('unknown' in pdu) {
      this.reject((pdu.opcode & 0x20) !== 0 ? RejectReason.PROTOCOL_ERROR : RejectReason.COMMAND_NOT_SUPPORTED, raw.header, `unsupported opcode 0x${pdu.opcode.toString(16)}`);
      return;
    }
    switch (pdu.opcode) {
      case Opcode.DATA_OUT:
        return this.onDataOut(pdu, raw);
      case Opcode.SCSI_COMMAND:
      case Opcode.NOP_OUT:
      case Opcode.TASK_MGMT_REQUEST:
      case Opcode.TEXT_REQUEST:
      case Opcode.LOGOUT_REQUEST:
        return this.ordered(pdu, raw);
      case Opcode.SNACK_REQUEST:
        return this.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'SNACK at ErrorRecoveryLevel 0 (RFC 7143 11.16)');
      case Opcode.LOGIN_REQUEST:
        return this.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'Login Request in full feature phase');
      default:
        return this.reject(RejectReason.PROTOCOL_ERROR, raw.header, `${opcodeName(pdu.opcode)} is a target opcode`);
    }
  }

  /**
   * CmdSN ordering (RFC 7143 4.2.2.1): immediate PDUs go at once; others in CmdSN order; those outside
   * [ExpCmdSN, MaxCmdSN] are silently ignored. A SCSI command's task is created on arrival so its data
   * can flow while earlier commands are still missing.
   */
  private ordered(pdu: AnyPdu & { cmdSN: number; immediate?: boolean }, raw: RawPdu): void {
    if (this.result!.sessionType === 'Discovery' && (pdu.opcode === Opcode.SCSI_COMMAND || pdu.opcode === Opcode.TASK_MGMT_REQUEST)) {
      this.reject(RejectReason.PROTOCOL_ERROR, raw.header, `${opcodeName(pdu.opcode)} in a discovery session (RFC 7143 4.3)`);
      return;
    }
    if (pdu.immediate) {
      if (pdu.opcode === Opcode.SCSI_COMMAND) {
        if (!this.newTask(pdu as ScsiCommand, raw, true)) return;
        if (this.server.quirks.has(Q_ISCSI.immediateAdvances)) this.expCmdSN = snAdd(this.expCmdSN, 1);
      }
      this.deliver(pdu, raw);
      return;
    }
    const sn = pdu.cmdSN;
    const inWindow = this.server.quirks.has(Q_ISCSI.cmdsnNoWrap) ? this.expCmdSN <= sn && sn <= this.maxCmdSN : snLessEq(this.expCmdSN, sn) && snLessEq(sn, this.maxCmdSN);
    if (!inWindow && !this.server.quirks.has(Q_ISCSI.cmdsnWindowIgnored)) {
      this.log(`ignoring ${opcodeName(pdu.opcode)} with CmdSN ${sn} outside the window [${this.expCmdSN}, ${this.maxCmdSN}] (RFC 7143 4.2.2.1)`);
      return;
    }
    if (sn !== this.expCmdSN && inWindow && this.early.has(sn)) {
      // Checked before a task is made for it, or the task would outlive the PDU.
      this.log(`ignoring a second PDU with CmdSN ${sn}${this.early.get(sn) === CMDSN_ABORTED ? ' (its task was aborted before it came)' : ''}`);
      return;
    }
    if (pdu.opcode === Opcode.SCSI_COMMAND && !this.newTask(pdu as ScsiCommand, raw, false)) return;
    if (sn !== this.expCmdSN && inWindow) {
      this.early.set(sn, pdu);
      return;
    }
    if (inWindow) this.expCmdSN = snAdd(this.expCmdSN, 1);
    this.deliver(pdu, raw);
    this.drainEarly();
  }

  /** Deliver the PDUs held for CmdSN order that have become next in turn. */
  private drainEarly(): void {
    // Bounded by the window: each pass consumes one queued PDU.
    while (this.early.has(this.expCmdSN)) {
      const next = this.early.get(this.expCmdSN)!;
      this.early.delete(this.expCmdSN);
      this.expCmdSN = snAdd(this.expCmdSN, 1);
      this.deliver(next, undefined);
    }
  }

  private deliver(pdu: AnyPdu, raw: RawPdu | undefined): void {
    if (this.state !== 'ffp') return;
    switch (pdu.opcode) {
      case Opcode.SCSI_COMMAND: {
        const task = this.tasks.get(pdu.itt);
        if (!task || task.cmd !== pdu) return;
        task.ordered = true;
        this.maybeExecute(task);
        return;
      }
      case Opcode.NOP_OUT:
        return this.onNopOut(pdu as NopOut);
      case Opcode.TASK_MGMT_REQUEST:
        void this.onTmf(pdu as TaskMgmtRequest);
        return;
      case Opcode.TEXT_REQUEST:
        return this.onText(pdu as TextRequest, raw);
      case Opcode.LOGOUT_REQUEST:
        void this.onLogout(pdu as LogoutRequest);
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------------------------------------
  // SCSI commands and data

  private newTask(cmd: ScsiCommand, raw: RawPdu, immediate: boolean): boolean {
    if (this.tasks.has(cmd.itt)) {
      this.reject(RejectReason.TASK_IN_PROGRESS, raw.header, `ITT 0x${cmd.itt.toString(16)} is already in use`);
      return false;
    }
    const p = this.params;
    const immData = cmd.data ?? EMPTY;
    let lunNumber: number;
    try {
      lunNumber = bigIntToLun(cmd.lun);
    } catch {
      lunNumber = -1;
    }
    const task: TargetTask = {
      itt: cmd.itt,
      cmdSN: cmd.cmdSN,
      immediate,
      lun: cmd.lun,
      lunNumber,
      cmd,
      edtl: cmd.expectedDataTransferLength,
      received: 0,
      unsolicitedOpen: false,
      unsolicitedLimit: 0,
      unsolicitedExpDataSN: 0,
      solicitedUpTo: 0,
      r2tSN: 0,
      r2ts: new Map(),
      ordered: false,
      executing: false,
      aborted: false,
    };
    this.tasks.set(cmd.itt, task);
    if (immData.length > 0) {
      if (!cmd.write) {
        this.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'immediate data on a command without the W bit');
        this.tasks.delete(cmd.itt);
        return false;
      }
      const firstBurst = this.server.quirks.has(Q_ISCSI.firstBurstUnenforced) ? Infinity : p.firstBurstLength;
      if (!p.immediateData || immData.length > firstBurst || immData.length > task.edtl) {
        this.reject(
          RejectReason.PROTOCOL_ERROR,
          raw.header,
          !p.immediateData ? 'immediate data though ImmediateData=No' : `${immData.length} bytes of immediate data exceed FirstBurstLength ${p.firstBurstLength} or the EDTL ${task.edtl}`,
        );
        this.tasks.delete(cmd.itt);
        return false;
      }
    }
    if (cmd.write && task.edtl > 0) {
      if (task.edtl > MAX_WRITE) {
        // Refuse before any data moves: the buffer would be unbounded.
        task.solicitedUpTo = task.edtl;
        task.received = task.edtl;
        task.dataError = undefined;
        (task as TargetTask & { tooLarge?: boolean }).tooLarge = true;
        return true;
      }
      task.buf = Buffer.allocUnsafe(task.edtl);
      if (immData.length) immData.copy(task.buf, 0);
      task.received = immData.length;
      // RFC 7143 11.3.1: F=0 on a write announces unsolicited Data-Out; allowed only with InitialR2T=No.
      if (!cmd.final) {
        if (p.initialR2T) {
          this.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'unsolicited Data-Out announced (F=0) though InitialR2T=Yes');
          this.tasks.delete(cmd.itt);
          return false;
        }
        task.unsolicitedOpen = true;
        task.unsolicitedLimit = Math.min(p.firstBurstLength, task.edtl);
      }
      task.solicitedUpTo = task.unsolicitedOpen ? task.unsolicitedLimit : task.received;
      this.solicit(task);
    }
    return true;
  }

  /** Send R2Ts for what is still missing, within MaxOutstandingR2T and MaxBurstLength. */
  private solicit(task: TargetTask): void {
    if (task.unsolicitedOpen || task.aborted || task.dataError) return;
    const p = this.params;
    const unbounded = this.server.quirks.has(Q_ISCSI.r2tUnbounded);
    // Bounded by MaxOutstandingR2T.
    while (task.solicitedUpTo < task.edtl && (task.r2ts.size < p.maxOutstandingR2T || unbounded)) {
      const len = unbounded ? task.edtl - task.solicitedUpTo : Math.min(p.maxBurstLength, task.edtl - task.solicitedUpTo);
      const r: R2TState = { ttt: this.newTtt(), offset: task.solicitedUpTo, length: len, received: 0, expDataSN: 0 };
      task.r2ts.set(r.ttt, r);
      this.byTtt.set(r.ttt, { task, r2t: r });
      task.solicitedUpTo += len;
      const pdu: R2T = {
        opcode: Opcode.R2T,
        lun: task.lun,
        itt: task.itt,
        ttt: r.ttt,
        statSN: this.statSN,
        expCmdSN: this.expCmdSN,
        maxCmdSN: this.maxCmdSN,
        r2tSN: task.r2tSN++,
        bufferOffset: r.offset,
        desiredDataTransferLength: len,
      };
      this.send(pdu);
    }
  }

  private newTtt(): number {
    // Bounded: skips at most the tags in use.
    for (;;) {
      const t = this.nextTtt;
      this.nextTtt = (this.nextTtt + 1) >>> 0 || 1;
      if (t !== RESERVED_TAG && !this.byTtt.has(t) && t !== this.pingTtt && t !== this.textState?.ttt) return t;
    }
  }

  private onDataOut(d: DataOut, raw: RawPdu): void {
    const len = raw.dataLength;
    const task = this.tasks.get(d.itt);
    if (!task) {
      if (!this.recent.includes(d.itt)) this.reject(RejectReason.INVALID_PDU_FIELD, raw.header, `Data-Out for unknown ITT 0x${d.itt.toString(16)}`);
      return;
    }
    if (task.aborted) return;
    const lax = this.server.quirks.has(Q_ISCSI.datasnUnchecked);
    let seq: { expDataSN: number; start: number; end: number; received: number; done: () => void };
    if (d.ttt === RESERVED_TAG) {
      if (!task.unsolicitedOpen) {
        this.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'unsolicited Data-Out not expected for this command');
        return this.sequenceError(task);
      }
      seq = {
        expDataSN: task.unsolicitedExpDataSN,
        start: task.cmd.data?.length ?? 0,
        end: task.unsolicitedLimit,
        received: task.received,
        done: () => {
          task.unsolicitedOpen = false;
          task.solicitedUpTo = task.received;
          this.solicit(task);
        },
      };
    } else {
      let r = task.r2ts.get(d.ttt);
      if (!r && this.server.quirks.has(Q_ISCSI.tttUnchecked)) {
        r = task.r2ts.values().next().value;
        if (r) d = { ...d, ttt: r.ttt };
      }
      if (!r) {
        this.reject(RejectReason.INVALID_PDU_FIELD, raw.header, `Data-Out with TTT 0x${d.ttt.toString(16)}, not an R2T of this task`);
        return this.sequenceError(task);
      }
      seq = {
        expDataSN: r.expDataSN,
        start: r.offset,
        end: r.offset + r.length,
        received: r.offset + r.received,
        done: () => {
          task.r2ts.delete(r.ttt);
          this.byTtt.delete(r.ttt);
          this.solicit(task);
        },
      };
    }
    // DataPDUInOrder=Yes: each Data-Out continues where the previous one ended, DataSN one more.
    if (!lax && (d.dataSN !== seq.expDataSN || d.bufferOffset !== seq.received || d.bufferOffset + len > seq.end)) {
      this.log(
        `Data-Out ITT 0x${d.itt.toString(16)} DataSN ${d.dataSN} offset ${d.bufferOffset} length ${len}: expected DataSN ${seq.expDataSN} at offset ${seq.received} within ${seq.start}..${seq.end}`,
      );
      // RFC 7143 7.8/7.9: an out-of-order data PDU implies a lost one: Reject, then end the task with
      // CHECK CONDITION once its data has stopped coming.
      this.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'Data-Out out of sequence');
      task.dataError = 'sequence';
    }
    if (len > 0 && d.bufferOffset + len <= task.edtl && task.buf) {
      const dest = task.buf;
      let at = d.bufferOffset;
      for (const p of raw.parts) {
        if (!(p.buffer === dest.buffer && p.byteOffset === dest.byteOffset + at)) p.copy(dest, at);
        at += p.length;
      }
    }
    if (d.ttt === RESERVED_TAG) {
      task.unsolicitedExpDataSN = (d.dataSN + 1) >>> 0;
      task.received = Math.max(task.received, d.bufferOffset + len);
    } else {
      const r = task.r2ts.get(d.ttt)!;
      r.expDataSN = (d.dataSN + 1) >>> 0;
      r.received = Math.max(r.received, d.bufferOffset + len - r.offset);
      task.received += len;
    }
    if (d.final) {
      if (d.ttt !== RESERVED_TAG && task.r2ts.get(d.ttt)!.received < task.r2ts.get(d.ttt)!.length && !task.dataError) {
        this.log(`Data-Out burst for TTT 0x${d.ttt.toString(16)} ended (F) before all ${task.r2ts.get(d.ttt)!.length} bytes came`);
        task.dataError = 'sequence';
      }
      seq.done();
    }
    this.maybeExecute(task);
  }

  private sequenceError(task: TargetTask): void {
    task.dataError ??= 'sequence';
    this.maybeExecute(task);
  }

  private onDataDigestError(any: AnyPdu, raw: RawPdu): void {
    this.reject(RejectReason.DATA_DIGEST_ERROR, raw.header, `data digest error on ${describePdu(any)}`);
    const pdu = any as DataOut;
    if (pdu.opcode === Opcode.DATA_OUT) {
      // RFC 7143 7.8 option b: the task ends with CHECK CONDITION once all its data has come.
      const task = this.tasks.get(pdu.itt);
      if (task) {
        task.dataError = 'crc';
        if (pdu.ttt !== RESERVED_TAG) {
          const r = task.r2ts.get(pdu.ttt);
          if (r) {
            r.expDataSN = (pdu.dataSN + 1) >>> 0;
            r.received = Math.max(r.received, pdu.bufferOffset + raw.dataLength - r.offset);
          }
        }
        if (pdu.final) {
          if (pdu.ttt === RESERVED_TAG) task.unsolicitedOpen = false;
          else if (task.r2ts.delete(pdu.ttt)) this.byTtt.delete(pdu.ttt);
          task.solicitedUpTo = task.edtl;
        }
        this.maybeExecute(task);
      }
    }
    // Any other PDU with a bad data digest is discarded. RFC 7143 7.3: the CmdSN of a rejected
    // command is not considered received (a gap the initiator plugs by retrying with the same CmdSN,
    // or by aborting the task); commands after it wait in CmdSN order until then.
  }

  private dataComplete(task: TargetTask): boolean {
    if (!task.cmd.write || task.edtl === 0) return true;
    if (task.unsolicitedOpen) return false;
    // After a data error no more is solicited: the task ends once the bursts in flight have ended.
    if (task.dataError) return task.r2ts.size === 0;
    return task.received >= task.edtl && task.r2ts.size === 0;
  }

  private maybeExecute(task: TargetTask): void {
    if (!task.ordered || task.executing || task.aborted || task.deferred || !this.dataComplete(task)) return;
    if (!task.dataError && (this.deferred.length > 0 || this.overCommitted(task))) {
      // Flow control: the output is full; tasks start in the order they became ready once it drains.
      task.deferred = true;
      this.deferred.push(task);
      if (this.socket.writableNeedDrain) this.armStall();
      return;
    }
    this.start(task);
  }

  private start(task: TargetTask): void {
    task.executing = true;
    task.reserved = this.readLength(task);
    this.inflight += task.reserved;
    for (const r of task.r2ts.values()) this.byTtt.delete(r.ttt);
    task.r2ts.clear();
    if (task.dataError) {
      // ABORTED COMMAND / PROTOCOL SERVICE CRC ERROR (RFC 7143 11.4.7.2, 7.8).
      this.respond(task, { status: ScsiStatus.CHECK_CONDITION, sense: encodeFixedSense({ key: SenseKey.ABORTED_COMMAND, ascAscq: 0x4705 }) });
      return;
    }
    if ((task as TargetTask & { tooLarge?: boolean }).tooLarge) {
      this.respond(task, { status: ScsiStatus.CHECK_CONDITION, sense: encodeFixedSense({ key: SenseKey.ILLEGAL_REQUEST, ascAscq: Asc.INVALID_FIELD_IN_CDB }) });
      return;
    }
    const attr = task.cmd.attr;
    const attrName: TaskAttribute =
      attr === TaskAttr.ORDERED ? 'ordered' : attr === TaskAttr.HEAD_OF_QUEUE ? 'head-of-queue' : attr === TaskAttr.ACA ? 'aca' : attr === TaskAttr.UNTAGGED ? 'untagged' : 'simple';
    const dataInLength = task.cmd.read ? (task.cmd.write ? task.cmd.bidiReadLength ?? 0 : task.edtl) : 0;
    const req = {
      nexus: this.nexus!,
      lun: task.lunNumber < 0 ? 0xffff : task.lunNumber,
      cdb: task.cmd.cdb,
      dataInLength,
      attr: attrName,
      tag: task.itt,
      ...(task.buf ? { dataOut: task.buf.subarray(0, Math.min(task.received, task.edtl)) } : {}),
    };
    this.node!.device.execute(req).then(
      (res) => this.respond(task, res),
      (e: unknown) => {
        this.log(`device server failed on ITT 0x${task.itt.toString(16)}: ${(e as Error).message}`);
        this.respond(task, { status: ScsiStatus.CHECK_CONDITION, sense: encodeFixedSense({ key: SenseKey.HARDWARE_ERROR, ascAscq: 0x4400 }) });
      },
    );
  }

  /** Send Data-In and status for a finished task (nothing for an aborted one). */
  private respond(task: TargetTask, res: CommandResult): void {
    if (this.state !== 'ffp' || this.tasks.get(task.itt) !== task) return;
    if (res.aborted || (task.aborted && !this.server.quirks.has(Q_ISCSI.abortIgnored))) {
      this.finish(task);
      return;
    }
    const q = this.server.quirks;
    const read = task.cmd.read && !task.cmd.write;
    const data = read ? res.data ?? EMPTY : EMPTY;
    const sendLen = Math.min(data.length, task.edtl);
    // SPDTL: what the command itself would have moved (RFC 7143 11.4.5).
    const spdtl = res.transferLength ?? (read ? data.length : task.cmd.write ? Math.min(task.received, task.edtl) : 0);
    let overflow = spdtl > task.edtl;
    let underflow = spdtl < task.edtl;
    let residual = overflow ? spdtl - task.edtl : task.edtl - spdtl;
    if (q.has(Q_ISCSI.wrongResidual) && (overflow || underflow)) {
      residual += 1;
      overflow = underflow = false;
    }
    const good = res.status === ScsiStatus.GOOD && !res.sense;
    let dataSN = 0;
    if (sendLen > 0) {
      const seg = q.has(Q_ISCSI.mrdslIgnored) ? 1 << 20 : this.params.maxSendDataSegmentLength;
      const burst = this.params.maxBurstLength;
      let inBurst = 0;
      // Bounded by sendLen / seg.
      for (let off = 0; off < sendLen; ) {
        const n = Math.min(seg, sendLen - off, burst - inBurst);
        const last = off + n >= sendLen;
        inBurst += n;
        const endOfBurst = last || inBurst >= burst;
        const collapse = last && good;
        const pdu: DataIn = {
          opcode: Opcode.DATA_IN,
          final: endOfBurst && !(collapse && dataSN > 0 && q.has(Q_ISCSI.noPhaseCollapse)),
          acknowledge: false,
          overflow: collapse && overflow,
          underflow: collapse && underflow,
          statusPresent: collapse,
          status: collapse ? res.status : 0,
          lun: task.lun,
          itt: task.itt,
          ttt: RESERVED_TAG,
          statSN: collapse ? this.takeStatSN() : 0,
          expCmdSN: this.expCmdSN,
          maxCmdSN: 0,
          dataSN: dataSN++,
          bufferOffset: off,
          residualCount: collapse ? residual : 0,
        };
        if (collapse) {
          // The task leaves the window before MaxCmdSN is computed, so the window reopens with this PDU.
          this.finish(task);
        }
        pdu.maxCmdSN = this.maxCmdSN;
        this.send(pdu, data.subarray(off, off + n));
        off += n;
        if (endOfBurst) inBurst = 0;
        if (collapse) return;
      }
    }
    this.finish(task);
    let senseSeg = EMPTY;
    if (res.sense && res.sense.length) {
      senseSeg = Buffer.allocUnsafe(2 + res.sense.length);
      senseSeg.writeUInt16BE(res.sense.length, 0);
      res.sense.copy(senseSeg, 2);
    }
    const rsp: ScsiResponse = {
      opcode: Opcode.SCSI_RESPONSE,
      bidiOverflow: false,
      bidiUnderflow: false,
      overflow,
      underflow,
      response: 0,
      status: res.status,
      itt: task.itt,
      snackTag: 0,
      statSN: this.takeStatSN(),
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      // RFC 7143 11.4.6: the number of Data-In (reads) or R2T (writes) PDUs sent for the command.
      expDataSN: read ? dataSN : task.r2tSN,
      bidiReadResidualCount: 0,
      residualCount: residual,
      data: senseSeg,
    };
    this.send(rsp);
  }

  private finish(task: TargetTask): void {
    if (task.reserved) {
      this.inflight -= task.reserved;
      task.reserved = 0;
      if (this.deferred.length > 0) queueMicrotask(() => this.resumeDeferred());
    }
    if (this.tasks.get(task.itt) === task) this.tasks.delete(task.itt);
    for (const r of task.r2ts.values()) this.byTtt.delete(r.ttt);
    task.r2ts.clear();
    this.recent.push(task.itt);
    if (this.recent.length > RECENT_ITTS) this.recent.shift();
  }

  // ------------------------------------------------------------------------------------------
  // NOP

  private onNopOut(pdu: NopOut): void {
    if (pdu.itt === RESERVED_TAG && !(pdu.ttt === RESERVED_TAG && this.server.quirks.has(Q_ISCSI.nopAnswersUnrequested))) {
      // An answer to our ping (TTT), or a NOP-Out that asks for nothing.
      if (pdu.ttt !== RESERVED_TAG) {
        if (pdu.ttt === this.pingTtt) {
          this.pingTtt = undefined;
          clearTimeout(this.pingDeadline);
        } else {
          this.log(`NOP-Out answers TTT 0x${pdu.ttt.toString(16)}, which no NOP-In of ours carried`);
        }
      }
      return;
    }
    if (this.server.quirks.has(Q_ISCSI.nopNoReply)) return;
    const rsp: NopIn = {
      opcode: Opcode.NOP_IN,
      lun: pdu.lun,
      itt: pdu.itt,
      ttt: RESERVED_TAG,
      statSN: this.takeStatSN(),
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      // RFC 7143 11.19.? : the NOP-In answering a ping returns its data.
      data: this.server.quirks.has(Q_ISCSI.nopNoEcho) ? EMPTY : pdu.data ?? EMPTY,
    };
    this.send(rsp);
  }

  /** NOP-In pings of our own at the configured interval, on an otherwise idle connection. */
  private armPing(): void {
    const interval = this.node?.config.nopInterval ?? this.server.nopIntervalSeconds;
    if (!interval) return;
    this.pingTimer = setInterval(() => {
      if (this.state !== 'ffp' || this.pingTtt !== undefined) return;
      if (Date.now() - this.lastInput < interval * 1000 / 2) return;
      this.pingTtt = this.newTtt();
      const ping: NopIn = {
        opcode: Opcode.NOP_IN,
        lun: 0n,
        itt: RESERVED_TAG,
        ttt: this.pingTtt,
        statSN: this.statSN,
        expCmdSN: this.expCmdSN,
        maxCmdSN: this.maxCmdSN,
        data: EMPTY,
      };
      this.send(ping);
      const limit = this.nopTimeoutSeconds;
      this.pingDeadline = setTimeout(() => {
        if (this.pingTtt !== undefined) this.close(`no answer to a NOP-In ping within ${limit} s`);
      }, limit * 1000);
      this.pingDeadline.unref?.();
    }, interval * 1000);
    this.pingTimer.unref?.();
  }

  // ------------------------------------------------------------------------------------------
  // Task management

  private async onTmf(req: TaskMgmtRequest): Promise<void> {
    const fn = req.function;
    const name = TMF_FUNCTION_NAMES[fn] ?? `function ${fn}`;
    const answer = (response: number) => {
      const rsp: TaskMgmtResponse = {
        opcode: Opcode.TASK_MGMT_RESPONSE,
        response,
        itt: req.itt,
        statSN: this.takeStatSN(),
        expCmdSN: this.expCmdSN,
        maxCmdSN: this.maxCmdSN,
      };
      this.send(rsp);
      this.log(`${name} LUN ${this.lunText(req.lun)}: ${response}`);
    };
    let lun: number;
    try {
      lun = bigIntToLun(req.lun);
    } catch {
      lun = -1;
    }
    const device = this.node!.device;
    const lunKnown = device.luns().includes(lun);
    const map: Record<number, TmfName> = {
      [TmfFunction.ABORT_TASK]: 'abort-task',
      [TmfFunction.ABORT_TASK_SET]: 'abort-task-set',
      [TmfFunction.CLEAR_ACA]: 'clear-aca',
      [TmfFunction.CLEAR_TASK_SET]: 'clear-task-set',
      [TmfFunction.LOGICAL_UNIT_RESET]: 'lun-reset',
      [TmfFunction.TARGET_WARM_RESET]: 'target-warm-reset',
      [TmfFunction.TARGET_COLD_RESET]: 'target-cold-reset',
    };
    if (fn === TmfFunction.TASK_REASSIGN) {
      // RFC 7143 11.5.1: reassignment needs ErrorRecoveryLevel 2.
      answer(TmfResponse.TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED);
      return;
    }
    const tmf = map[fn];
    if (!tmf) {
      answer(TmfResponse.FUNCTION_NOT_SUPPORTED);
      return;
    }
    const lunScoped = fn !== TmfFunction.TARGET_WARM_RESET && fn !== TmfFunction.TARGET_COLD_RESET;
    if (lunScoped && !lunKnown) {
      answer(TmfResponse.LUN_DOES_NOT_EXIST);
      return;
    }
    let outcome: TmfOutcome;
    if (fn === TmfFunction.ABORT_TASK) {
      const t = this.tasks.get(req.referencedTaskTag);
      if (!t || t.lunNumber !== lun) {
        // RFC 7143 11.5.1: a task not received yet, whose RefCmdSN is in the window and below the
        // request's own CmdSN: its CmdSN is considered received (plugging the gap it may have left),
        // and the command is not run if it comes after all.
        const rc = req.refCmdSN;
        if (!t && snLessEq(this.expCmdSN, rc) && snLessEq(rc, this.maxCmdSN) && snLess(rc, req.cmdSN) && !this.early.has(rc)) {
          if (rc === this.expCmdSN) {
            this.expCmdSN = snAdd(rc, 1);
            this.drainEarly();
          } else {
            this.early.set(rc, CMDSN_ABORTED);
          }
          answer(TmfResponse.FUNCTION_COMPLETE);
        } else {
          answer(TmfResponse.TASK_DOES_NOT_EXIST);
        }
        return;
      }
      if (this.server.quirks.has(Q_ISCSI.abortIgnored)) {
        answer(TmfResponse.FUNCTION_COMPLETE);
        return;
      }
      if (!t.executing) {
        this.abortLocal(t);
        outcome = 'complete';
      } else {
        t.aborted = true;
        outcome = await device.taskManagement(this.nexus!, 'abort-task', lun, t.itt);
        if (outcome !== 'complete') t.aborted = false;
      }
    } else {
      // Tasks of this session still gathering data or waiting for their turn end here; the device
      // server ends those it holds, for every nexus the function concerns.
      const keep = this.server.quirks.has(Q_ISCSI.resetKeepsWaiting);
      for (const t of [...this.tasks.values()]) if (!t.executing && !keep && (!lunScoped || t.lunNumber === lun)) this.abortLocal(t);
      for (const t of this.tasks.values()) if ((!lunScoped || t.lunNumber === lun) && !(keep && !t.executing)) t.aborted = true;
      outcome = await device.taskManagement(this.nexus!, tmf, lunScoped ? lun : 0);
      if (outcome !== 'complete') for (const t of this.tasks.values()) t.aborted = false;
      if (outcome === 'complete' && (fn === TmfFunction.TARGET_WARM_RESET || fn === TmfFunction.TARGET_COLD_RESET)) {
        this.server.resetOthers(this, fn === TmfFunction.TARGET_COLD_RESET);
      }
    }
    const code: Record<TmfOutcome, number> = {
      complete: TmfResponse.FUNCTION_COMPLETE,
      'no-such-task': TmfResponse.TASK_DOES_NOT_EXIST,
      'no-such-lun': TmfResponse.LUN_DOES_NOT_EXIST,
      'not-supported': TmfResponse.FUNCTION_NOT_SUPPORTED,
      rejected: TmfResponse.FUNCTION_REJECTED,
    };
    answer(code[outcome]);
    if (fn === TmfFunction.TARGET_COLD_RESET && outcome === 'complete') {
      // RFC 7143 11.5.1: after a cold reset the target drops all of its connections.
      setImmediate(() => this.close('TARGET COLD RESET'));
    }
  }

  private abortLocal(t: TargetTask): void {
    t.aborted = true;
    this.finish(t);
  }

  /** Tasks of this session on `lun` not yet handed to the device server (gathering Data-Out) end without status; how many. */
  endPendingTasks(lun: number): number {
    let n = 0;
    for (const t of [...this.tasks.values()]) {
      if (!t.executing && t.lunNumber === lun) {
        this.abortLocal(t);
        n++;
      }
    }
    return n;
  }

  /** Another session of this node was reset: end this session's local tasks (warm) or the connection (cold). */
  onTargetReset(cold: boolean): void {
    for (const t of [...this.tasks.values()]) if (!t.executing) this.abortLocal(t);
    if (cold) setImmediate(() => this.close('TARGET COLD RESET from another session'));
  }

  private lunText(lun: bigint): string {
    try {
      return String(bigIntToLun(lun));
    } catch {
      return `0x${lun.toString(16)}`;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Text (SendTargets and full-feature negotiation)

  private onText(req: TextRequest, raw: RawPdu | undefined): void {
    const answer = (data: Buffer, final: boolean, ttt: number) => {
      const rsp: TextResponse = {
        opcode: Opcode.TEXT_RESPONSE,
        final,
        continue: !final,
        lun: 0n,
        itt: req.itt,
        ttt,
        statSN: this.takeStatSN(),
        expCmdSN: this.expCmdSN,
        maxCmdSN: this.maxCmdSN,
        data,
      };
      this.send(rsp);
    };
    if (req.ttt !== RESERVED_TAG) {
      // The initiator asks for the next piece of a long answer.
      const st = this.textState;
      if (!st || st.ttt !== req.ttt || st.itt !== req.itt) {
        if (raw) this.reject(RejectReason.INVALID_PDU_FIELD, raw.header, `Text Request with TTT 0x${req.ttt.toString(16)} that no answer of ours carried`);
        return;
      }
      const piece = st.pieces.shift()!;
      const last = st.pieces.length === 0;
      if (last) this.textState = undefined;
      answer(piece, last, last ? RESERVED_TAG : st.ttt);
      return;
    }
    this.textState = undefined;
    let pairs: KeyValue[] | undefined;
    try {
      pairs = this.textIn.add(req.data ?? EMPTY, req.continue);
    } catch (e) {
      if (raw) this.reject(RejectReason.PROTOCOL_ERROR, raw.header, (e as Error).message);
      return;
    }
    if (pairs === undefined) {
      // More of the request to come: acknowledge with an empty, non-final answer.
      answer(EMPTY, false, this.newTtt());
      return;
    }
    const out: KeyValue[] = [];
    const rest: KeyValue[] = [];
    for (const [k, v] of pairs) {
      const sloppy = this.server.quirks.has(Q_ISCSI.sendTargetsSloppy);
      if (k === 'SendTargets' || (sloppy && k.toLowerCase().startsWith('sendtargets'))) out.push(...this.sendTargets(sloppy && /^a/i.test(v) ? 'All' : v));
      else rest.push([k, v]);
    }
    if (rest.length) {
      const r = this.result!.negotiator.receive(rest, 'ffp');
      if (r.fatal) {
        if (raw) this.reject(RejectReason.PROTOCOL_ERROR, raw.header, `${r.fatal.key}: ${r.fatal.problem}`);
        return;
      }
      out.push(...r.replies.filter(([, v]) => !(v === 'NotUnderstood' && this.server.quirks.has(Q_ISCSI.textUnknownKeySilent))));
      const p = this.result!.negotiator.params();
      this.params = { ...this.params, maxSendDataSegmentLength: p.maxSendDataSegmentLength };
    }
    const pieces = splitText(encodeText(out), this.params.maxSendDataSegmentLength);
    if (pieces.length === 1) {
      answer(pieces[0]!, true, RESERVED_TAG);
      return;
    }
    const ttt = this.newTtt();
    this.textState = { itt: req.itt, ttt, pieces: pieces.slice(1), acc: this.textIn };
    answer(pieces[0]!, false, ttt);
  }

  /** SendTargets (RFC 7143 13.3, Appendix C). */
  private sendTargets(value: string): KeyValue[] {
    if (this.server.quirks.has(Q_ISCSI.sendTargetsEmpty)) return [];
    const who = this.result!.initiatorName;
    const lax = this.server.quirks.has(Q_ISCSI.sendTargetsLax);
    let nodes: TargetNode[];
    // Appendix C: All "MUST NOT be supported on an operational session": a normal session gets no
    // targets for it (an empty answer rather than SendTargets=Reject, which libiscsi's discovery parser
    // takes for an error); the empty value names the session's own target, and in a discovery session,
    // logged in to none, nothing.
    if (value === 'All') nodes = this.node && !lax ? [] : this.server.nodes().filter((n) => n.allows(who));
    else if (value === '') nodes = this.node ? [this.node] : lax ? this.server.nodes().filter((n) => n.allows(who)) : [];
    else nodes = this.server.nodes().filter((n) => n.config.iqn === value && n.allows(who));
    const out: KeyValue[] = [];
    for (const n of nodes) {
      out.push(['TargetName', n.config.iqn]);
      for (const a of this.server.portalAddresses(this.socket)) out.push(['TargetAddress', a]);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Logout

  private async onLogout(req: LogoutRequest): Promise<void> {
    if (this.loggingOut) return;
    let code: number = LogoutResponseCode.SUCCESS;
    const lax = this.server.quirks.has(Q_ISCSI.logoutLax);
    if (req.reason === LogoutReason.REMOVE_CONNECTION_FOR_RECOVERY && !lax) code = LogoutResponseCode.RECOVERY_NOT_SUPPORTED;
    else if (req.reason === LogoutReason.CLOSE_CONNECTION && req.cid !== this.result!.cid && !lax) code = LogoutResponseCode.CID_NOT_FOUND;
    if (code === LogoutResponseCode.SUCCESS) {
      this.loggingOut = true;
      // Commands already executing finish first (bounded wait); those still gathering data end here.
      const waits = this.server.quirks.has(Q_ISCSI.logoutWaitsForData);
      if (!waits) for (const t of [...this.tasks.values()]) if (!t.executing) this.abortLocal(t);
      const until = Date.now() + (waits ? 30_000 : 2000);
      // Bounded: 2 s (30 s with the quirk).
      while (this.tasks.size > 0 && Date.now() < until && this.state === 'ffp') await new Promise((r) => setTimeout(r, 5));
      for (const t of [...this.tasks.values()]) t.aborted = true;
    }
    const rsp: LogoutResponse = {
      opcode: Opcode.LOGOUT_RESPONSE,
      response: code,
      itt: req.itt,
      statSN: this.takeStatSN(),
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      time2Wait: 0,
      time2Retain: 0,
    };
    this.send(rsp);
    if (code === LogoutResponseCode.SUCCESS) {
      this.log(`logout: ${this.result!.initiatorName} TSIH ${this.result!.tsih}`);
      this.server.sessionEnded(this, 'logout');
      if (!this.server.quirks.has(Q_ISCSI.logoutKeepsConnection)) this.socket.end();
      this.state = 'closed';
      this.cleanup();
    }
  }

  /** Ask the initiator to log out within `seconds` (asynchronous event 1); the caller drops it if it does not. */
  requestLogout(seconds: number): void {
    if (this.state !== 'ffp') return;
    const msg: AsyncMessage = {
      opcode: Opcode.ASYNC_MESSAGE,
      lun: 0n,
      statSN: this.takeStatSN(),
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      asyncEvent: 1,
      asyncVCode: 0,
      parameter1: 0,
      parameter2: 0,
      parameter3: seconds,
    };
    this.send(msg);
  }

  // ------------------------------------------------------------------------------------------
  // Closing

  private cleanup(): void {
    clearTimeout(this.loginTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pingDeadline);
    clearTimeout(this.stallTimer);
    this.deferred.length = 0;
    for (const t of this.tasks.values()) t.aborted = true;
    this.tasks.clear();
    this.byTtt.clear();
    this.early.clear();
  }

  /** Drop the connection. `fromSocket`: the socket already ended or failed. */
  close(why: string, fromSocket = false): void {
    if (this.state === 'closed') {
      if (!fromSocket) this.socket.destroy();
      return;
    }
    const wasFfp = this.state === 'ffp';
    this.state = 'closed';
    this.closeReason = why;
    this.cleanup();
    if (wasFfp) {
      this.log(`connection of ${this.result!.initiatorName} TSIH ${this.result!.tsih} ended: ${why}`);
      this.server.sessionEnded(this, 'loss');
    }
    // Let what was queued (a final Login Response, a Reject) go out before the socket closes.
    if (this.socket.writableLength > 0 && !fromSocket) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref?.();
    } else {
      this.socket.destroy();
    }
    this.server.connectionClosed(this);
  }

  get reason(): string {
    return this.closeReason;
  }
}
