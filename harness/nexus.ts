/**
 * More I_T nexuses than the test's standard two, and unit attentions checked by their ASC/ASCQ.
 *
 *   const c = await openNexus(t, { initiator: 1, isid: 0x80_1234_5678_9a });   // same name, another ISID: a third nexus
 *   await expectUnitAttention(t, t.session2, UA_REGISTRATIONS_PREEMPTED, 'after the PREEMPT');
 *
 * An I_T nexus is the initiator port (initiator name with the ISID, RFC 7143 11.12.5) and the target port,
 * so a second session of the same initiator name with another ISID is another nexus (SAM-5 4.7, SPC-5
 * reservations), and one with the same ISID reinstates the first (RFC 7143 6.3.5). When the target's ACL
 * refuses a name, the test is skipped with the name that was refused, not failed: the target's
 * configuration, not its behaviour, is at fault.
 */
import { TMF_FUNCTION_NAMES, TmfResponse } from '../protocol/iscsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import { describeSense, type Sense } from '../protocol/scsi/index.js';
import type { LoginOptions, TestContext } from './test-context.js';
import { HarnessError, TestSkip } from './errors.js';
import { expectedText, meets, type Expectation } from './expect.js';
import type { TestSession } from './session-api.js';

/** Login statuses (class 02h: initiator error) that refuse the initiator itself: authentication, authorization, not found (RFC 7143 11.13.5). */
const REFUSALS = [0x01, 0x02, 0x03];

/**
 * The skip for a login the target refused because of the initiator's name (its ACL), or undefined when the
 * error is anything else (then it stays a harness or target problem).
 */
export function refusedName(e: unknown, name: string, flag: string): TestSkip | undefined {
  if (!(e instanceof IscsiError) || (e.code !== 'ISCSI_E_LOGIN' && e.code !== 'ISCSI_E_AUTH')) return undefined;
  const { statusClass, statusDetail } = e.details as { statusClass?: number; statusDetail?: number };
  if (statusClass !== 2 || statusDetail === undefined || !REFUSALS.includes(statusDetail)) return undefined;
  return new TestSkip(
    `the target refused a login as ${name} (${flag}): ${e.message}; the test needs another I_T nexus, so the target's ACL must admit both initiator names`,
  );
}

export interface NexusOptions {
  /** Which initiator name: 1 for --initiator-name (default), 2 for --initiator-name-2 (the test needs 'twoInitiators'). */
  initiator?: 1 | 2;
  /** The ISID (48 bits); random when absent, so each call is a new I_T nexus. The same ISID as an open session reinstates it. */
  isid?: number;
  /** Further login changes. */
  login?: Omit<LoginOptions, 'initiatorName' | 'isid' | 'clearUnitAttentions'>;
  /** Drain the new nexus's unit attentions (default true; false to look at them, e.g. I_T NEXUS LOSS OCCURRED). */
  clearUnitAttentions?: boolean;
}

/**
 * Log in one more I_T nexus (closed after the test), with its unit attentions cleared. A login the target
 * refuses for the initiator's name skips the test, naming it.
 */
export async function openNexus(t: TestContext, o: NexusOptions = {}): Promise<TestSession> {
  const second = o.initiator === 2;
  if (second && !t.needs.includes('twoInitiators'))
    throw new HarnessError(`${t.id} opens a nexus as --initiator-name-2 without declaring needs: ['twoInitiators']`);
  const name = second ? t.config.initiatorName2 : t.config.initiatorName;
  try {
    return await t.login({
      ...(o.login ?? {}),
      initiatorName: name,
      ...(o.isid !== undefined ? { isid: o.isid } : {}),
      clearUnitAttentions: o.clearUnitAttentions ?? true,
    });
  } catch (e) {
    throw refusedName(e, name, second ? '--initiator-name-2' : '--initiator-name') ?? e;
  }
}

const senseText = (s: Sense): string => describeSense(s);

