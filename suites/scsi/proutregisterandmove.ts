/**
 * PERSISTENT RESERVE OUT REGISTER AND MOVE (SPC-5 reservations, registering and moving the reservation; the
 * REGISTER AND MOVE parameter list, SPC-5 6.17): the holder names another I_T nexus by an iSCSI TransportID
 * (format 01b) and a relative target port; that nexus is registered with the SERVICE ACTION RESERVATION KEY and
 * becomes the holder, with the same scope and type; the sender stays registered unless UNREG is one. The errors
 * of the table of REGISTER AND MOVE behaviours, and the sentences after it, change nothing.
 */
import {
  defineSuite,
  GOOD,
  ILLEGAL_REQUEST,
  INVALID_FIELD_IN_CDB,
  INVALID_FIELD_IN_PARAM_LIST,
  keepReservationsClean,
  opcode,
  prRegister,
  prRelease,
  prReserve,
  RESERVATION_CONFLICT,
  scsi,
  SPC5,
  type Session,
  type TestContext,
} from '../../harness/api.js';
import { expectKeys, K1, K2, PR_OUT } from './_pr.js';
import { expectState, portTid, prRegisterAndMove, relativeTargetPort } from './_prtid.js';

const suite = defineSuite('ProutRegisterAndMove', {
  families: ['SCSI'],
  clause: `${SPC5.RESERVATIONS}, ${SPC5.PR_OUT_REGISTER_AND_MOVE_LIST}`,
  needs: ['dataloss', PR_OUT, opcode(scsi.Op.PERSISTENT_RESERVE_OUT, scsi.PrOutSa.REGISTER_AND_MOVE), 'twoInitiators'],
  level: 'MUST',
});

const WE = scsi.PrType.WRITE_EXCLUSIVE;

interface Setup {
  a: Session;
  b: Session;
  rtpi: number;
  /** The second nexus's initiator port. */
  tidB: Buffer;
}

/** The first nexus registers K1 and reserves `type`; the second stays unregistered. */
async function holdOnFirst(t: TestContext, type: number = WE): Promise<Setup> {
  keepReservationsClean(t);
  const [a, b] = [t.session, t.session2];
  await prRegister(t, K1, { session: a });
  const rtpi = await relativeTargetPort(t, a, K1);
  await prReserve(t, K1, type, { session: a });
  return { a, b, rtpi, tidB: portTid(t, b, 2) };
}

/** A REGISTER AND MOVE the target may answer INVALID FIELD IN CDB to, meaning it does not implement the service action: then skip. */
async function moveOrSkip(t: TestContext, s: Setup, unreg: boolean): Promise<void> {
  const r = await prRegisterAndMove(t, { session: s.a, key: K1, saKey: K2, rtpi: s.rtpi, tid: s.tidB, unreg, expect: [GOOD, INVALID_FIELD_IN_CDB] });
  if (r.status !== scsi.ScsiStatus.GOOD) t.skip('the target answers REGISTER AND MOVE with INVALID FIELD IN CDB: it does not implement it');
}

suite.test(
  'Simple',
  {
    doc: `The first I_T nexus registers and reserves WRITE EXCLUSIVE, then sends REGISTER AND MOVE naming the second nexus (its iSCSI TransportID,
      format 01b, and the relative target port of the Device Identification VPD page or READ FULL STATUS) with UNREG 0 and a new key: GOOD. READ RESERVATION must then
      report the new key with type WRITE EXCLUSIVE, READ KEYS both keys; a RELEASE from the first nexus must change nothing (it no longer holds
      the reservation) and a RELEASE from the second must release it.`,
  },
  async (t) => {
    const s = await holdOnFirst(t);
    await moveOrSkip(t, s, false);
    await expectState(t, K2, WE, [K1, K2], 'after REGISTER AND MOVE with UNREG 0');
    await prRelease(t, K1, WE, { session: s.a });
    await expectState(t, K2, WE, [K1, K2], 'after a RELEASE from the nexus the reservation moved away from');
    await prRelease(t, K2, WE, { session: s.b });
    const r = await t.command(scsi.persistentReserveIn({ sa: scsi.PrInSa.READ_RESERVATION, alloc: 64 }));
    t.check(!scsi.parseReadReservation(r.data).hasReservation, 'a RELEASE from the nexus the reservation moved to did not release it');
  },
);

suite.test(
  'Unreg',
  {
    doc: `As Simple, with UNREG 1: after GOOD, READ RESERVATION must report the new key and READ KEYS list only it (the sending I_T nexus is
      unregistered), and a RESERVE from the first nexus with its old key must end in RESERVATION CONFLICT.`,
  },
  async (t) => {
    const s = await holdOnFirst(t);
    await moveOrSkip(t, s, true);
    await expectState(t, K2, WE, [K2], 'after REGISTER AND MOVE with UNREG 1');
    await prReserve(t, K1, WE, { session: s.a, expect: RESERVATION_CONFLICT });
  },
);

