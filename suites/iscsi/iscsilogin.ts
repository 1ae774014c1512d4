/** Login text negotiation basics (RFC 7143 6.1, 6.2, 11.12, 11.13). */
import { defineSuite, iscsi, IscsiError, type Session } from '../../harness/api.js';

const suite = defineSuite('iSCSILogin', { families: ['iSCSI'], clause: 'RFC 7143 6.2' });

/** Every key=value the target sent during a session's login, in order. */
function loginPairs(s: Session): iscsi.KeyValue[] {
  const data = Buffer.concat(s.login.responses.map((r) => r.data ?? Buffer.alloc(0)));
  return data.length ? iscsi.decodeText(data) : [];
}

suite.test(
  'UnknownKey',
  {
    doc: 'A login that offers keys the target cannot know (a private extension key X-org.iscsi-test.Probe=1 and a non-standard key IscsiTestProbe=Yes) must still succeed, and the target must answer each with key=NotUnderstood.',
    clause: 'RFC 7143 6.2, RFC 7143 13.17',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const keys = { 'X-org.iscsi-test.Probe': '1', IscsiTestProbe: 'Yes' };
    const s = await t.login({ keys });
    const pairs = loginPairs(s);
    t.log(`the target answered: ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    for (const k of Object.keys(keys)) {
      const a = pairs.filter(([n]) => n === k);
      t.check(a.length > 0, `the target did not answer ${k}; a key it does not understand must be answered with ${k}=NotUnderstood`);
      t.equal(a[0]![1], 'NotUnderstood', `the target's answer to ${k}`);
    }
  },
);

suite.test(
  'RepeatedKey',
  {
    doc: 'A first Login Request that carries the same key twice (SessionType=Normal sent twice) breaks the rule that a key appears at most once in a negotiation: the target must refuse the login with a Login Response of status class 2 (initiator error), not accept it.',
    clause: 'RFC 7143 6.1, RFC 7143 6.2, RFC 7143 11.13.5',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    let s: Session | undefined;
    try {
      s = await t.login({ extraKeys: [['SessionType', 'Normal']] });
    } catch (e) {
      if (IscsiError.is(e, 'ISCSI_E_LOGIN') || IscsiError.is(e, 'ISCSI_E_AUTH')) {
        const cls = Number(e.details['statusClass']);
        t.log(`login refused: ${e.message}`);
        t.equal(cls, 2, 'Login Response status class refusing a repeated key');
        return;
      }
      if (IscsiError.is(e, 'ISCSI_E_CLOSED')) t.fail(`the target closed the connection instead of answering with a Login Response of status class 2: ${e.message}`);
      throw e;
    }
    t.fail(`the target accepted a login whose first request sent SessionType twice (TSIH ${s.login.tsih})`);
  },
);

export default suite;
