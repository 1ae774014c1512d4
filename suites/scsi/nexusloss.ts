/**
 * I_T nexus loss (SAM-5 6.3.4): session reinstatement with the same initiator name and ISID (RFC 7143
 * 6.3.5) and a dropped connection both end the old I_T nexus: its RESERVE(6) reservation is released, its
 * persistent registration and reservation survive (SPC-5 reservations), and the nexus, when it comes back,
 * is told with I_T NEXUS LOSS OCCURRED. A session with another ISID is another nexus and ends nothing.
 */
import {
  defineSuite,
  expectUnitAttention,
  GOOD,
  INVALID_OPCODE,
  keepReservationsClean,
  keepReserve6Clean,
  openNexus,
  opcode,
  prReadKeys,
  prReadReservation,
  prRegister,
  prRelease,
  prReserve,
  RESERVATION_CONFLICT,
  retryWhile,
  scsi,
  SPC5,
  UA_I_T_NEXUS_LOSS,
  UA_POWER_ON_RESET,
  type Session,
  type TestContext,
} from '../../harness/api.js';

const suite = defineSuite('NexusLoss', { families: ['SCSI'], exclusive: true, clause: 'SAM-5 6.3.4' });

const KEY = 0x1055_0000_0000_0001n;

async function reserved(t: TestContext, s: Session): Promise<void> {
  keepReserve6Clean(t);
  const r = await t.command(scsi.reserve6(), { session: s, expect: [GOOD, INVALID_OPCODE] });
  if (r.status !== scsi.ScsiStatus.GOOD) t.skip('target does not implement RESERVE(6)');
}

/** Reinstate the test session's nexus: a login with the same initiator name and ISID; the target must end the old session. */
async function reinstate(t: TestContext): Promise<Session> {
  const old = t.session;
  t.log(`Log in again with the same initiator name and ISID 0x${old.login.isid.toString(16)} (session reinstatement)`);
  const s = await openNexus(t, { initiator: 1, isid: old.login.isid, clearUnitAttentions: false });
  const closed = await t.settle(old.waitClosed(5000), 5000);
  t.check(
    closed.done && !old.isOpen,
    'the target kept the old session open after a login with the same initiator name and ISID (RFC 7143 6.3.5: session reinstatement closes it)',
  );
  return s;
}

/** Drop the test session's connection and log its nexus in again (same name and ISID) once the target has noticed. */
async function dropAndReturn(t: TestContext): Promise<Session> {
  const old = t.session;
  const isid = old.login.isid;
  t.log('Close the TCP connection without a logout (I_T nexus loss)');
  old.destroy();
  await t.sleep(300);
  return openNexus(t, { initiator: 1, isid, clearUnitAttentions: false });
}

suite.test(
  'ReinstatementReleasesReserve6',
  {
    doc: `The test session reserves the logical unit with RESERVE(6); a login with the same initiator name and ISID reinstates the session (RFC 7143 6.3.5):
      the target must close the old session, the old I_T nexus is lost, and its reservation with it (SAM-5 6.3.4), so RESERVE(6) from the second
      initiator must be GOOD within 5 s.`,
    level: 'MUST',
    clause: 'SAM-5 6.3.4, RFC 7143 6.3.5, SPC-2 7.21',
    needs: ['twoInitiators'],
  },
  async (t) => {
    await reserved(t, t.session);
    await t.command(scsi.reserve6(), { session: t.session2, expect: RESERVATION_CONFLICT });
    await reinstate(t);
    let last = '';
    const ok = await retryWhile(t, 5000, async () => {
      const r = await t.command(scsi.reserve6(), {
        session: t.session2,
        expect: [GOOD, RESERVATION_CONFLICT],
        what: 'RESERVE(6) from the second initiator after the reinstatement',
      });
      last = r.status === scsi.ScsiStatus.GOOD ? 'GOOD' : 'RESERVATION CONFLICT';
      return r.status !== scsi.ScsiStatus.GOOD;
    });
    t.check(ok, `RESERVE(6) from the second initiator after the holder's session was reinstated: expected GOOD, got ${last} for 5 s`);
    await t.command(scsi.release6(), { session: t.session2 });
  },
);

