/**
 * SCSI commands of one session: the task table (by ITT), each task's way from SCSI Command PDU through
 * its write data (data-out.ts) and CmdSN turn to the device server, and its answer: Data-In within the
 * initiator's MaxRecvDataSegmentLength and MaxBurstLength, with the status in the last PDU when it
 * can (RFC 7143 11.7.1), else a SCSI Response. Flow control: a task whose read data would take the
 * output over OUTPUT_HIGH_WATER waits until the socket drains, in the order tasks became ready.
 */
import {
  DataIn,
  DataOut,
  frameSense,
  Opcode,
  RawPdu,
  RejectReason,
  RESERVED_TAG,
  ScsiCommand,
  ScsiResponse,
  splitTransfer,
  type DataPduSlot,
  TaskAttr,
} from '../protocol/iscsi/index.js';
import { Asc, bigIntToLun, Op, encodeFixedSense, REPORT_LUNS_WLUN, ScsiStatus, SenseKey } from '../protocol/scsi/index.js';
import { EMPTY, OUTPUT_HIGH_WATER, TargetChannel } from './channel.js';
import { WriteData, WriteDataLimits } from './data-out.js';
import type { SessionState } from './session-host.js';
import { giveBackDataBuffer, DATA_BUFFER_MIN, REPORT_LUNS_WLUN_NUMBER, type CommandResult, type TaskAttribute } from './scsi/index.js';
import { newTask, TargetTask } from './task.js';

/** Recently finished ITTs whose stray Data-Out is discarded silently (bounded). */
const RECENT_ITTS = 256;

/**
 * Opcodes whose write data the device server keeps no reference to once the command ends (it copies it
 * into the medium or writes it out): WRITE (10), (12), (16). Their joined data goes back for reuse; other
 * commands' parameter data may live on in what they set up, and is left to the garbage collector.
 */
const STORED_AND_FORGOTTEN: ReadonlySet<number> = new Set([Op.WRITE_10, Op.WRITE_12, Op.WRITE_16]);

const TASK_ATTRIBUTES: Record<number, TaskAttribute> = {
  [TaskAttr.UNTAGGED]: 'untagged',
  [TaskAttr.SIMPLE]: 'simple',
  [TaskAttr.ORDERED]: 'ordered',
  [TaskAttr.HEAD_OF_QUEUE]: 'head-of-queue',
  [TaskAttr.ACA]: 'aca',
};

export class ScsiCommands {
  readonly writeData: WriteData;
  private readonly tasks = new Map<number, TargetTask>();
  private readonly recent: number[] = [];
  /** Tasks ready to run but held while the output is over OUTPUT_HIGH_WATER, in the order they became ready. */
  private readonly deferred: TargetTask[] = [];
  /** Read data the executing tasks may still produce. */
  private inflight = 0;

  constructor(
    private readonly ch: TargetChannel,
    private readonly session: SessionState,
    limits: WriteDataLimits,
    fail: (why: string) => void,
  ) {
    this.writeData = new WriteData(
      ch,
      session,
      {
        task: (itt) => this.tasks.get(itt),
        tasks: () => this.tasks.values(),
        recentlyFinished: (itt) => this.recent.includes(itt),
        progress: (task) => this.maybeExecute(task),
        fail,
      },
      limits,
    );
  }

  get size(): number {
    return this.tasks.size;
  }

  get(itt: number): TargetTask | undefined {
    return this.tasks.get(itt);
  }

  /** A copy of the task list (callers end tasks while they walk it). */
  all(): TargetTask[] {
    return [...this.tasks.values()];
  }

  /** Tasks held for the output to drain. */
  get waiting(): boolean {
    return this.deferred.length > 0;
  }

  /**
   * A SCSI Command arrived (immediate, or within the CmdSN window): its task is made at once so its
   * data can flow while earlier commands are still missing. False when it was Rejected.
   */
  arrive(cmd: ScsiCommand, raw: RawPdu, immediate: boolean): boolean {
    if (this.tasks.has(cmd.itt)) {
      this.ch.reject(RejectReason.TASK_IN_PROGRESS, raw.header, `ITT 0x${cmd.itt.toString(16)} is already in use`);
      return false;
    }
    let lunNumber: number;
    try {
      lunNumber = cmd.lun === REPORT_LUNS_WLUN ? REPORT_LUNS_WLUN_NUMBER : bigIntToLun(cmd.lun);
    } catch {
      lunNumber = -1;
    }
    const task = newTask(cmd, lunNumber, immediate);
    this.tasks.set(cmd.itt, task);
    if (!this.writeData.accept(task, raw)) {
      this.tasks.delete(cmd.itt);
      return false;
    }
    return true;
  }

  /** The command's CmdSN turn came. */
  release(cmd: ScsiCommand): void {
    const task = this.tasks.get(cmd.itt);
    if (!task || task.cmd !== cmd) return;
    task.ordered = true;
    this.maybeExecute(task);
  }

