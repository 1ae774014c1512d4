/**
 * One TCP connection carrying iSCSI PDUs: connects with a time limit, frames what is sent (digests,
 * padding), parses what arrives with the streaming parser, and offers a hook through which negative
 * tests alter, drop or replace outgoing PDUs, plus `sendRaw` for bytes that are not a PDU at all.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { AnyPdu, Opcode, decodePdu, describePdu, encodeHeader, frameEncoded, PduParser, RawPdu, snLess } from '../../protocol/iscsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import { hostPort } from './url.js';

/**
 * What a send hook may return: the PDU (possibly changed) to send normally; a Buffer or Buffer[]
 * to send as raw bytes instead; `null` to drop it silently.
 */
export type SendHookResult = AnyPdu | Buffer | Buffer[] | null | undefined;

export interface TraceEntry {
  dir: 'send' | 'recv';
  time: number;
  /** One-line description of the PDU, or of the raw bytes. */
  text: string;
  /** The bytes as framed on the wire (header, digest, data, padding). */
  bytes: Buffer[];
}

export interface ConnectionHooks {
  /** Called with each PDU about to be sent. */
  beforeSend?: (pdu: AnyPdu) => SendHookResult;
  /** Called with each encoded header (BHS + AHS) just before framing: edit bytes in place. */
  editHeader?: (header: Buffer, pdu: AnyPdu) => void;
  /** Called with each PDU received, before the session sees it: return false to drop it. */
  onReceive?: (pdu: AnyPdu, raw: RawPdu) => boolean | void;
}

export interface ConnectOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  /** Record every PDU in both directions (for --trace and failure reports). */
  trace?: boolean;
  /** Bound on trace entries kept (oldest dropped). */
  traceLimit?: number;
}

/**
 * Socket reads land in one reused buffer per connection: libuv reads as much as is there, and a warm
 * buffer costs no page faults (fresh buffers for every read cost the kernel a zeroed page per 4 KiB,
 * which halved throughput at 1 MiB reads). The parser therefore copies what it keeps, and each PDU's
 * data is copied once, to where it belongs: Data-In into its task's buffer, everything else as read.
 */
const READ_BUFFER = 16 << 10;

/** Login PDUs may carry at most 8192 bytes of data (RFC 7143 13.12: the default before negotiation). */
export const LOGIN_MAX_DATA_SEGMENT = 8192;

const EMPTY = Buffer.alloc(0);

/** Requests carrying a CmdSN a target reads (login's CmdSN is taken at login). */
const CMDSN_OPCODES = new Set<number>([Opcode.NOP_OUT, Opcode.SCSI_COMMAND, Opcode.TASK_MGMT_REQUEST, Opcode.TEXT_REQUEST, Opcode.LOGOUT_REQUEST]);

interface Reader {
  parser?: PduParser;
  deliver?: (chunk: Buffer, direct: boolean) => void;
}

export class Connection extends EventEmitter {
  readonly socket: net.Socket;
  readonly parser: PduParser;
  readonly hooks: ConnectionHooks = {};
  readonly where: string;
  /** Digests on what this side sends (applied after login). */
  sendHeaderDigest = false;
  sendDataDigest = false;
  private closedError: IscsiError | undefined;
  private closedFlag = false;
  readonly trace: TraceEntry[] | undefined;
  private readonly traceLimit: number;
  bytesSent = 0;
  bytesReceived = 0;
  /**
   * The most a target's ExpCmdSN can be after what was written (read from the header bytes as sent,
   * after every hook), or undefined before any request.
   */
  cmdSNSentUpTo: number | undefined;
  /** Bytes that were not a PDU encoded here were written (sendRaw, or a hook's raw bytes): CmdSNs sent are unknown. */
  rawSent = false;

  /**
   * Where a Data-In data segment should land, asked when its header is complete: a buffer of exactly
   * `length` bytes, or undefined. The next socket reads then go straight into it (no user-space copy).
   */
  placeData: ((header: Buffer, length: number) => Buffer | undefined) | undefined;

