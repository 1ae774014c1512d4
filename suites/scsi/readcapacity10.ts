/** READ CAPACITY (10) (SBC-4 5.19). */
import { defineSuite, scsi } from '../../harness/api.js';

const suite = defineSuite('ReadCapacity10', { families: ['SCSI'], clause: 'SBC-4 5.19', needs: ['sbc'] });

suite.test(
  'Simple',
  {
    doc: 'READ CAPACITY (10) must complete with GOOD and return 8 bytes: a LOGICAL BLOCK LENGTH that is not 0, and a RETURNED LOGICAL BLOCK ADDRESS that is the last LBA (FFFFFFFFh when the last LBA does not fit 32 bits), agreeing with READ CAPACITY (16) when that is implemented. READ CAPACITY (10) is mandatory for a block device.',
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
  },
);

export default suite;
