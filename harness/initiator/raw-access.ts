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

  /** Wait for the next received PDU matching `pred`, or reject after `timeoutMs` (or at once when `signal` aborts: the waiter is removed). */
  waitFor(pred: (p: AnyPdu) => boolean, timeoutMs: number, what = 'a PDU', signal?: AbortSignal): Promise<AnyPdu> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(w);
        signal?.removeEventListener('abort', aborted);
      };
      const w: PduWaiter = {
        pred,
        resolve: (p: AnyPdu) => {
          done();
          resolve(p);
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(new IscsiError('ISCSI_E_TIMEOUT', `${what}: nothing arrived from ${this.s.where} within ${timeoutMs} ms`));
      }, timeoutMs);
      const aborted = (): void => {
        done();
        reject(new IscsiError('ISCSI_E_TIMEOUT', `${what}: no longer awaited`));
      };
      this.waiters.add(w);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /**
   * Resolves when the connection has closed (with the reason), or with undefined after timeoutMs or when
   * `signal` aborts. Either way the 'closed' listener is removed: a test that watches many requests in a row
   * would otherwise pile up one listener per request until their timers ran out.
   */
  waitClosed(timeoutMs: number, signal?: AbortSignal): Promise<IscsiError | undefined> {
    const conn = this.s.conn;
    if (conn.closed) return Promise.resolve(conn.closeReason);
    return new Promise((resolve) => {
      const finish = (e: IscsiError | undefined): void => {
        clearTimeout(t);
        conn.off('closed', onClosed);
        signal?.removeEventListener('abort', onAbort);
        resolve(e);
      };
      const onClosed = (e: IscsiError): void => finish(e);
      const onAbort = (): void => finish(undefined);
      const t = setTimeout(() => finish(undefined), timeoutMs);
      conn.once('closed', onClosed);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
