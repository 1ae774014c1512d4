/**
 * PERSISTENT RESERVE IN parameter data (SPC-5 6.16: 6.16.2 READ KEYS, READ RESERVATION, REPORT
 * CAPABILITIES, READ FULL STATUS) and iSCSI TransportIDs (SPC-5).
 */
import { decodeError, rangeError } from '../errors.js';
import { bit, need, optUint, putBE, uint, uintBig, type U64 } from './util.js';

const cut = (ctx: string, b: Buffer, alloc: number | undefined) => (alloc === undefined ? b : b.subarray(0, uint(ctx, 'ALLOCATION LENGTH', alloc, 16)));

// --- READ KEYS -------------------------------------------------------------------------------------------

export interface PrReadKeys {
  generation: number;
  /** ADDITIONAL LENGTH: 8 × the number of registered keys. */
  additionalLength: number;
  keys: bigint[];
  truncated: boolean;
}

/** SPC-5 6.16.2 READ KEYS parameter data. */
export function parseReadKeys(buf: Buffer): PrReadKeys {
  const ctx = 'READ KEYS data';
  need(ctx, buf, 8);
  const additionalLength = buf.readUInt32BE(4);
  if (additionalLength % 8 !== 0) throw decodeError(`${ctx}: ADDITIONAL LENGTH ${additionalLength} is not a multiple of 8`);
  const declared = 8 + additionalLength;
  const end = Math.min(buf.length, declared);
  const keys: bigint[] = [];
  for (let off = 8; off + 8 <= end; off += 8) keys.push(buf.readBigUInt64BE(off));
  return { generation: buf.readUInt32BE(0), additionalLength, keys, truncated: buf.length < declared };
}

/** SPC-5 6.16.2 READ KEYS parameter data; `alloc` cuts the result, ADDITIONAL LENGTH stays full. */
export function encodeReadKeys(o: { generation: number; keys: U64[] }, alloc?: number): Buffer {
  const ctx = 'READ KEYS data';
  const b = Buffer.alloc(8 + 8 * o.keys.length);
  b.writeUInt32BE(uint(ctx, 'PRGENERATION', o.generation, 32), 0);
  b.writeUInt32BE(8 * o.keys.length, 4);
  o.keys.forEach((k, i) => putBE(b, 8 + 8 * i, 8, uintBig(ctx, `key ${i}`, k, 64)));
  return cut(ctx, b, alloc);
}

// --- READ RESERVATION ------------------------------------------------------------------------------------

export interface PrReadReservation {
  generation: number;
  /** ADDITIONAL LENGTH: 0 (no reservation) or 10h. */
  additionalLength: number;
  /** A reservation is held and its descriptor was present. */
  hasReservation: boolean;
  key?: bigint;
  scope?: number;
  type?: number;
  truncated: boolean;
}

/** SPC-5 6.16 READ RESERVATION parameter data. */
export function parseReadReservation(buf: Buffer): PrReadReservation {
  const ctx = 'READ RESERVATION data';
  need(ctx, buf, 8);
  const additionalLength = buf.readUInt32BE(4);
  if (additionalLength !== 0 && additionalLength < 0x10) throw decodeError(`${ctx}: ADDITIONAL LENGTH ${additionalLength}, expected 0 or 16`);
  const out: PrReadReservation = {
    generation: buf.readUInt32BE(0),
    additionalLength,
    hasReservation: false,
    truncated: buf.length < 8 + additionalLength,
  };
  if (additionalLength >= 0x10 && buf.length >= 22) {
    out.hasReservation = true;
    out.key = buf.readBigUInt64BE(8);
    out.scope = buf[21]! >> 4;
    out.type = buf[21]! & 0x0f;
  }
  return out;
}

/** SPC-5 6.16 READ RESERVATION parameter data: 8 bytes, or 24 with a reservation (`key` given). */
export function encodeReadReservation(o: { generation: number; key?: U64; scope?: number; type?: number }, alloc?: number): Buffer {
  const ctx = 'READ RESERVATION data';
  const held = o.key !== undefined;
  const b = Buffer.alloc(held ? 24 : 8);
  b.writeUInt32BE(uint(ctx, 'PRGENERATION', o.generation, 32), 0);
  if (held) {
    b.writeUInt32BE(0x10, 4);
    putBE(b, 8, 8, uintBig(ctx, 'RESERVATION KEY', o.key!, 64));
    b[21] = (optUint(ctx, 'SCOPE', o.scope, 4) << 4) | optUint(ctx, 'TYPE', o.type, 4);
  }
  return cut(ctx, b, alloc);
}

// --- REPORT CAPABILITIES ---------------------------------------------------------------------------------

