/**
 * What every PDU family of a session shares, and so lives apart from all of them: the task table
 * (ITT allocation, one entry a request in flight, the deadline sweep), the CmdSN window (commands
 * wait while it is closed), the sequence numbers the target reports, and the send path. The family
 * files (scsi-task, nop, task-management, text, logout, raw-access) hold a reference to this and not
 * to the session, so none of them reaches back into another.
 */
import type { EventEmitter } from 'node:events';
import { AnyPdu, DataIn, describePdu, Opcode, RESERVED_TAG, SessionParams, snAdd, snLess, snLessEq } from '../../protocol/iscsi/index.js';
import { lunToBigInt } from '../../protocol/scsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import type { Connection } from './connection.js';
import type { SessionOptions } from './session-types.js';
import { Task } from './task.js';
import { hostPort } from './url.js';

export { Task, type TaskKind } from './task.js';
import type { TaskKind } from './task.js';

type Queued = { task: Task; send: () => void };

export type SessionPhase = 'login' | 'ffp' | 'logout' | 'closed';

/**
 * What a target PDU's StatSN field holds (RFC 7143 4.2.2.2 and each PDU's field definition): 'advance'
 * the StatSN of a response, which the next response follows by one; 'next' the StatSN the next
 * response will carry, not used up (R2T 11.8.3, NOP-In with ITT 0xffffffff 11.19.2); 'none' nothing
 * to check (a Data-In without the S bit: its StatSN has content only with S set, 11.7).
 */
function statSNRole(pdu: AnyPdu): 'advance' | 'next' | 'none' {
  switch (pdu.opcode) {
    case Opcode.DATA_IN:
      return (pdu as DataIn).statusPresent ? 'advance' : 'none';
    case Opcode.R2T:
      return 'next';
    case Opcode.NOP_IN:
      return pdu.itt === RESERVED_TAG ? 'next' : 'advance';
    default:
      return 'advance';
  }
}

const STATSN_RULE: Record<'advance' | 'next', string> = {
  advance: 'RFC 7143 4.2.2.2: StatSN advances by one with each response on a connection',
  next: 'RFC 7143 11.8.3, 11.19.2: this PDU carries the next StatSN without using it',
};

/** How often the session checks request deadlines: the granularity of every time limit. */
const SWEEP_MS = 50;
let nextIttSeed = 0x1000;

/** Stands for a task that has ended (timed out or aborted here): PDUs for it are set aside. */
export const GONE: Task = new Task(
  'scsi',
  RESERVED_TAG,
  '(finished task)',
  0,
  0n,
  () => {},
  () => {},
);
GONE.dataIn = { expDataSN: 0, nextOffset: 0, end: 0 };

export class SessionState {
  readonly conn: Connection;
  readonly options: SessionOptions;
  /** The session's events (the Session object itself). */
  readonly events: EventEmitter;
  params!: SessionParams;
  phase: SessionPhase = 'login';
  /** The error that ended the session, once it has ended. */
  closeError: IscsiError | undefined;
  /** Set once the target has asked for logout: why new requests are refused. */
  logoutRequested: string | undefined;
  /** CmdSN for the next non-immediate command. */
  cmdSN = 1;
  expCmdSN = 1;
  maxCmdSN = 1;
  expStatSN = 0;
  private itt = nextIttSeed;
  readonly tasks = new Map<number, Task>();
  /** Non-immediate requests waiting for the CmdSN window to open, in order. */
  readonly waiting: Queued[] = [];
  private sweeper: NodeJS.Timeout | undefined;

  constructor(conn: Connection, options: SessionOptions, events: EventEmitter) {
    this.conn = conn;
    this.options = options;
    this.events = events;
    nextIttSeed = (nextIttSeed + 0x10000) >>> 0;
  }

  get where(): string {
    return hostPort(this.options.host, this.options.port);
  }

  /** Send a PDU through the connection's hooks; false if a hook dropped it. */
  send(pdu: AnyPdu): boolean {
    return this.conn.send(pdu);
  }

  // ------------------------------------------------------------------------------------------
  // Numbers

  /** A fresh Initiator Task Tag, never 0xffffffff and never one in use. */
  allocItt(): number {
    // At most tasks.size + 1 tries.
    for (;;) {
      this.itt = (this.itt + 1) >>> 0;
      if (this.itt !== RESERVED_TAG && !this.tasks.has(this.itt)) return this.itt;
    }
  }

