/**
 * Typed iSNS errors with stable string codes (as protocol/errors.ts does for iSCSI): callers switch on
 * `code`, never on message text, and every message names what was wrong.
 */

export type IsnsErrorCode =
  /** A PDU broke RFC 4171 5.1 framing: bad version, length not a multiple of 4, too long, truncated. */
  | 'ISNS_E_PDU'
  /** A TLV ran past its payload, or an attribute value does not fit its type (RFC 4171 5.1.3, 6). */
  | 'ISNS_E_TLV'
  /** A function ID RFC 4171 5.1 does not define. */
  | 'ISNS_E_FUNCTION'
  /** A multi-PDU message broke sequencing (RFC 4171 5.3): sequence gap, missing first PDU, too many parts. */
  | 'ISNS_E_SEQUENCE'
  /** A response whose transaction ID matches no request this side sent. */
  | 'ISNS_E_UNSOLICITED'
  /** No response within the wait given. */
  | 'ISNS_E_TIMEOUT'
  /** The connection to the server closed or could not be made while a response was awaited. */
  | 'ISNS_E_CLOSED'
  /** The handle was stopped: every pending transaction ends with this. */
  | 'ISNS_E_STOPPED'
  /** The server answered with a non-zero status (RFC 4171 5.4); `details.status` holds it. */
  | 'ISNS_E_STATUS'
  /** A value given to an encoder does not fit its field. */
  | 'ISNS_E_RANGE';

export class IsnsError extends Error {
  readonly code: IsnsErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: IsnsErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IsnsError';
    this.code = code;
    this.details = details;
  }

  static is(err: unknown, code?: IsnsErrorCode): err is IsnsError {
    return err instanceof IsnsError && (code === undefined || err.code === code);
  }
}
