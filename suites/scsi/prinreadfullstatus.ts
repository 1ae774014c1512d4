/**
 * PERSISTENT RESERVE IN, READ FULL STATUS (SPC-5 6.16): one status descriptor for each registered I_T
 * nexus, with its key, whether it holds the reservation (and then its type and scope), and the initiator
 * port as a TransportID.
 */
import { defineSuite, GOOD, INVALID_FIELD_IN_CDB, prReadFullStatus, prReserve, scsi, SPC5 } from '../../harness/api.js';
import { K1, K2, PR_OUT, PR_TYPES, registerBoth, requireType } from './_pr.js';

const suite = defineSuite('PrinReadFullStatus', { families: ['SCSI'], clause: SPC5.READ_FULL_STATUS, needs: ['dataloss', PR_OUT, 'twoInitiators'] });

suite.test(
  'Simple',
  {
    doc: `Both I_T nexuses register (K1, K2) and the first reserves WRITE EXCLUSIVE. READ FULL STATUS (skipped where it is answered INVALID FIELD IN
      CDB: not implemented) must be GOOD, its ADDITIONAL LENGTH must match the descriptors returned, and there must be one descriptor with K1
      (R_HOLDER 1, TYPE WRITE EXCLUSIVE, LU_SCOPE) and one with K2 (R_HOLDER 0); each descriptor's TransportID must be an iSCSI one (PROTOCOL
      IDENTIFIER 5h) naming the initiator that registered the key (--initiator-name for K1, --initiator-name-2 for K2).`,
    level: 'MUST',
    clause: `${SPC5.READ_FULL_STATUS}, ${SPC5.TRANSPORT_ID}`,
  },
  async (t) => {
    await requireType(t, PR_TYPES[0]!);
    const [a] = await registerBoth(t);
    await prReserve(t, K1, PR_TYPES[0]!.code, { session: a });
    const probe = await t.command(scsi.persistentReserveIn({ sa: scsi.PrInSa.READ_FULL_STATUS, alloc: 8 }), {
      session: a,
      expect: [GOOD, INVALID_FIELD_IN_CDB],
    });
    if (probe.status !== scsi.ScsiStatus.GOOD) t.skip('target does not implement PERSISTENT RESERVE IN READ FULL STATUS (INVALID FIELD IN CDB)');
    const fs = await prReadFullStatus(t, { session: a });
    t.check(!fs.truncated, 'READ FULL STATUS returned less than its ADDITIONAL LENGTH with ALLOCATION LENGTH 8192');
    for (const [key, holder, name] of [
      [K1, true, t.config.initiatorName],
      [K2, false, t.config.initiatorName2],
    ] as const) {
      const d = fs.descriptors.filter((x) => x.key === key);
      t.equal(d.length, 1, `READ FULL STATUS: descriptors with key 0x${key.toString(16)}`);
      const x = d[0]!;
      t.equal(x.rHolder, holder, `READ FULL STATUS: R_HOLDER of key 0x${key.toString(16)}`);
      if (holder) {
        t.equal(x.type, PR_TYPES[0]!.code, 'READ FULL STATUS: TYPE of the holder');
        t.equal(x.scope, 0, 'READ FULL STATUS: SCOPE of the holder');
      }
      const id = scsi.parseTransportId(x.transportId);
      t.equal(id.protocolIdentifier, 5, `READ FULL STATUS: TransportID PROTOCOL IDENTIFIER of key 0x${key.toString(16)} (iSCSI)`);
      t.equal(id.name?.toLowerCase(), name.toLowerCase(), `READ FULL STATUS: iSCSI name in the TransportID of key 0x${key.toString(16)}`);
    }
  },
);

export default suite;