  private constructor(socket: net.Socket, where: string, opts: ConnectOptions, reader: Reader) {
    super();
    this.socket = socket;
    this.where = where;
    this.trace = opts.trace ? [] : undefined;
    this.traceLimit = opts.traceLimit ?? 2000;
    this.parser = new PduParser({ maxDataSegmentLength: LOGIN_MAX_DATA_SEGMENT, reuseInput: true, placeData: (h, n) => this.placeData?.(h, n) }, (raw) =>
      this.onRaw(raw),
    );
    reader.parser = this.parser;
    socket.setNoDelay(true);
    reader.deliver = (chunk: Buffer, direct: boolean) => {
      this.bytesReceived += chunk.length;
      try {
        if (direct) this.parser.pushDirect(chunk.length);
        else this.parser.push(chunk);
      } catch (e) {
        this.fail(e instanceof IscsiError ? e : new IscsiError('ISCSI_E_PROTOCOL', `while handling input from ${where}: ${(e as Error).message}`));
      }
    };
    socket.on('end', () => {
      try {
        this.parser.end();
        this.fail(new IscsiError('ISCSI_E_CLOSED', `${where} closed the connection`));
      } catch (e) {
        this.fail(e as IscsiError);
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.fail(new IscsiError('ISCSI_E_CLOSED', `connection to ${where} failed: ${e.code ?? e.message}`, { errno: e.code }));
    });
    socket.on('close', () => this.fail(new IscsiError('ISCSI_E_CLOSED', `connection to ${where} closed`)));
  }

  static connect(opts: ConnectOptions): Promise<Connection> {
    const where = hostPort(opts.host, opts.port);
    const limit = opts.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const reader: Reader = {};
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER);
      let handed: Buffer = readBuffer;
      const socket = net.connect({
        host: opts.host,
        port: opts.port,
        onread: {
          // Each read goes into the rest of a placed data segment if one is being filled, else into the warm buffer.
          buffer: () => (handed = reader.parser?.directBuffer() ?? readBuffer),
          callback: (n: number, buf: Uint8Array) => {
            reader.deliver?.((buf as Buffer).subarray(0, n), buf !== readBuffer && buf === handed);
            return true;
          },
        },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new IscsiError('ISCSI_E_TIMEOUT', `TCP connect to ${where} did not complete within ${limit} ms`));
      }, limit);
      const onError = (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new IscsiError('ISCSI_E_CONNECT', `cannot connect to ${where}: ${e.code ?? e.message}`, { errno: e.code }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new Connection(socket, where, opts, reader));
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }
  /** Why the connection ended, once it has. */
  get closeReason(): IscsiError | undefined {
    return this.closedError;
  }

  private record(dir: 'send' | 'recv', text: string, bytes: Buffer[]): void {
    if (!this.trace) return;
    this.trace.push({ dir, time: Date.now(), text, bytes });
    if (this.trace.length > this.traceLimit) this.trace.splice(0, this.trace.length - this.traceLimit);
  }

  private onRaw(raw: RawPdu): void {
    let pdu: AnyPdu;
    let lent = false;
    if ((raw.header[0]! & 0x3f) === Opcode.DATA_IN && raw.dataLength > 0) {
      // Data-In is lent, not copied: `dataParts` is valid while the PDU is dispatched, and the session
      // copies it into its task's buffer (or it was placed there already). `data` stays unset.
      lent = true;
      pdu = decodePdu(raw.header);
      pdu.dataParts = raw.parts;
    } else {
      pdu = decodePdu(raw.header, raw.dataLength === 0 ? EMPTY : raw.parts.length === 1 ? Buffer.from(raw.parts[0]!) : raw.data);
    }
    if (this.trace)
      this.record('recv', describePdu(pdu) + (raw.dataDigestError ? ' [DATA DIGEST ERROR]' : ''), [
        Buffer.from(raw.header),
        ...raw.parts.map((p) => Buffer.from(p)),
      ]);
    if (raw.dataDigestError) {
      throw new IscsiError(
        'ISCSI_E_DIGEST',
        `data digest mismatch on ${describePdu(pdu)}: received 0x${raw.dataDigestError.received.toString(16)}, computed 0x${raw.dataDigestError.expected.toString(16)}`,
      );
    }
    try {
      if (this.hooks.onReceive && this.hooks.onReceive(pdu, raw) === false) {
        // Hidden from the session on purpose; it still needs the PDU's numbers to check the next ones.
        this.emit('dropped', pdu);
        return;
      }
      this.emit('pdu', pdu, raw);
    } finally {
      if (lent) pdu.dataParts = undefined;
    }
  }

