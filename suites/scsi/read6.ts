/** READ (6) (SBC-3; sbc4r22 has no subclause for it): 21-bit LBA, 1..256 blocks, no flags. READ (6) is optional: a target without it skips. */
import { defineSuite, scsi, SBC4 } from '../../harness/api.js';
import { beyondEol, docs, READ6, simple } from './_rw.js';

const c = READ6;
const suite = defineSuite('Read6', { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity'] });

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: `${c.clause}, ${SBC4.LOGICAL_BLOCKS}` }, (t) => beyondEol(t, c));
suite.test(
  'TransferLength256',
  {
    doc: `READ(6) with TRANSFER LENGTH 0 at LBA 0: in READ(6), unlike the longer CDBs, 0 means 256 logical blocks, so the command must complete with
      GOOD and return 256 blocks of data.`,
    level: 'MUST',
    needs: [
      {
        name: '256 blocks',
        check: (d) =>
          d.blocks < 256
            ? `the LUN has fewer than 256 blocks (${d.blocks})`
            : d.maxTransferBlocks < 256
              ? `MAXIMUM ` + `TRANSFER LENGTH ${d.maxTransferBlocks} is below 256`
              : undefined,
      },
    ],
  },
  async (t) => {
    const cdb = scsi.read6({ lba: 0, blocks: 256 });
    t.equal(cdb[4], 0, 'READ(6) TRANSFER LENGTH byte for 256 blocks');
    const r = await t.command(cdb, { dataIn: 256 * t.dev.blockSize });
    t.equal(r.data.length, 256 * t.dev.blockSize, 'READ(6) TRANSFER LENGTH 0: bytes of Data-In');
  },
);

export default suite;
