/**
 * Typed errors with stable string codes, in the manner of undici's `lib/core/errors.js`: callers and
 * reports switch on `code`, never on message text. Every error names what was wrong.
 */

export type ErrorCode =
  /** A PDU or a field in it broke RFC 7143 (bad opcode, bad length, wrong sequence number...). */
  | 'ISCSI_E_PROTOCOL'
  /** A header or data digest did not match the CRC32C of what it covers. */
  | 'ISCSI_E_DIGEST'
  /** A request got no answer within its time limit. */
  | 'ISCSI_E_TIMEOUT'
  /** Authentication failed (CHAP secret, mutual CHAP response, or the target's auth status class). */
  | 'ISCSI_E_AUTH'
  /** The target refused the login for a reason other than authentication (status class 2 or 3). */
  | 'ISCSI_E_LOGIN'
  /** Operational or security negotiation could not agree on a key. */
  | 'ISCSI_E_NEGOTIATION'
  /** TCP could not connect. */
  | 'ISCSI_E_CONNECT'
  /** The connection closed (possibly in the middle of a PDU) while something was still expected. */
  | 'ISCSI_E_CLOSED'
  /** A task was aborted or cancelled locally (logout, connection loss, task management). */
  | 'ISCSI_E_ABORTED'
  /** A target answered with a Reject PDU. */
  | 'ISCSI_E_REJECT'
  /** A target answered a Logout Request with a response other than "closed successfully" (RFC 7143 11.15.1). */
  | 'ISCSI_E_LOGOUT'
  /** An iscsi:// URL, or a parameter given with it, is malformed. */
  | 'ISCSI_E_URL'
  /** SCSI data (sense, INQUIRY, VPD, mode pages...) was too short or inconsistent to decode. */
  | 'SCSI_E_DECODE'
  /** A value given to an encoder does not fit its field. */
  | 'E_RANGE'
  /** A configuration file, option or LUN spec is malformed. */
  | 'E_CONFIG';

export class IscsiError extends Error {
  readonly code: ErrorCode;
  /** Extra facts for reports (for example the login status class and detail, or the opcode). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IscsiError';
    this.code = code;
    this.details = details;
  }

  static is(err: unknown, code?: ErrorCode): err is IscsiError {
    return err instanceof IscsiError && (code === undefined || err.code === code);
  }
}

export const protocolError = (msg: string, details?: Record<string, unknown>) => new IscsiError('ISCSI_E_PROTOCOL', msg, details);
export const decodeError = (msg: string, details?: Record<string, unknown>) => new IscsiError('SCSI_E_DECODE', msg, details);
export const rangeError = (msg: string, details?: Record<string, unknown>) => new IscsiError('E_RANGE', msg, details);
