/**
 * Slows an initiator that keeps failing CHAP: after AUTH_FAILURES_FREE failed authentications of one
 * initiator name within AUTH_FAILURE_WINDOW_MS, each further failure is answered only after a delay that
 * doubles from 1 s up to 8 s; a successful login of that name clears its count. The table of names is
 * bounded (the oldest entry goes), so a flood of made-up names cannot grow the target's memory. The delay
 * holds only the failing connection (its login timer still runs); other initiators are not slowed.
 */

export const AUTH_FAILURES_FREE = 3;
export const AUTH_FAILURE_WINDOW_MS = 10 * 60_000;
export const AUTH_DELAY_MAX_MS = 8000;
const MAX_NAMES = 1024;

export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Record a failed authentication of `name`; returns how long to hold the answer, in ms. */
  failed(name: string): number {
    const t = this.now();
    const prev = this.failures.get(name);
    const count = prev && t - prev.last < AUTH_FAILURE_WINDOW_MS ? prev.count + 1 : 1;
    this.failures.delete(name); // re-insert: the Map's order is the age order eviction follows
    this.failures.set(name, { count, last: t });
    if (this.failures.size > MAX_NAMES) this.failures.delete(this.failures.keys().next().value!);
    return count <= AUTH_FAILURES_FREE ? 0 : Math.min(AUTH_DELAY_MAX_MS, 1000 * 2 ** (count - AUTH_FAILURES_FREE - 1));
  }

  /** `name` logged in: forget its failures. */
  succeeded(name: string): void {
    this.failures.delete(name);
  }

  get size(): number {
    return this.failures.size;
  }
}
