/**
 * Write protection: every command that writes the medium is refused with DATA PROTECT on a write-protected logical
 * unit — the WP bit of the mode parameter header (SBC-4 6.5.1), or SWP of the Control mode page (SPC-5).
 */
import {
  GOOD,
  INVALID_FIELD_IN_CDB,
  INVALID_OPCODE,
  WRITE_PROTECTED,
  commandName,
  defineSuite,
  scsi,
  type Expectation,
  type TestContext,
  SBC4,
  SPC5,
} from '../../harness/api.js';
import { clearSwp, setSwp, swpChangeable, wpBit } from './_medium.js';

const suite = defineSuite('ReadOnly', { families: ['SCSI'], clause: SBC4.MODE_PARAMETERS_OVERVIEW, needs: ['sbc', 'capacity', 'dataloss'] });

interface Writer {
  cdb: Buffer;
  data?: Buffer;
  /** Also acceptable: the command's own refusal of a feature the LU lacks (UNMAP bits on a fully provisioned LU). */
  or?: readonly Expectation[];
}

/** Every medium-write command of SBC-4, each on a few blocks from LBA 0, with its Data-Out. */
function writers(t: TestContext, baseline: Buffer): Writer[] {
  const bs = t.dev.blockSize;
  const block = (n: number) => Buffer.alloc(n * bs, 0x5a);
  const unmapBits = t.dev.thin ? [] : [INVALID_FIELD_IN_CDB];
  const list = scsi.unmapParameterList([{ lba: 0, blocks: 1 }]);
  return [
    { cdb: scsi.write6({ lba: 0, blocks: 1 }), data: block(1) },
    { cdb: scsi.write10({ lba: 0, blocks: 2 }), data: block(2) },
    { cdb: scsi.write12({ lba: 0, blocks: 2 }), data: block(2) },
    { cdb: scsi.write16({ lba: 0, blocks: 2 }), data: block(2) },
    { cdb: scsi.writeVerify10({ lba: 0, blocks: 1, bytchk: 1 }), data: block(1) },
    { cdb: scsi.writeVerify12({ lba: 0, blocks: 1 }), data: block(1) },
    { cdb: scsi.writeVerify16({ lba: 0, blocks: 1 }), data: block(1) },
    { cdb: scsi.writeSame10({ lba: 0, blocks: 2 }), data: block(1) },
    { cdb: scsi.writeSame16({ lba: 0, blocks: 2 }), data: block(1) },
    { cdb: scsi.writeSame10({ lba: 0, blocks: 2, unmap: true }), data: Buffer.alloc(bs), or: unmapBits },
    { cdb: scsi.writeSame16({ lba: 0, blocks: 2, unmap: true }), data: Buffer.alloc(bs), or: unmapBits },
    { cdb: scsi.unmap({ paramLen: list.length }), data: list, or: unmapBits },
    // the verify half is what the medium holds, so that only the write protection can refuse it
    { cdb: scsi.compareAndWrite({ lba: 0, blocks: 1 }), data: Buffer.concat([baseline.subarray(0, bs), block(1)]) },
    { cdb: scsi.orWrite16({ lba: 0, blocks: 1 }), data: block(1) },
    { cdb: scsi.writeAtomic16({ lba: 0, blocks: 1 }), data: block(1) },
  ];
}

/** Send every writer: each must be refused with DATA PROTECT, WRITE PROTECTED (or not be implemented); then reads work and the blocks are unchanged. */
async function checkRefused(t: TestContext, baseline: Buffer): Promise<void> {
  let tried = 0;
  for (const w of writers(t, baseline)) {
    const r = await t.command(w.cdb, {
      expect: [WRITE_PROTECTED, INVALID_OPCODE, ...(w.or ?? [])],
      allowUnsupported: true,
      ...(w.data ? { dataOut: w.data } : { dataIn: 0 }),
    });
    if (r.sense?.ascAscq === scsi.Asc.INVALID_COMMAND_OPERATION_CODE) {
      t.log(`${commandName(w.cdb)} is not implemented`);
      continue;
    }
    tried++;
  }
  // SBC-4 makes no medium-write command mandatory, so how many there are is no verdict; with none there is nothing to check
  if (tried === 0) t.skip('the logical unit implements none of the medium-write commands');
  const got = await t.command(scsi.read10({ lba: 0, blocks: baseline.length / t.dev.blockSize }), { expect: GOOD });
  t.check(got.data.equals(baseline), 'blocks 0..7 changed on a write-protected logical unit: a refused write wrote');
}

suite.test(
  'ReadOnlySBC',
  {
    doc: `On a write-protected logical unit (WP in the mode parameter header) — or, on a writable one whose Control mode page lets SWP be changed,
      after MODE SELECT sets SWP — every medium-write command (WRITE (6/10/12/16), WRITE AND VERIFY (10/12/16), WRITE SAME (10/16) with and without
      UNMAP, UNMAP, COMPARE AND WRITE, ORWRITE (16), WRITE ATOMIC (16)) must end in CHECK CONDITION, DATA PROTECT, WRITE PROTECTED (or
      SOFTWARE/HARDWARE WRITE PROTECTED) unless it is not implemented; the UNMAP forms may instead be INVALID FIELD IN CDB on a fully provisioned LU.
      READ must still work, and the blocks must be unchanged. With SWP, MODE SENSE must show WP while it is set; SWP is cleared at the end.`,
    level: 'MUST',
    clause: `${SBC4.MODE_PARAMETERS_OVERVIEW}, ${SPC5.CONTROL_PAGE}`,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    if (t.dev.readOnly) {
      t.log('The logical unit is write-protected (WP=1)');
      const baseline = (await t.command(scsi.read10({ lba: 0, blocks: 8 }))).data;
      t.check(baseline.length === 8 * bs, 'READ(10) of 8 blocks returned less data');
      await checkRefused(t, baseline);
      return;
    }
    if (!(await swpChangeable(t))) t.skip('the logical unit is not write-protected, and SWP of the Control mode page cannot be changed');
    const baseline = t.pattern(0, 8);
    await t.command(scsi.write10({ lba: 0, blocks: 8 }), { dataOut: baseline });
    t.log('Set SWP: the logical unit becomes write-protected');
    await setSwp(t, true);
    try {
      t.check(await wpBit(t), 'MODE SELECT set SWP, but MODE SENSE(6) shows WP=0 in the mode parameter header');
      await checkRefused(t, baseline);
    } finally {
      await clearSwp(t);
    }
    t.check(!(await wpBit(t)), 'SWP was cleared, but MODE SENSE(6) still shows WP=1');
    await t.command(scsi.write10({ lba: 0, blocks: 1 }));
  },
);

export default suite;
