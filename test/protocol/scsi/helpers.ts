/**
 * Helpers for the protocol/scsi tests. Expected wire bytes are written as hex literals taken from the
 * standards' tables, never produced by the code under test.
 */
import { strict as assert } from 'node:assert';
import { IscsiError, type ErrorCode } from '../../../protocol/errors.js';

/** `h('28 18 01 02')` → Buffer; spaces, newlines and `_` are ignored. */
export function h(hex: string): Buffer {
  const clean = hex.replace(/[\s_]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex literal: ${hex}`);
  return Buffer.from(clean, 'hex');
}

/** `n` zero bytes. */
export const zeros = (n: number): Buffer => Buffer.alloc(n);

/** ASCII bytes of `s`. */
export const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Asserts equal bytes with a readable diff (hex strings). */
export function assertBytes(actual: Buffer, expected: Buffer, msg?: string): void {
  assert.equal(actual.toString('hex'), expected.toString('hex'), msg);
}

/** Asserts that `fn` throws an IscsiError with `code` (and, if given, a message matching `re`). */
export function assertThrowsCode(fn: () => unknown, code: ErrorCode, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IscsiError, `expected IscsiError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (re) assert.match(e.message, re);
    return true;
  });
}

/**
 * Cuts `full` at every length from 0 to full.length - 1 and checks that `parse` either throws
 * `SCSI_E_DECODE` or returns a result flagged `truncated`; the full buffer must parse untruncated.
 * Returns how many prefixes parsed (for tests that want to know partial results exist).
 */
export function everyPrefix<T>(
  full: Buffer,
  parse: (b: Buffer) => T,
  truncatedOf: (r: T) => boolean | undefined = (r) => (r as { truncated?: boolean }).truncated,
): number {
  let parsed = 0;
  for (let n = 0; n < full.length; n++) {
    const cut = Buffer.from(full.subarray(0, n));
    let r: T;
    try {
      r = parse(cut);
    } catch (e) {
      assert.ok(e instanceof IscsiError, `length ${n}: ${String(e)}`);
      assert.equal(e.code, 'SCSI_E_DECODE', `length ${n}: ${e.message}`);
      continue;
    }
    assert.equal(truncatedOf(r), true, `length ${n} of ${full.length}: result not flagged truncated`);
    parsed++;
  }
  assert.ok(!truncatedOf(parse(full)), 'full buffer parsed as truncated');
  return parsed;
}

/** A small seeded PRNG (mulberry32) so that fuzz failures can be replayed. */
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
