/**
 * Quirks of the login's text and of its answers' framing (`--quirk NAME`): declared here and applied by
 * login.ts through the functions below, one line there each, so that the correct path stays readable.
 */
import { decodeBinary, keyDef, type KeyValue, type LoginRequest, Stage } from '../protocol/iscsi/index.js';
import { defineQuirk, type Quirks } from './quirks.js';

/** The value limits the login-value-length-unchecked quirk ignores: 255 bytes for a text value (RFC 7143 6.1), 223 for an iSCSI name (4.2.7.1). */
const VALUE_LIMITS: Readonly<Record<string, number>> = { InitiatorAlias: 255, InitiatorName: 223 };
/** The largest Login Response data segment before the login answer is continued with C=1 (the initiator's default MaxRecvDataSegmentLength). */
export const LOGIN_PIECE = 8192;

export const Q_LOGIN_TEXT = {
  chapNameDecoded: defineQuirk(
    'chap-name-decoded',
    'iscsi',
    'a CHAP_N written like a binary value (0x... hex or 0b... base64) is decoded to text before the account lookup',
  ),
  valueLengthUnchecked: defineQuirk(
    'login-value-length-unchecked',
    'iscsi',
    'an InitiatorAlias longer than 255 bytes or an InitiatorName longer than 223 is cut to that length and accepted instead of refused',
  ),
  answerUnsplit: defineQuirk(
    'login-answer-unsplit',
    'iscsi',
    'a login answer longer than 8192 bytes goes out in one Login Response instead of several with C=1',
  ),
  nsgBeyondRequest: defineQuirk(
    'login-nsg-beyond-request',
    'iscsi',
    'a Login Response with T=1 to a later security-stage request (not the first) asking for the operational stage names full feature phase (3) as its NSG',
  ),
  ffpKeySilent: defineQuirk('login-ffp-key-silent', 'iscsi', 'a full-feature-only key (SendTargets) in a Login Request gets no answer'),
  unofferedAnswerTaken: defineQuirk(
    'login-unoffered-answer-taken',
    'iscsi',
    "an initiator's answer to a list key the target offered (HeaderDigest=CRC32C when None is not allowed) with a value not in the offer is taken",
  ),
};

/** Whether a fatal negotiation problem is overlooked: (login-unoffered-answer-taken) an answer outside the target's list offer. */
export function unofferedAnswerTaken(q: Quirks, problem: string): boolean {
  return q.has(Q_LOGIN_TEXT.unofferedAnswerTaken) && problem.includes('is not one of the offered values');
}

/** The account name a CHAP_N names: the text itself, or (chap-name-decoded) its decoded bytes when it looks binary. */
export function chapAccountName(q: Quirks, n: string): string {
  if (!q.has(Q_LOGIN_TEXT.chapNameDecoded) || !/^0[xXbB]/.test(n)) return n;
  return decodeBinary(n)?.toString('utf8') ?? n;
}

/** The request's pairs as the login-value-length-unchecked quirk lets them through (unchanged without it). */
export function quirkValueLengths(q: Quirks, pairs: KeyValue[]): KeyValue[] {
  if (!q.has(Q_LOGIN_TEXT.valueLengthUnchecked)) return pairs;
  return pairs.map(([k, v]): KeyValue => {
    const limit = VALUE_LIMITS[k];
    return limit !== undefined && Buffer.byteLength(v) > limit ? [k, Buffer.from(v).subarray(0, limit).toString()] : [k, v];
  });
}

/** The answers as the login-ffp-key-silent quirk spoils them: no answer for keys that belong to full feature phase. */
export function quirkFfpAnswers(q: Quirks, replies: KeyValue[]): KeyValue[] {
  return q.has(Q_LOGIN_TEXT.ffpKeySilent) ? replies.filter(([k]) => keyDef(k)?.use !== 'FFPO') : replies;
}

/** The largest data segment of one Login Response. */
export const loginPiece = (q: Quirks): number => (q.has(Q_LOGIN_TEXT.answerUnsplit) ? 1 << 24 : LOGIN_PIECE);

/**
 * The NSG of a Login Response with T=1: the request's (or, login-nsg-beyond-request, full feature phase instead of the
 * operational stage when `later`, a security-stage request after the first: the harness's own logins without CHAP ask on the first).
 */
export function answerNsg(q: Quirks, req: LoginRequest, later: boolean): number {
  return q.has(Q_LOGIN_TEXT.nsgBeyondRequest) && later && req.nsg === Stage.OPERATIONAL ? Stage.FULL_FEATURE : req.nsg;
}
