/**
 * A scripted, deliberately misbehaving iSCSI target for the initiator's tests: a `net.Server` on a
 * free loopback port whose per-connection script reads the initiator's PDUs, sends PDUs (optionally
 * with digests, or with a digest spoiled on purpose) or raw bytes, stalls, or closes. `login()`
 * performs a minimal correct login (AuthMethod None) so that a script can start misbehaving in full
 * feature phase.
 *
 * It uses the project's codecs (PduParser, decodePdu, framePdu) for framing, but keeps its own small
 * table of how to answer each key, so that the initiator's negotiation is checked against something
 * other than itself. Every wait is bounded; nothing here throws outside a script, whose errors are
 * collected in `errors`.
 */
import * as net from 'node:net';
import {
  AnyPdu,
  AsyncMessage,
  DataIn,
  decodePdu,
  decodeText,
  describePdu,
  encodeText,
  framePdu,
  KeyValue,
  LoginRequest,
  LoginResponse,
  LogoutRequest,
  LogoutResponse,
  NopIn,
  Opcode,
  opcodeName,
  PduParser,
  R2T,
  Reject,
  RESERVED_TAG,
  ScsiResponse,
  snAdd,
  snLess,
  TaskMgmtResponse,
  TextResponse,
} from '../../protocol/iscsi/index.js';

export interface FakeLoginOptions {
  /** Digest to choose when the initiator offers it (default None). */
  headerDigest?: 'CRC32C' | 'None';
  dataDigest?: 'CRC32C' | 'None';
  /** MaxRecvDataSegmentLength the target declares (default 262144). */
  maxRecvDataSegmentLength?: number;
  /** StatSN of the first Login Response (default 0x100); each response after it takes the next. */
  statSN?: number;
  /** ExpCmdSN of the final Login Response (default: the Login Request's CmdSN). */
  expCmdSN?: number;
  /** MaxCmdSN of the final Login Response (default ExpCmdSN + window - 1); giving it turns autoWindow off. */
  maxCmdSN?: number;
  /** TSIH of the final Login Response (default 0x1234). */
  tsih?: number;
  /** Answers to send instead of the correct ones, key by key, verbatim (negative tests). */
  answers?: Record<string, string>;
  /** Pairs the target adds to its first operational-stage response (its own offers or declarations). */
  extraPairs?: KeyValue[];
  /** Split the text of the operational-stage response after these byte counts (C bit on all but the last piece). */
  splitAt?: number[];
}

export interface FakeLoginResult {
  isid: number;
  tsih: number;
  itt: number;
  /** Every key=value pair the initiator sent, in order. */
  offered: KeyValue[];
  requests: LoginRequest[];
  responses: LoginResponse[];
  headerDigest: boolean;
  dataDigest: boolean;
  /** What the initiator declared (8192 if it declared nothing). */
  initiatorMaxRecvDataSegmentLength: number;
}

export interface SendOptions {
  /** Override the connection's digests for this PDU. */
  headerDigest?: boolean;
  dataDigest?: boolean;
  /** Send a header digest that does not match. */
  badHeaderDigest?: boolean;
  /** Send a data digest that does not match. */
  badDataDigest?: boolean;
}

const LIST_KEYS = new Set(['HeaderDigest', 'DataDigest', 'AuthMethod']);
const DECLARATIVE_KEYS = new Set(['InitiatorName', 'InitiatorAlias', 'TargetName', 'SessionType', 'MaxRecvDataSegmentLength', 'TargetAlias']);
/** Negotiated keys: echoing the offer is always within min, max, AND, OR (the target supports every value). */
const ECHO_KEYS = new Set([
  'MaxConnections',
  'InitialR2T',
  'ImmediateData',
  'MaxBurstLength',
  'FirstBurstLength',
  'DefaultTime2Wait',
  'DefaultTime2Retain',
  'MaxOutstandingR2T',
  'DataPDUInOrder',
  'DataSequenceInOrder',
  'ErrorRecoveryLevel',
]);

