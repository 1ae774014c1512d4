/** Command numbering (RFC 7143 4.2.2.1): commands outside [ExpCmdSN, MaxCmdSN] are silently ignored. */
import { defineSuite, iscsi, NO_ANSWER, scsi, type SequenceNumbers, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSIcmdsn', { families: ['iSCSI'], clause: 'RFC 7143 4.2.2.1' });

/** Send TEST UNIT READY by hand with this CmdSN; the target must not answer it within `ms`. */
async function outOfWindow(t: TestContext, cmdSN: (n: SequenceNumbers) => number, why: string, ms = 3000): Promise<void> {
  const raw = t.raw();
  const n = raw.numbers();
  const sn = cmdSN(n) >>> 0;
  const pdu = raw.scsiCommand({ cdb: scsi.testUnitReady(), cmdSN: sn });
  t.log(`TEST UNIT READY with CmdSN ${sn} (${why}; ExpCmdSN ${n.expCmdSN}, MaxCmdSN ${n.maxCmdSN})`);
  await t.expectIscsi(`a command with CmdSN ${sn} (${why}), which must be silently ignored`, {
    send: (r) => r.send(pdu),
    answer: (p) => ('itt' in p && p.itt === pdu.itt) || p.opcode === iscsi.Opcode.REJECT,
    withinMs: ms,
    expect: NO_ANSWER,
  });
  t.log('No answer: ignored as required');
  t.log('A TEST UNIT READY with the right CmdSN must then complete');
  await t.command(scsi.testUnitReady());
}

suite.test(
  'iSCSICmdSnTooHigh',
  {
    doc: `A non-immediate TEST UNIT READY with CmdSN = MaxCmdSN + 1, outside the command window, must be silently ignored: no SCSI Response and no
      Reject within 3 s, the connection kept; a TEST UNIT READY with the expected CmdSN must then complete with GOOD.
      Quoted: "The target MUST silently ignore any non-immediate command outside of this range or non-immediate duplicates within the range" (4.2.2.1).`,
    level: 'MUST',
    timeout: 30,
  },
  (t) => outOfWindow(t, (n) => n.maxCmdSN + 1, 'MaxCmdSN + 1'),
);

suite.test(
  'iSCSICmdSnTooLow',
  {
    doc: `A non-immediate TEST UNIT READY with CmdSN = ExpCmdSN - 1 (a number already used) must be silently ignored: no SCSI Response and no Reject
      within 3 s, the connection kept; a TEST UNIT READY with the expected CmdSN must then complete with GOOD.
      Quoted: "The target MUST silently ignore any non-immediate command outside of this range or non-immediate duplicates within the range" (4.2.2.1).`,
    level: 'MUST',
    timeout: 30,
  },
  async (t) => {
    await t.command(scsi.testUnitReady());
    await outOfWindow(t, (n) => n.expCmdSN - 1, 'ExpCmdSN - 1');
  },
);

export default suite;
