/**
 * The channel of one connection: the state every PDU family shares. It owns the socket and its
 * framing (parser in, digests and one writev per turn of the event loop out), output flow control
 * (input paused while the initiator does not read, dropped if it stays so for NOPTimeout), the
 * sequence numbers every response carries (StatSN, ExpCmdSN, MaxCmdSN; RFC 7143 4.2.2), target
 * transfer tags, and Reject. It knows no PDU family: those live in their own files and send through it.
 */
import type * as net from 'node:net';
import { AnyPdu, describePdu, encodeHeader, frameEncoded, Opcode, PduParser, RawPdu, Reject, RESERVED_TAG, snAdd, snLess } from '../protocol/iscsi/index.js';
import type { ConnectionInfo, SessionHost } from './session-host.js';

/** Bytes queued for the socket beyond which the initiator is taken to have stopped reading. */
const MAX_OUTPUT = 128 << 20;
/**
 * Flow control: once the responses queued for the socket and the read data of the commands executing
 * reach this, no further command starts and no further input is read until the socket drains. A
 * connection then holds at most this much plus one command's data, whatever the initiator does.
 */
export const OUTPUT_HIGH_WATER = 16 << 20;

export const EMPTY = Buffer.alloc(0);

/** Recent statuses whose window end is remembered (what an initiator acknowledging one knew of the window). */
const KNOWN_WINDOWS = 1024;

export type Phase = 'login' | 'ffp' | 'closed';

export interface ChannelEvents {
  /** A complete PDU arrived (its data is valid only during the call). */
  onRaw(raw: RawPdu): void;
  /** The socket drained: output may resume. */
  onWritable(): void;
  /** Work is held for the output to drain (so a stalled initiator is to be timed out). */
  waiting(): boolean;
  /** Commands taking room in the CmdSN window (outstanding tasks and PDUs held for CmdSN order). */
  windowUsed(): number;
  /** Unused slots the data budgets let the window hold with `outstanding` commands in it (window-budget.ts). */
  windowSlots(outstanding: number): number;
  /** The window as sent has `open` unused slots; `shut`: the budgets kept it from opening further. */
  windowOpened(open: number, shut: boolean): void;
  /** A command took a slot of the window, leaving `left` slots the initiator knew of (the window grows as the initiator fills it). */
  windowSlotTaken(left: number): void;
  /** The connection is to be dropped for this reason. */
  fail(why: string): void;
}

export class TargetChannel {
  readonly socket: net.Socket;
  readonly info: ConnectionInfo;
  readonly parser: PduParser;
  phase: Phase = 'login';
  /** Commands the session may have outstanding (MaxCmdSN closes the window at this many). */
  queueDepth = 128;
  /** Seconds the initiator may leave our output unread (its node's NOPTimeout once logged in). */
  stallLimitSeconds: number;
  statSN: number;
  expCmdSN = 0;
  /**
   * The highest MaxCmdSN sent: commands up to it are in the window. RFC 7143 4.2.2.1 has initiators
   * ignore a MaxCmdSN that goes back, so the window never closes below it.
   */
  windowEnd = 0;
  lastInput = Date.now();
  private headerDigest = false;
  private dataDigest = false;
  private corked = false;
  /** Input is paused while the socket's queue is over OUTPUT_HIGH_WATER. */
  private inputPaused = false;
  /** Armed while output waits on the initiator: it must read within stallLimitSeconds or be dropped. */
  private stallTimer: NodeJS.Timeout | undefined;
  /** The window's end as it was when each recent status went out, by StatSN (a ring; -1: none). */
  private readonly knownStatSN = new Float64Array(KNOWN_WINDOWS).fill(-1);
  private readonly knownWindowEnd = new Uint32Array(KNOWN_WINDOWS);
  /** The StatSN taken for the PDU about to be sent. */
  private statusTaken: number | undefined;
  private nextTtt = 1;
  /** Target transfer tags in use (R2Ts, our pings, long text answers). */
  private readonly ttts = new Set<number>();

