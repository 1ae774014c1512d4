/**
 * An iSCSI session of the embedded initiator (one connection, ErrorRecoveryLevel 0): login, the CmdSN
 * window (commands wait while it is closed), ITT allocation, SCSI tasks with Data-In (many PDUs,
 * status in the last), Data-Out (immediate data, unsolicited data up to FirstBurstLength, R2T-driven
 * bursts), NOP-Out pings and answers to the target's NOP-In, task management, text (SendTargets),
 * logout, asynchronous messages, a time limit on every request, and hooks for negative tests.
 */
import { EventEmitter } from 'node:events';
import {
  AnyPdu,
  AsyncMessage,
  DataIn,
  DataOut,
  decodeText,
  describePdu,
  encodeText,
  KeyValue,
  LoginResponse,
  LogoutRequest,
  LogoutResponse,
  Negotiator,
  NopIn,
  NopOut,
  Opcode,
  opcodeName,
  R2T,
  Reject,
  rejectReasonName,
  RejectReason,
  RESERVED_TAG,
  ScsiCommand,
  ScsiResponse,
  SessionParams,
  snAdd,
  snLess,
  snLessEq,
  TaskAttr,
  TaskMgmtRequest,
  TaskMgmtResponse,
  TextAccumulator,
  TextRequest,
  TextResponse,
  TMF_FUNCTION_NAMES,
  TMF_RESPONSE_NAMES,
  TmfFunction,
  TmfResponse,
  LogoutReason,
} from '../../protocol/iscsi/index.js';
import { describeCdb, decodeSense, lunToBigInt, Sense } from '../../protocol/scsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import { Connection, ConnectionHooks, TraceEntry } from './connection.js';
import { LoginMachine, LoginOptions, LoginOutcome } from './login.js';
import { hostPort } from './url.js';

export interface SessionOptions extends LoginOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  /** Time limit of the whole login. */
  loginTimeoutMs?: number;
  /** Default time limit of each request (command, TMF, NOP, text, logout). */
  timeoutMs?: number;
  /** LUN used when a command names none. */
  lun?: number;
  /** Keep a trace of every PDU (for --trace and failure reports). */
  trace?: boolean;
  /** Answer the target's NOP-In pings (default true). */
  answerNopIn?: boolean;
  /** Plug the CmdSN gap a rejected command leaves with ABORT TASK (default true; RFC 7143 11.17.1). */
  plugCmdSNGaps?: boolean;
  /**
   * On an Asynchronous Message asking for logout (AsyncEvent 1), let the commands in flight end,
   * refuse new ones and log out within the time the target gave (default true; RFC 7143 11.9.1).
   */
  honourLogoutRequest?: boolean;
}

export interface CommandOptions {
  cdb: Buffer;
  lun?: number | bigint;
  /** Bytes expected from the target (sets R and, unless `edtl` is given, Expected Data Transfer Length). */
  dataIn?: number;
  /** Bytes to send (sets W). */
  dataOut?: Buffer;
  /**
   * Where Data-In goes (at its Buffer Offset); at least `dataIn` bytes. Reusing one buffer across
   * commands keeps a read loop free of allocations. Default: a new buffer per command.
   */
  into?: Buffer;
  /** Expected Data Transfer Length as sent, overriding what dataIn/dataOut imply (residual tests). */
  edtl?: number;
  /** Override the R and W bits. */
  readFlag?: boolean;
  writeFlag?: boolean;
  attr?: number;
  /** Send with the I bit (immediate delivery; CmdSN does not advance). */
  immediate?: boolean;
  timeoutMs?: number;
  /** Use immediate data if negotiated (default true). */
  useImmediateData?: boolean;
  /** Send unsolicited Data-Out if InitialR2T=No (default true). */
  sendUnsolicited?: boolean;
  /** Largest data segment per Data-Out PDU (default: the target's MaxRecvDataSegmentLength). */
  dataOutSegment?: number;
  /** Called with each Data-Out PDU before it is sent (negative tests may alter it or return null to drop it). */
  alterDataOut?: (pdu: DataOut, index: number) => DataOut | null;
  /** Called once the command PDU has been handed to the socket. */
  onSent?: (itt: number, cmdSN: number) => void;
}

export interface ScsiResult {
  itt: number;
  cmdSN: number;
  /** The iSCSI response code (0 = command completed at target). */
  response: number;
  status: number;
  /** Sense data without the 2-byte SenseLength. */
  senseData?: Buffer;
  sense?: Sense;
  /** Why the sense data could not be decoded, if it could not. */
  senseError?: string;
  /** Data-In received (a view of `into` when one was given). */
  data: Buffer;
  residual: { overflow: boolean; underflow: boolean; count: number };
  bidiResidual?: { overflow: boolean; underflow: boolean; count: number };
  dataInPdus: number;
  dataOutPdus: number;
  r2ts: number;
  /** Whether the status came in the final Data-In (phase collapse) rather than a SCSI Response. */
  statusInDataIn: boolean;
  /** Describes the command, for messages. */
  readonly what: string;
}

export interface TmfResult {
  response: number;
  responseName: string;
  /** The target's answer; absent when the initiator settled the request itself (`local`). */
  pdu?: TaskMgmtResponse;
  /**
   * ABORT TASK of a command still queued in the initiator (the CmdSN window was closed, so it never
   * left): it is dropped without a word to the target, which never saw it, and reported complete.
   */
  local?: boolean;
}

export interface DiscoveredTarget {
  name: string;
  addresses: { host: string; port: number; tpgt: number; raw: string }[];
}

type TaskKind = 'scsi' | 'tmf' | 'nop' | 'text' | 'logout';

interface Task {
  kind: TaskKind;
  itt: number;
  cmdSN: number;
  what: string;
  resolve: (v: unknown) => void;
  reject: (e: IscsiError) => void;
  /** When the task times out (ms since epoch); checked by the session's sweep. */
  deadline: number;
  timeoutMs: number;
  lun: bigint;
  /** Sent as a non-immediate request: it took a CmdSN of the window. */
  ordered?: boolean;
  // scsi
  edtl?: number;
  /** The command had the R bit: only then may Data-In come. */
  read?: boolean;
  dataOut?: Buffer;
  opts?: CommandOptions;
  /** Data-In lands here. */
  dest?: Buffer;
  received?: number;
  expDataSN?: number;
  dataOutPdus?: number;
  r2ts?: number;
  dataInPdus?: number;
  expectedR2TSN?: number;
  // text
  text?: TextAccumulator;
  textPairs?: KeyValue[];
}

