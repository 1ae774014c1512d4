/**
 * Shared pieces of `npm run bench`: a bounded sequential-read load through the embedded initiator,
 * running libiscsi's iscsi-perf on the same target, and printing a table of figures with ratios.
 */
import { Session } from '../harness/initiator/index.js';
import * as scsi from '../protocol/scsi/index.js';
import { run } from '../test/support/proc.js';
import { which } from '../test/support/peers.js';

export interface Figure {
  iops: number;
  mibps: number;
  /** CPU time of this process a command, in microseconds (user + system), where measured. */
  cpuUs?: number;
}

/**
 * Sequential READ(16) of `blocks` 512-byte blocks per command with `qd` commands in flight for
 * `seconds` (bounded), wrapping at the end of the LUN as iscsi-perf does.
 */
export async function initiatorRead(s: Session, opts: { blocks: number; qd: number; seconds: number; lunBlocks: number; blockSize?: number }): Promise<Figure> {
  const bs = opts.blockSize ?? 512;
  const bytes = opts.blocks * bs;
  let lba = 0;
  let done = 0;
  const until = Date.now() + opts.seconds * 1000;
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    const into = Buffer.allocUnsafe(bytes);
    // Bounded by the time limit.
    while (Date.now() < until) {
      if (lba + opts.blocks > opts.lunBlocks) lba = 0;
      const at = lba;
      lba += opts.blocks;
      const r = await s.command({ cdb: scsi.read16({ lba: at, blocks: opts.blocks }), dataIn: bytes, into });
      if (r.status !== 0) throw new Error(`READ(16) LBA ${at}: status ${r.status}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: opts.qd }, worker));
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { iops: done / secs, mibps: (done * bytes) / secs / 1048576, cpuUs: (cpu.user + cpu.system) / Math.max(1, done) };
}

/** libiscsi's iscsi-perf: its final "iops average N (M MB/s)" line (its MB/s are MiB/s). */
export async function iscsiPerf(url: string, opts: { blocks: number; qd: number; seconds: number }): Promise<Figure> {
  const perf = which('iscsi-perf');
  if (!perf) throw new Error('iscsi-perf is not installed (Debian package libiscsi-bin)');
  const r = await run(perf, ['-m', String(opts.qd), '-b', String(opts.blocks), '-t', String(opts.seconds), url], { timeoutMs: (opts.seconds + 20) * 1000 });
  const m =
    /iops average ([0-9.]+) \(([0-9.]+) MB\/s\)\s*\n\s*finished/.exec(r.stdout) ?? [...r.stdout.matchAll(/iops average ([0-9.]+) \(([0-9.]+) MB\/s\)/g)].pop();
  if (!m) throw new Error(`iscsi-perf printed no average (exit ${r.code}): ${(r.stdout + r.stderr).slice(-500)}`);
  const iops = Number(m[1]);
  return { iops, mibps: (iops * opts.blocks * 512) / 1048576 };
}

/**
 * Measure two contenders on the same target in alternating rounds, so background load on a shared
 * machine falls on both alike. Returns the figures summed over the rounds.
 */
export async function alternate(rounds: number, a: () => Promise<Figure>, b: () => Promise<Figure>): Promise<[Figure, Figure]> {
  const fa: Figure[] = [];
  const fb: Figure[] = [];
  for (let i = 0; i < rounds; i++) {
    fa.push(await a());
    fb.push(await b());
  }
  const avg = (xs: Figure[], f: (x: Figure) => number) => xs.reduce((s, x) => s + f(x), 0) / xs.length;
  const mean = (xs: Figure[]): Figure => {
    const m: Figure = { iops: avg(xs, (x) => x.iops), mibps: avg(xs, (x) => x.mibps) };
    if (xs.every((x) => x.cpuUs !== undefined)) m.cpuUs = avg(xs, (x) => x.cpuUs!);
    return m;
  };
  return [mean(fa), mean(fb)];
}

export function table(title: string, head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c).padStart(w[i]!)).join('  ');
  return [`\n${title}`, line(cells[0]!), line(w.map((n) => '-'.repeat(n))), ...cells.slice(1).map(line)].join('\n');
}

export function fmt(n: number): string {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export const sizeName = (blocks: number, bs = 512): string => {
  const b = blocks * bs;
  return b >= 1048576 ? `${b / 1048576} MiB` : `${b / 1024} KiB`;
};
