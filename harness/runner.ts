/**
 * The runner: probes the target once, then runs the selected tests on mocha (a mocha suite per
 * FAMILY.Suite, built at run time from the registry), each in its own fresh session and within its time
 * limit, and classifies each outcome:
 *
 * - skip: an unmet need (checked before anything is sent) or `t.skip`, or a command the target does not
 *   implement where the standard makes it optional;
 * - fail: a wrong outcome, a violated check, no answer within the time limit (the sessions are then
 *   dropped and the next test logs in afresh), a dropped connection, a protocol error of the target;
 * - warn: a SHOULD-level failure (a failure with --strict);
 * - error: the harness or the environment broke: no login for the test, a harness rule broken by the test,
 *   an exception in harness or test code.
 */
import Mocha from 'mocha';
import { AssertionError } from 'node:assert';
import { IscsiError } from '../protocol/errors.js';
import { ExitError, HarnessError, TestFailure, TestSkip } from './errors.js';
import { runCleanups } from './cleanup.js';
import { Killed, RunContext, secs } from './context.js';
import { gate } from './needs.js';
import { describeDevice, DeviceFacts, probe } from './probe.js';
import { needName } from './registry.js';
import type { Reporter, RunInfo, RunReport, SessionTrace, TestResult, Verdict } from './results.js';
import { countVerdicts } from './results.js';
import { groupBySuite, Planned } from './select.js';
import { Session } from './initiator/index.js';
import { clearLeftoverReservations, wantsCleanReservations } from './reservations.js';
import { firstLogin, RunConfig, sessionOptions } from './target-under-test.js';

export interface RunOptions {
  plan: readonly Planned[];
  config: RunConfig;
  reporters: readonly Reporter[];
  /** Facts to use instead of probing (project tests). */
  facts?: DeviceFacts;
  version?: string;
  shard?: string;
}

/** Probe once (exit code 3 if the target cannot be reached), then run every planned test. */
export async function runTests(o: RunOptions): Promise<RunReport> {
  const cfg = o.config;
  let facts = o.facts;
  if (!facts) {
    const s = await firstLogin(cfg);
    try {
      facts = await probe(s, Math.min(30_000, cfg.loginTimeoutMs * 2));
    } catch (e) {
      if (IscsiError.is(e)) {
        throw new ExitError(3, `the start-up probe failed: ${e.message}`);
      }
      throw e;
    } finally {
      await s.close(2000);
    }
  }
  const info: RunInfo = {
    tool: 'iscsi-test',
    version: o.version ?? '0.0.0',
    target: cfg.target.display,
    targetName: cfg.target.targetName,
    lun: cfg.target.lun,
    embedded: cfg.target.embedded,
    device: describeDevice(facts),
    facts,
    initiatorName: cfg.initiatorName,
    initiatorName2: cfg.initiatorName2,
    dataloss: cfg.dataloss,
    sanitize: cfg.sanitize,
    strict: cfg.strict,
    planned: o.plan.length,
    startedAt: new Date(),
    ...(o.shard ? { shard: o.shard } : {}),
  };
  const rep = o.reporters;
  for (const r of rep) r.start?.(info);
  const started = Date.now();
  const results: TestResult[] = [];
  let unanswered = 0;
  let stopped: string | undefined;
  let leftoversCleared = false;

  /** A result computed ahead (--jobs): the reporters see it start, narrate and end, in plan order. */
  const replay = async (p: Planned, res: TestResult): Promise<TestResult> => {
    for (const r of rep) r.testStart?.(p.id);
    for (const [, line] of res.log) for (const r of rep) r.line?.(p.id, line);
    return res;
  };

  const runOne = async (p: Planned): Promise<TestResult> => {
    for (const r of rep) r.testStart?.(p.id);
    if (stopped) return resultOf(p, 'skip', { message: `not run: ${stopped}`, durationMs: 0 });
    if (!leftoversCleared && cfg.dataloss && wantsCleanReservations(p.test)) {
      leftoversCleared = true;
      const what = await clearLeftovers(cfg);
      for (const r of rep) r.line?.(p.id, `Before the first reservation test: ${what}`);
    }
    const res = await execute(p, facts!, cfg, (line) => {
      for (const r of rep) r.line?.(p.id, line);
    });
    note(res);
    return res;
  };

  // A target that stops answering fails each test it leaves unanswered; after --max-unanswered of them
  // in a row (skips, which send nothing, neither count nor break the row) the run stops.
  const note = (res: TestResult) => {
    if (res.noAnswer) {
      if (++unanswered >= cfg.maxUnanswered && cfg.maxUnanswered > 0 && !stopped) {
        stopped = `the target stopped responding (${unanswered} tests in a row got no answer; last: ${res.id}: ${res.message})`;
        for (const r of rep) r.line?.(res.id, `[STOPPED] ${stopped}`);
      }
    } else if (res.verdict !== 'skip') unanswered = 0;
  };

  // --jobs N: the tests without LU-wide side effects run first, N at a time, each on its own sessions, and
  // their results are kept; reporters then see every test in plan order as with --jobs 1 (their narration
  // is replayed with the result, not interleaved).
  const early = new Map<string, Promise<TestResult>>();
  const jobs = cfg.jobs ?? 1;
  if (jobs > 1) {
    const shared = o.plan.filter((p) => !p.test.exclusive);
    let next = 0;
    const worker = async () => {
      while (next < shared.length && !stopped) {
        const p = shared[next++]!;
        const res = execute(p, facts!, cfg);
        early.set(p.id, res);
        note(await res);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, shared.length) }, worker));
  }

  // Mocha is the engine: one mocha suite per FAMILY.Suite, one mocha test per test; mocha's own timeouts
  // are off (the harness bounds each test itself) and its reporter is silent (ours read the results).
  const mocha = new Mocha({ reporter: Silent as unknown as string, timeout: 0, bail: false });
  for (const g of groupBySuite(o.plan)) {
    const ms = Mocha.Suite.create(mocha.suite, g.suiteId);
    for (const p of g.tests) {
      ms.addTest(
        new Mocha.Test(p.test.name, async function (this: Mocha.Context) {
          const done = early.get(p.id);
          const res = done ? await replay(p, await done) : await runOne(p);
          results.push(res);
          for (const r of rep) r.testEnd?.(res);
          if (res.verdict === 'skip') this.skip();
          if (res.verdict === 'fail' || res.verdict === 'error') throw new Error(res.message ?? res.verdict);
        }),
      );
    }
  }
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('fail', () => undefined);
  });
  mocha.dispose();
  const report: RunReport = { info, results, counts: countVerdicts(results), durationMs: Date.now() - started, ...(stopped ? { stopped } : {}) };
  return report;
}

