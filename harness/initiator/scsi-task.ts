/**
 * SCSI tasks of the embedded initiator: the SCSI Command PDU, write data as immediate data, unsolicited
 * Data-Out up to FirstBurstLength and R2T-solicited bursts; read data from Data-In PDUs (placed straight
 * into the task's buffer when large, so socket reads land there), and the status from the SCSI Response
 * or the final Data-In (phase collapse).
 */
import {
  checkDataSequence,
  DataIn,
  DataOut,
  Opcode,
  parseSenseSegment,
  peekBufferOffset,
  peekItt,
  peekOpcode,
  R2T,
  RESERVED_TAG,
  ScsiCommand,
  ScsiResponse,
  splitTransfer,
  TaskAttr,
} from '../../protocol/iscsi/index.js';
import { decodeSense, describeCdb, type Sense } from '../../protocol/scsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import type { SessionState, Task } from './session-state.js';
import type { CommandOptions, ScsiResult } from './session-types.js';

const ZERO: Buffer = Buffer.alloc(0);
/** Data-In segments at least this long are placed straight into their task's buffer. */
const PLACE_MIN = 4096;

export class ScsiTasks {
  constructor(private readonly s: SessionState) {}

  /** Run a SCSI command. A non-GOOD status is a result, not an error; transport failures are errors. */
  command(o: CommandOptions): Promise<ScsiResult> {
    const s = this.s;
    const lun = s.lunOf(o.lun);
    const dataOut = o.dataOut;
    const edtl = o.edtl ?? (o.dataIn ?? 0) + (o.dataIn !== undefined && dataOut ? 0 : (dataOut?.length ?? 0));
    if (o.into && o.into.length < (o.dataIn ?? 0)) {
      return Promise.reject(new IscsiError('E_RANGE', `${describeCdb(o.cdb)}: the 'into' buffer holds ${o.into.length} bytes, less than dataIn ${o.dataIn}`));
    }
    let handle;
    try {
      handle = s.addTask('scsi', () => describeCdb(o.cdb), o.timeoutMs, lun);
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    task.edtl = edtl;
    task.read = o.readFlag ?? o.dataIn !== undefined;
    task.opts = o;
    task.dataIn = { expDataSN: 0, nextOffset: 0, end: edtl };
    task.dataOutPdus = 0;
    task.r2ts = 0;
    task.dataInPdus = 0;
    task.expectedR2TSN = 0;
    task.r2tEnd = 0;
    if (dataOut) task.dataOut = dataOut;
    s.armTimer(task);
    try {
      if (o.immediate) {
        task.cmdSN = s.cmdSN;
        this.sendCommand(s.cmdSN, task);
      } else {
        s.sendOrdered(task, this.sendCommand);
      }
    } catch (e) {
      s.failTask(task, e as IscsiError);
    }
    return promise as Promise<ScsiResult>;
  }

  /** Send a task's SCSI Command PDU with its CmdSN, then its unsolicited Data-Out (one function for every command: no closure each). */
  private readonly sendCommand = (cmdSN: number, task: Task): void => {
    const s = this.s;
    const o = task.opts!;
    const p = s.params;
    const dataOut = o.dataOut;
    const edtl = task.edtl!;
    let immediate: Buffer = ZERO;
    if (dataOut && dataOut.length > 0 && p.immediateData && o.useImmediateData !== false) {
      const n = Math.min(dataOut.length, p.firstBurstLength, p.maxSendDataSegmentLength, edtl);
      immediate = dataOut.subarray(0, n);
    }
    const cmd: ScsiCommand = {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: task.read!,
      write: o.writeFlag ?? dataOut !== undefined,
      attr: o.attr ?? TaskAttr.SIMPLE,
      lun: task.lun,
      itt: task.itt,
      expectedDataTransferLength: edtl,
      cmdSN,
      expStatSN: s.expStatSN,
      cdb: o.cdb.length >= 16 ? o.cdb : padCdb(o.cdb),
      data: immediate,
    };
    if (o.immediate) cmd.immediate = true;
    // Unsolicited Data-Out (RFC 7143 13.10, 13.14): only when InitialR2T=No, up to FirstBurstLength in all.
    let unsolicited: DataOut[] | undefined;
    if (dataOut && !p.initialR2T && o.sendUnsolicited !== false) {
      const limit = Math.min(p.firstBurstLength, dataOut.length, edtl);
      if (immediate.length < limit) {
        cmd.final = false;
        unsolicited = this.dataOutPdus(task, RESERVED_TAG, immediate.length, limit - immediate.length);
      }
    }
    s.send(cmd);
    if (unsolicited) for (const d of unsolicited) this.sendDataOut(task, d);
    o.onSent?.(task.itt, cmdSN);
  };

  /** The Data-Out PDUs of one sequence: `len` bytes from `offset`, DataSN from 0, F on the last (RFC 7143 11.7). */
  private dataOutPdus(task: Task, ttt: number, offset: number, len: number): DataOut[] {
    const limit = this.s.params.maxSendDataSegmentLength;
    const maxSegment = Math.max(1, Math.min(task.opts?.dataOutSegment ?? limit, limit));
    const data = task.dataOut ?? ZERO;
    return splitTransfer(offset, len, { maxSegment }).map((slot) => ({
      opcode: Opcode.DATA_OUT,
      final: slot.final,
      lun: task.lun,
      itt: task.itt,
      ttt,
      expStatSN: this.s.expStatSN,
      dataSN: slot.dataSN,
      bufferOffset: slot.offset,
      data: data.subarray(slot.offset, slot.offset + slot.length),
    }));
  }

  private sendDataOut(task: Task, d: DataOut): void {
    const alter = task.opts?.alterDataOut;
    const pdu = alter ? alter(d, task.dataOutPdus!) : d;
    task.dataOutPdus!++;
    if (pdu) {
      pdu.expStatSN = this.s.expStatSN;
      this.s.send(pdu);
    }
  }

  onR2T(r: R2T, task: Task): void {
    task.r2ts!++;
    const data = task.dataOut;
    if (!data) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: target sent an R2T for a command with no data to write`);
    if (r.r2tSN !== task.expectedR2TSN) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: R2TSN ${r.r2tSN}, expected ${task.expectedR2TSN}`);
    }
    task.expectedR2TSN = (task.expectedR2TSN! + 1) >>> 0;
    const p = this.s.params;
    if (r.desiredDataTransferLength === 0) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: R2T asks for 0 bytes (RFC 7143 11.8.4)`);
    if (r.desiredDataTransferLength > p.maxBurstLength) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: R2T asks for ${r.desiredDataTransferLength} bytes, more than MaxBurstLength ${p.maxBurstLength}`);
    }
    const end = r.bufferOffset + r.desiredDataTransferLength;
    // DataSequenceInOrder=Yes: sequences go in non-decreasing offset order, so an R2T never asks again
    // for bytes an earlier R2T of the command asked for (RFC 7143 13.19).
    if (p.dataSequenceInOrder && r.bufferOffset < task.r2tEnd!) {
      const why = `expected at least ${task.r2tEnd}, where the previous R2T's burst ended (DataSequenceInOrder=Yes, RFC 7143 13.19)`;
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: R2T (R2TSN ${r.r2tSN}) Buffer Offset ${r.bufferOffset}, ${why}`, {
        field: 'Buffer Offset',
        received: r.bufferOffset,
        expected: task.r2tEnd,
      });
    }
    task.r2tEnd = end;
    if (end > task.edtl!) {
      throw new IscsiError(
        'ISCSI_E_PROTOCOL',
        `${task.what}: R2T asks for bytes ${r.bufferOffset}..${end}, past the Expected Data Transfer Length ${task.edtl}`,
      );
    }
    // Data beyond what we hold (EDTL larger than the buffer, on purpose) is sent as zeros.
    if (end > data.length) {
      const bigger = Buffer.alloc(end);
      data.copy(bigger);
      task.dataOut = bigger;
    }
    for (const d of this.dataOutPdus(task, r.ttt, r.bufferOffset, r.desiredDataTransferLength)) this.sendDataOut(task, d);
  }

  /**
   * Place a Data-In data segment straight into its task's buffer, so the socket reads land there.
   * Checks (DataSN, offsets) still run when the PDU is complete; a bad PDU fails the command.
   */
  placeDataIn(header: Buffer, length: number): Buffer | undefined {
    if (peekOpcode(header) !== Opcode.DATA_IN || length < PLACE_MIN) return undefined;
    const task = this.s.tasks.get(peekItt(header));
    if (!task || task.kind !== 'scsi' || !task.read) return undefined;
    const offset = peekBufferOffset(header);
    if (offset + length > task.edtl!) return undefined;
    task.dest ??= task.opts?.into ?? Buffer.allocUnsafe(task.edtl!);
    if (offset + length > task.dest.length) return undefined;
    return task.dest.subarray(offset, offset + length);
  }

  onDataIn(d: DataIn, task: Task): void {
    if (!task.read) {
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: target sent a Data-In for a command without the R bit, which reads nothing (RFC 7143 11.7)`);
    }
    task.dataInPdus!++;
    const parts = d.dataParts ?? (d.data && d.data.length ? [d.data] : []);
    let len = 0;
    for (const p of parts) len += p.length;
    const seq = task.dataIn!;
    // With DataPDUInOrder=No the PDUs of a sequence may come in any order (RFC 7143 13.18): then only
    // DataSN and the bounds are checked.
    const inOrder = this.s.params.dataPDUInOrder;
    const fault = checkDataSequence(inOrder ? seq : { ...seq, nextOffset: d.bufferOffset }, d.dataSN, d.bufferOffset, len);
    if (fault) {
      const why =
        fault.field === 'DataSN'
          ? `${fault.message} (RFC 7143 11.7.5)`
          : fault.field === 'Buffer Offset'
            ? `${fault.message} (DataPDUInOrder=Yes)`
            : `carries bytes up to ${d.bufferOffset + len}, past the Expected Data Transfer Length ${seq.end}`;
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Data-In ${why}`, { field: fault.field, received: fault.received, expected: fault.expected });
    }
    seq.expDataSN = (seq.expDataSN + 1) >>> 0;
    if (len) {
      const into = task.opts?.into;
      task.dest ??= into ?? Buffer.allocUnsafe(task.edtl!);
      if (d.bufferOffset + len > task.dest.length) {
        throw new IscsiError(
          'ISCSI_E_PROTOCOL',
          `${task.what}: Data-In up to byte ${d.bufferOffset + len} does not fit the ${task.dest.length}-byte buffer given`,
        );
      }
      let at = d.bufferOffset;
      for (const p of parts) {
        // A placed segment already lies where it belongs.
        if (!(p.buffer === task.dest.buffer && p.byteOffset === task.dest.byteOffset + at)) p.copy(task.dest, at);
        at += p.length;
      }
    }
    seq.nextOffset = inOrder ? seq.nextOffset + len : Math.max(seq.nextOffset, d.bufferOffset + len);
    if (d.statusPresent) {
      if (!d.final) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Data-In has the S bit without the F bit (RFC 7143 11.7.1)`);
      this.s.finishTask(task, new CommandResult(task, 0, d.status, { overflow: d.overflow, underflow: d.underflow, count: d.residualCount }, true));
    }
  }

  onScsiResponse(r: ScsiResponse, task: Task): void {
    let sense;
    try {
      sense = parseSenseSegment(r.data ?? ZERO);
    } catch (e) {
      const err = e as IscsiError;
      throw new IscsiError(err.code, `${task.what}: SCSI Response: ${err.message} (RFC 7143 11.4.7.2)`, err.details);
    }
    const res = new CommandResult(task, r.response, r.status, { overflow: r.overflow, underflow: r.underflow, count: r.residualCount }, false);
    if (r.bidiOverflow || r.bidiUnderflow) res.bidiResidual = { overflow: r.bidiOverflow, underflow: r.bidiUnderflow, count: r.bidiReadResidualCount };
    if (sense.sense) {
      res.senseData = sense.sense;
      try {
        res.sense = decodeSense(sense.sense);
      } catch (e) {
        res.senseError = (e as Error).message;
      }
    }
    this.s.finishTask(task, res);
  }
}

