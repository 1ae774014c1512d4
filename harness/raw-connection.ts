/**
 * A bare TCP connection to the target under test, with no login machine and no sequence numbers: the
 * test builds every PDU (Login Requests with the wrong stage, version or keys) and reads each answer
 * with a time limit. The login-phase suites need it because the initiator's Session refuses to send
 * what they must send. Digests are off (they apply only after a login the test itself completes).
 */
import { AnyPdu, describePdu } from '../protocol/iscsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import { Connection } from './initiator/index.js';

/** Why `next()` returned no PDU: the target closed the connection, or nothing came in time. */
export type RawEnd = { closed: string } | { timeout: number };

export interface RawConnection {
  /** Send a PDU exactly as given (no hooks, no bookkeeping). */
  send(pdu: AnyPdu): void;
  /** Send bytes as they are (a malformed or partial PDU). */
  sendRaw(...bufs: Buffer[]): void;
  /** The next PDU the target sent (in order), or why none came within `ms` (default 10 s, bounded by the test's time). */
  next(ms?: number): Promise<AnyPdu | RawEnd>;
  /** True once the connection has closed (either side). */
  readonly closed: boolean;
  /** Every PDU sent and received, one line each, for failure messages and logs. */
  readonly transcript: string[];
  /** Drop the connection (also done by the runner after the test). */
  close(): void;
}

export const isRawEnd = (x: AnyPdu | RawEnd): x is RawEnd => 'closed' in x || 'timeout' in x;

/** One line saying what `next()` returned. */
export function rawText(x: AnyPdu | RawEnd): string {
  if ('closed' in x) return `the connection closed (${x.closed})`;
  if ('timeout' in x && !('opcode' in x)) return `nothing within ${x.timeout} ms`;
  return describePdu(x as AnyPdu);
}

class Raw implements RawConnection {
  readonly transcript: string[] = [];
  private readonly queue: AnyPdu[] = [];
  private waiter: ((x: AnyPdu | RawEnd) => void) | undefined;
  private why: string | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly limitMs: () => number,
  ) {
    conn.on('pdu', (pdu: AnyPdu) => {
      // The parser lends Data-In data; keep a copy.
      // (decodePdu leaves an empty `data` on a lent Data-In: the parts are the data.)
      if (pdu.dataParts && !pdu.data?.length) pdu.data = Buffer.concat(pdu.dataParts.map((p) => Buffer.from(p)));
      this.transcript.push(`<< ${describePdu(pdu)}`);
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(pdu);
      } else if (this.queue.length < 1024) this.queue.push(pdu);
    });
    conn.on('closed', (e: IscsiError) => {
      this.why = e.message;
      this.transcript.push(`-- ${e.message}`);
      const w = this.waiter;
      this.waiter = undefined;
      w?.({ closed: e.message });
    });
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  send(pdu: AnyPdu): void {
    this.transcript.push(`>> ${describePdu(pdu)}`);
    this.conn.send(pdu);
  }

  sendRaw(...bufs: Buffer[]): void {
    this.transcript.push(`>> ${bufs.reduce((n, b) => n + b.length, 0)} raw bytes`);
    this.conn.sendRaw(bufs);
  }

  next(ms = 10_000): Promise<AnyPdu | RawEnd> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    if (this.why !== undefined) return Promise.resolve({ closed: this.why });
    if (this.waiter) throw new Error('RawConnection.next() called while another next() is waiting');
    const limit = Math.max(1, Math.min(ms, this.limitMs()));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve({ timeout: limit });
      }, limit);
      this.waiter = (x) => {
        clearTimeout(timer);
        resolve(x);
      };
    });
  }

  close(): void {
    this.conn.destroy('closed by the test');
  }
}

/** Open a raw connection; `limitMs` bounds every wait (the test's remaining time). */
export async function openRawConnection(
  o: { host: string; port: number; connectTimeoutMs: number; trace: boolean },
  limitMs: () => number,
): Promise<RawConnection> {
  const conn = await Connection.connect({ host: o.host, port: o.port, connectTimeoutMs: o.connectTimeoutMs, ...(o.trace ? { trace: true } : {}) });
  return new Raw(conn, limitMs);
}
