/**
 * The streaming inverse of encodeMessage: bytes in (split anywhere), whole messages out. A parser
 * driven by an explicit state (header, then payload) frames PDUs; an assembler joins the PDUs of a
 * message by function and transaction ID in sequence order (RFC 4171 5.3). Memory is bounded: a PDU is
 * at most 12 + 65532 bytes, a message at most `maxMessage` bytes, and at most `maxPending` messages
 * may be half-received at once.
 *
 * Errors are typed. ISNS_E_PDU (bad version, length) leaves the stream unsynchronised: the caller
 * closes the connection. ISNS_E_FUNCTION and ISNS_E_SEQUENCE concern one PDU whose length was sound: the
 * parser has skipped it and goes on; the caller may answer or log it.
 */
import { Flag, functionName, ISNS_HEADER_LENGTH, ISNS_MAX_PAYLOAD, ISNSP_VERSION, isKnownFunction } from './constants.js';
import { IsnsError } from './errors.js';
import { decodeHeader, IsnsHeader, IsnsMessage } from './message.js';

const enum State {
  Header,
  Payload,
  Failed,
}

export interface ParserOptions {
  /** Longest reassembled message payload (default 1 MiB). */
  maxMessage?: number;
  /** Most messages half-received at once (default 8). */
  maxPending?: number;
}

interface Pending {
  functionId: number;
  flags: number;
  transactionId: number;
  nextSeq: number;
  parts: Buffer[];
  size: number;
}

export class IsnsParser {
  private state = State.Header;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private header: IsnsHeader | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly maxMessage: number;
  private readonly maxPending: number;

  /**
   * `onMessage` gets each whole message; `onError` each error. After an ISNS_E_PDU error the parser
   * refuses further input (the framing is lost).
   */
  constructor(
    private readonly onMessage: (m: IsnsMessage, lastHeader: IsnsHeader) => void,
    private readonly onError: (e: IsnsError) => void,
    opts: ParserOptions = {},
  ) {
    this.maxMessage = opts.maxMessage ?? 1 << 20;
    this.maxPending = opts.maxPending ?? 8;
  }

  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Bytes held for an unfinished PDU (for a connection that closes mid-PDU). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (this.state === State.Failed) return;
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.state === State.Header) {
        if (this.buffered < ISNS_HEADER_LENGTH) return;
        const h = decodeHeader(this.take(ISNS_HEADER_LENGTH));
        const bad = this.checkHeader(h);
        if (bad) {
          this.state = State.Failed;
          this.chunks.length = 0;
          this.buffered = 0;
          this.onError(bad);
          return;
        }
        this.header = h;
        this.state = State.Payload;
      }
      if (this.state === State.Payload) {
        const h = this.header!;
        if (this.buffered < h.length) return;
        const payload = this.take(h.length);
        this.state = State.Header;
        this.header = undefined;
        this.pdu(h, payload);
        if (this.state !== State.Header) return;
      }
    }
  }

  private checkHeader(h: IsnsHeader): IsnsError | undefined {
    if (h.version !== ISNSP_VERSION) {
      return new IsnsError('ISNS_E_PDU', `iSNSP version ${h.version} is not ${ISNSP_VERSION} (RFC 4171 5.1.1)`, { header: h });
    }
    if (h.length % 4 !== 0 || h.length > ISNS_MAX_PAYLOAD) {
      return new IsnsError(
        'ISNS_E_PDU',
        `${functionName(h.functionId)}: PDU length ${h.length} is not a multiple of 4 up to ${ISNS_MAX_PAYLOAD} (RFC 4171 5.1.3)`,
        { header: h },
      );
    }
    return undefined;
  }

  private pdu(h: IsnsHeader, payload: Buffer): void {
    if (!isKnownFunction(h.functionId)) {
      this.onError(
        new IsnsError('ISNS_E_FUNCTION', `unknown function ID 0x${h.functionId.toString(16).padStart(4, '0')} (xid ${h.transactionId})`, { header: h }),
      );
      return;
    }
    const key = `${h.functionId}/${h.transactionId}`;
    const first = (h.flags & Flag.FIRST_PDU) !== 0;
    const last = (h.flags & Flag.LAST_PDU) !== 0;
    let p = this.pending.get(key);
    const seqError = (msg: string) => {
      this.pending.delete(key);
      this.onError(new IsnsError('ISNS_E_SEQUENCE', `${functionName(h.functionId)} xid ${h.transactionId}: ${msg} (RFC 4171 5.3)`, { header: h }));
    };
    if (first) {
      if (p) return seqError(`a First PDU arrived while PDU ${p.nextSeq} of the same message was awaited`);
      if (!last && this.pending.size >= this.maxPending) {
        return seqError(`more than ${this.maxPending} messages are half-received`);
      }
      p = {
        functionId: h.functionId,
        flags: h.flags & ~(Flag.FIRST_PDU | Flag.LAST_PDU),
        transactionId: h.transactionId,
        nextSeq: h.sequenceId,
        parts: [],
        size: 0,
      };
    } else if (!p) {
      return seqError(`PDU with sequence ID ${h.sequenceId} has no First PDU before it`);
    }
    if (h.sequenceId !== p.nextSeq) return seqError(`sequence ID ${h.sequenceId} where ${p.nextSeq} was next`);
    if (p.size + payload.length > this.maxMessage) return seqError(`message longer than ${this.maxMessage} bytes`);
    p.parts.push(payload);
    p.size += payload.length;
    p.nextSeq = (p.nextSeq + 1) & 0xffff;
    if (!last) {
      this.pending.set(key, p);
      return;
    }
    this.pending.delete(key);
    const whole = p.parts.length === 1 ? p.parts[0]! : Buffer.concat(p.parts, p.size);
    this.onMessage({ functionId: p.functionId, flags: p.flags, transactionId: p.transactionId, payload: whole }, h);
  }

  /** Take n bytes from the front of the buffered chunks (a slice when one chunk holds them). */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at = 0;
      while (at < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - at);
        c.copy(out, at, 0, k);
        at += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
  }
}

/** Parse a whole buffer (tests, captures): every message, or the first error thrown. */
export function parseMessages(buf: Buffer, opts?: ParserOptions): IsnsMessage[] {
  const out: IsnsMessage[] = [];
  let error: IsnsError | undefined;
  const p = new IsnsParser(
    (m) => out.push(m),
    (e) => (error ??= e),
    opts,
  );
  p.push(buf);
  if (error) throw error;
  if (p.bufferedBytes > 0) throw new IsnsError('ISNS_E_PDU', `input ends inside a PDU: ${p.bufferedBytes} bytes left over`);
  return out;
}
