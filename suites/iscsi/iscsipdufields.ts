/**
 * Fields of the PDU header as a receiver must treat them (RFC 7143 11.2): reserved bytes set by a sender that
 * broke the rule to zero them are ignored by a compliant receiver, and a reserved code value in a defined field
 * is reported as a protocol error. Reserved bytes are set in the header after encoding, which is then framed
 * with the session's digests.
 */
import { ANSWER, defineSuite, DROPPED, iscsi, REJECT } from '../../harness/api.js';

const suite = defineSuite('iSCSIPduFields', { families: ['iSCSI'], clause: 'RFC 7143 11.2' });
const { Opcode, RESERVED_TAG } = iscsi;

suite.test(
  'ReservedFieldsIgnored',
  {
    doc: `A NOP-Out ping (valid ITT, TTT 0xffffffff, I=1) with 4 bytes of ping data whose reserved header bytes (2-3 and 32-47) are not zero. A compliant
      receiver "MUST ignore" reserved fields unless specified otherwise (11.2), so the target must answer the ping as any other: a NOP-In with the same
      ITT, TTT 0xffffffff and the ping data echoed, not a Reject.`,
    clause: 'RFC 7143 11.2, RFC 7143 11.18, RFC 7143 11.19',
    level: 'MUST',
  },
  async (t) => {
    const raw = t.raw();
    const data = Buffer.from('rsvd', 'latin1');
    const nop: iscsi.NopOut = {
      opcode: Opcode.NOP_OUT,
      immediate: true,
      lun: 0n,
      itt: raw.newItt(),
      ttt: RESERVED_TAG,
      cmdSN: raw.cmdSN,
      expStatSN: raw.expStatSN,
      data,
    };
    const header = iscsi.encodeHeader(nop);
    header[2] = 0x5a;
    header[3] = 0xa5;
    for (let i = 32; i < 48; i++) header[i] = 0xc0 + i;
    const bytes = iscsi.frameEncoded(header, data, { headerDigest: raw.params.headerDigest, dataDigest: raw.params.dataDigest });
    t.log(`NOP-Out ping ITT 0x${nop.itt.toString(16)} with reserved bytes 2-3 = 5a a5 and 32-47 = e0..ef`);
    await t.expectIscsi('a NOP-Out ping whose reserved header bytes are not zero', {
      send: (r) => r.sendBytes(...bytes),
      answer: (p) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === nop.itt),
      withinMs: 5000,
      expect: ANSWER(Opcode.NOP_IN, { itt: nop.itt, ttt: RESERVED_TAG, data }),
    });
  },
);

suite.test(
  'ReservedLogoutReason',
  {
    doc: `An immediate Logout Request whose reason code is 0x05, a value RFC 7143 11.14.1 leaves reserved (0 closes the session, 1 the connection, 2
      removes it for recovery). "Receipt of reserved code values in defined fields MUST be reported as a protocol error" (11.2): the target must Reject
      the PDU with reason Protocol Error (11.17.1) or treat it as a protocol error that ends the connection, not answer it with a Logout Response.`,
    clause: 'RFC 7143 11.2, RFC 7143 11.14.1, RFC 7143 11.17.1',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const s = await t.login();
    const raw = t.raw(s);
    const req: iscsi.LogoutRequest = {
      opcode: Opcode.LOGOUT_REQUEST,
      immediate: true,
      reason: 0x05,
      itt: raw.newItt(),
      cid: 0,
      cmdSN: raw.cmdSN,
      expStatSN: raw.expStatSN,
    };
    await t.expectIscsi('an immediate Logout Request with the reserved reason code 0x05', {
      session: s,
      send: (r) => r.send(req),
      answer: (p) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === req.itt),
      withinMs: 5000,
      expect: [REJECT(iscsi.RejectReason.PROTOCOL_ERROR), DROPPED],
    });
  },
);

export default suite;
