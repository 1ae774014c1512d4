/** GET LBA STATUS (SBC-4 5.6): the provisioning status of LBAs (SBC-4 4.7.4). */
import { GOOD, LBA_OUT_OF_RANGE, defineSuite, scsi, SBC4, SPC5 } from '../../harness/api.js';
import { isUnmapped, lbaStatus, PROVISIONING_NAMES, readsZerosWhenUnmapped, statusOf, unmapUnit, writeBlocks } from './_lbp.js';

const CLAUSE = SBC4.GET_LBA_STATUS_16;
const suite = defineSuite('GetLBAStatus', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc', 'capacity'] });

suite.test(
  'Simple',
  {
    doc: `GET LBA STATUS (ALLOCATION LENGTH 24: one descriptor) at LBAs 1 to 256 and at the 1st to 256th LBA from the end: each GOOD, with a PARAMETER
      DATA LENGTH of 4 + 16 × n, a first LBA status descriptor that starts at the LBA asked for, and descriptors that follow each other, cover at
      least one block each and end within the medium. ALLOCATION LENGTH 4096 at LBA 0 must give the same first descriptor.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.GET_LBA_STATUS_DATA}, ${SBC4.LBA_STATUS_DESCRIPTOR}`,
  },
  async (t) => {
    const n = Math.min(256, t.dev.blocks - 1);
    t.log(`GET LBA STATUS at LBA 1..${n} and at ${t.dev.blocks - n}..${t.dev.lastLba}`);
    for (let i = 1; i <= n; i++) await lbaStatus(t, i, 24);
    for (let i = 1; i <= n; i++) await lbaStatus(t, t.dev.blocks - i, 24);
    const big = await lbaStatus(t, 0, 4096);
    const one = await lbaStatus(t, 0, 24);
    t.equal(one[0]!.provisioningStatus, big[0]!.provisioningStatus, 'PROVISIONING STATUS at LBA 0 with ALLOCATION LENGTH 24 versus 4096');
  },
);

suite.test(
  'BeyondEol',
  {
    doc: `GET LBA STATUS at the last LBA must complete with GOOD; at the LBA just past the end, one further, 2^63 and 2^64-1 it must end in CHECK
      CONDITION, ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.LOGICAL_BLOCKS}`,
  },
  async (t) => {
    await lbaStatus(t, t.dev.lastLba, 24);
    for (const lba of [BigInt(t.dev.blocks), BigInt(t.dev.blocks) + 1n, 2n ** 63n, 2n ** 64n - 1n]) {
      await t.command(scsi.getLbaStatus({ lba, alloc: 24 }), { expect: LBA_OUT_OF_RANGE, dataIn: 24 });
    }
  },
);

suite.test(
  'AllocLength',
  {
    doc: `GET LBA STATUS at LBA 0 and at the last LBA with ALLOCATION LENGTH 0, 8 (the header), 16 (half a descriptor) and 24 (one descriptor): each
      must complete with GOOD (an ALLOCATION LENGTH of 0 is not an error, and a short one only cuts the data), return min(ALLOCATION LENGTH, 4 +
      PARAMETER DATA LENGTH) bytes (SPC-5: the transfer ends at whichever is less), and return the same first LBA status descriptor bytes as ALLOCATION
      LENGTH 4096 does.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.ALLOCATION_LENGTH}`,
  },
  async (t) => {
    for (const lba of [0, t.dev.lastLba]) {
      const full = (await t.command(scsi.getLbaStatus({ lba, alloc: 4096 }), { dataIn: 4096 })).data;
      t.check(full.length >= 24, `GET LBA STATUS LBA=${lba} ALLOC=4096 returned ${full.length} bytes, less than one LBA status descriptor`);
      for (const alloc of [0, 8, 16, 24]) {
        const what = `GET LBA STATUS LBA=${lba} ALLOC=${alloc}`;
        // the command is implemented (ALLOCATION LENGTH 4096 answered): a refusal here is a failure, not a reason to skip
        const r = await t.command(scsi.getLbaStatus({ lba, alloc }), { dataIn: alloc, what, allowUnsupported: true });
        const got = `${scsi.statusName(r.status)}${r.sense ? ` ${scsi.describeSense(r.sense)}` : ''}`;
        t.check(r.status === scsi.ScsiStatus.GOOD, `${what}: expected GOOD, got ${got}`);
        const d = r.data;
        if (alloc === 0) {
          t.equal(d.length, 0, `${what}: bytes returned`);
          continue;
        }
        t.check(d.length >= 4, `${what} returned ${d.length} bytes, not even the PARAMETER DATA LENGTH`);
        t.equal(d.length, Math.min(alloc, 4 + d.readUInt32BE(0)), `${what}: bytes returned versus min(ALLOCATION LENGTH, 4 + PARAMETER DATA LENGTH)`);
        const first = d.subarray(8, 24);
        t.check(
          first.equals(full.subarray(8, 8 + first.length)),
          `${what}: the first LBA status descriptor's bytes ${first.toString('hex')} differ from those with ALLOCATION LENGTH 4096 ` +
            `(${full.subarray(8, 8 + first.length).toString('hex')})`,
        );
      }
    }
  },
);

suite.test(
  'UnmapSingle',
  {
    doc: `On a thin LU with LBPU: write 256 blocks plus one unmap unit (LOGICAL BLOCKS PER PHYSICAL BLOCK or OPTIMAL UNMAP GRANULARITY); UNMAP each
      unit in turn: GET LBA STATUS at the unit must answer with a descriptor starting there (it should say deallocated or anchored), and at the next
      unit, still written, it must say mapped. Then UNMAP growing ranges from the first LBA: the first LBA after each range must be reported mapped.
      Written non-zero data cannot be deallocated when deallocated blocks read as zeros (LBPRZ).`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.UNMAP}, ${SBC4.LBP_UNMAPPING}`,
    needs: ['dataloss', 'writable', 'thin', 'lbpu'],
  },
  async (t) => {
    const { unit, align } = unmapUnit(t);
    const base = align + unit;
    const total = Math.ceil(256 / unit) * unit + unit;
    if (base + total > t.dev.blocks) t.skip('the LUN is too small');
    const lbprz = readsZerosWhenUnmapped(t);
    const mustBeMapped = async (lba: number, after: string) => {
      const st = await statusOf(t, lba);
      if (lbprz) t.check(!isUnmapped(st), `GET LBA STATUS reports LBA ${lba} ${PROVISIONING_NAMES[st]} after ${after}; it holds written non-zero data`);
    };
    t.log(`Unmap unit ${unit} blocks; ${total} blocks written at LBA ${base}`);
    await writeBlocks(t, base, total);
    for (let lba = base; lba + unit < base + total; lba += unit) {
      await t.command(scsi.unmap({ paramLen: 24 }), { dataOut: scsi.unmapParameterList([{ lba, blocks: unit }]), expect: GOOD });
      t.forget(lba, unit);
      const st = await statusOf(t, lba);
      t.should(isUnmapped(st), `GET LBA STATUS reports LBA ${lba} ${PROVISIONING_NAMES[st]} just after UNMAP of its whole unmap unit`);
      await mustBeMapped(lba + unit, `UNMAP [LBA ${lba}, ${unit}]`);
    }
    for (let n = unit; n + unit <= 256; n += Math.max(unit, 32)) {
      await writeBlocks(t, base, n + unit);
      await t.command(scsi.unmap({ paramLen: 24 }), { dataOut: scsi.unmapParameterList([{ lba: base, blocks: n }]), expect: GOOD });
      t.forget(base, n);
      await mustBeMapped(base + n, `UNMAP [LBA ${base}, ${n}]`);
    }
  },
);

export default suite;
