/**
 * Malformed PDUs and the Reject each calls for (RFC 7143 11.17.1), beside iSCSIPduFields (reserved header bytes, a
 * reserved Logout reason) and iSCSIFullFeature (unknown opcode, ITT in use): an Additional Header Segment whose
 * length runs past TotalAHSLength, an AHS of a reserved type, and a reserved task attribute. Each is an immediate
 * TEST UNIT READY, so that a refused one leaves no CmdSN gap; headers are changed after encoding and framed with
 * the session's digests.
 */
import { DROPPED, defineSuite, iscsi, REJECT, scsi, type IscsiExpected, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSIReject', { families: ['iSCSI'], clause: 'RFC 7143 11.17.1' });
const { Opcode, RejectReason } = iscsi;

/** A non-iSCSI extension AHS code (60-63, 11.2.2.2): a type no receiver is bound to understand, but not reserved. */
const EXTENSION_AHS = 60;

/** Send an immediate TEST UNIT READY whose encoded header `change` alters, and check the first answer against `expect`. */
async function sendAltered(
  t: TestContext,
  what: string,
  o: { ahs?: iscsi.Ahs[]; attr?: number; change?: (header: Buffer) => void },
  expect: IscsiExpected,
): Promise<void> {
  const raw = t.raw();
  const cmd = {
    ...raw.scsiCommand({ cdb: scsi.testUnitReady(), immediate: true }),
    ...(o.ahs ? { ahs: o.ahs } : {}),
    ...(o.attr !== undefined ? { attr: o.attr } : {}),
  };
  const header = iscsi.encodeHeader(cmd);
  o.change?.(header);
  t.log(`> immediate TEST UNIT READY ITT 0x${cmd.itt.toString(16)}: ${what}; header ${header.subarray(48).toString('hex') || '(no AHS)'} after the BHS`);
  const bytes = iscsi.frameEncoded(header, undefined, { headerDigest: raw.params.headerDigest, dataDigest: raw.params.dataDigest });
  await t.expectIscsi(`an immediate TEST UNIT READY with ${what}`, {
    send: (r) => r.sendBytes(...bytes),
    answer: (p) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === cmd.itt),
    withinMs: 5000,
    expect,
  });
  // The session goes on (unless the target dropped the connection, which the expectation allowed).
  if (t.session.isOpen) await t.command(scsi.testUnitReady(), { what: 'TEST UNIT READY after the refused one' });
}

suite.test(
  'AhsLengthPastTotal',
  {
    doc: `An immediate TEST UNIT READY with TotalAHSLength 2 (8 bytes) holding one AHS whose AHSLength says 12: the AHS runs past the header segment
      TotalAHSLength declares (11.2.1.2, 11.2.2.1). The PDU is malformed: the target should Reject it as a protocol error (11.17.1) or drop the
      connection, not run the command; a TEST UNIT READY after it then completes on a connection that stayed up.`,
    clause: 'RFC 7143 11.2.1.2, RFC 7143 11.2.2.1, RFC 7143 11.17.1',
    level: 'SHOULD',
  },
  async (t) => {
    await sendAltered(
      t,
      'an AHS whose AHSLength (12) runs past TotalAHSLength (8 bytes)',
      {
        ahs: [{ type: EXTENSION_AHS, specific: Buffer.alloc(4) }],
        // The AHS: AHSLength (2 bytes) right after the 48-byte BHS.
        change: (h) => h.writeUInt16BE(12, 48),
      },
      [REJECT(RejectReason.PROTOCOL_ERROR), DROPPED],
    );
  },
);

suite.test(
  'ReservedAhsType',
  {
    doc: `An immediate TEST UNIT READY carrying one AHS of type 3, an AHSType code RFC 7143 11.2.2.2 leaves reserved (1 and 2 are defined, 60-63 are
      for non-iSCSI extensions). "Receipt of reserved code values in defined fields MUST be reported as a protocol error" (11.2): the target must
      Reject the PDU with reason Protocol Error (11.17.1) or treat it as a protocol error that ends the connection, not run the command.`,
    clause: 'RFC 7143 11.2, RFC 7143 11.2.2.2, RFC 7143 11.17.1',
    level: 'MUST',
  },
  async (t) => {
    await sendAltered(t, 'an AHS of the reserved type 3', { ahs: [{ type: 3, specific: Buffer.alloc(1) }] }, [REJECT(RejectReason.PROTOCOL_ERROR), DROPPED]);
  },
);

suite.test(
  'ReservedTaskAttribute',
  {
    doc: `An immediate TEST UNIT READY whose ATTR field is 5, a task attribute value RFC 7143 11.3.1 leaves reserved (0 untagged to 4 ACA). "Receipt of
      reserved code values in defined fields MUST be reported as a protocol error" (11.2): the target must Reject the PDU with reason Protocol Error
      (11.17.1) or treat it as a protocol error that ends the connection, not run the command with some attribute of its choosing.`,
    clause: 'RFC 7143 11.2, RFC 7143 11.3.1, RFC 7143 11.17.1',
    level: 'MUST',
  },
  async (t) => {
    await sendAltered(t, 'the reserved task attribute 5', { attr: 5 }, [REJECT(RejectReason.PROTOCOL_ERROR), DROPPED]);
  },
);

suite.test(
  'ReservedTmfFunction',
  {
    doc: `An immediate Task Management Function Request whose function code is 127: RFC 7143 11.5.1 defines 1 (ABORT TASK) to 8 (TASK REASSIGN), and
      "receipt of reserved code values in defined fields MUST be reported as a protocol error" (11.2). The target should Reject the PDU with reason
      Protocol Error (11.17.1) or treat it as a protocol error that ends the connection; answering it as a function it merely does not support
      (response 5) takes the reserved code for a defined one. A TEST UNIT READY after it then completes.`,
    clause: 'RFC 7143 11.2, RFC 7143 11.5.1, RFC 7143 11.17.1',
    level: 'SHOULD',
  },
  async (t) => {
    const raw = t.raw();
    const req: iscsi.TaskMgmtRequest = {
      opcode: Opcode.TASK_MGMT_REQUEST,
      immediate: true,
      function: 0x7f,
      lun: scsi.lunToBigInt(t.config.target.lun),
      itt: raw.newItt(),
      referencedTaskTag: iscsi.RESERVED_TAG,
      cmdSN: raw.cmdSN,
      expStatSN: raw.expStatSN,
      refCmdSN: 0,
      expDataSN: 0,
    };
    await t.expectIscsi('an immediate Task Management Function Request with the reserved function code 127', {
      send: (r) => r.send(req),
      answer: (p) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === req.itt),
      withinMs: 5000,
      expect: [REJECT(RejectReason.PROTOCOL_ERROR), DROPPED],
    });
    if (t.session.isOpen) await t.command(scsi.testUnitReady(), { what: 'TEST UNIT READY after the refused request' });
  },
);

export default suite;
