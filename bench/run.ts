/**
 * `npm run bench`: figures and ratios against the real peers, printed, never asserted. Every load is
 * bounded in time (BENCH_SECONDS a point, default 3).
 */
import { benchDigests } from './digests.js';
import { benchInitiator } from './initiator.js';
import { benchSuite } from './suite.js';
import { benchTarget } from './target.js';

async function main(): Promise<void> {
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 3);
  if (!(seconds > 0 && seconds <= 60)) throw new Error('BENCH_SECONDS must be in (0, 60]');
  const only = process.argv.slice(2);
  const parts: [string, () => Promise<string>][] = [
    ['initiator', () => benchInitiator(seconds)],
    ['target', () => benchTarget(seconds)],
    ['digests', () => benchDigests(seconds)],
    ['suite', () => benchSuite()],
  ];
  for (const [name, fn] of parts) {
    if (only.length && !only.includes(name)) continue;
    process.stdout.write(await fn());
    process.stdout.write('\n');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
