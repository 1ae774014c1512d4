/**
 * PERSISTENT RESERVE OUT, PREEMPT and PREEMPT AND ABORT (SPC-5 6.17; preempting, SPC-5 reservations): the
 * registrations holding the SERVICE ACTION RESERVATION KEY removed (and their reservation taken over), each
 * preempted I_T nexus told with REGISTRATIONS PREEMPTED.
 */
import {
  defineSuite,
  expectNoUnitAttention,
  expectUnitAttention,
  INVALID_FIELD_IN_PARAM_LIST,
  keepReservationsClean,
  openNexus,
  prPreempt,
  prReadReservation,
  prRegister,
  prReserve,
  RESERVATION_CONFLICT,
  SPC5,
  UA_REGISTRATIONS_PREEMPTED,
} from '../../harness/api.js';
import { expectKeys, generation, K1, K2, K3, PR_OUT, PR_TYPES, registerBoth, requireType } from './_pr.js';

const suite = defineSuite('ProutPreempt', {
  families: ['SCSI'],
  clause: `${SPC5.PERSISTENT_RESERVE_OUT}, ${SPC5.RESERVATIONS}`,
  needs: ['dataloss', PR_OUT, 'twoInitiators'],
});

suite.test(
  'RemoveRegistration',
  {
    doc: `Both I_T nexuses register (no reservation); the first sends PREEMPT with the second's key as SERVICE ACTION RESERVATION KEY: GOOD. READ KEYS
      must list only the first key and PRgeneration must have advanced by one; the second nexus must get a unit attention REGISTRATIONS PREEMPTED,
      after which a REGISTER naming its old key must end in RESERVATION CONFLICT (it is no longer registered).`,
    level: 'MUST',
  },
  async (t) => {
    const [a, b] = await registerBoth(t);
    const g = await generation(t, a);
    await prPreempt(t, K1, K2, PR_TYPES[0]!.code, { session: a });
    const k = await expectKeys(t, [K1], 'after PREEMPT of the second key', a);
    t.equal(k.generation, (g + 1) >>> 0, `PRgeneration after PREEMPT (it was ${g})`);
    await expectUnitAttention(t, b, UA_REGISTRATIONS_PREEMPTED, 'the preempted nexus');
    await prRegister(t, K3, { session: b, oldKey: K2, expect: RESERVATION_CONFLICT });
  },
);

suite.test(
  'Reservation',
  {
    doc: `The second I_T nexus holds an EXCLUSIVE ACCESS reservation; the first preempts it naming its key, with TYPE WRITE EXCLUSIVE: GOOD. READ
      RESERVATION must report WRITE EXCLUSIVE held with the first key, the second registration must be gone, and the second nexus must get
      REGISTRATIONS PREEMPTED; the first nexus gets no such unit attention.`,
    level: 'MUST',
  },
  async (t) => {
    await requireType(t, PR_TYPES[0]!, PR_TYPES[1]!);
    const [a, b] = await registerBoth(t);
    await prReserve(t, K2, PR_TYPES[1]!.code, { session: b });
    await prPreempt(t, K1, K2, PR_TYPES[0]!.code, { session: a });
    const r = await prReadReservation(t, { session: a });
    t.check(r.hasReservation, 'after PREEMPT of the holder READ RESERVATION reports no reservation');
    t.equal(r.type, PR_TYPES[0]!.code, 'READ RESERVATION TYPE after PREEMPT with TYPE WRITE EXCLUSIVE');
    t.equal(r.key, K1, 'READ RESERVATION RESERVATION KEY after PREEMPT (the preempting nexus holds it)');
    await expectKeys(t, [K1], 'after PREEMPT of the holder', a);
    await expectUnitAttention(t, b, UA_REGISTRATIONS_PREEMPTED, 'the preempted holder');
    await expectNoUnitAttention(t, a, UA_REGISTRATIONS_PREEMPTED, 'the preempting nexus');
  },
);

suite.test(
  'BadKeys',
  {
    doc: `With no reservation held, PREEMPT with SERVICE ACTION RESERVATION KEY 0 must end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN
      PARAMETER LIST, and PREEMPT naming a key no nexus holds must end in RESERVATION CONFLICT; both registrations stay.`,
    level: 'MUST',
  },
  async (t) => {
    const [a] = await registerBoth(t);
    await prPreempt(t, K1, 0n, PR_TYPES[0]!.code, { session: a, expect: INVALID_FIELD_IN_PARAM_LIST });
    await prPreempt(t, K1, K3 + 0x100n, PR_TYPES[0]!.code, { session: a, expect: RESERVATION_CONFLICT });
    await expectKeys(t, [K1, K2], 'after the refused PREEMPTs', a);
  },
);

suite.test(
  'ThreeNexuses',
  {
    doc: `Three I_T nexuses register: the first (key K1), the second initiator (K2) and a third session of the first initiator name with another ISID
      (also K2). PREEMPT from the first naming K2 must remove both registrations that hold K2, and each of those two nexuses must get REGISTRATIONS
      PREEMPTED; READ KEYS then lists only K1.`,
    level: 'MUST',
  },
  async (t) => {
    keepReservationsClean(t);
    const [a, b] = [t.session, t.session2];
    const c = await openNexus(t, { initiator: 1 });
    await prRegister(t, K1, { session: a });
    await prRegister(t, K2, { session: b });
    await prRegister(t, K2, { session: c });
    await expectKeys(t, [K1, K2, K2], 'after three registrations', a);
    await prPreempt(t, K1, K2, PR_TYPES[0]!.code, { session: a });
    await expectKeys(t, [K1], 'after PREEMPT of K2', a);
    await expectUnitAttention(t, b, UA_REGISTRATIONS_PREEMPTED, 'the second initiator');
    await expectUnitAttention(t, c, UA_REGISTRATIONS_PREEMPTED, 'the third nexus (first name, another ISID)');
  },
);

export default suite;
