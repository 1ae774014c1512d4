/**
 * PERSISTENT RESERVE OUT, RESERVE and RELEASE (SPC-5 6.17; reserving, releasing and the table of commands
 * allowed in the presence of each reservation type, SPC-5 reservations and SBC-4 4.17 table 13): for each of
 * the six types, what another I_T nexus may still do, registered or not, and who holds the reservation once
 * its creator unregisters.
 */
import {
  defineSuite,
  expectUnitAttention,
  GOOD,
  INVALID_FIELD_IN_CDB,
  INVALID_RELEASE,
  keepReservationsClean,
  prOut,
  prReadReservation,
  prRegister,
  prRelease,
  prReportCapabilities,
  prReserve,
  prUnregister,
  RESERVATION_CONFLICT,
  SBC4,
  scsi,
  SPC5,
  UA_RESERVATIONS_RELEASED,
  type TestContext,
} from '../../harness/api.js';
import { COMMAND_CLASSES, expectAllowed, expectedFor, K1, K2, PR_OUT, PR_TYPES, readWrite, registerBoth, requireType, type PrTypeInfo } from './_pr.js';

const suite = defineSuite('ProutReserve', { families: ['SCSI'], clause: `${SPC5.PERSISTENT_RESERVE_OUT}, ${SPC5.RESERVATIONS}`, needs: ['dataloss', PR_OUT] });

/** The reservation READ RESERVATION reports must be this one (type, LU scope, the holder's key or 0 for all-registrants types). */
async function expectReservation(t: TestContext, ty: PrTypeInfo, key: bigint, what: string, s = t.session): Promise<void> {
  const r = await prReadReservation(t, { session: s });
  t.check(r.hasReservation, `${what}: READ RESERVATION reports no reservation, expected ${ty.name}`);
  t.equal(r.type, ty.code, `${what}: READ RESERVATION TYPE`);
  t.equal(r.scope, 0, `${what}: READ RESERVATION SCOPE (LU_SCOPE)`);
  // SPC-5 6.16 READ RESERVATION: for the all-registrants types the RESERVATION KEY is zero
  t.equal(r.key, ty.allRegistrants ? 0n : key, `${what}: READ RESERVATION RESERVATION KEY`);
}

async function expectNoReservation(t: TestContext, what: string, s = t.session): Promise<void> {
  const r = await prReadReservation(t, { session: s });
  t.check(!r.hasReservation, `${what}: READ RESERVATION still reports a reservation of type ${r.type}`);
}

suite.test(
  'Simple',
  {
    doc: `For each reservation type the target supports (REPORT CAPABILITIES type mask): REGISTER, RESERVE of that type must be GOOD and READ
      RESERVATION must report it (TYPE, LU_SCOPE, the key, or 0 for the all-registrants types); RELEASE with the same type must be GOOD and READ
      RESERVATION must then report none; then the key is unregistered.`,
    level: 'MUST',
    clause: `${SPC5.PERSISTENT_RESERVE_OUT}, ${SPC5.READ_RESERVATION}`,
  },
  async (t) => {
    keepReservationsClean(t);
    const caps = await prReportCapabilities(t);
    await prRegister(t, K1);
    for (const ty of PR_TYPES) {
      if (caps.tmv && caps.types && !caps.types.includes(ty.code)) continue;
      await prReserve(t, K1, ty.code);
      await expectReservation(t, ty, K1, `after RESERVE ${ty.name}`);
      await prRelease(t, K1, ty.code);
      await expectNoReservation(t, `after RELEASE ${ty.name}`);
    }
    await prUnregister(t, K1);
  },
);

for (const ty of PR_TYPES) {
  suite.test(
    `Access${ty.short}`,
    {
      doc: `The first I_T nexus registers and reserves ${ty.name}; it may read and write LBA 0. A second, unregistered nexus must get RESERVATION
        CONFLICT for WRITE(10)${ty.exclusiveAccess ? ' and READ(10)' : ' and GOOD for READ(10)'}; once it has registered a key of its own,
        ${
          ty.registrants
            ? 'READ(10) and WRITE(10) from it must be GOOD (registrants have access)'
            : `${ty.exclusiveAccess ? 'READ(10) and ' : ''}WRITE(10) from it must still conflict${ty.exclusiveAccess ? '' : ' and READ(10) be GOOD'}
              (registering gives no access with this type)`
        }.
        A conflicting WRITE must not change the block. RESERVATION CONFLICT where access is expected is a SHOULD-level warning: SPC says allowed
        commands, and those of the holder, "should complete normally"; the conflicts are MUST ("shall not be performed").`,
      level: 'MUST',
      clause: `${SPC5.RESERVATIONS}, ${SBC4.RESERVATIONS}`,
      needs: ['twoInitiators', 'sbc', 'writable', 'capacity'],
    },
    async (t) => {
      await requireType(t, ty);
      keepReservationsClean(t);
      const [a, b] = [t.session, t.session2];
      await prRegister(t, K1, { session: a });
      await prReserve(t, K1, ty.code, { session: a });
      await readWrite(t, a, true, true, 'the reservation holder');
      await readWrite(t, b, !ty.exclusiveAccess, false, 'an unregistered nexus');
      await prRegister(t, K2, { session: b });
      await readWrite(t, b, ty.registrants || !ty.exclusiveAccess, ty.registrants, 'a registered nexus that does not hold the reservation');
    },
  );
}

