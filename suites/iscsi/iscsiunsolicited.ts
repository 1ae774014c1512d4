/**
 * Unsolicited data against the burst limits (RFC 7143 13.10, 13.11, 13.13, 13.14): a FirstBurstLength offered above
 * MaxBurstLength, immediate data and unsolicited Data-Out in one burst, and unsolicited data past the Expected
 * Data Transfer Length. iSCSIDataOut covers the unsolicited burst alone (up to FirstBurstLength, beyond it, the F
 * bit). The tests of unsolicited Data-Out need InitialR2T=No and skip where the target keeps Yes.
 */
import { ANSWER, defineSuite, DROPPED, iscsi, LOGIN_STATUS, REJECT, scsi, type TestContext, type TestSession } from '../../harness/api.js';
import { exchange, LoginStatus, loginRequest, throughSecurity, valueOf } from './_login.js';

const suite = defineSuite('iSCSIUnsolicited', { families: ['iSCSI'], clause: 'RFC 7143 13.14' });
const { Opcode, RESERVED_TAG, Stage } = iscsi;
const WRITE_NEEDS = ['sbc', 'capacity', 'dataloss', 'writable'] as const;

/** A Reject, or a PDU of the task with this ITT (an R2T included): the target's next word on a WRITE. */
const answerOf = (itt: number) => (p: iscsi.AnyPdu) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === itt);

/** Data-Out PDUs with `data[from, to)` of the command `w`, at most `seg` bytes each, DataSN from 0, F on the last. */
function dataOuts(w: iscsi.ScsiCommand, data: Buffer, from: number, to: number, ttt: number, seg: number): iscsi.DataOut[] {
  const out: iscsi.DataOut[] = [];
  for (let at = from, sn = 0; at < to; at += seg, sn++) {
    const end = Math.min(to, at + seg);
    out.push({
      opcode: Opcode.DATA_OUT,
      final: end === to,
      lun: w.lun,
      itt: w.itt,
      ttt,
      expStatSN: 0,
      dataSN: sn,
      bufferOffset: at,
      data: data.subarray(at, end),
    });
  }
  return out;
}

/** A session with InitialR2T=No (skips when the target keeps InitialR2T=Yes). */
async function unsolicitedSession(t: TestContext, keys: Record<string, string>): Promise<TestSession> {
  const s = await t.login({ keys: { InitialR2T: 'No', ...keys }, clearUnitAttentions: true });
  const p = t.raw(s).params;
  if (p.initialR2T) t.skip('the target answered InitialR2T=Yes (13.10: the OR of both sides); unsolicited Data-Out is not allowed');
  t.log(
    `InitialR2T=No, ImmediateData=${p.immediateData ? 'Yes' : 'No'}, FirstBurstLength=${p.firstBurstLength}, MaxBurstLength=${p.maxBurstLength}, ` +
      `MaxRecvDataSegmentLength=${p.maxSendDataSegmentLength}`,
  );
  return s;
}

suite.test(
  'FirstBurstAboveMaxBurst',
  {
    doc: `After the security stage, an operational-stage Login Request offers InitialR2T=No, MaxBurstLength=4096 and FirstBurstLength=16384, breaking
      "FirstBurstLength MUST NOT exceed MaxBurstLength" (13.14). The target should refuse the login (status class 02, initiator error) or answer so
      that the outcome keeps the rule: its FirstBurstLength answer no larger than its MaxBurstLength answer (at most 4096, 13.13's min()), never a
      FirstBurstLength of 16384 beside a MaxBurstLength of 4096.`,
    clause: 'RFC 7143 13.14, RFC 7143 13.13, RFC 7143 6.2',
    level: 'SHOULD',
    session: false,
  },
  async (t: TestContext) => {
    const c = await t.connect();
    const st = await throughSecurity(t, c);
    const keys: iscsi.KeyValue[] = [
      ['InitialR2T', 'No'],
      ['MaxBurstLength', '4096'],
      ['FirstBurstLength', '16384'],
    ];
    const what = 'an operational-stage Login Request offering MaxBurstLength=4096 and FirstBurstLength=16384';
    const a = await exchange(
      t,
      c,
      loginRequest({ isid: st.isid, keys, transit: true, csg: Stage.OPERATIONAL, nsg: Stage.FULL_FEATURE, cmdSN: st.cmdSN, expStatSN: st.expStatSN }),
    );
    if ('end' in a) t.fail(`${what}: expected a Login Response, got the connection closed`);
    if (a.rsp.statusClass !== 0) {
      t.checkIscsi(
        what,
        { kind: 'login-refused', statusClass: a.rsp.statusClass, statusDetail: a.rsp.statusDetail },
        LOGIN_STATUS(LoginStatus.INITIATOR_ERROR >> 8),
      );
      return;
    }
    const mbl = valueOf(a.pairs, 'MaxBurstLength');
    const fbl = valueOf(a.pairs, 'FirstBurstLength');
    const n = (v: string | undefined) => (v === undefined ? undefined : iscsi.parseNumber(v));
    t.check(n(mbl) !== undefined && n(fbl) !== undefined, `${what}: the target answered MaxBurstLength=${mbl} and FirstBurstLength=${fbl}; both need a number`);
    t.check(
      n(fbl)! <= n(mbl)!,
      `${what}: the target accepted it and answered FirstBurstLength=${fbl} above MaxBurstLength=${mbl} (13.14: FirstBurstLength MUST NOT exceed MaxBurstLength)`,
    );
  },
);

