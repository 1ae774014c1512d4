/**
 * A progress line on a terminal during a run: tests done of the total, time elapsed, failures so far and
 * the test running, redrawn in place (carriage return, erase line) as tests end and once a second while a
 * long test runs. Only on a TTY: piped or redirected output (CI logs, files) gets none of it, so logs stay
 * plain lines. Other console output goes through `through`, which takes the line away, writes, and draws it
 * again, so the two never interleave on one line.
 */
import type { Reporter, RunInfo, TestResult } from '../harness/results.js';

export interface TtyLike {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const ERASE = '\r\x1b[K';

/** `1:05` or `1:02:03`. */
export function elapsedText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h ? `${h}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

export class ProgressLine implements Reporter {
  private total = 0;
  private done = 0;
  private failures = 0;
  private current = '';
  private started = 0;
  private shown = false;
  private active = false;
  private timer: NodeJS.Timeout | undefined;

  /** A progress line on `out` if it is a terminal (and not TERM=dumb), else none. */
  static on(out: TtyLike, env: NodeJS.ProcessEnv = process.env): ProgressLine | undefined {
    return out.isTTY && env['TERM'] !== 'dumb' ? new ProgressLine(out) : undefined;
  }

  constructor(
    private readonly out: TtyLike,
    private readonly now: () => number = Date.now,
    private readonly tickMs = 1000,
  ) {}

  /** Where other console output goes: the line is erased before it and drawn again after it. */
  readonly through = {
    write: (s: string): unknown => {
      const erase = this.shown ? ERASE : '';
      this.shown = false;
      const redraw = this.active && s.endsWith('\n') ? this.text() : '';
      if (redraw) this.shown = true;
      return this.out.write(erase + s + redraw);
    },
  };

  /** The line as it would be drawn now, cut to the terminal's width. */
  text(): string {
    const fails = this.failures ? `, ${this.failures} failed` : '';
    const line = `[${this.done}/${this.total}] ${elapsedText(this.now() - this.started)}${fails}${this.current ? `  ${this.current}` : ''}`;
    const width = (this.out.columns || 80) - 1; // a pty without a size reports 0 columns
    return line.length > width ? line.slice(0, Math.max(0, width - 1)) + '…' : line;
  }

  private draw(): void {
    if (!this.active) return;
    this.out.write((this.shown ? ERASE : '\r') + this.text());
    this.shown = true;
  }

  start(info: RunInfo): void {
    this.total = info.planned;
    this.started = this.now();
    // While one long test runs the elapsed time still moves; unref: the line never keeps the process alive.
    this.timer = setInterval(() => this.draw(), this.tickMs);
    this.timer.unref();
  }

  testStart(id: string): void {
    // Drawn from the first test on: the run's header is printed without it.
    this.active = true;
    this.current = id;
    this.draw();
  }

  testEnd(r: TestResult): void {
    this.done++;
    if (r.verdict === 'fail' || r.verdict === 'error') this.failures++;
    this.current = '';
    this.draw();
  }

  end(): void {
    clearInterval(this.timer);
    this.active = false;
    if (this.shown) this.out.write(ERASE);
    this.shown = false;
  }
}
