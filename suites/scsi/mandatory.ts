/**
 * The commands a direct-access block device must implement (SBC-4 5.1, the commands table; SPC-5 for the
 * ones every device type has): each is sent once in a plain form and must not be refused as unknown.
 */
import { defineSuite, SBC4, scsi, SPC5, type TestContext } from '../../harness/api.js';

const suite = defineSuite('Mandatory', { families: ['SCSI'], clause: SBC4.COMMANDS, needs: ['sbc', 'capacity'] });

interface Row {
  name: string;
  cdb: (t: TestContext) => Buffer;
  /** Mandatory only for a device that claims SBC-3 or later. */
  sbc3?: boolean;
}

const ROWS: readonly Row[] = [
  { name: 'TEST UNIT READY', cdb: () => scsi.testUnitReady() },
  { name: 'INQUIRY', cdb: () => scsi.inquiry({ alloc: 96 }) },
  { name: 'REQUEST SENSE', cdb: () => scsi.requestSense({ alloc: 252 }) },
  { name: 'REPORT LUNS', cdb: () => scsi.reportLuns({ alloc: 256 }) },
  { name: 'READ CAPACITY(10)', cdb: () => scsi.readCapacity10() },
  { name: 'READ(10)', cdb: () => scsi.read10({ lba: 0, blocks: 1 }) },
  // READ CAPACITY (16), mandatory since SBC-3 too, is ReadCapacity16.Support's check (one defect, one failure)
  { name: 'READ(16)', cdb: () => scsi.read16({ lba: 0, blocks: 1 }), sbc3: true },
];

suite.test(
  'MandatorySBC',
  {
    doc: `TEST UNIT READY, INQUIRY, REQUEST SENSE, REPORT LUNS, READ CAPACITY (10) and READ (10) of one block, and for a device claiming SBC-3 or
      later READ (16) (READ CAPACITY (16), mandatory since SBC-3 too, is ReadCapacity16.Support's test): each must be GOOD; INVALID COMMAND
      OPERATION CODE for any of them fails the test, since the standard makes them mandatory.`,
    level: 'MUST',
    clause: `${SBC4.COMMANDS}, ${SPC5.INQUIRY}`,
  },
  async (t) => {
    for (const r of ROWS) {
      if (r.sbc3 && !t.dev.sbc3) {
        t.log(`${r.name}: not checked, the device does not claim SBC-3 or later`);
        continue;
      }
      await t.command(r.cdb(t), { what: `${r.name} (mandatory)` });
    }
  },
);

export default suite;