suite.test(
  'ImmediateAndUnsolicited',
  {
    doc: `Log in with InitialR2T=No, ImmediateData=Yes and FirstBurstLength=4 blocks, then WRITE (10) one block more than FirstBurstLength holds, F=0,
      with its first block as immediate data and the rest of the first burst as unsolicited Data-Out (TTT 0xffffffff, DataSN from 0, Buffer Offset
      after the immediate data, F on the last). Immediate data and unsolicited Data-Out together make up the unsolicited data, at most FirstBurstLength
      (13.14): the target must ask for the rest with an R2T at Buffer Offset FirstBurstLength for the last block (11.8), complete the WRITE with GOOD
      once that comes, and the blocks must read back.`,
    clause: 'RFC 7143 13.14, RFC 7143 13.10, RFC 7143 13.11, RFC 7143 11.8',
    level: 'MUST',
    session: false,
    needs: [...WRITE_NEEDS],
    timeout: 30,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const s = await unsolicitedSession(t, { ImmediateData: 'Yes', FirstBurstLength: String(4 * bs) });
    const raw = t.raw(s);
    const p = raw.params;
    if (!p.immediateData) t.skip('the target answered ImmediateData=No (13.11: the AND of both sides)');
    const firstBlocks = Math.floor(p.firstBurstLength / bs);
    if (firstBlocks < 2 || p.maxSendDataSegmentLength < bs)
      t.skip(
        `FirstBurstLength ${p.firstBurstLength} or MaxRecvDataSegmentLength ${p.maxSendDataSegmentLength} leaves no room for a block of immediate data and one of Data-Out`,
      );
    const first = firstBlocks * bs;
    const blocks = firstBlocks + 1;
    const data = t.pattern(0, blocks);
    const w = raw.scsiCommand({
      cdb: scsi.write10({ lba: 0, blocks }),
      write: true,
      final: false,
      expectedDataTransferLength: data.length,
      data: data.subarray(0, bs),
    });
    const unsolicited = dataOuts(w, data, bs, first, RESERVED_TAG, p.maxSendDataSegmentLength);
    t.log(
      `WRITE (10) of ${blocks} blocks with ${bs} bytes of immediate data, then ${first - bs} bytes of unsolicited Data-Out in ${unsolicited.length} PDU(s)`,
    );
    const r2t = await t.expectIscsi(
      `a WRITE (10) of ${data.length} bytes whose first ${first} (FirstBurstLength) came as immediate data and unsolicited Data-Out`,
      {
        session: s,
        send: (r) => {
          r.send(w);
          for (const d of unsolicited) r.send({ ...d, expStatSN: r.expStatSN });
        },
        answer: answerOf(w.itt),
        withinMs: 5000,
        expect: ANSWER(Opcode.R2T, { bufferOffset: first, desiredDataTransferLength: data.length - first }),
      },
    );
    const ttt = r2t.kind === 'pdu' ? (r2t.pdu as iscsi.R2T).ttt : RESERVED_TAG;
    await t.expectIscsi(`the Data-Out the R2T at Buffer Offset ${first} asked for`, {
      session: s,
      send: (r) => {
        for (const d of dataOuts(w, data, first, data.length, ttt, p.maxSendDataSegmentLength)) r.send({ ...d, expStatSN: r.expStatSN });
      },
      answer: answerOf(w.itt),
      withinMs: 5000,
      expect: ANSWER(Opcode.SCSI_RESPONSE, { status: scsi.ScsiStatus.GOOD }),
    });
    t.remember(0, data, 'the WRITE (10) of immediate, unsolicited and solicited data');
  },
);

suite.test(
  'UnsolicitedBeyondEdtl',
  {
    doc: `Log in with InitialR2T=No, ImmediateData=No and FirstBurstLength=4 blocks, then WRITE (10) of one block (Expected Data Transfer Length one block)
      with F=0 followed by two blocks of unsolicited Data-Out. Unsolicited data is bounded by FirstBurstLength and by the command's own length: the
      initiator may send it "as if it has received an initial R2T" (13.10), and no R2T asks for more than the Expected Data Transfer Length (11.8.3).
      The target should refuse the data past it (a Reject, a CHECK CONDITION, or dropping the connection), not complete the WRITE with GOOD.`,
    clause: 'RFC 7143 13.14, RFC 7143 13.10, RFC 7143 11.8.3, RFC 7143 11.17.1',
    level: 'SHOULD',
    session: false,
    needs: [...WRITE_NEEDS],
    timeout: 30,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const s = await unsolicitedSession(t, { ImmediateData: 'No', FirstBurstLength: String(4 * bs) });
    const raw = t.raw(s);
    const p = raw.params;
    if (p.firstBurstLength < 2 * bs) t.skip(`FirstBurstLength ${p.firstBurstLength} holds fewer than two blocks: the excess would break it too`);
    const data = Buffer.alloc(2 * bs, 0x5d);
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks: 1 }), write: true, final: false, expectedDataTransferLength: bs });
    const pdus = dataOuts(w, data, 0, data.length, RESERVED_TAG, p.maxSendDataSegmentLength);
    t.log(`WRITE (10) of 1 block (EDTL ${bs}) with F=0, then ${data.length} bytes of unsolicited Data-Out in ${pdus.length} PDU(s)`);
    await t.expectIscsi(`${data.length} bytes of unsolicited Data-Out for a WRITE (10) whose Expected Data Transfer Length is ${bs}`, {
      session: s,
      send: (r) => {
        r.send(w);
        for (const d of pdus) r.send({ ...d, expStatSN: r.expStatSN });
      },
      answer: (q) => q.opcode === Opcode.REJECT || ('itt' in q && q.itt === w.itt && q.opcode !== Opcode.R2T),
      withinMs: 5000,
      expect: [REJECT(), DROPPED, ANSWER(Opcode.SCSI_RESPONSE, { status: scsi.ScsiStatus.CHECK_CONDITION })],
    });
    t.forget(0, 1);
  },
);

export default suite;