/**
 * A command's result: a class, so that every result has one shape and `what` is computed (by describing
 * the CDB) only when a message reads it.
 */
class CommandResult implements ScsiResult {
  readonly itt: number;
  readonly cmdSN: number;
  readonly data: Buffer;
  readonly dataInPdus: number;
  readonly dataOutPdus: number;
  readonly r2ts: number;
  declare senseData?: Buffer;
  declare sense?: Sense;
  declare senseError?: string;
  declare bidiResidual?: { overflow: boolean; underflow: boolean; count: number };
  readonly #task: Task;

  constructor(
    task: Task,
    readonly response: number,
    readonly status: number,
    readonly residual: { overflow: boolean; underflow: boolean; count: number },
    readonly statusInDataIn: boolean,
  ) {
    this.#task = task;
    this.itt = task.itt;
    this.cmdSN = task.cmdSN;
    this.data = task.dest ? task.dest.subarray(0, task.dataIn!.nextOffset) : ZERO;
    this.dataInPdus = task.dataInPdus!;
    this.dataOutPdus = task.dataOutPdus!;
    this.r2ts = task.r2ts!;
  }

  get what(): string {
    return this.#task.what;
  }
}

function padCdb(cdb: Buffer): Buffer {
  const b = Buffer.alloc(16);
  cdb.copy(b);
  return b;
}
