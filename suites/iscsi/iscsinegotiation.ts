/** Operational parameters the target must honour once negotiated (RFC 7143 13). */
import { defineSuite, iscsi, scsi, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSINegotiation', { families: ['iSCSI'], clause: 'RFC 7143 13.12' });

async function mrdsl(t: TestContext, limit: number): Promise<void> {
  const s = await t.login({ keys: { MaxRecvDataSegmentLength: String(limit) }, clearUnitAttentions: true });
  let largest = 0;
  let pdus = 0;
  let offender = '';
  t.raw(s).watch((pdu, raw) => {
    if (raw.dataLength > largest) largest = raw.dataLength;
    if (pdu.opcode === iscsi.Opcode.DATA_IN) pdus++;
    if (raw.dataLength > limit && !offender) offender = iscsi.describePdu(pdu);
  });
  const n = Math.max(1, Math.min(Math.ceil((64 * 1024) / t.dev.blockSize), t.dev.maxTransferBlocks, t.dev.blocks));
  const r = await t.command(scsi.read10({ lba: 0, blocks: n }), { session: s });
  t.equal(r.data.length, n * t.dev.blockSize, `READ(10) of ${n} blocks: bytes of Data-In`);
  await t.command(scsi.inquiry({ alloc: 1024 }), { session: s });
  t.log(`${pdus} Data-In PDUs; the largest data segment received was ${largest} bytes`);
  t.check(!offender, `with MaxRecvDataSegmentLength=${limit} declared, the target sent ${offender} with a ${largest}-byte data segment`);
}

suite.test(
  'MaxRecvDataSegmentLength',
  {
    doc: `Log in declaring MaxRecvDataSegmentLength=512 (the smallest legal value), then READ (10) 64 KiB and INQUIRY: no PDU the target sends may
      carry a data segment longer than 512 bytes, so the read arrives in many Data-In PDUs.
      Quoted: "DataSegmentLength MUST NOT exceed MaxRecvDataSegmentLength for the direction it is sent" (11.7.1).`,
    level: 'MUST',
    session: false,
    needs: ['sbc', 'capacity'],
  },
  (t) => mrdsl(t, 512),
);

suite.test(
  'MaxRecvDataSegmentLength4K',
  {
    doc: `Log in declaring MaxRecvDataSegmentLength=4096, then READ (10) 64 KiB and INQUIRY: no PDU the target sends may carry a data segment longer
      than 4096 bytes.
      Quoted: "DataSegmentLength MUST NOT exceed MaxRecvDataSegmentLength for the direction it is sent" (11.7.1).`,
    level: 'MUST',
    session: false,
    needs: ['sbc', 'capacity'],
  },
  (t) => mrdsl(t, 4096),
);

export default suite;
