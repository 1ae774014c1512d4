/**
 * iSCSI TransportIDs for the persistent reservation suites that name another I_T nexus (ProutSpecIPT,
 * ProutRegisterAndMove): the TransportID of a session's initiator port (SPC-5 TransportID, iSCSI FORMAT CODE
 * 01b, `name,i,0x<ISID>`) or device (00b), the relative target port of a session (Device Identification VPD
 * page), and the two PERSISTENT RESERVE OUT commands that carry TransportIDs.
 */
import { GOOD, INVALID_FIELD_IN_CDB, prReadReservation, scsi, type Expected, type ScsiResult, type Session, type TestContext } from '../../harness/api.js';
import { expectKeys } from './_pr.js';

/** A session's initiator name: the first or the second one of the run. */
const nameOf = (t: TestContext, which: 1 | 2): string => (which === 2 ? t.config.initiatorName2 : t.config.initiatorName);

/** Format 01b TransportID of the initiator port of `s`, logged in as initiator `which`. */
export function portTid(t: TestContext, s: Session, which: 1 | 2): Buffer {
  return scsi.iscsiTransportId(nameOf(t, which), s.login.isid.toString(16).padStart(12, '0'));
}

/** Format 00b TransportID of initiator device `which` (its iSCSI name alone). */
export const deviceTid = (t: TestContext, which: 1 | 2): Buffer => scsi.iscsiTransportId(nameOf(t, which));

/**
 * The relative target port identifier of the target port `s` is logged in through: the Device Identification VPD
 * page's, or else READ FULL STATUS's for the registration `ownKey` of `s`; skips the test when neither says.
 */
export async function relativeTargetPort(t: TestContext, s: Session, ownKey: bigint): Promise<number> {
  const r = await t.command(scsi.inquiry({ evpd: true, page: scsi.VpdPage.DEVICE_IDENTIFICATION, alloc: 4096 }), { session: s });
  for (const d of scsi.parseDeviceIdentification(r.data).designators) {
    const x = scsi.decodeDesignator(d);
    if (x.kind === 'relativeTargetPort') return x.id;
  }
  const fs = await t.command(scsi.persistentReserveIn({ sa: scsi.PrInSa.READ_FULL_STATUS, alloc: 8192 }), { session: s, expect: [GOOD, INVALID_FIELD_IN_CDB] });
  if (fs.status === scsi.ScsiStatus.GOOD) {
    const mine = scsi.parseReadFullStatus(fs.data).descriptors.find((d) => d.key === ownKey);
    if (mine) return mine.relativeTargetPortId;
  }
  return t.skip('neither the Device Identification VPD page nor READ FULL STATUS names the relative target port REGISTER AND MOVE must name');
}

/** PERSISTENT RESERVE OUT REGISTER AND MOVE with its own parameter list (SPC-5 6.17, REGISTER AND MOVE parameter list). */
export async function prRegisterAndMove(
  t: TestContext,
  o: { session: Session; key: bigint; saKey: bigint; rtpi: number; tid: Buffer; unreg?: boolean; list?: Buffer; expect?: Expected; what?: string },
): Promise<ScsiResult> {
  const data =
    o.list ??
    scsi.proutRegisterAndMoveParameterList({
      key: o.key,
      saKey: o.saKey,
      relativeTargetPortId: o.rtpi,
      transportId: o.tid,
      ...(o.unreg ? { unreg: true } : {}),
    });
  const cdb = scsi.persistentReserveOut({ sa: scsi.PrOutSa.REGISTER_AND_MOVE, paramLen: data.length });
  const what =
    o.what ??
    `PERSISTENT RESERVE OUT REGISTER AND MOVE RESERVATION KEY=0x${o.key.toString(16)} SERVICE ACTION RESERVATION KEY=0x${o.saKey.toString(16)} UNREG=${o.unreg ? 1 : 0}` +
      ` RELATIVE TARGET PORT IDENTIFIER=${o.rtpi}`;
  return t.command(cdb, { session: o.session, dataOut: data, what, ...(o.expect ? { expect: o.expect } : {}) });
}

/** PERSISTENT RESERVE OUT REGISTER (or another service action `sa`) with SPEC_I_PT=1 and these TransportIDs. */
export async function prRegisterSpecIPt(
  t: TestContext,
  o: { session: Session; key?: bigint; saKey: bigint; tids: Buffer[]; sa?: number; list?: Buffer; expect?: Expected; what: string },
): Promise<ScsiResult> {
  const data = o.list ?? scsi.proutParameterList({ key: o.key ?? 0n, saKey: o.saKey, spec_i_pt: true, transportIds: o.tids });
  const cdb = scsi.persistentReserveOut({ sa: o.sa ?? scsi.PrOutSa.REGISTER, paramLen: data.length });
  return t.command(cdb, { session: o.session, dataOut: data, what: o.what, ...(o.expect ? { expect: o.expect } : {}) });
}

/** Fail unless the reservation is held with `key` and `type` (READ RESERVATION) and exactly `keys` are registered. */
export async function expectState(t: TestContext, key: bigint, type: number, keys: readonly bigint[], what: string): Promise<void> {
  const r = await prReadReservation(t);
  t.check(r.hasReservation, `${what}: READ RESERVATION reports no reservation`);
  t.equal(`0x${(r.key ?? 0n).toString(16)} type ${r.type}`, `0x${key.toString(16)} type ${type}`, `${what}: the reservation's key and type (READ RESERVATION)`);
  await expectKeys(t, keys, what);
}
