/** Header and data digests (RFC 7143 13.1, 11.2.4): negotiated, then used on every PDU. */
import { defineSuite, DROPPED, iscsi, IscsiError, NO_ANSWER, outcomeText, REJECT, scsi, type RawSession, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSIDigests', { families: ['iSCSI'], clause: 'RFC 7143 13.1' });

async function exercise(t: TestContext, which: 'header' | 'data' | 'both'): Promise<void> {
  const key = which === 'header' ? 'HeaderDigest' : which === 'data' ? 'DataDigest' : 'HeaderDigest and DataDigest';
  const s = await t.login({
    ...(which !== 'data' ? { headerDigest: 'CRC32C,None' as const } : {}),
    ...(which !== 'header' ? { dataDigest: 'CRC32C,None' as const } : {}),
    clearUnitAttentions: true,
  });
  if (which !== 'data' && !s.params.headerDigest) t.skip('the target chose HeaderDigest=None from CRC32C,None');
  if (which !== 'header' && !s.params.dataDigest) t.skip('the target chose DataDigest=None from CRC32C,None');
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

/** A ping the target must answer, built by hand so that its bytes can be broken. */
function ping(raw: RawSession, data: string): iscsi.NopOut {
  return {
    opcode: iscsi.Opcode.NOP_OUT,
    immediate: true,
    lun: 0n,
    itt: raw.newItt(),
    ttt: iscsi.RESERVED_TAG,
    cmdSN: raw.cmdSN,
    expStatSN: raw.expStatSN,
    data: Buffer.from(data, 'latin1'),
  };
}

/**
 * A WRITE (10) of one block whose data goes with a wrong data digest (in a Data-Out, or as immediate data):
 * the target must not complete it with GOOD as though the data had come intact.
 */
async function writeWithBadDigest(t: TestContext, where: 'Data-Out' | 'immediate data'): Promise<void> {
  const immediate = where === 'immediate data';
  const keys = immediate ? { ImmediateData: 'Yes', InitialR2T: 'No' } : { ImmediateData: 'No', InitialR2T: 'Yes' };
  const s = await t.login({ dataDigest: 'CRC32C,None', keys, clearUnitAttentions: true });
  if (!s.params.dataDigest) t.skip('the target chose DataDigest=None from CRC32C,None');
  if (immediate && !s.params.immediateData) t.skip('the target chose ImmediateData=No');
  const raw = t.raw(s);
  const lba = Math.min(100, t.dev.blocks - 1);
  let broken = 0;
  // The first PDU carrying the write's data leaves with its data digest's last bit flipped.
  raw.alter((p) => {
    const carries = immediate ? p.opcode === iscsi.Opcode.SCSI_COMMAND && !!p.data?.length : p.opcode === iscsi.Opcode.DATA_OUT;
    if (!carries || broken++ > 0) return p;
    return raw.frame(p, { corruptDataDigest: true });
  });
  const what = `WRITE(10) LBA=${lba} LEN=1 whose ${where} has a wrong data digest`;
  t.log(`> ${what}: expect anything but GOOD`);
  const ms = Math.min(5000, t.remainingMs());
  const r = await t.settle(s.command({ cdb: scsi.write10({ lba, blocks: 1 }), dataOut: t.pattern(lba, 1), timeoutMs: ms + 1000 }), ms);
  if (!r.done) t.log(`< no answer within ${ms / 1000} s: not completed`);
  else if ('error' in r) {
    if (!(r.error instanceof IscsiError)) throw r.error;
    t.log(`< not completed: ${r.error.message}`);
  } else {
    t.log(`< ${outcomeText(r.value)}`);
    if (r.value.response === 0 && r.value.status === 0)
      t.fail(`${what}: the target completed it with GOOD; data whose digest is wrong must not be taken as received`);
  }
  t.check(broken > 0, `${what}: the write sent no ${where} to break`);
  t.log(`Rejects in this session: ${s.rejects.map((x) => iscsi.rejectReasonName(x.reason)).join(', ') || 'none'}`);
  // What the target left in the block is not checked afterwards.
  t.forget(lba, 1);
}

suite.test(
  'HeaderDigest',
  {
    doc: `Log in offering HeaderDigest=CRC32C,None. If the target chooses CRC32C, every PDU after login carries a header digest: TEST UNIT READY,
      INQUIRY, a READ (10) of up to 128 blocks and a NOP-Out ping must all complete, and every header digest the target sends must be correct (a wrong
      one fails the test). A target that chooses None is skipped.
      Quoted: "When the Initiator and Target agree on a digest, this digest MUST be used for every PDU in Full Feature Phase";
      "The CRC MUST be calculated by a method that produces the same results as" the process given (13.1, RFC 3720 12.1 wording).`,
    level: 'MUST',
    session: false,
  },
  (t) => exercise(t, 'header'),
);

suite.test(
  'DataDigest',
  {
    doc: `Log in offering DataDigest=CRC32C,None. If the target chooses CRC32C, every data segment after login carries a data digest: INQUIRY, a READ
      (10) of up to 128 blocks and a NOP-Out ping with data must complete, and every data digest the target sends must be correct. A target that
      chooses None is skipped.
      Quoted: "When the Initiator and Target agree on a digest, this digest MUST be used for every PDU in Full Feature Phase";
      "The CRC MUST be calculated by a method that produces the same results as" the process given (13.1, RFC 3720 12.1 wording).`,
    level: 'MUST',
    session: false,
  },
  (t) => exercise(t, 'data'),
);

suite.test(
  'BadDataDigest',
  {
    doc: `Log in offering DataDigest=CRC32C,None (a target that chooses None is skipped). Send an immediate NOP-Out ping carrying 8 bytes of data
      whose data digest is wrong: the target must not act on it. It must answer with a Reject, reason Data digest error (0x02), and discard the PDU,
      so no NOP-In answers that ping within 3 s (a target that drops the connection instead also does not act on it). If the connection is kept, a
      ping with a correct digest must then be answered.`,
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
    const o = await t.expectIscsi(
      `a NOP-Out ping (ITT 0x${itt.toString(16)}, 8 bytes of data) whose data digest was wrong, which must be discarded, not acted on`,
      {
        session: s,
        send: (r) => r.sendBytes(...r.frame(ping, { corruptDataDigest: true })),
        answer: (p) => p.opcode === iscsi.Opcode.NOP_IN && p.itt === itt,
        withinMs: ms,
        expect: [NO_ANSWER, DROPPED],
      },
    );
    if (o.kind === 'closed') {
      t.log('the target dropped the connection: the PDU was not acted on');
      return;
    }
    const reject = s.rejects[rejected];
    t.checkIscsi(
      'a NOP-Out whose data digest was wrong',
      reject ? { kind: 'pdu', pdu: reject } : { kind: 'silence', ms },
      REJECT(iscsi.RejectReason.DATA_DIGEST_ERROR),
    );
    t.log('A NOP-Out ping with a correct data digest must then be answered');
    const ok = await s.nop({ data: Buffer.from('gooddgst', 'latin1'), timeoutMs: t.remainingMs() });
    t.check((ok.data ?? Buffer.alloc(0)).toString('latin1') === 'gooddgst', 'the NOP-In answering a ping with a correct data digest did not echo its data');
  },
);

suite.test(
  'BothDigests',
  {
    doc: `Log in offering HeaderDigest=CRC32C,None and DataDigest=CRC32C,None (with HeaderDigest and DataDigest alone, and none at all in every other
      test, the four combinations). If the target chooses CRC32C for both, every PDU carries both digests: TEST UNIT READY, INQUIRY, a READ (10) of up
      to 128 blocks and a NOP-Out ping with data must complete, and every digest the target sends must be correct. A target that chooses None for
      either is skipped.
      Quoted: "When the Initiator and Target agree on a digest, this digest MUST be used for every PDU in Full Feature Phase";
      "The CRC MUST be calculated by a method that produces the same results as" the process given (13.1, RFC 3720 12.1 wording).`,
    level: 'MUST',
    session: false,
  },
  (t) => exercise(t, 'both'),
);

suite.test(
  'BadHeaderDigest',
  {
    doc: `Log in offering HeaderDigest=CRC32C,None (a target that chooses None is skipped). Send an immediate NOP-Out ping whose header digest is
      wrong: a target receiving a PDU with a header digest error must either discard it (and what follows up to a later PDU) or close the connection,
      so no NOP-In may answer that ping within 3 s.`,
    clause: 'RFC 7143 7.8, RFC 7143 13.1',
    level: 'MUST',
    session: false,
    timeout: 30,
  },
  async (t) => {
    const s = await t.login({ headerDigest: 'CRC32C,None' });
    if (!s.params.headerDigest) t.skip('the target chose HeaderDigest=None from CRC32C,None');
    const raw = t.raw(s);
    const p = ping(raw, 'badhdrdg');
    await t.expectIscsi(`a NOP-Out ping (ITT 0x${p.itt.toString(16)}) whose header digest was wrong, which must be discarded or end the connection`, {
      session: s,
      send: (r) => r.sendBytes(...r.frame(p, { corruptHeaderDigest: true })),
      answer: (x) => x.opcode === iscsi.Opcode.NOP_IN && x.itt === p.itt,
      withinMs: 3000,
      expect: [NO_ANSWER, DROPPED],
    });
  },
);

suite.test(
  'BadDataDigestDataOut',
  {
    doc: `Log in offering DataDigest=CRC32C,None with ImmediateData=No and InitialR2T=Yes (a target that chooses DataDigest=None is skipped), then
      WRITE (10) one block whose solicited Data-Out goes with a wrong data digest: the data is corrupt, so the target must not complete the WRITE with
      GOOD (it may end it with CHECK CONDITION, Reject the PDU, drop the connection; no answer within 5 s also counts as not completed).`,
    clause: 'RFC 7143 7.8, RFC 7143 11.7.6',
    level: 'MUST',
    session: false,
    timeout: 30,
    needs: ['sbc', 'capacity', 'dataloss', 'writable'],
  },
  (t) => writeWithBadDigest(t, 'Data-Out'),
);

suite.test(
  'BadDataDigestImmediate',
  {
    doc: `Log in offering DataDigest=CRC32C,None with ImmediateData=Yes and InitialR2T=No (skipped when the target chooses DataDigest=None or
      ImmediateData=No), then WRITE (10) one block whose immediate data (in the SCSI Command PDU) goes with a wrong data digest: the target must not
      complete the WRITE with GOOD (it may Reject the PDU with reason Data digest error, end the command with CHECK CONDITION or drop the connection;
      no answer within 5 s also counts as not completed).`,
    clause: 'RFC 7143 7.8, RFC 7143 11.3.7',
    level: 'MUST',
    session: false,
    timeout: 30,
    needs: ['sbc', 'capacity', 'dataloss', 'writable'],
  },
  (t) => writeWithBadDigest(t, 'immediate data'),
);

export default suite;
