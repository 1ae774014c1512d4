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
import { decodeSense, describeCdb } from '../../protocol/scsi/index.js';
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
    const what = () => describeCdb(o.cdb);
    const dataOut = o.dataOut;
    const edtl = o.edtl ?? (o.dataIn ?? 0) + (o.dataIn !== undefined && dataOut ? 0 : (dataOut?.length ?? 0));
    if (o.into && o.into.length < (o.dataIn ?? 0)) {
      return Promise.reject(new IscsiError('E_RANGE', `${what()}: the 'into' buffer holds ${o.into.length} bytes, less than dataIn ${o.dataIn}`));
    }
    const read = o.readFlag ?? o.dataIn !== undefined;
    const write = o.writeFlag ?? dataOut !== undefined;
    let handle;
    try {
      handle = s.addTask('scsi', what, o.timeoutMs, lun, {
        edtl,
        read,
        opts: o,
        dataIn: { expDataSN: 0, nextOffset: 0, end: edtl },
        dataOutPdus: 0,
        r2ts: 0,
        dataInPdus: 0,
        expectedR2TSN: 0,
        r2tEnd: 0,
        ...(dataOut ? { dataOut } : {}),
      });
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    s.armTimer(task);
    const p = s.params;
    const build = (cmdSN: number) => {
      let immediate: Buffer = ZERO;
      if (dataOut && dataOut.length > 0 && p.immediateData && o.useImmediateData !== false) {
        const n = Math.min(dataOut.length, p.firstBurstLength, p.maxSendDataSegmentLength, edtl);
        immediate = dataOut.subarray(0, n);
      }
      const cmd: ScsiCommand = {
        opcode: Opcode.SCSI_COMMAND,
        final: true,
        read,
        write,
        attr: o.attr ?? TaskAttr.SIMPLE,
        lun,
        itt: task.itt,
        expectedDataTransferLength: edtl,
        cmdSN,
        expStatSN: s.expStatSN,
        cdb: o.cdb.length >= 16 ? o.cdb : padCdb(o.cdb),
        data: immediate,
      };
      if (o.immediate) cmd.immediate = true;
      // Unsolicited Data-Out (RFC 7143 13.10, 13.14): only when InitialR2T=No, up to FirstBurstLength in all.
      const unsolicited: DataOut[] = [];
      if (dataOut && !p.initialR2T && o.sendUnsolicited !== false) {
        const limit = Math.min(p.firstBurstLength, dataOut.length, edtl);
        if (immediate.length < limit) {
          cmd.final = false;
          unsolicited.push(...this.dataOutPdus(task, RESERVED_TAG, immediate.length, limit - immediate.length));
        }
      }
      s.send(cmd);
      for (const d of unsolicited) this.sendDataOut(task, d);
      o.onSent?.(task.itt, cmdSN);
    };
    try {
      if (o.immediate) {
        task.cmdSN = s.cmdSN;
        build(s.cmdSN);
      } else {
        s.sendOrdered(task, build);
      }
    } catch (e) {
      s.failTask(task, e as IscsiError);
    }
    return promise as Promise<ScsiResult>;
  }

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
      this.complete(task, {
        response: 0,
        status: d.status,
        residual: { overflow: d.overflow, underflow: d.underflow, count: d.residualCount },
        statusInDataIn: true,
      });
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
    const extra: Partial<ScsiResult> = {
      response: r.response,
      status: r.status,
      residual: { overflow: r.overflow, underflow: r.underflow, count: r.residualCount },
      statusInDataIn: false,
    };
    if (r.bidiOverflow || r.bidiUnderflow) extra.bidiResidual = { overflow: r.bidiOverflow, underflow: r.bidiUnderflow, count: r.bidiReadResidualCount };
    if (sense.sense) extra.senseData = sense.sense;
    this.complete(task, extra);
  }

  private complete(task: Task, r: Partial<ScsiResult>): void {
    const received = task.dataIn!.nextOffset;
    const res: ScsiResult = {
      itt: task.itt,
      cmdSN: task.cmdSN,
      response: r.response ?? 0,
      status: r.status ?? 0,
      data: task.dest ? task.dest.subarray(0, received) : ZERO,
      residual: r.residual ?? { overflow: false, underflow: false, count: 0 },
      dataInPdus: task.dataInPdus!,
      dataOutPdus: task.dataOutPdus!,
      r2ts: task.r2ts!,
      statusInDataIn: r.statusInDataIn ?? false,
      get what(): string {
        return task.what;
      },
    };
    if (r.bidiResidual) res.bidiResidual = r.bidiResidual;
    if (r.senseData) {
      res.senseData = r.senseData;
      try {
        res.sense = decodeSense(r.senseData);
      } catch (e) {
        res.senseError = (e as Error).message;
      }
    }
    this.s.finishTask(task, res);
  }
}

function padCdb(cdb: Buffer): Buffer {
  const b = Buffer.alloc(16);
  cdb.copy(b);
  return b;
}
