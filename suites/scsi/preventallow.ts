/**
 * PREVENT ALLOW MEDIUM REMOVAL (SBC-4 5.15) on removable logical units: the prevention is held per I_T
 * nexus, refuses START STOP UNIT ejects from any nexus (SBC-4 5.31), and ends with the nexus (logout or loss)
 * and with a logical unit or target reset (SAM-5 6.3).
 */
import { GOOD, REMOVAL_PREVENTED, defineSuite, iscsi, type Session, type TestContext, SBC4 } from '../../harness/api.js';
import { absent, eject, ejectAllowed, ejectRefused, load, present, prevent, restoreMedium } from './_medium.js';

const suite = defineSuite('PreventAllow', { families: ['SCSI'], exclusive: true, clause: SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL, needs: ['sbc', 'removable'] });

/** PREVENT on `s`, and the proof that it holds: an eject from `s` is refused. */
async function prevented(t: TestContext, s?: Session): Promise<void> {
  await prevent(t, true, s);
  await ejectRefused(t, s);
}

suite.test(
  'Simple',
  {
    doc: `PREVENT ALLOW MEDIUM REMOVAL with PREVENT 01b, then 00b: each GOOD. The state is per I_T nexus, not a count: after two PREVENTs one ALLOW
      lets the medium be ejected (GOOD, then NOT READY, MEDIUM NOT PRESENT), and it is loaded again.`,
    level: 'MUST',
    clause: `${SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL}, ${SBC4.START_STOP_UNIT}`,
  },
  async (t) => {
    try {
      await prevent(t, true);
      await prevent(t, false);
      await prevent(t, true);
      await prevent(t, true);
      await prevent(t, false);
      await eject(t);
      await absent(t);
      await load(t);
      await present(t);
    } finally {
      await restoreMedium(t);
    }
  },
);

suite.test(
  'Eject',
  {
    doc: `With PREVENT set, START STOP UNIT LOEJ (eject) must end in CHECK CONDITION, ILLEGAL REQUEST, MEDIUM REMOVAL PREVENTED and the medium stays
      (TEST UNIT READY GOOD); after ALLOW the eject is GOOD and TEST UNIT READY reports MEDIUM NOT PRESENT. With PREVENT set again, a load is GOOD or
      MEDIUM REMOVAL PREVENTED; after ALLOW the medium loads and TEST UNIT READY is GOOD.`,
    level: 'MUST',
    clause: `${SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL}, ${SBC4.START_STOP_UNIT}`,
  },
  async (t) => {
    try {
      await prevented(t);
      await prevent(t, false);
      await eject(t);
      await absent(t);
      await prevent(t, true);
      await load(t, [GOOD, REMOVAL_PREVENTED]);
      await prevent(t, false);
      await load(t);
      await present(t);
    } finally {
      await restoreMedium(t);
    }
  },
);

suite.test(
  '2ITNexuses',
  {
    doc: `PREVENT on one I_T nexus refuses an eject from a second one (MEDIUM REMOVAL PREVENTED, the medium stays). With both nexuses preventing, an
      ALLOW from the first is not enough: an eject from it is still refused; once the second allows too, the eject from the first is GOOD.`,
    level: 'MUST',
    clause: `${SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL}, ${SBC4.START_STOP_UNIT}`,
    needs: ['twoInitiators'],
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    try {
      await prevented(t, a);
      await ejectRefused(t, b);
      await prevent(t, true, b);
      await prevent(t, false, a);
      await ejectRefused(t, a);
      await prevent(t, false, b);
      await eject(t, GOOD, a);
      await absent(t, b);
      await load(t, GOOD, b);
      await present(t, a);
    } finally {
      await restoreMedium(t);
    }
  },
);

/**
 * PREVENT on the test's session, then `end` (which returns the session to go on with, new or the same);
 * an eject from that session must then be allowed and the medium gone, and the medium is loaded again.
 */
async function preventionEndsWith(t: TestContext, what: string, end: () => Promise<Session>): Promise<void> {
  try {
    await prevented(t);
    const s = await end();
    await ejectAllowed(t, s, what);
    await load(t, GOOD, s);
  } finally {
    await restoreMedium(t);
  }
}

suite.test(
  'ITNexusLoss',
  {
    doc: `PREVENT on an I_T nexus (an eject from it is refused), then the nexus is lost: its TCP connection is closed without a logout. A new session
      (a new I_T nexus) must then be able to eject the medium (GOOD, then MEDIUM NOT PRESENT): the prevention ended with the nexus that held it.`,
    level: 'MUST',
    clause: `${SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL}, SAM-5 6.3.4`,
  },
  (t) =>
    preventionEndsWith(t, 'the loss of the I_T nexus that prevented removal', () => {
      t.log('Close the TCP connection of the preventing nexus without a logout');
      t.session.destroy();
      return t.login();
    }),
);

