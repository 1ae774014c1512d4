/** EXTENDED COPY (LID1) (SPC-5 6.6): block-to-block copies within the LU under test, named by its NAA designator. */
import { defineSuite, scsi, SPC5 } from '../../harness/api.js';
import { extendedCopy, oneSegmentList } from './_xcopy.js';

const CLAUSE = SPC5.EXTENDED_COPY;
const suite = defineSuite('ExtendedCopy', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });

suite.test(
  'Simple',
  {
    doc: 'WRITEs 16 blocks at LBA 0, then EXTENDED COPY (LID1) with one Identification CSCD descriptor (E4h) naming this LU by its NAA designator and one block-to-block segment descriptor (02h) copying them to the last 16 blocks: GOOD, and the last 16 blocks read back as the first 16 (the copy manager copies the data the segment descriptor names).',
    level: 'MUST',
  },
  async (t) => {
    const n = 16;
    const dst = t.dev.blocks - n;
    if (dst < n) t.skip(`the LU has ${t.dev.blocks} blocks: too few for two separate ${n}-block ranges`);
    await t.command(scsi.write16({ lba: 0, blocks: n }));
    const src = await t.readBlocks(0, n);
    await extendedCopy(t, oneSegmentList(t, { listId: 1, src: 0, dst, blocks: n }));
    t.remember(dst, src, 'the EXTENDED COPY');
    const got = await t.readBlocks(dst, n);
    const bs = t.dev.blockSize;
    for (let i = 0; i < n; i++) {
      if (!got.subarray(i * bs, (i + 1) * bs).equals(src.subarray(i * bs, (i + 1) * bs))) t.fail(`after EXTENDED COPY of LBAs 0..${n - 1} to ${dst}..${dst + n - 1}: LBA ${dst + i} does not hold what LBA ${i} holds`);
    }
  },
);

export default suite;
