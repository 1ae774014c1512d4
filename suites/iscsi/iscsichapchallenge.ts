/**
 * The initiator's side of mutual CHAP seen from the target (RFC 7143 12.1.3, RFC 7143 9.2.1): how long a
 * challenge the target answers, and a response made with the target's own secret. Needs the URL's CHAP
 * credentials and its target credentials (?target_user=…&target_password=…).
 */
import { defineSuite, iscsi } from '../../harness/api.js';
import { chapToResponse as toResponse, expectRefused } from './_login.js';

const suite = defineSuite('iSCSIChapChallenge', { families: ['iSCSI'], clause: 'RFC 7143 12.1.3' });

/** A mutual-CHAP challenge of `n` bytes, different in every byte. */
const challengeOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));

suite.test(
  'OversizeChallenge',
  {
    doc: `Mutual CHAP with a correct CHAP_R and an initiator challenge (CHAP_C) of 1025 bytes: RFC 7143 12.1.3 says of C and R that "their binary
      length ... MUST NOT exceed 1024 bytes", so the target should refuse the login with a Login Response of status class 2 (initiator error, e.g.
      0x0201 authentication failure) rather than answer the challenge. SHOULD: the sentence binds the sender of CHAP_C (here the initiator), and no
      sentence says what the receiver of a longer one must do.`,
    level: 'SHOULD',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    const { id, challenge, answer } = await toResponse(t);
    const r = iscsi.chapResponse(5, id, t.config.target.chap!.secret, challenge);
    expectRefused(t, await answer(r, challengeOf(1025)), 0x0200, 'a mutual CHAP_C of 1025 bytes', { classOnly: true });
  },
);

suite.test(
  'ShortChallenge',
  {
    doc: `Mutual CHAP with a correct CHAP_R and an initiator challenge of 1 byte: answering it lets an eavesdropper test secrets against a nearly
      fixed challenge; the target should refuse the login (status class 2). RFC 7143 sets no lower bound, so answering is a SHOULD-level warning.`,
    clause: 'RFC 7143 12.1.3, RFC 7143 9.2.1, RFC 1994 2.3',
    level: 'SHOULD',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    const { id, challenge, answer } = await toResponse(t);
    const r = iscsi.chapResponse(5, id, t.config.target.chap!.secret, challenge);
    const a = await answer(r, challengeOf(1));
    if ('rsp' in a && a.rsp.statusClass === 0) t.fail('the target answered a mutual CHAP challenge of 1 byte (CHAP_N/CHAP_R sent back)');
    expectRefused(t, a, 0x0200, 'a mutual CHAP_C of 1 byte', { classOnly: true });
  },
);

suite.test(
  'OwnSecretResponse',
  {
    doc: `The initiator answers the target's challenge with a CHAP_R made from the target's own secret (the URL's target_password) instead of its own.
      RFC 7143 9.2.1: "If the CHAP response received by one end of an iSCSI connection is the same as the CHAP response that the receiving endpoint
      would have generated for the same CHAP challenge, the response MUST be treated as an authentication failure and cause the connection to close":
      the target must refuse the login (status 0x0201) or close the connection, never accept it.`,
    clause: 'RFC 7143 9.2.1, RFC 7143 12.1.3',
    level: 'MUST',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    const { id, challenge, answer } = await toResponse(t);
    const r = iscsi.chapResponse(5, id, t.config.target.targetChap!.secret, challenge);
    const a = await answer(r);
    if ('end' in a && 'closed' in a.end) return t.log('the target closed the connection');
    expectRefused(t, a, 0x0201, "a CHAP_R made with the target's own secret");
  },
);

export default suite;
