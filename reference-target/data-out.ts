/**
 * Write data of SCSI commands: immediate data, unsolicited Data-Out up to FirstBurstLength, and
 * R2T-solicited bursts within MaxOutstandingR2T and MaxBurstLength (RFC 7143 11.7, 11.8), checked for
 * DataSN and Buffer Offset order (DataPDUInOrder=Yes). A data PDU that is lost or wrong ends its task
 * with CHECK CONDITION once its data has stopped coming (RFC 7143 7.8 option b).
 */
import { checkDataSequence, DataOut, DataSequence, Opcode, R2T, RawPdu, RejectReason, RESERVED_TAG, ScsiCommand } from '../protocol/iscsi/index.js';
import { EMPTY, TargetChannel } from './channel.js';
import type { DataBudget } from './data-budget.js';
import { ReceivedData } from './received-data.js';
import type { SessionState } from './session-host.js';
import type { R2TState, TargetTask } from './task.js';
import { WindowBudget } from './window-budget.js';

/** Most Data-Out a single command may need: larger writes get CHECK CONDITION before any data moves. */
export const MAX_WRITE = 64 << 20;

/** Where a Data-Out PDU must fall: the unsolicited burst or one R2T's. */
interface Burst extends DataSequence {
  start: number;
  /** The burst ended (F bit): ask for more, or let the task run. */
  done: () => void;
}

export interface WriteDataEvents {
  task(itt: number): TargetTask | undefined;
  /** A task whose ITT finished lately: its stray Data-Out is dropped silently. */
  recentlyFinished(itt: number): boolean;
  /** The task's data may be complete (or its transfer failed): run it if it is its turn. */
  progress(task: TargetTask): void;
  /** The session's tasks. */
  tasks(): Iterable<TargetTask>;
  /** Drop the connection. */
  fail(why: string): void;
}

export interface WriteDataLimits {
  /** The session's budget (its parent is the target's). */
  budget: DataBudget;
  dataTimeoutSeconds: number;
}

