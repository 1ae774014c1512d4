/**
 * An iSNS client with the capabilities of NetBSD's isns(3), in TypeScript: a handle bound to a server
 * connection that reconnects when TCP breaks; transactions built from TLVs and strings; a send with a
 * bounded wait that resolves with the response status and its TLVs in order; registration refresh at
 * an interval; stop() that cancels everything. Beyond isns(3): kept transactions (a registration, an
 * SCN registration) sent again on every new connection, since a restarted server may have lost them; it
 * receives State Change Notifications and answers Entity Status Inquiries (on its server connection and
 * on connections the server opens to the SCN/ESI port this client listens on, as open-isns does), and
 * listens for Heartbeats (UDP; heartbeat.ts finds a server by them).
 *
 * Failures are IsnsErrors: ISNS_E_TIMEOUT (no answer within the wait), ISNS_E_CLOSED (connection lost
 * while waiting), ISNS_E_STOPPED (stop() called). A non-zero status is a resolved response, not an error:
 * callers look at `status` as isns_send_trans's callers do.
 */
import * as dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { IsnsChannel } from './channel.js';
import { Flag, Func, functionName, ISNS_PORT, isResponse, RESPONSE_BIT, Status, statusName, Tag } from './constants.js';
import { IsnsError } from './errors.js';
import {
  decodeHeartbeat,
  decodeHeartbeatDatagram,
  decodeResponse,
  describeMessage,
  Heartbeat,
  IsnsMessage,
  requestPayload,
  responsePayload,
} from './message.js';
import { AttrValue, decodeTlvs, delimiter, Tlv, tlv, tlvValue } from './tlv.js';

export interface ClientOptions {
  host: string;
  port?: number;
  /** Time to wait for TCP connect before a send fails (default 3000 ms). */
  connectTimeoutMs?: number;
  /** Delay before reconnecting after the connection broke (default 1000 ms). */
  reconnectDelayMs?: number;
  /** Default bounded wait of a send (default 5000 ms). */
  timeoutMs?: number;
  /** Called with one line per message in and out, for -d and traces. */
  log?: (line: string) => void;
}

export interface IsnsResponse {
  functionId: number;
  status: number;
  statusName: string;
  /** The response's TLVs in the order they came. */
  tlvs: Tlv[];
}

/** A request being built: isns_new_trans/isns_add_tlv/isns_add_string. */
export class IsnsTransaction {
  readonly tlvs: Tlv[] = [];
  constructor(
    readonly functionId: number,
    readonly flags = 0,
  ) {}

  /** Add an attribute; the value is typed by the attribute table (raw bytes for unknown tags). */
  add(tag: number, value: AttrValue = null): this {
    this.tlvs.push(tlv(tag, value));
    return this;
  }

  addString(tag: number, s: string): this {
    return this.add(tag, s);
  }

  addTlv(t: Tlv): this {
    this.tlvs.push(t);
    return this;
  }

  delimiter(): this {
    this.tlvs.push(delimiter());
    return this;
  }
}

/** A State Change Notification as received (RFC 4171 5.6.5.8). */
export interface ScnNotice {
  /** The destination: the iSCSI Name this SCN is for. */
  destination: string | undefined;
  /** The iSCSI Names the SCN reports on, each with its SCN bitmap. */
  changes: { name: string; bitmap: number }[];
  tlvs: Tlv[];
}

interface KeptTransaction {
  t: IsnsTransaction;
  onResult: ((r: IsnsResponse | IsnsError) => void) | undefined;
  /** The connection it was last sent on: a new connection means a server that may have forgotten it. */
  sentOn: IsnsChannel | undefined;
}

interface Waiter {
  resolve: (r: IsnsResponse) => void;
  reject: (e: IsnsError) => void;
  timer: NodeJS.Timeout;
  functionId: number;
}

export interface IsnsClientEvents {
  scn: [ScnNotice];
  esi: [Tlv[]];
  heartbeat: [Heartbeat];
  /** The server connection came up (first time or after a reconnect). */
  connect: [];
  disconnect: [];
  /** Something the server sent was wrong (unsolicited response, malformed PDU): never thrown. */
  error: [IsnsError];
}