const EMPTY = Buffer.alloc(0);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class FakeConn {
  readonly socket: net.Socket;
  /** Every PDU received from the initiator, in order. */
  readonly received: AnyPdu[] = [];
  /** Digests on both directions (set by login() when negotiated). */
  headerDigest = false;
  dataDigest = false;
  /** The next StatSN to send. */
  statSN = 0x100;
  expCmdSN = 1;
  maxCmdSN = 32;
  /** Keep MaxCmdSN at ExpCmdSN + window - 1 as commands arrive. */
  autoWindow = true;
  window = 32;
  /** Set when the initiator closed (or the socket failed). */
  closed = false;
  parseError: Error | undefined;
  private readonly parser: PduParser;
  private readonly queue: AnyPdu[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.parser = new PduParser({ maxDataSegmentLength: 1 << 24 }, (raw) => {
      const pdu = decodePdu(raw.header, Buffer.from(raw.data));
      this.received.push(pdu);
      this.track(pdu);
      this.queue.push(pdu);
      this.wake();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.parseError) return;
      try {
        this.parser.push(chunk);
      } catch (e) {
        this.parseError = e as Error;
        this.wake();
      }
    });
    const gone = () => {
      this.closed = true;
      this.wake();
    };
    socket.on('end', gone);
    socket.on('close', gone);
    socket.on('error', gone);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** CmdSN bookkeeping of a target: a non-immediate request advances ExpCmdSN. */
  private track(pdu: AnyPdu): void {
    if ('unknown' in pdu || pdu.immediate || !('cmdSN' in pdu) || pdu.opcode === Opcode.LOGIN_REQUEST) return;
    const next = snAdd(pdu.cmdSN, 1);
    if (snLess(this.expCmdSN, next)) this.expCmdSN = next;
    if (this.autoWindow) this.maxCmdSN = snAdd(this.expCmdSN, this.window - 1);
  }

  /** The next PDU from the initiator; rejects if none comes within timeoutMs or the connection ends. */
  recv(timeoutMs = 3000): Promise<AnyPdu> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.queue.length) {
          resolve(this.queue.shift()!);
          return true;
        }
        if (this.parseError) {
          reject(new Error(`fake target: could not parse the initiator's input: ${this.parseError.message}`));
          return true;
        }
        if (this.closed) {
          reject(new Error('fake target: the initiator closed the connection'));
          return true;
        }
        return false;
      };
      if (check()) return;
      const w = () => {
        if (check()) done();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`fake target: nothing from the initiator within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(w);
      };
      this.waiters.add(w);
    });
  }

  /** The next PDU, which must have this opcode. */
  async expect<T extends AnyPdu>(opcode: number, timeoutMs = 3000): Promise<T> {
    const p = await this.recv(timeoutMs);
    if (p.opcode !== opcode) throw new Error(`fake target: expected ${opcodeName(opcode)}, got ${describePdu(p)}`);
    return p as T;
  }

  /** Resolves true once the initiator has closed the connection, false after timeoutMs. */
  waitClosed(timeoutMs = 3000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = () => {
        if (!this.closed) return;
        clearTimeout(timer);
        this.waiters.delete(w);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Frame a PDU as it would be sent (digests as negotiated unless overridden), spoiling digests on request. */
  frame(pdu: AnyPdu, o: SendOptions = {}): Buffer {
    const hd = o.headerDigest ?? this.headerDigest;
    const dd = o.dataDigest ?? this.dataDigest;
    const bufs = framePdu(pdu, { headerDigest: hd, dataDigest: dd }).map((b) => Buffer.from(b));
    if (o.badHeaderDigest) {
      if (!hd) throw new Error('fake target: badHeaderDigest without a header digest');
      const h = bufs[0]!;
      h[h.length - 1] ^= 0x5a;
    }
    if (o.badDataDigest) {
      const tail = bufs[bufs.length - 1]!;
      if (!dd || bufs.length < 3) throw new Error('fake target: badDataDigest without a data digest and data');
      tail[tail.length - 1] ^= 0x5a;
    }
    return Buffer.concat(bufs);
  }

  send(pdu: AnyPdu, o: SendOptions = {}): void {
    this.sendRaw(this.frame(pdu, o));
  }

  sendRaw(bytes: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(bytes);
  }

  /** Numbers for a target PDU: StatSN (advanced unless `advance` is false), ExpCmdSN, MaxCmdSN. */
  sn(advance = true): { statSN: number; expCmdSN: number; maxCmdSN: number } {
    const statSN = this.statSN;
    if (advance) this.statSN = snAdd(this.statSN, 1);
    return { statSN, expCmdSN: this.expCmdSN, maxCmdSN: this.maxCmdSN };
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms);
  }

  /** Close gracefully (FIN) once what was written has gone out. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // ----------------------------------------------------------------------------------------------
  // Builders of target PDUs with this connection's numbers

  scsiResponse(itt: number, o: Partial<ScsiResponse> = {}): ScsiResponse {
    return {
      opcode: Opcode.SCSI_RESPONSE,
      bidiOverflow: false,
      bidiUnderflow: false,
      overflow: false,
      underflow: false,
      response: 0,
      status: 0,
      itt,
      snackTag: 0,
      ...this.sn(),
      expDataSN: 0,
      bidiReadResidualCount: 0,
      residualCount: 0,
      data: EMPTY,
      ...o,
    };
  }

  /** A Data-In; with `statusPresent` it carries status and advances StatSN. */
  dataIn(itt: number, o: Partial<DataIn> = {}): DataIn {
    const withStatus = o.statusPresent === true;
    return {
      opcode: Opcode.DATA_IN,
      final: withStatus,
      acknowledge: false,
      overflow: false,
      underflow: false,
      statusPresent: false,
      status: 0,
      lun: 0n,
      itt,
      ttt: RESERVED_TAG,
      ...this.sn(withStatus),
      dataSN: 0,
      bufferOffset: 0,
      residualCount: 0,
      data: EMPTY,
      ...o,
    };
  }

  r2t(itt: number, o: Partial<R2T> = {}): R2T {
    return { opcode: Opcode.R2T, lun: 0n, itt, ttt: 0x7000, ...this.sn(false), r2tSN: 0, bufferOffset: 0, desiredDataTransferLength: 512, ...o };
  }

  /** A NOP-In: unsolicited (ITT and TTT reserved) unless told otherwise. StatSN advances only for a reply (ITT valid). */
  nopIn(o: Partial<NopIn> = {}): NopIn {
    const itt = o.itt ?? RESERVED_TAG;
    return { opcode: Opcode.NOP_IN, lun: 0n, itt, ttt: RESERVED_TAG, ...this.sn(itt !== RESERVED_TAG), data: EMPTY, ...o };
  }

  tmfResponse(itt: number, response: number): TaskMgmtResponse {
    return { opcode: Opcode.TASK_MGMT_RESPONSE, response, itt, ...this.sn() };
  }

  logoutResponse(req: LogoutRequest, response = 0): LogoutResponse {
    return { opcode: Opcode.LOGOUT_RESPONSE, response, itt: req.itt, ...this.sn(), time2Wait: 0, time2Retain: 0 };
  }

  textResponse(itt: number, o: Partial<TextResponse> = {}): TextResponse {
    return { opcode: Opcode.TEXT_RESPONSE, final: true, continue: false, lun: 0n, itt, ttt: RESERVED_TAG, ...this.sn(), data: EMPTY, ...o };
  }

  /** A Reject carrying the rejected PDU's header (RFC 7143 11.17.4); StatSN advances (11.17.3). */
  reject(rejectedHeader: Buffer, reason: number): Reject {
    return { opcode: Opcode.REJECT, reason, ...this.sn(), dataSNOrR2TSN: 0, data: rejectedHeader };
  }

  asyncMessage(o: Partial<AsyncMessage> = {}): AsyncMessage {
    return {
      opcode: Opcode.ASYNC_MESSAGE,
      lun: 0n,
      ...this.sn(),
      asyncEvent: 0,
      asyncVCode: 0,
      parameter1: 0,
      parameter2: 0,
      parameter3: 0,
      data: EMPTY,
      ...o,
    };
  }

  // ----------------------------------------------------------------------------------------------
  // Login

  private loginResponse(req: LoginRequest, o: Partial<LoginResponse>): LoginResponse {
    return {
      opcode: Opcode.LOGIN_RESPONSE,
      transit: false,
      continue: false,
      csg: req.csg,
      nsg: 0,
      versionMax: 0,
      versionActive: 0,
      isid: req.isid,
      tsih: 0,
      itt: req.itt,
      ...this.sn(),
      statusClass: 0,
      statusDetail: 0,
      data: EMPTY,
      ...o,
    };
  }

  /** Answer one key the initiator sent, or undefined for none (declarations). */
  private answer(k: string, v: string, o: FakeLoginOptions): string | undefined {
    if (o.answers && Object.hasOwn(o.answers, k)) return o.answers[k];
    if (DECLARATIVE_KEYS.has(k)) return undefined;
    if (LIST_KEYS.has(k)) {
      const offered = v.split(',');
      const want = k === 'HeaderDigest' ? (o.headerDigest ?? 'None') : k === 'DataDigest' ? (o.dataDigest ?? 'None') : 'None';
      return offered.includes(want) ? want : offered.includes('None') ? 'None' : 'Reject';
    }
    if (ECHO_KEYS.has(k)) return v;
    return 'NotUnderstood';
  }

  /**
   * A minimal correct target side of the login (RFC 7143 6.3, 11.12-11.13): answers every Login Request,
   * gathers the initiator's text over the C bit (answering each piece with an empty response, RFC 7143 6.2), echoes the
   * operational keys within their result functions, declares its MaxRecvDataSegmentLength, and moves
   * on only when the initiator asks to (T bit). Returns what was negotiated; digests are switched on.
   */
  async login(o: FakeLoginOptions = {}): Promise<FakeLoginResult> {
    this.statSN = o.statSN ?? 0x100;
    const offered: KeyValue[] = [];
    const requests: LoginRequest[] = [];
    const responses: LoginResponse[] = [];
    const send = (r: LoginResponse) => {
      responses.push(r);
      this.send(r, { headerDigest: false, dataDigest: false });
    };
    let declared = false;
    let tpgtSent = false;
    let hd = 'None';
    let dd = 'None';
    let mrdsl = 8192;
    // A login takes a few exchanges; 16 bounds a confused peer.
    for (let ex = 0; ex < 16; ex++) {
      // One request, possibly in several PDUs (C bit): each piece but the last gets an empty response.
      const pieces: Buffer[] = [];
      let req = await this.expect<LoginRequest>(Opcode.LOGIN_REQUEST);
      requests.push(req);
      for (let n = 0; req.continue; n++) {
        if (n > 64) throw new Error('fake target: initiator text continued over more than 64 PDUs');
        pieces.push(req.data ?? EMPTY);
        send(this.loginResponse(req, { expCmdSN: req.cmdSN, maxCmdSN: snAdd(req.cmdSN, this.window - 1) }));
        req = await this.expect<LoginRequest>(Opcode.LOGIN_REQUEST);
        requests.push(req);
      }
      pieces.push(req.data ?? EMPTY);
      const pairs = decodeText(Buffer.concat(pieces));
      offered.push(...pairs);
      const answers: KeyValue[] = [];
      let normal = false;
      for (const [k, v] of pairs) {
        if (k === 'SessionType' && v === 'Normal') normal = true;
        if (k === 'HeaderDigest' || k === 'DataDigest') {
          const a = this.answer(k, v, o)!;
          if (k === 'HeaderDigest') hd = a;
          else dd = a;
        }
        if (k === 'MaxRecvDataSegmentLength') mrdsl = Number(v);
        const a = this.answer(k, v, o);
        if (a !== undefined) answers.push([k, a]);
      }
      if (normal && !tpgtSent) {
        // RFC 7143 13.9: the target declares its portal group tag in the first Login Response of a Normal session.
        answers.push(['TargetPortalGroupTag', '1']);
        tpgtSent = true;
      }
      if (req.csg === 1 && !declared) {
        answers.push(['MaxRecvDataSegmentLength', String(o.maxRecvDataSegmentLength ?? 262144)]);
        if (o.extraPairs) answers.push(...o.extraPairs);
        declared = true;
      }
      // The target moves on only when the initiator asked to (its T bit), to the stage it asked for.
      const text = encodeText(answers);
      const cuts = req.csg === 1 && o.splitAt && text.length ? o.splitAt.filter((c) => c > 0 && c < text.length) : [];
      let from = 0;
      for (const cut of cuts) {
        send(this.loginResponse(req, { continue: true, expCmdSN: req.cmdSN, maxCmdSN: snAdd(req.cmdSN, this.window - 1), data: text.subarray(from, cut) }));
        from = cut;
        // RFC 7143 6.2: an initiator answers a response with C=1 with an empty Login Request.
        req = await this.expect<LoginRequest>(Opcode.LOGIN_REQUEST);
        requests.push(req);
        if ((req.data?.length ?? 0) !== 0) throw new Error(`fake target: the initiator answered a C=1 Login Response with ${req.data!.length} bytes of text`);
      }
      const last = text.subarray(from);
      const final = req.transit && req.nsg === 3;
      if (final) {
        const expCmdSN = o.expCmdSN ?? req.cmdSN;
        const maxCmdSN = o.maxCmdSN ?? snAdd(expCmdSN, this.window - 1);
        this.expCmdSN = expCmdSN;
        this.maxCmdSN = maxCmdSN;
        if (o.maxCmdSN !== undefined) this.autoWindow = false;
        const tsih = o.tsih ?? 0x1234;
        send(this.loginResponse(req, { transit: true, nsg: 3, tsih, expCmdSN, maxCmdSN, data: last }));
        this.headerDigest = hd === 'CRC32C';
        this.dataDigest = dd === 'CRC32C';
        this.parser.headerDigest = this.headerDigest;
        this.parser.dataDigest = this.dataDigest;
        return {
          isid: req.isid,
          tsih,
          itt: req.itt,
          offered,
          requests,
          responses,
          headerDigest: this.headerDigest,
          dataDigest: this.dataDigest,
          initiatorMaxRecvDataSegmentLength: mrdsl,
        };
      }
      send(
        this.loginResponse(req, {
          transit: req.transit,
          nsg: req.transit ? req.nsg : 0,
          expCmdSN: req.cmdSN,
          maxCmdSN: snAdd(req.cmdSN, this.window - 1),
          data: last,
        }),
      );
    }
    throw new Error('fake target: login did not finish within 16 exchanges');
  }
}

export type Script = (c: FakeConn, index: number) => Promise<void>;

export class FakeTarget {
  readonly server: net.Server;
  readonly host: string;
  port = 0;
  readonly conns: FakeConn[] = [];
  /** Errors thrown by scripts (a script that ends because the initiator left is not an error of the test). */
  readonly errors: Error[] = [];
  private readonly running: Promise<void>[] = [];

  private constructor(script: Script, host: string) {
    this.host = host;
    this.server = net.createServer((socket) => {
      const c = new FakeConn(socket);
      const i = this.conns.length;
      this.conns.push(c);
      this.running.push(
        script(c, i).catch((e: unknown) => {
          this.errors.push(e instanceof Error ? e : new Error(String(e)));
          // Fail fast: the initiator sees the connection drop instead of waiting out its time limits.
          c.destroy();
        }),
      );
    });
  }

  static start(script: Script, host = '127.0.0.1'): Promise<FakeTarget> {
    const t = new FakeTarget(script, host);
    return new Promise((resolve, reject) => {
      t.server.once('error', reject);
      t.server.listen(0, host, () => {
        t.port = (t.server.address() as net.AddressInfo).port;
        resolve(t);
      });
    });
  }

  /** Wait (bounded) for every script started so far to finish. */
  async settled(timeoutMs = 3000): Promise<void> {
    await Promise.race([Promise.all(this.running), sleep(timeoutMs)]);
  }

  /** Stop listening and drop every connection. */
  close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
