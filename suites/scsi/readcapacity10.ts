/** READ CAPACITY (10) (SBC-4 5.20). */
import { CHECK_CONDITION, defineSuite, scsi, SBC4 } from '../../harness/api.js';

const suite = defineSuite('ReadCapacity10', { families: ['SCSI'], clause: SBC4.READ_CAPACITY_10, needs: ['sbc'] });

suite.test(
  'Simple',
  {
    doc: `READ CAPACITY (10) must complete with GOOD and return 8 bytes: a LOGICAL BLOCK LENGTH that is not 0, and a RETURNED LOGICAL BLOCK ADDRESS
      that is the last LBA (FFFFFFFFh when the last LBA does not fit 32 bits), agreeing with READ CAPACITY (16) when that is implemented. The last LBA
      it names must be readable (READ (10) of one block there is GOOD) and the next one must not: any CHECK CONDITION shows the capacity is right
      (which sense data it carries, LOGICAL BLOCK ADDRESS OUT OF RANGE, is checked by Read10.BeyondEol: one defect, one failure). READ CAPACITY (10)
      is mandatory for a block device.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await t.command(scsi.readCapacity10());
    t.equal(r.data.length, 8, 'READ CAPACITY(10) bytes of Data-In');
    const rc = scsi.parseReadCapacity10(r.data);
    t.check(rc.blockLength > 0, 'READ CAPACITY(10) reports a LOGICAL BLOCK LENGTH of 0');
    const rc16 = t.dev.rc16;
    if (rc16) {
      const want = rc16.lastLba > 0xfffffffen ? 0xffffffff : Number(rc16.lastLba);
      t.equal(rc.lastLba, want, 'READ CAPACITY(10) RETURNED LOGICAL BLOCK ADDRESS versus READ CAPACITY(16)');
      t.equal(rc.blockLength, rc16.blockLength, 'READ CAPACITY(10) LOGICAL BLOCK LENGTH versus READ CAPACITY(16)');
    }
    if (rc.lastLba === 0xffffffff) return;
    t.log(`The last LBA, ${rc.lastLba}, must be readable and the next one out of range`);
    await t.command(scsi.read10({ lba: rc.lastLba, blocks: 1 }), { dataIn: rc.blockLength });
    if (rc.lastLba < 0xffffffff - 1)
      await t.command(scsi.read10({ lba: rc.lastLba + 1, blocks: 1 }), {
        dataIn: rc.blockLength,
        expect: CHECK_CONDITION,
        what: `READ(10) ` + `LBA=${rc.lastLba + 1} LEN=1 (one past the last LBA: not readable)`,
      });
  },
);

export default suite;
