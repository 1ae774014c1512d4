/**
 * Framing: a PDU on the wire is BHS, AHS, optional header digest, data segment, padding to 4 bytes,
 * optional data digest (RFC 7143 11.2). `framePdu` produces the pieces to write without copying the
 * data segment; `PduParser` is the streaming inverse, driven by an explicit state enum, accepting input
 * split at any byte.
 */
import { BHS_LENGTH, opcodeName, padLength } from './constants.js';
import { crc32c, crc32cUpdate, dataDigest, readDigest, writeDigest } from './crc32c.js';
import { AnyPdu, dataSegmentLengthOf, decodePdu, encodeHeader } from './pdu.js';
import { IscsiError, protocolError } from '../errors.js';

export interface DigestOptions {
  headerDigest: boolean;
  dataDigest: boolean;
}

const PADS = [Buffer.alloc(0), Buffer.alloc(1), Buffer.alloc(2), Buffer.alloc(3)];

/**
 * Frame an already-encoded header and a data segment: returns the buffers to write in order. The data
 * segment is passed through, not copied.
 */
export function frameEncoded(header: Buffer, data: Buffer | undefined, opts: DigestOptions): Buffer[] {
  const out: Buffer[] = [];
  if (opts.headerDigest) {
    const h = Buffer.allocUnsafe(header.length + 4);
    header.copy(h, 0);
    writeDigest(crc32c(header), h, header.length);
    out.push(h);
  } else {
    out.push(header);
  }
  const len = data?.length ?? 0;
  if (len > 0) {
    out.push(data!);
    const pad = padLength(len);
    if (opts.dataDigest) {
      const tail = Buffer.alloc(pad + 4);
      writeDigest(dataDigest([data!], len), tail, pad);
      out.push(tail);
    } else if (pad) {
      out.push(PADS[pad]!);
    }
  }
  return out;
}

/** Encode and frame a PDU. */
export function framePdu(pdu: AnyPdu, opts: DigestOptions): Buffer[] {
  return frameEncoded(encodeHeader(pdu), pdu.data, opts);
}

/** Join the pieces of `framePdu` into one buffer (tests, captures, small PDUs). */
export const encodePdu = (pdu: AnyPdu, opts: DigestOptions = { headerDigest: false, dataDigest: false }): Buffer => Buffer.concat(framePdu(pdu, opts));

/** A PDU as the parser hands it over: header (BHS + AHS) and unpadded data, both slices where possible. */
export interface RawPdu {
  header: Buffer;
  /** The data segment: a slice when it arrived in one chunk, else joined (one copy) on first access. */
  readonly data: Buffer;
  /** The data segment as the slices of input it arrived in: read these to avoid any copy. */
  readonly parts: readonly Buffer[];
  readonly dataLength: number;
  /** Set when a data digest was negotiated and did not match: framing is intact, the data is not to be trusted. */
  dataDigestError?: { expected: number; received: number };
  /** Set when the header digest did not match and the parser was told not to verify it (verifyHeaderDigest false). */
  headerDigestError?: { expected: number; received: number };
}

export interface ParserOptions extends Partial<DigestOptions> {
  /** MaxRecvDataSegmentLength this side declared: a longer data segment is a protocol error. */
  maxDataSegmentLength: number;
  /**
   * The caller reuses each input chunk once `push` returns (reads into one warm buffer: fresh
   * buffers page-fault on every read). The parser then copies what it keeps across pushes (headers,
   * an unfinished PDU), and a delivered PDU's `data`/`parts` are valid only inside `onPdu`: a
   * receiver copies what it keeps, once, to where it belongs.
   */
  reuseInput?: boolean;
  /**
   * Asked once a PDU's header is complete and before its data segment is read: return a buffer of
   * exactly `dataLength` bytes to place the data segment in directly (a read's destination), or
   * undefined to receive it as usual. With it a reader can have the kernel copy a large Data-In
   * segment straight into its task's buffer (`directBuffer` / `pushDirect`).
   */
  placeData?: (header: Buffer, dataLength: number) => Buffer | undefined;
  /**
   * Headers (BHS, AHS) are copied even when the input is not reused: a receiver that keeps data
   * segments as slices of its input, and decoded headers for longer, then keeps no input chunk alive
   * through a header.
   */
  copyHeaders?: boolean;
}