export interface PrCapabilities {
  /** LENGTH (0008h). */
  length: number;
  rlrC: boolean;
  crh: boolean;
  sipC: boolean;
  atpC: boolean;
  ptplC: boolean;
  tmv: boolean;
  allowCommands: number;
  ptplA: boolean;
  /** PERSISTENT RESERVATION TYPE MASK (bytes 4-5 as 16 bits), when present. */
  typeMask?: number;
  /** The reservation TYPE codes the mask allows, when present. */
  types?: number[];
  truncated: boolean;
}

/** Bit of the 16-bit type mask for reservation type `t` (SPC-5 6.16, REPORT CAPABILITIES data): types 1..7 → bit 8+t, type 8 → bit 0. */
const maskBit = (t: number) => (t === 8 ? 0 : 8 + t);
const MASK_TYPES = [1, 3, 5, 6, 7, 8];

/** SPC-5 6.16 REPORT CAPABILITIES parameter data. */
export function parseReportCapabilities(buf: Buffer): PrCapabilities {
  const ctx = 'REPORT CAPABILITIES data';
  need(ctx, buf, 4);
  const length = buf.readUInt16BE(0);
  const b2 = buf[2]!;
  const b3 = buf[3]!;
  const out: PrCapabilities = {
    length,
    rlrC: (b2 & 0x80) !== 0,
    crh: (b2 & 0x10) !== 0,
    sipC: (b2 & 0x08) !== 0,
    atpC: (b2 & 0x04) !== 0,
    ptplC: (b2 & 0x01) !== 0,
    tmv: (b3 & 0x80) !== 0,
    allowCommands: (b3 >> 4) & 7,
    ptplA: (b3 & 0x01) !== 0,
    truncated: buf.length < Math.max(8, length),
  };
  if (buf.length >= 6 && length >= 6) {
    const mask = buf.readUInt16BE(4);
    out.typeMask = mask;
    out.types = MASK_TYPES.filter((t) => (mask >> maskBit(t)) & 1);
  }
  return out;
}

/** SPC-5 6.16 REPORT CAPABILITIES parameter data (8 bytes); `types` builds the type mask when no `typeMask`. */
export function encodeReportCapabilities(o: {
  rlrC?: boolean;
  crh?: boolean;
  sipC?: boolean;
  atpC?: boolean;
  ptplC?: boolean;
  tmv?: boolean;
  allowCommands?: number;
  ptplA?: boolean;
  typeMask?: number;
  types?: number[];
}): Buffer {
  const ctx = 'REPORT CAPABILITIES data';
  let mask = optUint(ctx, 'PERSISTENT RESERVATION TYPE MASK', o.typeMask, 16);
  if (o.typeMask === undefined) {
    for (const t of o.types ?? []) {
      if (!MASK_TYPES.includes(t)) throw rangeError(`${ctx}: reservation TYPE ${t} has no bit in the type mask`);
      mask |= 1 << maskBit(t);
    }
  }
  const b = Buffer.alloc(8);
  b.writeUInt16BE(8, 0);
  b[2] = (bit(o.rlrC) << 7) | (bit(o.crh) << 4) | (bit(o.sipC) << 3) | (bit(o.atpC) << 2) | bit(o.ptplC);
  b[3] = (bit(o.tmv) << 7) | (optUint(ctx, 'ALLOW COMMANDS', o.allowCommands, 3) << 4) | bit(o.ptplA);
  b.writeUInt16BE(mask, 4);
  return b;
}

// --- READ FULL STATUS ------------------------------------------------------------------------------------

export interface PrFullStatusDescriptor {
  key: bigint;
  allTgPt: boolean;
  rHolder: boolean;
  scope: number;
  type: number;
  relativeTargetPortId: number;
  transportId: Buffer;
}

export interface PrFullStatus {
  generation: number;
  additionalLength: number;
  descriptors: PrFullStatusDescriptor[];
  truncated: boolean;
}

/** SPC-5 6.16 READ FULL STATUS parameter data. */
export function parseReadFullStatus(buf: Buffer): PrFullStatus {
  const ctx = 'READ FULL STATUS data';
  need(ctx, buf, 8);
  const additionalLength = buf.readUInt32BE(4);
  const declared = 8 + additionalLength;
  const end = Math.min(buf.length, declared);
  const descriptors: PrFullStatusDescriptor[] = [];
  let off = 8;
  while (off < end) {
    const tlen = off + 24 <= end ? buf.readUInt32BE(off + 20) : undefined;
    if (tlen === undefined || off + 24 + tlen > end) {
      if (end >= declared) throw decodeError(`${ctx}: status descriptor at byte ${off} overruns ADDITIONAL LENGTH ${additionalLength}`);
      break;
    }
    descriptors.push({
      key: buf.readBigUInt64BE(off),
      allTgPt: (buf[off + 12]! & 0x02) !== 0,
      rHolder: (buf[off + 12]! & 0x01) !== 0,
      scope: buf[off + 13]! >> 4,
      type: buf[off + 13]! & 0x0f,
      relativeTargetPortId: buf.readUInt16BE(off + 18),
      transportId: Buffer.from(buf.subarray(off + 24, off + 24 + tlen)),
    });
    off += 24 + tlen;
  }
  return { generation: buf.readUInt32BE(0), additionalLength, descriptors, truncated: buf.length < declared };
}

