/** Login text negotiation basics (RFC 7143 6.1, 6.2, 11.12, 11.13). */
import { defineSuite, iscsi, LOGIN_STATUS, type TestSession } from '../../harness/api.js';

const suite = defineSuite('iSCSILogin', { families: ['iSCSI'], clause: 'RFC 7143 6.2' });

/** Every key=value the target sent during a session's login, in order. */
function loginPairs(s: TestSession): iscsi.KeyValue[] {
  const data = Buffer.concat(s.login.responses.map((r) => r.data ?? Buffer.alloc(0)));
  return data.length ? iscsi.decodeText(data) : [];
}

suite.test(
  'UnknownKey',
  {
    doc: `A login that offers keys the target cannot know (a private extension key X-org.iscsi-test.Probe=1 and a non-standard key IscsiTestProbe=Yes)
      must still succeed, and the target must answer each with key=NotUnderstood.
      Quoted: "the answer for a key not understood MUST be key=NotUnderstood" (6.2).`,
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
    doc: `A first Login Request that carries the same key twice (SessionType=Normal sent twice) declares a parameter more than once during login:
      "An attempt to renegotiate/redeclare parameters not specifically allowed MUST be detected by the initiator and target. If such an attempt
      is detected by the target, the target MUST respond with Login reject (initiator error)" (6.3). The login must end with status class 2.`,
    clause: 'RFC 7143 6.3, RFC 7143 11.13.5',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    await t.expectLogin('a login whose first request sent SessionType twice', { extraKeys: [['SessionType', 'Normal']] }, LOGIN_STATUS(2));
  },
);

suite.test(
  'TargetPortalGroupTag',
  {
    doc: `The login of a normal session (TargetName given): the target must return TargetPortalGroupTag, a 16-bit value (0 to 65535): the key "must
      also be returned by the target as a confirmation during connection establishment when TargetName is given" (SSID, RFC 3720 2.1), and "All
      keys in this document ... MUST be supported by iSCSI initiators and targets when used as specified" (6.2). Where: "The iSCSI target returns
      this key ... in the Login Response PDU to the first Login Request PDU that has the C bit set to 0" (13.9), an indicative: a key sent only in a
      later Login Response is a SHOULD-level warning, none at all a failure.`,
    clause: 'RFC 7143 13.9',
    level: 'MUST',
  },
  async (t) => {
    const rsps = t.session.login.responses;
    // The answer to the first Login Request (C=0) may span several responses with C=1.
    const firstEnd = rsps.findIndex((r) => !r.continue);
    const first = rsps.slice(0, firstEnd < 0 ? rsps.length : firstEnd + 1);
    const text = Buffer.concat(first.map((r) => r.data ?? Buffer.alloc(0)));
    const pairs = text.length ? iscsi.decodeText(text) : [];
    t.log(`the first Login Response carried: ${pairs.map(([k, v]) => `${k}=${v}`).join(' ') || 'no keys'}`);
    let tpgt = pairs.filter(([k]) => k === 'TargetPortalGroupTag');
    if (tpgt.length === 0) {
      tpgt = loginPairs(t.session).filter(([k]) => k === 'TargetPortalGroupTag');
      const what = 'the target did not send TargetPortalGroupTag in its answer to the first Login Request of a normal session';
      if (tpgt.length === 0) t.fail(`${what} (nor in any later Login Response)`);
      t.should(false, `${what} (it sent it only in a later Login Response)`);
    }
    const v = tpgt[0]![1];
    const n = /^[0-9]+$/.test(v) ? Number(v) : /^0x[0-9a-f]+$/i.test(v) ? parseInt(v.slice(2), 16) : NaN;
    t.check(Number.isInteger(n) && n >= 0 && n <= 0xffff, `TargetPortalGroupTag=${v} is not a 16-bit value (0 to 65535)`);
  },
);

export default suite;