type Queued = { task: Task; send: () => void };

const ZERO: Buffer = Buffer.alloc(0);
/** Data-In segments at least this long are placed straight into their task's buffer. */
const PLACE_MIN = 4096;
/** How often the session checks request deadlines: the granularity of every time limit. */
const SWEEP_MS = 50;
let nextIttSeed = 0x1000;

export class Session extends EventEmitter {
  readonly conn: Connection;
  readonly options: SessionOptions;
  login!: LoginOutcome;
  params!: SessionParams;
  /** CmdSN for the next non-immediate command. */
  cmdSN = 1;
  expCmdSN = 1;
  maxCmdSN = 1;
  expStatSN = 0;
  private itt = nextIttSeed;
  private readonly tasks = new Map<number, Task>();
  private readonly waiting: Queued[] = [];
  private state: 'login' | 'ffp' | 'logout' | 'closed' = 'login';
  private loginMachine: LoginMachine | undefined;
  private loginWait: { resolve: (o: LoginOutcome) => void; reject: (e: IscsiError) => void } | undefined;
  /** Asynchronous messages received. */
  readonly asyncMessages: AsyncMessage[] = [];
  /** Reject PDUs received. */
  readonly rejects: Reject[] = [];
  /** NOP-In pings the target sent (TTT valid), answered or not. */
  readonly targetPings: NopIn[] = [];
  private readonly pduWaiters = new Set<{ pred: (p: AnyPdu) => boolean; resolve: (p: AnyPdu) => void }>();
  private closeError: IscsiError | undefined;

  private constructor(conn: Connection, options: SessionOptions) {
    super();
    this.conn = conn;
    this.options = options;
    nextIttSeed = (nextIttSeed + 0x10000) >>> 0;
    conn.on('pdu', (pdu: AnyPdu) => this.onPdu(pdu));
    conn.placeData = (h, n) => this.placeDataIn(h, n);
    conn.on('closed', (err: IscsiError) => this.onClosed(err));
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
    return this.state === 'ffp';
  }
  get where(): string {
    return hostPort(this.options.host, this.options.port);
  }
  /** Tasks still waiting for an answer. */
  get outstanding(): number {
    return this.tasks.size;
  }

