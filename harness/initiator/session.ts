/**
 * An iSCSI session of the embedded initiator (one connection, ErrorRecoveryLevel 0). The session logs
 * in, then dispatches what arrives to one handler a PDU family, each in its own file over the shared
 * state of session-state.ts (task table, CmdSN window, deadlines, send path):
 *
 *   scsi-task.ts        SCSI Command, Data-Out / R2T, Data-In, SCSI Response
 *   nop.ts              NOP-Out pings and answers to the target's NOP-In
 *   task-management.ts  TMF requests and the tasks they end
 *   text.ts             Text exchanges and SendTargets
 *   logout.ts           Logout, and logout asked for by an Asynchronous Message
 *   raw-access.ts       hand-built PDUs and bytes, waiting for PDUs, for negative tests
 *
 * Rejects, Asynchronous Messages and the end of the connection are handled here. The methods of this
 * class are the initiator's public surface (harness/context.ts, the probe, suites and tests use them).
 */
import { EventEmitter } from 'node:events';
import {
  AnyPdu,
  AsyncMessage,
  describePdu,
  KeyValue,
  LoginResponse,
  LogoutReason,
  LogoutResponse,
  Negotiator,
  NopIn,
  Opcode,
  opcodeName,
  Reject,
  rejectReasonName,
  RejectReason,
  SessionParams,
  snAdd,
  snLessEq,
  TmfFunction,
} from '../../protocol/iscsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import { Connection, ConnectionHooks, TraceEntry } from './connection.js';
import { LoginMachine, LoginOutcome } from './login.js';
import { LogoutExchange } from './logout.js';
import { NopExchange, type NopOptions } from './nop.js';
import { RawAccess } from './raw-access.js';
import { ScsiTasks } from './scsi-task.js';
import { GONE, SessionState, type TaskKind } from './session-state.js';
import type { CommandOptions, DiscoveredTarget, ScsiResult, SessionOptions, TmfResult } from './session-types.js';
import { TaskManagement, type TmfOptions } from './task-management.js';
import { TextExchange } from './text.js';

export * from './session-types.js';
export { parseSendTargets, decodeTextPairs } from './text.js';

/** The request a rejected PDU's opcode stands for: only a rejected command PDU ends its task. */
const REJECTED_KINDS: Record<number, TaskKind> = {
  [Opcode.SCSI_COMMAND]: 'scsi',
  [Opcode.NOP_OUT]: 'nop',
  [Opcode.TASK_MGMT_REQUEST]: 'tmf',
  [Opcode.TEXT_REQUEST]: 'text',
  [Opcode.LOGOUT_REQUEST]: 'logout',
};

export class Session extends EventEmitter {
  readonly conn: Connection;
  readonly options: SessionOptions;
  login!: LoginOutcome;
  /** Asynchronous messages received. */
  readonly asyncMessages: AsyncMessage[] = [];
  /** Reject PDUs received. */
  readonly rejects: Reject[] = [];
  /** ABORT TASK requests sent to plug the CmdSN gap a rejected command left. */
  plugs = 0;
  private readonly state: SessionState;
  private readonly scsi: ScsiTasks;
  private readonly nops: NopExchange;
  private readonly tmf: TaskManagement;
  private readonly texts: TextExchange;
  private readonly logouts: LogoutExchange;
  private readonly raw: RawAccess;
  private loginMachine: LoginMachine | undefined;
  private loginWait: { resolve: (o: LoginOutcome) => void; reject: (e: IscsiError) => void } | undefined;

  private constructor(conn: Connection, options: SessionOptions) {
    super();
    this.conn = conn;
    this.options = options;
    this.state = new SessionState(conn, options, this);
    this.scsi = new ScsiTasks(this.state);
    this.nops = new NopExchange(this.state);
    this.tmf = new TaskManagement(this.state);
    this.texts = new TextExchange(this.state);
    this.logouts = new LogoutExchange(this.state);
    this.raw = new RawAccess(this.state);
    conn.on('pdu', (pdu: AnyPdu) => this.onPdu(pdu));
    conn.placeData = (h, n) => this.scsi.placeDataIn(h, n);
    conn.on('closed', (err: IscsiError) => this.onClosed(err));
    conn.on('dropped', (pdu: AnyPdu) => this.state.resyncNumbers(pdu));
  }

