/**
 * Reservations of the device server: persistent reservations (SPC-5 reservations, PERSISTENT RESERVE IN 6.16 /
 * OUT 6.17) and RESERVE(6) / RELEASE(6) (SPC-2), with two and three I_T nexuses: every service action,
 * the parameter list checks, every unit attention and the nexus it goes to, the type × access class
 * conflict matrix (against a table of the standards written here, not the device server's own), and what
 * nexus loss, logout, LUN RESET and target resets do.
 */
import { strict as assert } from 'node:assert';
import { reservationConflict } from '../../../reference-target/scsi/reservations.js';
import type { CommandResult, Nexus } from '../../../reference-target/scsi/types.js';
import { Quirks } from '../../../reference-target/quirks.js';
import {
  PausableStore,
  PLL_ERROR,
  S,
  checkCondition,
  clearUa,
  conflict,
  good,
  invalidCdb,
  invalidParam,
  isConflict,
  nexus,
  prOut,
  prReadKeys,
  prReadReservation,
  prRegister,
  prReserve,
  ready,
  run,
  server,
  tick,
} from './helpers.js';

const PR = S.PrOutSa;
const T = S.PrType;
const TYPES = [
  T.WRITE_EXCLUSIVE,
  T.EXCLUSIVE_ACCESS,
  T.WRITE_EXCLUSIVE_REGISTRANTS_ONLY,
  T.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY,
  T.WRITE_EXCLUSIVE_ALL_REGISTRANTS,
  T.EXCLUSIVE_ACCESS_ALL_REGISTRANTS,
];
const TYPE_NAME: Record<number, string> = { 1: 'WE', 3: 'EA', 5: 'WERO', 6: 'EARO', 7: 'WEAR', 8: 'EAAR' };
const AR = (t: number) => t === T.WRITE_EXCLUSIVE_ALL_REGISTRANTS || t === T.EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
const RO_OR_AR = (t: number) => t >= 5;
const IR = S.SenseKey.ILLEGAL_REQUEST;
const INVALID_RELEASE = { key: IR, asc: S.Asc.INVALID_RELEASE_OF_PERSISTENT_RESERVATION };

const A = nexus(1);
const B = nexus(2);
const C = nexus(3);

/** A server whose nexuses A, B and C have consumed their power-on unit attention. */
async function three(lun: Parameters<typeof ready>[0] = {}, quirks: string[] = []) {
  const ds = await ready(lun, { quirks });
  await clearUa(ds, B);
  await clearUa(ds, C);
  return ds;
}

const prIn = (sa: number, alloc?: number) => S.persistentReserveIn({ sa, ...(alloc !== undefined ? { alloc } : {}) });
const tur = (ds: Awaited<ReturnType<typeof three>>, n: Nexus) => run(ds, S.testUnitReady(), { nexus: n });