suite.test(
  'Errors',
  {
    doc: `The first nexus registers; each of these must then leave the reservation and registrations as they were: REGISTER AND MOVE from the
      unregistered second nexus (RESERVATION CONFLICT; INVALID FIELD IN CDB is allowed to devices of earlier standards); from the first nexus without a reservation (INVALID
      FIELD IN CDB); once it holds WRITE EXCLUSIVE, with a RESERVATION KEY not its own (RESERVATION CONFLICT) and with SERVICE ACTION RESERVATION
      KEY 0 (INVALID FIELD IN PARAMETER LIST, or IN CDB); from the second nexus registered but not the holder (RESERVATION CONFLICT).`,
  },
  async (t) => {
    keepReservationsClean(t);
    const [a, b] = [t.session, t.session2];
    const tidA = portTid(t, a, 1);
    const tidB = portTid(t, b, 2);
    await prRegister(t, K1, { session: a });
    const rtpi = await relativeTargetPort(t, a, K1);
    await prRegisterAndMove(t, { session: b, key: K2, saKey: K2, rtpi, tid: tidA, expect: [RESERVATION_CONFLICT, INVALID_FIELD_IN_CDB] });
    await expectKeys(t, [K1], 'after REGISTER AND MOVE from an unregistered nexus');
    await prRegisterAndMove(t, { session: a, key: K1, saKey: K2, rtpi, tid: tidB, expect: INVALID_FIELD_IN_CDB });
    await expectKeys(t, [K1], 'after REGISTER AND MOVE with no persistent reservation');
    await prReserve(t, K1, WE, { session: a });
    await prRegisterAndMove(t, { session: a, key: K1 + 1n, saKey: K2, rtpi, tid: tidB, expect: RESERVATION_CONFLICT });
    await expectState(t, K1, WE, [K1], 'after REGISTER AND MOVE with a wrong RESERVATION KEY');
    await prRegisterAndMove(t, { session: a, key: K1, saKey: 0n, rtpi, tid: tidB, expect: [INVALID_FIELD_IN_PARAM_LIST, INVALID_FIELD_IN_CDB] });
    await expectState(t, K1, WE, [K1], 'after REGISTER AND MOVE with SERVICE ACTION RESERVATION KEY 0');
    await prRegister(t, K2, { session: b });
    await prRegisterAndMove(t, { session: b, key: K2, saKey: K2, rtpi, tid: tidA, expect: RESERVATION_CONFLICT });
    await expectState(t, K1, WE, [K1, K2], 'after REGISTER AND MOVE from a registered nexus that does not hold the reservation');
  },
);

suite.test(
  'ToItself',
  {
    doc: `The first I_T nexus holds WRITE EXCLUSIVE and sends REGISTER AND MOVE whose TransportID names its own initiator port: CHECK CONDITION,
      ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST, and the reservation and registrations unchanged.`,
  },
  async (t) => {
    const s = await holdOnFirst(t);
    await prRegisterAndMove(t, { session: s.a, key: K1, saKey: K2, rtpi: s.rtpi, tid: portTid(t, s.a, 1), expect: INVALID_FIELD_IN_PARAM_LIST });
    await expectState(t, K1, WE, [K1], 'after REGISTER AND MOVE naming the sending initiator port');
  },
);

suite.test(
  'AllRegistrants',
  {
    doc: `The first I_T nexus holds a WRITE EXCLUSIVE - ALL REGISTRANTS reservation and sends REGISTER AND MOVE naming the second nexus: RESERVATION
      CONFLICT, and nothing changes (the second nexus is not registered).`,
  },
  async (t) => {
    const s = await holdOnFirst(t, scsi.PrType.WRITE_EXCLUSIVE_ALL_REGISTRANTS);
    await prRegisterAndMove(t, { session: s.a, key: K1, saKey: K2, rtpi: s.rtpi, tid: s.tidB, expect: RESERVATION_CONFLICT });
    await expectState(t, 0n, scsi.PrType.WRITE_EXCLUSIVE_ALL_REGISTRANTS, [K1], 'after REGISTER AND MOVE of an all-registrants reservation');
  },
);

suite.test(
  'TransportIdLength',
  {
    doc: `The holder sends REGISTER AND MOVE naming the second nexus with a PARAMETER LIST LENGTH 4 bytes short of what TRANSPORTID LENGTH announces
      (the TransportID is cut): CHECK CONDITION, ILLEGAL REQUEST, and nothing changes.`,
    clause: SPC5.PR_OUT_REGISTER_AND_MOVE_LIST,
  },
  async (t) => {
    const s = await holdOnFirst(t);
    const full = scsi.proutRegisterAndMoveParameterList({ key: K1, saKey: K2, relativeTargetPortId: s.rtpi, transportId: s.tidB });
    const list = full.subarray(0, full.length - 4);
    await prRegisterAndMove(t, { session: s.a, key: K1, saKey: K2, rtpi: s.rtpi, tid: s.tidB, list, expect: ILLEGAL_REQUEST });
    await expectState(t, K1, WE, [K1], 'after REGISTER AND MOVE with a cut TransportID');
  },
);

suite.test(
  'ForeignTransportId',
  {
    doc: `The holder sends REGISTER AND MOVE with a TransportID that names no iSCSI initiator (its PROTOCOL IDENTIFIER says Fibre Channel, on an
      iSCSI target port): it should end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST, and nothing should change.`,
    level: 'SHOULD',
    clause: `${SPC5.TRANSPORT_ID}, ${SPC5.PR_OUT_REGISTER_AND_MOVE_LIST}`,
  },
  async (t) => {
    const s = await holdOnFirst(t);
    const fc = Buffer.alloc(24);
    fc.writeBigUInt64BE(0x2100_0024_ff00_0001n, 8);
    await prRegisterAndMove(t, { session: s.a, key: K1, saKey: K2, rtpi: s.rtpi, tid: fc, expect: INVALID_FIELD_IN_PARAM_LIST });
    await expectState(t, K1, WE, [K1], 'after REGISTER AND MOVE with a Fibre Channel TransportID');
  },
);

export default suite;