  private doLogin(): Promise<void> {
    const limit = this.options.loginTimeoutMs ?? this.options.timeoutMs ?? 15_000;
    const itt = this.allocItt();
    const m = new LoginMachine(this.options, itt, this.cmdSN);
    this.loginMachine = m;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.loginWait = undefined;
        reject(new IscsiError('ISCSI_E_TIMEOUT', `login to ${this.where} did not complete within ${limit} ms`));
      }, limit);
      this.loginWait = {
        resolve: (o) => {
          clearTimeout(timer);
          this.loginWait = undefined;
          resolve();
          void o;
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
    this.login = o;
    this.params = o.params;
    this.expStatSN = snAdd(o.statSN, 1);
    this.cmdSN = o.expCmdSN;
    this.expCmdSN = o.expCmdSN;
    this.maxCmdSN = o.maxCmdSN;
    // Digests and the data-segment limit apply from the first PDU after the final Login Response
    // (RFC 7143 13.1): set them now, synchronously, before the parser reads on. The limit is what we
    // declared, even below the 8192 bytes of login (RFC 7143 13.12).
    this.conn.parser.headerDigest = o.params.headerDigest;
    this.conn.parser.dataDigest = o.params.dataDigest;
    this.conn.parser.maxDataSegmentLength = o.params.maxRecvDataSegmentLength;
    this.conn.sendHeaderDigest = o.params.headerDigest;
    this.conn.sendDataDigest = o.params.dataDigest;
    this.state = 'ffp';
    this.loginMachine = undefined;
    this.loginWait?.resolve(o);
  }

  // ------------------------------------------------------------------------------------------
  // Numbers

  /** A fresh Initiator Task Tag, never 0xffffffff and never one in use. */
  allocItt(): number {
    // At most tasks.size + 1 tries.
    for (;;) {
      this.itt = (this.itt + 1) >>> 0;
      if (this.itt !== RESERVED_TAG && !this.tasks.has(this.itt)) return this.itt;
    }
  }

  /** Track ExpCmdSN/MaxCmdSN from a target PDU (RFC 7143 4.2.2.1): ignore stale or inconsistent values. */
  private updateWindow(expCmdSN: number, maxCmdSN: number): void {
    if (snLess(maxCmdSN, (expCmdSN - 1) >>> 0)) return;
    if (snLess(this.expCmdSN, expCmdSN)) this.expCmdSN = expCmdSN;
    if (snLess(this.maxCmdSN, maxCmdSN)) this.maxCmdSN = maxCmdSN;
    this.flushWaiting();
  }

  private updateStatSN(statSN: number): void {
    const next = snAdd(statSN, 1);
    if (snLess(this.expStatSN, next)) this.expStatSN = next;
  }

  /** True while the target accepts another non-immediate command. */
  get windowOpen(): boolean {
    return snLessEq(this.cmdSN, this.maxCmdSN);
  }

  private flushWaiting(): void {
    // Bounded by the queue length.
    while (this.waiting.length > 0 && this.windowOpen && this.state === 'ffp') {
      const q = this.waiting.shift()!;
      q.send();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Tasks

  /** `what` names the request in messages; a function is called only if a message needs it. */
  private addTask(kind: TaskKind, what: string | (() => string), timeoutMs: number | undefined, lun: bigint, extra: Partial<Task> = {}): { task: Task; promise: Promise<unknown> } {
    if (this.state !== 'ffp') {
      const why = this.closeError ? `: ${this.closeError.message}` : '';
      throw new IscsiError('ISCSI_E_CLOSED', `${typeof what === 'function' ? what() : what}: session to ${this.where} is not in full feature phase (${this.state})${why}`);
    }
    if (this.logoutRequested && kind !== 'logout') {
      throw new IscsiError('ISCSI_E_CLOSED', `${typeof what === 'function' ? what() : what}: not sent: ${this.logoutRequested}`);
    }
    const itt = this.allocItt();
    let task!: Task;
    let named: string | undefined = typeof what === 'string' ? what : undefined;
    const promise = new Promise<unknown>((resolve, reject) => {
      task = {
        kind,
        itt,
        cmdSN: 0,
        get what(): string {
          return (named ??= (what as () => string)());
        },
        resolve,
        reject,
        deadline: 0,
        timeoutMs: timeoutMs ?? this.options.timeoutMs ?? 30_000,
        lun,
        ...extra,
      };
    });
    this.tasks.set(itt, task);
    return { task, promise };
  }

  /**
   * Arm the task's time limit. One sweep timer a session checks every deadline (cheaper than a
   * timer per command on the data path); it runs only while tasks are outstanding.
   */
  private armTimer(task: Task): void {
    task.deadline = Date.now() + task.timeoutMs;
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweeper.unref?.();
    }
  }

  private sweeper: NodeJS.Timeout | undefined;

  private sweep(): void {
    const now = Date.now();
    // Bounded by the number of outstanding tasks.
    for (const task of [...this.tasks.values()]) {
      if (task.deadline > now) continue;
      this.tasks.delete(task.itt);
      const wq = this.waiting.findIndex((q) => q.task === task);
      const why = wq >= 0 ? ' (it never left the initiator: the CmdSN window stayed closed, MaxCmdSN ' + this.maxCmdSN + ')' : '';
      if (wq >= 0) this.waiting.splice(wq, 1);
      task.reject(new IscsiError('ISCSI_E_TIMEOUT', `${task.what}: no response from ${this.where} within ${task.timeoutMs} ms${why}`, { itt: task.itt }));
    }
    if (this.tasks.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private finishTask(task: Task, value: unknown): void {
    if (this.tasks.get(task.itt) !== task) return;
    this.tasks.delete(task.itt);
    task.resolve(value);
  }

  private failTask(task: Task, err: IscsiError): void {
    if (this.tasks.get(task.itt) !== task) return;
    this.tasks.delete(task.itt);
    const wq = this.waiting.findIndex((q) => q.task === task);
    if (wq >= 0) this.waiting.splice(wq, 1);
    task.reject(err);
  }

  /** Send a non-immediate request now if the window is open, else queue it. */
  private sendOrdered(task: Task, build: (cmdSN: number) => void): void {
    const send = () => {
      task.ordered = true;
      task.cmdSN = this.cmdSN;
      this.cmdSN = snAdd(this.cmdSN, 1);
      build(task.cmdSN);
    };
    if (this.windowOpen && this.waiting.length === 0) send();
    else this.waiting.push({ task, send });
  }

  private lunOf(lun: number | bigint | undefined): bigint {
    if (typeof lun === 'bigint') return lun;
    return lunToBigInt(lun ?? this.options.lun ?? 0);
  }

  // ------------------------------------------------------------------------------------------
  // SCSI commands

  /** Run a SCSI command. A non-GOOD status is a result, not an error; transport failures are errors. */
  command(o: CommandOptions): Promise<ScsiResult> {
    const lun = this.lunOf(o.lun);
    const what = () => describeCdb(o.cdb);
    const dataOut = o.dataOut;
    const edtl = o.edtl ?? (o.dataIn ?? 0) + (o.dataIn !== undefined && dataOut ? 0 : dataOut?.length ?? 0);
    if (o.into && o.into.length < (o.dataIn ?? 0)) {
      return Promise.reject(new IscsiError('E_RANGE', `${what()}: the 'into' buffer holds ${o.into.length} bytes, less than dataIn ${o.dataIn}`));
    }
    const read = o.readFlag ?? o.dataIn !== undefined;
    const write = o.writeFlag ?? dataOut !== undefined;
    let handle;
    try {
      handle = this.addTask('scsi', what, o.timeoutMs, lun, {
        edtl,
        read,
        opts: o,
        received: 0,
        expDataSN: 0,
        dataOutPdus: 0,
        r2ts: 0,
        dataInPdus: 0,
        expectedR2TSN: 0,
        ...(dataOut ? { dataOut } : {}),
      });
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    this.armTimer(task);
    const p = this.params;
    const build = (cmdSN: number) => {
      let immediate: Buffer = ZERO;
      if (dataOut && dataOut.length > 0 && p.immediateData && o.useImmediateData !== false) {
        const n = Math.min(dataOut.length, p.firstBurstLength, p.maxSendDataSegmentLength, edtl);
        immediate = dataOut.subarray(0, n);
      }
      const cmd: ScsiCommand = {
        opcode: Opcode.SCSI_COMMAND,
        final: true,
        read,
        write,
        attr: o.attr ?? TaskAttr.SIMPLE,
        lun,
        itt: task.itt,
        expectedDataTransferLength: edtl,
        cmdSN,
        expStatSN: this.expStatSN,
        cdb: o.cdb.length >= 16 ? o.cdb : padCdb(o.cdb),
        data: immediate,
      };
      if (o.immediate) cmd.immediate = true;
      // Unsolicited Data-Out (RFC 7143 4.2.1? 13.10): only when InitialR2T=No, up to FirstBurstLength in all.
      const unsolicited: DataOut[] = [];
      if (dataOut && !p.initialR2T && o.sendUnsolicited !== false) {
        const limit = Math.min(p.firstBurstLength, dataOut.length, edtl);
        if (immediate.length < limit) {
          cmd.final = false;
          unsolicited.push(...this.dataOutPdus(task, RESERVED_TAG, immediate.length, limit - immediate.length));
        }
      }
      this.conn.send(cmd);
      for (const d of unsolicited) this.sendDataOut(task, d);
      o.onSent?.(task.itt, cmdSN);
    };
    try {
      if (o.immediate) {
        task.cmdSN = this.cmdSN;
        build(this.cmdSN);
      } else {
        this.sendOrdered(task, build);
      }
    } catch (e) {
      this.failTask(task, e as IscsiError);
    }
    return promise as Promise<ScsiResult>;
  }

  /** Build the Data-Out PDUs of one sequence: `len` bytes from `offset`, DataSN from 0, F on the last. */
  private dataOutPdus(task: Task, ttt: number, offset: number, len: number): DataOut[] {
    const out: DataOut[] = [];
    const seg = Math.max(1, Math.min(task.opts?.dataOutSegment ?? this.params.maxSendDataSegmentLength, this.params.maxSendDataSegmentLength));
    const data = task.dataOut ?? ZERO;
    let sn = 0;
    // Bounded by len / seg.
    for (let at = offset; at < offset + len; at += seg) {
      const n = Math.min(seg, offset + len - at);
      out.push({
        opcode: Opcode.DATA_OUT,
        final: at + n >= offset + len,
        lun: task.lun,
        itt: task.itt,
        ttt,
        expStatSN: this.expStatSN,
        dataSN: sn++,
        bufferOffset: at,
        data: data.subarray(at, at + n),
      });
    }
    return out;
  }

  private sendDataOut(task: Task, d: DataOut): void {
    const alter = task.opts?.alterDataOut;
    const pdu = alter ? alter(d, task.dataOutPdus!) : d;
    task.dataOutPdus!++;
    if (pdu) {
      pdu.expStatSN = this.expStatSN;
      this.conn.send(pdu);
    }
  }

  private onR2T(r: R2T, task: Task): void {
    task.r2ts!++;
    const data = task.dataOut;
    if (!data) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: target sent an R2T for a command with no data to write`);
    if (r.r2tSN !== task.expectedR2TSN) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: R2TSN ${r.r2tSN}, expected ${task.expectedR2TSN}`);
    }
    task.expectedR2TSN = (task.expectedR2TSN! + 1) >>> 0;
    if (r.desiredDataTransferLength === 0) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: R2T asks for 0 bytes (RFC 7143 11.8.4)`);
    if (r.desiredDataTransferLength > this.params.maxBurstLength) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: R2T asks for ${r.desiredDataTransferLength} bytes, more than MaxBurstLength ${this.params.maxBurstLength}`);
    }
    const end = r.bufferOffset + r.desiredDataTransferLength;
    if (end > task.edtl!) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: R2T asks for bytes ${r.bufferOffset}..${end}, past the Expected Data Transfer Length ${task.edtl}`);
    }
    // Data beyond what we hold (EDTL larger than the buffer, on purpose) is sent as zeros.
    if (end > data.length) {
      const bigger = Buffer.alloc(end);
      data.copy(bigger);
      task.dataOut = bigger;
    }
    for (const d of this.dataOutPdus(task, r.ttt, r.bufferOffset, r.desiredDataTransferLength)) this.sendDataOut(task, d);
  }

  /**
   * Place a Data-In data segment straight into its task's buffer, so the socket reads land there.
   * Checks (DataSN, offsets) still run when the PDU is complete; a bad PDU fails the command.
   */
  private placeDataIn(header: Buffer, length: number): Buffer | undefined {
    if ((header[0]! & 0x3f) !== Opcode.DATA_IN || length < PLACE_MIN) return undefined;
    const task = this.tasks.get(header.readUInt32BE(16));
    if (!task || task.kind !== 'scsi' || !task.read) return undefined;
    const offset = header.readUInt32BE(40);
    if (offset + length > task.edtl!) return undefined;
    task.dest ??= task.opts?.into ?? Buffer.allocUnsafe(task.edtl!);
    if (offset + length > task.dest.length) return undefined;
    return task.dest.subarray(offset, offset + length);
  }

  private onDataIn(d: DataIn, task: Task): void {
    if (!task.read) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: target sent a Data-In for a command without the R bit, which reads nothing (RFC 7143 11.7)`);
    }
    task.dataInPdus!++;
    const parts = d.dataParts ?? (d.data && d.data.length ? [d.data] : []);
    let len = 0;
    for (const p of parts) len += p.length;
    if (d.dataSN !== task.expDataSN) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Data-In DataSN ${d.dataSN}, expected ${task.expDataSN} (RFC 7143 11.7.5)`);
    }
    task.expDataSN = (task.expDataSN! + 1) >>> 0;
    if (d.bufferOffset !== task.received) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Data-In Buffer Offset ${d.bufferOffset}, expected ${task.received} (DataPDUInOrder=Yes)`);
    }
    if (d.bufferOffset + len > task.edtl!) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Data-In carries bytes up to ${d.bufferOffset + len}, past the Expected Data Transfer Length ${task.edtl}`);
    }
    if (len) {
      const into = task.opts?.into;
      task.dest ??= into ?? Buffer.allocUnsafe(task.edtl!);
      if (d.bufferOffset + len > task.dest.length) {
        throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Data-In up to byte ${d.bufferOffset + len} does not fit the ${task.dest.length}-byte buffer given`);
      }
      let at = d.bufferOffset;
      for (const p of parts) {
        // A placed segment already lies where it belongs.
        if (!(p.buffer === task.dest.buffer && p.byteOffset === task.dest.byteOffset + at)) p.copy(task.dest, at);
        at += p.length;
      }
    }
    task.received! += len;
    if (d.statusPresent) {
      if (!d.final) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Data-In has the S bit without the F bit (RFC 7143 11.7.1)`);
      this.updateStatSN(d.statSN);
      this.completeScsi(task, {
        response: 0,
        status: d.status,
        residual: { overflow: d.overflow, underflow: d.underflow, count: d.residualCount },
        statusInDataIn: true,
      });
    }
  }

  private onScsiResponse(r: ScsiResponse, task: Task): void {
    let senseData: Buffer | undefined;
    const data = r.data ?? ZERO;
    if (data.length >= 2) {
      const sl = data.readUInt16BE(0);
      if (sl + 2 > data.length) {
        throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: SenseLength ${sl} exceeds the ${data.length - 2} bytes of sense data present`);
      }
      if (sl > 0) senseData = data.subarray(2, 2 + sl);
    } else if (data.length === 1) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: SCSI Response data segment of 1 byte cannot hold SenseLength`);
    }
    const extra: Partial<ScsiResult> = {
      response: r.response,
      status: r.status,
      residual: { overflow: r.overflow, underflow: r.underflow, count: r.residualCount },
      statusInDataIn: false,
    };
    if (r.bidiOverflow || r.bidiUnderflow) extra.bidiResidual = { overflow: r.bidiOverflow, underflow: r.bidiUnderflow, count: r.bidiReadResidualCount };
    if (senseData) extra.senseData = senseData;
    this.completeScsi(task, extra);
  }

  private completeScsi(task: Task, r: Partial<ScsiResult>): void {
    const res: ScsiResult = {
      itt: task.itt,
      cmdSN: task.cmdSN,
      response: r.response ?? 0,
      status: r.status ?? 0,
      data: task.dest ? task.dest.subarray(0, task.received!) : ZERO,
      residual: r.residual ?? { overflow: false, underflow: false, count: 0 },
      dataInPdus: task.dataInPdus!,
      dataOutPdus: task.dataOutPdus!,
      r2ts: task.r2ts!,
      statusInDataIn: r.statusInDataIn ?? false,
      get what(): string {
        return task.what;
      },
    };
    if (r.bidiResidual) res.bidiResidual = r.bidiResidual;
    if (r.senseData) {
      res.senseData = r.senseData;
      try {
        res.sense = decodeSense(r.senseData);
      } catch (e) {
        res.senseError = (e as Error).message;
      }
    }
    this.finishTask(task, res);
  }

  // ------------------------------------------------------------------------------------------
  // NOP, TMF, text, logout

  /** NOP-Out ping (ITT valid): resolves with the NOP-In, whose data must echo ours (RFC 7143 11.18.5). */
  nop(opts: { data?: Buffer; lun?: number; immediate?: boolean; timeoutMs?: number } = {}): Promise<NopIn> {
    let handle;
    try {
      handle = this.addTask('nop', 'NOP-Out ping', opts.timeoutMs, this.lunOf(opts.lun));
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    this.armTimer(task);
    const build = (cmdSN: number) => {
      const pdu: NopOut = {
        opcode: Opcode.NOP_OUT,
        lun: task.lun,
        itt: task.itt,
        ttt: RESERVED_TAG,
        cmdSN,
        expStatSN: this.expStatSN,
        data: opts.data ?? ZERO,
      };
      if (opts.immediate !== false) pdu.immediate = true;
      this.conn.send(pdu);
    };
    try {
      if (opts.immediate !== false) {
        task.cmdSN = this.cmdSN;
        build(this.cmdSN);
      } else this.sendOrdered(task, build);
    } catch (e) {
      this.failTask(task, e as IscsiError);
    }
    return promise as Promise<NopIn>;
  }

  /**
   * Task management (RFC 7143 11.5), sent immediate. On "function complete" the tasks the function
   * ends (the referenced task, or every task of the LUN or the target) are failed with ISCSI_E_ABORTED.
   */
  taskManagement(fn: number, opts: { lun?: number | bigint; referencedTaskTag?: number; refCmdSN?: number; timeoutMs?: number } = {}): Promise<TmfResult> {
    const name = TMF_FUNCTION_NAMES[fn] ?? `TMF function ${fn}`;
    // RFC 7143 11.5.3: the LUN field addresses an LU only for ABORT TASK, ABORT TASK SET, CLEAR ACA,
    // CLEAR TASK SET and LOGICAL UNIT RESET; in the others it is reserved, so 0 unless given on purpose.
    const addressesLu = fn >= TmfFunction.ABORT_TASK && fn <= TmfFunction.LOGICAL_UNIT_RESET;
    let handle;
    try {
      handle = this.addTask('tmf', name, opts.timeoutMs, opts.lun !== undefined || addressesLu ? this.lunOf(opts.lun) : 0n);
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    const ref = opts.referencedTaskTag !== undefined ? this.tasks.get(opts.referencedTaskTag) : undefined;
    const queued = fn === TmfFunction.ABORT_TASK && ref && opts.refCmdSN === undefined ? this.waiting.findIndex((q) => q.task === ref) : -1;
    if (queued >= 0) {
      // The command never left: it has no CmdSN, and the target has nothing to abort (a RefCmdSN
      // would have to be made up). Drop it here.
      this.tasks.delete(task.itt);
      this.failTask(ref!, new IscsiError('ISCSI_E_ABORTED', `${ref!.what}: aborted before it was sent (the CmdSN window was closed, MaxCmdSN ${this.maxCmdSN})`));
      return Promise.resolve({ response: TmfResponse.FUNCTION_COMPLETE, responseName: 'Function complete (the command was still queued in the initiator; nothing sent)', local: true });
    }
    this.armTimer(task);
    const pdu: TaskMgmtRequest = {
      opcode: Opcode.TASK_MGMT_REQUEST,
      immediate: true,
      function: fn,
      lun: task.lun,
      itt: task.itt,
      referencedTaskTag: opts.referencedTaskTag ?? RESERVED_TAG,
      cmdSN: this.cmdSN,
      expStatSN: this.expStatSN,
      // RFC 7143 11.5.5: for ABORT TASK, the CmdSN of the task, or for a task created by an immediate
      // command the CmdSN of this request itself.
      refCmdSN: opts.refCmdSN ?? (ref ? (ref.opts?.immediate ? this.cmdSN : ref.cmdSN) : 0),
      expDataSN: 0,
    };
    task.cmdSN = this.cmdSN;
    try {
      this.conn.send(pdu);
    } catch (e) {
      this.failTask(task, e as IscsiError);
    }
    return (promise as Promise<TaskMgmtResponse>).then((rsp) => {
      if (rsp.response === TmfResponse.FUNCTION_COMPLETE) this.abortAffected(fn, pdu);
      return { response: rsp.response, responseName: TMF_RESPONSE_NAMES[rsp.response] ?? `response ${rsp.response}`, pdu: rsp };
    });
  }

  private abortAffected(fn: number, req: TaskMgmtRequest): void {
    const err = (t: Task) => new IscsiError('ISCSI_E_ABORTED', `${t.what}: ended by ${TMF_FUNCTION_NAMES[fn]}`);
    for (const t of [...this.tasks.values()]) {
      if (t.kind !== 'scsi') continue;
      const hit =
        fn === TmfFunction.ABORT_TASK
          ? t.itt === req.referencedTaskTag
          : fn === TmfFunction.ABORT_TASK_SET || fn === TmfFunction.CLEAR_TASK_SET || fn === TmfFunction.LOGICAL_UNIT_RESET
            ? t.lun === req.lun
            : fn === TmfFunction.TARGET_WARM_RESET || fn === TmfFunction.TARGET_COLD_RESET;
      if (hit) this.failTask(t, err(t));
    }
  }

  abortTask(itt: number, opts: { lun?: number | bigint; timeoutMs?: number } = {}): Promise<TmfResult> {
    const t = this.tasks.get(itt);
    return this.taskManagement(TmfFunction.ABORT_TASK, { ...opts, lun: opts.lun ?? t?.lun, referencedTaskTag: itt });
  }
  lunReset(lun?: number | bigint, timeoutMs?: number): Promise<TmfResult> {
    return this.taskManagement(TmfFunction.LOGICAL_UNIT_RESET, { ...(lun !== undefined ? { lun } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
  }

  /**
   * A text exchange in full feature phase (RFC 7143 11.10-11.11), following continuations (C bit)
   * with empty requests carrying the target's TTT. Resolves with every pair, in order.
   */
  text(pairs: KeyValue[], opts: { timeoutMs?: number; maxExchanges?: number } = {}): Promise<KeyValue[]> {
    let handle;
    try {
      handle = this.addTask('text', `Text Request ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`.slice(0, 120), opts.timeoutMs, 0n, {
        text: new TextAccumulator(1 << 20),
        textPairs: [],
      });
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    this.armTimer(task);
    let exchanges = 0;
    const maxEx = opts.maxExchanges ?? 256;
    const sendText = (data: Buffer, ttt: number) => {
      if (++exchanges > maxEx) {
        this.failTask(task, new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: more than ${maxEx} Text Responses`));
        return;
      }
      this.sendOrdered(task, (cmdSN) => {
        const pdu: TextRequest = { opcode: Opcode.TEXT_REQUEST, final: true, continue: false, lun: 0n, itt: task.itt, ttt, cmdSN, expStatSN: this.expStatSN, data };
        this.conn.send(pdu);
      });
    };
    (task as Task & { continueText?: (ttt: number) => void }).continueText = (ttt) => sendText(ZERO, ttt);
    try {
      sendText(encodeText(pairs), RESERVED_TAG);
    } catch (e) {
      this.failTask(task, e as IscsiError);
    }
    return promise as Promise<KeyValue[]>;
  }

  /** SendTargets (RFC 7143 13.3, Appendix C) in this session. */
  async sendTargets(value = 'All', timeoutMs?: number): Promise<DiscoveredTarget[]> {
    return parseSendTargets(await this.text([['SendTargets', value]], timeoutMs ? { timeoutMs } : {}));
  }

  /**
   * Logout (RFC 7143 11.14). Outstanding tasks are failed with ISCSI_E_ABORTED once the target answers.
   * A refusal (any response but 0) throws ISCSI_E_LOGOUT and leaves the session as it was. `cid`: the
   * connection named by reasons 1 and 2 (default this connection's).
   */
  async logout(reason: number = LogoutReason.CLOSE_SESSION, timeoutMs?: number, cid?: number): Promise<LogoutResponse> {
    const { task, promise } = this.addTask('logout', 'Logout', timeoutMs, 0n);
    this.armTimer(task);
    const pdu: LogoutRequest = {
      opcode: Opcode.LOGOUT_REQUEST,
      immediate: true,
      reason,
      itt: task.itt,
      cid: cid ?? this.options.cid ?? 0,
      cmdSN: this.cmdSN,
      expStatSN: this.expStatSN,
    };
    task.cmdSN = this.cmdSN;
    this.conn.send(pdu);
    const rsp = (await promise) as LogoutResponse;
    if (rsp.response !== 0) {
      // RFC 7143 11.15.1: the logout did not happen (CID not found, recovery not supported, cleanup
      // failed): the connection and the session stay as they were.
      const names: Record<number, string> = { 1: 'CID not found', 2: 'connection recovery is not supported', 3: 'cleanup failed for various reasons' };
      throw new IscsiError('ISCSI_E_LOGOUT', `Logout (reason ${reason}) refused by ${this.where}: ${names[rsp.response] ?? `response ${rsp.response}`}`, { response: rsp.response });
    }
    this.state = 'logout';
    for (const t of [...this.tasks.values()]) this.failTask(t, new IscsiError('ISCSI_E_ABORTED', `${t.what}: the session logged out`));
    await this.conn.end();
    return rsp;
  }

  /** Close TCP at once, without Logout (an I_T nexus loss as the target sees it). */
  destroy(): void {
    this.conn.destroy('closed by the initiator without logout');
  }

  /** Log out if possible, else drop the connection; never throws. */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.state === 'ffp') {
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
    return this.conn.send(pdu);
  }

  /** Send bytes as they are. */
  sendRaw(...bufs: Buffer[]): void {
    this.conn.sendRaw(bufs);
  }

  /** Take the next CmdSN as a non-immediate command would (for hand-built PDUs). */
  takeCmdSN(): number {
    const c = this.cmdSN;
    this.cmdSN = snAdd(this.cmdSN, 1);
    return c;
  }

  /** Wait for the next received PDU matching `pred`, or reject after `timeoutMs`. */
  waitFor(pred: (p: AnyPdu) => boolean, timeoutMs: number, what = 'a PDU'): Promise<AnyPdu> {
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (p: AnyPdu) => {
          clearTimeout(timer);
          this.pduWaiters.delete(w);
          resolve(p);
        },
      };
      const timer = setTimeout(() => {
        this.pduWaiters.delete(w);
        reject(new IscsiError('ISCSI_E_TIMEOUT', `${what}: nothing arrived from ${this.where} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pduWaiters.add(w);
    });
  }

  /** Resolves when the connection has closed (with the reason), or after timeoutMs with undefined. */
  waitClosed(timeoutMs: number): Promise<IscsiError | undefined> {
    if (this.conn.closed) return Promise.resolve(this.conn.closeReason);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      this.conn.once('closed', (e: IscsiError) => {
        clearTimeout(t);
        resolve(e);
      });
    });
  }

  // ------------------------------------------------------------------------------------------
  // Input

  private onPdu(pdu: AnyPdu): void {
    if (this.pduWaiters.size) for (const w of [...this.pduWaiters]) if (w.pred(pdu)) w.resolve(pdu);
    if ('unknown' in pdu) throw new IscsiError('ISCSI_E_PROTOCOL', `target sent ${opcodeName(pdu.opcode)}, which is not a target opcode`);
    if (this.state === 'login') {
      if (pdu.opcode !== Opcode.LOGIN_RESPONSE) {
        throw new IscsiError('ISCSI_E_PROTOCOL', `during login the target sent ${describePdu(pdu)} instead of a Login Response`);
      }
      this.onLoginResponse(pdu);
      return;
    }
    if ('statSN' in pdu && 'expCmdSN' in pdu && 'maxCmdSN' in pdu) {
      // Data-In carries StatSN only with the S bit; R2T's StatSN is not advanced by it (RFC 7143 11.8.3),
      // nor is that of a NOP-In with ITT 0xffffffff: it carries the next StatSN, unused (11.19.2).
      const unadvanced = pdu.opcode === Opcode.R2T || (pdu.opcode === Opcode.NOP_IN && pdu.itt === RESERVED_TAG);
      // A Reject's StatSN does advance (11.17.3).
      if (pdu.opcode !== Opcode.DATA_IN && !unadvanced) this.updateStatSN(pdu.statSN);
      this.updateWindow(pdu.expCmdSN, pdu.maxCmdSN);
    }
    switch (pdu.opcode) {
      case Opcode.DATA_IN: {
        const t = this.taskFor(pdu.itt, 'scsi', pdu);
        // A task that timed out or was ended here may still get data: set it aside (StatSN still counts).
        if (t !== GONE) this.onDataIn(pdu, t);
        else if (pdu.statusPresent) this.updateStatSN(pdu.statSN);
        return;
      }
      case Opcode.SCSI_RESPONSE: {
        const t = this.taskFor(pdu.itt, 'scsi', pdu);
        if (t !== GONE) this.onScsiResponse(pdu, t);
        return;
      }
      case Opcode.R2T: {
        const t = this.taskFor(pdu.itt, 'scsi', pdu);
        if (t !== GONE) this.onR2T(pdu, t);
        return;
      }
      case Opcode.NOP_IN:
        return this.onNopIn(pdu);
      case Opcode.TASK_MGMT_RESPONSE:
        return this.finishTask(this.taskFor(pdu.itt, 'tmf', pdu), pdu);
      case Opcode.TEXT_RESPONSE:
        return this.onTextResponse(pdu, this.taskFor(pdu.itt, 'text', pdu));
      case Opcode.LOGOUT_RESPONSE:
        return this.finishTask(this.taskFor(pdu.itt, 'logout', pdu), pdu);
      case Opcode.ASYNC_MESSAGE:
        this.asyncMessages.push(pdu);
        this.emit('async', pdu);
        if (pdu.asyncEvent === 1) this.onLogoutRequested(pdu);
        return;
      case Opcode.REJECT:
        return this.onReject(pdu);
      case Opcode.LOGIN_RESPONSE:
        throw new IscsiError('ISCSI_E_PROTOCOL', 'target sent a Login Response in full feature phase');
      default:
        throw new IscsiError('ISCSI_E_PROTOCOL', `target sent ${opcodeName(pdu.opcode)}, an initiator opcode`);
    }
  }

  /** The task an ITT names, or a dummy that swallows the PDU when the task is gone (timed out or aborted). */
  private taskFor(itt: number, kind: TaskKind, pdu: AnyPdu): Task {
    const t = this.tasks.get(itt);
    if (t && t.kind === kind) return t;
    if (t) throw new IscsiError('ISCSI_E_PROTOCOL', `target sent ${describePdu(pdu)} for ITT 0x${itt.toString(16)}, which is a ${t.what}`);
    this.emit('stray', pdu);
    return GONE;
  }

  private onNopIn(pdu: NopIn): void {
    if (pdu.ttt !== RESERVED_TAG) {
      // The target's own ping: answer with a NOP-Out carrying its TTT (RFC 7143 11.18.3), ITT reserved, immediate.
      this.targetPings.push(pdu);
      this.emit('ping', pdu);
      if (this.options.answerNopIn !== false && pdu.itt === RESERVED_TAG) {
        const rsp: NopOut = {
          opcode: Opcode.NOP_OUT,
          immediate: true,
          lun: pdu.lun,
          itt: RESERVED_TAG,
          ttt: pdu.ttt,
          cmdSN: this.cmdSN,
          expStatSN: this.expStatSN,
          data: ZERO,
        };
        this.conn.send(rsp);
      }
      return;
    }
    if (pdu.itt === RESERVED_TAG) return; // an unsolicited NOP-In carrying StatSN/window updates only
    this.finishTask(this.taskFor(pdu.itt, 'nop', pdu), pdu);
  }

  /**
   * AsyncEvent 1 (RFC 7143 11.9.1): the target asks for logout within Parameter3 seconds. New
   * requests are refused from now on, commands still queued behind a closed window are dropped, the
   * ones in flight may end until shortly before that time, and then the session logs out.
   */
  private onLogoutRequested(pdu: AsyncMessage): void {
    if (this.options.honourLogoutRequest === false || this.state !== 'ffp' || this.logoutRequested) return;
    const seconds = pdu.parameter3;
    this.logoutRequested = `the target asked for logout (AsyncEvent 1, within ${seconds} s)`;
    const why = this.logoutRequested;
    for (const q of [...this.waiting]) this.failTask(q.task, new IscsiError('ISCSI_E_CLOSED', `${q.task.what}: not sent: ${why}`));
    const deadline = Date.now() + Math.max(0, seconds * 1000 - 250);
    const step = (): void => {
      if (this.state !== 'ffp') return;
      const busy = [...this.tasks.values()].some((t) => t.kind === 'scsi' || t.kind === 'tmf');
      if (busy && Date.now() < deadline) {
        setTimeout(step, 10).unref?.();
        return;
      }
      this.logoutRequested = undefined; // the Logout itself is allowed through
      this.logout(LogoutReason.CLOSE_SESSION, 5000)
        .then(() => this.emit('logged-out', why))
        .catch((e: unknown) => this.destroy())
        .finally(() => (this.logoutRequested = why));
    };
    step();
  }

  /** Set once the target has asked for logout: why new requests are refused. */
  private logoutRequested: string | undefined;

  private onTextResponse(pdu: TextResponse, task: Task): void {
    if (task === GONE) return;
    // RFC 7143 11.11.2: a Text Response with C=1 has F=0; 11.11.1: one with F=1 carries TTT 0xffffffff.
    if (pdu.continue && pdu.final) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Text Response has both F and C set (RFC 7143 11.11.2)`);
    if (pdu.final && pdu.ttt !== RESERVED_TAG) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: final Text Response carries TTT 0x${pdu.ttt.toString(16)}, not 0xffffffff (RFC 7143 11.11.1)`);
    const pairs = task.text!.add(pdu.data ?? ZERO, pdu.continue);
    if (pdu.continue || !pdu.final) {
      if (!pdu.continue && pairs) task.textPairs!.push(...pairs);
      // More to come: ask for it with an empty Text Request carrying the target's TTT.
      if (pdu.ttt === RESERVED_TAG) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Text Response not final but TTT is 0xffffffff`);
      (task as Task & { continueText: (ttt: number) => void }).continueText(pdu.ttt);
      return;
    }
    task.textPairs!.push(...(pairs ?? []));
    this.finishTask(task, task.textPairs);
  }

  private onReject(pdu: Reject): void {
    this.rejects.push(pdu);
    this.emit('reject', pdu);
    const hdr = pdu.data ?? ZERO;
    const why = rejectReasonName(pdu.reason);
    if (hdr.length < 48) return;
    // A Reject does not end a task by itself (RFC 7143 11.17.1): a rejected Data-Out or SNACK leaves
    // the command to be answered, and a duplicate ITT ("task in progress") names the live original.
    // Only a rejected command PDU means no answer will come for that command.
    const kinds: Record<number, TaskKind> = {
      [Opcode.SCSI_COMMAND]: 'scsi',
      [Opcode.NOP_OUT]: 'nop',
      [Opcode.TASK_MGMT_REQUEST]: 'tmf',
      [Opcode.TEXT_REQUEST]: 'text',
      [Opcode.LOGOUT_REQUEST]: 'logout',
    };
    const kind = kinds[hdr[0]! & 0x3f];
    if (!kind || pdu.reason === RejectReason.TASK_IN_PROGRESS) return;
    const t = this.tasks.get(hdr.readUInt32BE(16));
    if (t && t.kind === kind) {
      this.failTask(t, new IscsiError('ISCSI_E_REJECT', `${t.what}: the target rejected it: ${why}`, { reason: pdu.reason }));
      // RFC 7143 11.17.1: the CmdSN of a rejected non-immediate command is not considered received;
      // the initiator plugs the gap, or every later command waits behind it. We plug it with ABORT
      // TASK naming that CmdSN (RFC 7143 11.5.1, 6.9), unless the Reject's ExpCmdSN shows the target
      // counted it anyway.
      if (t.ordered && this.options.plugCmdSNGaps !== false && this.state === 'ffp' && snLessEq(pdu.expCmdSN, t.cmdSN)) {
        this.plugs++;
        void this.taskManagement(TmfFunction.ABORT_TASK, { lun: t.lun, referencedTaskTag: t.itt, refCmdSN: t.cmdSN }).catch(() => {});
      }
    }
  }

  /** ABORT TASK requests sent to plug the CmdSN gap a rejected command left. */
  plugs = 0;


  private onClosed(err: IscsiError): void {
    const was = this.state;
    if (this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    this.state = 'closed';
    this.closeError = err;
    if (was === 'login') this.loginWait?.reject(err);
    for (const q of this.waiting.splice(0)) void q;
    for (const t of [...this.tasks.values()]) {
      this.failTask(t, new IscsiError(err.code === 'ISCSI_E_CLOSED' ? 'ISCSI_E_CLOSED' : err.code, `${t.what}: ${err.message}`, err.details));
    }
    this.emit('closed', err);
  }

  /** The error that ended the session, if it has ended. */
  get closeReason(): IscsiError | undefined {
    return this.closeError;
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

const GONE: Task = {
  kind: 'scsi',
  itt: RESERVED_TAG,
  cmdSN: 0,
  what: '(finished task)',
  resolve: () => {},
  reject: () => {},
  deadline: 0,
  timeoutMs: 0,
  lun: 0n,
  received: 0,
  expDataSN: 0,
  dataInPdus: 0,
  dataOutPdus: 0,
  r2ts: 0,
};

function padCdb(cdb: Buffer): Buffer {
  const b = Buffer.alloc(16);
  cdb.copy(b);
  return b;
}

/** Parse a SendTargets answer: TargetName= starts a target; TargetAddress=host:port,tpgt lines follow it. */
export function parseSendTargets(pairs: KeyValue[]): DiscoveredTarget[] {
  const out: DiscoveredTarget[] = [];
  for (const [k, v] of pairs) {
    if (k === 'TargetName') out.push({ name: v, addresses: [] });
    else if (k === 'TargetAddress') {
      const cur = out[out.length - 1];
      if (!cur) throw new IscsiError('ISCSI_E_PROTOCOL', `SendTargets: TargetAddress=${v} before any TargetName`);
      const m = /^(\[[^\]]+\]|[^:,]+)(?::([0-9]+))?(?:,([0-9]+))?$/.exec(v);
      if (!m) throw new IscsiError('ISCSI_E_PROTOCOL', `SendTargets: malformed TargetAddress=${v}`);
      const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
      cur.addresses.push({ host, port: m[2] ? Number(m[2]) : 3260, tpgt: m[3] ? Number(m[3]) : 1, raw: v });
    }
  }
  return out;
}

/** Decode a text data segment, tolerating nothing: exported for tests that hand-build Text PDUs. */
export const decodeTextPairs = decodeText;
