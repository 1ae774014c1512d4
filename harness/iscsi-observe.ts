/**
 * Watching what a target does after a request, bounded in time: the observing half of the iSCSI outcome
 * check (iscsi-expect.ts words and judges the outcome; the context's expectIscsi/expectLogin join them).
 * Every wait here ends: at the first answer, when the connection closes, or when the window is over.
 */
import { type AnyPdu, Opcode, RESERVED_TAG } from '../protocol/iscsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import type { IscsiOutcome } from './iscsi-expect.js';
import type { RawSession, TestSession } from './session-api.js';

/** By default every PDU answers a request but the target's own NOP-In pings and asynchronous messages. */
export const anyAnswer = (p: AnyPdu): boolean => p.opcode !== Opcode.ASYNC_MESSAGE && !(p.opcode === Opcode.NOP_IN && p.itt === RESERVED_TAG);

/**
 * Send (through `send`) and watch `windowMs`: the first PDU matching `answer`, else the connection
 * closing, else silence. An error of the send because the connection is gone is the 'closed' outcome.
 */
export async function observe(raw: RawSession, send: (raw: RawSession) => unknown, answer: (p: AnyPdu) => boolean, windowMs: number): Promise<IscsiOutcome> {
  const s = raw.session;
  if (!s.isOpen) return closed(s);
  let timer: NodeJS.Timeout | undefined;
  // Ends the waits below once the outcome is known, so no listener or waiter outlives the call.
  const over = new AbortController();
  const silence = new Promise<IscsiOutcome>((r) => {
    timer = setTimeout(() => r({ kind: 'silence', ms: windowMs }), windowMs);
  });
  const answered = raw.waitFor(answer, windowMs + 1000, 'an answer', over.signal).then(
    (pdu): IscsiOutcome => ({ kind: 'pdu', pdu }),
    () => new Promise<IscsiOutcome>(() => undefined),
  );
  const dropped = s
    .waitClosed(windowMs + 1000, over.signal)
    .then((e): Promise<IscsiOutcome> | IscsiOutcome => (e ? { kind: 'closed', reason: e.message } : new Promise(() => undefined)));
  try {
    try {
      const r = send(raw);
      if (r instanceof Promise) r.catch(() => undefined);
    } catch (e) {
      if (IscsiError.is(e, 'ISCSI_E_CLOSED')) return closed(s, e.message);
      throw e;
    }
    const o = await Promise.race([answered, dropped, silence]);
    // A connection that went away in the window without a word is a drop, not silence.
    if (o.kind === 'silence' && !s.isOpen) return closed(s);
    return o;
  } finally {
    clearTimeout(timer);
    over.abort();
  }
}

function closed(s: TestSession, why?: string): IscsiOutcome {
  return { kind: 'closed', reason: why ?? s.closeReason?.message ?? 'closed' };
}

/** The outcome of a login attempt: accepted, refused with a status, the connection dropped, or no answer. */
export async function loginOutcome(login: Promise<TestSession>, timeoutMs: number): Promise<{ outcome: IscsiOutcome; session?: TestSession }> {
  try {
    const session = await login;
    return { outcome: { kind: 'logged-in', tsih: session.login.tsih }, session };
  } catch (e) {
    if (!(e instanceof IscsiError)) throw e;
    const cls = e.details['statusClass'];
    if (cls !== undefined) return { outcome: { kind: 'login-refused', statusClass: Number(cls), statusDetail: Number(e.details['statusDetail']) } };
    if (IscsiError.is(e, 'ISCSI_E_CLOSED')) return { outcome: { kind: 'closed', reason: e.message } };
    if (IscsiError.is(e, 'ISCSI_E_TIMEOUT')) return { outcome: { kind: 'silence', ms: timeoutMs } };
    throw e;
  }
}
