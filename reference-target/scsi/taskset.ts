/**
 * The task set of a logical unit (SAM-5 8): one set shared by every I_T nexus (Control mode page TST=000b),
 * with the task attributes honoured, and LBA range locks that keep each medium command atomic against the
 * others that touch the same blocks.
 *
 * SAM-5 8.6: a SIMPLE task is enabled once every older HEAD OF QUEUE and ORDERED task has completed; an
 * ORDERED task once every older task has completed; a HEAD OF QUEUE task is enabled at once and is placed
 * ahead of every dormant task, so that dormant tasks wait for it as for an older one.
 */
import type { Nexus } from './types.js';

export type Attr = 'simple' | 'ordered' | 'head-of-queue';

let seq = 0;

export class Task {
  readonly id = ++seq;
  state: 'dormant' | 'enabled' | 'done' = 'dormant';
  aborted = false;
  /** Aborted by another I_T nexus while TAS is one: it ends with TASK ABORTED status rather than silently (SPC-5 Control mode page). */
  reportAborted = false;
  /** Runs when the task is aborted (wakes lock waits, timers...). */
  private abortHooks = new Set<() => void>();
  private enableResolve!: () => void;
  /** Resolves when the task is enabled. */
  readonly enabled: Promise<void>;
  private doneResolve!: () => void;
  /** Resolves when the task has left the task set. */
  readonly finished: Promise<void>;

  constructor(
    readonly nexus: Nexus,
    /** I_T nexus identity (initiator port + target port). */
    readonly itKey: string,
    readonly tag: number,
    readonly attr: Attr,
  ) {
    this.enabled = new Promise((r) => (this.enableResolve = r));
    this.finished = new Promise((r) => (this.doneResolve = r));
  }

  /** @internal */
  enable(): void {
    this.state = 'enabled';
    this.enableResolve();
  }

  /** @internal */
  finish(): void {
    this.state = 'done';
    this.abortHooks.clear();
    this.doneResolve();
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const h of [...this.abortHooks]) h();
    this.abortHooks.clear();
  }

  /** Registers a hook run on abort; returns its remover. */
  onAbort(h: () => void): () => void {
    if (this.aborted) {
      h();
      return () => {};
    }
    this.abortHooks.add(h);
    return () => this.abortHooks.delete(h);
  }
}

export class TaskSet {
  private tasks: Task[] = [];

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.tasks.length;
  }

  list(): readonly Task[] {
    return this.tasks;
  }

  /** Adds a task (false when the set is full: TASK SET FULL). */
  add(t: Task): boolean {
    if (this.tasks.length >= this.capacity) return false;
    if (t.attr === 'head-of-queue') {
      const firstDormant = this.tasks.findIndex((x) => x.state === 'dormant');
      if (firstDormant < 0) this.tasks.push(t);
      else this.tasks.splice(firstDormant, 0, t);
    } else {
      this.tasks.push(t);
    }
    this.pump();
    return true;
  }

  /** Removes a task (completed or aborted) and enables those it held back. */
  remove(t: Task): void {
    const i = this.tasks.indexOf(t);
    if (i >= 0) this.tasks.splice(i, 1);
    t.finish();
    this.pump();
  }

  private pump(): void {
    let olderBlocksSimple = false; // an older ORDERED or HEAD OF QUEUE task is still in the set
    for (let i = 0; i < this.tasks.length; i++) {
      const t = this.tasks[i]!;
      if (t.state === 'dormant' && !t.aborted) {
        const ok = t.attr === 'head-of-queue' || (t.attr === 'ordered' ? i === 0 : !olderBlocksSimple);
        if (ok) t.enable();
      }
      if (t.attr !== 'simple') olderBlocksSimple = true;
    }
  }
}

/** Outstanding lock requests on LBA ranges, granted in arrival order. */
interface LockEntry {
  lo: bigint;
  hi: bigint; // exclusive
  exclusive: boolean;
  granted: boolean;
  grant: () => void;
}

export class RangeLocks {
  private entries: LockEntry[] = [];

  private conflicts(a: LockEntry, b: LockEntry): boolean {
    return (a.exclusive || b.exclusive) && a.lo < b.hi && b.lo < a.hi;
  }

  /**
   * Waits until [lo, hi) can be held (shared or exclusive) without overtaking an earlier conflicting
   * request; returns the release function. Rejects with `abortError()` if the task is aborted while waiting.
   */
  acquire(lo: bigint, hi: bigint, exclusive: boolean, task: Task | null, abortError: () => Error): Promise<() => void> {
    if (hi <= lo) hi = lo + 1n;
    return new Promise((resolve, reject) => {
      let unhook = () => {};
      const entry: LockEntry = {
        lo,
        hi,
        exclusive,
        granted: false,
        grant: () => {
          unhook();
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.drop(entry);
          });
        },
      };
      this.entries.push(entry);
      if (task) {
        unhook = task.onAbort(() => {
          if (!entry.granted) {
            this.drop(entry);
            reject(abortError());
          }
        });
      }
      this.scan();
    });
  }

  private drop(e: LockEntry): void {
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
    this.scan();
  }

  private scan(): void {
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.granted) continue;
      let blocked = false;
      for (let j = 0; j < i; j++) {
        if (this.conflicts(this.entries[j]!, e)) {
          blocked = true;
          break;
        }
      }
      if (!blocked) {
        e.granted = true;
        e.grant();
      }
    }
  }

  /** Number of entries (held or waiting): 0 when nothing is locked (tests). */
  get pending(): number {
    return this.entries.length;
  }
}
