/**
 * The device server's REGISTER with SPEC_I_PT and REGISTER AND MOVE (SPC-5 reservations, registering and
 * registering and moving; the PERSISTENT RESERVE OUT parameter lists, SPC-5 6.17), with iSCSI TransportIDs
 * naming the I_T nexuses B and C of the same target port.
 */
import { strict as assert } from 'node:assert';
import type { Nexus } from '../../../reference-target/scsi/types.js';
import {
  PLL_ERROR,
  S,
  checkCondition,
  clearUa,
  conflict,
  good,
  invalidCdb,
  invalidParam,
  nexus,
  prOut,
  prReadKeys,
  prReadReservation,
  prRegister,
  prReserve,
  ready,
  run,
} from './helpers.js';

const PR = S.PrOutSa;
const T = S.PrType;
const A = nexus(1);
const B = nexus(2);
const C = nexus(3);
const B2 = nexus(2, 2);

/** Format 01b TransportID of a nexus's initiator port. */
const portTid = (n: Nexus) => n.transportId;
/** Format 00b TransportID of a nexus's initiator device. */
const deviceTid = (n: Nexus) => S.iscsiTransportId(n.initiatorName);

async function three(quirks: string[] = []) {
  const ds = await ready({}, { quirks });
  for (const n of [B, C]) await clearUa(ds, n);
  return ds;
}

const specIPt = (sark: bigint, tids: Buffer[], o: { rk?: bigint; allTgPt?: boolean } = {}) =>
  S.proutParameterList({ key: o.rk ?? 0n, saKey: sark, spec_i_pt: true, transportIds: tids, ...(o.allTgPt ? { allTgPt: true } : {}) });

function move(o: { rk: bigint; sark: bigint; tid: Buffer; unreg?: boolean; rtpi?: number }): Buffer {
  return S.proutRegisterAndMoveParameterList({
    key: o.rk,
    saKey: o.sark,
    relativeTargetPortId: o.rtpi ?? 1,
    transportId: o.tid,
    ...(o.unreg ? { unreg: true } : {}),
  });
}

async function fullStatus(ds: Awaited<ReturnType<typeof three>>, n: Nexus) {
  return S.parseReadFullStatus(good(await run(ds, S.persistentReserveIn({ sa: S.PrInSa.READ_FULL_STATUS, alloc: 4096 }), { nexus: n })));
}

