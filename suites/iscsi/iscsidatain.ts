/** SCSI Data-In (RFC 7143 11.7): the F and S bits of each Data-In PDU. */
import { defineSuite, iscsi, scsi, type ScsiResult, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSIDataIn', { families: ['iSCSI'], clause: 'RFC 7143 11.7.1' });

suite.test(
  'StatusFinal',
  {
    doc: `Log in with MaxBurstLength=8192 and MaxRecvDataSegmentLength=4096, then READ (10) up to 64 KiB and INQUIRY: every Data-In PDU that has the S
      bit (status in the Data-In) must also have the F bit; the last Data-In of each Data-In sequence (every MaxBurstLength bytes, and the end of the
      data) must have the F bit.
      Quoted: "the total of all the DataSegmentLength of all PDUs in a sequence MUST NOT exceed MaxBurstLength" (11.7.1).`,
    clause: 'RFC 7143 11.7.1, RFC 7143 13.13',
    level: 'MUST',
    session: false,
    needs: ['sbc', 'capacity'],
  },
  async (t: TestContext) => {
    const s = await t.login({ keys: { MaxBurstLength: '8192', FirstBurstLength: '8192', MaxRecvDataSegmentLength: '4096' }, clearUnitAttentions: true });
    const burst = s.params.maxBurstLength;
    t.log(`MaxBurstLength ${burst} negotiated`);
    const problems: string[] = [];
    let last: iscsi.DataIn | undefined;
    let inBurst = 0;
    let pdus = 0;
    t.raw(s).watch((any, raw) => {
      if (any.opcode !== iscsi.Opcode.DATA_IN) return;
      const pdu = any as iscsi.DataIn;
      pdus++;
      last = pdu;
      inBurst += raw.dataLength;
      if (pdu.statusPresent && !pdu.final) problems.push(`${iscsi.describePdu(pdu)} has the S bit without the F bit`);
      if (inBurst > burst) problems.push(`a Data-In sequence ran to ${inBurst} bytes without the F bit, past MaxBurstLength ${burst}`);
      if (pdu.final) inBurst = 0;
    });
    const check = (r: ScsiResult) => {
      if (problems.length) t.fail(`${r.what}: ${problems[0]}`);
      if (r.data.length > 0) t.check(last?.final, `${r.what}: the last Data-In (${last ? iscsi.describePdu(last) : 'none'}) does not have the F bit`);
    };
    const n = Math.max(1, Math.min(Math.ceil((64 * 1024) / t.dev.blockSize), t.dev.maxTransferBlocks, t.dev.blocks));
    let r: ScsiResult;
    try {
      r = await t.command(scsi.read10({ lba: 0, blocks: n }), { session: s });
    } catch (e) {
      if (problems.length) t.fail(`READ(10) LBA=0 LEN=${n}: ${problems[0]}`);
      throw e;
    }
    check(r);
    t.log(`${pdus} Data-In PDUs`);
    r = await t.command(scsi.inquiry({ alloc: 255 }), { session: s });
    check(r);
  },
);

export default suite;