export class IsnsClient extends EventEmitter<IsnsClientEvents> {
  readonly host: string;
  readonly port: number;
  private channel: IsnsChannel | undefined;
  private connecting: Promise<IsnsChannel> | undefined;
  private readonly waiters = new Map<number, Waiter>();
  private nextXid = 1;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private listener: net.Server | undefined;
  private readonly inbound = new Set<IsnsChannel>();
  private udp: dgram.Socket | undefined;
  /** Transactions sent again on every new server connection (keep()), in the order they were kept. */
  private readonly kept: KeptTransaction[] = [];
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  /** Leave ESIs unanswered (a defect on purpose, for tests of ESI checks). */
  ignoreEsi = false;

  constructor(private readonly opts: ClientOptions) {
    super();
    this.host = opts.host;
    this.port = opts.port ?? ISNS_PORT;
    // An 'error' event with no listener would throw: the client reports, the caller may listen.
    this.on('error', () => {});
  }

  get connected(): boolean {
    return this.channel !== undefined && !this.channel.isClosed;
  }

  /** Build a transaction (isns_new_trans). */
  transaction(functionId: number, flags = 0): IsnsTransaction {
    return new IsnsTransaction(functionId, flags);
  }

  /**
   * Send and wait at most `timeoutMs` for the response (isns_send_trans with a timeout). Connects first
   * if needed, within the same bound.
   */
  async send(t: IsnsTransaction, timeoutMs = this.opts.timeoutMs ?? 5000): Promise<IsnsResponse> {
    if (this.stopped) throw new IsnsError('ISNS_E_STOPPED', `iSNS client for ${this.host}:${this.port} is stopped`);
    const deadline = Date.now() + timeoutMs;
    const ch = await this.withDeadline(this.connect(), deadline, `connecting to iSNS server ${this.host}:${this.port}`);
    const xid = this.allocXid();
    const what = `${functionName(t.functionId)} xid=${xid} to ${this.host}:${this.port}`;
    return new Promise<IsnsResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiters.delete(xid);
          reject(new IsnsError('ISNS_E_TIMEOUT', `${what}: no response within ${timeoutMs} ms`, { functionId: t.functionId }));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiters.set(xid, { resolve, reject, timer, functionId: t.functionId });
      const m: IsnsMessage = { functionId: t.functionId, flags: Flag.CLIENT | t.flags, transactionId: xid, payload: requestPayload(t.tlvs) };
      this.opts.log?.(`isns > ${describeMessage(m)}`);
      try {
        ch.send(m);
      } catch (err) {
        clearTimeout(timer);
        this.waiters.delete(xid);
        reject(err as IsnsError);
      }
    });
  }

  /** Shorthand: a transaction from a TLV list. */
  request(functionId: number, tlvs: Tlv[], opts: { flags?: number; timeoutMs?: number } = {}): Promise<IsnsResponse> {
    const t = this.transaction(functionId, opts.flags ?? 0);
    for (const x of tlvs) t.addTlv(x);
    return this.send(t, opts.timeoutMs);
  }

  /**
   * Refresh a registration every `intervalMs` (isns_init_reg_refresh): a DevAttrQry whose Source and key
   * are `node`, which the server counts as contact from the entity (RFC 4171 6.2.6). `onResult` sees each
   * outcome, so a caller can re-register when the server no longer knows the node. Returns a cancel.
   */
  startRefresh(node: string, intervalMs: number, onResult?: (r: IsnsResponse | IsnsError) => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      this.timers.delete(timer!);
      if (this.stopped) return;
      const t = this.transaction(Func.DevAttrQry).add(Tag.IscsiName, node).add(Tag.IscsiName, node).delimiter().add(Tag.EntityId);
      this.send(t, Math.min(intervalMs, this.opts.timeoutMs ?? 5000))
        .then(
          (r) => onResult?.(r),
          (e: IsnsError) => onResult?.(e),
        )
        .finally(() => {
          if (this.stopped || cancelled) return;
          timer = setTimeout(tick, intervalMs);
          this.timers.add(timer);
        });
    };
    let cancelled = false;
    timer = setTimeout(tick, intervalMs);
    this.timers.add(timer);
    return () => {
      cancelled = true;
      if (timer) {
        clearTimeout(timer);
        this.timers.delete(timer);
      }
    };
  }

  /**
   * Send `t` now and again on every new connection to the server, in the order kept: a registration and
   * then its SCN registration. A server that restarted (the connection broke and came back) may have lost
   * both, and isns(3) leaves re-sending them to every caller. `onResult` sees each outcome, including
   * errors; a send that fails for a lost connection is sent again when the connection comes back.
   * Returns a cancel that stops further re-sends.
   */
  keep(t: IsnsTransaction, onResult?: (r: IsnsResponse | IsnsError) => void): () => void {
    const k: KeptTransaction = { t, onResult, sentOn: undefined };
    this.kept.push(k);
    this.flushKept();
    return () => {
      const i = this.kept.indexOf(k);
      if (i >= 0) this.kept.splice(i, 1);
    };
  }

  /** Send every kept transaction not yet sent on the current connection, one at a time and in order. */
  private flushKept(): void {
    if (this.stopped || this.kept.length === 0) return;
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = (async () => {
      do {
        this.flushAgain = false;
        for (const k of [...this.kept]) {
          if (this.stopped) return;
          if (!this.kept.includes(k)) continue;
          let ch: IsnsChannel;
          try {
            ch = await this.connect();
          } catch {
            return; // the reconnect timer connects later, and the new connection flushes again
          }
          if (k.sentOn === ch) continue;
          k.sentOn = ch;
          const r = await this.send(k.t).catch((e: IsnsError) => e);
          if (this.kept.includes(k)) k.onResult?.(r);
        }
      } while (this.flushAgain && !this.stopped);
    })().finally(() => (this.flushing = undefined));
  }

  /**
   * Accept connections the server opens to deliver SCNs and ESIs (the SCN Port / ESI Port this client
   * registers). Resolves with the port bound (0 picks a free one).
   */
  async listen(host = '127.0.0.1', port = 0): Promise<number> {
    if (this.listener) return (this.listener.address() as net.AddressInfo).port;
    const srv = net.createServer((sock) => {
      if (this.stopped) return void sock.destroy();
      const ch = new IsnsChannel(sock, {
        message: (m, c) => this.onServerMessage(m, c),
        error: (e) => this.emit('error', e),
        close: (c) => this.inbound.delete(c),
      });
      this.inbound.add(ch);
    });
    this.listener = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => resolve());
    });
    return (srv.address() as net.AddressInfo).port;
  }

  /** Listen for Heartbeat messages (RFC 4171 5.6.5.14), which a server sends by UDP. */
  async listenHeartbeat(port: number, host = '0.0.0.0'): Promise<number> {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.udp = s;
    s.on('message', (d) => this.onDatagram(d));
    s.on('error', (e) => this.emit('error', new IsnsError('ISNS_E_CLOSED', `Heartbeat socket: ${e.message}`)));
    await new Promise<void>((resolve) => s.bind(port, host, () => resolve()));
    return s.address().port;
  }

  private onDatagram(d: Buffer): void {
    try {
      this.emit('heartbeat', decodeHeartbeatDatagram(d));
    } catch (e) {
      this.emit('error', e as IsnsError);
    }
  }

  /** Cancel everything: timers, pending transactions (ISNS_E_STOPPED), connections, listeners. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.failWaiters(new IsnsError('ISNS_E_STOPPED', `iSNS client for ${this.host}:${this.port} stopped`));
    this.channel?.close();
    for (const c of this.inbound) c.close();
    this.listener?.close();
    this.udp?.close();
  }

  private allocXid(): number {
    for (let i = 0; i < 0x10000; i++) {
      const x = this.nextXid;
      this.nextXid = (this.nextXid % 0xffff) + 1;
      if (!this.waiters.has(x)) return x;
    }
    throw new IsnsError('ISNS_E_RANGE', 'all 65535 transaction IDs are in flight');
  }

  private withDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const ms = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => reject(new IsnsError('ISNS_E_TIMEOUT', `${what}: no answer within the wait`)), ms);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  private connect(): Promise<IsnsChannel> {
    if (this.channel && !this.channel.isClosed) return Promise.resolve(this.channel);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<IsnsChannel>((resolve, reject) => {
      const sock = net.connect({ host: this.host, port: this.port });
      const limit = setTimeout(() => {
        sock.destroy();
        fail(new IsnsError('ISNS_E_CLOSED', `iSNS server ${this.host}:${this.port}: connect timed out`));
      }, this.opts.connectTimeoutMs ?? 3000);
      const fail = (e: IsnsError) => {
        clearTimeout(limit);
        this.connecting = undefined;
        reject(e);
        this.scheduleReconnect();
      };
      sock.once('error', (e) => fail(new IsnsError('ISNS_E_CLOSED', `iSNS server ${this.host}:${this.port}: ${e.message}`)));
      sock.once('connect', () => {
        clearTimeout(limit);
        sock.removeAllListeners('error');
        this.connecting = undefined;
        if (this.stopped) {
          sock.destroy();
          return reject(new IsnsError('ISNS_E_STOPPED', 'iSNS client stopped'));
        }
        const ch = new IsnsChannel(sock, {
          message: (m, c) => this.onServerMessage(m, c),
          error: (e) => this.emit('error', e),
          close: () => this.onDisconnect(ch),
        });
        this.channel = ch;
        this.emit('connect');
        resolve(ch);
        this.flushKept();
      });
    });
    return this.connecting;
  }

  private onDisconnect(ch: IsnsChannel): void {
    if (this.channel !== ch) return;
    this.channel = undefined;
    this.failWaiters(new IsnsError('ISNS_E_CLOSED', `connection to iSNS server ${this.host}:${this.port} closed before the response`));
    this.emit('disconnect');
    this.scheduleReconnect();
  }

  /** Reconnect in the background so that server-initiated messages over our connection resume. */
  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped && !this.connected) this.connect().catch(() => {});
    }, this.opts.reconnectDelayMs ?? 1000);
  }

  private failWaiters(e: IsnsError): void {
    for (const [xid, w] of this.waiters) {
      clearTimeout(w.timer);
      this.waiters.delete(xid);
      w.reject(e);
    }
  }

  private onServerMessage(m: IsnsMessage, ch: IsnsChannel): void {
    this.opts.log?.(`isns < ${describeMessage(m)}`);
    if (isResponse(m.functionId)) {
      const w = this.waiters.get(m.transactionId);
      if (!w || (w.functionId | RESPONSE_BIT) !== m.functionId) {
        this.emit(
          'error',
          new IsnsError('ISNS_E_UNSOLICITED', `${functionName(m.functionId)} xid=${m.transactionId} answers no request this client sent`, {
            functionId: m.functionId,
          }),
        );
        return;
      }
      this.waiters.delete(m.transactionId);
      clearTimeout(w.timer);
      try {
        const r = decodeResponse(m.payload);
        w.resolve({ functionId: m.functionId, status: r.status, statusName: statusName(r.status), tlvs: r.tlvs });
      } catch (e) {
        w.reject(e as IsnsError);
      }
      return;
    }
    let tlvs: Tlv[];
    try {
      if (m.functionId === Func.Heartbeat) return void this.emit('heartbeat', decodeHeartbeat(m.payload));
      tlvs = decodeTlvs(m.payload);
    } catch (e) {
      this.reply(ch, m, Status.MessageFormatError, []);
      this.emit('error', e as IsnsError);
      return;
    }
    switch (m.functionId) {
      case Func.ESI:
        if (this.ignoreEsi) return;
        // ESIRsp echoes the inquiry's Entity Identifier and portal (RFC 4171 5.7.5.13).
        this.reply(ch, m, Status.Successful, tlvs);
        this.emit('esi', tlvs);
        return;
      case Func.SCN: {
        const notice = scnNotice(tlvs);
        // SCNRsp names the destination that received it (RFC 4171 5.7.5.8).
        this.reply(ch, m, Status.Successful, tlvs.slice(0, 1));
        this.emit('scn', notice);
        return;
      }
      default:
        this.reply(ch, m, Status.MessageNotSupported, []);
    }
  }

  private reply(ch: IsnsChannel, m: IsnsMessage, status: number, tlvs: Tlv[]): void {
    const r: IsnsMessage = {
      functionId: m.functionId | RESPONSE_BIT,
      flags: Flag.CLIENT,
      transactionId: m.transactionId,
      payload: responsePayload(status, tlvs),
    };
    this.opts.log?.(`isns > ${describeMessage(r)}`);
    try {
      ch.send(r);
    } catch {
      /* the server hung up: nothing to answer */
    }
  }
}

function scnNotice(tlvs: Tlv[]): ScnNotice {
  const text = (t: Tlv | undefined) => {
    try {
      const v = t ? tlvValue(t) : undefined;
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  };
  // After the destination and the Timestamp, each iSCSI SCN Bitmap precedes the source attributes it
  // reports on (RFC 4171 5.6.5.8; open-isns sends them so).
  const changes: ScnNotice['changes'] = [];
  let bitmap: number | undefined;
  for (const t of tlvs.slice(1)) {
    if (t.tag === Tag.IscsiScnBitmap && t.value.length === 4) bitmap = t.value.readUInt32BE(0);
    else if (t.tag === Tag.IscsiName && bitmap !== undefined) {
      const name = text(t);
      if (name !== undefined) changes.push({ name, bitmap });
    }
  }
  return { destination: tlvs[0]?.tag === Tag.IscsiName ? text(tlvs[0]) : undefined, changes, tlvs };
}
