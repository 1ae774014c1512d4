/**
 * CHAP authentication as UNH-IOL's CHAP test plan probes it (RFC 7143 12.1.3, 6.2.1): CHAP_A lists with
 * unsupported algorithms only, a CHAP_N the target does not know, a CHAP_R of the wrong length, and
 * AuthMethod lists that put None first. Each needs the run's CHAP credentials (iscsi://user%secret@…).
 */
import { defineSuite, iscsi, LOGGED_IN, LOGIN_STATUS, type RawConnection, type TestContext } from '../../harness/api.js';
import { exchange, expectAccepted, firstKeys, loginRequest, newIsid, pairsText, Stage, statusText, valueOf, type KeyValue } from './_login.js';

const suite = defineSuite('iSCSIChapAuth', { families: ['iSCSI'], clause: 'RFC 7143 12.1.3' });

/** Open a raw login with AuthMethod=CHAP and return what is needed to go on in the security stage. */
async function chapStarted(t: TestContext, c: RawConnection): Promise<{ isid: number; expStatSN: number }> {
  const isid = newIsid();
  const a = expectAccepted(
    t,
    await exchange(t, c, loginRequest({ isid, keys: firstKeys(t, { set: { AuthMethod: 'CHAP' } }), csg: Stage.SECURITY })),
    'the first Login Request (AuthMethod=CHAP)',
  );
  const m = valueOf(a.pairs, 'AuthMethod');
  if (m !== 'CHAP') t.fail(`the target answered AuthMethod=${m ?? '(nothing)'} to AuthMethod=CHAP though the run's URL has CHAP credentials`);
  return { isid, expStatSN: (a.rsp.statSN + 1) >>> 0 };
}

/** A security-stage request after the first. */
const next = (st: { isid: number; expStatSN: number }, keys: KeyValue[], transit = false) =>
  loginRequest({ isid: st.isid, keys, transit, csg: Stage.SECURITY, nsg: transit ? Stage.OPERATIONAL : 0, expStatSN: st.expStatSN });

suite.test(
  'UnsupportedAlgorithmsOnly',
  {
    doc: `After AuthMethod=CHAP, offer CHAP_A=129,130 (values no CHAP algorithm is assigned): CHAP_A is a list, answered with "the first value that it
      supports ... selected from the originator list" or Reject (6.2.1). The target must not go on with an algorithm that was not offered: the login
      must end with status class 2 (Authentication failure expected), or the answer must be CHAP_A=Reject, and no CHAP_C may come.`,
    clause: 'RFC 7143 12.1.3, RFC 7143 6.2.1',
    level: 'MUST',
    session: false,
    needs: ['chap'],
  },
  async (t) => {
    const c = await t.connect();
    const st = await chapStarted(t, c);
    const a = await exchange(t, c, next(st, [['CHAP_A', '129,130']]));
    if ('end' in a)
      return t.fail(
        `CHAP_A=129,130: expected a Login Response refusing the login or CHAP_A=Reject, got ${'closed' in a.end ? 'the connection closed' : 'no answer'}`,
      );
    if (a.rsp.statusClass !== 0) {
      t.check(
        a.rsp.statusClass === 2,
        `CHAP_A=129,130: the refusal has status ${statusText((a.rsp.statusClass << 8) | a.rsp.statusDetail)}, expected class 0x02`,
      );
      return;
    }
    const alg = valueOf(a.pairs, 'CHAP_A');
    t.check(
      alg === 'Reject' && valueOf(a.pairs, 'CHAP_C') === undefined,
      `CHAP_A=129,130: the target answered ${pairsText(a.pairs)}; expected ` +
        `CHAP_A=Reject (or a refused login), never an algorithm that was not offered or a challenge`,
    );
  },
);

