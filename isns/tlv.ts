/**
 * iSNS attributes as Tag-Length-Value (RFC 4171 5.1.3): a 4-byte tag, a 4-byte length that counts the
 * value with its padding, and the value padded with zeros to a 4-byte boundary. Values are typed by the
 * attribute table of constants.ts: strings NUL-terminated UTF-8, 4- and 8-byte integers, 16-byte IP
 * addresses (IPv4 written IPv4-mapped, RFC 4171 6.3.1).
 */
import { AttrType, attributeInfo, attributeName } from './constants.js';
import { IsnsError } from './errors.js';

export interface Tlv {
  tag: number;
  /** The value as on the wire, padding included. */
  value: Buffer;
}

export type AttrValue = string | number | bigint | Buffer | null;

const tlvError = (msg: string, details: Record<string, unknown> = {}) => new IsnsError('ISNS_E_TLV', msg, details);
const rangeError = (msg: string) => new IsnsError('ISNS_E_RANGE', msg);

export const pad4 = (n: number): number => (n + 3) & ~3;

function u32Buf(v: number, what: string): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw rangeError(`${what}: ${v} is not a 32-bit unsigned integer`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v, 0);
  return b;
}

/** NUL-terminated, zero-padded to 4 bytes (RFC 4171 5.1.3: the length counts the padding). */
export function stringValue(s: string): Buffer {
  const raw = Buffer.from(s, 'utf8');
  if (raw.includes(0)) throw rangeError(`string attribute ${JSON.stringify(s)} contains a NUL`);
  const b = Buffer.alloc(pad4(raw.length + 1));
  raw.copy(b, 0);
  return b;
}