describe('target/scsi REGISTER with SPEC_I_PT', () => {
  it('registers the sender and each named initiator port (format 01b) with the key; READ FULL STATUS shows their TransportIDs', async () => {
    const ds = await three();
    good(await prOut(ds, A, PR.REGISTER, { data: specIPt(7n, [portTid(B), portTid(C)]) }));
    assert.deepEqual((await prReadKeys(ds, A)).keys, [7n, 7n, 7n]);
    assert.equal((await prReadKeys(ds, A)).generation, 1);
    const tids = (await fullStatus(ds, A)).descriptors.map((d) => S.parseTransportId(d.transportId).isid);
    assert.deepEqual(tids, ['000000000001', '000000000001', '000000000001']);
    // B is registered: it may reserve with the key
    good(await prOut(ds, B, PR.RESERVE, { rk: 7n, type: T.WRITE_EXCLUSIVE }));
  });

  it('format 00b names every initiator port of the device that has a nexus (B with two ISIDs)', async () => {
    const ds = await three();
    await clearUa(ds, B2);
    good(await prOut(ds, A, PR.REGISTER, { data: specIPt(7n, [deviceTid(B)]) }));
    assert.deepEqual((await prReadKeys(ds, A)).keys, [7n, 7n, 7n]);
    good(await prOut(ds, B2, PR.RESERVE, { rk: 7n, type: T.WRITE_EXCLUSIVE }));
  });

  it('a named I_T nexus that is registered: INVALID FIELD IN PARAMETER LIST at its TransportID, nothing registered', async () => {
    const ds = await three();
    await prRegister(ds, C, 3n);
    checkCondition(await prOut(ds, A, PR.REGISTER, { data: specIPt(7n, [portTid(B), portTid(C)]) }), invalidParam(28 + portTid(B).length));
    assert.deepEqual((await prReadKeys(ds, A)).keys, [3n]);
  });

  it('from a registered I_T nexus: INVALID FIELD IN PARAMETER LIST (the wrong key: RESERVATION CONFLICT)', async () => {
    const ds = await three();
    await prRegister(ds, A, 1n);
    checkCondition(await prOut(ds, A, PR.REGISTER, { data: specIPt(7n, [portTid(B)], { rk: 1n }) }), invalidParam(20, 3));
    conflict(await prOut(ds, A, PR.REGISTER, { data: specIPt(7n, [portTid(B)], { rk: 2n }) }));
    assert.deepEqual((await prReadKeys(ds, A)).keys, [1n]);
  });

  it('bad TransportID lists: cut, longer than the parameter list, another protocol, a reserved format, an unknown name; nothing registered', async () => {
    const ds = await three();
    const list = specIPt(7n, [portTid(B), portTid(C)]);
    checkCondition(await prOut(ds, A, PR.REGISTER, { data: list.subarray(0, list.length - 4) }), PLL_ERROR);
    const cut = Buffer.from(list);
    cut.writeUInt32BE(portTid(B).length + 8, 24);
    checkCondition(await prOut(ds, A, PR.REGISTER, { data: cut }), PLL_ERROR);
    const fc = Buffer.from(portTid(C));
    fc[0] = 0x00;
    checkCondition(await prOut(ds, A, PR.REGISTER, { data: specIPt(7n, [portTid(B), fc]) }), invalidParam(28 + portTid(B).length, 3));
    const reserved = Buffer.from(portTid(C));
    reserved[0] = 0x85;
    checkCondition(await prOut(ds, A, PR.REGISTER, { data: specIPt(7n, [reserved]) }), invalidParam(28, 7));
    checkCondition(await prOut(ds, A, PR.REGISTER, { data: specIPt(7n, [S.iscsiTransportId('iqn.2026-12.invalid:nobody')]) }), invalidParam(32));
    assert.deepEqual((await prReadKeys(ds, A)).keys, []);
  });

  it('quirks pr-spec-i-pt-reregisters and pr-spec-i-pt-partial break the all-or-nothing rule', async () => {
    const re = await three(['pr-spec-i-pt-reregisters']);
    await prRegister(re, B, 3n);
    good(await prOut(re, A, PR.REGISTER, { data: specIPt(7n, [portTid(B)]) }));
    assert.deepEqual((await prReadKeys(re, A)).keys, [3n, 7n]);
    const partial = await three(['pr-spec-i-pt-partial']);
    const cut = specIPt(7n, [portTid(B), portTid(C)]);
    cut.writeUInt32BE(portTid(B).length + 8, 24);
    checkCondition(await prOut(partial, A, PR.REGISTER, { data: cut }), PLL_ERROR);
    assert.deepEqual((await prReadKeys(partial, A)).keys, [7n, 7n]);
  });
});

