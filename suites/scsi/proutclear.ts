/**
 * PERSISTENT RESERVE OUT, CLEAR (SPC-5 6.17; clearing, SPC-5 reservations): every registration and the
 * reservation removed, PRgeneration advanced, and RESERVATIONS PREEMPTED for the other registrants.
 */
import {
  defineSuite,
  expectUnitAttention,
  keepReservationsClean,
  prClear,
  prReadReservation,
  prRegister,
  prReserve,
  RESERVATION_CONFLICT,
  SPC5,
  UA_RESERVATIONS_PREEMPTED,
} from '../../harness/api.js';
import { expectKeys, generation, K1, K2, PR_OUT, PR_TYPES, registerBoth, requireType } from './_pr.js';

const suite = defineSuite('ProutClear', { families: ['SCSI'], clause: `${SPC5.PERSISTENT_RESERVE_OUT}, ${SPC5.RESERVATIONS}`, needs: ['dataloss', PR_OUT] });

suite.test(
  'Simple',
  {
    doc: `A registered I_T nexus holding a WRITE EXCLUSIVE reservation sends CLEAR with its key: GOOD; then READ KEYS must list no key, READ
      RESERVATION report no reservation, and PRgeneration must have advanced by one.`,
    level: 'MUST',
  },
  async (t) => {
    await requireType(t, PR_TYPES[0]!);
    keepReservationsClean(t);
    await prRegister(t, K1);
    await prReserve(t, K1, PR_TYPES[0]!.code);
    const g = await generation(t);
    await prClear(t, K1);
    const k = await expectKeys(t, [], 'after CLEAR');
    t.equal(k.generation, (g + 1) >>> 0, `PRgeneration after CLEAR (it was ${g})`);
    const r = await prReadReservation(t);
    t.check(!r.hasReservation, 'after CLEAR READ RESERVATION still reports a reservation');
  },
);

suite.test(
  'WrongKey',
  {
    doc: `CLEAR with a RESERVATION KEY that is not the nexus's registered key must end in RESERVATION CONFLICT and clear nothing; CLEAR from an
      unregistered nexus likewise.`,
    level: 'MUST',
  },
  async (t) => {
    keepReservationsClean(t);
    await prClear(t, K1, { expect: RESERVATION_CONFLICT });
    await prRegister(t, K1);
    await prClear(t, K2, { expect: RESERVATION_CONFLICT });
    await expectKeys(t, [K1], 'after CLEAR with a wrong key');
    await prClear(t, K1);
  },
);

suite.test(
  'UnitAttention',
  {
    doc: `Both I_T nexuses register and the second reserves EXCLUSIVE ACCESS; CLEAR from the first must be GOOD, remove both registrations, and
      establish a unit attention RESERVATIONS PREEMPTED for the second nexus (SPC-5 reservations, clearing).`,
    level: 'MUST',
    needs: ['twoInitiators'],
  },
  async (t) => {
    await requireType(t, PR_TYPES[1]!);
    const [a, b] = await registerBoth(t);
    await prReserve(t, K2, PR_TYPES[1]!.code, { session: b });
    await prClear(t, K1, { session: a });
    await expectKeys(t, [], 'after CLEAR', a);
    await expectUnitAttention(t, b, UA_RESERVATIONS_PREEMPTED, 'the other registrant, after CLEAR');
  },
);

export default suite;
