/**
 * Persistent reservation helpers for the tests, in the manner of libiscsi's iscsi-support.h: each sends one
 * PERSISTENT RESERVE IN or OUT service action (SPC-5 6.16, 6.17) on a session, checks its outcome with the
 * one expectation check (default GOOD) and decodes what comes back.
 *
 *   await prRegister(t, KEY);                                            // REGISTER, SARK = KEY
 *   await prReserve(t, KEY, PrType.EXCLUSIVE_ACCESS);
 *   await expectConflict(t, t.session2, scsi.read10({ lba: 0, blocks: 1 }));
 *   const { keys, generation } = await prReadKeys(t);
 *   keepReservationsClean(t);                                            // CLEAR after the test, even after a time-out
 *
 * Also the clean-ups: a test that registers declares `keepReservationsClean(t)` and the runner CLEARs
 * whatever it left; and before the first reservation test of a run (with --dataloss only), the runner clears
 * the registrations an earlier aborted run left behind (`clearLeftoverReservations`).
 */
import {
  describeCdb,
  parseReadFullStatus,
  parseReadKeys,
  parseReadReservation,
  parseReportCapabilities,
  persistentReserveIn,
  persistentReserveOut,
  proutParameterList,
  Op,
  PrInSa,
  PrOutSa,
  ScsiStatus,
  release6,
  reserve6,
  testUnitReady,
  type PrCapabilities,
  type PrFullStatus,
  type PrReadKeys,
  type PrReadReservation,
} from '../protocol/scsi/index.js';
import type { CommandOpts, TestContext } from './test-context.js';
import { GOOD, INVALID_OPCODE, RESERVATION_CONFLICT, UNIT_ATTENTION, type Expected } from './expect.js';
import type { ScsiResult } from './initiator/index.js';
import type { TestSession } from './session-api.js';
import type { TestDef } from './registry.js';

/** The key clean-ups register with (REGISTER AND IGNORE EXISTING KEY) before they CLEAR. */
export const CLEANUP_KEY = 0x15c5_17e5_7c1e_a400n;

export interface PrOpts {
  /** The session (default `t.session`). */
  session?: TestSession;
  /** Accepted outcome(s) (default GOOD). */
  expect?: Expected;
}

const opts = (o: PrOpts, extra: Partial<CommandOpts> = {}): CommandOpts => ({
  ...(o.session ? { session: o.session } : {}),
  ...(o.expect ? { expect: o.expect } : {}),
  ...extra,
});

const hex = (k: bigint): string => `0x${k.toString(16)}`;

// --- PERSISTENT RESERVE IN -----------------------------------------------------------------------------------

async function prIn(t: TestContext, sa: number, o: PrOpts & { alloc?: number }): Promise<ScsiResult> {
  return t.command(persistentReserveIn({ sa, alloc: o.alloc ?? 8192 }), opts(o));
}

/** READ KEYS: PRgeneration and every registered key. */
export async function prReadKeys(t: TestContext, o: PrOpts & { alloc?: number } = {}): Promise<PrReadKeys> {
  const r = await prIn(t, PrInSa.READ_KEYS, o);
  const k = parseReadKeys(r.data);
  t.log(`  PRgeneration ${k.generation}, keys: ${k.keys.map(hex).join(', ') || 'none'}`);
  return k;
}

/** READ RESERVATION: the persistent reservation, if any (key, scope, type). */
export async function prReadReservation(t: TestContext, o: PrOpts = {}): Promise<PrReadReservation> {
  const r = await prIn(t, PrInSa.READ_RESERVATION, o);
  const x = parseReadReservation(r.data);
  t.log(`  PRgeneration ${x.generation}, ${x.hasReservation ? `reservation type ${x.type} scope ${x.scope} key ${hex(x.key!)}` : 'no reservation'}`);
  return x;
}

/** REPORT CAPABILITIES. */
export async function prReportCapabilities(t: TestContext, o: PrOpts = {}): Promise<PrCapabilities> {
  const r = await prIn(t, PrInSa.REPORT_CAPABILITIES, o);
  return parseReportCapabilities(r.data);
}

/** READ FULL STATUS. */
export async function prReadFullStatus(t: TestContext, o: PrOpts = {}): Promise<PrFullStatus> {
  const r = await prIn(t, PrInSa.READ_FULL_STATUS, o);
  return parseReadFullStatus(r.data);
}

// --- PERSISTENT RESERVE OUT ----------------------------------------------------------------------------------

