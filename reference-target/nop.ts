/**
 * NOP-Out and NOP-In (RFC 7143 11.18, 11.19): a ping from the initiator is answered with its data; an
 * idle connection is pinged at the configured interval and dropped when no answer comes within
 * NOPTimeout.
 */
import { NopIn, NopOut, Opcode, RESERVED_TAG } from '../protocol/iscsi/index.js';
import { EMPTY, TargetChannel } from './channel.js';

export interface PingSettings {
  /** Seconds between pings of an idle connection (0: none). */
  intervalSeconds: number;
  /** Seconds an answer may take. */
  timeoutSeconds: number;
  /** Drop the connection. */
  fail(why: string): void;
}

export class NopHandler {
  private pingTtt: number | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pingDeadline: NodeJS.Timeout | undefined;

  constructor(private readonly ch: TargetChannel) {}

  onNopOut(pdu: NopOut): void {
    if (pdu.itt === RESERVED_TAG) {
      // An answer to our ping (TTT), or a NOP-Out that asks for nothing.
      if (pdu.ttt !== RESERVED_TAG) {
        if (pdu.ttt === this.pingTtt) {
          this.ch.releaseTtt(this.pingTtt);
          this.pingTtt = undefined;
          clearTimeout(this.pingDeadline);
        } else {
          this.ch.log(`NOP-Out answers TTT 0x${pdu.ttt.toString(16)}, which no NOP-In of ours carried`);
        }
      }
      return;
    }
    this.answerPing(pdu);
  }

  /** RFC 7143 11.18: the NOP-In that answers a ping returns its ping data. */
  answerPing(pdu: NopOut): void {
    const rsp: NopIn = {
      opcode: Opcode.NOP_IN,
      lun: pdu.lun,
      itt: pdu.itt,
      ttt: RESERVED_TAG,
      statSN: this.ch.takeStatSN(),
      expCmdSN: this.ch.expCmdSN,
      maxCmdSN: this.ch.maxCmdSN,
      data: pdu.data ?? EMPTY,
    };
    this.ch.send(rsp);
  }

  /** Ping at the configured interval while the connection is idle. */
  start(settings: PingSettings): void {
    const interval = settings.intervalSeconds;
    if (!interval) return;
    this.pingTimer = setInterval(() => {
      if (this.ch.phase !== 'ffp' || this.pingTtt !== undefined) return;
      if (Date.now() - this.ch.lastInput < (interval * 1000) / 2) return;
      this.pingTtt = this.ch.newTtt();
      const ping: NopIn = {
        opcode: Opcode.NOP_IN,
        lun: 0n,
        itt: RESERVED_TAG,
        ttt: this.pingTtt,
        statSN: this.ch.statSN,
        expCmdSN: this.ch.expCmdSN,
        maxCmdSN: this.ch.maxCmdSN,
        data: EMPTY,
      };
      this.ch.send(ping);
      const limit = settings.timeoutSeconds;
      this.pingDeadline = setTimeout(() => {
        if (this.pingTtt !== undefined) settings.fail(`no answer to a NOP-In ping within ${limit} s`);
      }, limit * 1000);
      this.pingDeadline.unref?.();
    }, interval * 1000);
    this.pingTimer.unref?.();
  }

  stop(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pingDeadline);
  }
}