/**
 * Drain the unit attentions of `s` (TEST UNIT READY until none is left) and fail unless one of them meets
 * `expected` (by sense key and ASC/ASCQ). Returns every unit attention seen, in the order reported.
 */
export async function expectUnitAttention(t: TestContext, s: TestSession, expected: Expectation | readonly Expectation[], what: string): Promise<Sense[]> {
  const want = Array.isArray(expected) ? (expected as readonly Expectation[]) : [expected as Expectation];
  const seen = await t.unitAttentions(s);
  const ok = seen.some((x) => want.some((e) => meets({ response: 0, status: e.status, sense: x }, e)));
  if (!ok)
    t.fail(
      `${what}: expected a unit attention ${expectedText(want)}, got ${seen.length ? seen.map(senseText).join(', then ') : 'none (TEST UNIT READY GOOD)'}`,
    );
  t.log(`[OK] ${what}: ${seen.map(senseText).join(', then ')}`);
  return seen;
}

/** Drain the unit attentions of `s` and fail if one meets `unwanted` (a unit attention this nexus must not get). */
export async function expectNoUnitAttention(t: TestContext, s: TestSession, unwanted: Expectation, what: string): Promise<Sense[]> {
  const seen = await t.unitAttentions(s);
  const bad = seen.find((x) => meets({ response: 0, status: unwanted.status, sense: x }, unwanted));
  if (bad) t.fail(`${what}: expected no unit attention ${unwanted.text}, got ${senseText(bad)}`);
  return seen;
}

/**
 * Send a task management function on `s` and require Function complete. An `optional` one (the target
 * resets) that the target refuses (Function not supported, rejected, authorization failed) skips the test.
 * With `owner` (the test that checks this function's answer, e.g. iSCSITMF.LUNResetSimpleAsync) any other
 * answer skips the test naming it: one defect, one failure.
 */
export async function taskManagement(t: TestContext, s: TestSession, fn: number, o: { optional?: boolean; owner?: string } = {}): Promise<void> {
  const name = TMF_FUNCTION_NAMES[fn] ?? `task management function ${fn}`;
  t.log(`> ${name}`);
  const r = await s.taskManagement(fn, { timeoutMs: Math.min(30_000, t.remainingMs()) });
  t.log(`< ${r.responseName}`);
  if (r.response === TmfResponse.FUNCTION_COMPLETE) return;
  const refused =
    r.response === TmfResponse.FUNCTION_NOT_SUPPORTED ||
    r.response === TmfResponse.FUNCTION_REJECTED ||
    r.response === TmfResponse.FUNCTION_AUTHORIZATION_FAILED;
  if (o.optional && refused) t.skip(`the target answers ${name} with "${r.responseName}"`);
  if (o.owner) t.skip(`the target answers ${name} with "${r.responseName}", not Function complete (${o.owner} checks that answer)`);
  t.fail(`${name}: expected Function complete, got "${r.responseName}"`);
}

/**
 * Log in again after the target dropped its connections (a TARGET COLD RESET): a bounded number of
 * attempts while the target comes back.
 */
export async function loginAfterReset(t: TestContext, o: NexusOptions = {}): Promise<TestSession> {
  for (let i = 0; ; i++) {
    try {
      return await openNexus(t, o);
    } catch (e) {
      if (e instanceof TestSkip || i >= 10) throw e;
      await t.sleep(500);
    }
  }
}

/**
 * Repeat `attempt` every 100 ms while it reports `true` (still waiting), at most `ms`: for effects that
 * follow an event the target learns of asynchronously (a dropped connection). Returns whether it ended.
 */
export async function retryWhile(t: TestContext, ms: number, attempt: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + Math.min(ms, t.remainingMs() - 1000);
  for (;;) {
    if (!(await attempt())) return true;
    if (Date.now() >= until) return false;
    await t.sleep(100);
  }
}