describe('target/scsi REGISTER AND MOVE', () => {
  it('moves a WRITE EXCLUSIVE reservation to B, registering it; A stays registered (UNREG 0), then is unregistered with UNREG 1', async () => {
    const ds = await three();
    await prReserve(ds, A, 1n, T.WRITE_EXCLUSIVE);
    const g = (await prReadKeys(ds, A)).generation;
    good(await prOut(ds, A, PR.REGISTER_AND_MOVE, { data: move({ rk: 1n, sark: 2n, tid: portTid(B) }), type: T.EXCLUSIVE_ACCESS }));
    const r = await prReadReservation(ds, A);
    assert.deepEqual([r.key, r.type, r.scope], [2n, T.WRITE_EXCLUSIVE, 0]);
    assert.deepEqual((await prReadKeys(ds, A)).keys, [1n, 2n]);
    assert.equal((await prReadKeys(ds, A)).generation, g + 1);
    conflict(await run(ds, S.write10({ lba: 0, blocks: 1 }), { nexus: A, dataOut: Buffer.alloc(512) }));
    good(await run(ds, S.write10({ lba: 0, blocks: 1 }), { nexus: B, dataOut: Buffer.alloc(512) }));
    // and back, with UNREG: B is unregistered, A holds it with a new key
    good(await prOut(ds, B, PR.REGISTER_AND_MOVE, { data: move({ rk: 2n, sark: 5n, tid: portTid(A), unreg: true }) }));
    assert.deepEqual((await prReadKeys(ds, A)).keys, [5n]);
    assert.equal((await prReadReservation(ds, A)).key, 5n);
  });

  it('errors: unregistered, wrong key, no reservation, not the holder, all-registrants, SARK 0, itself, a bad target port or TransportID', async () => {
    const ds = await three();
    const to = (tid = portTid(B), o: { rk?: bigint; sark?: bigint; rtpi?: number } = {}) => ({
      data: move({ rk: o.rk ?? 1n, sark: o.sark ?? 2n, tid, ...(o.rtpi !== undefined ? { rtpi: o.rtpi } : {}) }),
    });
    conflict(await prOut(ds, A, PR.REGISTER_AND_MOVE, to()));
    await prRegister(ds, A, 1n);
    checkCondition(await prOut(ds, A, PR.REGISTER_AND_MOVE, to()), invalidCdb(1, 4));
    await prReserve(ds, C, 3n, T.WRITE_EXCLUSIVE);
    conflict(await prOut(ds, A, PR.REGISTER_AND_MOVE, to()));
    good(await prOut(ds, C, PR.RELEASE, { rk: 3n, type: T.WRITE_EXCLUSIVE }));
    good(await prOut(ds, A, PR.RESERVE, { rk: 1n, type: T.WRITE_EXCLUSIVE }));
    conflict(await prOut(ds, A, PR.REGISTER_AND_MOVE, to(portTid(B), { rk: 9n })));
    checkCondition(await prOut(ds, A, PR.REGISTER_AND_MOVE, to(portTid(B), { sark: 0n })), invalidParam(8));
    checkCondition(await prOut(ds, A, PR.REGISTER_AND_MOVE, to(portTid(A))), invalidParam(24));
    checkCondition(await prOut(ds, A, PR.REGISTER_AND_MOVE, to(portTid(B), { rtpi: 9 })), invalidParam(18));
    checkCondition(await prOut(ds, A, PR.REGISTER_AND_MOVE, to(S.iscsiTransportId('iqn.2026-12.invalid:nobody', '000000000001'))), invalidParam(28));
    const short = to().data;
    checkCondition(await prOut(ds, A, PR.REGISTER_AND_MOVE, { data: short.subarray(0, short.length - 4) }), PLL_ERROR);
    assert.deepEqual((await prReadKeys(ds, A)).keys, [1n, 3n]);
    assert.equal((await prReadReservation(ds, A)).key, 1n);
    good(await prOut(ds, A, PR.RELEASE, { rk: 1n, type: T.WRITE_EXCLUSIVE }));
    good(await prOut(ds, A, PR.RESERVE, { rk: 1n, type: T.WRITE_EXCLUSIVE_ALL_REGISTRANTS }));
    conflict(await prOut(ds, A, PR.REGISTER_AND_MOVE, to()));
  });

  it('quirks pr-move-keeps-source and pr-move-to-self-accepted', async () => {
    const keeps = await three(['pr-move-keeps-source']);
    await prReserve(keeps, A, 1n, T.WRITE_EXCLUSIVE);
    good(await prOut(keeps, A, PR.REGISTER_AND_MOVE, { data: move({ rk: 1n, sark: 2n, tid: portTid(B), unreg: true }) }));
    assert.deepEqual((await prReadKeys(keeps, A)).keys, [1n, 2n]);
    const self = await three(['pr-move-to-self-accepted']);
    await prReserve(self, A, 1n, T.WRITE_EXCLUSIVE);
    good(await prOut(self, A, PR.REGISTER_AND_MOVE, { data: move({ rk: 1n, sark: 2n, tid: portTid(A) }) }));
  });
});