  onDataOut(d: DataOut, raw: RawPdu): void {
    this.writeData.onDataOut(d, raw);
  }

  onDataDigestError(d: DataOut, raw: RawPdu): void {
    this.writeData.onDigestError(d, raw);
  }

  // ------------------------------------------------------------------------------------------
  // Running

  private maybeExecute(task: TargetTask): void {
    if (!task.ordered || task.executing || task.aborted || task.deferred || !this.writeData.complete(task)) return;
    if (!task.dataError && (this.deferred.length > 0 || this.overCommitted(task))) {
      // Flow control: the output is full; tasks start in the order they became ready once it drains.
      task.deferred = true;
      this.deferred.push(task);
      this.ch.armStall();
      return;
    }
    this.start(task);
  }

  /**
   * Whether starting `task` now would take the output over OUTPUT_HIGH_WATER (one task always may run).
   * Every reason to wait has an event that ends it: read data in flight, the end of its task (finish);
   * queued output, a 'drain'.
   */
  private overCommitted(task: TargetTask): boolean {
    const queued = this.ch.pendingOutput + this.inflight;
    return queued > 0 && queued + this.readLength(task) > OUTPUT_HIGH_WATER;
  }

  /** The read data a task may produce, for flow control: its EDTL (an initiator's own figure), capped. */
  private readLength(task: TargetTask): number {
    return Math.min(task.cmd.read ? (task.cmd.write ? (task.cmd.bidiReadLength ?? 0) : task.edtl) : 0, OUTPUT_HIGH_WATER);
  }

  /** Start the tasks held for the output to drain, in order, as far as the output allows. */
  resumeDeferred(): void {
    // Bounded by the number of deferred tasks (at most the queue depth).
    while (this.deferred.length > 0 && this.ch.phase === 'ffp') {
      const t = this.deferred[0]!;
      if (this.tasks.get(t.itt) !== t || t.aborted || t.executing) {
        this.deferred.shift();
        t.deferred = false;
        continue;
      }
      if (this.overCommitted(t)) {
        this.ch.armStall();
        return;
      }
      this.deferred.shift();
      t.deferred = false;
      this.start(t);
    }
  }

  private start(task: TargetTask): void {
    task.executing = true;
    task.reserved = this.readLength(task);
    this.inflight += task.reserved;
    this.writeData.end(task);
    if (task.dataError) {
      // ABORTED COMMAND / PROTOCOL SERVICE CRC ERROR (RFC 7143 11.4.7.2, 7.8).
      this.respond(task, { status: ScsiStatus.CHECK_CONDITION, sense: encodeFixedSense({ key: SenseKey.ABORTED_COMMAND, ascAscq: 0x4705 }) });
      return;
    }
    if (task.tooLarge) {
      this.respond(task, { status: ScsiStatus.CHECK_CONDITION, sense: encodeFixedSense({ key: SenseKey.ILLEGAL_REQUEST, ascAscq: Asc.INVALID_FIELD_IN_CDB }) });
      return;
    }
    const dataInLength = task.cmd.read ? (task.cmd.write ? (task.cmd.bidiReadLength ?? 0) : task.edtl) : 0;
    const dataOut = task.data?.join(Math.min(task.received, task.data.capacity));
    const req = {
      nexus: this.session.nexus!,
      lun: task.lunNumber < 0 ? 0xffff : task.lunNumber,
      cdb: task.cmd.cdb,
      dataInLength,
      attr: TASK_ATTRIBUTES[task.cmd.attr] ?? 'simple',
      tag: task.itt,
      ...(dataOut ? { dataOut } : {}),
    };
    this.session.node!.device.execute(req).then(
      (res) => {
        // A WRITE has stored its data (copied it, or written it out) when it ends: the buffer serves another.
        if (dataOut && dataOut.length >= DATA_BUFFER_MIN && STORED_AND_FORGOTTEN.has(task.cmd.cdb[0]!)) giveBackDataBuffer(dataOut);
        this.respond(task, res);
      },
      (e: unknown) => {
        this.ch.log(`device server failed on ITT 0x${task.itt.toString(16)}: ${(e as Error).message}`);
        this.respond(task, { status: ScsiStatus.CHECK_CONDITION, sense: encodeFixedSense({ key: SenseKey.HARDWARE_ERROR, ascAscq: 0x4400 }) });
      },
    );
  }

  // ------------------------------------------------------------------------------------------
  // Answering

  /** The largest Data-In data segment: the initiator's MaxRecvDataSegmentLength. */
  dataInSegmentLength(): number {
    return this.session.params.maxSendDataSegmentLength;
  }

  /** The Data-In PDUs that carry `length` bytes of a READ, in the order they go out (in order, DataPDUInOrder and DataSequenceInOrder Yes). */
  dataInSlots(length: number): DataPduSlot[] {
    return splitTransfer(0, length, { maxSegment: this.dataInSegmentLength(), maxBurst: this.session.params.maxBurstLength });
  }

