/**
 * PERSISTENT RESERVE OUT, REGISTER and REGISTER AND IGNORE EXISTING KEY (SPC-5 6.17; registering, SPC-5
 * reservations): registrations are per I_T nexus, a registered nexus must name its key to change it, and a
 * parameter list of the wrong length changes nothing.
 */
import {
  defineSuite,
  GOOD,
  INVALID_FIELD_IN_CDB,
  INVALID_FIELD_IN_PARAM_LIST,
  keepReservationsClean,
  openNexus,
  PARAM_LIST_LEN_ERR,
  prReadKeys,
  prReportCapabilities,
  prRegister,
  prReserve,
  prUnregister,
  RESERVATION_CONFLICT,
  scsi,
  SPC5,
} from '../../harness/api.js';
import { expectKeys, K1, K2, PR_OUT } from './_pr.js';

const suite = defineSuite('ProutRegister', { families: ['SCSI'], clause: `${SPC5.PERSISTENT_RESERVE_OUT}, ${SPC5.RESERVATIONS}`, needs: ['dataloss', PR_OUT] });

suite.test(
  'Simple',
  {
    doc: `REGISTER of a key from an unregistered I_T nexus (RESERVATION KEY 0) must be GOOD and READ KEYS must list it; a REGISTER naming a wrong
      RESERVATION KEY must end in RESERVATION CONFLICT and change nothing; a REGISTER with the right RESERVATION KEY replaces the key; REGISTER with
      SERVICE ACTION RESERVATION KEY 0 unregisters, and READ KEYS no longer lists it.`,
    level: 'MUST',
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegister(t, K1);
    await expectKeys(t, [K1], 'after REGISTER');
    await prRegister(t, K2, { oldKey: K1 + 1n, expect: RESERVATION_CONFLICT });
    await expectKeys(t, [K1], 'after a REGISTER with the wrong RESERVATION KEY');
    await prRegister(t, K2, { oldKey: K1 });
    await expectKeys(t, [K2], 'after REGISTER with the right RESERVATION KEY and a new key');
    await prUnregister(t, K2);
    await expectKeys(t, [], 'after REGISTER with SERVICE ACTION RESERVATION KEY 0');
  },
);

suite.test(
  'IgnoreExistingKey',
  {
    doc: `REGISTER AND IGNORE EXISTING KEY must register a key from an unregistered nexus, replace the key of a registered one whatever its
      RESERVATION KEY field holds, and unregister with SERVICE ACTION RESERVATION KEY 0, each GOOD and each seen in READ KEYS.`,
    level: 'MUST',
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegister(t, K1, { ignore: true, oldKey: 0x7777n });
    await expectKeys(t, [K1], 'after REGISTER AND IGNORE EXISTING KEY');
    await prRegister(t, K2, { ignore: true, oldKey: 0x7777n });
    await expectKeys(t, [K2], 'after REGISTER AND IGNORE EXISTING KEY with another key');
    await prRegister(t, 0n, { ignore: true, oldKey: 0x7777n });
    await expectKeys(t, [], 'after REGISTER AND IGNORE EXISTING KEY with key 0');
  },
);

suite.test(
  'Unregistered',
  {
    doc: `From an unregistered I_T nexus, a REGISTER whose RESERVATION KEY is not zero must end in RESERVATION CONFLICT and register nothing; RESERVE
      from it must end in RESERVATION CONFLICT too (only a registered nexus may reserve).`,
    level: 'MUST',
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegister(t, K2, { oldKey: K1, expect: RESERVATION_CONFLICT });
    await expectKeys(t, [], 'after a REGISTER with a non-zero RESERVATION KEY from an unregistered nexus');
    await prReserve(t, K1, scsi.PrType.WRITE_EXCLUSIVE, { expect: RESERVATION_CONFLICT });
    const r = await t.command(scsi.persistentReserveIn({ sa: scsi.PrInSa.READ_RESERVATION, alloc: 64 }));
    t.check(!scsi.parseReadReservation(r.data).hasReservation, 'RESERVE from an unregistered I_T nexus created a reservation');
  },
);

suite.test(
  'ParamListLength',
  {
    doc: `REGISTER with a PARAMETER LIST LENGTH of 23, 25 and 0 (SPEC_I_PT 0: the list must be exactly 24 bytes) must each end in CHECK CONDITION,
      ILLEGAL REQUEST, PARAMETER LIST LENGTH ERROR and register nothing.`,
    level: 'MUST',
    clause: `${SPC5.PR_OUT_PARAMETER_LIST}, ${SPC5.PERSISTENT_RESERVE_OUT}`,
  },
  async (t) => {
    keepReservationsClean(t);
    const list = scsi.proutParameterList({ key: 0n, saKey: K1 });
    for (const len of [23, 25, 0]) {
      const data = len <= 24 ? list.subarray(0, len) : Buffer.concat([list, Buffer.alloc(len - 24)]);
      await t.command(scsi.persistentReserveOut({ sa: scsi.PrOutSa.REGISTER, paramLen: len }), {
        dataOut: data,
        expect: PARAM_LIST_LEN_ERR,
        what: `PERSISTENT ` + `RESERVE OUT REGISTER PARAMETER LIST LENGTH=${len}`,
      });
      await expectKeys(t, [], `after REGISTER with PARAMETER LIST LENGTH ${len}`);
    }
  },
);