describe('target/scsi reservations', () => {
  describe('PERSISTENT RESERVE IN', () => {
    it('READ KEYS and READ RESERVATION with nothing registered: PRgeneration 0, no key, no reservation', async () => {
      const ds = await three();
      const k = await prReadKeys(ds, A);
      assert.deepEqual([k.generation, k.additionalLength, k.keys], [0, 0, []]);
      const r = good(await run(ds, prIn(S.PrInSa.READ_RESERVATION), { nexus: A }));
      assert.equal(r.length, 8);
      assert.equal(S.parseReadReservation(r).hasReservation, false);
    });

    it('REPORT CAPABILITIES: LENGTH 8, CRH 0, SIP_C 1, ATP_C 1, PTPL_C 0, TMV 1, ALLOW COMMANDS 001b, PTPL_A 0, the six types; cut to the allocation length', async () => {
      const ds = await three();
      const c = S.parseReportCapabilities(good(await run(ds, prIn(S.PrInSa.REPORT_CAPABILITIES))));
      assert.deepEqual(
        [c.length, c.rlrC, c.crh, c.sipC, c.atpC, c.ptplC, c.tmv, c.allowCommands, c.ptplA],
        [8, false, false, true, true, false, true, 1, false],
      );
      assert.deepEqual(c.types, [1, 3, 5, 6, 7, 8]);
      assert.equal(good(await run(ds, prIn(S.PrInSa.REPORT_CAPABILITIES, 4))).length, 4);
    });

    it('service actions 04h..1Fh are INVALID FIELD IN CDB at the SERVICE ACTION field', async () => {
      const ds = await three();
      for (let sa = 4; sa < 0x20; sa++) checkCondition(await run(ds, prIn(sa)), invalidCdb(1, 4));
    });

    it('READ KEYS lists every registration in order; ADDITIONAL LENGTH is not cut by the allocation length', async () => {
      const ds = await three();
      await prRegister(ds, A, 0x11n);
      await prRegister(ds, B, 0x22n);
      await prRegister(ds, C, 0x11n);
      const k = await prReadKeys(ds, B);
      assert.deepEqual([k.generation, k.keys], [3, [0x11n, 0x22n, 0x11n]]);
      const cut = good(await run(ds, prIn(S.PrInSa.READ_KEYS, 20), { nexus: C }));
      assert.equal(cut.length, 20);
      const p = S.parseReadKeys(cut);
      assert.deepEqual([p.additionalLength, p.keys, p.truncated], [24, [0x11n], true]);
    });

    it("READ RESERVATION: the holder's key for WE/EA/RO types, 0 for all-registrants types, scope LU", async () => {
      for (const type of TYPES) {
        const ds = await three();
        await prReserve(ds, A, 0xabn, type);
        const r = await prReadReservation(ds, B);
        assert.deepEqual([r.hasReservation, r.key, r.scope, r.type, r.additionalLength], [true, AR(type) ? 0n : 0xabn, 0, type, 16], TYPE_NAME[type]);
      }
    });

    it('READ FULL STATUS: each registration with its key, iSCSI TransportID (format 01b, name and ISID), relative target port, holder with scope and type', async () => {
      const ds = await three();
      await prReserve(ds, A, 5n, T.WRITE_EXCLUSIVE_REGISTRANTS_ONLY);
      await prRegister(ds, B, 6n);
      const fs = S.parseReadFullStatus(good(await run(ds, prIn(S.PrInSa.READ_FULL_STATUS), { nexus: C })));
      assert.equal(fs.generation, 2);
      assert.equal(fs.descriptors.length, 2);
      const [a, b] = fs.descriptors;
      assert.deepEqual([a!.key, a!.rHolder, a!.allTgPt, a!.scope, a!.type, a!.relativeTargetPortId], [5n, true, false, 0, 5, 1]);
      assert.deepEqual([b!.key, b!.rHolder, b!.scope, b!.type], [6n, false, 0, 0]);
      const tid = S.parseTransportId(a!.transportId);
      assert.deepEqual([tid.protocolIdentifier, tid.formatCode, tid.name, tid.isid], [5, 1, A.initiatorName, '000000000001']);
      assert.equal(S.parseTransportId(b!.transportId).name, B.initiatorName);
      // all registrants: every registration is a holder
      const ar = await three();
      await prReserve(ar, A, 5n, T.EXCLUSIVE_ACCESS_ALL_REGISTRANTS);
      await prRegister(ar, B, 6n);
      const d = S.parseReadFullStatus(good(await run(ar, prIn(S.PrInSa.READ_FULL_STATUS)))).descriptors;
      assert.deepEqual(
        d.map((x) => [x.rHolder, x.type]),
        [
          [true, 8],
          [true, 8],
        ],
      );
      // cut to the allocation length, ADDITIONAL LENGTH kept
      const cut = good(await run(ds, prIn(S.PrInSa.READ_FULL_STATUS, 30)));
      assert.equal(cut.length, 30);
      assert.equal(cut.readUInt32BE(4), 2 * 24 + a!.transportId.length + b!.transportId.length);
    });

    it('REPORT SUPPORTED OPERATION CODES lists PR IN 00h-03h, PR OUT 00h-07h (not REPLACE LOST RESERVATION), RESERVE(6) and RELEASE(6)', async () => {
      const ds = await three();
      const all = S.parseRsocAllCommands(good(await run(ds, S.reportSupportedOperationCodes({ alloc: 65535 }))));
      const sas = (op: number) => all.commands.filter((c) => c.opcode === op).map((c) => c.serviceAction);
      assert.deepEqual(sas(S.Op.PERSISTENT_RESERVE_IN), [0, 1, 2, 3]);
      assert.deepEqual(sas(S.Op.PERSISTENT_RESERVE_OUT), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.ok(all.commands.some((c) => c.opcode === S.Op.RESERVE_6) && all.commands.some((c) => c.opcode === S.Op.RELEASE_6));
      const one = S.parseRsocOneCommand(good(await run(ds, S.reportSupportedOperationCodes({ op: S.Op.PERSISTENT_RESERVE_OUT, sa: 8 }))));
      assert.equal(one.support, S.RsocSupport.NOT_SUPPORTED);
      const out = S.parseRsocOneCommand(good(await run(ds, S.reportSupportedOperationCodes({ op: S.Op.PERSISTENT_RESERVE_OUT, sa: 1 }))));
      assert.deepEqual([...out.usageMap], [0x5f, 0x01, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0]);
    });
  });

  describe('PERSISTENT RESERVE OUT parameter list and CDB', () => {
    it('PARAMETER LIST LENGTH other than 24, or a Data-Out short of it: PARAMETER LIST LENGTH ERROR, nothing registered', async () => {
      const ds = await three();
      const list = S.proutParameterList({ key: 0n, saKey: 9n });
      for (const len of [0, 8, 23, 25, 28, 4096]) {
        const data = Buffer.concat([list, Buffer.alloc(Math.max(0, len - 24))]).subarray(0, len);
        checkCondition(await prOut(ds, A, PR.REGISTER, { data, paramLen: len }), PLL_ERROR);
      }
      // the CDB says 24, the initiator sent 20
      checkCondition(await prOut(ds, A, PR.REGISTER, { data: list.subarray(0, 20), paramLen: 24 }), PLL_ERROR);
      assert.deepEqual((await prReadKeys(ds, A)).keys, []);
    });

    it('SPEC_I_PT=1 with a service action other than REGISTER is INVALID FIELD IN PARAMETER LIST at byte 20 bit 3', async () => {
      const ds = await three();
      const tid = S.iscsiTransportId(B.initiatorName, '000000000002');
      const data = S.proutParameterList({ key: 0n, saKey: 9n, spec_i_pt: true, transportIds: [tid] });
      checkCondition(await prOut(ds, A, PR.REGISTER_AND_IGNORE_EXISTING_KEY, { data }), invalidParam(20, 3));
      checkCondition(await prOut(ds, A, PR.RESERVE, { data, type: T.WRITE_EXCLUSIVE }), invalidParam(20, 3));
      assert.deepEqual((await prReadKeys(ds, A)).keys, []);
    });

    it('APTPL=1 (PTPL_C 0) is INVALID FIELD IN PARAMETER LIST for REGISTER and REGISTER AND IGNORE EXISTING KEY, ignored by the others', async () => {
      const ds = await three();
      checkCondition(await prOut(ds, A, PR.REGISTER, { sark: 9n, aptpl: true }), invalidParam(20, 0));
      checkCondition(await prOut(ds, A, PR.REGISTER_AND_IGNORE_EXISTING_KEY, { sark: 9n, aptpl: true }), invalidParam(20, 0));
      await prRegister(ds, A, 9n);
      good(await prOut(ds, A, PR.RESERVE, { rk: 9n, type: T.WRITE_EXCLUSIVE, aptpl: true }));
      good(await prOut(ds, A, PR.RELEASE, { rk: 9n, type: T.WRITE_EXCLUSIVE, aptpl: true }));
    });

    it('reserved bits of the parameter list are INVALID FIELD IN PARAMETER LIST; the obsolete fields are ignored', async () => {
      const ds = await three();
      for (const [byte, bit] of [
        [20, 1],
        [20, 4],
        [20, 7],
        [21, 0],
        [21, 7],
      ] as const) {
        const data = S.proutParameterList({ key: 0n, saKey: 9n });
        data[byte]! |= 1 << bit;
        checkCondition(await prOut(ds, A, PR.REGISTER, { data }), invalidParam(byte, bit));
      }
      const data = S.proutParameterList({ key: 0n, saKey: 9n });
      data.writeUInt32BE(0xffffffff, 16);
      data.writeUInt16BE(0xffff, 22);
      good(await prOut(ds, A, PR.REGISTER, { data }));
    });

    it('SCOPE other than LU_SCOPE or an unsupported TYPE is INVALID FIELD IN CDB for RESERVE, RELEASE, PREEMPT, PREEMPT AND ABORT; ignored by REGISTER and CLEAR', async () => {
      const ds = await three();
      await prRegister(ds, A, 1n);
      for (const sa of [PR.RESERVE, PR.RELEASE, PR.PREEMPT, PR.PREEMPT_AND_ABORT]) {
        checkCondition(await prOut(ds, A, sa, { rk: 1n, sark: 1n, type: T.WRITE_EXCLUSIVE, scope: 1 }), invalidCdb(2, 7));
        checkCondition(await prOut(ds, A, sa, { rk: 1n, sark: 1n, type: 0xf, scope: 2 }), invalidCdb(2, 7));
        for (const type of [0, 2, 4, 9, 0xf]) checkCondition(await prOut(ds, A, sa, { rk: 1n, sark: 1n, type }), invalidCdb(2, 3));
      }
      good(await prOut(ds, A, PR.REGISTER, { rk: 1n, sark: 2n, type: 0xf, scope: 0xf }));
      good(await prOut(ds, A, PR.CLEAR, { rk: 2n, type: 0xf, scope: 0xf }));
    });

    it('REPLACE LOST RESERVATION and 09h..1Fh are not supported: INVALID FIELD IN CDB at the SERVICE ACTION', async () => {
      const ds = await three();
      await prReserve(ds, A, 1n, T.WRITE_EXCLUSIVE);
      for (let sa = 8; sa < 0x20; sa++) checkCondition(await prOut(ds, A, sa, { rk: 1n }), invalidCdb(1, 4));
      assert.equal((await prReadReservation(ds, A)).key, 1n);
    });
  });

  describe('REGISTER and REGISTER AND IGNORE EXISTING KEY', () => {
    it('from an unregistered I_T nexus: a non-zero RESERVATION KEY conflicts; SARK 0 does nothing (PRgeneration unchanged); SARK registers it', async () => {
      const ds = await three();
      conflict(await prOut(ds, A, PR.REGISTER, { rk: 5n, sark: 6n }));
      good(await prOut(ds, A, PR.REGISTER, { rk: 0n, sark: 0n }));
      good(await prOut(ds, A, PR.REGISTER_AND_IGNORE_EXISTING_KEY, { rk: 77n, sark: 0n }));
      assert.deepEqual(await prReadKeys(ds, A), { generation: 0, additionalLength: 0, keys: [], truncated: false });
      good(await prOut(ds, A, PR.REGISTER, { sark: 6n }));
      assert.deepEqual((await prReadKeys(ds, A)).keys, [6n]);
      assert.equal((await prReadKeys(ds, A)).generation, 1);
    });

    it('from a registered I_T nexus: REGISTER needs the registered key (else RESERVATION CONFLICT, generation unchanged), then replaces it or, with SARK 0, unregisters', async () => {
      const ds = await three();
      await prRegister(ds, A, 6n);
      conflict(await prOut(ds, A, PR.REGISTER, { rk: 0n, sark: 7n }));
      conflict(await prOut(ds, A, PR.REGISTER, { rk: 5n, sark: 7n }));
      assert.deepEqual(await prReadKeys(ds, A), { generation: 1, additionalLength: 8, keys: [6n], truncated: false });
      good(await prOut(ds, A, PR.REGISTER, { rk: 6n, sark: 7n }));
      assert.deepEqual((await prReadKeys(ds, A)).keys, [7n]);
      // REGISTER AND IGNORE EXISTING KEY: whatever the RESERVATION KEY
      good(await prOut(ds, A, PR.REGISTER_AND_IGNORE_EXISTING_KEY, { rk: 123n, sark: 8n }));
      assert.deepEqual((await prReadKeys(ds, A)).keys, [8n]);
      good(await prOut(ds, A, PR.REGISTER, { rk: 8n, sark: 0n }));
      assert.deepEqual(await prReadKeys(ds, A), { generation: 4, additionalLength: 0, keys: [], truncated: false });
      await prRegister(ds, A, 9n);
      good(await prOut(ds, A, PR.REGISTER_AND_IGNORE_EXISTING_KEY, { rk: 1n, sark: 0n }));
      assert.deepEqual((await prReadKeys(ds, A)).keys, []);
    });

    it('registrations are per I_T nexus: one initiator name with two ISIDs is two registrations; a key belongs to its nexus', async () => {
      const ds = await three();
      const A2 = nexus(1, 2);
      await clearUa(ds, A2);
      await prRegister(ds, A, 1n);
      await prRegister(ds, A2, 2n);
      await prRegister(ds, B, 1n);
      assert.deepEqual((await prReadKeys(ds, C)).keys, [1n, 2n, 1n]);
      // A2 cannot use A's key, and unregistering A leaves B's registration of the same key
      conflict(await prOut(ds, A2, PR.REGISTER, { rk: 1n, sark: 0n }));
      good(await prOut(ds, A, PR.REGISTER, { rk: 1n, sark: 0n }));
      assert.deepEqual((await prReadKeys(ds, C)).keys, [2n, 1n]);
    });

    it('ALL_TG_PT=1 registers the initiator port with every target port (READ FULL STATUS shows ALL_TG_PT); ignored by a registered nexus', async () => {
      const ds = await three();
      const otherPort: Nexus = { ...nexus(1), id: 'a-port2', initiatorPort: A.initiatorPort, targetPort: `${A.targetName},t,0x0002`, relativeTargetPort: 2 };
      const other3: Nexus = { ...C, id: 'c-port2', targetPort: `${C.targetName},t,0x0002`, relativeTargetPort: 2 };
      await clearUa(ds, other3);
      good(await prOut(ds, A, PR.REGISTER, { sark: 4n, allTgPt: true }));
      const d = S.parseReadFullStatus(good(await run(ds, prIn(S.PrInSa.READ_FULL_STATUS), { nexus: B }))).descriptors;
      assert.deepEqual(
        d.map((x) => [x.key, x.allTgPt, x.relativeTargetPortId]),
        [
          [4n, true, 1],
          [4n, true, 2],
        ],
      );
      // the same initiator port through target port 2 is registered: it may reserve with the key
      await clearUa(ds, otherPort);
      good(await prOut(ds, otherPort, PR.RESERVE, { rk: 4n, type: T.WRITE_EXCLUSIVE }));
      assert.equal((await prReadReservation(ds, B)).key, 4n);
      // a registered nexus changing its key with ALL_TG_PT changes only its own registration
      good(await prOut(ds, A, PR.REGISTER, { rk: 4n, sark: 5n, allTgPt: true }));
      assert.deepEqual((await prReadKeys(ds, B)).keys, [5n, 4n]);
    });

    it(`at most 1024 registrations: the next is INSUFFICIENT REGISTRATION RESOURCES, registering nothing`, async () => {
      const ds = server();
      const nx = (i: number): Nexus => ({ ...nexus(7, i), id: `many-${i}` });
      for (let i = 1; i <= 1024; i++) {
        await clearUa(ds, nx(i));
        good(await prOut(ds, nx(i), PR.REGISTER, { sark: BigInt(i) }), `registration ${i}`);
      }
      await clearUa(ds, nx(1025));
      checkCondition(await prOut(ds, nx(1025), PR.REGISTER, { sark: 1025n }), { key: IR, asc: S.Asc.INSUFFICIENT_REGISTRATION_RESOURCES });
      const k = S.parseReadKeys(good(await run(ds, prIn(S.PrInSa.READ_KEYS, 65535), { nexus: nx(1) })));
      assert.deepEqual([k.keys.length, k.generation], [1024, 1024]);
      // unregistering one makes room again
      good(await prOut(ds, nx(5), PR.REGISTER, { rk: 5n, sark: 0n }));
      good(await prOut(ds, nx(1025), PR.REGISTER, { sark: 1025n }));
    });
  });

  describe('RESERVE and RELEASE', () => {
    it('RESERVE needs a registered I_T nexus and its key; the holder may repeat it with the same type, nobody else (nor with another type)', async () => {
      for (const type of TYPES) {
        const ds = await three();
        conflict(await prOut(ds, A, PR.RESERVE, { rk: 0n, type }), 'RESERVE unregistered');
        await prRegister(ds, A, 1n);
        await prRegister(ds, B, 2n);
        conflict(await prOut(ds, A, PR.RESERVE, { rk: 2n, type }), 'RESERVE with a wrong key');
        good(await prOut(ds, A, PR.RESERVE, { rk: 1n, type }));
        good(await prOut(ds, A, PR.RESERVE, { rk: 1n, type }));
        conflict(await prOut(ds, A, PR.RESERVE, { rk: 1n, type: type === 1 ? 3 : 1 }), 'holder, another type');
        // an all-registrants reservation is held by every registrant: B may "reserve" it again with its type
        const r = await prOut(ds, B, PR.RESERVE, { rk: 2n, type });
        if (AR(type)) good(r);
        else conflict(r, `${TYPE_NAME[type]}: RESERVE by another registrant`);
        conflict(await prOut(ds, C, PR.RESERVE, { rk: 0n, type }));
        // RESERVE and RELEASE leave PRgeneration alone
        assert.equal((await prReadKeys(ds, C)).generation, 2);
      }
    });

    it('RELEASE: unregistered or wrong key conflicts; nothing reserved or not the holder: GOOD, nothing released; the holder with another TYPE: INVALID RELEASE OF PERSISTENT RESERVATION', async () => {
      const ds = await three();
      conflict(await prOut(ds, A, PR.RELEASE, { rk: 0n, type: T.WRITE_EXCLUSIVE }));
      await prRegister(ds, A, 1n);
      await prRegister(ds, B, 2n);
      good(await prOut(ds, A, PR.RELEASE, { rk: 1n, type: T.WRITE_EXCLUSIVE }));
      good(await prOut(ds, A, PR.RESERVE, { rk: 1n, type: T.EXCLUSIVE_ACCESS }));
      conflict(await prOut(ds, A, PR.RELEASE, { rk: 2n, type: T.EXCLUSIVE_ACCESS }));
      good(await prOut(ds, B, PR.RELEASE, { rk: 2n, type: T.EXCLUSIVE_ACCESS }));
      assert.equal((await prReadReservation(ds, A)).type, T.EXCLUSIVE_ACCESS);
      checkCondition(await prOut(ds, A, PR.RELEASE, { rk: 1n, type: T.WRITE_EXCLUSIVE }), INVALID_RELEASE);
      good(await prOut(ds, A, PR.RELEASE, { rk: 1n, type: T.EXCLUSIVE_ACCESS }));
      assert.equal((await prReadReservation(ds, A)).hasReservation, false);
      assert.deepEqual((await prReadKeys(ds, A)).keys, [1n, 2n]);
    });

    it('RELEASE of a registrants-only or all-registrants reservation: RESERVATIONS RELEASED for every other registered nexus (not the releaser, not the unregistered); none for WE and EA', async () => {
      for (const type of TYPES) {
        const ds = await three();
        await prReserve(ds, A, 1n, type);
        await prRegister(ds, B, 2n);
        // for all-registrants types B holds it too and may release it
        const releaser = AR(type) ? B : A;
        good(await prOut(ds, releaser, PR.RELEASE, { rk: releaser === A ? 1n : 2n, type }));
        const other = releaser === A ? B : A;
        assert.deepEqual(await clearUa(ds, other), RO_OR_AR(type) ? [S.Asc.RESERVATIONS_RELEASED] : [], `${TYPE_NAME[type]}: the other registrant`);
        assert.deepEqual(await clearUa(ds, releaser), [], `${TYPE_NAME[type]}: the releaser`);
        assert.deepEqual(await clearUa(ds, C), [], `${TYPE_NAME[type]}: unregistered`);
      }
    });

    it('an all-registrants reservation survives its creator unregistering, and ends with the last registrant', async () => {
      for (const type of [T.WRITE_EXCLUSIVE_ALL_REGISTRANTS, T.EXCLUSIVE_ACCESS_ALL_REGISTRANTS]) {
        const ds = await three();
        await prReserve(ds, A, 1n, type);
        await prRegister(ds, B, 2n);
        good(await prOut(ds, A, PR.REGISTER, { rk: 1n, sark: 0n }));
        assert.deepEqual([(await prReadReservation(ds, C)).type, (await prReadReservation(ds, C)).key], [type, 0n]);
        // A is no longer registered: it is not a holder any more
        assert.equal(isConflict(await run(ds, S.write10({ lba: 0, blocks: 1 }), { nexus: A, dataOut: Buffer.alloc(512) })), true);
        good(await prOut(ds, B, PR.REGISTER, { rk: 2n, sark: 0n }));
        assert.equal((await prReadReservation(ds, C)).hasReservation, false);
        assert.deepEqual(await clearUa(ds, A), []);
      }
    });

    it('unregistering the holder of a WE, EA or registrants-only reservation releases it; registrants-only: RESERVATIONS RELEASED for the other registrants', async () => {
      for (const type of [T.WRITE_EXCLUSIVE, T.EXCLUSIVE_ACCESS, T.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, T.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY]) {
        for (const how of ['REGISTER', 'REGISTER AND IGNORE EXISTING KEY'] as const) {
          const ds = await three();
          await prReserve(ds, A, 1n, type);
          await prRegister(ds, B, 2n);
          good(await prOut(ds, A, how === 'REGISTER' ? PR.REGISTER : PR.REGISTER_AND_IGNORE_EXISTING_KEY, { rk: 1n, sark: 0n }));
          assert.equal((await prReadReservation(ds, C)).hasReservation, false, `${TYPE_NAME[type]} ${how}`);
          assert.deepEqual(await clearUa(ds, B), RO_OR_AR(type) ? [S.Asc.RESERVATIONS_RELEASED] : []);
          assert.deepEqual(await clearUa(ds, C), []);
          good(await run(ds, S.write10({ lba: 0, blocks: 1 }), { nexus: C, dataOut: Buffer.alloc(512) }));
        }
      }
    });

    it('the holder changing its key keeps the reservation under the new key', async () => {
      const ds = await three();
      await prReserve(ds, A, 1n, T.EXCLUSIVE_ACCESS);
      good(await prOut(ds, A, PR.REGISTER, { rk: 1n, sark: 3n }));
      assert.deepEqual([(await prReadReservation(ds, B)).key, (await prReadKeys(ds, B)).generation], [3n, 2]);
      good(await run(ds, S.read10({ lba: 0, blocks: 1 }), { nexus: A }));
    });
  });

  describe('CLEAR', () => {
    it('removes every registration and the reservation, PRgeneration + 1, RESERVATIONS PREEMPTED for every other registered nexus only', async () => {
      const ds = await three();
      conflict(await prOut(ds, C, PR.CLEAR, { rk: 0n }), 'CLEAR unregistered');
      await prReserve(ds, A, 1n, T.EXCLUSIVE_ACCESS);
      await prRegister(ds, B, 2n);
      conflict(await prOut(ds, B, PR.CLEAR, { rk: 1n }), "CLEAR with another nexus's key");
      good(await prOut(ds, B, PR.CLEAR, { rk: 2n }));
      assert.deepEqual(await prReadKeys(ds, C), { generation: 3, additionalLength: 0, keys: [], truncated: false });
      assert.equal((await prReadReservation(ds, C)).hasReservation, false);
      assert.deepEqual(await clearUa(ds, A), [S.Asc.RESERVATIONS_PREEMPTED]);
      assert.deepEqual(await clearUa(ds, B), []);
      assert.deepEqual(await clearUa(ds, C), []);
      good(await run(ds, S.read10({ lba: 0, blocks: 1 }), { nexus: C }));
    });
  });

  describe('PREEMPT and PREEMPT AND ABORT', () => {
    for (const sa of [PR.PREEMPT, PR.PREEMPT_AND_ABORT]) {
      const what = sa === PR.PREEMPT ? 'PREEMPT' : 'PREEMPT AND ABORT';

      it(`${what} with no reservation removes the registrations with SARK (not the preempting nexus's), PRgeneration + 1, REGISTRATIONS PREEMPTED for them only`, async () => {
        const ds = await three();
        await prRegister(ds, A, 1n);
        await prRegister(ds, B, 2n);
        await prRegister(ds, C, 1n);
        const before = (await prReadKeys(ds, A)).generation;
        good(await prOut(ds, B, sa, { rk: 2n, sark: 1n, type: T.EXCLUSIVE_ACCESS }));
        const k = await prReadKeys(ds, B);
        assert.deepEqual([k.keys, k.generation], [[2n], before + 1]);
        assert.equal((await prReadReservation(ds, B)).hasReservation, false);
        assert.deepEqual(await clearUa(ds, A), [S.Asc.REGISTRATIONS_PREEMPTED]);
        assert.deepEqual(await clearUa(ds, C), [S.Asc.REGISTRATIONS_PREEMPTED]);
        assert.deepEqual(await clearUa(ds, B), []);
        // the preempting nexus's own registration with SARK is kept
        await prRegister(ds, A, 2n);
        good(await prOut(ds, B, sa, { rk: 2n, sark: 2n, type: T.EXCLUSIVE_ACCESS }));
        assert.deepEqual((await prReadKeys(ds, C)).keys, [2n]);
      });

      it(`${what}: SARK 0 without an all-registrants reservation is INVALID FIELD IN PARAMETER LIST; a SARK nobody holds conflicts; an unregistered nexus or a wrong key conflicts`, async () => {
        const ds = await three();
        await prRegister(ds, A, 1n);
        await prRegister(ds, B, 2n);
        checkCondition(await prOut(ds, B, sa, { rk: 2n, sark: 0n, type: T.WRITE_EXCLUSIVE }), invalidParam(8));
        good(await prOut(ds, A, PR.RESERVE, { rk: 1n, type: T.WRITE_EXCLUSIVE }));
        checkCondition(await prOut(ds, B, sa, { rk: 2n, sark: 0n, type: T.WRITE_EXCLUSIVE }), invalidParam(8));
        conflict(await prOut(ds, B, sa, { rk: 2n, sark: 99n, type: T.WRITE_EXCLUSIVE }));
        conflict(await prOut(ds, C, sa, { rk: 0n, sark: 1n, type: T.WRITE_EXCLUSIVE }));
        conflict(await prOut(ds, B, sa, { rk: 1n, sark: 1n, type: T.WRITE_EXCLUSIVE }));
        assert.deepEqual([(await prReadKeys(ds, C)).generation, (await prReadReservation(ds, C)).key], [2, 1n]);
      });

      it(`${what} of the holder (SARK = its key): its registration removed, the reservation taken with the new type; REGISTRATIONS PREEMPTED for it, RESERVATIONS RELEASED for the others when the type changes`, async () => {
        for (const [from, to] of [
          [T.WRITE_EXCLUSIVE, T.EXCLUSIVE_ACCESS],
          [T.EXCLUSIVE_ACCESS, T.EXCLUSIVE_ACCESS],
          [T.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, T.WRITE_EXCLUSIVE_ALL_REGISTRANTS],
        ]) {
          const ds = await three();
          await prReserve(ds, A, 1n, from!);
          await prRegister(ds, B, 2n);
          await prRegister(ds, C, 3n);
          good(await prOut(ds, B, sa, { rk: 2n, sark: 1n, type: to! }));
          const r = await prReadReservation(ds, B);
          assert.deepEqual([r.type, r.key], [to, AR(to!) ? 0n : 2n]);
          assert.deepEqual((await prReadKeys(ds, B)).keys, [2n, 3n]);
          assert.deepEqual(await clearUa(ds, A), [S.Asc.REGISTRATIONS_PREEMPTED]);
          assert.deepEqual(await clearUa(ds, C), from === to ? [] : [S.Asc.RESERVATIONS_RELEASED], `${TYPE_NAME[from!]} -> ${TYPE_NAME[to!]}`);
          assert.deepEqual(await clearUa(ds, B), []);
        }
      });

      it(`${what} of an all-registrants reservation: SARK 0 removes every other registration and takes it; another SARK only removes registrations`, async () => {
        const ds = await three();
        await prReserve(ds, A, 1n, T.EXCLUSIVE_ACCESS_ALL_REGISTRANTS);
        await prRegister(ds, B, 2n);
        await prRegister(ds, C, 3n);
        good(await prOut(ds, B, sa, { rk: 2n, sark: 3n, type: T.WRITE_EXCLUSIVE }));
        assert.deepEqual([(await prReadReservation(ds, B)).type, (await prReadKeys(ds, B)).keys], [T.EXCLUSIVE_ACCESS_ALL_REGISTRANTS, [1n, 2n]]);
        assert.deepEqual(await clearUa(ds, C), [S.Asc.REGISTRATIONS_PREEMPTED]);
        assert.deepEqual(await clearUa(ds, A), []);
        good(await prOut(ds, B, sa, { rk: 2n, sark: 0n, type: T.WRITE_EXCLUSIVE }));
        const r = await prReadReservation(ds, B);
        assert.deepEqual([r.type, r.key, (await prReadKeys(ds, B)).keys], [T.WRITE_EXCLUSIVE, 2n, [2n]]);
        assert.deepEqual(await clearUa(ds, A), [S.Asc.REGISTRATIONS_PREEMPTED]);
      });

      it(`${what} by the holder itself changes the type of its reservation`, async () => {
        const ds = await three();
        await prReserve(ds, A, 1n, T.WRITE_EXCLUSIVE);
        await prRegister(ds, B, 2n);
        good(await prOut(ds, A, sa, { rk: 1n, sark: 1n, type: T.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY }));
        assert.deepEqual([(await prReadReservation(ds, A)).type, (await prReadKeys(ds, A)).keys], [T.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, [1n, 2n]]);
        assert.deepEqual(await clearUa(ds, B), [S.Asc.RESERVATIONS_RELEASED]);
      });
    }

    it("PREEMPT AND ABORT aborts the preempted nexus's tasks (no status: TAS 0), not those of the preempting or another nexus; PREEMPT aborts nothing", async () => {
      for (const sa of [PR.PREEMPT_AND_ABORT, PR.PREEMPT]) {
        const store = new PausableStore();
        const ds = server({ store });
        for (const n of [A, B, C]) await clearUa(ds, n);
        await prReserve(ds, A, 1n, T.WRITE_EXCLUSIVE_REGISTRANTS_ONLY);
        await prRegister(ds, B, 2n);
        await prRegister(ds, C, 3n);
        store.pause();
        const wa = run(ds, S.write10({ lba: 0, blocks: 1 }), { nexus: A, dataOut: Buffer.alloc(512, 1) });
        const wb = run(ds, S.write10({ lba: 8, blocks: 1 }), { nexus: B, dataOut: Buffer.alloc(512, 2) });
        const wc = run(ds, S.write10({ lba: 16, blocks: 1 }), { nexus: C, dataOut: Buffer.alloc(512, 3) });
        await tick();
        const pa = prOut(ds, B, sa, { rk: 2n, sark: 1n, type: T.WRITE_EXCLUSIVE });
        await tick();
        store.resume();
        good(await pa);
        const ra: CommandResult = await wa;
        if (sa === PR.PREEMPT_AND_ABORT) assert.ok(ra.aborted && ra.status === S.ScsiStatus.TASK_ABORTED, "A's WRITE aborted");
        else good(ra, 'PREEMPT aborts nothing');
        good(await wb, "the preempting nexus's WRITE");
        good(await wc, "a third nexus's WRITE");
        assert.equal(ds.unit(0)!.taskSet.size, 0);
      }
    });
  });

  describe('conflicts: every reservation type × access class × kind of I_T nexus', () => {
    /**
     * The classes of the standards' tables, written out here per command (the SPC-5 reservations table of SPC commands
     * allowed in the presence of various reservations, SBC-4 table of SBC commands): any = allowed under
     * every type, read = allowed through Write Exclusive types but not Exclusive Access ones, write =
     * conflicts unless the I_T nexus is registered with a registrants-only or all-registrants type.
     */
    const CLASS: Record<string, 'any' | 'read' | 'write' | 'pr'> = {
      'TEST UNIT READY': 'any',
      'REQUEST SENSE': 'any',
      INQUIRY: 'any',
      'REPORT LUNS': 'any',
      'READ CAPACITY(10)': 'any',
      'READ CAPACITY(16)': 'any',
      'MODE SENSE(6)': 'read',
      'MODE SENSE(10)': 'read',
      'REPORT SUPPORTED OPERATION CODES': 'read',
      'REPORT TARGET PORT GROUPS': 'any',
      'READ(6)': 'read',
      'READ(10)': 'read',
      'READ(12)': 'read',
      'READ(16)': 'read',
      'VERIFY(10)': 'read',
      'VERIFY(12)': 'read',
      'VERIFY(16)': 'read',
      'PRE-FETCH(10)': 'read',
      'PRE-FETCH(16)': 'read',
      'GET LBA STATUS': 'read',
      'READ DEFECT DATA(10)': 'read',
      'READ DEFECT DATA(12)': 'read',
      'MODE SELECT(6)': 'write',
      'MODE SELECT(10)': 'write',
      'WRITE(6)': 'write',
      'WRITE(10)': 'write',
      'WRITE(12)': 'write',
      'WRITE(16)': 'write',
      'WRITE AND VERIFY(10)': 'write',
      'WRITE AND VERIFY(12)': 'write',
      'WRITE AND VERIFY(16)': 'write',
      'WRITE SAME(10)': 'write',
      'WRITE SAME(16)': 'write',
      'WRITE ATOMIC(16)': 'write',
      'COMPARE AND WRITE': 'write',
      'ORWRITE(16)': 'write',
      UNMAP: 'write',
      'SYNCHRONIZE CACHE(10)': 'write',
      'SYNCHRONIZE CACHE(16)': 'write',
      'SANITIZE OVERWRITE': 'write',
      'SANITIZE BLOCK ERASE': 'write',
      'SANITIZE CRYPTOGRAPHIC ERASE': 'write',
      'SANITIZE EXIT FAILURE MODE': 'write',
      // CDB-dependent ones, zero CDB: START STOP UNIT with START 0 (stop) and PREVENT ALLOW with PREVENT 00b
      'START STOP UNIT': 'write',
      'PREVENT ALLOW MEDIUM REMOVAL': 'any',
      // EXTENDED COPY changes the medium: it conflicts as a write does; RECEIVE COPY RESULTS reads status as
      // the reference target classes it (allowed through Write Exclusive types, not Exclusive Access ones)
      'EXTENDED COPY(LID1)': 'write',
      'RECEIVE COPY STATUS(LID1)': 'read',
      'RECEIVE COPY OPERATING PARAMETERS': 'read',
      'RESERVE(6)': 'pr',
      'RELEASE(6)': 'pr',
    };
    const expectConflict = (cls: 'any' | 'read' | 'write', type: number, kind: 'holder' | 'registered' | 'unregistered'): boolean => {
      if (kind === 'holder' || cls === 'any') return false;
      const registered = kind === 'registered';
      switch (type) {
        case T.WRITE_EXCLUSIVE:
          return cls === 'write';
        case T.EXCLUSIVE_ACCESS:
          return true;
        case T.WRITE_EXCLUSIVE_REGISTRANTS_ONLY:
        case T.WRITE_EXCLUSIVE_ALL_REGISTRANTS:
          return !registered && cls === 'write';
        default:
          return !registered;
      }
    };

    it('every command the LU implements has a class in the table (a new command must be classed)', async () => {
      const ds = await three({ thin: true, removable: true });
      const names = ds.specsFor(ds.unit(0)!).map((s) => s.name);
      for (const n of names) if (!n.startsWith('PERSISTENT RESERVE')) assert.ok(CLASS[n], `${n} has no reservation class in this test`);
      for (const n of Object.keys(CLASS)) assert.ok(names.includes(n), `${n} is in the table but not implemented`);
    });

    it('the conflict rule for every command, type and I_T nexus (holder, registered, unregistered), with the CDB-dependent variants', async () => {
      const q = new Quirks();
      let checked = 0;
      for (const type of TYPES) {
        const ds = await three({ thin: true, removable: true });
        const lu = ds.unit(0)!;
        await prReserve(ds, A, 1n, type);
        await prRegister(ds, B, 2n);
        const keys = { holder: 'A', registered: 'B', unregistered: 'C' } as const;
        const itKey = {
          A: `${A.initiatorPort}\u0000${A.targetPort}`,
          B: `${B.initiatorPort}\u0000${B.targetPort}`,
          C: `${C.initiatorPort}\u0000${C.targetPort}`,
        };
        for (const spec of ds.specsFor(lu)) {
          const cls = CLASS[spec.name];
          const cdb = Buffer.alloc(spec.cdbLength);
          cdb[0] = spec.op;
          if (spec.sa !== undefined) cdb[1] = spec.sa;
          for (const kind of ['holder', 'registered', 'unregistered'] as const) {
            const got = reservationConflict(lu, spec, cdb, itKey[keys[kind]], q);
            if (spec.name.startsWith('PERSISTENT RESERVE')) assert.equal(got, false, `${spec.name} is always allowed`);
            // RESERVE / RELEASE conflict with any registration (SPC-2 5.5.1)
            else if (cls === 'pr') assert.equal(got, true, `${spec.name}`);
            else assert.equal(got, expectConflict(cls!, type, kind), `${TYPE_NAME[type]} ${kind} ${spec.name}`);
            checked++;
          }
        }
        // START STOP UNIT: START=1 with POWER CONDITION 0 is allowed through any reservation; a power condition is not
        const ssu = ds.specsFor(lu).find((s) => s.name === 'START STOP UNIT')!;
        const prevent = ds.specsFor(lu).find((s) => s.name === 'PREVENT ALLOW MEDIUM REMOVAL')!;
        for (const kind of ['registered', 'unregistered'] as const) {
          assert.equal(reservationConflict(lu, ssu, S.startStopUnit({ start: true }), itKey[keys[kind]], q), false);
          assert.equal(reservationConflict(lu, ssu, S.startStopUnit({ start: true, loej: true }), itKey[keys[kind]], q), false);
          assert.equal(
            reservationConflict(lu, ssu, S.startStopUnit({ start: false, powerCondition: 2 }), itKey[keys[kind]], q),
            expectConflict('write', type, kind),
          );
          assert.equal(
            reservationConflict(lu, prevent, S.preventAllowMediumRemoval({ prevent: true }), itKey[keys[kind]], q),
            expectConflict('write', type, kind),
          );
          assert.equal(reservationConflict(lu, prevent, S.preventAllowMediumRemoval({ prevent: false }), itKey[keys[kind]], q), false);
        }
      }
      assert.ok(checked > 6 * 3 * 50, `${checked} cases`);
    });

    it('end to end: reads, writes and always-allowed commands from the holder, a registrant and an unregistered nexus for each type (RESERVATION CONFLICT has no sense data)', async () => {
      const cmds: [string, 'any' | 'read' | 'write', Buffer, Buffer?][] = [
        ['TEST UNIT READY', 'any', S.testUnitReady()],
        ['INQUIRY', 'any', S.inquiry()],
        ['REPORT LUNS', 'any', S.reportLuns()],
        ['READ CAPACITY(16)', 'any', S.readCapacity16()],
        ['PERSISTENT RESERVE IN', 'any', prIn(S.PrInSa.READ_RESERVATION)],
        ['READ(10)', 'read', S.read10({ lba: 1, blocks: 1 })],
        ['VERIFY(16)', 'read', S.verify16({ lba: 1, blocks: 1 })],
        ['MODE SENSE(6)', 'read', S.modeSense6({ page: 0x3f })],
        ['GET LBA STATUS', 'read', S.getLbaStatus({ lba: 0 })],
        ['WRITE(10)', 'write', S.write10({ lba: 1, blocks: 1 }), Buffer.alloc(512)],
        ['WRITE SAME(16)', 'write', S.writeSame16({ lba: 1, blocks: 2 }), Buffer.alloc(512)],
        ['UNMAP', 'write', S.unmap({ paramLen: 24 }), S.unmapParameterList([{ lba: 1, blocks: 1 }])],
        ['SYNCHRONIZE CACHE(10)', 'write', S.synchronizeCache10()],
        ['MODE SELECT(6)', 'write', S.modeSelect6({ paramLen: 0 })],
      ];
      for (const type of TYPES) {
        const ds = await three({ thin: true });
        await prReserve(ds, A, 1n, type);
        await prRegister(ds, B, 2n);
        for (const [kind, n] of [
          ['holder', A],
          ['registered', B],
          ['unregistered', C],
        ] as const) {
          for (const [name, cls, cdb, dataOut] of cmds) {
            const r = await run(ds, cdb, { nexus: n, ...(dataOut ? { dataOut } : {}) });
            if (expectConflict(cls, type, kind)) conflict(r, `${TYPE_NAME[type]} ${kind} ${name}`);
            else good(r, `${TYPE_NAME[type]} ${kind} ${name}`);
          }
        }
      }
    });

    it('a pending unit attention is reported before the conflict; a conflicting CDB is not checked further', async () => {
      const ds = await three();
      await prReserve(ds, A, 1n, T.EXCLUSIVE_ACCESS);
      await ds.taskManagement(A, 'lun-reset', 0);
      checkCondition(await tur(ds, C), { key: S.SenseKey.UNIT_ATTENTION, asc: S.Asc.BUS_DEVICE_RESET_FUNCTION_OCCURRED });
      const rd = S.read10({ lba: 0, blocks: 1 });
      rd[6] = 0x80; // a reserved bit
      conflict(await run(ds, rd, { nexus: C }));
      await clearUa(ds, A);
      checkCondition(await run(ds, rd, { nexus: A }), invalidCdb(6, 7));
    });
  });

  describe('persistent reservations outlive nexuses and resets', () => {
    it("the holder's I_T nexus loss and logout: registrations and the reservation stay; the same I_T nexus coming back still holds it", async () => {
      for (const how of ['loss', 'logout'] as const) {
        const ds = await three();
        await prReserve(ds, A, 1n, T.EXCLUSIVE_ACCESS);
        await prRegister(ds, B, 2n);
        ds.nexusEnded(A, how);
        ds.nexusEnded(B, how);
        assert.deepEqual((await prReadKeys(ds, C)).keys, [1n, 2n], how);
        assert.equal((await prReadReservation(ds, C)).key, 1n);
        conflict(await run(ds, S.read10({ lba: 0, blocks: 1 }), { nexus: C }));
        // A logs in again with the same ISID: the same I_T nexus, still the holder
        const back = { ...A, id: 'a-again' };
        await clearUa(ds, back);
        good(await run(ds, S.write10({ lba: 0, blocks: 1 }), { nexus: back, dataOut: Buffer.alloc(512) }));
        // a new ISID is another I_T nexus: not registered, conflicts
        const other = nexus(1, 9);
        await clearUa(ds, other);
        conflict(await run(ds, S.read10({ lba: 0, blocks: 1 }), { nexus: other }));
      }
    });

    it('LUN RESET, target warm and cold reset keep registrations, the reservation and PRgeneration', async () => {
      for (const tmf of ['lun-reset', 'target-warm-reset', 'target-cold-reset'] as const) {
        const ds = await three();
        await prReserve(ds, A, 1n, T.WRITE_EXCLUSIVE);
        await prRegister(ds, B, 2n);
        assert.equal(await ds.taskManagement(B, tmf, 0), 'complete');
        for (const n of [A, B, C]) await clearUa(ds, n);
        const k = await prReadKeys(ds, C);
        assert.deepEqual([k.keys, k.generation], [[1n, 2n], 2], tmf);
        assert.equal((await prReadReservation(ds, C)).type, T.WRITE_EXCLUSIVE);
        conflict(await run(ds, S.write10({ lba: 0, blocks: 1 }), { nexus: C, dataOut: Buffer.alloc(512) }));
      }
    });
  });

  describe('RESERVE(6) and RELEASE(6) (SPC-2)', () => {
    it("the holder may reserve again; another nexus gets RESERVATION CONFLICT, and its RELEASE is GOOD with no effect; after the holder's RELEASE another may reserve", async () => {
      const ds = await three();
      good(await run(ds, S.reserve6(), { nexus: A }));
      good(await run(ds, S.reserve6(), { nexus: A }));
      conflict(await run(ds, S.reserve6(), { nexus: B }));
      good(await run(ds, S.release6(), { nexus: B }));
      conflict(await run(ds, S.modeSense6({ page: 0x3f }), { nexus: B }));
      good(await run(ds, S.modeSense6({ page: 0x3f }), { nexus: A }));
      good(await run(ds, S.release6(), { nexus: A }));
      good(await run(ds, S.release6(), { nexus: A }));
      good(await run(ds, S.reserve6(), { nexus: B }));
      conflict(await run(ds, S.reserve6(), { nexus: A }));
    });

    it('another nexus may send only INQUIRY, REQUEST SENSE, REPORT LUNS, RELEASE and PREVENT ALLOW with PREVENT 00b; everything else conflicts; the holder is unaffected', async () => {
      const ds = await three({ thin: true, removable: true });
      const lu = ds.unit(0)!;
      good(await run(ds, S.reserve6(), { nexus: A }));
      const q = new Quirks();
      const ok = new Set(['INQUIRY', 'REQUEST SENSE', 'REPORT LUNS', 'RELEASE(6)']);
      for (const spec of ds.specsFor(lu)) {
        const cdb = Buffer.alloc(spec.cdbLength);
        cdb[0] = spec.op;
        if (spec.sa !== undefined) cdb[1] = spec.sa;
        if (spec.name === 'PREVENT ALLOW MEDIUM REMOVAL') {
          assert.equal(reservationConflict(lu, spec, S.preventAllowMediumRemoval({ prevent: false }), `${B.initiatorPort}\u0000${B.targetPort}`, q), false);
          cdb[4] = 1;
        }
        const other = reservationConflict(lu, spec, cdb, `${B.initiatorPort}\u0000${B.targetPort}`, q);
        assert.equal(other, !ok.has(spec.name), `${spec.name} from another nexus`);
        // PERSISTENT RESERVE IN / OUT conflict even from the holder (SPC-2 5.5.1)
        const holder = reservationConflict(lu, spec, cdb, `${A.initiatorPort}\u0000${A.targetPort}`, q);
        assert.equal(holder, spec.name.startsWith('PERSISTENT RESERVE'), `${spec.name} from the holder`);
      }
      // end to end
      for (const [cdb, dataOut] of [
        [S.testUnitReady()],
        [S.read10({ lba: 0, blocks: 1 })],
        [S.write10({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.readCapacity10()],
        [S.sanitize({ sa: 3 })],
      ] as const) {
        conflict(await run(ds, cdb, { nexus: B, ...(dataOut ? { dataOut } : {}) }));
      }
      good(await run(ds, S.inquiry(), { nexus: B }));
      good(await run(ds, S.reportLuns(), { nexus: B }));
      good(await run(ds, S.requestSense(), { nexus: B }));
      good(await run(ds, S.preventAllowMediumRemoval({ prevent: false }), { nexus: B }));
      conflict(await run(ds, prIn(S.PrInSa.READ_KEYS), { nexus: B }));
      conflict(await run(ds, prIn(S.PrInSa.READ_KEYS), { nexus: A }));
      conflict(await prOut(ds, A, PR.REGISTER, { sark: 1n }));
      good(await run(ds, S.write10({ lba: 0, blocks: 1 }), { nexus: A, dataOut: Buffer.alloc(512) }));
    });

    it('while any persistent reservation registration exists, RESERVE(6) and RELEASE(6) conflict from every nexus (SPC-2 5.5.1)', async () => {
      const ds = await three();
      await prRegister(ds, A, 1n);
      for (const n of [A, B]) {
        conflict(await run(ds, S.reserve6(), { nexus: n }));
        conflict(await run(ds, S.release6(), { nexus: n }));
      }
      good(await prOut(ds, A, PR.REGISTER, { rk: 1n, sark: 0n }));
      good(await run(ds, S.reserve6(), { nexus: B }));
    });

    it("released by its holder's logout and nexus loss, by LUN RESET and target warm and cold resets; not by another nexus's logout", async () => {
      const ends: [string, (ds: Awaited<ReturnType<typeof three>>) => Promise<unknown> | void][] = [
        ['logout', (ds) => ds.nexusEnded(A, 'logout')],
        ['nexus loss', (ds) => ds.nexusEnded(A, 'loss')],
        ['LUN RESET', (ds) => ds.taskManagement(C, 'lun-reset', 0)],
        ['target warm reset', (ds) => ds.taskManagement(A, 'target-warm-reset', 0)],
        ['target cold reset', (ds) => ds.taskManagement(C, 'target-cold-reset', 0)],
      ];
      for (const [what, end] of ends) {
        const ds = await three();
        good(await run(ds, S.reserve6(), { nexus: A }));
        await end(ds);
        await clearUa(ds, B);
        good(await run(ds, S.reserve6(), { nexus: B }), what);
      }
      const ds = await three();
      good(await run(ds, S.reserve6(), { nexus: A }));
      ds.nexusEnded(C, 'logout');
      ds.nexusEnded(C, 'loss');
      conflict(await run(ds, S.reserve6(), { nexus: B }));
    });

    it('obsolete third-party and extent fields are not supported: any bit in bytes 1-4 is INVALID FIELD IN CDB', async () => {
      const ds = await three();
      for (const op of [S.Op.RESERVE_6, S.Op.RELEASE_6]) {
        for (let byte = 1; byte <= 4; byte++) {
          const cdb = Buffer.from([op, 0, 0, 0, 0, 0]);
          cdb[byte] = 1;
          checkCondition(await run(ds, cdb), invalidCdb(byte, 0));
        }
      }
    });
  });
});