/** SPC-5 6.16 READ FULL STATUS parameter data. */
export function encodeReadFullStatus(
  o: {
    generation: number;
    descriptors: { key: U64; allTgPt?: boolean; rHolder?: boolean; scope?: number; type?: number; relativeTargetPortId: number; transportId: Buffer }[];
  },
  alloc?: number,
): Buffer {
  const ctx = 'READ FULL STATUS data';
  const parts = o.descriptors.map((d, i) => {
    const b = Buffer.alloc(24);
    putBE(b, 0, 8, uintBig(ctx, `descriptor ${i} RESERVATION KEY`, d.key, 64));
    b[12] = (bit(d.allTgPt) << 1) | bit(d.rHolder);
    b[13] = (optUint(ctx, 'SCOPE', d.scope, 4) << 4) | optUint(ctx, 'TYPE', d.type, 4);
    b.writeUInt16BE(uint(ctx, 'RELATIVE TARGET PORT IDENTIFIER', d.relativeTargetPortId, 16), 18);
    b.writeUInt32BE(d.transportId.length, 20);
    return Buffer.concat([b, d.transportId]);
  });
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(8);
  h.writeUInt32BE(uint(ctx, 'PRGENERATION', o.generation, 32), 0);
  h.writeUInt32BE(body.length, 4);
  return cut(ctx, Buffer.concat([h, body]), alloc);
}

// --- TransportIDs ----------------------------------------------------------------------------------------

/**
 * iSCSI TransportID (SPC-5, PROTOCOL IDENTIFIER 5h): FORMAT CODE 00b with the iSCSI name alone, or
 * 01b with `name,i,0x<ISID>` when `isid` (6 bytes, or 12 hex digits) is given. The name is NUL terminated
 * and padded to a multiple of 4 bytes, at least 20.
 */
export function iscsiTransportId(name: string, isid?: Buffer | string): Buffer {
  const ctx = 'iSCSI TransportID';
  let text = name;
  if (isid !== undefined) {
    const hexIsid = typeof isid === 'string' ? isid.replace(/^0x/i, '') : isid.toString('hex');
    if (!/^[0-9a-fA-F]{12}$/.test(hexIsid)) throw rangeError(`${ctx}: ISID ${String(typeof isid === 'string' ? isid : hexIsid)} is not 6 bytes`);
    text = `${name},i,0x${hexIsid.toLowerCase()}`;
  }
  const raw = Buffer.from(text, 'utf8');
  const len = Math.max(20, (raw.length + 1 + 3) & ~3);
  if (len > 0xffff) throw rangeError(`${ctx}: name of ${raw.length} bytes is too long`);
  const b = Buffer.alloc(4 + len);
  b[0] = ((isid !== undefined ? 1 : 0) << 6) | 0x5;
  b.writeUInt16BE(len, 2);
  raw.copy(b, 4);
  return b;
}

export interface TransportId {
  formatCode: number;
  protocolIdentifier: number;
  /** iSCSI: the iSCSI name (without the `,i,0x` ISID part). */
  name?: string;
  /** iSCSI format 01b: the ISID as 12 hex digits. */
  isid?: string;
  /** Total length in bytes. */
  length: number;
}

/**
 * Parses a TransportID (SPC-5). iSCSI ones (protocol 5h) are decoded; other protocols have the
 * fixed 24-byte length and only their header is decoded.
 */
export function parseTransportId(buf: Buffer): TransportId {
  const ctx = 'TransportID';
  need(ctx, buf, 4);
  const formatCode = buf[0]! >> 6;
  const protocolIdentifier = buf[0]! & 0x0f;
  if (protocolIdentifier !== 0x5) {
    need(ctx, buf, 24);
    return { formatCode, protocolIdentifier, length: 24 };
  }
  const len = buf.readUInt16BE(2);
  need(`iSCSI ${ctx}`, buf, 4 + len);
  const body = buf.subarray(4, 4 + len);
  const nul = body.indexOf(0);
  const text = body.subarray(0, nul < 0 ? body.length : nul).toString('utf8');
  const out: TransportId = { formatCode, protocolIdentifier, name: text, length: 4 + len };
  if (formatCode === 1) {
    const m = /^(.*),i,0x([0-9a-fA-F]{12})$/.exec(text);
    if (!m) throw decodeError(`iSCSI ${ctx}: format 01b without ",i,0x<ISID>": ${JSON.stringify(text)}`);
    out.name = m[1]!;
    out.isid = m[2]!.toLowerCase();
  }
  return out;
}
