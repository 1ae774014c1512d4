/**
 * Raw access to a session for negative tests: send any PDU or bytes with no bookkeeping, take a CmdSN
 * for a hand-built PDU, wait for a received PDU matching a predicate, wait for the connection to close.
 */
import type { AnyPdu } from '../../protocol/iscsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import type { SessionState } from './session-state.js';

interface PduWaiter {
  pred: (p: AnyPdu) => boolean;
  resolve: (p: AnyPdu) => void;
}

export class RawAccess {
  private readonly waiters = new Set<PduWaiter>();

  constructor(private readonly s: SessionState) {}

  /** Send any PDU through the hooks, with no bookkeeping (the caller chose every field). */
  sendPdu(pdu: AnyPdu): boolean {
    return this.s.conn.send(pdu);
  }

  /** Send bytes as they are. */
  sendRaw(bufs: Buffer[]): void {
    this.s.conn.sendRaw(bufs);
  }

  /** Hand a received PDU to the waiters it matches (before the session acts on it). */
  offer(pdu: AnyPdu): void {
    if (this.waiters.size) for (const w of [...this.waiters]) if (w.pred(pdu)) w.resolve(pdu);
  }

  /** Wait for the next received PDU matching `pred`, or reject after `timeoutMs`. */
  waitFor(pred: (p: AnyPdu) => boolean, timeoutMs: number, what = 'a PDU'): Promise<AnyPdu> {
    return new Promise((resolve, reject) => {
      const w: PduWaiter = {
        pred,
        resolve: (p: AnyPdu) => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve(p);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new IscsiError('ISCSI_E_TIMEOUT', `${what}: nothing arrived from ${this.s.where} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Resolves when the connection has closed (with the reason), or after timeoutMs with undefined. */
  waitClosed(timeoutMs: number): Promise<IscsiError | undefined> {
    const conn = this.s.conn;
    if (conn.closed) return Promise.resolve(conn.closeReason);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      conn.once('closed', (e: IscsiError) => {
        clearTimeout(t);
        resolve(e);
      });
    });
  }
}
