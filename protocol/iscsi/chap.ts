/**
 * CHAP for iSCSI (RFC 7143 12.1.3, RFC 1994): the response is H(identifier byte || secret || challenge).
 * Binary values travel as `0x` hex or `0b` base64 (RFC 7143 6.1 binary-value). Pure functions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { IscsiError } from '../errors.js';

/** CHAP_A algorithm numbers: 5 is MD5 (RFC 1994, the one RFC 7143 requires); 6-8 as libiscsi and Linux offer. */
export const ChapAlgorithm = { MD5: 5, SHA1: 6, SHA256: 7, SHA3_256: 8 } as const;
const HASH: Record<number, string> = { 5: 'md5', 6: 'sha1', 7: 'sha256', 8: 'sha3-256' };

export const isSupportedChapAlgorithm = (a: number): boolean => HASH[a] !== undefined;

export function chapResponse(algorithm: number, id: number, secret: string | Buffer, challenge: Buffer): Buffer {
  const h = HASH[algorithm];
  if (!h) throw new IscsiError('ISCSI_E_AUTH', `CHAP algorithm ${algorithm} is not supported`);
  return createHash(h)
    .update(Buffer.from([id & 0xff]))
    .update(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret)
    .update(challenge)
    .digest();
}

export function encodeBinary(buf: Buffer, form: 'hex' | 'base64' = 'hex'): string {
  return form === 'hex' ? '0x' + buf.toString('hex') : '0b' + buf.toString('base64');
}

/** Decode a binary value (`0x...` hex or `0b...` base64); undefined if malformed. */
export function decodeBinary(s: string): Buffer | undefined {
  if (/^0[xX]([0-9a-fA-F]{2})+$/.test(s)) return Buffer.from(s.slice(2), 'hex');
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return Buffer.from('0' + s.slice(2), 'hex'); // odd digit count
  if (/^0[bB][A-Za-z0-9+/]+={0,2}$/.test(s) && (s.length - 2) % 4 === 0) return Buffer.from(s.slice(2), 'base64');
  return undefined;
}

/** A fresh challenge (RFC 7143 12.1.3 asks for unpredictable values; 16 bytes here). */
export const newChallenge = (len = 16): Buffer => randomBytes(len);
export const newIdentifier = (): number => randomBytes(1)[0]!;
