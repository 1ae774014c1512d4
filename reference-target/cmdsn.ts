/**
 * Command ordering (RFC 7143 4.2.2.1): immediate PDUs go at once; others in CmdSN order; those outside
 * [ExpCmdSN, MaxCmdSN] are ignored. PDUs that come ahead of ExpCmdSN wait here (bounded by the window).
 */
import { AnyPdu, Opcode, opcodeName, RawPdu, RESERVED_TAG, snAdd, snLess, snLessEq } from '../protocol/iscsi/index.js';
import { EMPTY, TargetChannel } from './channel.js';

/** Holds the place of a CmdSN that ABORT TASK took as received before its command came (delivers nothing). */
const CMDSN_ABORTED: AnyPdu = { opcode: -1, unknown: true, itt: RESERVED_TAG, bhs: EMPTY };

export type NumberedPdu = AnyPdu & { cmdSN: number; immediate?: boolean };

export interface OrderingEvents {
  /**
   * A PDU within the window arrived (before its turn, perhaps): false when it was refused and takes no
   * CmdSN. SCSI commands make their task here, so their data can flow while earlier commands are missing.
   */
  arrived(pdu: NumberedPdu, raw: RawPdu, immediate: boolean): boolean;
  /** Its turn came: act on it. `raw` only when delivered as it arrived. */
  deliver(pdu: AnyPdu, raw: RawPdu | undefined): void;
}

export class CommandOrdering {
  /** Non-immediate PDUs that arrived ahead of ExpCmdSN, by CmdSN (bounded by the window). */
  private readonly early = new Map<number, AnyPdu>();

  constructor(
    private readonly ch: TargetChannel,
    private readonly events: OrderingEvents,
  ) {}

  /** PDUs held for their turn (they take room in the window). */
  get size(): number {
    return this.early.size;
  }

  /** Whether `sn` is within [ExpCmdSN, MaxCmdSN] as sent, in serial number arithmetic (RFC 7143 4.2.2.1, RFC 1982). */
  inWindow(sn: number): boolean {
    return snLessEq(this.ch.expCmdSN, sn) && snLessEq(sn, this.ch.windowEnd);
  }

  /** Whether a PDU outside the window is to be ignored (it is: RFC 7143 4.2.2.1); logs it. */
  ignoreOutsideWindow(pdu: NumberedPdu): boolean {
    this.ch.log(`ignoring ${opcodeName(pdu.opcode)} with CmdSN ${pdu.cmdSN} outside the window [${this.ch.expCmdSN}, ${this.ch.windowEnd}] (RFC 7143 4.2.2.1)`);
    return true;
  }

  receive(pdu: NumberedPdu, raw: RawPdu): void {
    const ch = this.ch;
    if (pdu.immediate) {
      if (this.events.arrived(pdu, raw, true)) this.events.deliver(pdu, raw);
      return;
    }
    const sn = pdu.cmdSN;
    const inWindow = this.inWindow(sn);
    if (!inWindow && this.ignoreOutsideWindow(pdu)) return;
    if (sn !== ch.expCmdSN && inWindow && this.early.has(sn)) {
      // Checked before a task is made for it, or the task would outlive the PDU.
      ch.log(`ignoring a second PDU with CmdSN ${sn}${this.early.get(sn) === CMDSN_ABORTED ? ' (its task was aborted before it came)' : ''}`);
      return;
    }
    if (!this.events.arrived(pdu, raw, false)) return;
    if (sn !== ch.expCmdSN && inWindow) {
      this.early.set(sn, pdu);
      return;
    }
    if (inWindow) ch.expCmdSN = snAdd(ch.expCmdSN, 1);
    this.events.deliver(pdu, raw);
    this.drain();
  }

  /** Deliver the PDUs held for CmdSN order that have become next in turn. */
  private drain(): void {
    // Bounded by the window: each pass consumes one queued PDU.
    while (this.early.has(this.ch.expCmdSN)) {
      const next = this.early.get(this.ch.expCmdSN)!;
      this.early.delete(this.ch.expCmdSN);
      this.ch.expCmdSN = snAdd(this.ch.expCmdSN, 1);
      this.events.deliver(next, undefined);
    }
  }

  /**
   * ABORT TASK of a command not received yet (RFC 7143 11.5.1): when its RefCmdSN is in the window and
   * below the request's own CmdSN, that CmdSN is considered received (plugging the gap it may have
   * left) and the command is not run if it comes after all. False when that does not apply.
   */
  takeAsReceived(refCmdSN: number, requestCmdSN: number): boolean {
    const ch = this.ch;
    const rc = refCmdSN;
    if (!(snLessEq(ch.expCmdSN, rc) && snLessEq(rc, ch.windowEnd) && snLess(rc, requestCmdSN) && !this.early.has(rc))) return false;
    if (rc === ch.expCmdSN) {
      ch.expCmdSN = snAdd(rc, 1);
      this.drain();
    } else {
      this.early.set(rc, CMDSN_ABORTED);
    }
    return true;
  }

  clear(): void {
    this.early.clear();
  }
}

/** Opcodes that carry a CmdSN and go through ordering. */
export const ORDERED_OPCODES: ReadonlySet<number> = new Set([
  Opcode.SCSI_COMMAND,
  Opcode.NOP_OUT,
  Opcode.TASK_MGMT_REQUEST,
  Opcode.TEXT_REQUEST,
  Opcode.LOGOUT_REQUEST,
]);
