/** Header and data digests (RFC 7143 13.1, 11.2.4): negotiated, then used on every PDU. */
import { defineSuite, DROPPED, iscsi, NO_ANSWER, REJECT, scsi, type TestContext } from '../../harness/api.js';

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
    const raw = t.raw(s);
    const itt = raw.newItt();
    const ping: iscsi.NopOut = {
      opcode: iscsi.Opcode.NOP_OUT,
      immediate: true,
      lun: 0n,
      itt,
      ttt: iscsi.RESERVED_TAG,
      cmdSN: raw.cmdSN,
      expStatSN: raw.expStatSN,
      data: Buffer.from('baddigst', 'latin1'),
    };
    const ms = 3000;
    const rejected = s.rejects.length;
    const o = await t.expectIscsi(`a NOP-Out ping (ITT 0x${itt.toString(16)}, 8 bytes of data) whose data digest was wrong, which must be discarded, not acted on`, {
      session: s,
      send: (r) => r.sendBytes(...r.frame(ping, { corruptDataDigest: true })),
      answer: (p) => p.opcode === iscsi.Opcode.NOP_IN && p.itt === itt,
      withinMs: ms,
      expect: [NO_ANSWER, DROPPED],
    });
    if (o.kind === 'closed') {
      t.log('the target dropped the connection: the PDU was not acted on');
      return;
    }
    const reject = s.rejects[rejected];
    t.checkIscsi('a NOP-Out whose data digest was wrong', reject ? { kind: 'pdu', pdu: reject } : { kind: 'silence', ms }, REJECT(iscsi.RejectReason.DATA_DIGEST_ERROR));
    t.log('A NOP-Out ping with a correct data digest must then be answered');
    const ok = await s.nop({ data: Buffer.from('gooddgst', 'latin1'), timeoutMs: t.remainingMs() });
    t.check((ok.data ?? Buffer.alloc(0)).toString('latin1') === 'gooddgst', 'the NOP-In answering a ping with a correct data digest did not echo its data');
  },
);

export default suite;