for (const ty of PR_TYPES) {
  suite.test(
    `Ownership${ty.short}`,
    {
      doc: `Both I_T nexuses register; the first reserves ${ty.name}, then unregisters.
        ${
          ty.allRegistrants
            ? 'With an all-registrants type every registrant holds the reservation, so it must remain: READ RESERVATION from the second nexus reports it (key 0).'
            : "The holder's reservation ends with its registration: READ RESERVATION must report no reservation."
        }`,
      level: 'MUST',
      needs: ['twoInitiators'],
    },
    async (t) => {
      await requireType(t, ty);
      const [a, b] = await registerBoth(t);
      await prReserve(t, K1, ty.code, { session: a });
      await expectReservation(t, ty, K1, `after RESERVE ${ty.name}`, b);
      await prUnregister(t, K1, { session: a });
      // registrants-only: RESERVATIONS RELEASED for the other registrants (checked in ReleaseUnitAttention)
      await t.unitAttentions(b);
      if (ty.allRegistrants) await expectReservation(t, ty, K2, `after the creator of the ${ty.name} reservation unregistered`, b);
      else await expectNoReservation(t, `after the holder of the ${ty.name} reservation unregistered`, b);
    },
  );
}

for (const ty of PR_TYPES) {
  suite.test(
    `Commands${ty.short}`,
    {
      doc: `The first I_T nexus registers and reserves ${ty.name}. The second nexus, unregistered and then registered, sends one command of each
        class: INQUIRY, REPORT LUNS, REQUEST SENSE, READ CAPACITY(10) and PERSISTENT RESERVE IN are allowed whatever the type; TEST UNIT READY is
        allowed${ty.exclusiveAccess ? ' where REPORT CAPABILITIES ALLOW COMMANDS is 001b or more' : ''}; MODE SENSE(6) and READ(10)
        ${ty.exclusiveAccess ? 'conflict' : 'are allowed'}; WRITE(10) and SYNCHRONIZE CACHE(10)
        conflict${ty.registrants ? '; once registered, every command is allowed (registrants have access)' : ', registered or not'}. A conflict row
        must end in RESERVATION CONFLICT (SPC's key to the table: such commands "shall not be performed and the device server shall complete the command
        with RESERVATION CONFLICT status"); an allowed one that conflicts is a SHOULD-level warning, since allowed commands "should complete normally".`,
      level: 'MUST',
      clause: `${SPC5.RESERVATIONS}, ${SBC4.RESERVATIONS}`,
      needs: ['twoInitiators', 'sbc', 'writable', 'capacity'],
    },
    async (t) => {
      await requireType(t, ty);
      const caps = await prReportCapabilities(t);
      keepReservationsClean(t);
      const [a, b] = [t.session, t.session2];
      await prRegister(t, K1, { session: a });
      await prReserve(t, K1, ty.code, { session: a });
      for (const registered of [false, true]) {
        if (registered) await prRegister(t, K2, { session: b });
        for (const c of COMMAND_CLASSES) {
          const expect = expectedFor(c, ty, registered, caps.allowCommands);
          const o = {
            what: `${c.name} from ${registered ? 'a registered' : 'an unregistered'} nexus under ${ty.name}`,
            ...(c.dataOut ? { dataOut: c.dataOut(t) } : {}),
          };
          if (expect === GOOD) await expectAllowed(t, b, c.cdb(t), o);
          else await t.command(c.cdb(t), { ...o, session: b, expect });
        }
      }
    },
  );
}