suite.test(
  'UnknownUser',
  {
    doc: `A CHAP login naming a user the target does not know (CHAP_N=iscsi-test-no-such-user) with a response computed from the run's secret must be
      refused with status 0x0201, Authentication failure.
      Quoted: "If the initiator authentication fails, the target MUST answer with a Login reject with "Authentication Failure" status" (12.1.3).`,
    clause: 'RFC 7143 12.1.3, RFC 7143 11.13.5',
    level: 'MUST',
    session: false,
    needs: ['chap'],
  },
  async (t) => {
    const chap = t.config.target.chap!;
    await t.expectLogin('a CHAP login as an unknown user', { chap: { user: 'iscsi-test-no-such-user', secret: chap.secret } }, LOGIN_STATUS(2, 1));
  },
);

suite.test(
  'ShortResponse',
  {
    doc: `A CHAP login whose CHAP_R is the first 8 bytes of the correct MD5 response (16 bytes): a response of the wrong length cannot verify, and the
      login must be refused with status 0x0201, Authentication failure.
      Quoted: "If the initiator authentication fails, the target MUST answer with a Login reject with "Authentication Failure" status" (12.1.3).`,
    clause: 'RFC 7143 12.1.3, RFC 7143 11.13.5',
    level: 'MUST',
    session: false,
    needs: ['chap'],
  },
  async (t) => {
    const chap = t.config.target.chap!;
    const c = await t.connect();
    const st = await chapStarted(t, c);
    const a = expectAccepted(t, await exchange(t, c, next(st, [['CHAP_A', '5']])), 'CHAP_A=5');
    st.expStatSN = (a.rsp.statSN + 1) >>> 0;
    const id = Number(valueOf(a.pairs, 'CHAP_I'));
    const challenge = iscsi.decodeBinary(valueOf(a.pairs, 'CHAP_C') ?? '');
    if (!challenge || !Number.isInteger(id)) return t.fail(`CHAP_A=5: the target did not send CHAP_I and CHAP_C (got ${pairsText(a.pairs)})`);
    const r = iscsi.chapResponse(5, id, chap.secret, challenge).subarray(0, 8);
    const b = await exchange(
      t,
      c,
      next(
        st,
        [
          ['CHAP_N', chap.user],
          ['CHAP_R', iscsi.encodeBinary(r)],
        ],
        true,
      ),
    );
    if ('end' in b)
      return t.fail(`an 8-byte CHAP_R: expected a Login Response with status 0x0201, got ${'closed' in b.end ? 'the connection closed' : 'no answer'}`);
    const stt = (b.rsp.statusClass << 8) | b.rsp.statusDetail;
    t.check(
      stt === 0x0201,
      `an 8-byte CHAP_R: expected a Login Response with status ${statusText(0x0201)}, got ${statusText(stt)}${stt === 0 ? ' (the login goes on)' : ''}`,
    );
  },
);

suite.test(
  'AuthMethodNoneFirst',
  {
    doc: `Against a target that requires CHAP, log in offering AuthMethod=None,CHAP: the target may choose only a method it accepts for this initiator
      (6.2.1), so it must choose CHAP (and the login then succeeds with the run's credentials) or refuse; choosing None would let the initiator in
      unauthenticated.
      Quoted: "The responding party MUST respond with the same key and the first value that it supports ... selected from the originator list" (6.2.1).`,
    clause: 'RFC 7143 6.2.1, RFC 7143 12.1',
    level: 'MUST',
    session: false,
    needs: ['chap'],
  },
  async (t) => {
    const { session } = await t.expectLogin('a login offering AuthMethod=None,CHAP to a target that requires CHAP', { keys: { AuthMethod: 'None,CHAP' } }, [
      LOGGED_IN,
      LOGIN_STATUS(2),
    ]);
    if (session)
      t.check(
        session.login.authMethod === 'CHAP',
        `the target chose AuthMethod=${session.login.authMethod} from None,CHAP though it requires CHAP: the initiator got in unauthenticated`,
      );
  },
);

export default suite;
