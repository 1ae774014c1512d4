/**
 * Text key=value segments (RFC 7143 6.1): each pair `key=value` ends with a NUL. Decoded into an
 * ordered array of pairs, duplicates kept (a map would lose them, and a repeated key is itself a
 * protocol fact the negotiation must see).
 */
import { protocolError, rangeError } from '../errors.js';

export type KeyValue = [key: string, value: string];

/** RFC 7143 6.1: key names are at most 63 bytes. */
export const MAX_KEY_LENGTH = 63;
/** The longest value we accept (CHAP challenges and responses in hex or base64 can be long). */
export const MAX_VALUE_LENGTH = 8192 * 2 + 2;

const KEY_RE = /^[A-Za-z0-9.\-+@_#]+$/;

/** True for a syntactically valid key name (standard-label, X- private or X# public extension). */
export function isValidKeyName(k: string): boolean {
  return k.length > 0 && k.length <= MAX_KEY_LENGTH && KEY_RE.test(k);
}

/**
 * Decode a complete text data segment. Padding zeros after the last NUL are tolerated (some senders
 * include them in DataSegmentLength); a pair without its terminating NUL, a pair without '=', an empty
 * or invalid key name, or an over-long value is a protocol error naming the offending text.
 */
export function decodeText(data: Buffer): KeyValue[] {
  const out: KeyValue[] = [];
  let at = 0;
  // Each pass consumes at least one byte: bounded by data.length.
  while (at < data.length) {
    const nul = data.indexOf(0, at);
    if (nul === at) {
      // Only trailing padding may be empty.
      for (let i = at; i < data.length; i++) {
        if (data[i] !== 0) throw protocolError(`text segment: empty key=value pair at offset ${at}`);
      }
      break;
    }
    if (nul < 0) throw protocolError(`text segment: "${preview(data.subarray(at))}" is not terminated by a NUL`);
    const pair = data.toString('utf8', at, nul);
    const eq = pair.indexOf('=');
    if (eq < 0) throw protocolError(`text segment: "${preview(pair)}" has no '='`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!isValidKeyName(key)) throw protocolError(`text segment: invalid key name "${preview(key)}"`);
    if (value.length > MAX_VALUE_LENGTH) throw protocolError(`text segment: value of ${key} is ${value.length} bytes long`);
    out.push([key, value]);
    at = nul + 1;
  }
  return out;
}

export function encodeText(pairs: readonly KeyValue[]): Buffer {
  return Buffer.from(pairs.map(([k, v]) => `${k}=${v}\0`).join(''), 'utf8');
}

function preview(x: Buffer | string): string {
  const s = typeof x === 'string' ? x : x.toString('latin1');
  const clean = s.replace(/[^\x20-\x7e]/g, '.');
  return clean.length > 40 ? clean.slice(0, 40) + '...' : clean;
}

/**
 * Collects the data segments of a multi-PDU text (C bit set on all but the last, RFC 7143 11.10.3 and
 * 11.12.4) and decodes them once complete: a pair may be split across PDUs. Bounded in size.
 */
export class TextAccumulator {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(readonly limit = 65536) {}

  /** Add one PDU's data; returns the decoded pairs when `more` is false, else undefined. */
  add(data: Buffer, more: boolean): KeyValue[] | undefined {
    this.size += data.length;
    if (this.size > this.limit) {
      throw protocolError(`text spread over several PDUs exceeds ${this.limit} bytes`);
    }
    if (data.length) this.parts.push(data);
    if (more) return undefined;
    const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    return decodeText(all);
  }

  get pending(): boolean {
    return this.parts.length > 0;
  }
}

/**
 * Split an encoded text into data segments of at most `max` bytes (for the C bit). Each piece but the
 * last is sent with C=1.
 */
export function splitText(buf: Buffer, max: number): Buffer[] {
  // A max of 0 would loop for ever (at += 0), filling memory with empty slices.
  if (!Number.isInteger(max) || max < 1) throw rangeError(`splitText: a piece of at most ${max} bytes is not possible`);
  if (buf.length <= max) return [buf];
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; at += max) out.push(buf.subarray(at, Math.min(buf.length, at + max)));
  return out;
}
