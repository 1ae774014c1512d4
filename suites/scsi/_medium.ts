/**
 * Shared pieces of the medium suites (StartStopUnit, NoMedia, PreventAllow, ReadOnly, Sanitize): eject and
 * load with START STOP UNIT (SBC-4 5.31), PREVENT ALLOW MEDIUM REMOVAL (SBC-4 5.15), software write protect
 * with MODE SELECT (SWP in the Control mode page, SPC-5), and the clean-up that leaves a removable medium loaded and allowed whatever
 * happened in the test. (A helper module: not a suite.)
 */
import { GOOD, NO_MEDIUM, REMOVAL_PREVENTED, UNIT_ATTENTION, scsi, type Expected, type ScsiResult, type Session, type TestContext } from '../../harness/api.js';

export const EJECT = () => scsi.startStopUnit({ loej: true, start: false });
export const LOAD = () => scsi.startStopUnit({ loej: true, start: true });

export const eject = (t: TestContext, expect: Expected = GOOD, session?: Session, immed = false): Promise<ScsiResult> =>
  t.command(scsi.startStopUnit({ loej: true, start: false, immed }), { expect, ...(session ? { session } : {}) });
export const load = (t: TestContext, expect: Expected = GOOD, session?: Session, immed = false): Promise<ScsiResult> =>
  t.command(scsi.startStopUnit({ loej: true, start: true, immed }), { expect, ...(session ? { session } : {}) });
export const prevent = (t: TestContext, on: boolean, session?: Session): Promise<ScsiResult> =>
  t.command(scsi.preventAllowMediumRemoval({ prevent: on }), { ...(session ? { session } : {}) });

/** TEST UNIT READY after draining unit attentions: must be `expect` (GOOD: the medium is there; NO_MEDIUM). */
export async function tur(t: TestContext, expect: Expected, session?: Session, what = 'TEST UNIT READY'): Promise<ScsiResult> {
  await t.unitAttentions(session);
  return t.command(scsi.testUnitReady(), { expect, what, ...(session ? { session } : {}) });
}

/** TEST UNIT READY: the medium is there (GOOD), after any unit attention. */
export const present = (t: TestContext, session?: Session) => tur(t, GOOD, session, 'TEST UNIT READY (the medium must be there)');
/** TEST UNIT READY: the medium is gone (NOT READY, MEDIUM NOT PRESENT), after any unit attention. */
export const absent = (t: TestContext, session?: Session) => tur(t, NO_MEDIUM, session, 'TEST UNIT READY (the medium must be gone)');

/**
 * Clean-up, never throwing: every open session allows medium removal, then one loads the medium and
 * another command brings the unit back to the active power condition. For `finally` blocks of tests that
 * prevent, eject or stop.
 */
export async function restoreMedium(t: TestContext): Promise<void> {
  if (t.killed) return;
  const open = t.sessions.filter((s) => s.isOpen);
  const send = async (s: Session, cdb: Buffer) => {
    try {
      await s.command({ cdb, timeoutMs: Math.min(5000, t.remainingMs()) });
    } catch {
      /* the clean-up does its best */
    }
  };
  for (const s of open) {
    if (t.dev.removable) await send(s, scsi.preventAllowMediumRemoval({ prevent: false }));
  }
  const s = open[0];
  if (!s) return;
  for (let i = 0; i < 3; i++) await send(s, scsi.testUnitReady());
  if (t.dev.removable) await send(s, LOAD());
  await send(s, scsi.startStopUnit({ start: true }));
}

/** A removable medium whose removal the device server refuses: REMOVAL PREVENTED, the medium stays. */
export async function ejectRefused(t: TestContext, session?: Session): Promise<void> {
  await eject(t, REMOVAL_PREVENTED, session);
  await present(t, session);
}

/**
 * Eject that must succeed after something ended the prevention (a reset, a nexus loss): a few tries within
 * about a second, for a target that learns of the event a moment later; then the medium must be gone.
 */
export async function ejectAllowed(t: TestContext, session: Session | undefined, after: string): Promise<void> {
  for (let i = 0; ; i++) {
    await t.unitAttentions(session);
    const r = await eject(t, [GOOD, REMOVAL_PREVENTED, UNIT_ATTENTION], session);
    if (r.status === scsi.ScsiStatus.GOOD) break;
    if (i >= 5)
      t.fail(
        `START STOP UNIT LOEJ (eject) after ${after}: expected GOOD, got ${r.sense ? scsi.describeSense(r.sense) : 'CHECK CONDITION'}: ` +
          `${after} must end the PREVENT state (SBC-4 5.15)`,
      );
    await t.sleep(200);
  }
  await absent(t, session);
}

// --- software write protect (SWP in the Control mode page, SPC-5) ------------------------------------

async function controlPage(t: TestContext, pc: number, session?: Session): Promise<Buffer | undefined> {
  const r = await t.command(scsi.modeSense6({ page: scsi.ModePageCode.CONTROL, pc, alloc: 255 }), { allowUnsupported: true, ...(session ? { session } : {}) });
  if (r.status !== scsi.ScsiStatus.GOOD) return undefined;
  const p = scsi.findModePage(scsi.parseModeParameters6(r.data), scsi.ModePageCode.CONTROL);
  return p ? Buffer.from(p.data) : undefined;
}

/** SWP can be changed with MODE SELECT (the changeable Control page has it). */
export async function swpChangeable(t: TestContext): Promise<boolean> {
  const ch = await controlPage(t, scsi.PageControl.CHANGEABLE);
  return !!ch && ch.length > 2 && (ch[2]! & 0x08) !== 0;
}

/** Set or clear SWP with MODE SELECT (6), keeping the rest of the current Control page. */
export async function setSwp(t: TestContext, on: boolean, session?: Session): Promise<void> {
  const cur = await controlPage(t, scsi.PageControl.CURRENT, session);
  if (!cur) t.fail('MODE SENSE(6) returned no Control mode page, though its changeable values were reported');
  cur[2] = on ? cur[2]! | 0x08 : cur[2]! & ~0x08;
  const list = scsi.encodeModeParameters6({ select: true, pages: [{ pageCode: scsi.ModePageCode.CONTROL, data: cur }] });
  await t.command(scsi.modeSelect6({ pf: true, paramLen: list.length }), {
    dataOut: list,
    what: `MODE SELECT(6) Control page SWP=${on ? 1 : 0}`,
    ...(session ? { session } : {}),
  });
}

/** Clear SWP without failing (clean-up). */
export async function clearSwp(t: TestContext): Promise<void> {
  if (t.killed) return;
  try {
    const s = t.sessions.find((x) => x.isOpen);
    if (s) await setSwp(t, false, s);
  } catch {
    /* the clean-up does its best */
  }
}

/** The WP bit of the mode parameter header (MODE SENSE (6)). */
export async function wpBit(t: TestContext, session?: Session): Promise<boolean> {
  const r = await t.command(scsi.modeSense6({ page: 0x3f, alloc: 255 }), { ...(session ? { session } : {}) });
  return scsi.parseModeParameters6(r.data).header.wp;
}