suite.test(
  'NotHolder',
  {
    doc: `While the first I_T nexus holds a WRITE EXCLUSIVE reservation, a RESERVE from the registered second nexus must end in RESERVATION CONFLICT
      and leave the reservation as it was; the holder may RESERVE again with the same type (GOOD, nothing changes), but a RESERVE of another type from
      it must end in RESERVATION CONFLICT.`,
    level: 'MUST',
    needs: ['twoInitiators'],
  },
  async (t) => {
    await requireType(t, PR_TYPES[0]!, PR_TYPES[1]!);
    const [a, b] = await registerBoth(t);
    const we = PR_TYPES[0]!;
    await prReserve(t, K1, we.code, { session: a });
    await prReserve(t, K2, we.code, { session: b, expect: RESERVATION_CONFLICT });
    await prReserve(t, K2, PR_TYPES[1]!.code, { session: b, expect: RESERVATION_CONFLICT });
    await expectReservation(t, we, K1, 'after a RESERVE from a nexus that does not hold it');
    await prReserve(t, K1, we.code, { session: a });
    await prReserve(t, K1, PR_TYPES[1]!.code, { session: a, expect: RESERVATION_CONFLICT });
    await expectReservation(t, we, K1, "after the holder's RESERVE of another type");
  },
);

suite.test(
  'ReleaseWrongType',
  {
    doc: `RELEASE by the holder of a WRITE EXCLUSIVE reservation naming EXCLUSIVE ACCESS must end in CHECK CONDITION, ILLEGAL REQUEST, INVALID RELEASE
      OF PERSISTENT RESERVATION and leave the reservation in place (SPC-5 reservations, releasing: TYPE and SCOPE must match).`,
    level: 'MUST',
  },
  async (t) => {
    await requireType(t, PR_TYPES[0]!);
    keepReservationsClean(t);
    const we = PR_TYPES[0]!;
    await prRegister(t, K1);
    await prReserve(t, K1, we.code);
    await prRelease(t, K1, PR_TYPES[1]!.code, { expect: INVALID_RELEASE });
    await expectReservation(t, we, K1, 'after RELEASE with the wrong TYPE');
    await prRelease(t, K1, we.code);
  },
);

suite.test(
  'ReleaseNotHolder',
  {
    doc: `RELEASE from a registered I_T nexus that does not hold the reservation must be GOOD and release nothing (READ RESERVATION still reports the
      holder's); RELEASE with a key that is not the nexus's own must end in RESERVATION CONFLICT.`,
    level: 'MUST',
    needs: ['twoInitiators'],
  },
  async (t) => {
    await requireType(t, PR_TYPES[1]!);
    const [a, b] = await registerBoth(t);
    const ea = PR_TYPES[1]!;
    await prReserve(t, K1, ea.code, { session: a });
    await prRelease(t, K2, ea.code, { session: b });
    await expectReservation(t, ea, K1, 'after RELEASE from a registrant that does not hold it');
    await prRelease(t, K1, ea.code, { session: b, expect: RESERVATION_CONFLICT });
    await expectReservation(t, ea, K1, "after RELEASE with another nexus's key");
  },
);

suite.test(
  'ReleaseUnitAttention',
  {
    doc: `Release of a WRITE EXCLUSIVE - REGISTRANTS ONLY reservation by its holder must establish a unit attention RESERVATIONS RELEASED for the
      other registered I_T nexus (SPC-5 reservations, releasing: registrants-only and all-registrants types); the holder itself gets none.`,
    level: 'MUST',
    needs: ['twoInitiators'],
  },
  async (t) => {
    const wero = PR_TYPES[2]!;
    await requireType(t, wero);
    const [a, b] = await registerBoth(t);
    await prReserve(t, K1, wero.code, { session: a });
    await prRelease(t, K1, wero.code, { session: a });
    await expectUnitAttention(t, b, UA_RESERVATIONS_RELEASED, 'the other registrant, after the holder released');
  },
);

suite.test(
  'InvalidTypeScope',
  {
    doc: `With a key registered, RESERVE with each TYPE SPC-5 does not define (0h, 2h, 4h, 9h to Fh) and RESERVE WRITE EXCLUSIVE with a SCOPE other
      than LU_SCOPE (1h to Fh) must each end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB (TYPE and SCOPE are CDB fields) and create no
      reservation.`,
    level: 'MUST',
    clause: `${SPC5.PERSISTENT_RESERVE_OUT}, ${SPC5.RESERVED}`,
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegister(t, K1);
    for (const type of [0x0, 0x2, 0x4, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf])
      await prOut(t, scsi.PrOutSa.RESERVE, { key: K1, type }, { expect: INVALID_FIELD_IN_CDB });
    for (let scope = 1; scope <= 0xf; scope++)
      await prOut(t, scsi.PrOutSa.RESERVE, { key: K1, type: PR_TYPES[0]!.code, scope }, { expect: INVALID_FIELD_IN_CDB });
    await expectNoReservation(t, 'after RESERVEs with an undefined TYPE or SCOPE');
    await prUnregister(t, K1);
  },
);

export default suite;
