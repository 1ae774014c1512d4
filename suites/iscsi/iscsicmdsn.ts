/** Command numbering (RFC 7143 4.2.2.1): commands outside [ExpCmdSN, MaxCmdSN] are silently ignored. */
import { defineSuite, iscsi, scsi, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSIcmdsn', { families: ['iSCSI'], clause: 'RFC 7143 4.2.2.1' });

/** Send TEST UNIT READY by hand with this CmdSN; the target must not answer it within `ms`. */
async function outOfWindow(t: TestContext, cmdSN: number, why: string, ms = 3000): Promise<void> {
  const s = t.session;
  const itt = s.allocItt();
  const cdb = Buffer.alloc(16);
  scsi.testUnitReady().copy(cdb);
  const pdu: iscsi.ScsiCommand = {
    opcode: iscsi.Opcode.SCSI_COMMAND,
    final: true,
    read: false,
    write: false,
    attr: iscsi.TaskAttr.SIMPLE,
    lun: scsi.lunToBigInt(t.config.target.lun),
    itt,
    expectedDataTransferLength: 0,
    cmdSN,
    expStatSN: s.expStatSN,
    cdb,
  };
  t.log(`TEST UNIT READY with CmdSN ${cmdSN} (${why}; ExpCmdSN ${s.expCmdSN}, MaxCmdSN ${s.maxCmdSN}): expect no answer within ${ms / 1000} s`);
  const answer = s.waitFor((p) => ('itt' in p && p.itt === itt) || p.opcode === iscsi.Opcode.REJECT, ms + 500, 'an answer to the out-of-window command');
  answer.catch(() => undefined);
  s.sendPdu(pdu);
  const r = await t.settle(answer, ms);
  if (r.done && 'value' in r) t.fail(`the target answered a command with CmdSN ${cmdSN} (${why}) with ${iscsi.describePdu(r.value)}: it must silently ignore it`);
  if (!s.isOpen) t.fail(`the target closed the connection after a command with CmdSN ${cmdSN} (${why}): it must silently ignore it`);
  t.log('No answer: ignored as required');
  t.log('A TEST UNIT READY with the right CmdSN must then complete');
  await t.command(scsi.testUnitReady());
}

suite.test(
  'iSCSICmdSnTooHigh',
  {
    doc: 'A non-immediate TEST UNIT READY with CmdSN = MaxCmdSN + 1, outside the command window, must be silently ignored: no SCSI Response and no Reject within 3 s, the connection kept; a TEST UNIT READY with the expected CmdSN must then complete with GOOD.',
    level: 'MUST',
    timeout: 30,
  },
  (t) => outOfWindow(t, (t.session.maxCmdSN + 1) >>> 0, 'MaxCmdSN + 1'),
);

suite.test(
  'iSCSICmdSnTooLow',
  {
    doc: 'A non-immediate TEST UNIT READY with CmdSN = ExpCmdSN - 1 (a number already used) must be silently ignored: no SCSI Response and no Reject within 3 s, the connection kept; a TEST UNIT READY with the expected CmdSN must then complete with GOOD.',
    level: 'MUST',
    timeout: 30,
  },
  async (t) => {
    await t.command(scsi.testUnitReady());
    await outOfWindow(t, (t.session.expCmdSN - 1) >>> 0, 'ExpCmdSN - 1');
  },
);

export default suite;