suite.test(
  'Logout',
  {
    doc: `PREVENT on an I_T nexus (an eject from it is refused), then that session logs out. A new session must then be able to eject the medium
      (GOOD, then MEDIUM NOT PRESENT): the prevention ended with the nexus.`,
    level: 'MUST',
    clause: `${SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL}, SAM-5 6.3.4`,
  },
  (t) =>
    preventionEndsWith(t, 'the logout of the I_T nexus that prevented removal', async () => {
      t.log('Log out the preventing session');
      await t.session.logout();
      return t.login();
    }),
);

/**
 * A task management function that must complete; `optional` ones that the target refuses skip the test, and so
 * does a LOGICAL UNIT RESET that does not complete: iSCSITMF.LUNResetSimpleAsync checks that answer (one defect,
 * one failure), and this suite checks only what a reset does to the prevention.
 */
async function tmf(t: TestContext, s: Session, fn: number, optional: boolean): Promise<void> {
  const name = iscsi.TMF_FUNCTION_NAMES[fn] ?? `function ${fn}`;
  t.log(`> ${name}`);
  const r = await s.taskManagement(fn, { timeoutMs: Math.min(30_000, t.remainingMs()) });
  t.log(`< ${r.responseName}`);
  if (r.response === iscsi.TmfResponse.FUNCTION_COMPLETE) return;
  if (
    optional &&
    (r.response === iscsi.TmfResponse.FUNCTION_NOT_SUPPORTED ||
      r.response === iscsi.TmfResponse.FUNCTION_REJECTED ||
      r.response === iscsi.TmfResponse.FUNCTION_AUTHORIZATION_FAILED)
  )
    t.skip(`the target answers ${name} with "${r.responseName}"`);
  if (fn === iscsi.TmfFunction.LOGICAL_UNIT_RESET)
    t.skip(`the target answers ${name} with "${r.responseName}", not Function complete (iSCSITMF.LUNResetSimpleAsync checks that answer)`);
  t.fail(`${name}: expected Function complete, got "${r.responseName}"`);
}

suite.test(
  'LUNReset',
  {
    doc: `PREVENT, then LOGICAL UNIT RESET (skipped unless it is Function complete, which iSCSITMF.LUNResetSimpleAsync checks): after the unit
      attention the reset reports, an eject from the same session must be GOOD and the medium gone — a logical unit reset ends the prevention.`,
    level: 'MUST',
    clause: `${SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL}, SAM-5 6.3.3, RFC 7143 11.5.1`,
  },
  (t) =>
    preventionEndsWith(t, 'LOGICAL UNIT RESET', async () => {
      await tmf(t, t.session, iscsi.TmfFunction.LOGICAL_UNIT_RESET, false);
      return t.session;
    }),
);

suite.test(
  'WarmReset',
  {
    doc: `PREVENT, then TARGET WARM RESET (skipped when the target refuses the function): after the unit attentions, an eject must be GOOD and the
      medium gone — a hard reset ends the prevention.`,
    level: 'MUST',
    clause: `${SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL}, SAM-5 6.3.2, RFC 7143 11.5.1`,
  },
  (t) =>
    preventionEndsWith(t, 'TARGET WARM RESET', async () => {
      await tmf(t, t.session, iscsi.TmfFunction.TARGET_WARM_RESET, true);
      return t.session.isOpen ? t.session : t.login();
    }),
);

suite.test(
  'ColdReset',
  {
    doc: `PREVENT, then TARGET COLD RESET (skipped when the target refuses the function); the target then drops its connections, so a new session logs
      in (bounded wait while the target comes back). After the unit attentions an eject must be GOOD and the medium gone — a power-on reset ends the
      prevention.`,
    level: 'MUST',
    clause: `${SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL}, SAM-5 6.3.1, RFC 7143 11.5.1`,
    timeout: 30,
  },
  (t) =>
    preventionEndsWith(t, 'TARGET COLD RESET', async () => {
      await tmf(t, t.session, iscsi.TmfFunction.TARGET_COLD_RESET, true);
      await t.settle(t.session.waitClosed(3000), 3000);
      // The target comes back after dropping its connections: a bounded number of login attempts.
      for (let i = 0; ; i++) {
        try {
          return await t.login();
        } catch (e) {
          if (i >= 10) throw e;
          await t.sleep(500);
        }
      }
    }),
);

export default suite;
