/**
 * Bounded memory for write data (issue 12): the bytes of Data-Out buffers the target holds, counted
 * against a limit per session and one for the whole target. A command's data is committed only when
 * it arrives unasked (immediate and unsolicited data, at most FirstBurstLength a command) or when the
 * target grants it by deciding to solicit it with R2Ts; a grant that does not fit waits until memory
 * is given back, so the initiator is never asked for more than the budgets hold.
 */

/** Defaults: per session (one 64 MiB write, the largest the target takes, always fits) and for the target. */
export const DEFAULT_SESSION_DATA_BUDGET = 64 << 20;
export const DEFAULT_TARGET_DATA_BUDGET = 256 << 20;
/** Seconds an initiator may hold back Data-Out that was granted before its connection is dropped. */
export const DEFAULT_DATA_TIMEOUT = 30;

/**
 * Bytes granted (the target chose to ask for them) count against `limit`; bytes that came unasked
 * (immediate and unsolicited data, which the initiator may send without waiting) are counted apart:
 * they cannot be refused, so they never stop a grant (which would let waiting commands block each other
 * for good); they are bounded by the CmdSN window instead (QueueDepth commands of FirstBurstLength).
 */
export class DataBudget {
  granted = 0;
  unasked = 0;
  /** Called when bytes are given back (the waiting grants of sessions try again). */
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly limit: number,
    private readonly parent?: DataBudget,
  ) {}

  /** Bytes held now, granted and unasked. */
  get used(): number {
    return this.granted + this.unasked;
  }

  /** Grant `n` bytes if this budget and its parent both have room. */
  tryTake(n: number): boolean {
    if (n > 0 && (this.granted + n > this.limit || (this.parent && this.parent.granted + n > this.parent.limit))) return false;
    this.granted += n;
    if (this.parent) this.parent.granted += n;
    return true;
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
  }

  /** The budget at the top (the target's): its listeners hear of every grant given back below it. */
  get root(): DataBudget {
    return this.parent ? this.parent.root : this;
  }

  onGiven(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