class Silent extends Mocha.reporters.Base {}

/** Clear the registrations an earlier aborted run left (libiscsi does the same with --dataloss). */
async function clearLeftovers(cfg: RunConfig): Promise<string> {
  let s: Session;
  try {
    s = await Session.open(sessionOptions(cfg, cfg.initiatorName, { timeoutMs: 15_000 }));
  } catch (e) {
    return `no session to clear leftover registrations: ${(e as Error).message}`;
  }
  try {
    return await clearLeftoverReservations(s, 15_000);
  } finally {
    await s.close(2000).catch(() => undefined);
  }
}

function resultOf(p: Planned, verdict: Verdict, x: Partial<TestResult> & { durationMs: number }): TestResult {
  const t = p.test;
  return {
    id: p.id,
    family: p.family,
    suite: t.suite,
    name: t.name,
    suiteId: p.suiteId,
    clause: t.clause,
    level: t.level,
    doc: t.doc,
    needs: t.needs.map(needName),
    verdict,
    warnings: [],
    log: [],
    ...x,
  };
}

/** The time limit of a test, in ms. */
export function limitOf(p: Planned, cfg: RunConfig): number {
  return 1000 * (cfg.timeout ?? p.test.timeout ?? cfg.defaultTimeout);
}

/** Run one test: gate, sessions, body within its time limit, read-back check, clean-up. Never throws. */
export async function execute(p: Planned, facts: DeviceFacts, cfg: RunConfig, onLine?: (line: string) => void): Promise<TestResult> {
  const t0 = Date.now();
  const why = gate(p.test, facts, {
    dataloss: cfg.dataloss,
    sanitize: cfg.sanitize,
    chap: !!cfg.target.chap,
    isns: !!cfg.isns,
    targetControl: !!cfg.targetControl,
  });
  if (why) return resultOf(p, 'skip', { message: why, durationMs: 0 });
  const limit = limitOf(p, cfg);
  const ctx = new RunContext(p, facts, cfg, limit, onLine);
  let outcome: Outcome;
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    await ctx.openStandardSessions().catch((e: unknown) => {
      throw e instanceof HarnessError || e instanceof TestSkip || e instanceof TestFailure
        ? e
        : new HarnessError(`could not log in for this test: ${(e as Error).message}`, { cause: e });
    });
    await p.test.run(ctx);
    await ctx.verifyWritten();
  })().then(
    () => ({ ok: true as const }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(1, ctx.deadline - Date.now()));
  });
  const r = await Promise.race([work, timeout]);
  clearTimeout(timer);
  if (r === 'timeout') {
    const pending = [...ctx.inFlight.values()];
    const outstanding = ctx.sessions.reduce((n, s) => n + s.outstanding, 0);
    if (pending.length > 0) outcome = { verdict: 'fail', message: `target did not answer ${pending[0]} within ${secs(limit)}`, noAnswer: true };
    else if (outstanding > 0)
      outcome = {
        verdict: 'fail',
        message: `the test did not finish within ${secs(limit)}: the target left ${outstanding} request(s) unanswered`,
        noAnswer: true,
      };
    else if (ctx.sessions.length === 0 && p.test.session)
      outcome = { verdict: 'fail', message: `could not log in for this test within ${secs(limit)}`, noAnswer: true };
    else
      outcome = { verdict: 'error', message: `the test did not finish within ${secs(limit)} and no request was outstanding (a hang in harness or test code)` };
    ctx.log(`[TIMEOUT] ${outcome.message}`);
    ctx.kill(outcome.message!);
    // Let the body notice (every further call throws); bounded.
    await within(work, 2000);
  } else if (r.ok) {
    outcome = ctx.warnings.length ? { verdict: 'warn', message: ctx.warnings.join('; ') } : { verdict: 'pass' };
  } else {
    outcome = classify(r.e, p, cfg);
  }
  const traces: SessionTrace[] | undefined = cfg.trace && (outcome.verdict === 'fail' || outcome.verdict === 'error') ? collectTraces(ctx) : undefined;
  if (!ctx.killed) await within(ctx.closeAll(), 5000);
  else for (const s of ctx.sessions) s.destroy();
  // the test's clean-ups, on fresh sessions, whatever happened (a failed clean-up spoils a pass)
  const cleanupProblem = await runCleanups(ctx, p, facts, cfg);
  if (cleanupProblem) {
    ctx.log(`[CLEAN-UP] ${cleanupProblem}`);
    if (outcome.verdict === 'pass' || outcome.verdict === 'warn') outcome = { verdict: 'error', message: cleanupProblem };
  }
  if (outcome.verdict !== 'pass' && outcome.verdict !== 'skip') ctx.log(`[${outcome.verdict.toUpperCase()}] ${outcome.message ?? ''}`);
  return resultOf(p, outcome.verdict, {
    ...(outcome.message !== undefined ? { message: outcome.message } : {}),
    ...(outcome.noAnswer ? { noAnswer: true } : {}),
    ...(outcome.stack !== undefined ? { stack: outcome.stack } : {}),
    warnings: [...ctx.warnings],
    durationMs: Date.now() - t0,
    log: ctx.lines,
    ...(traces ? { traces } : {}),
  });
}

