/** Header and data digests (RFC 7143 13.1, 11.2.4): negotiated, then used on every PDU. */
import { defineSuite, iscsi, scsi, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSIDigests', { families: ['iSCSI'], clause: 'RFC 7143 13.1' });

async function exercise(t: TestContext, which: 'header' | 'data'): Promise<void> {
  const key = which === 'header' ? 'HeaderDigest' : 'DataDigest';
  const s = await t.login({ [which === 'header' ? 'headerDigest' : 'dataDigest']: 'CRC32C,None', clearUnitAttentions: true });
  const chosen = which === 'header' ? s.params.headerDigest : s.params.dataDigest;
  if (!chosen) t.skip(`the target chose ${key}=None from CRC32C,None`);
  t.log(`${key}=CRC32C negotiated: every PDU now carries it, and the initiator checks each one it receives`);
  await t.command(scsi.testUnitReady(), { session: s });
  await t.command(scsi.inquiry({ alloc: 255 }), { session: s });
  if (t.dev.blockSize > 0) {
    const n = Math.max(1, Math.min(128, t.dev.maxTransferBlocks, t.dev.blocks));
    const r = await t.command(scsi.read10({ lba: 0, blocks: n }), { session: s });
    t.equal(r.data.length, n * t.dev.blockSize, `READ(10) of ${n} blocks with ${key}=CRC32C: bytes of Data-In`);
  }
  const nop = await s.nop({ data: Buffer.from('digest-ping', 'latin1'), timeoutMs: t.remainingMs() });
  t.check((nop.data ?? Buffer.alloc(0)).toString('latin1') === 'digest-ping', `NOP-In with ${key}=CRC32C did not echo the ping data`);
}

suite.test(
  'HeaderDigest',
  {
    doc: 'Log in offering HeaderDigest=CRC32C,None. If the target chooses CRC32C, every PDU after login carries a header digest: TEST UNIT READY, INQUIRY, a READ (10) of up to 128 blocks and a NOP-Out ping must all complete, and every header digest the target sends must be correct (a wrong one fails the test). A target that chooses None is skipped.',
    level: 'MUST',
    session: false,
  },
  (t) => exercise(t, 'header'),
);

suite.test(
  'DataDigest',
  {
    doc: 'Log in offering DataDigest=CRC32C,None. If the target chooses CRC32C, every data segment after login carries a data digest: INQUIRY, a READ (10) of up to 128 blocks and a NOP-Out ping with data must complete, and every data digest the target sends must be correct. A target that chooses None is skipped.',
    level: 'MUST',
    session: false,
  },
  (t) => exercise(t, 'data'),
);

suite.test(
  'BadDataDigest',
  {
    doc: 'Log in offering DataDigest=CRC32C,None (a target that chooses None is skipped). Send an immediate NOP-Out ping carrying 8 bytes of data whose data digest is wrong: the target must not act on it. It must answer with a Reject, reason Data digest error (0x02), and discard the PDU, so no NOP-In answers that ping within 3 s (a target that drops the connection instead also does not act on it). If the connection is kept, a ping with a correct digest must then be answered.',
    clause: 'RFC 7143 7.8, RFC 7143 11.17.1, RFC 7143 13.1',
    level: 'MUST',
    session: false,
    timeout: 30,
  },
  async (t) => {
    const s = await t.login({ dataDigest: 'CRC32C,None' });
    if (!s.params.dataDigest) t.skip('the target chose DataDigest=None from CRC32C,None');
    const itt = s.allocItt();
    const ping: iscsi.NopOut = {
      opcode: iscsi.Opcode.NOP_OUT,
      immediate: true,
      lun: 0n,
      itt,
      ttt: iscsi.RESERVED_TAG,
      cmdSN: s.cmdSN,
      expStatSN: s.expStatSN,
      data: Buffer.from('baddigst', 'latin1'),
    };
    const bufs = iscsi.frameEncoded(iscsi.encodeHeader(ping), ping.data, { headerDigest: s.params.headerDigest, dataDigest: true });
    // The data digest is the last 4 bytes: flip one bit of it.
    const tail = Buffer.from(bufs[bufs.length - 1]!);
    tail[tail.length - 1]! ^= 0x01;
    bufs[bufs.length - 1] = tail;
    const ms = 3000;
    t.log(`NOP-Out ping ITT 0x${itt.toString(16)} with 8 bytes of data and a wrong data digest: expect a Reject (Data digest error) and no NOP-In within ${ms / 1000} s`);
    const answer = s.waitFor((p) => p.opcode === iscsi.Opcode.NOP_IN && (p as iscsi.NopIn).itt === itt, ms + 500, 'an answer to the ping with the wrong digest');
    answer.catch(() => undefined);
    const reject = s.waitFor((p) => p.opcode === iscsi.Opcode.REJECT, ms + 500, 'a Reject');
    reject.catch(() => undefined);
    s.sendRaw(...bufs);
    const a = await t.settle(answer, ms);
    if (a.done && 'value' in a) t.fail(`the target answered a NOP-Out whose data digest was wrong with ${iscsi.describePdu(a.value)}: a PDU with a data digest error must be discarded (and Rejected), not acted on`);
    if (!s.isOpen) {
      t.log(`the target dropped the connection (${s.closeReason?.message ?? 'closed'}): the PDU was not acted on`);
      return;
    }
    const rj = await t.settle(reject, 500);
    t.check(rj.done && 'value' in rj, `the target neither answered nor Rejected a NOP-Out with a wrong data digest within ${ms / 1000} s: it must answer with a Reject, reason Data digest error`);
    if (rj.done && 'value' in rj) {
      const r = rj.value as iscsi.Reject;
      t.log(`< ${iscsi.describePdu(r)}`);
      t.equal(r.reason, iscsi.RejectReason.DATA_DIGEST_ERROR, 'Reject reason for a PDU with a wrong data digest (0x02 Data digest error)');
    }
    t.log('A NOP-Out ping with a correct data digest must then be answered');
    const ok = await s.nop({ data: Buffer.from('gooddgst', 'latin1'), timeoutMs: t.remainingMs() });
    t.check((ok.data ?? Buffer.alloc(0)).toString('latin1') === 'gooddgst', 'the NOP-In answering a ping with a correct data digest did not echo its data');
  },
);

export default suite;
