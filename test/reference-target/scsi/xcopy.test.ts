/**
 * The copy manager's answers to EXTENDED COPY (LID1) parameter lists that libiscsi's ExtendedCopy.ValidTgtDescr
 * and ValidSegDescr send, as SPC-5 words them: an Identification CSCD descriptor's LU ID TYPE is ignored, a CSCD
 * DESCRIPTOR ID naming no CSCD descriptor is an unreachable copy target, FFFFh is the LU itself, a segment past
 * the end of the medium is an invalid parameter found before any block is copied.
 */
import { strict as assert } from 'node:assert';
import { checkCondition, good, LBA_OOB, pattern, ready, run, S } from './helpers.js';
import type { ScsiDeviceServer } from '../../../reference-target/scsi/index.js';

async function ownDesignation(ds: ScsiDeviceServer): Promise<Buffer> {
  const id = S.parseDeviceIdentification(good(await run(ds, S.inquiry({ evpd: true, page: 0x83, alloc: 1024 })))).designators.find(
    (d) => d.designatorType === 3,
  )!;
  return S.encodeDesignator(id);
}

async function xcopy(ds: ScsiDeviceServer, cscd: Partial<S.IdentificationCscd>, seg: Partial<S.BlockSegment>) {
  const list = S.extendedCopyParameterList({
    listIdentifier: 1,
    cscdDescriptors: [S.encodeIdentificationCscd({ designation: await ownDesignation(ds), blockLength: 512, ...cscd })],
    segmentDescriptors: [S.encodeBlockSegment({ sourceIndex: 0, destinationIndex: 0, blocks: 2, sourceLba: 0, destinationLba: 100, ...seg })],
  });
  return run(ds, S.extendedCopy({ paramLen: list.length }), { dataOut: list });
}

describe('reference target: EXTENDED COPY (LID1) descriptor checks', () => {
  it('ignores the LU ID TYPE of an Identification CSCD descriptor and the obsolete NUL bit, and takes DISK BLOCK LENGTH 0', async () => {
    const ds = await ready({ size: 1 << 20 });
    good(await run(ds, S.write10({ lba: 0, blocks: 2 }), { dataOut: pattern(0, 2) }));
    for (const cscd of [{ luIdType: 2 }, { luIdType: 3 }, { nul: true }, { blockLength: 0 }]) {
      good(await xcopy(ds, cscd, {}), JSON.stringify(cscd));
      assert.ok(good(await run(ds, S.read10({ lba: 100, blocks: 2 }))).equals(pattern(0, 2)));
      good(await run(ds, S.write10({ lba: 100, blocks: 2 }), { dataOut: Buffer.alloc(1024) }));
    }
  });
  it('a CSCD DESCRIPTOR ID naming no CSCD descriptor: COPY ABORTED, UNREACHABLE COPY TARGET, pointing at the ID; FFFFh is this LU', async () => {
    const ds = await ready({ size: 1 << 20 });
    const r = await xcopy(ds, {}, { destinationIndex: 1 });
    const s = checkCondition(r, { key: S.SenseKey.COPY_ABORTED, asc: S.Asc.UNREACHABLE_COPY_TARGET });
    // the segment pointer form of the sense-key specific bytes (SD 0: an offset into the parameter list)
    assert.equal(s.senseKeySpecific?.sksv, true);
    assert.equal(s.senseKeySpecific!.raw & 0x20ffff, 48 + 6);
    good(await run(ds, S.write10({ lba: 0, blocks: 2 }), { dataOut: pattern(0, 2) }));
    good(await xcopy(ds, {}, { sourceIndex: 0xffff, destinationIndex: 0xffff }));
    assert.ok(good(await run(ds, S.read10({ lba: 100, blocks: 2 }))).equals(pattern(0, 2)));
  });
  it('a segment past the end of the medium: ILLEGAL REQUEST, LBA OUT OF RANGE pointing at the LBA, and no block written', async () => {
    const ds = await ready({ size: 1 << 20 });
    const last = (1 << 20) / 512 - 1;
    good(await run(ds, S.write10({ lba: last, blocks: 1 }), { dataOut: Buffer.alloc(512, 0x5a) }));
    checkCondition(await xcopy(ds, {}, { destinationLba: last }), { ...LBA_OOB, field: { byte: 48 + 20, cd: false } });
    checkCondition(await xcopy(ds, {}, { sourceLba: last }), { ...LBA_OOB, field: { byte: 48 + 12, cd: false } });
    assert.ok(good(await run(ds, S.read10({ lba: last, blocks: 1 }))).equals(Buffer.alloc(512, 0x5a)));
  });
});