/** Wait for `p`, at most `ms`; the timer never outlives the wait. */
export async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((res) => (timer = setTimeout(res, ms)))]);
  clearTimeout(timer);
}

/** A test's verdict with its message; `noAnswer` when the target did not answer in time. */
type Outcome = { verdict: Verdict; message?: string; stack?: string; noAnswer?: boolean };

/** Classify what escaped a test body. */
export function classify(e: unknown, p: Planned, cfg: RunConfig): Outcome {
  if (e instanceof TestSkip) return { verdict: 'skip', message: e.reason };
  if (e instanceof TestFailure) {
    // no answer is a failure whatever the level: a silent target meets no requirement
    if (e.noAnswer) return { verdict: 'fail', message: e.message, noAnswer: true };
    const shouldLevel = (e.should || p.test.level === 'SHOULD') && !cfg.strict;
    return { verdict: shouldLevel ? 'warn' : 'fail', message: e.message };
  }
  if (e instanceof Killed) return { verdict: 'fail', message: e.message };
  if (e instanceof HarnessError) return { verdict: 'error', message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  if (e instanceof IscsiError) {
    if (e.code === 'E_RANGE') return { verdict: 'error', message: `a value does not fit its field: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}) };
    const msg = e.code === 'SCSI_E_DECODE' ? `the target's data cannot be decoded: ${e.message}` : e.message;
    const shouldLevel = p.test.level === 'SHOULD' && !cfg.strict;
    return { verdict: shouldLevel ? 'warn' : 'fail', message: msg };
  }
  if (e instanceof AssertionError) {
    const shouldLevel = p.test.level === 'SHOULD' && !cfg.strict;
    return { verdict: shouldLevel ? 'warn' : 'fail', message: e.message };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { verdict: 'error', message: `harness or test code threw ${err.name}: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) };
}

function collectTraces(ctx: RunContext): SessionTrace[] {
  const out: SessionTrace[] = [];
  ctx.sessions.forEach((s, i) => {
    const ep = ctx.endpoints.get(s);
    out.push({
      label: `session ${i + 1} (${s.options.initiatorName})`,
      local: ep?.local ?? { address: '127.0.0.1', port: 0 },
      remote: ep?.remote ?? { address: s.options.host, port: s.options.port },
      entries: [...(s.trace ?? [])],
    });
  });
  return out;
}
