/**
 * Fields of the PDU header as a receiver must treat them (RFC 7143 11.2): reserved bytes set by a sender that
 * broke the rule to zero them are ignored by a compliant receiver. The PDU is built here and its header bytes
 * changed after encoding, then framed with the session's digests.
 */
import { ANSWER, defineSuite, iscsi } from '../../harness/api.js';

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

export default suite;