suite.test(
  'PerNexus',
  {
    doc: `Registrations are per I_T nexus: with a key registered on the first nexus, a second session of the same initiator name with another ISID
      (another initiator port, so another nexus) sees the key in READ KEYS but is not registered: RESERVE with that key from it must end in
      RESERVATION CONFLICT, and it may register a key of its own (both then listed).`,
    level: 'MUST',
    clause: `${SPC5.RESERVATIONS}, RFC 7143 11.12.5`,
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegister(t, K1);
    const other = await openNexus(t, { initiator: 1 });
    const k = await prReadKeys(t, { session: other });
    t.check(k.keys.includes(K1), 'READ KEYS from another nexus does not list the registered key');
    await prReserve(t, K1, scsi.PrType.WRITE_EXCLUSIVE, { session: other, expect: RESERVATION_CONFLICT });
    await prRegister(t, K2, { session: other });
    await expectKeys(t, [K1, K2], 'after the second nexus (same name, another ISID) registered');
  },
);

suite.test(
  'ServiceActionRange',
  {
    doc: `With a key registered, PERSISTENT RESERVE OUT with each service action SPC-5 reserves (09h to 1Fh) must end in CHECK CONDITION, ILLEGAL
      REQUEST, INVALID FIELD IN CDB and change nothing (READ KEYS still lists the key, PRgeneration unchanged).`,
    level: 'MUST',
    clause: `${SPC5.PR_OUT_SERVICE_ACTIONS}, ${SPC5.RESERVED}`,
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegister(t, K1);
    const before = await prReadKeys(t);
    for (let sa = 0x09; sa <= 0x1f; sa++) {
      await t.command(scsi.persistentReserveOut({ sa }), {
        dataOut: scsi.proutParameterList({ key: K1, saKey: K2 }),
        expect: INVALID_FIELD_IN_CDB,
        what: `PERSISTENT ` + `RESERVE OUT SERVICE ACTION=0x${sa.toString(16).padStart(2, '0')}`,
      });
    }
    const after = await expectKeys(t, [K1], 'after the reserved service actions');
    t.equal(after.generation, before.generation, 'PRgeneration after commands that ended in CHECK CONDITION');
    await prUnregister(t, K1);
  },
);

suite.test(
  'AllTgPt',
  {
    doc: `REGISTER with ALL_TG_PT set: where REPORT CAPABILITIES says ATP_C 1 it must be GOOD, READ KEYS must list the key, and READ FULL STATUS
      (where implemented) must show the registration with ALL_TG_PT set; where ATP_C is 0 it must be refused with CHECK CONDITION, ILLEGAL REQUEST
      (INVALID FIELD IN PARAMETER LIST, where the bit is; INVALID FIELD IN CDB is accepted too) and register nothing.`,
    level: 'MUST',
    clause: `${SPC5.PR_OUT_PARAMETER_LIST}, ${SPC5.REPORT_CAPABILITIES}`,
  },
  async (t) => {
    keepReservationsClean(t);
    const caps = await prReportCapabilities(t);
    if (!caps.atpC) {
      await prRegister(t, K1, { allTgPt: true, expect: [INVALID_FIELD_IN_PARAM_LIST, INVALID_FIELD_IN_CDB] });
      await expectKeys(t, [], 'after a refused REGISTER with ALL_TG_PT (ATP_C 0)');
      return;
    }
    await prRegister(t, K1, { allTgPt: true });
    const k = await prReadKeys(t);
    t.check(k.keys.includes(K1), 'READ KEYS does not list the key registered with ALL_TG_PT');
    const fs = await t.command(scsi.persistentReserveIn({ sa: scsi.PrInSa.READ_FULL_STATUS, alloc: 8192 }), { expect: [GOOD, INVALID_FIELD_IN_CDB] });
    if (fs.status === scsi.ScsiStatus.GOOD) {
      const mine = scsi.parseReadFullStatus(fs.data).descriptors.filter((d) => d.key === K1);
      t.check(mine.length > 0, 'READ FULL STATUS lists no registration with the key registered with ALL_TG_PT');
      t.check(
        mine.every((d) => d.allTgPt),
        'READ FULL STATUS shows the registration made with ALL_TG_PT with ALL_TG_PT 0',
      );
    } else t.log('READ FULL STATUS is not implemented: the ALL_TG_PT bit of the registration is not checked');
    await prUnregister(t, K1);
  },
);

export default suite;
