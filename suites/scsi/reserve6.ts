/**
 * RESERVE(6) and RELEASE(6) (SPC-2 7.21, 7.17; obsolete since SPC-3 but still answered by many targets):
 * the logical unit reservation of one I_T nexus, what another nexus may still do, and its end with the
 * holder's logout, I_T nexus loss, a logical unit reset and target resets (SAM-5 6.3).
 */
import {
  defineSuite,
  GOOD,
  INVALID_OPCODE,
  iscsi,
  keepReserve6Clean,
  loginAfterReset,
  RESERVATION_CONFLICT,
  retryWhile,
  scsi,
  taskManagement,
  UNIT_ATTENTION,
  type Session,
  type TestContext,
} from '../../harness/api.js';

const suite = defineSuite('Reserve6', { families: ['SCSI'], exclusive: true, clause: 'SPC-2 7.21', needs: ['sbc'] });

const reserve = (t: TestContext, s: Session, expect = GOOD) => t.command(scsi.reserve6(), { session: s, expect });
const release = (t: TestContext, s: Session) => t.command(scsi.release6(), { session: s });

/** RESERVE(6) on `s`; a target that does not implement it skips the test (the command is optional). */
async function reserved(t: TestContext, s: Session): Promise<void> {
  keepReserve6Clean(t);
  const r = await t.command(scsi.reserve6(), { session: s, expect: [GOOD, INVALID_OPCODE] });
  if (r.status !== scsi.ScsiStatus.GOOD) t.skip('target does not implement RESERVE(6)');
}

/**
 * RESERVE(6) from `s` must become possible once the holder's reservation has ended; the target learns of a
 * dropped connection asynchronously, so a conflict is retried for a few seconds (unit attentions the reset
 * or loss established are taken on the way). Then released.
 */
async function reservableFrom(t: TestContext, s: Session, after: string): Promise<void> {
  let last = '';
  const ended = await retryWhile(t, 5000, async () => {
    const r = await t.command(scsi.reserve6(), {
      session: s,
      expect: [GOOD, RESERVATION_CONFLICT, UNIT_ATTENTION],
      what: `RESERVE(6) from the other nexus after ${after}`,
    });
    last = r.status === scsi.ScsiStatus.GOOD ? 'GOOD' : r.status === scsi.ScsiStatus.RESERVATION_CONFLICT ? 'RESERVATION CONFLICT' : 'UNIT ATTENTION';
    return r.status !== scsi.ScsiStatus.GOOD;
  });
  t.check(ended, `RESERVE(6) from the other nexus after ${after}: expected GOOD, got ${last} for 5 s (the reservation was not released)`);
  await release(t, s);
}

suite.test(
  'Simple',
  {
    doc: `RESERVE(6) must be GOOD (skipped when the target answers INVALID COMMAND OPERATION CODE: it is optional), a second RESERVE(6) from the
      holder GOOD too, and RELEASE(6) GOOD; RELEASE(6) without a reservation is GOOD as well.`,
    level: 'MUST',
    clause: 'SPC-2 7.21, SPC-2 7.17',
  },
  async (t) => {
    await reserved(t, t.session);
    await reserve(t, t.session);
    await release(t, t.session);
    await release(t, t.session);
  },
);

suite.test(
  '2Initiators',
  {
    doc: `The first I_T nexus reserves the logical unit (twice, both GOOD). From the second nexus RESERVE(6), READ(10) and MODE SENSE(6) must end in
      RESERVATION CONFLICT, while INQUIRY and REPORT LUNS are processed and RELEASE(6) is GOOD without releasing anything; the holder still reads
      (GOOD). After the holder releases, the second nexus can reserve and release.`,
    level: 'MUST',
    clause: 'SPC-2 7.21, SPC-2 5.5.1',
    needs: ['twoInitiators', 'capacity'],
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    await reserved(t, a);
    await reserve(t, a);
    await reserve(t, b, RESERVATION_CONFLICT);
    await t.command(scsi.read10({ lba: 0, blocks: 1 }), { session: b, expect: RESERVATION_CONFLICT });
    await t.command(scsi.modeSense6({ page: 0x3f }), { session: b, expect: RESERVATION_CONFLICT });
    await t.command(scsi.inquiry({ alloc: 96 }), { session: b });
    await t.command(scsi.reportLuns({ alloc: 256 }), { session: b });
    await release(t, b);
    await reserve(t, b, RESERVATION_CONFLICT);
    await t.command(scsi.read10({ lba: 0, blocks: 1 }), { session: a });
    await t.command(scsi.modeSense6({ page: 0x3f }), { session: a });
    await release(t, a);
    await reserve(t, b);
    await release(t, b);
  },
);

