/** Header and data digests (RFC 7143 13.1, 11.2.4): negotiated, then used on every PDU. */
import { defineSuite, scsi, type TestContext } from '../../harness/api.js';

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

export default suite;