  /** Send a PDU through the hooks; returns false if the hook dropped it. */
  send(pdu: AnyPdu): boolean {
    if (this.closedFlag) throw this.closedError ?? new IscsiError('ISCSI_E_CLOSED', `connection to ${this.where} is closed`);
    let out: SendHookResult = pdu;
    if (this.hooks.beforeSend) out = this.hooks.beforeSend(pdu);
    if (out === null) {
      if (this.trace) this.record('send', `(dropped by hook) ${describePdu(pdu)}`, []);
      return false;
    }
    if (out === undefined) out = pdu;
    if (Buffer.isBuffer(out) || Array.isArray(out)) {
      this.sendRaw(Buffer.isBuffer(out) ? [out] : out, this.trace ? `(raw from hook for ${describePdu(pdu)})` : '');
      return true;
    }
    const header = encodeHeader(out);
    if (this.hooks.editHeader) this.hooks.editHeader(header, out);
    this.noteCmdSN(header);
    const bufs = frameEncoded(header, out.data, { headerDigest: this.sendHeaderDigest, dataDigest: this.sendDataDigest });
    if (this.trace) this.record('send', describePdu(out), bufs);
    this.write(bufs);
    return true;
  }

  /**
   * Track the CmdSN of a request as the target will read it (RFC 7143 4.2.2.1): a non-immediate one
   * lets ExpCmdSN reach its CmdSN + 1; an immediate one its CmdSN (a target may take the CmdSNs before
   * it as received, as ABORT TASK asks for a RefCmdSN not yet received, 11.5.1).
   */
  private noteCmdSN(header: Buffer): void {
    const op = header[0]! & 0x3f;
    if (!CMDSN_OPCODES.has(op)) return;
    const immediate = (header[0]! & 0x40) !== 0;
    const next = (header.readUInt32BE(24) + (immediate ? 0 : 1)) >>> 0;
    if (this.cmdSNSentUpTo === undefined || snLess(this.cmdSNSentUpTo, next)) this.cmdSNSentUpTo = next;
  }

  /** Write bytes as they are (negative tests: malformed or partial PDUs). */
  sendRaw(bufs: Buffer[], text = '(raw bytes)'): void {
    if (this.closedFlag) throw this.closedError ?? new IscsiError('ISCSI_E_CLOSED', `connection to ${this.where} is closed`);
    this.rawSent = true;
    this.record('send', text, bufs);
    this.write(bufs);
  }

  private write(bufs: Buffer[]): void {
    // What is sent in one tick leaves in one write (commands issued together share one writev); a
    // single buffer is written as it is, without corking the stream.
    for (const b of bufs) {
      this.bytesSent += b.length;
      this.pending.push(b);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  private pending: Buffer[] = [];
  private flushScheduled = false;

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const bufs = this.pending;
    if (bufs.length === 0 || this.closedFlag) {
      bufs.length = 0;
      return;
    }
    this.pending = [];
    if (bufs.length === 1) {
      this.socket.write(bufs[0]!);
      return;
    }
    this.socket.cork();
    for (const b of bufs) this.socket.write(b);
    this.socket.uncork();
  };

  /** Resolves when what was written so far has been handed to the kernel. */
  drained(): Promise<void> {
    this.flush();
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((r) => this.socket.once('drain', () => r()));
  }

  private fail(err: IscsiError): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.closedError = err;
    this.socket.destroy();
    this.emit('closed', err);
  }

  /** Close the TCP connection at once, without Logout (as an I_T nexus loss). */
  destroy(reason = 'closed by the initiator'): void {
    this.fail(new IscsiError('ISCSI_E_CLOSED', `connection to ${this.where} ${reason}`));
  }

  /** Half-close: send FIN and wait for the peer to close (after Logout). */
  end(timeoutMs = 2000): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.destroy('closed after logout');
        resolve();
      }, timeoutMs);
      this.once('closed', () => {
        clearTimeout(t);
        resolve();
      });
      this.flush();
      this.socket.end();
    });
  }
}