export class WriteData {
  private readonly budget: DataBudget;
  /** The CmdSN window as the budgets let it open (immediate and unsolicited data come only within it). */
  readonly window: WindowBudget;
  /** Tasks waiting for the budgets to hold all their data, in the order they came. */
  private readonly waiting: TargetTask[] = [];
  private readonly heldBackTimer: NodeJS.Timeout;
  /** Set while tasks wait: the target's budget calls back when memory is given back anywhere. */
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly ch: TargetChannel,
    private readonly session: SessionState,
    private readonly events: WriteDataEvents,
    private readonly limits: WriteDataLimits,
  ) {
    this.budget = limits.budget;
    this.window = new WindowBudget(ch, session, limits.budget);
    this.heldBackTimer = setInterval(() => this.checkHeldBack(), Math.max(250, (limits.dataTimeoutSeconds * 1000) / 4));
    this.heldBackTimer.unref?.();
  }

  /**
   * Set up a new command's write data: check its immediate data, take it, and solicit the rest.
   * False when the command was Rejected (the caller forgets its task).
   */
  accept(task: TargetTask, raw: RawPdu): boolean {
    const cmd: ScsiCommand = task.cmd;
    const p = this.session.params;
    const immData = cmd.data ?? EMPTY;
    if (immData.length > 0) {
      if (!cmd.write) {
        this.ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'immediate data on a command without the W bit');
        return false;
      }
      if (!p.immediateData || immData.length > this.immediateDataLimit() || immData.length > task.edtl) {
        const why = !p.immediateData
          ? 'immediate data though ImmediateData=No'
          : `${immData.length} bytes of immediate data exceed FirstBurstLength ${p.firstBurstLength} or the EDTL ${task.edtl}`;
        this.ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, why);
        return false;
      }
    }
    if (!cmd.write || task.edtl === 0) return true;
    if (task.edtl > Math.min(MAX_WRITE, this.budget.limit, this.budget.root.limit)) {
      // Refuse before any data moves: the buffer would not fit the session's budget.
      task.solicitedUpTo = task.edtl;
      task.received = task.edtl;
      task.tooLarge = true;
      return true;
    }
    // RFC 7143 11.3.1: F=0 on a write announces unsolicited Data-Out; allowed only with InitialR2T=No.
    if (!cmd.final && p.initialR2T) {
      this.ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'unsolicited Data-Out announced (F=0) though InitialR2T=Yes');
      return false;
    }
    if (!cmd.final) {
      task.unsolicitedOpen = true;
      task.unsolicitedLimit = Math.min(p.firstBurstLength, task.edtl);
    }
    // The data that comes unasked is committed now; the rest once the budgets hold all of it.
    const unasked = Math.max(immData.length, task.unsolicitedLimit);
    if (task.immediate && !this.window.holdsImmediate(unasked)) {
      // Outside the window nothing bounds it but this: RFC 7143 11.17.1 has a reason for it.
      this.ch.reject(RejectReason.IMMEDIATE_COMMAND_REJECT, raw.header, `an immediate command bringing ${unasked} bytes unasked exceeds the data budgets`);
      return false;
    }
    // What comes unasked is counted as such (the window bounds it); only the rest is a grant.
    this.budget.takeUnasked(unasked);
    task.chargedUnasked = unasked;
    if (unasked === task.edtl || this.budget.tryTake(task.edtl - unasked)) {
      task.charged = task.edtl - unasked;
      task.granted = true;
      task.data = new ReceivedData(task.edtl);
    } else {
      this.wait(task);
      if (unasked > 0) task.data = new ReceivedData(unasked);
    }
    if (immData.length) task.data!.add(0, [immData]);
    // The task keeps the data, not the PDU's reference to the input it came in.
    task.immediateLength = immData.length;
    cmd.data = undefined;
    task.received = immData.length;
    task.lastData = Date.now();
    task.solicitedUpTo = task.unsolicitedOpen ? task.unsolicitedLimit : task.received;
    this.solicit(task);
    return true;
  }

  /** Queue a task for memory; only sessions with waiting tasks listen for memory given back (a cost per write otherwise). */
  private wait(task: TargetTask): void {
    this.waiting.push(task);
    task.waitsForGrant = true;
    this.budget.moveWaiting(task.chargedUnasked);
    this.unsubscribe ??= this.budget.root.onGiven(() => this.grantWaiting());
  }

  /** Grant the tasks waiting for memory, in order, as far as the budgets allow. */
  private grantWaiting(): void {
    this.grantInOrder();
    if (this.waiting.length === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }

  private grantInOrder(): void {
    // Bounded by the waiting tasks (at most the queue depth).
    while (this.waiting.length > 0) {
      const task = this.waiting[0]!;
      if (this.events.task(task.itt) !== task || task.aborted || task.executing) {
        this.waiting.shift();
        continue;
      }
      const need = task.edtl - task.chargedUnasked;
      if (!this.budget.tryTake(need, task.chargedUnasked)) return;
      this.waiting.shift();
      task.waitsForGrant = false;
      // What came unasked so far stays where it is; the task may now hold all its data.
      if (task.data) task.data.capacity = task.edtl;
      else task.data = new ReceivedData(task.edtl);
      task.charged = need;
      task.granted = true;
      task.lastData = Date.now();
      this.solicit(task);
    }
  }

  /** The task's memory goes back to the budgets (it ended, or the connection did). */
  release(task: TargetTask): void {
    if (task.waitsForGrant) this.budget.moveWaiting(-task.chargedUnasked);
    task.waitsForGrant = false;
    this.budget.giveUnasked(task.chargedUnasked);
    this.budget.give(task.charged);
    task.charged = task.chargedUnasked = 0;
  }

  /**
   * DataTimeout: a task whose granted data (unsolicited, or asked for by R2T) has not moved for that
   * long holds memory for an initiator that holds its data back; the connection is dropped.
   */
  private checkHeldBack(): void {
    const now = Date.now();
    const limit = this.limits.dataTimeoutSeconds * 1000;
    for (const task of this.events.tasks()) {
      const asked = task.unsolicitedOpen || task.r2ts.size > 0;
      if (!asked || task.executing || task.aborted || now - task.lastData < limit) continue;
      this.events.fail(
        `the initiator has held back the Data-Out of ITT 0x${task.itt.toString(16)} for ${this.limits.dataTimeoutSeconds} s (${task.received} of ${task.edtl} bytes came; DataTimeout)`,
      );
      return;
    }
  }

  /** Stop the timers and give back the memory of every task (the connection ended). */
  stop(tasks: Iterable<TargetTask>): void {
    clearInterval(this.heldBackTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.waiting.length = 0;
    for (const t of tasks) this.release(t);
    this.window.stop();
  }

  /** Most immediate data a command may carry: FirstBurstLength (RFC 7143 13.14). */
  immediateDataLimit(): number {
    return this.session.params.firstBurstLength;
  }

  /**
   * The length of the next R2T for `task`, or undefined when no more may be outstanding now:
   * within MaxOutstandingR2T and MaxBurstLength (RFC 7143 13.17, 13.13).
   */
  nextBurst(task: TargetTask): number | undefined {
    const p = this.session.params;
    if (task.r2ts.size >= p.maxOutstandingR2T) return undefined;
    return Math.min(p.maxBurstLength, task.edtl - task.solicitedUpTo);
  }

  /** Send R2Ts for what is still missing, as far as `nextBurst` allows. */
  solicit(task: TargetTask): void {
    if (task.unsolicitedOpen || task.aborted || task.dataError || !task.granted) return;
    // Bounded by MaxOutstandingR2T.
    while (task.solicitedUpTo < task.edtl) {
      const len = this.nextBurst(task);
      if (len === undefined) return;
      const r: R2TState = { ttt: this.ch.newTtt(), offset: task.solicitedUpTo, length: len, received: 0, expDataSN: 0 };
      task.r2ts.set(r.ttt, r);
      task.solicitedUpTo += len;
      task.lastData = Date.now();
      const pdu: R2T = {
        opcode: Opcode.R2T,
        lun: task.lun,
        itt: task.itt,
        ttt: r.ttt,
        statSN: this.ch.statSN,
        expCmdSN: this.ch.expCmdSN,
        maxCmdSN: this.ch.maxCmdSN,
        r2tSN: task.r2tSN++,
        bufferOffset: r.offset,
        desiredDataTransferLength: len,
      };
      this.ch.send(pdu);
    }
  }

  /** Forget the task's bursts in flight (it runs, ends or is aborted). */
  end(task: TargetTask): void {
    for (const r of task.r2ts.values()) this.ch.releaseTtt(r.ttt);
    task.r2ts.clear();
  }

  /** DataPDUInOrder=Yes: each Data-Out continues where the previous one ended, DataSN one more. A fault names what was wrong. */
  sequenceFault(d: DataOut, length: number, burst: Burst): string | undefined {
    return checkDataSequence(burst, d.dataSN, d.bufferOffset, length)?.message;
  }

  onDataOut(d: DataOut, raw: RawPdu): void {
    const len = raw.dataLength;
    const task = this.events.task(d.itt);
    if (!task) {
      if (!this.events.recentlyFinished(d.itt)) this.ch.reject(RejectReason.INVALID_PDU_FIELD, raw.header, `Data-Out for unknown ITT 0x${d.itt.toString(16)}`);
      return;
    }
    if (task.aborted) return;
    task.lastData = Date.now();
    const burst = this.burstOf(task, d, raw);
    if (!burst) return this.sequenceError(task);
    const fault = this.sequenceFault(d, len, burst);
    if (fault) {
      this.ch.log(
        `Data-Out ITT 0x${d.itt.toString(16)} DataSN ${d.dataSN} offset ${d.bufferOffset} length ${len} in the burst ${burst.start}..${burst.end}: ${fault}`,
      );
      // RFC 7143 7.8/7.9: an out-of-order data PDU implies a lost one: Reject, then end the task with
      // CHECK CONDITION once its data has stopped coming.
      this.ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'Data-Out out of sequence');
      task.dataError = 'sequence';
    }
    // Kept as the slices it came in (received-data.ts); data beyond what the task may hold is dropped.
    if (len > 0) task.data?.add(d.bufferOffset, raw.parts);
    if (d.ttt === RESERVED_TAG) {
      task.unsolicitedExpDataSN = (d.dataSN + 1) >>> 0;
      task.received = Math.max(task.received, d.bufferOffset + len);
    } else {
      const r = task.r2ts.get(d.ttt)!;
      r.expDataSN = (d.dataSN + 1) >>> 0;
      r.received = Math.max(r.received, d.bufferOffset + len - r.offset);
      task.received += len;
    }
    if (d.final) {
      const r = d.ttt !== RESERVED_TAG ? task.r2ts.get(d.ttt)! : undefined;
      if (r && r.received < r.length && !task.dataError) {
        this.ch.log(`Data-Out burst for TTT 0x${d.ttt.toString(16)} ended (F) before all ${r.length} bytes came`);
        task.dataError = 'sequence';
      }
      burst.done();
    }
    this.events.progress(task);
  }

  /** The burst a Data-Out belongs to, or undefined (Rejected) when it belongs to none. */
  private burstOf(task: TargetTask, d: DataOut, raw: RawPdu): Burst | undefined {
    if (d.ttt === RESERVED_TAG) {
      if (!task.unsolicitedOpen) {
        this.ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, 'unsolicited Data-Out not expected for this command');
        return undefined;
      }
      return {
        expDataSN: task.unsolicitedExpDataSN,
        start: task.immediateLength,
        end: task.unsolicitedLimit,
        nextOffset: task.received,
        done: () => {
          task.unsolicitedOpen = false;
          task.solicitedUpTo = task.received;
          this.solicit(task);
        },
      };
    }
    const r = task.r2ts.get(d.ttt);
    if (!r) {
      this.ch.reject(RejectReason.INVALID_PDU_FIELD, raw.header, `Data-Out with TTT 0x${d.ttt.toString(16)}, not an R2T of this task`);
      return undefined;
    }
    if (!this.lunMatches(task, d)) {
      this.ch.reject(RejectReason.INVALID_PDU_FIELD, raw.header, `Data-Out with LUN ${d.lun}, not the LUN ${task.lun} of its command`);
      return undefined;
    }
    return {
      expDataSN: r.expDataSN,
      start: r.offset,
      end: r.offset + r.length,
      nextOffset: r.offset + r.received,
      done: () => {
        task.r2ts.delete(r.ttt);
        this.ch.releaseTtt(r.ttt);
        this.solicit(task);
      },
    };
  }

  /** RFC 7143 11.7.4: a Data-Out answering an R2T carries the LUN of its command (unsolicited ones may leave it reserved). */
  lunMatches(task: TargetTask, d: DataOut): boolean {
    return d.lun === task.lun;
  }

  private sequenceError(task: TargetTask): void {
    task.dataError ??= 'sequence';
    this.events.progress(task);
  }

  /** A Data-Out whose data digest was wrong (already Rejected): its task ends with CHECK CONDITION once its data has come. */
  onDigestError(pdu: DataOut, raw: RawPdu): void {
    const task = this.events.task(pdu.itt);
    if (!task) return;
    task.dataError = 'crc';
    if (pdu.ttt !== RESERVED_TAG) {
      const r = task.r2ts.get(pdu.ttt);
      if (r) {
        r.expDataSN = (pdu.dataSN + 1) >>> 0;
        r.received = Math.max(r.received, pdu.bufferOffset + raw.dataLength - r.offset);
      }
    }
    if (pdu.final) {
      if (pdu.ttt === RESERVED_TAG) task.unsolicitedOpen = false;
      else if (task.r2ts.delete(pdu.ttt)) this.ch.releaseTtt(pdu.ttt);
      task.solicitedUpTo = task.edtl;
    }
    this.events.progress(task);
  }

  /** Whether all the task's write data has come (or, after a data error, stopped coming). */
  complete(task: TargetTask): boolean {
    if (!task.cmd.write || task.edtl === 0) return true;
    if (task.unsolicitedOpen) return false;
    // After a data error no more is solicited: the task ends once the bursts in flight have ended.
    if (task.dataError) return task.r2ts.size === 0;
    return task.received >= task.edtl && task.r2ts.size === 0;
  }
}