  /** Connect and log in. Errors: ISCSI_E_CONNECT, ISCSI_E_TIMEOUT, ISCSI_E_AUTH, ISCSI_E_LOGIN, ISCSI_E_NEGOTIATION, ISCSI_E_PROTOCOL, ISCSI_E_CLOSED. */
  static async open(options: SessionOptions, hooks: ConnectionHooks = {}): Promise<Session> {
    const conn = await Connection.connect({
      host: options.host,
      port: options.port,
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.trace ? { trace: true } : {}),
    });
    Object.assign(conn.hooks, hooks);
    const s = new Session(conn, options);
    try {
      await s.doLogin();
    } catch (e) {
      conn.destroy('closed after a failed login');
      throw e;
    }
    return s;
  }

  // ------------------------------------------------------------------------------------------
  // State

  get params(): SessionParams {
    return this.state.params;
  }
  set params(p: SessionParams) {
    this.state.params = p;
  }
  /** CmdSN for the next non-immediate command. */
  get cmdSN(): number {
    return this.state.cmdSN;
  }
  set cmdSN(n: number) {
    this.state.cmdSN = n;
  }
  get expCmdSN(): number {
    return this.state.expCmdSN;
  }
  set expCmdSN(n: number) {
    this.state.expCmdSN = n;
  }
  get maxCmdSN(): number {
    return this.state.maxCmdSN;
  }
  set maxCmdSN(n: number) {
    this.state.maxCmdSN = n;
  }
  get expStatSN(): number {
    return this.state.expStatSN;
  }
  set expStatSN(n: number) {
    this.state.expStatSN = n;
  }
  /** NOP-In pings the target sent (TTT valid), answered or not. */
  get targetPings(): NopIn[] {
    return this.nops.targetPings;
  }
  get hooks(): ConnectionHooks {
    return this.conn.hooks;
  }
  get trace(): TraceEntry[] | undefined {
    return this.conn.trace;
  }
  get negotiator(): Negotiator {
    return this.login.negotiator;
  }
  get isOpen(): boolean {
    return this.state.phase === 'ffp';
  }
  get where(): string {
    return this.state.where;
  }
  /** Tasks still waiting for an answer. */
  get outstanding(): number {
    return this.state.tasks.size;
  }
  /** True while the target accepts another non-immediate command. */
  get windowOpen(): boolean {
    return this.state.windowOpen;
  }
  /** The error that ended the session, if it has ended. */
  get closeReason(): IscsiError | undefined {
    return this.state.closeError;
  }

  /** ITTs of the requests still waiting for an answer, queued ones included (to name one in a TMF). */
  outstandingItts(): number[] {
    return [...this.state.tasks.keys()];
  }

  /** A fresh Initiator Task Tag, never 0xffffffff and never one in use. */
  allocItt(): number {
    return this.state.allocItt();
  }

  // ------------------------------------------------------------------------------------------
  // Login

  private doLogin(): Promise<void> {
    const limit = this.options.loginTimeoutMs ?? this.options.timeoutMs ?? 15_000;
    const itt = this.state.allocItt();
    const m = new LoginMachine(this.options, itt, this.state.cmdSN);
    this.loginMachine = m;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.loginWait = undefined;
        reject(new IscsiError('ISCSI_E_TIMEOUT', `login to ${this.where} did not complete within ${limit} ms`));
      }, limit);
      this.loginWait = {
        resolve: () => {
          clearTimeout(timer);
          this.loginWait = undefined;
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          this.loginWait = undefined;
          reject(e);
        },
      };
      try {
        this.conn.send(m.start());
      } catch (e) {
        this.loginWait.reject(e as IscsiError);
      }
    });
  }

  private onLoginResponse(rsp: LoginResponse): void {
    const m = this.loginMachine!;
    let next;
    try {
      next = m.handle(rsp);
    } catch (e) {
      this.loginWait?.reject(e as IscsiError);
      this.conn.destroy('closed after a failed login');
      return;
    }
    if ('request' in next) {
      this.conn.send(next.request);
      return;
    }
    const o = next.done;
    const st = this.state;
    this.login = o;
    st.params = o.params;
    st.expStatSN = snAdd(o.statSN, 1);
    st.cmdSN = o.expCmdSN;
    st.expCmdSN = o.expCmdSN;
    st.maxCmdSN = o.maxCmdSN;
    st.loginExpCmdSN = o.expCmdSN;
    // Digests and the data-segment limit apply from the first PDU after the final Login Response
    // (RFC 7143 13.1): set them now, synchronously, before the parser reads on. The limit is what we
    // declared, even below the 8192 bytes of login (RFC 7143 13.12).
    this.conn.parser.headerDigest = o.params.headerDigest;
    this.conn.parser.dataDigest = o.params.dataDigest;
    this.conn.parser.maxDataSegmentLength = o.params.maxRecvDataSegmentLength;
    this.conn.sendHeaderDigest = o.params.headerDigest;
    this.conn.sendDataDigest = o.params.dataDigest;
    st.phase = 'ffp';
    this.loginMachine = undefined;
    this.loginWait?.resolve(o);
  }

  // ------------------------------------------------------------------------------------------
  // Requests (each family's file does the work)

  /** Run a SCSI command. A non-GOOD status is a result, not an error; transport failures are errors. */
  command(o: CommandOptions): Promise<ScsiResult> {
    return this.scsi.command(o);
  }

  /** NOP-Out ping (ITT valid): resolves with the NOP-In, whose data must echo ours (RFC 7143 11.18.5). */
  nop(opts: NopOptions = {}): Promise<NopIn> {
    return this.nops.ping(opts);
  }

  /**
   * Task management (RFC 7143 11.5), sent immediate. On "function complete" the tasks the function
   * ends (the referenced task, or every task of the LUN or the target) are failed with ISCSI_E_ABORTED.
   */
  taskManagement(fn: number, opts: TmfOptions = {}): Promise<TmfResult> {
    return this.tmf.request(fn, opts);
  }
  abortTask(itt: number, opts: { lun?: number | bigint; timeoutMs?: number } = {}): Promise<TmfResult> {
    return this.tmf.abortTask(itt, opts);
  }
  lunReset(lun?: number | bigint, timeoutMs?: number): Promise<TmfResult> {
    return this.tmf.lunReset(lun, timeoutMs);
  }

  /**
   * A text exchange in full feature phase (RFC 7143 11.10-11.11), following continuations (C bit)
   * with empty requests carrying the target's TTT. Resolves with every pair, in order.
   */
  text(pairs: KeyValue[], opts: { timeoutMs?: number; maxExchanges?: number } = {}): Promise<KeyValue[]> {
    return this.texts.text(pairs, opts);
  }
  /** SendTargets (RFC 7143 13.3, Appendix C) in this session. */
  sendTargets(value = 'All', timeoutMs?: number): Promise<DiscoveredTarget[]> {
    return this.texts.sendTargets(value, timeoutMs);
  }

  /**
   * Logout (RFC 7143 11.14). Outstanding tasks are failed with ISCSI_E_ABORTED once the target answers.
   * A refusal (any response but 0) throws ISCSI_E_LOGOUT and leaves the session as it was. `cid`: the
   * connection named by reasons 1 and 2 (default this connection's).
   */
  logout(reason: number = LogoutReason.CLOSE_SESSION, timeoutMs?: number, cid?: number): Promise<LogoutResponse> {
    return this.logouts.logout(reason, timeoutMs, cid);
  }

  /** Close TCP at once, without Logout (an I_T nexus loss as the target sees it). */
  destroy(): void {
    this.conn.destroy('closed by the initiator without logout');
  }

  /** Log out if possible, else drop the connection; never throws. */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.state.phase === 'ffp') {
      try {
        await this.logout(LogoutReason.CLOSE_SESSION, timeoutMs);
        return;
      } catch {
        /* fall through */
      }
    }
    this.destroy();
  }

  // ------------------------------------------------------------------------------------------
  // Raw access for negative tests

  /** Send any PDU through the hooks, with no bookkeeping (the caller chose every field). */
  sendPdu(pdu: AnyPdu): boolean {
    return this.raw.sendPdu(pdu);
  }
  /** Send bytes as they are. */
  sendRaw(...bufs: Buffer[]): void {
    this.raw.sendRaw(bufs);
  }
  /** Take the next CmdSN as a non-immediate command would (for hand-built PDUs). */
  takeCmdSN(): number {
    return this.state.takeCmdSN();
  }
  /** Wait for the next received PDU matching `pred`, or reject after `timeoutMs`. */
  waitFor(pred: (p: AnyPdu) => boolean, timeoutMs: number, what = 'a PDU', signal?: AbortSignal): Promise<AnyPdu> {
    return this.raw.waitFor(pred, timeoutMs, what, signal);
  }
  /** Resolves when the connection has closed (with the reason), or after timeoutMs with undefined. */
  waitClosed(timeoutMs: number, signal?: AbortSignal): Promise<IscsiError | undefined> {
    return this.raw.waitClosed(timeoutMs, signal);
  }

  // ------------------------------------------------------------------------------------------
  // Input: the dispatcher

  private onPdu(pdu: AnyPdu): void {
    const st = this.state;
    this.raw.offer(pdu);
    if ('unknown' in pdu) throw new IscsiError('ISCSI_E_PROTOCOL', `target sent ${opcodeName(pdu.opcode)}, which is not a target opcode`);
    if (st.phase === 'login') {
      if (pdu.opcode !== Opcode.LOGIN_RESPONSE) {
        throw new IscsiError('ISCSI_E_PROTOCOL', `during login the target sent ${describePdu(pdu)} instead of a Login Response`);
      }
      this.onLoginResponse(pdu);
      return;
    }
    // StatSN, ExpCmdSN and MaxCmdSN are checked on every PDU from the first after login on, whatever
    // task it belongs to (a Reject's StatSN advances too, RFC 7143 11.17.3).
    st.acceptNumbers(pdu);
    switch (pdu.opcode) {
      case Opcode.DATA_IN: {
        const t = st.taskFor(pdu.itt, 'scsi', pdu);
        // A task that timed out or was ended here may still get data: set it aside (its numbers were taken).
        if (t !== GONE) this.scsi.onDataIn(pdu, t);
        return;
      }
      case Opcode.SCSI_RESPONSE: {
        const t = st.taskFor(pdu.itt, 'scsi', pdu);
        if (t !== GONE) this.scsi.onScsiResponse(pdu, t);
        return;
      }
      case Opcode.R2T: {
        const t = st.taskFor(pdu.itt, 'scsi', pdu);
        if (t !== GONE) this.scsi.onR2T(pdu, t);
        return;
      }
      case Opcode.NOP_IN:
        return this.nops.onNopIn(pdu);
      case Opcode.TASK_MGMT_RESPONSE:
        return this.tmf.onResponse(pdu);
      case Opcode.TEXT_RESPONSE:
        return this.texts.onTextResponse(pdu);
      case Opcode.LOGOUT_RESPONSE:
        return this.logouts.onResponse(pdu);
      case Opcode.ASYNC_MESSAGE:
        this.asyncMessages.push(pdu);
        this.emit('async', pdu);
        if (pdu.asyncEvent === 1) this.logouts.onLogoutRequested(pdu);
        return;
      case Opcode.REJECT:
        return this.onReject(pdu);
      case Opcode.LOGIN_RESPONSE:
        throw new IscsiError('ISCSI_E_PROTOCOL', 'target sent a Login Response in full feature phase');
      default:
        throw new IscsiError('ISCSI_E_PROTOCOL', `target sent ${opcodeName(pdu.opcode)}, an initiator opcode`);
    }
  }

  private onReject(pdu: Reject): void {
    const st = this.state;
    this.rejects.push(pdu);
    this.emit('reject', pdu);
    const hdr = pdu.data ?? Buffer.alloc(0);
    if (hdr.length < 48) return;
    // A Reject does not end a task by itself (RFC 7143 11.17.1): a rejected Data-Out or SNACK leaves
    // the command to be answered, and a duplicate ITT ("task in progress") names the live original.
    // Only a rejected command PDU means no answer will come for that command.
    const kind = REJECTED_KINDS[hdr[0]! & 0x3f];
    if (!kind || pdu.reason === RejectReason.TASK_IN_PROGRESS) return;
    const t = st.tasks.get(hdr.readUInt32BE(16));
    if (t && t.kind === kind) {
      st.failTask(t, new IscsiError('ISCSI_E_REJECT', `${t.what}: the target rejected it: ${rejectReasonName(pdu.reason)}`, { reason: pdu.reason }));
      // RFC 7143 11.17.1: the CmdSN of a rejected non-immediate command is not considered received;
      // the initiator plugs the gap, or every later command waits behind it. We plug it with ABORT
      // TASK naming that CmdSN (RFC 7143 11.5.1, 6.9), unless the Reject's ExpCmdSN shows the target
      // counted it anyway.
      if (t.ordered && this.options.plugCmdSNGaps !== false && st.phase === 'ffp' && snLessEq(pdu.expCmdSN, t.cmdSN)) {
        this.plugs++;
        void this.tmf.request(TmfFunction.ABORT_TASK, { lun: t.lun, referencedTaskTag: t.itt, refCmdSN: t.cmdSN }).catch(() => {});
      }
    }
  }

  private onClosed(err: IscsiError): void {
    const st = this.state;
    const was = st.phase;
    st.stopSweep();
    st.phase = 'closed';
    st.closeError = err;
    if (was === 'login') this.loginWait?.reject(err);
    st.waiting.splice(0);
    st.failAll((t) => new IscsiError(err.code === 'ISCSI_E_CLOSED' ? 'ISCSI_E_CLOSED' : err.code, `${t.what}: ${err.message}`, err.details));
    this.emit('closed', err);
  }

  /** Text of the last `n` trace entries, for failure reports. */
  traceText(n = 50): string {
    const t = this.conn.trace ?? [];
    return t
      .slice(-n)
      .map((e) => `${new Date(e.time).toISOString().slice(11, 23)} ${e.dir === 'send' ? '>>' : '<<'} ${e.text}`)
      .join('\n');
  }
}