  constructor(
    socket: net.Socket,
    readonly host: SessionHost,
    private readonly events: ChannelEvents,
  ) {
    this.socket = socket;
    this.info = {
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      local: `${socket.localAddress}:${socket.localPort}`,
    };
    this.statSN = host.initialStatSN();
    this.stallLimitSeconds = host.nopTimeoutSeconds;
    socket.setNoDelay(true);
    // Each read is a fresh buffer that nothing reuses: data segments are handed on as slices of it (write
    // data is kept so, received-data.ts); headers are copied, so a decoded command keeps no chunk alive.
    this.parser = new PduParser({ maxDataSegmentLength: 8192, copyHeaders: true }, (raw) => events.onRaw(raw));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
  }

  log(line: string): void {
    this.host.log(`${this.info.remote} ${line}`);
  }

  /** Digests and the data segment limit apply from the first PDU after the final Login Response (RFC 7143 13.1). */
  enterFullFeature(opts: { headerDigest: boolean; dataDigest: boolean; maxRecvDataSegmentLength: number }): void {
    this.headerDigest = opts.headerDigest;
    this.dataDigest = opts.dataDigest;
    this.parser.headerDigest = opts.headerDigest;
    this.parser.dataDigest = opts.dataDigest;
    this.parser.maxDataSegmentLength = opts.maxRecvDataSegmentLength;
    this.phase = 'ffp';
    // The final Login Response's window is what the first commands know.
    this.rememberWindow(snAdd(this.statSN, -1));
  }

  // ------------------------------------------------------------------------------------------
  // Input

  private onData(chunk: Buffer): void {
    this.lastInput = Date.now();
    try {
      this.parser.push(chunk);
    } catch (e) {
      // A framing error: the stream cannot be resynchronised.
      this.events.fail((e as Error).message);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Output

  send(pdu: AnyPdu, data?: Buffer): void {
    if (this.phase === 'closed') return;
    if (this.host.tracePdus) this.log(`>> ${describePdu(pdu)}`);
    if (this.socket.writableLength > MAX_OUTPUT) {
      this.events.fail(`the initiator has not read ${this.socket.writableLength} bytes of responses`);
      return;
    }
    if (this.statusTaken !== undefined) {
      this.rememberWindow(this.statusTaken);
      this.statusTaken = undefined;
    }
    const header = encodeHeader(pdu, data?.length ?? pdu.data?.length ?? 0);
    const bufs = frameEncoded(header, data ?? pdu.data, { headerDigest: this.headerDigest, dataDigest: this.dataDigest });
    // Everything sent in one turn of the event loop leaves in one writev: one syscall for the
    // responses of many commands rather than one each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    for (const b of bufs) this.socket.write(b);
    if (this.socket.writableLength > OUTPUT_HIGH_WATER && !this.inputPaused) {
      // The initiator is not keeping up: read no more from it until it does.
      this.inputPaused = true;
      this.socket.pause();
    }
    if ((this.inputPaused || this.events.waiting()) && this.socket.writableNeedDrain) this.armStall();
  }

  /**
   * Call `done` once everything sent so far has been handed to the socket's kernel buffer (so the memory
   * it was sent from may be reused). Not called when the connection is closed first.
   */
  whenWritten(done: () => void): void {
    if (this.phase === 'closed') return;
    // Writes complete in order: an empty one completes after every write before it.
    this.socket.write(EMPTY, (err) => {
      if (!err) done();
    });
  }

  /** Output queued that a 'drain' will announce the end of (below the socket's own mark no 'drain' comes). */
  get pendingOutput(): number {
    return this.socket.writableNeedDrain ? this.socket.writableLength : 0;
  }

  /** The output is waiting on the initiator to read: drop the connection if it does not within the limit. */
  armStall(): void {
    if (this.stallTimer || this.phase !== 'ffp' || !this.socket.writableNeedDrain) return;
    const limit = this.stallLimitSeconds;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      this.events.fail(`the initiator has not read ${this.socket.writableLength} bytes of responses for ${limit} s`);
    }, limit * 1000);
    this.stallTimer.unref?.();
  }