/** Parse an IPv4 or IPv6 text address into the 16-byte form iSNS carries (IPv4 as ::ffff:a.b.c.d). */
export function ipValue(addr: string): Buffer {
  const b = Buffer.alloc(16);
  const v4 = parseV4(addr);
  if (v4) {
    b[10] = 0xff;
    b[11] = 0xff;
    v4.copy(b, 12);
    return b;
  }
  const text = addr.startsWith('[') && addr.endsWith(']') ? addr.slice(1, -1) : addr;
  const halves = text.split('::');
  if (halves.length > 2 || text === '') throw rangeError(`${JSON.stringify(addr)} is not an IPv4 or IPv6 address`);
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const tail = i === items.length - 1 ? parseV4(item) : undefined;
      if (tail) {
        out.push(tail.readUInt16BE(0), tail.readUInt16BE(2));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) throw rangeError(`${JSON.stringify(addr)} is not an IPv4 or IPv6 address`);
      out.push(parseInt(item, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) throw rangeError(`${JSON.stringify(addr)} is not an IPv4 or IPv6 address`);
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  all.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

function parseV4(s: string): Buffer | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return Buffer.from(parts);
}

/** The text form of a 16-byte iSNS address: dotted quad for IPv4-mapped, else compressed IPv6. */
export function ipText(b: Buffer): string {
  if (b.length !== 16) throw tlvError(`an IP address attribute is 16 bytes, got ${b.length}`);
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  // open-isns writes IPv4 in the deprecated IPv4-compatible form (::a.b.c.d): read it as IPv4 too, but
  // not :: and ::1, which are IPv6's own.
  if (b.subarray(0, 12).every((x) => x === 0) && b.readUInt32BE(12) > 1) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const g = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  // Compress the longest run of zero groups (two or more), as RFC 5952 recommends.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Build a TLV from a typed value, using the attribute's type from the table (opaque: a Buffer). */
export function tlv(tag: number, value: AttrValue = null): Tlv {
  const info = attributeInfo(tag);
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffffff) throw rangeError(`attribute tag ${tag} is not a 32-bit number`);
  if (value === null) return { tag, value: Buffer.alloc(0) };
  const type: AttrType = info?.type ?? 'opaque';
  const what = attributeName(tag);
  switch (type) {
    case 'none':
      throw rangeError(`${what} carries no value`);
    case 'string':
      if (typeof value !== 'string') throw rangeError(`${what} takes a string`);
      return { tag, value: stringValue(value) };
    case 'u32':
      if (typeof value !== 'number') throw rangeError(`${what} takes a number`);
      return { tag, value: u32Buf(value, what) };
    case 'u64': {
      const v = typeof value === 'number' ? BigInt(value) : value;
      if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw rangeError(`${what} takes a 64-bit unsigned integer`);
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(v, 0);
      return { tag, value: b };
    }
    case 'ip':
      if (typeof value === 'string') return { tag, value: ipValue(value) };
      if (Buffer.isBuffer(value) && value.length === 16) return { tag, value: Buffer.from(value) };
      throw rangeError(`${what} takes an IP address`);
    case 'opaque': {
      if (!Buffer.isBuffer(value)) throw rangeError(`${what} takes bytes`);
      const b = Buffer.alloc(pad4(value.length));
      value.copy(b, 0);
      return { tag, value: b };
    }
  }
}

/** The Delimiter between message key and operating attributes (RFC 4171 5.6.1). */
export const delimiter = (): Tlv => ({ tag: 0, value: Buffer.alloc(0) });

export function encodeTlvs(tlvs: readonly Tlv[]): Buffer {
  const parts: Buffer[] = [];
  for (const t of tlvs) {
    if (t.value.length % 4 !== 0) throw rangeError(`${attributeName(t.tag)}: value of ${t.value.length} bytes is not padded to 4`);
    const h = Buffer.alloc(8);
    h.writeUInt32BE(t.tag, 0);
    h.writeUInt32BE(t.value.length, 4);
    parts.push(h, t.value);
  }
  return Buffer.concat(parts);
}

/**
 * Split a run of TLVs. A length that is not a multiple of 4 or runs past the end is an error naming
 * the tag and offset; unknown tags are kept (their value is opaque) so vendor attributes pass through.
 */
export function decodeTlvs(buf: Buffer, offset = 0): Tlv[] {
  const out: Tlv[] = [];
  let at = offset;
  while (at < buf.length) {
    if (buf.length - at < 8) throw tlvError(`TLV header at byte ${at} is truncated: ${buf.length - at} of 8 bytes`, { offset: at });
    const tag = buf.readUInt32BE(at);
    const len = buf.readUInt32BE(at + 4);
    if (len % 4 !== 0) throw tlvError(`${attributeName(tag)} at byte ${at}: length ${len} is not a multiple of 4`, { tag, offset: at });
    if (len > buf.length - at - 8) {
      throw tlvError(`${attributeName(tag)} at byte ${at}: length ${len} runs past the payload (${buf.length - at - 8} bytes left)`, { tag, offset: at });
    }
    out.push({ tag, value: buf.subarray(at + 8, at + 8 + len) });
    at += 8 + len;
  }
  return out;
}

/**
 * The typed value of a TLV; an empty value is `null` (a query key or an attribute asked for). Throws
 * ISNS_E_TLV for a tag the table does not know or a value whose length does not fit its type.
 */
export function tlvValue(t: Tlv): AttrValue {
  const info = attributeInfo(t.tag);
  if (!info) throw tlvError(`unknown attribute tag ${t.tag}`, { tag: t.tag });
  if (t.value.length === 0) return null;
  const bad = (want: string) => tlvError(`${info.name}: ${want}, got ${t.value.length} bytes`, { tag: t.tag });
  switch (info.type) {
    case 'none':
      throw bad('the Delimiter has length 0');
    case 'string': {
      const end = t.value.indexOf(0);
      if (end < 0) throw tlvError(`${info.name}: string is not NUL-terminated`, { tag: t.tag });
      return t.value.toString('utf8', 0, end);
    }
    case 'u32':
      if (t.value.length !== 4) throw bad('expected 4 bytes');
      return t.value.readUInt32BE(0);
    case 'u64':
      if (t.value.length !== 8) throw bad('expected 8 bytes');
      return t.value.readBigUInt64BE(0);
    case 'ip':
      if (t.value.length !== 16) throw bad('expected 16 bytes');
      return ipText(t.value);
    case 'opaque':
      return t.value;
  }
}

/** One line per TLV for logs and failure messages: `iSCSI Name = "iqn..."`. */
export function describeTlv(t: Tlv): string {
  const info = attributeInfo(t.tag);
  if (!info) return `attribute ${t.tag} (${t.value.length} bytes)`;
  if (t.tag === 0) return 'Delimiter';
  try {
    const v = tlvValue(t);
    if (v === null) return `${info.name} (empty)`;
    if (Buffer.isBuffer(v)) return `${info.name} (${v.length} bytes)`;
    return `${info.name} = ${typeof v === 'string' && info.type === 'string' ? JSON.stringify(v) : String(v)}`;
  } catch (err) {
    return `${info.name} (malformed: ${(err as Error).message})`;
  }
}
