/**
 * `iscsi-test perf URL`: a sequential or random READ or WRITE load at a block size and queue depth for a
 * number of seconds, as `iscsi-perf` does, printing IOPS, MiB/s and latency percentiles. Writes need
 * `--dataloss` (they overwrite the LUN). Bounded in time: no command is started after the run's end, and
 * every command has the --timeout limit, so the tool ends within seconds + timeout.
 */
import { randomInt } from 'node:crypto';
import { parseReadCapacity16, read10, read16, readCapacity16, write10, write16 } from '../protocol/scsi/index.js';
import { usageError } from '../harness/errors.js';
import {
  closeQuietly,
  command,
  LOGIN_OPTIONS,
  numberOption,
  onePositional,
  openSession,
  parseToolArgs,
  sizeText,
  timeoutMs,
  toJson,
  ToolIo,
  urlArg,
} from './common.js';

export const PERF_SYNOPSIS = 'perf URL [--write --dataloss] [--random] [--block-size BYTES] [--queue-depth N] [--seconds S] [--json]';

export interface PerfResult {
  op: 'read' | 'write';
  pattern: 'sequential' | 'random';
  blockSize: number;
  queueDepth: number;
  seconds: number;
  commands: number;
  bytes: number;
  iops: number;
  mibPerSecond: number;
  /** Latency in microseconds. */
  latencyUs: { min: number; mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

/** The value below which `q` of the sorted samples fall (nearest rank). */
export function percentile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Latency samples kept: enough for the 99.9th percentile, bounded memory on a fast target. */
const MAX_SAMPLES = 1 << 20;

export async function perfTool(argv: string[], io: ToolIo): Promise<number> {
  const { values, positionals } = parseToolArgs('perf', argv, {
    ...LOGIN_OPTIONS,
    write: { type: 'boolean', short: 'w' },
    dataloss: { type: 'boolean', short: 'd' },
    random: { type: 'boolean', short: 'r' },
    'block-size': { type: 'string', short: 'b' },
    'queue-depth': { type: 'string', short: 'q' },
    seconds: { type: 'string', short: 't' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.out.write(
      `usage: iscsi-test ${PERF_SYNOPSIS}\n  Defaults: sequential READ, 65536-byte transfers, queue depth 8, 10 seconds. --write overwrites the LUN and needs --dataloss.\n`,
    );
    return 0;
  }
  const u = urlArg(onePositional('perf', positionals, 'the iscsi:// URL of a LUN', PERF_SYNOPSIS), io.env);
  if (values.write && !values.dataloss) throw usageError('perf: --write overwrites the LUN: give --dataloss too');
  const xfer = numberOption('perf', 'block-size', values['block-size'], 65536, 512, 16 << 20);
  const qd = numberOption('perf', 'queue-depth', values['queue-depth'], 8, 1, 256);
  const seconds = numberOption('perf', 'seconds', values.seconds, 10, 0.1, 3600);
  const limit = timeoutMs('perf', values.timeout);
  const s = await openSession(u, values['initiator-name'], limit);
  try {
    const c = parseReadCapacity16((await command(s, readCapacity16({ alloc: 32 }), { dataIn: 32, timeoutMs: limit })).data);
    const bs = c.blockLength;
    if (xfer % bs !== 0) throw usageError(`perf: --block-size=${xfer} is not a multiple of the LUN's ${bs}-byte logical block`);
    const n = xfer / bs;
    const blocks = c.lastLba + 1n;
    if (blocks < BigInt(n)) throw usageError(`perf: --block-size=${xfer} is larger than the LUN (${blocks} blocks of ${bs} bytes)`);
    const slots = blocks / BigInt(n);
    const big = c.lastLba > 0xffffffffn;
    const build = (lba: bigint) => (values.write ? (big ? write16 : write10) : big ? read16 : read10)({ lba, blocks: n });
    let next = 0n;
    const pick = (): bigint => {
      if (values.random) return BigInt(randomInt(0, Number(slots > 0xffffffffffffn ? 0xffffffffffffn : slots))) * BigInt(n);
      const lba = next * BigInt(n);
      next = (next + 1n) % slots;
      return lba;
    };
    const samples = new Float64Array(Math.min(MAX_SAMPLES, 1 << 16));
    let lat = samples;
    let count = 0;
    let sum = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    const worker = async () => {
      const into = Buffer.alloc(xfer);
      const data = values.write ? Buffer.alloc(xfer, 0xa5) : undefined;
      while (performance.now() < end) {
        const t0 = performance.now();
        await command(s, build(pick()), data ? { dataOut: data, timeoutMs: limit } : { dataIn: xfer, into, timeoutMs: limit });
        const us = (performance.now() - t0) * 1000;
        if (count < MAX_SAMPLES) {
          if (count === lat.length) {
            const grown = new Float64Array(Math.min(MAX_SAMPLES, lat.length * 2));
            grown.set(lat);
            lat = grown;
          }
          lat[count] = us;
        }
        count++;
        sum += us;
      }
    };
    await Promise.all(Array.from({ length: qd }, worker));
    const elapsed = (performance.now() - started) / 1000;
    const sorted = lat.subarray(0, Math.min(count, MAX_SAMPLES)).sort();
    const r: PerfResult = {
      op: values.write ? 'write' : 'read',
      pattern: values.random ? 'random' : 'sequential',
      blockSize: xfer,
      queueDepth: qd,
      seconds: elapsed,
      commands: count,
      bytes: count * xfer,
      iops: count / elapsed,
      mibPerSecond: (count * xfer) / elapsed / (1 << 20),
      latencyUs: {
        min: sorted[0] ?? 0,
        mean: count ? sum / count : 0,
        p50: percentile(sorted, 0.5),
        p90: percentile(sorted, 0.9),
        p99: percentile(sorted, 0.99),
        p999: percentile(sorted, 0.999),
        max: sorted[sorted.length - 1] ?? 0,
      },
    };
    io.out.write(values.json ? toJson({ target: u.display, ...r }) : renderPerf(r));
    return 0;
  } finally {
    await closeQuietly(s);
  }
}

function renderPerf(r: PerfResult): string {
  const l = r.latencyUs;
  const us = (v: number) => `${v.toFixed(0)} µs`;
  return (
    `${r.pattern} ${r.op.toUpperCase()}, ${sizeText(r.blockSize)} a command, queue depth ${r.queueDepth}, ${r.seconds.toFixed(1)} s\n` +
    `  ${r.commands} commands, ${sizeText(r.bytes)}\n` +
    `  IOPS:    ${r.iops.toFixed(0)}\n` +
    `  MiB/s:   ${r.mibPerSecond.toFixed(1)}\n` +
    `  latency: min ${us(l.min)}, mean ${us(l.mean)}, p50 ${us(l.p50)}, p90 ${us(l.p90)}, p99 ${us(l.p99)}, p99.9 ${us(l.p999)}, max ${us(l.max)}\n`
  );
}
