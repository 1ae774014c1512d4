/**
 * Running the clean-ups a test declared with `t.cleanup(fn)`: after the test, whatever its verdict (a
 * failure, a time-out whose sessions were dropped), on a fresh context of the same test with fresh
 * sessions and its own time limit, so that LU-wide state a test changed (a reservation, a PREVENT, a mode
 * page) does not leak into the tests that follow. The last declared runs first, as with `finally` blocks.
 */
import { Killed, RunContext, secs } from './context.js';
import type { DeviceFacts } from './probe.js';
import type { Planned } from './select.js';
import type { RunConfig } from './target-under-test.js';

/** Time for all the clean-ups of one test, logins included. */
export const CLEANUP_LIMIT_MS = 30_000;

/**
 * Run the clean-ups of `ctx` (none: nothing is done, no login). Their narration goes into the test's,
 * marked `[clean-up]`. Returns what went wrong, or undefined when every clean-up completed.
 */
export async function runCleanups(ctx: RunContext, p: Planned, facts: DeviceFacts, cfg: RunConfig, limitMs = CLEANUP_LIMIT_MS): Promise<string | undefined> {
  if (ctx.cleanups.length === 0) return undefined;
  const cc = new RunContext(p, facts, cfg, limitMs, (line) => ctx.log(`[clean-up] ${line}`));
  const problems: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    try {
      await cc.openStandardSessions();
    } catch (e) {
      problems.push(`no session for the clean-up: ${(e as Error).message}`);
      return;
    }
    for (const c of [...ctx.cleanups].reverse()) {
      cc.log(`${c.what}`);
      try {
        await c.fn(cc);
      } catch (e) {
        if (e instanceof Killed) return;
        problems.push(`${c.what}: ${(e as Error).message ?? String(e)}`);
      }
    }
  })();
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), limitMs)));
  const r = await Promise.race([work.then(() => 'done' as const), timeout]);
  clearTimeout(timer);
  if (r === 'timeout') {
    problems.push(`the clean-up did not finish within ${secs(limitMs)}`);
    cc.kill('clean-up time-out');
  } else {
    await Promise.race([cc.closeAll(), new Promise((res) => setTimeout(res, 5000).unref())]);
  }
  for (const s of cc.sessions) if (r === 'timeout') s.destroy();
  return problems.length ? `clean-up failed: ${problems.join('; ')}` : undefined;
}
