/** RECEIVE COPY RESULTS (SPC-5, with EXTENDED COPY 6.6): OPERATING PARAMETERS and COPY STATUS (LID1) of the copy manager. */
import { defineSuite, scsi, SPC5 } from '../../harness/api.js';
import { extendedCopy, oneSegmentList } from './_xcopy.js';

const CLAUSE = SPC5.EXTENDED_COPY;
const suite = defineSuite('ReceiveCopyResults', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc'] });

suite.test(
  'OpParams',
  {
    doc: `RECEIVE COPY RESULTS with OPERATING PARAMETERS (service action 03h) and an allocation length of 1024: GOOD, at least the 44 bytes of the
      fixed part, and AVAILABLE DATA equal to 40 plus the IMPLEMENTED DESCRIPTOR LIST LENGTH (the bytes that follow the field); the copy manager names
      the descriptors it implements.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await t.command(scsi.receiveCopyResults({ sa: scsi.ReceiveCopySa.OPERATING_PARAMETERS, alloc: 1024 }));
    t.check(r.data.length >= 44, `OPERATING PARAMETERS data is ${r.data.length} bytes, shorter than its 44-byte fixed part`);
    const p = scsi.parseCopyOperatingParameters(r.data);
    t.log(
      `MAXIMUM CSCD DESCRIPTOR COUNT ${p.maxCscdDescriptors}, MAXIMUM SEGMENT DESCRIPTOR COUNT ${p.maxSegmentDescriptors}, MAXIMUM DESCRIPTOR LIST ` +
        `LENGTH ${p.maxDescriptorListLength}, implemented descriptors ` +
        `${p.implementedDescriptors.map((c) => scsi.hexBytes(Buffer.from([c]))).join(' ') || 'none'}`,
    );
    t.equal(p.availableData, 40 + p.implementedDescriptors.length, 'AVAILABLE DATA (40 + IMPLEMENTED DESCRIPTOR LIST LENGTH)');
  },
);

suite.test(
  'CopyStatus',
  {
    doc: `EXTENDED COPY (LID1) of 8 blocks from LBA 0 to LBA 8 with LIST IDENTIFIER 5Ah and LIST ID USAGE 00b (the copy manager holds the status),
      then RECEIVE COPY RESULTS COPY STATUS (LID1) for list 5Ah: GOOD, COPY MANAGER STATUS 01h (completed without errors) and SEGMENTS PROCESSED 1.`,
    level: 'MUST',
    needs: ['capacity', 'dataloss', 'writable'],
  },
  async (t) => {
    const listId = 0x5a;
    await t.command(scsi.write16({ lba: 0, blocks: 8 }));
    const src = await t.readBlocks(0, 8);
    await extendedCopy(t, oneSegmentList(t, { listId, src: 0, dst: 8, blocks: 8 }));
    t.remember(8, src, 'the EXTENDED COPY');
    const r = await t.command(scsi.receiveCopyResults({ sa: scsi.ReceiveCopySa.COPY_STATUS_LID1, listId, alloc: 12 }));
    t.check(r.data.length >= 12, `COPY STATUS data is ${r.data.length} bytes, shorter than 12`);
    const s = scsi.parseCopyStatusLid1(r.data);
    t.equal(s.copyManagerStatus, scsi.CopyManagerStatus.COMPLETED_GOOD, 'COPY MANAGER STATUS of the completed copy');
    t.equal(s.segmentsProcessed, 1, 'SEGMENTS PROCESSED');
  },
);

export default suite;