const enum State {
  BHS,
  AHS,
  HEADER_DIGEST,
  DATA,
  /** Filling a caller-placed data buffer. */
  DIRECT,
  /** Padding and data digest after a placed data segment. */
  DIRECT_TAIL,
  FAILED,
}

/**
 * Streaming PDU parser. `push(chunk)` calls `onPdu` for every complete PDU, synchronously and in order;
 * inside `onPdu` the caller may change digests or the data-segment limit (they apply from the next
 * PDU on, as at the end of login). A fatal error (header digest mismatch, oversize segment, malformed
 * AHS) is thrown as an `IscsiError` and every later `push` throws it again.
 */
export class PduParser {
  headerDigest: boolean;
  dataDigest: boolean;
  /** Check the header digest (false only for a receiver that is broken on purpose: it still skips the 4 bytes). */
  verifyHeaderDigest = true;
  maxDataSegmentLength: number;
  private readonly onPdu: (raw: RawPdu) => void;
  private chunks: Buffer[] = [];
  private offset = 0;
  private avail = 0;
  private state = State.BHS;
  private bhs: Buffer | undefined;
  private header: Buffer | undefined;
  private dsl = 0;
  private parts: Buffer[] = NO_PARTS;
  private error: IscsiError | undefined;
  /** Bytes of the PDU in progress already taken off the chunks (BHS, AHS, data...). */
  private taken = 0;
  /** PDUs delivered so far. */
  count = 0;
  private readonly reuseInput: boolean;
  private readonly copyHeaders: boolean;
  private readonly placeData: ParserOptions['placeData'];
  private direct: Buffer | undefined;
  private directFilled = 0;
  private headerBad: RawPdu['headerDigestError'];

  constructor(opts: ParserOptions, onPdu: (raw: RawPdu) => void) {
    this.headerDigest = opts.headerDigest ?? false;
    this.dataDigest = opts.dataDigest ?? false;
    this.maxDataSegmentLength = opts.maxDataSegmentLength;
    this.reuseInput = opts.reuseInput ?? false;
    this.copyHeaders = this.reuseInput || (opts.copyHeaders ?? false);
    this.placeData = opts.placeData;
    this.onPdu = onPdu;
  }

  /** Bytes received but not yet part of a delivered PDU (those of the PDU in progress included). */
  get buffered(): number {
    return this.avail + this.taken;
  }

  /** True between PDUs (nothing of a next PDU received yet). */
  get idle(): boolean {
    return this.state === State.BHS && this.avail === 0;
  }

  push(chunk: Buffer): void {
    if (this.error) throw this.error;
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.avail += chunk.length;
    try {
      this.drain();
      if (this.reuseInput && this.chunks[this.chunks.length - 1] === chunk) {
        // Keep the unfinished tail of the caller's buffer: copy it, once.
        const i = this.chunks.length - 1;
        const from = i === 0 ? this.offset : 0;
        this.chunks[i] = Buffer.from(chunk.subarray(from));
        if (i === 0) this.offset = 0;
      }
    } catch (e) {
      this.state = State.FAILED;
      this.error = e instanceof IscsiError ? e : protocolError(`PDU handler failed: ${(e as Error).message}`);
      throw e;
    }
  }

  /**
   * Where the next read should land: the unfilled rest of a placed data segment, when nothing else
   * is pending; undefined when input should go to the caller's own read buffer.
   */
  directBuffer(): Buffer | undefined {
    if (this.state !== State.DIRECT || this.avail !== 0) return undefined;
    return this.direct!.subarray(this.directFilled);
  }

