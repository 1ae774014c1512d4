/**
 * The initiator's side of mutual CHAP seen from the target (RFC 7143 12.1.3, RFC 7143 9.2.1): how long a
 * challenge the target answers, and a response made with the target's own secret. Needs the URL's CHAP
 * credentials and its target credentials (?target_user=…&target_password=…).
 */
import { defineSuite, iscsi, type TestContext } from '../../harness/api.js';
import { exchange, expectAccepted, expectRefused, firstKeys, loginRequest, newIsid, Stage } from './_login.js';

const suite = defineSuite('iSCSIChapChallenge', { families: ['iSCSI'], clause: 'RFC 7143 12.1.3' });

type Step = { pairs: iscsi.KeyValue[] };

/**
 * Log in by hand up to the step where the initiator answers the target's challenge: returns the target's
 * CHAP_I/CHAP_C and a function sending CHAP_N, CHAP_R (made by `respond`) and the initiator's own CHAP_I/CHAP_C.
 */
async function toResponse(t: TestContext): Promise<{ id: number; challenge: Buffer; answer: (r: Buffer, c?: Buffer) => ReturnType<typeof exchange> }> {
  const chap = t.config.target.chap;
  if (!chap || !t.config.target.targetChap) t.skip('the URL carries no CHAP and target CHAP credentials (?target_user=…&target_password=…)');
  const c = await t.connect();
  const isid = newIsid();
  let expStatSN = 0;
  const step = async (keys: iscsi.KeyValue[], what: string): Promise<Step> => {
    const a = expectAccepted(t, await exchange(t, c, loginRequest({ isid, keys, csg: Stage.SECURITY, expStatSN })), what);
    expStatSN = (a.rsp.statSN + 1) >>> 0;
    return a;
  };
  await step(firstKeys(t), 'the first Login Request (AuthMethod=CHAP)');
  const a = await step([['CHAP_A', '5']], 'CHAP_A=5');
  const get = (k: string) => a.pairs.find(([n]) => n === k)?.[1];
  const id = Number(get('CHAP_I'));
  const challenge = iscsi.decodeBinary(get('CHAP_C') ?? '');
  if (!challenge || !Number.isInteger(id)) t.fail(`CHAP: the target did not send CHAP_I and CHAP_C (got ${a.pairs.map(([k]) => k).join(', ') || 'no keys'})`);
  const answer = (r: Buffer, own?: Buffer) => {
    const keys: iscsi.KeyValue[] = [['CHAP_N', chap.user], ['CHAP_R', iscsi.encodeBinary(r)]];
    if (own) keys.push(['CHAP_I', '7'], ['CHAP_C', iscsi.encodeBinary(own)]);
    return exchange(t, c, loginRequest({ isid, keys, transit: true, csg: Stage.SECURITY, nsg: Stage.OPERATIONAL, expStatSN }));
  };
  return { id, challenge, answer };
}

/** A mutual-CHAP challenge of `n` bytes, different in every byte. */
const challengeOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));

suite.test(
  'OversizeChallenge',
  {
    doc: 'Mutual CHAP with a correct CHAP_R and an initiator challenge (CHAP_C) of 1025 bytes: RFC 7143 12.1.3 says of C and R that "their binary length ... MUST NOT exceed 1024 bytes", so the target must refuse the login with a Login Response of status class 2 (initiator error, e.g. 0x0201 authentication failure) rather than answer the challenge.',
    level: 'MUST',
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
    doc: 'Mutual CHAP with a correct CHAP_R and an initiator challenge of 1 byte: answering it lets an eavesdropper test secrets against a nearly fixed challenge; the target should refuse the login (status class 2). RFC 7143 sets no lower bound, so answering is a SHOULD-level warning.',
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
    doc: 'The initiator answers the target\'s challenge with a CHAP_R made from the target\'s own secret (the URL\'s target_password) instead of its own. RFC 7143 9.2.1: "If the CHAP response received by one end of an iSCSI connection is the same as the CHAP response that the receiving endpoint would have generated for the same CHAP challenge, the response MUST be treated as an authentication failure and cause the connection to close": the target must refuse the login (status 0x0201) or close the connection, never accept it.',
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
    expectRefused(t, a, 0x0201, 'a CHAP_R made with the target\'s own secret');
  },
);

export default suite;
