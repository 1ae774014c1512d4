/** REPORT LUNS (SPC-5). */
import { defineSuite, INVALID_FIELD_IN_CDB, scsi, SPC5 } from '../../harness/api.js';

const suite = defineSuite('ReportLUNs', { families: ['SCSI'], clause: SPC5.REPORT_LUNS });

suite.test(
  'Simple',
  {
    doc: `REPORT LUNS with SELECT REPORT 00h and ALLOCATION LENGTH 16 must complete with GOOD; LUN LIST LENGTH must be a multiple of 8; the whole
      list, read with a large enough allocation length, must hold LUN LIST LENGTH / 8 entries, list the LUN under test, and list no LUN twice.`,
    level: 'MUST',
  },
  async (t) => {
    const head = await t.command(scsi.reportLuns({ alloc: 16 }));
    t.check(head.data.length >= 8 && head.data.length <= 16, `REPORT LUNS ALLOC=16 returned ${head.data.length} bytes`);
    const listLength = head.data.readUInt32BE(0);
    t.check(listLength % 8 === 0, `LUN LIST LENGTH ${listLength} is not a multiple of 8`);
    const alloc = 8 + listLength;
    const r = await t.command(scsi.reportLuns({ alloc }));
    const l = scsi.parseReportLuns(r.data);
    t.equal(l.listLength, listLength, 'LUN LIST LENGTH of the second REPORT LUNS');
    t.equal(l.entries.length, listLength / 8, 'LUN entries returned');
    const lun = t.config.target.lun;
    t.check(l.luns.includes(lun), `REPORT LUNS lists ${l.luns.join(', ') || 'no LUN'} but not LUN ${lun}, which answers INQUIRY`);
    const seen = new Set<string>();
    for (const e of l.entries) {
      const k = e.toString('hex');
      t.check(!seen.has(k), `REPORT LUNS lists LUN entry ${k} twice`);
      seen.add(k);
    }
  },
);

suite.test(
  'SelectReport',
  {
    doc: 'REPORT LUNS with a reserved SELECT REPORT value (0x05) must be terminated with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB.',
    clause: SPC5.REPORT_LUNS,
    level: 'MUST',
  },
  async (t) => {
    await t.command(scsi.reportLuns({ select: 0x05, alloc: 4096 }), { expect: INVALID_FIELD_IN_CDB });
  },
);

export default suite;