  /** `n` bytes were read straight into `directBuffer()`. */
  pushDirect(n: number): void {
    if (this.error) throw this.error;
    if (this.state !== State.DIRECT || n > this.dsl - this.directFilled) {
      throw protocolError('pushDirect called while no placed data segment was being filled');
    }
    this.directFilled += n;
    this.taken += n;
    try {
      if (this.directFilled === this.dsl) this.state = State.DIRECT_TAIL;
      this.drain();
    } catch (e) {
      this.state = State.FAILED;
      this.error = e instanceof IscsiError ? e : protocolError(`PDU handler failed: ${(e as Error).message}`);
      throw e;
    }
  }

  /** The stream ended: an error if it ended inside a PDU. */
  end(): void {
    if (this.error) return;
    if (this.state !== State.BHS || this.avail > 0) {
      const where = this.bhs ? `inside a ${opcodeName(this.bhs[0]! & 0x3f)} PDU` : 'inside a PDU header';
      this.state = State.FAILED;
      this.error = new IscsiError('ISCSI_E_CLOSED', `connection closed ${where} (${this.buffered} bytes of it received)`);
      throw this.error;
    }
  }

  /** Take exactly n bytes: a slice when they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n && !this.copyHeaders) {
      const out = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      this.avail -= n;
      this.taken += n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    // Bounded by the number of chunks held.
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - filled, c.length - this.offset);
      c.copy(out, filled, this.offset, this.offset + k);
      filled += k;
      this.offset += k;
      if (this.offset === c.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.avail -= n;
    this.taken += n;
    return out;
  }

  /** Take exactly n bytes as slices of the chunks they lie in (no copy). */
  private takeParts(n: number): Buffer[] {
    const out: Buffer[] = [];
    // Bounded by the number of chunks held.
    while (n > 0) {
      const c = this.chunks[0]!;
      const k = Math.min(n, c.length - this.offset);
      out.push(c.subarray(this.offset, this.offset + k));
      this.offset += k;
      n -= k;
      this.avail -= k;
      this.taken += k;
      if (this.offset === c.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    return out;
  }

  private skip(n: number): void {
    // Bounded by the number of chunks held.
    while (n > 0) {
      const c = this.chunks[0]!;
      const k = Math.min(n, c.length - this.offset);
      this.offset += k;
      n -= k;
      this.avail -= k;
      this.taken += k;
      if (this.offset === c.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
  }

  private drain(): void {
    // Each pass either consumes bytes or returns for want of them: bounded by the input.
    for (;;) {
      switch (this.state) {
        case State.BHS: {
          if (this.avail < BHS_LENGTH) return;
          const bhs = this.take(BHS_LENGTH);
          this.bhs = bhs;
          this.dsl = dataSegmentLengthOf(bhs);
          if (this.dsl > this.maxDataSegmentLength) {
            throw protocolError(`${opcodeName(bhs[0]! & 0x3f)}: DataSegmentLength ${this.dsl} exceeds MaxRecvDataSegmentLength ${this.maxDataSegmentLength}`, {
              opcode: bhs[0]! & 0x3f,
              dataSegmentLength: this.dsl,
            });
          }
          this.state = bhs[4]! > 0 ? State.AHS : this.headerDigest ? State.HEADER_DIGEST : State.DATA;
          this.header = bhs;
          break;
        }
        case State.AHS: {
          const n = this.bhs![4]! * 4;
          if (this.avail < n) return;
          const ahs = this.take(n);
          this.header = Buffer.concat([this.bhs!, ahs]);
          this.state = this.headerDigest ? State.HEADER_DIGEST : State.DATA;
          break;
        }
        case State.HEADER_DIGEST: {
          if (this.avail < 4) return;
          const got = readDigest(this.take(4));
          const want = crc32c(this.header!);
          this.headerBad = got !== want ? { expected: want, received: got } : undefined;
          if (got !== want && this.verifyHeaderDigest) {
            throw new IscsiError(
              'ISCSI_E_DIGEST',
              `header digest mismatch on ${opcodeName(this.bhs![0]! & 0x3f)}: received 0x${got.toString(16)}, computed 0x${want.toString(16)}`,
              { opcode: this.bhs![0]! & 0x3f, expected: want, received: got },
            );
          }
          this.state = State.DATA;
          break;
        }
        case State.DATA: {
          if (this.placeData && this.dsl > 0 && this.direct === undefined) {
            const d = this.placeData(this.header!, this.dsl);
            if (d) {
              if (d.length !== this.dsl) throw protocolError(`placeData gave ${d.length} bytes for a ${this.dsl}-byte data segment`);
              this.direct = d;
              this.directFilled = 0;
              this.state = State.DIRECT;
              break;
            }
          }
          // Take the data only once its padding and digest are here too: with reuseInput the slices
          // would not survive until a later read.
          if (this.avail < this.dsl + this.tailLength()) return;
          this.parts = this.dsl > 0 ? this.takeParts(this.dsl) : NO_PARTS;
          this.finishData();
          break;
        }
        case State.DIRECT: {
          const want = this.dsl - this.directFilled;
          const k = Math.min(want, this.avail);
          if (k > 0) {
            let at = this.directFilled;
            for (const p of this.takeParts(k)) {
              p.copy(this.direct!, at);
              at += p.length;
            }
            this.directFilled = at;
          }
          if (this.directFilled < this.dsl) return;
          this.state = State.DIRECT_TAIL;
          break;
        }
        case State.DIRECT_TAIL: {
          // A placed segment is the caller's memory: it may wait here for its padding and digest.
          if (this.avail < this.tailLength()) return;
          this.parts = [this.direct!];
          this.finishData();
          break;
        }
        case State.FAILED:
          throw this.error ?? protocolError('parser failed');
      }
    }
  }

  /** Padding and data digest after the data segment. */
  private tailLength(): number {
    return padLength(this.dsl) + (this.dataDigest && this.dsl > 0 ? 4 : 0);
  }

  /** Consume the padding and check the data digest (it covers the padding as sent), then deliver. */
  private finishData(): void {
    const pad = padLength(this.dsl);
    if (!(this.dataDigest && this.dsl > 0)) {
      if (pad) this.skip(pad);
      this.deliver(undefined);
      return;
    }
    const padBytes = pad ? this.take(pad) : EMPTY;
    const got = readDigest(this.take(4));
    let want = 0;
    for (const p of this.parts) want = crc32cUpdate(want, p);
    want = crc32cUpdate(want, padBytes);
    this.deliver(got === want ? undefined : { expected: want, received: got });
  }

  private deliver(dataDigestError: RawPdu['dataDigestError']): void {
    const raw = new Raw(this.header!, this.parts, this.dsl);
    if (dataDigestError) raw.dataDigestError = dataDigestError;
    if (this.headerBad) raw.headerDigestError = this.headerBad;
    this.headerBad = undefined;
    this.state = State.BHS;
    this.bhs = undefined;
    this.header = undefined;
    this.parts = NO_PARTS;
    this.direct = undefined;
    this.taken = 0;
    this.count++;
    this.onPdu(raw);
  }
}

const EMPTY = Buffer.alloc(0);
const NO_PARTS: Buffer[] = [];

class Raw implements RawPdu {
  private joined: Buffer | undefined;
  dataDigestError?: { expected: number; received: number };
  headerDigestError?: { expected: number; received: number };
  constructor(
    readonly header: Buffer,
    readonly parts: readonly Buffer[],
    readonly dataLength: number,
  ) {}
  get data(): Buffer {
    if (this.joined === undefined) {
      this.joined = this.parts.length === 0 ? EMPTY : this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts as Buffer[], this.dataLength);
    }
    return this.joined;
  }
}

/** Parse a whole buffer holding complete PDUs (tests and captures). */
export function parseAll(buf: Buffer, opts: Partial<ParserOptions> = {}): AnyPdu[] {
  const out: AnyPdu[] = [];
  const p = new PduParser({ maxDataSegmentLength: 0xffffff, ...opts }, (raw) => out.push(decodePdu(raw.header, raw.data)));
  p.push(buf);
  p.end();
  return out;
}