  /**
   * Check the StatSN, ExpCmdSN and MaxCmdSN of a target PDU in full feature phase against what came
   * before on this connection, then take them. A number out of sequence is a protocol error naming the
   * field and both values (thrown: the connection cannot be trusted further at ErrorRecoveryLevel 0).
   */
  acceptNumbers(pdu: AnyPdu): void {
    if (!('statSN' in pdu && 'expCmdSN' in pdu && 'maxCmdSN' in pdu)) return;
    const role = statSNRole(pdu);
    if (role !== 'none') {
      const fault = this.statSNFault(pdu.statSN);
      if (fault) {
        throw new IscsiError('ISCSI_E_PROTOCOL', `${describePdu(pdu)} carries StatSN ${pdu.statSN}, expected ${fault} (${STATSN_RULE[role]})`, {
          field: 'StatSN',
          received: pdu.statSN,
          expected: this.expStatSN,
        });
      }
      // The first PDU after an Asynchronous Message settles whether it used a StatSN: if it repeats
      // the message's StatSN, it did not, and the count goes on from there.
      if (this.statSNSlack && pdu.statSN !== this.expStatSN) this.expStatSN = pdu.statSN;
      this.statSNSlack = pdu.opcode === Opcode.ASYNC_MESSAGE;
      if (role === 'advance') this.updateStatSN(pdu.statSN);
    }
    const { expCmdSN, maxCmdSN } = pdu;
    // RFC 7143 4.2.2.1: "The target MUST NOT transmit a MaxCmdSN that is less than ExpCmdSN - 1."
    if (snLess(maxCmdSN, (expCmdSN - 1) >>> 0)) {
      const rule = 'RFC 7143 4.2.2.1: the target MUST NOT send a MaxCmdSN below ExpCmdSN - 1';
      throw new IscsiError('ISCSI_E_PROTOCOL', `${describePdu(pdu)} carries MaxCmdSN ${maxCmdSN}, less than ExpCmdSN ${expCmdSN} - 1 (${rule})`, {
        field: 'MaxCmdSN',
        received: maxCmdSN,
        expected: (expCmdSN - 1) >>> 0,
      });
    }
    // ExpCmdSN acknowledges every CmdSN below it: it cannot pass the CmdSNs this side sent (4.2.2.1;
    // see Connection.noteCmdSN).
    // An older ExpCmdSN or MaxCmdSN than the last is not an error: the initiator ignores it (4.2.2.1).
    const sent = this.conn.rawSent ? undefined : (this.conn.cmdSNSentUpTo ?? this.loginExpCmdSN);
    if (sent !== undefined && snLess(sent, expCmdSN)) {
      throw new IscsiError(
        'ISCSI_E_PROTOCOL',
        `${describePdu(pdu)} carries ExpCmdSN ${expCmdSN}, but the CmdSNs sent allow at most ${sent} (RFC 7143 4.2.2.1: ExpCmdSN acknowledges the commands before it)`,
        { field: 'ExpCmdSN', received: expCmdSN, expected: sent },
      );
    }
    this.updateWindow(expCmdSN, maxCmdSN);
  }

  /** Take the numbers of a PDU that a test's hook hid from the session, unchecked (what comes next is checked against them). */
  resyncNumbers(pdu: AnyPdu): void {
    if (this.phase !== 'ffp' || !('statSN' in pdu && 'expCmdSN' in pdu && 'maxCmdSN' in pdu)) return;
    if (statSNRole(pdu) === 'advance') this.updateStatSN(pdu.statSN);
    this.updateWindow(pdu.expCmdSN, pdu.maxCmdSN);
  }

  /** Undefined if `statSN` is the one due now, else the value(s) that were due, for the message. */
  private statSNFault(statSN: number): string | undefined {
    if (statSN === this.expStatSN) return undefined;
    // After an Asynchronous Message the RFC does not say whether it used a StatSN of its own: the next
    // response may repeat its StatSN.
    const previous = (this.expStatSN - 1) >>> 0;
    if (this.statSNSlack && statSN === previous) return undefined;
    return this.statSNSlack ? `${previous} or ${this.expStatSN}` : String(this.expStatSN);
  }

  /** Set after an Asynchronous Message: the next StatSN may repeat its StatSN. */
  private statSNSlack = false;
  /** ExpCmdSN of the final Login Response: the CmdSN sent so far, until a request goes out. */
  loginExpCmdSN: number | undefined;

  /** Track ExpCmdSN/MaxCmdSN (RFC 7143 4.2.2.1): stale values (serially older) are ignored. */
  private updateWindow(expCmdSN: number, maxCmdSN: number): void {
    if (snLess(maxCmdSN, (expCmdSN - 1) >>> 0)) return;
    if (snLess(this.expCmdSN, expCmdSN)) this.expCmdSN = expCmdSN;
    if (snLess(this.maxCmdSN, maxCmdSN)) this.maxCmdSN = maxCmdSN;
    this.flushWaiting();
  }

  private updateStatSN(statSN: number): void {
    const next = snAdd(statSN, 1);
    if (snLess(this.expStatSN, next)) this.expStatSN = next;
  }

  /** True while the target accepts another non-immediate command. */
  get windowOpen(): boolean {
    return snLessEq(this.cmdSN, this.maxCmdSN);
  }

  private flushWaiting(): void {
    // Bounded by the queue length.
    while (this.waiting.length > 0 && this.windowOpen && this.phase === 'ffp') {
      const q = this.waiting.shift()!;
      q.send();
    }
  }