  private onDrain(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.phase !== 'ffp') return;
    if (this.inputPaused) {
      this.inputPaused = false;
      this.socket.resume();
    }
    this.events.onWritable();
  }

  // ------------------------------------------------------------------------------------------
  // Sequence numbers and tags

  /** The StatSN of a response, advancing it (RFC 7143 4.2.2.2: by one per response). */
  takeStatSN(): number {
    const s = this.statSN;
    this.statSN = snAdd(this.statSN, 1);
    this.statusTaken = s;
    return s;
  }

  private rememberWindow(statSN: number): void {
    const i = statSN % KNOWN_WINDOWS;
    this.knownStatSN[i] = statSN;
    this.knownWindowEnd[i] = this.windowEnd;
  }

  /**
   * The MaxCmdSN an initiator acknowledging StatSNs below `expStatSN` knew at least: the window's end
   * when that status went out (it came after every PDU sent before it). Undefined when not remembered.
   */
  windowKnownAt(expStatSN: number): number | undefined {
    const sn = snAdd(expStatSN, -1);
    const i = sn % KNOWN_WINDOWS;
    return this.knownStatSN[i] === sn ? this.knownWindowEnd[i] : undefined;
  }

  /**
   * MaxCmdSN for a PDU about to be sent: the window closes as outstanding commands fill the session's
   * queue depth, or as the data budgets fill; it never goes below what was sent before.
   */
  get maxCmdSN(): number {
    const used = this.events.windowUsed();
    const queueRoom = Math.max(0, this.queueDepth - used);
    const budgetRoom = this.events.windowSlots(used);
    let max = snAdd(this.expCmdSN, Math.min(queueRoom, budgetRoom) - 1);
    if (snLess(max, this.windowEnd)) max = this.windowEnd;
    this.windowEnd = max;
    this.events.windowOpened(this.openSlots, budgetRoom < queueRoom);
    return max;
  }

  /** Slots of the window as sent not yet used by a command that came in order (those held for order count as open). */
  get openSlots(): number {
    const n = (this.windowEnd + 1 - this.expCmdSN) | 0;
    return n > 0 ? n : 0;
  }

  /**
   * A PDU with a CmdSN arrived: a non-immediate one took a slot. The window learns how far the initiator
   * uses it from the slots the initiator knew it had left: what the target sees open is no guide, since a
   * fast LUN has answered (and reopened the window) before the initiator reads the answers.
   */
  commandArrived(pdu: { cmdSN: number; expStatSN: number; immediate?: boolean }): void {
    if (!pdu.immediate) {
      const known = this.windowKnownAt(pdu.expStatSN);
      this.events.windowSlotTaken(known === undefined ? this.openSlots : (known - pdu.cmdSN) | 0);
    }
    this.windowUsedSlot();
  }

  /** A command took a slot: the promises of the open slots are counted again. */
  windowUsedSlot(): void {
    const used = this.events.windowUsed();
    const queueRoom = Math.max(0, this.queueDepth - used);
    this.events.windowOpened(this.openSlots, this.events.windowSlots(used) < queueRoom);
  }

  /** A fresh target transfer tag, held until `releaseTtt`. */
  newTtt(): number {
    // Bounded: skips at most the tags in use.
    for (;;) {
      const t = this.nextTtt;
      this.nextTtt = (this.nextTtt + 1) >>> 0 || 1;
      if (t !== RESERVED_TAG && !this.ttts.has(t)) {
        this.ttts.add(t);
        return t;
      }
    }
  }

  releaseTtt(ttt: number): void {
    this.ttts.delete(ttt);
  }

  /** Reject a PDU (RFC 7143 11.17): the reason and a copy of its header. */
  reject(reason: number, header: Buffer, why: string): void {
    this.log(`Reject (${reason}): ${why}`);
    const r: Reject = {
      opcode: Opcode.REJECT,
      reason,
      // RFC 7143 11.17.3: StatSN carries its usual value and is advanced after a Reject.
      statSN: this.takeStatSN(),
      expCmdSN: this.expCmdSN,
      maxCmdSN: this.maxCmdSN,
      dataSNOrR2TSN: 0,
      data: Buffer.from(header.subarray(0, 48)),
    };
    this.send(r);
  }

  // ------------------------------------------------------------------------------------------
  // Closing

  /** Stop the timers; the caller has set `phase` to closed. */
  stop(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.ttts.clear();
  }

  /** Close the socket, letting what was queued (a final Login Response, a Reject) go out first. */
  closeSocket(fromSocket: boolean): void {
    if (this.socket.writableLength > 0 && !fromSocket) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref?.();
    } else {
      this.socket.destroy();
    }
  }
}
