/**
 * An independent test-buffer builder, in the manner of pg-protocol's `testing/test-buffers`: the
 * expected wire bytes of a PDU are written field by field from the RFC 7143 section 11 diagrams with
 * this, never with the encoder under test. Every writer is big-endian (network byte order, RFC 7143
 * 11.1) except `u32le`, kept for the CRC32C digests (see crc32c.test.ts for why they are LSB first).
 *
 * `at(n)` asserts that exactly n bytes were written so far: a row states the RFC's byte offset of the
 * field it writes next, so a slip in the row is caught by the builder and not by the code under test.
 *
 * A bitwise CRC32C and the framing helpers below are the test's own, for the same reason.
 */

export class Wire {
  private readonly bytes: number[] = [];

  get length(): number {
    return this.bytes.length;
  }

  /** Assert the write position (the byte offset the RFC diagram gives for the next field). */
  at(offset: number): this {
    if (this.bytes.length !== offset) throw new Error(`test builder: at byte ${this.bytes.length}, the row expected ${offset}`);
    return this;
  }

  u8(v: number): this {
    check(v, 0xff);
    this.bytes.push(v);
    return this;
  }

  u16(v: number): this {
    check(v, 0xffff);
    this.bytes.push(Math.floor(v / 0x100) & 0xff, v & 0xff);
    return this;
  }

  u24(v: number): this {
    check(v, 0xffffff);
    this.bytes.push(Math.floor(v / 0x10000) & 0xff, Math.floor(v / 0x100) & 0xff, v & 0xff);
    return this;
  }

  u32(v: number): this {
    check(v, 0xffffffff);
    for (let shift = 24; shift >= 0; shift -= 8) this.bytes.push(Math.floor(v / 2 ** shift) & 0xff);
    return this;
  }

  /** Least significant byte first: only for digests. */
  u32le(v: number): this {
    check(v, 0xffffffff);
    for (let shift = 0; shift <= 24; shift += 8) this.bytes.push(Math.floor(v / 2 ** shift) & 0xff);
    return this;
  }

  u48(v: number): this {
    check(v, 0xffffffffffff);
    for (let shift = 40; shift >= 0; shift -= 8) this.bytes.push(Math.floor(v / 2 ** shift) & 0xff);
    return this;
  }

  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new Error(`test builder: ${v} does not fit 64 bits`);
    for (let shift = 56n; shift >= 0n; shift -= 8n) this.bytes.push(Number((v >> shift) & 0xffn));
    return this;
  }

  bytesOf(b: Uint8Array | readonly number[]): this {
    for (const x of b) this.u8(x);
    return this;
  }

  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.bytes.push(0);
    return this;
  }

  /** Hex digits; spaces, newlines and ':' are ignored ("01 c0 00 00"). */
  hex(s: string): this {
    const clean = s.replace(/[\s:]/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`test builder: bad hex ${s}`);
    for (let i = 0; i < clean.length; i += 2) this.bytes.push(parseInt(clean.slice(i, i + 2), 16));
    return this;
  }

  ascii(s: string): this {
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
    return this;
  }

  /** Zero bytes up to the next multiple of 4 (RFC 7143 11.2.3, 11.2.2). */
  pad4(): this {
    while (this.bytes.length % 4) this.bytes.push(0);
    return this;
  }

  /** Write another builder's bytes. */
  append(w: Wire | Buffer): this {
    return this.bytesOf(w instanceof Wire ? w.build() : w);
  }

  build(): Buffer {
    return Buffer.from(this.bytes);
  }

  toHex(): string {
    return this.build().toString('hex');
  }
}

function check(v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new Error(`test builder: ${v} does not fit 0..${max}`);
}

export const wire = (): Wire => new Wire();

/**
 * Byte 0 and bytes 4-7 of every BHS (RFC 7143 11.2.1): `.|I|opcode`, TotalAHSLength (4-byte words),
 * DataSegmentLength (24 bits). `byte1..3` are the opcode-specific bytes 1-3.
 */
export function bhsStart(opts: { opcode: number; immediate?: boolean; byte1: number; byte2?: number; byte3?: number; ahsWords?: number; dsl?: number }): Wire {
  return wire()
    .at(0)
    .u8((opts.immediate ? 0x40 : 0) | opts.opcode)
    .u8(opts.byte1)
    .u8(opts.byte2 ?? 0)
    .u8(opts.byte3 ?? 0)
    .at(4)
    .u8(opts.ahsWords ?? 0)
    .u24(opts.dsl ?? 0)
    .at(8);
}

// ---------------------------------------------------------------------------------------------
// CRC32C, bit by bit, straight from the definition (RFC 7143 13.1 / RFC 3720 B.4): register preset to
// all ones, bytes taken least significant bit first (the reflected form of 0x1EDC6F41 is 0x82F63B78),
// result complemented. Deliberately not table-driven, so that it shares nothing with crc32c.ts.

export function refCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Frame a hand-built header and data segment as RFC 7143 11.1 lays them out: header (BHS + AHS),
 * header digest, data segment, zero padding to 4 bytes, data digest over data and padding (13.1). No
 * data segment, no data digest. Digests go least significant byte first.
 */
export function frame(header: Buffer, data: Buffer, digests: { header?: boolean; data?: boolean } = {}): Buffer {
  const w = wire().append(header);
  if (digests.header) w.u32le(refCrc32c(header));
  if (data.length > 0) {
    const padded = wire().append(data).pad4().build();
    w.append(padded);
    if (digests.data) w.u32le(refCrc32c(padded));
  }
  return w.build();
}

// ---------------------------------------------------------------------------------------------
// A seeded PRNG (mulberry32) so that fuzz failures reproduce from the printed seed.

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
