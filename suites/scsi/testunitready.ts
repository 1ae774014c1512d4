/** TEST UNIT READY (SPC-5). */
import { defineSuite, scsi, SPC5 } from '../../harness/api.js';

const suite = defineSuite('TestUnitReady', { families: ['SCSI'], clause: SPC5.TEST_UNIT_READY });

suite.test(
  'Simple',
  {
    doc: `Sends TEST UNIT READY to a logical unit whose medium is present and ready (the harness has already cleared the unit attentions of the new
      nexus): it must complete with GOOD status and transfer no data.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await t.command(scsi.testUnitReady());
    t.equal(r.data.length, 0, 'TEST UNIT READY Data-In bytes');
  },
);

export default suite;
