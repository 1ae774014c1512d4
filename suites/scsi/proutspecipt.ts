/**
 * PERSISTENT RESERVE OUT REGISTER with SPEC_I_PT=1 (SPC-5 registering; the basic parameter list and its specify
 * initiator ports additional parameter data, SPC-5 6.17): one command registers the sending I_T nexus and each
 * I_T nexus an iSCSI TransportID names, all or none. Where REPORT CAPABILITIES says SIP_C 0 the tests of the
 * feature skip; SPEC_I_PT with another service action is refused whatever SIP_C says.
 */
import {
  defineSuite,
  ILLEGAL_REQUEST,
  INVALID_FIELD_IN_CDB,
  INVALID_FIELD_IN_PARAM_LIST,
  keepReservationsClean,
  openNexus,
  prReadReservation,
  prRegister,
  prReportCapabilities,
  prReserve,
  scsi,
  SPC5,
  type TestContext,
} from '../../harness/api.js';
import { expectKeys, K1, K2, K3, PR_OUT } from './_pr.js';
import { deviceTid, portTid, prRegisterSpecIPt } from './_prtid.js';

const suite = defineSuite('ProutSpecIPT', {
  families: ['SCSI'],
  clause: `${SPC5.RESERVATIONS}, ${SPC5.PR_OUT_PARAMETER_LIST}`,
  needs: ['dataloss', PR_OUT, 'twoInitiators'],
  level: 'MUST',
});

/** Skips unless REPORT CAPABILITIES says SIP_C 1; declares the clean-up. */
async function requireSipC(t: TestContext): Promise<void> {
  keepReservationsClean(t);
  if (!(await prReportCapabilities(t)).sipC) t.skip('REPORT CAPABILITIES says SIP_C 0: the target does not support SPEC_I_PT');
}

/** The second nexus, registered by the first one's REGISTER with the key, must be able to RESERVE with it. */
async function secondMayReserve(t: TestContext, key: bigint, what: string): Promise<void> {
  await prReserve(t, key, scsi.PrType.WRITE_EXCLUSIVE, { session: t.session2 });
  const r = await prReadReservation(t);
  t.check(r.hasReservation && r.key === key, `${what}: READ RESERVATION does not show the second nexus's reservation with the key`);
}

suite.test(
  'Simple',
  {
    doc: `From an unregistered first I_T nexus, REGISTER with SPEC_I_PT=1 and one TransportID naming the second nexus's initiator port (iSCSI, format
      01b): GOOD; READ KEYS must list the key twice (both nexuses registered), and the second nexus, which never registered itself, must be able
      to RESERVE with that key.`,
  },
  async (t) => {
    await requireSipC(t);
    await prRegisterSpecIPt(t, { session: t.session, saKey: K1, tids: [portTid(t, t.session2, 2)], what: 'REGISTER SPEC_I_PT=1 naming the second nexus' });
    await expectKeys(t, [K1, K1], 'after REGISTER with SPEC_I_PT naming the second nexus');
    await secondMayReserve(t, K1, 'registered by the first nexus with SPEC_I_PT');
  },
);

suite.test(
  'DeviceName',
  {
    doc: `As Simple, with a TransportID of format 00b (the second initiator's iSCSI name without an ISID, naming the initiator device): it should be
      GOOD and register the second nexus, which may then RESERVE with the key.`,
    level: 'SHOULD',
    clause: `${SPC5.TRANSPORT_ID}, ${SPC5.RESERVATIONS}`,
  },
  async (t) => {
    await requireSipC(t);
    await prRegisterSpecIPt(t, { session: t.session, saKey: K1, tids: [deviceTid(t, 2)], what: 'REGISTER SPEC_I_PT=1 naming the second initiator device' });
    await secondMayReserve(t, K1, 'registered by a format 00b TransportID');
  },
);

suite.test(
  'Registered',
  {
    doc: `The second I_T nexus registers its own key; the unregistered first nexus then sends REGISTER with SPEC_I_PT naming it: CHECK CONDITION,
      ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST (INVALID FIELD IN CDB from devices of earlier standards), and nothing registered: READ KEYS
      lists only the second nexus's key.`,
  },
  async (t) => {
    await requireSipC(t);
    await prRegister(t, K2, { session: t.session2 });
    await prRegisterSpecIPt(t, {
      session: t.session,
      saKey: K1,
      tids: [portTid(t, t.session2, 2)],
      expect: [INVALID_FIELD_IN_PARAM_LIST, INVALID_FIELD_IN_CDB],
      what: 'REGISTER SPEC_I_PT=1 naming a registered nexus',
    });
    await expectKeys(t, [K2], 'after REGISTER with SPEC_I_PT naming a registered nexus');
  },
);

suite.test(
  'FromRegistered',
  {
    doc: `The first I_T nexus registers, then sends REGISTER with its key, a new key and SPEC_I_PT=1 naming the second nexus: CHECK CONDITION, ILLEGAL
      REQUEST, INVALID FIELD IN PARAMETER LIST (or IN CDB), and READ KEYS lists only its first key.`,
  },
  async (t) => {
    await requireSipC(t);
    await prRegister(t, K1, { ignore: true });
    await prRegisterSpecIPt(t, {
      session: t.session,
      key: K1,
      saKey: K3,
      tids: [portTid(t, t.session2, 2)],
      expect: [INVALID_FIELD_IN_PARAM_LIST, INVALID_FIELD_IN_CDB],
      what: 'REGISTER SPEC_I_PT=1 from a registered nexus',
    });
    await expectKeys(t, [K1], 'after REGISTER with SPEC_I_PT from a registered nexus');
  },
);

suite.test(
  'OtherServiceAction',
  {
    doc: `REGISTER AND IGNORE EXISTING KEY with SPEC_I_PT=1 and a TransportID naming the second nexus (whatever SIP_C says): CHECK CONDITION, ILLEGAL
      REQUEST, INVALID FIELD IN PARAMETER LIST, and nothing registered.`,
    clause: SPC5.PR_OUT_PARAMETER_LIST,
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegisterSpecIPt(t, {
      session: t.session,
      saKey: K1,
      sa: scsi.PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY,
      tids: [portTid(t, t.session2, 2)],
      expect: INVALID_FIELD_IN_PARAM_LIST,
      what: 'REGISTER AND IGNORE EXISTING KEY SPEC_I_PT=1',
    });
    await expectKeys(t, [], 'after REGISTER AND IGNORE EXISTING KEY with SPEC_I_PT');
  },
);

suite.test(
  'CutTransportId',
  {
    doc: `REGISTER with SPEC_I_PT=1 naming the second nexus and a third one (the first initiator name with another ISID), whose TRANSPORTID PARAMETER
      DATA LENGTH ends 8 bytes into the second TransportID (it cuts it): CHECK CONDITION, ILLEGAL REQUEST, and no registration at all, not even of
      the nexus named first.`,
  },
  async (t) => {
    await requireSipC(t);
    const third = await openNexus(t, { initiator: 1 });
    const first = portTid(t, t.session2, 2);
    const list = scsi.proutParameterList({ key: 0n, saKey: K1, spec_i_pt: true, transportIds: [first, portTid(t, third, 1)] });
    list.writeUInt32BE(first.length + 8, 24);
    await prRegisterSpecIPt(t, { session: t.session, saKey: K1, tids: [], list, expect: ILLEGAL_REQUEST, what: 'REGISTER SPEC_I_PT=1 with a cut TransportID' });
    await expectKeys(t, [], 'after REGISTER with SPEC_I_PT and a cut TransportID');
  },
);

export default suite;