/** Any PERSISTENT RESERVE OUT with a basic parameter list. */
export async function prOut(
  t: TestContext,
  sa: number,
  p: { key: bigint; saKey?: bigint; type?: number; scope?: number; aptpl?: boolean; allTgPt?: boolean },
  o: PrOpts & { what?: string } = {},
): Promise<ScsiResult> {
  const cdb = persistentReserveOut({ sa, ...(p.type !== undefined ? { type: p.type } : {}), ...(p.scope !== undefined ? { scope: p.scope } : {}) });
  const data = proutParameterList({ key: p.key, saKey: p.saKey ?? 0n, ...(p.aptpl ? { aptpl: true } : {}), ...(p.allTgPt ? { allTgPt: true } : {}) });
  const what = o.what ?? `${describeCdb(cdb)} RESERVATION KEY=${hex(p.key)}${p.saKey !== undefined ? ` SERVICE ACTION RESERVATION KEY=${hex(p.saKey)}` : ''}`;
  return t.command(cdb, opts(o, { dataOut: data, what }));
}

/** REGISTER (or REGISTER AND IGNORE EXISTING KEY with `ignore`) of `key`; `oldKey` is the RESERVATION KEY (default 0: unregistered). */
export async function prRegister(
  t: TestContext,
  key: bigint,
  o: PrOpts & { oldKey?: bigint; ignore?: boolean; aptpl?: boolean; allTgPt?: boolean } = {},
): Promise<ScsiResult> {
  const sa = o.ignore ? PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY : PrOutSa.REGISTER;
  return prOut(t, sa, { key: o.oldKey ?? 0n, saKey: key, ...(o.aptpl ? { aptpl: true } : {}), ...(o.allTgPt ? { allTgPt: true } : {}) }, o);
}

/** Unregister: REGISTER with RESERVATION KEY `key` and SERVICE ACTION RESERVATION KEY 0. */
export async function prUnregister(t: TestContext, key: bigint, o: PrOpts = {}): Promise<ScsiResult> {
  return prOut(t, PrOutSa.REGISTER, { key, saKey: 0n }, o);
}

/** RESERVE with this key and type (LU scope). */
export async function prReserve(t: TestContext, key: bigint, type: number, o: PrOpts = {}): Promise<ScsiResult> {
  return prOut(t, PrOutSa.RESERVE, { key, type }, o);
}

/** RELEASE with this key and type (LU scope). */
export async function prRelease(t: TestContext, key: bigint, type: number, o: PrOpts = {}): Promise<ScsiResult> {
  return prOut(t, PrOutSa.RELEASE, { key, type }, o);
}

/** CLEAR with this key. */
export async function prClear(t: TestContext, key: bigint, o: PrOpts = {}): Promise<ScsiResult> {
  return prOut(t, PrOutSa.CLEAR, { key }, o);
}

/** PREEMPT (or PREEMPT AND ABORT with `abort`) of the registrations with `victimKey`, taking a reservation of `type`. */
export async function prPreempt(t: TestContext, key: bigint, victimKey: bigint, type: number, o: PrOpts & { abort?: boolean } = {}): Promise<ScsiResult> {
  return prOut(t, o.abort ? PrOutSa.PREEMPT_AND_ABORT : PrOutSa.PREEMPT, { key, saKey: victimKey, type }, o);
}

// --- conflicts -----------------------------------------------------------------------------------------------

/** Send `cdb` on `s` and require RESERVATION CONFLICT. */
export async function expectConflict(t: TestContext, s: TestSession, cdb: Buffer, o: Partial<CommandOpts> = {}): Promise<ScsiResult> {
  return t.command(cdb, { ...o, session: s, expect: RESERVATION_CONFLICT });
}

/** Send `cdb` on `s` and require that it is processed (GOOD unless told otherwise), not a RESERVATION CONFLICT. */
export async function expectAccess(t: TestContext, s: TestSession, cdb: Buffer, o: Partial<CommandOpts> = {}): Promise<ScsiResult> {
  return t.command(cdb, { expect: GOOD, ...o, session: s });
}

// --- clean-up ------------------------------------------------------------------------------------------------

/** Remove every registration and the reservation from the test's session: REGISTER AND IGNORE EXISTING KEY, then CLEAR. */
export async function clearReservations(t: TestContext, s?: TestSession): Promise<void> {
  const k = await prReadKeys(t, s ? { session: s } : {});
  const r = await prReadReservation(t, s ? { session: s } : {});
  if (k.keys.length === 0 && !r.hasReservation) return;
  await prRegister(t, CLEANUP_KEY, { ignore: true, ...(s ? { session: s } : {}) });
  await prClear(t, CLEANUP_KEY, s ? { session: s } : {});
}

/** Declare the clean-up of a test that registers: every registration and reservation are CLEARed after it, even after a failure or time-out. */
export function keepReservationsClean(t: TestContext): void {
  t.cleanup((c) => clearReservations(c), 'CLEAR the registrations and the persistent reservation the test left');
}

