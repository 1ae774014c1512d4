/**
 * Bounded memory for write data (issue 12): the bytes of Data-Out buffers the target holds, counted
 * against a limit per session and one for the whole target. A command's data is committed only when
 * it arrives unasked (immediate and unsolicited data, at most FirstBurstLength a command) or when the
 * target grants it by deciding to solicit it with R2Ts; a grant that does not fit waits until memory
 * is given back, so the initiator is never asked for more than the budgets hold.
 *
 * Data that comes unasked cannot be refused once its command is in the CmdSN window, so it is bounded
 * before that: every slot of a session's window that is open and unused is a promise of up to one
 * command's unasked data (`promised`), and the window opens a slot only while the data held unasked
 * and the promises fit the budgets (window-budget.ts says which slots open).
 */

/** Defaults: per session (one 64 MiB write, the largest the target takes, always fits) and for the target. */
export const DEFAULT_SESSION_DATA_BUDGET = 64 << 20;
export const DEFAULT_TARGET_DATA_BUDGET = 256 << 20;
/** Seconds an initiator may hold back Data-Out that was granted before its connection is dropped. */
export const DEFAULT_DATA_TIMEOUT = 30;

export class DataBudget {
  /** Bytes the target asked for (or decided to ask for) with R2Ts. */
  granted = 0;
  /** Bytes that came, or may still come, unasked with commands received. */
  unasked = 0;
  /** The part of `unasked` held by tasks waiting for their grant (see `tryTake`). */
  unaskedWaiting = 0;
  /** Unasked bytes the open, unused slots of command windows may still bring. */
  promised = 0;
  /** Sessions whose window these budgets bound, and those of them whose window they keep shut (for a fair share). */
  windows = 0;
  shutWindows = 0;
  /** Called when bytes are given back (the waiting grants and closed windows of sessions try again). */
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly limit: number,
    private readonly parent?: DataBudget,
  ) {}

  /** Bytes held now, granted and unasked. */
  get used(): number {
    return this.granted + this.unasked;
  }

  /**
   * Grant `n` bytes if this budget and its parent both have room beside what is granted and what came
   * unasked (`fromWaiting`: the unasked bytes the task already holds while it waits for this grant). Not counted: the unasked data of tasks waiting for their own grant (two such tasks would
   * otherwise each hold what the other needs, for good), and the promises of open windows (a window
   * a session leaves unused must not stop the writes of others: a MaxCmdSN once sent cannot be taken back).
   */
  tryTake(n: number, fromWaiting = 0): boolean {
    // A waiting task's own unasked data counts again once it is granted: it must fit as well.
    const need = n + fromWaiting;
    if (need > 0 && (!this.hasRoomToGrant(need) || (this.parent && !this.parent.hasRoomToGrant(need)))) return false;
    this.granted += n;
    if (this.parent) this.parent.granted += n;
    this.moveWaiting(-fromWaiting);
    return true;
  }

  private hasRoomToGrant(n: number): boolean {
    return this.granted + this.unasked - this.unaskedWaiting + n <= this.limit;
  }

  give(n: number): void {
    if (n <= 0) return;
    this.granted -= n;
    if (this.parent) this.parent.granted -= n;
    this.root.notify();
  }

  /** Count `n` bytes that come unasked. */
  takeUnasked(n: number): void {
    this.unasked += n;
    if (this.parent) this.parent.unasked += n;
  }

  giveUnasked(n: number): void {
    if (n <= 0) return;
    this.unasked -= n;
    if (this.parent) this.parent.unasked -= n;
    this.root.notify();
  }

  /** `n` bytes of unasked data start (positive) or stop (negative) waiting for their task's grant. */
  moveWaiting(n: number): void {
    this.unaskedWaiting += n;
    if (this.parent) this.parent.unaskedWaiting += n;
  }

  /** Change the promises of open window slots by `delta` bytes (here and in the parent). */
  promise(delta: number): void {
    if (delta === 0) return;
    this.promised += delta;
    if (this.parent) this.parent.promised += delta;
    if (delta < 0) this.root.notify();
  }

  /**
   * Unused window slots, each bringing up to `unit` bytes unasked, that this budget and its parent
   * can hold beside the promises of others (`own`: what this session has promised already, so it is
   * not counted twice). `withGrants`: count the granted bytes too.
   */
  slotsFor(unit: number, own: number, withGrants: boolean): number {
    const here = Math.floor((this.limit - this.unasked - (this.promised - own) - (withGrants ? this.granted : 0)) / unit);
    const above = this.parent ? this.parent.slotsFor(unit, own, withGrants) : Infinity;
    return Math.max(0, Math.min(here, above));
  }

  /** Whether `n` more bytes unasked fit beside what is held and promised, here and in the parent. */
  holds(n: number): boolean {
    return this.unasked + this.promised + n <= this.limit && (!this.parent || this.parent.holds(n));
  }

  /** The budget at the top (the target's): its listeners hear of every byte given back below it. */
  get root(): DataBudget {
    return this.parent ? this.parent.root : this;
  }

  onGiven(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    // Called for every command (a window slot used): nothing to copy when nobody waits.
    if (this.listeners.size === 0) return;
    for (const l of [...this.listeners]) l();
  }
}