suite.test(
  'Logout',
  {
    doc: `The first I_T nexus reserves the logical unit and logs out: the reservation ends with its nexus (SAM-5 6.3.4), so RESERVE(6) from the second
      nexus must then be GOOD.`,
    level: 'MUST',
    clause: 'SPC-2 7.21, SAM-5 6.3.4',
    needs: ['twoInitiators'],
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    await reserved(t, a);
    await reserve(t, b, RESERVATION_CONFLICT);
    t.log('Log out the holder');
    await a.logout();
    await reservableFrom(t, b, 'the holder logged out');
  },
);

suite.test(
  'ITNexusLoss',
  {
    doc: `The first I_T nexus reserves the logical unit, then its TCP connection is closed without a logout (an I_T nexus loss): the reservation ends
      with the nexus (SAM-5 6.3.4), so RESERVE(6) from the second nexus must be GOOD within 5 s.`,
    level: 'MUST',
    clause: 'SPC-2 7.21, SAM-5 6.3.4',
    needs: ['twoInitiators'],
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    await reserved(t, a);
    await reserve(t, b, RESERVATION_CONFLICT);
    t.log("Close the holder's TCP connection without a logout");
    a.destroy();
    await reservableFrom(t, b, "the holder's connection was dropped");
  },
);

suite.test(
  'LUNReset',
  {
    doc: `The first I_T nexus reserves the logical unit, then sends LOGICAL UNIT RESET (must be Function complete): a logical unit reset releases the
      reservation (SAM-5 6.3.3), so after the unit attentions RESERVE(6) from the second nexus must be GOOD.`,
    level: 'MUST',
    clause: 'SPC-2 7.21, SAM-5 6.3.3, RFC 7143 11.5.1',
    needs: ['twoInitiators'],
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    await reserved(t, a);
    await reserve(t, b, RESERVATION_CONFLICT);
    await taskManagement(t, a, iscsi.TmfFunction.LOGICAL_UNIT_RESET, { owner: 'iSCSITMF.LUNResetSimpleAsync' });
    await reservableFrom(t, b, 'LOGICAL UNIT RESET');
  },
);

suite.test(
  'TargetWarmReset',
  {
    doc: `The first I_T nexus reserves the logical unit, then sends TARGET WARM RESET (skipped when the target refuses the function): a hard reset
      releases the reservation (SAM-5 6.3.2), so after the unit attentions RESERVE(6) from the second nexus must be GOOD.`,
    level: 'MUST',
    clause: 'SPC-2 7.21, SAM-5 6.3.2, RFC 7143 11.5.1',
    needs: ['twoInitiators'],
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    await reserved(t, a);
    await reserve(t, b, RESERVATION_CONFLICT);
    await taskManagement(t, a, iscsi.TmfFunction.TARGET_WARM_RESET, { optional: true });
    const s = b.isOpen ? b : await loginAfterReset(t, { initiator: 2 });
    await reservableFrom(t, s, 'TARGET WARM RESET');
  },
);

suite.test(
  'TargetColdReset',
  {
    doc: `The first I_T nexus reserves the logical unit, then sends TARGET COLD RESET (skipped when the target refuses the function); the target drops
      its connections (RFC 7143 11.5.1), so the second initiator logs in again (bounded wait). A power-on reset releases the reservation (SAM-5 6.3.1):
      after the unit attentions RESERVE(6) from it must be GOOD.`,
    level: 'MUST',
    clause: 'SPC-2 7.21, SAM-5 6.3.1, RFC 7143 11.5.1',
    needs: ['twoInitiators'],
    timeout: 30,
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    await reserved(t, a);
    await reserve(t, b, RESERVATION_CONFLICT);
    await taskManagement(t, a, iscsi.TmfFunction.TARGET_COLD_RESET, { optional: true });
    await t.settle(b.waitClosed(3000), 3000);
    const s = b.isOpen ? b : await loginAfterReset(t, { initiator: 2 });
    await reservableFrom(t, s, 'TARGET COLD RESET');
  },
);

export default suite;
