/**
 * The CmdSN window under the data budgets (issue 12). Immediate data and unsolicited Data-Out come
 * unasked: once a command is in the window its first burst cannot be refused. So the target bounds it
 * the one way iSCSI gives a target to stop an initiator: it opens a slot of the window (moves MaxCmdSN,
 * RFC 7143 4.2.2.1) only while the budgets of the session and of the target hold one more command's
 * unasked data beside what they hold and what the other open slots may still bring.
 *
 * The choice for reads and commands without data: a window cannot tell them from writes before they
 * come, so a window the budgets keep shut stops them too, until memory comes back. What keeps them
 * going where it can:
 * - granted data (R2T) does not shut a window on its own: while the data that came unasked and the
 *   promises leave room, a session keeps one open slot however much is granted, since the target stops
 *   granted data itself (it sends no more R2Ts). A target full of held grants still serves reads and
 *   small writes, one command at a time in each other session; further slots open only under the whole budget;
 * - a window opens as far as the initiator uses it, not to the whole queue depth at once, so that idle
 *   sessions do not hold the target's budget in promises: it starts at MIN_OPEN_SLOTS unused slots,
 *   doubles each time the initiator uses every slot it knew of (a deep queue on a fast LUN, which
 *   answers at once and so has few commands outstanding, would otherwise be held near the minimum),
 *   halves after a round of commands in which it always had over half of them left, and drops to what
 *   the budgets hold when they are short;
 * - a session that can send nothing unasked (ImmediateData=No and InitialR2T=Yes) is never held back;
 * - a window the budgets shut is announced open again by a NOP-In (RFC 7143 11.19) as soon as memory
 *   comes back, since the initiator may have nothing outstanding that would answer with a new MaxCmdSN.
 */
import { NopIn, Opcode, RESERVED_TAG, SessionParams } from '../protocol/iscsi/index.js';
import { EMPTY, TargetChannel } from './channel.js';
import type { DataBudget } from './data-budget.js';

/** The most data one command may bring unasked under `p`: its first burst, or 0 when it can bring none. */
export function unaskedPerCommand(p: SessionParams): number {
  if (!p.initialR2T) return p.firstBurstLength;
  return p.immediateData ? Math.min(p.firstBurstLength, p.maxRecvDataSegmentLength) : 0;
}

/** Unused slots a window opens to at first and never shrinks below while the budgets hold them (it grows as the initiator fills it). */
export const MIN_OPEN_SLOTS = 8;

export class WindowBudget {
  /** Bytes promised now for this session's open, unused slots. */
  private promisedBytes = 0;
  /** Set while the window is shut by the budgets: the target's budget calls back when memory comes back. */
  private unsubscribe: (() => void) | undefined;
  private announcing = false;
  private stopped = false;
  /** Unused slots the window opens to while the budgets hold them: grows as the initiator fills the window, shrinks when it does not. */
  private wanted = MIN_OPEN_SLOTS;
  /** Commands left in the current round, and the fewest slots the initiator knew it had left after a command in it. */
  private roundLeft = MIN_OPEN_SLOTS;
  private leastLeft = Infinity;

  constructor(
    private readonly ch: TargetChannel,
    private readonly session: { readonly params: SessionParams; readonly node: unknown },
    private readonly budget: DataBudget,
  ) {
    this.budget.root.windows++;
  }

  /** Discovery sessions take no SCSI command: they bring nothing unasked. */
  private get unit(): number {
    return this.session.node ? unaskedPerCommand(this.session.params) : 0;
  }

  /**
   * Unused slots the budgets let the window hold: as many as fit under the whole budget, and at least
   * one while the unasked data and the promises leave room for it (granted data not counted).
   */
  slots(outstanding: number): number {
    const unit = this.unit;
    if (unit === 0) return Infinity;
    // Open for what the initiator uses, not for the whole queue depth at once: the promises of idle
    // sessions would fill the target's budget and shut the windows of busy ones for good.
    const room = this.budget.slotsFor(unit, this.promisedBytes, true);
    // Short budgets: the window grows again from what they hold once the initiator fills it.
    if (room < this.wanted) this.wanted = Math.max(MIN_OPEN_SLOTS, room);
    let all = Math.min(room, Math.max(this.wanted, 2 * outstanding));
    const root = this.budget.root;
    // While another session's window is kept shut, open no further than an even share of the target's
    // budget: the promises of windows that keep reopening would otherwise starve it for good.
    if (root.shutWindows > (this.unsubscribe ? 1 : 0)) all = Math.min(all, Math.floor(root.limit / unit / root.windows));
    return all > 0 ? all : Math.min(1, this.budget.slotsFor(unit, this.promisedBytes, false));
  }

  /**
   * A command took a slot of the window, leaving `left` slots the initiator knew of (channel.ts). One
   * that used every slot it knew of is held back by the window: it opens twice as far. One that always
   * had over half of them left in a round of commands (as many as the window holds) is not: it opens
   * half as far (never below MIN_OPEN_SLOTS).
   */
  tookSlot(left: number): void {
    if (left <= 0) {
      this.wanted = Math.min(this.wanted * 2, this.ch.queueDepth);
      this.startRound();
      return;
    }
    if (left < this.leastLeft) this.leastLeft = left;
    if (--this.roundLeft > 0) return;
    if (this.leastLeft * 2 > this.wanted) this.wanted = Math.max(MIN_OPEN_SLOTS, this.wanted >> 1);
    this.startRound();
  }

  private startRound(): void {
    this.roundLeft = this.wanted;
    this.leastLeft = Infinity;
  }

  /** Whether an immediate command (outside the window) may bring `n` bytes unasked. */
  holdsImmediate(n: number): boolean {
    return n === 0 || this.budget.holds(n);
  }

  /** The window as sent has `open` unused slots; `shut`: the budgets kept it from opening further. */
  opened(open: number, shut: boolean): void {
    const bytes = this.stopped ? 0 : open * this.unit;
    this.budget.promise(bytes - this.promisedBytes);
    this.promisedBytes = bytes;
    if (open > 0 && this.unsubscribe) this.reopen();
    if (this.stopped) return;
    if (open === 0 && shut && !this.unsubscribe) {
      this.unsubscribe = this.budget.root.onGiven(() => this.memoryCameBack());
      this.budget.root.shutWindows++;
    }
  }

  /** Memory came back somewhere: if the window can open now, say so (after the giver's work is done). */
  private memoryCameBack(): void {
    if (this.announcing) return;
    this.announcing = true;
    setImmediate(() => {
      this.announcing = false;
      if (this.ch.phase !== 'ffp' || this.unsubscribe === undefined || this.slots(0) === 0) return;
      this.reopen();
      // RFC 7143 11.19: a NOP-In that asks for no answer carries the new MaxCmdSN; it uses no StatSN.
      const nop: NopIn = {
        opcode: Opcode.NOP_IN,
        lun: 0n,
        itt: RESERVED_TAG,
        ttt: RESERVED_TAG,
        statSN: this.ch.statSN,
        expCmdSN: this.ch.expCmdSN,
        maxCmdSN: this.ch.maxCmdSN,
        data: EMPTY,
      };
      this.ch.send(nop);
    });
  }

  /** The session ended: its promises go back. */
  private reopen(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.budget.root.shutWindows--;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.unsubscribe) this.reopen();
    this.budget.root.windows--;
    this.budget.promise(-this.promisedBytes);
    this.promisedBytes = 0;
  }
}