  /** Whether a finished task's answer is to be dropped (it was aborted). */
  silenced(task: TargetTask, res: CommandResult): boolean {
    return !!res.aborted || task.aborted;
  }

  /** Send Data-In and status for a finished task (nothing for an aborted one). */
  private respond(task: TargetTask, res: CommandResult): void {
    if (this.ch.phase !== 'ffp' || this.tasks.get(task.itt) !== task) return;
    if (this.silenced(task, res)) {
      this.finish(task);
      return;
    }
    const read = task.cmd.read && !task.cmd.write;
    const data = read ? (res.data ?? EMPTY) : EMPTY;
    const sendLen = Math.min(data.length, task.edtl);
    // SPDTL: what the command itself would have moved (RFC 7143 11.4.5).
    const spdtl = res.transferLength ?? (read ? data.length : task.cmd.write ? Math.min(task.received, task.edtl) : 0);
    const overflow = spdtl > task.edtl;
    const underflow = spdtl < task.edtl;
    const residual = overflow ? spdtl - task.edtl : task.edtl - spdtl;
    const good = res.status === ScsiStatus.GOOD && !res.sense;
    const slots = this.dataInSlots(sendLen);
    let collapsed = false;
    for (const slot of slots) {
      const collapse = slot.last && good;
      collapsed = collapse;
      const pdu: DataIn = {
        opcode: Opcode.DATA_IN,
        final: slot.final,
        acknowledge: false,
        overflow: collapse && overflow,
        underflow: collapse && underflow,
        statusPresent: collapse,
        status: collapse ? res.status : 0,
        lun: task.lun,
        itt: task.itt,
        ttt: RESERVED_TAG,
        statSN: collapse ? this.ch.takeStatSN() : 0,
        expCmdSN: this.ch.expCmdSN,
        maxCmdSN: 0,
        dataSN: slot.dataSN,
        bufferOffset: slot.offset,
        residualCount: collapse ? residual : 0,
      };
      // The task leaves the window before MaxCmdSN is computed, so the window reopens with this PDU.
      if (collapse) this.finish(task);
      pdu.maxCmdSN = this.ch.maxCmdSN;
      // Zero-copy: the PDU carries a slice of the device server's buffer.
      this.ch.send(pdu, data.subarray(slot.offset, slot.offset + slot.length));
      if (collapse) break;
    }
    // Once the data is out, its buffer serves another read (the stores lend it: data-buffers.ts).
    if (data.length >= DATA_BUFFER_MIN) this.ch.whenWritten(() => giveBackDataBuffer(data));
    if (collapsed) return;
    this.finish(task);
    const rsp: ScsiResponse = {
      opcode: Opcode.SCSI_RESPONSE,
      bidiOverflow: false,
      bidiUnderflow: false,
      overflow,
      underflow,
      response: 0,
      status: res.status,
      itt: task.itt,
      snackTag: 0,
      statSN: this.ch.takeStatSN(),
      expCmdSN: this.ch.expCmdSN,
      maxCmdSN: this.ch.maxCmdSN,
      // RFC 7143 11.4.6: the number of Data-In (reads) or R2T (writes) PDUs sent for the command.
      expDataSN: read ? slots.length : task.r2tSN,
      bidiReadResidualCount: 0,
      residualCount: residual,
      data: frameSense(res.sense),
    };
    this.ch.send(rsp);
  }

  private finish(task: TargetTask): void {
    if (task.reserved) {
      this.inflight -= task.reserved;
      task.reserved = 0;
      if (this.deferred.length > 0) queueMicrotask(() => this.resumeDeferred());
    }
    if (this.tasks.get(task.itt) === task) this.tasks.delete(task.itt);
    this.writeData.end(task);
    this.writeData.release(task);
    this.recent.push(task.itt);
    if (this.recent.length > RECENT_ITTS) this.recent.shift();
  }

  // ------------------------------------------------------------------------------------------
  // Ending tasks from outside (task management, logout, closing)

  /** End a task that is not executing: it gets no answer. */
  abortLocal(t: TargetTask): void {
    t.aborted = true;
    this.finish(t);
  }

  /** End every task not yet executing (of one LUN, or all), unanswered or with TASK ABORTED status (`taskAborted`); how many ended. */
  abortWaiting(lun?: number, taskAborted = false): number {
    let n = 0;
    for (const t of this.all()) {
      if (!t.executing && (lun === undefined || t.lunNumber === lun)) {
        if (taskAborted) this.respond(t, { status: ScsiStatus.TASK_ABORTED });
        else this.abortLocal(t);
        n++;
      }
    }
    return n;
  }

  /** The connection is gone: every task is forgotten, those executing answer nobody. */
  clear(): void {
    this.deferred.length = 0;
    this.writeData.stop(this.tasks.values());
    for (const t of this.tasks.values()) t.aborted = true;
    this.tasks.clear();
  }
}