suite.test(
  'ReinstatementUnitAttention',
  {
    doc: `A login with the same initiator name and ISID as the open test session reinstates it (RFC 7143 6.3.5), which is a loss of that I_T nexus:
      the first commands of the new session must report a unit attention I_T NEXUS LOSS OCCURRED (SAM-5 6.3.4; the generic POWER ON, RESET, OR BUS
      DEVICE RESET OCCURRED is accepted as well).`,
    level: 'MUST',
    clause: 'SAM-5 6.3.4, RFC 7143 6.3.5',
  },
  async (t) => {
    const s = await reinstate(t);
    await expectUnitAttention(t, s, [UA_I_T_NEXUS_LOSS, UA_POWER_ON_RESET], 'the reinstated I_T nexus');
  },
);

suite.test(
  'DroppedUnitAttention',
  {
    doc: `The test session's TCP connection is closed without a logout, then the same initiator name and ISID log in again (the same I_T nexus): its
      first commands must report a unit attention I_T NEXUS LOSS OCCURRED (SAM-5 6.3.4; the generic POWER ON, RESET, OR BUS DEVICE RESET OCCURRED is
      accepted as well).`,
    level: 'MUST',
  },
  async (t) => {
    const s = await dropAndReturn(t);
    await expectUnitAttention(t, s, [UA_I_T_NEXUS_LOSS, UA_POWER_ON_RESET], 'the I_T nexus back after its connection was dropped');
  },
);

suite.test(
  'PersistentReservationSurvives',
  {
    doc: `The test session registers a key and reserves WRITE EXCLUSIVE, then its connection is dropped and the same initiator name and ISID log in
      again. Registrations and persistent reservations are not affected by I_T nexus loss (SPC-5 reservations): READ KEYS must still list the key,
      READ RESERVATION report the reservation with it, and the returning nexus, still the holder, must be able to RELEASE with that key.`,
    level: 'MUST',
    clause: `SAM-5 6.3.4, ${SPC5.RESERVATIONS}`,
    needs: ['dataloss', opcode(scsi.Op.PERSISTENT_RESERVE_OUT)],
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegister(t, KEY);
    await prReserve(t, KEY, scsi.PrType.WRITE_EXCLUSIVE);
    const s = await dropAndReturn(t);
    await t.unitAttentions(s);
    const k = await prReadKeys(t, { session: s });
    t.check(k.keys.includes(KEY), `after the I_T nexus loss READ KEYS no longer lists 0x${KEY.toString(16)}`);
    const r = await prReadReservation(t, { session: s });
    t.check(
      r.hasReservation && r.key === KEY && r.type === scsi.PrType.WRITE_EXCLUSIVE,
      `after the I_T nexus loss READ RESERVATION reports ` +
        `${r.hasReservation ? `type ${r.type} key 0x${r.key!.toString(16)}` : 'no reservation'}, expected WRITE EXCLUSIVE with 0x${KEY.toString(16)}`,
    );
    await prRelease(t, KEY, scsi.PrType.WRITE_EXCLUSIVE, { session: s });
  },
);

suite.test(
  'OtherIsid',
  {
    doc: `The test session reserves the logical unit with RESERVE(6); a second session of the same initiator name with another ISID is another I_T
      nexus (another initiator port, RFC 7143 11.12.5), not a reinstatement: the first session must stay open and RESERVE(6) from the second must end
      in RESERVATION CONFLICT.`,
    level: 'MUST',
    clause: 'SAM-5 6.3.4, RFC 7143 11.12.5, SPC-2 7.21',
  },
  async (t) => {
    await reserved(t, t.session);
    const other = await openNexus(t, { initiator: 1 });
    await t.command(scsi.reserve6(), { session: other, expect: RESERVATION_CONFLICT, what: 'RESERVE(6) from a session of the same name with another ISID' });
    t.check(t.session.isOpen, 'the first session was closed by a login with another ISID');
    await t.command(scsi.release6());
  },
);

export default suite;