  /** Take the next CmdSN as a non-immediate command would. */
  takeCmdSN(): number {
    const c = this.cmdSN;
    this.cmdSN = snAdd(this.cmdSN, 1);
    return c;
  }

  lunOf(lun: number | bigint | undefined): bigint {
    if (typeof lun === 'bigint') return lun;
    // The session's own LUN is encoded once: most commands name none.
    if (lun === undefined) return (this.defaultLun ??= lunToBigInt(this.options.lun ?? 0));
    return lunToBigInt(lun);
  }

  private defaultLun: bigint | undefined;

  // ------------------------------------------------------------------------------------------
  // Tasks

  /**
   * Enter a request in the task table. `what` names it in messages; a function is called only if a
   * message needs it. Throws ISCSI_E_CLOSED outside full feature phase or once logout was asked for.
   */
  addTask(kind: TaskKind, what: string | (() => string), timeoutMs: number | undefined, lun: bigint): { task: Task; promise: Promise<unknown> } {
    if (this.phase !== 'ffp') {
      const why = this.closeError ? `: ${this.closeError.message}` : '';
      throw new IscsiError(
        'ISCSI_E_CLOSED',
        `${typeof what === 'function' ? what() : what}: session to ${this.where} is not in full feature phase (${this.phase})${why}`,
      );
    }
    if (this.logoutRequested && kind !== 'logout') {
      throw new IscsiError('ISCSI_E_CLOSED', `${typeof what === 'function' ? what() : what}: not sent: ${this.logoutRequested}`);
    }
    const itt = this.allocItt();
    let task!: Task;
    const limit = timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const promise = new Promise<unknown>((resolve, reject) => {
      task = new Task(kind, itt, what, limit, lun, resolve, reject);
    });
    this.tasks.set(itt, task);
    return { task, promise };
  }

  /**
   * Arm the task's time limit. One sweep timer a session checks every deadline (cheaper than a
   * timer per command on the data path); it runs only while tasks are outstanding.
   */
  armTimer(task: Task): void {
    task.deadline = Date.now() + task.timeoutMs;
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweeper.unref?.();
    }
  }

  private sweep(): void {
    const now = Date.now();
    // Bounded by the number of outstanding tasks.
    for (const task of [...this.tasks.values()]) {
      if (task.deadline > now) continue;
      this.tasks.delete(task.itt);
      const wq = this.waiting.findIndex((q) => q.task === task);
      const why = wq >= 0 ? ' (it never left the initiator: the CmdSN window stayed closed, MaxCmdSN ' + this.maxCmdSN + ')' : '';
      if (wq >= 0) this.waiting.splice(wq, 1);
      task.reject(new IscsiError('ISCSI_E_TIMEOUT', `${task.what}: no response from ${this.where} within ${task.timeoutMs} ms${why}`, { itt: task.itt }));
    }
    if (this.tasks.size === 0) this.stopSweep();
  }

  stopSweep(): void {
    if (this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  finishTask(task: Task, value: unknown): void {
    if (this.tasks.get(task.itt) !== task) return;
    this.tasks.delete(task.itt);
    task.resolve(value);
  }

  failTask(task: Task, err: IscsiError): void {
    if (this.tasks.get(task.itt) !== task) return;
    this.tasks.delete(task.itt);
    const wq = this.waiting.findIndex((q) => q.task === task);
    if (wq >= 0) this.waiting.splice(wq, 1);
    task.reject(err);
  }

  /** Fail every task still in the table with the error `make` gives it. */
  failAll(make: (t: Task) => IscsiError): void {
    for (const t of [...this.tasks.values()]) this.failTask(t, make(t));
  }

  /**
   * Send a non-immediate request now if the window is open, else queue it. `build` sends it with the
   * CmdSN it takes (and gets the task too, so that one function can serve every request).
   */
  sendOrdered(task: Task, build: (cmdSN: number, task: Task) => void): void {
    if (this.windowOpen && this.waiting.length === 0) this.sendNow(task, build);
    else this.waiting.push({ task, send: () => this.sendNow(task, build) });
  }

  private sendNow(task: Task, build: (cmdSN: number, task: Task) => void): void {
    task.ordered = true;
    task.cmdSN = this.cmdSN;
    this.cmdSN = snAdd(this.cmdSN, 1);
    build(task.cmdSN, task);
  }

  /** Whether the task is still queued behind a closed window (it has no CmdSN and the target never saw it). */
  isQueued(task: Task): boolean {
    return this.waiting.some((q) => q.task === task);
  }

  /** The task an ITT names, or GONE (which swallows the PDU) when the task has ended. */
  taskFor(itt: number, kind: TaskKind, pdu: AnyPdu): Task {
    const t = this.tasks.get(itt);
    if (t && t.kind === kind) return t;
    if (t) throw new IscsiError('ISCSI_E_PROTOCOL', `target sent ${describePdu(pdu)} for ITT 0x${itt.toString(16)}, which is a ${t.what}`);
    this.events.emit('stray', pdu);
    return GONE;
  }
}
