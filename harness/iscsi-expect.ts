/**
 * Expected outcomes at the iSCSI layer, and the one function that checks what a target did against them
 * and words the failure, as checkResult does for SCSI (expect.ts):
 *
 *   a command with CmdSN 7 (MaxCmdSN + 1): expected no answer within 3 s, got SCSI Response itt=0x… status=0
 *   a login with a wrong CHAP secret: expected Login Response status 0x0201 (Authentication failure), got the login accepted (TSIH 3)
 *
 * An outcome is what was observed after a request: the first answer PDU, the connection closing, silence
 * for the whole window, or (for a login) a refusal or an accepted login. The context's `t.expectIscsi`
 * and `t.expectLogin` observe and check; `checkIscsi` checks an outcome a test already has.
 */
import { type AnyPdu, describePdu, loginStatusName, Opcode, opcodeName, rejectReasonName } from '../protocol/iscsi/index.js';

export type IscsiOutcome =
  | { readonly kind: 'pdu'; readonly pdu: AnyPdu }
  | { readonly kind: 'closed'; readonly reason: string }
  | { readonly kind: 'silence'; readonly ms: number }
  | { readonly kind: 'login-refused'; readonly statusClass: number; readonly statusDetail: number }
  | { readonly kind: 'logged-in'; readonly tsih: number };

export interface IscsiExpectation {
  /** The constant's name, e.g. 'DROPPED'. */
  readonly name: string;
  /** How it reads in a message: 'a Reject with reason 0x02 (Data digest error)'. */
  readonly text: string;
  /** The PDU fields it looks at (shown in the message when what came back differs). */
  readonly fields?: readonly string[];
  meets(o: IscsiOutcome): boolean;
}

export type IscsiExpected = IscsiExpectation | readonly IscsiExpectation[];

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const show = (v: unknown): string =>
  typeof v === 'number' && Number.isInteger(v) && v > 9
    ? `0x${v.toString(16)}`
    : typeof v === 'bigint'
      ? `${v}`
      : Buffer.isBuffer(v)
        ? `${v.length} bytes`
        : JSON.stringify(v);

/** A Reject PDU, with this reason if given (RFC 7143 11.17.1). */
export function REJECT(reason?: number): IscsiExpectation {
  return {
    name: 'REJECT',
    text: reason === undefined ? 'a Reject' : `a Reject with reason 0x${hex2(reason)} (${rejectReasonName(reason)})`,
    meets: (o) => o.kind === 'pdu' && o.pdu.opcode === Opcode.REJECT && (reason === undefined || (o.pdu as { reason?: number }).reason === reason),
  };
}

/** A refused login: a Login Response with this status class (and detail, if given) (RFC 7143 11.13.5). */
export function LOGIN_STATUS(statusClass: number, statusDetail?: number): IscsiExpectation {
  const code =
    statusDetail === undefined ? `class 0x${hex2(statusClass)}` : `0x${hex2(statusClass)}${hex2(statusDetail)} (${loginStatusName(statusClass, statusDetail)})`;
  return {
    name: 'LOGIN_STATUS',
    text: `Login Response status ${code}`,
    meets: (o) => o.kind === 'login-refused' && o.statusClass === statusClass && (statusDetail === undefined || o.statusDetail === statusDetail),
  };
}

/** The login completed (full feature phase reached). */
export const LOGGED_IN: IscsiExpectation = { name: 'LOGGED_IN', text: 'the login accepted', meets: (o) => o.kind === 'logged-in' };

/** The target closed the connection (or it failed). */
export const DROPPED: IscsiExpectation = { name: 'DROPPED', text: 'the connection dropped', meets: (o) => o.kind === 'closed' };

/** Nothing answered within the window, and the connection stayed up. */
export const NO_ANSWER: IscsiExpectation = { name: 'NO_ANSWER', text: 'no answer', meets: (o) => o.kind === 'silence' };

/**
 * An answer PDU of this opcode whose fields have these values: `ANSWER(Opcode.NOP_IN, { ttt: RESERVED_TAG })`.
 * Buffers compare by content.
 */
export function ANSWER(opcode: number, fields: Readonly<Record<string, unknown>> = {}): IscsiExpectation {
  const f = Object.entries(fields);
  return {
    name: 'ANSWER',
    fields: f.map(([k]) => k),
    text: `${opcodeName(opcode)}${f.length ? ` with ${f.map(([k, v]) => `${k}=${show(v)}`).join(', ')}` : ''}`,
    meets: (o) => o.kind === 'pdu' && o.pdu.opcode === opcode && f.every(([k, v]) => same((o.pdu as unknown as Record<string, unknown>)[k], v)),
  };
}

function same(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

export const iscsiList = (e: IscsiExpected): readonly IscsiExpectation[] => (Array.isArray(e) ? (e as readonly IscsiExpectation[]) : [e as IscsiExpectation]);

export function iscsiExpectedText(e: IscsiExpected, windowMs?: number): string {
  const t = iscsiList(e).map((x) => (x === NO_ANSWER && windowMs !== undefined ? `no answer within ${secs(windowMs)}` : x.text));
  return t.length === 1 ? t[0]! : `${t.slice(0, -1).join(', ')} or ${t[t.length - 1]}`;
}

/** What happened, in the words of the expectations. */
export function iscsiOutcomeText(o: IscsiOutcome, fields?: readonly string[]): string {
  switch (o.kind) {
    case 'pdu': {
      const d = describePdu(o.pdu);
      if (o.pdu.opcode === Opcode.REJECT)
        return `a Reject with reason 0x${hex2((o.pdu as { reason: number }).reason)} (${rejectReasonName((o.pdu as { reason: number }).reason)}): ${d}`;
      // describePdu shows a data segment's length only: name the compared buffers' contents' length too.
      const rec = o.pdu as unknown as Record<string, unknown>;
      const extra = (fields ?? [])
        .filter((k) => Buffer.isBuffer(rec[k]) || rec[k] === undefined)
        .map((k) => `${k}=${rec[k] === undefined ? 'none' : show(rec[k])}`);
      return extra.length ? `${d} (${extra.join(', ')})` : d;
    }
    case 'closed':
      return `the connection closed (${o.reason})`;
    case 'silence':
      return `no answer within ${secs(o.ms)}`;
    case 'login-refused':
      return `Login Response status 0x${hex2(o.statusClass)}${hex2(o.statusDetail)} (${loginStatusName(o.statusClass, o.statusDetail)})`;
    case 'logged-in':
      return `the login accepted (TSIH ${o.tsih})`;
  }
}

export type IscsiCheck = { ok: true; matched: IscsiExpectation } | { ok: false; message: string };

/** The one check: the outcome meets one of the expectations, or '<what>: expected <…>, got <…>'. */
export function checkIscsi(what: string, o: IscsiOutcome, expected: IscsiExpected, windowMs?: number): IscsiCheck {
  const list = iscsiList(expected);
  for (const e of list) if (e.meets(o)) return { ok: true, matched: e };
  return {
    ok: false,
    message: `${what}: expected ${iscsiExpectedText(expected, windowMs)}, got ${iscsiOutcomeText(
      o,
      list.flatMap((e) => e.fields ?? []),
    )}`,
  };
}

function secs(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
