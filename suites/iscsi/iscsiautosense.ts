/**
 * Autosense (RFC 7143 11.4.7): a SCSI Response with CHECK CONDITION carries the sense data in its data
 * segment. This suite owns that rule: a test that expects a particular sense key and code and gets CHECK
 * CONDITION without sense data skips naming iSCSIAutosense.CheckCondition (harness/context.ts), so the one
 * defect fails here, not in every test that looks at sense.
 */
import { CHECK_CONDITION, defineSuite, scsi } from '../../harness/api.js';

const suite = defineSuite('iSCSIAutosense', { families: ['iSCSI'], clause: 'RFC 7143 11.4.7' });

suite.test(
  'CheckCondition',
  {
    doc: `INQUIRY with EVPD 0 and PAGE CODE 01h, which SPC-5 has the device server refuse with CHECK CONDITION: the SCSI Response must carry sense data
      that decodes (a SenseLength of at least the 8 bytes of a sense data header and a valid RESPONSE CODE): "iSCSI targets MUST support and enable
      Autosense. If Status is CHECK CONDITION (0x02), then the Data Segment MUST contain sense data for the failed command" (RFC 7143 11.4.7).`,
    level: 'MUST',
  },
  async (t) => {
    const cdb = scsi.inquiry({ alloc: 255 });
    cdb[2] = 1;
    const what = 'INQUIRY EVPD=0 PAGE=01h';
    const r = await t.command(cdb, { expect: CHECK_CONDITION, dataIn: 255, what });
    t.check((r.senseData?.length ?? 0) > 0, `${what}: CHECK CONDITION without sense data (SenseLength 0): iSCSI targets "MUST support and enable Autosense"`);
    t.check(!r.senseError, `${what}: CHECK CONDITION with sense data that does not decode (${r.senseError})`);
    t.log(`sense: ${r.sense ? scsi.describeSense(r.sense) : 'none'}`);
  },
);

export default suite;
