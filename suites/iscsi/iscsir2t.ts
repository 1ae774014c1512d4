/** Ready To Transfer (RFC 7143 11.8): R2Ts within the negotiated MaxBurstLength and MaxOutstandingR2T. */
import { defineSuite, iscsi, scsi, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSIR2T', { families: ['iSCSI'], clause: 'RFC 7143 11.8.4' });

suite.test(
  'MaxBurstLength',
  {
    doc: `Log in with MaxBurstLength=4096, FirstBurstLength=4096, MaxOutstandingR2T=1, InitialR2T=Yes and ImmediateData=No, then WRITE (10) up to 64
      KiB: all the data is solicited, and each R2T must ask for at most MaxBurstLength bytes (Desired Data Transfer Length), continue where the
      previous one ended, and come only once the previous R2T has been answered (MaxOutstandingR2T=1); the R2Ts must ask for the whole Expected Data
      Transfer Length and the WRITE must complete with GOOD.
      Quoted: "The Desired Data Transfer Length MUST NOT be 0 and MUST NOT exceed MaxBurstLength" (11.8.4).`,
    clause: 'RFC 7143 11.8.4, RFC 7143 13.13, RFC 7143 13.17',
    level: 'MUST',
    session: false,
    needs: ['sbc', 'capacity', 'dataloss', 'writable'],
  },
  async (t: TestContext) => {
    const s = await t.login({
      keys: { MaxBurstLength: '4096', FirstBurstLength: '4096', MaxOutstandingR2T: '1', InitialR2T: 'Yes', ImmediateData: 'No' },
      clearUnitAttentions: true,
    });
    const p = s.params;
    t.log(
      `negotiated MaxBurstLength ${p.maxBurstLength}, MaxOutstandingR2T ${p.maxOutstandingR2T}, InitialR2T ${p.initialR2T ? 'Yes' : 'No'}, ImmediateData ${p.immediateData ? 'Yes' : 'No'}`,
    );
    const n = Math.max(1, Math.min(Math.ceil((64 * 1024) / t.dev.blockSize), t.dev.maxTransferBlocks, t.dev.blocks));
    const edtl = n * t.dev.blockSize;
    const problems: string[] = [];
    const r2ts: iscsi.R2T[] = [];
    const open = new Set<number>();
    let next = 0;
    const raw = t.raw(s);
    raw.watch((any) => {
      if (any.opcode !== iscsi.Opcode.R2T) return;
      const r = any as iscsi.R2T;
      r2ts.push(r);
      const len = r.desiredDataTransferLength;
      if (len > p.maxBurstLength) problems.push(`an R2T asks for ${len} bytes at offset ${r.bufferOffset}, more than MaxBurstLength ${p.maxBurstLength}`);
      if (r.bufferOffset !== next) problems.push(`an R2T asks for data at offset ${r.bufferOffset}, expected ${next} (where the previous R2T ended)`);
      if (open.size >= p.maxOutstandingR2T)
        problems.push(`an R2T (offset ${r.bufferOffset}) came while ${open.size} R2T(s) were still outstanding, MaxOutstandingR2T ${p.maxOutstandingR2T}`);
      open.add(r.ttt);
      next = r.bufferOffset + len;
    });
    raw.alter((pdu) => {
      if (pdu.opcode === iscsi.Opcode.DATA_OUT && (pdu as iscsi.DataOut).final) open.delete((pdu as iscsi.DataOut).ttt);
      return pdu;
    });
    const cdb = scsi.write10({ lba: 0, blocks: n });
    try {
      await t.command(cdb, { session: s });
    } catch (e) {
      if (problems.length) t.fail(`WRITE(10) LBA=0 LEN=${n} (${edtl} bytes): ${problems[0]}`);
      throw e;
    }
    t.log(`${r2ts.length} R2T(s): ${r2ts.map((r) => `${r.bufferOffset}+${r.desiredDataTransferLength}`).join(' ')}`);
    if (problems.length) t.fail(`WRITE(10) LBA=0 LEN=${n} (${edtl} bytes): ${problems[0]}`);
    t.equal(next, edtl, `WRITE(10) LBA=0 LEN=${n}: bytes the R2Ts asked for (the Expected Data Transfer Length)`);
  },
);

export default suite;
