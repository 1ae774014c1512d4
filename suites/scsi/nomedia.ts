/** Commands with the medium ejected (SBC-4 4.4, 5.31): every medium access is NOT READY, MEDIUM NOT PRESENT. */
import { GOOD, INVALID_OPCODE, NO_MEDIUM, defineSuite, scsi, commandName, type TestContext, SBC4, SPC5 } from '../../harness/api.js';
import { absent, eject, load, present, restoreMedium } from './_medium.js';
import { writeBlocks } from './_lbp.js';

const suite = defineSuite('NoMedia', { families: ['SCSI'], clause: SBC4.REMOVABLE_MEDIA, needs: ['sbc', 'capacity', 'removable'] });

/** Each command that needs the medium, with its Data-In length or Data-Out. */
function mediumCommands(t: TestContext): { cdb: Buffer; dataIn?: number; dataOut?: Buffer }[] {
  const bs = t.dev.blockSize;
  const b = (n: number) => Buffer.alloc(n * bs, 0xc3);
  const reads = [
    { cdb: scsi.synchronizeCache10({ lba: 0, blocks: 1 }), dataIn: 0 },
    { cdb: scsi.synchronizeCache16({ lba: 0, blocks: 1 }), dataIn: 0 },
    { cdb: scsi.read10({ lba: 0, blocks: 1 }), dataIn: bs },
    { cdb: scsi.read12({ lba: 0, blocks: 1 }), dataIn: bs },
    { cdb: scsi.read16({ lba: 0, blocks: 1 }), dataIn: bs },
    { cdb: scsi.readCapacity10(), dataIn: 8 },
    { cdb: scsi.readCapacity16({ alloc: 32 }), dataIn: 32 },
    { cdb: scsi.getLbaStatus({ lba: 0, alloc: 24 }), dataIn: 24 },
    { cdb: scsi.preFetch10({ lba: 0, blocks: 1 }), dataIn: 0 },
    { cdb: scsi.preFetch16({ lba: 0, blocks: 1 }), dataIn: 0 },
    { cdb: scsi.verify10({ lba: 0, blocks: 1, bytchk: 1 }), dataOut: b(1) },
    { cdb: scsi.verify12({ lba: 0, blocks: 1, bytchk: 1 }), dataOut: b(1) },
    { cdb: scsi.verify16({ lba: 0, blocks: 1, bytchk: 1 }), dataOut: b(1) },
  ];
  const list = scsi.unmapParameterList([{ lba: 0, blocks: 1 }]);
  const writes = [
    { cdb: scsi.write10({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.write12({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.write16({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.writeVerify10({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.writeVerify12({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.writeVerify16({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.orWrite16({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.compareAndWrite({ lba: 0, blocks: 1 }), dataOut: b(2) },
    { cdb: scsi.writeSame10({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.writeSame16({ lba: 0, blocks: 1 }), dataOut: b(1) },
    { cdb: scsi.unmap({ paramLen: list.length }), dataOut: list },
  ];
  return [...reads, ...(t.dev.readOnly ? [] : writes)];
}

suite.test(
  'NoMediaSBC',
  {
    doc: `On a removable LU: eject the medium (START STOP UNIT LOEJ); TEST UNIT READY, SYNCHRONIZE CACHE (10/16), READ (10/12/16), READ CAPACITY
      (10/16), GET LBA STATUS, PRE-FETCH (10/16), VERIFY (10/12/16) and — unless write-protected — WRITE (10/12/16), WRITE AND VERIFY (10/12/16),
      ORWRITE (16), COMPARE AND WRITE, WRITE SAME (10/16) and UNMAP must each end in CHECK CONDITION, NOT READY, MEDIUM NOT PRESENT (commands the LU
      does not implement are left out); INQUIRY must still be GOOD. After loading the medium again TEST UNIT READY is GOOD and the blocks written
      before are unchanged.`,
    level: 'MUST',
    clause: `${SBC4.REMOVABLE_MEDIA}, ${SBC4.START_STOP_UNIT}, ${SPC5.INQUIRY}`,
    needs: ['dataloss'],
  },
  async (t) => {
    if (!t.dev.readOnly) await writeBlocks(t, 0, 2);
    try {
      await eject(t);
      await absent(t);
      for (const c of mediumCommands(t)) {
        const r = await t.command(c.cdb, {
          expect: [NO_MEDIUM, INVALID_OPCODE],
          allowUnsupported: true,
          ...(c.dataOut ? { dataOut: c.dataOut } : { dataIn: c.dataIn ?? 0 }),
        });
        if (r.sense?.ascAscq === scsi.Asc.INVALID_COMMAND_OPERATION_CODE) t.log(`${commandName(c.cdb)} is not implemented`);
      }
      await t.command(scsi.inquiry({ alloc: 96 }), { expect: GOOD });
      await load(t);
      await present(t);
    } finally {
      await restoreMedium(t);
    }
  },
);

export default suite;