/**
 * Declare the clean-up of a test that takes a RESERVE(6) reservation: afterwards a fresh I_T nexus tries
 * RESERVE(6); if it conflicts while no persistent registration exists, the reservation leaked (its holder's
 * nexus ended and the target kept it: a defect the test reported) and a LOGICAL UNIT RESET ends it, which SAM-5
 * 6.3.3 says releases it; otherwise the fresh nexus releases what it took.
 */
export function keepReserve6Clean(t: TestContext): void {
  t.cleanup(async (c) => {
    await drainTolerant(c);
    const r = await c.command(reserve6(), {
      expect: [GOOD, RESERVATION_CONFLICT, INVALID_OPCODE],
      allowUnsupported: true,
      what: 'RESERVE(6) (is a reservation left?)',
    });
    if (r.status === ScsiStatus.GOOD) {
      await c.command(release6());
      return;
    }
    if (r.status !== ScsiStatus.RESERVATION_CONFLICT) return;
    const k = await c.command(persistentReserveIn({ sa: PrInSa.READ_KEYS, alloc: 1024 }), {
      expect: [GOOD, RESERVATION_CONFLICT, INVALID_OPCODE],
      allowUnsupported: true,
    });
    if (k.status === ScsiStatus.GOOD && parseReadKeys(k.data).keys.length > 0) return;
    c.log('The RESERVE(6) reservation outlived its holder: LOGICAL UNIT RESET to end it');
    await c.session.lunReset(undefined, Math.min(15_000, c.remainingMs()));
    await drainTolerant(c);
  }, 'end a RESERVE(6) reservation the test may have left');
}

/** Take the unit attentions of the context's session where TEST UNIT READY may itself conflict with a reservation. */
async function drainTolerant(c: TestContext): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const r = await c.command(testUnitReady(), { expect: [GOOD, UNIT_ATTENTION, RESERVATION_CONFLICT], what: 'TEST UNIT READY (draining unit attentions)' });
    if (r.status !== ScsiStatus.CHECK_CONDITION) return;
  }
}

/** Does this test want a logical unit free of registrations (it sends PERSISTENT RESERVE OUT)? */
export function wantsCleanReservations(test: Pick<TestDef, 'needs'>): boolean {
  return test.needs.some((n) => typeof n === 'object' && 'opcode' in n && n.opcode === Op.PERSISTENT_RESERVE_OUT);
}

/**
 * Before the first reservation test of a run (only with --dataloss, as libiscsi does): the registrations an
 * earlier, aborted run left behind are CLEARed, so that they do not decide this run's verdicts. Returns what
 * was done, for the narration; never throws (a target without persistent reservations is left alone).
 */
export async function clearLeftoverReservations(s: TestSession, timeoutMs: number): Promise<string> {
  try {
    for (let i = 0; i < 10; i++) {
      const u = await s.command({ cdb: testUnitReady(), timeoutMs });
      if (u.status !== ScsiStatus.CHECK_CONDITION) break;
    }
    const rk = await s.command({ cdb: persistentReserveIn({ sa: PrInSa.READ_KEYS, alloc: 8192 }), dataIn: 8192, timeoutMs });
    if (rk.status !== ScsiStatus.GOOD) return `PERSISTENT RESERVE IN READ KEYS: status 0x${rk.status.toString(16)}, nothing cleared`;
    const keys = parseReadKeys(rk.data).keys;
    const rr = await s.command({ cdb: persistentReserveIn({ sa: PrInSa.READ_RESERVATION, alloc: 64 }), dataIn: 64, timeoutMs });
    const held = rr.status === ScsiStatus.GOOD && parseReadReservation(rr.data).hasReservation;
    if (keys.length === 0 && !held) return 'no registration left behind by an earlier run';
    const out = (sa: number, key: bigint, saKey: bigint) =>
      s.command({ cdb: persistentReserveOut({ sa }), dataOut: proutParameterList({ key, saKey }), timeoutMs });
    const reg = await out(PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY, 0n, CLEANUP_KEY);
    const clr = reg.status === ScsiStatus.GOOD ? await out(PrOutSa.CLEAR, CLEANUP_KEY, 0n) : reg;
    return clr.status === ScsiStatus.GOOD
      ? `CLEARed ${keys.length} registration(s) left behind by an earlier run (keys ${keys.map(hex).join(', ')})`
      : `could not CLEAR the ${keys.length} registration(s) left behind: status 0x${clr.status.toString(16)}`;
  } catch (e) {
    return `could not clear leftover registrations: ${(e as Error).message}`;
  }
}
