/**
 * PERSISTENT RESERVE IN service actions (SPC-5 6.16): 00h-03h are READ KEYS, READ RESERVATION, REPORT
 * CAPABILITIES and READ FULL STATUS; 04h-1Fh are reserved.
 */
import { defineSuite, GOOD, INVALID_FIELD_IN_CDB, scsi, SPC5 } from '../../harness/api.js';
import { PR_IN } from './_pr.js';

const suite = defineSuite('PrinServiceactionRange', { families: ['SCSI'], clause: SPC5.PERSISTENT_RESERVE_IN, needs: [PR_IN] });

suite.test(
  'Range',
  {
    doc: `PERSISTENT RESERVE IN with each service action 00h to 02h (READ KEYS, READ RESERVATION, REPORT CAPABILITIES) must be GOOD, and 03h (READ
      FULL STATUS) GOOD or, where it is not implemented, INVALID FIELD IN CDB; with each reserved service action 04h to 1Fh it must end in CHECK
      CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB (a reserved code value, SPC-5 keywords).`,
    level: 'MUST',
    clause: `${SPC5.PERSISTENT_RESERVE_IN}, ${SPC5.RESERVED}`,
  },
  async (t) => {
    for (let sa = 0; sa <= 0x1f; sa++) {
      await t.command(scsi.persistentReserveIn({ sa, alloc: 1024 }), {
        expect: sa <= 2 ? GOOD : sa === 3 ? [GOOD, INVALID_FIELD_IN_CDB] : INVALID_FIELD_IN_CDB,
        what: `PERSISTENT ` + `RESERVE IN SERVICE ACTION=0x${sa.toString(16).padStart(2, '0')}`,
      });
    }
  },
);

export default suite;
