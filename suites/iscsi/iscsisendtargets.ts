/**
 * SendTargets in full feature phase (RFC 7143 13.3, 11.10, 11.11 and Appendix C), its three values in both
 * session types. Appendix C: All "MUST be supported on a discovery session and MUST NOT be supported on
 * an operational session"; a target name "MUST be supported on discovery sessions" (and the session
 * "should respond with addresses for only the named target, if possible"); the empty value "MUST be
 * supported on operational sessions, and MUST NOT return targets other than the one to which the session
 * is logged in" (in a discovery session, logged in to none, it "should only respond with addresses for
 * the target to which the session is logged in": nothing).
 */
import { ANSWER, defineSuite, iscsi, IscsiError, REJECT, type Session, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSISendTargets', { families: ['iSCSI'], clause: 'RFC 7143 Appendix C' });

interface Listed {
  pairs: iscsi.KeyValue[];
  names: string[];
}

/**
 * Send SendTargets=<value> on `s` and return the answer's keys and the target names it lists. A target
 * that drops the connection at the Text Request fails Simple (the value every target must support); the
 * other tests then skip naming it, as they check what the answer says.
 */
async function ask(t: TestContext, s: Session, value: string, where: string, o: { dropSkips?: boolean } = { dropSkips: true }): Promise<Listed> {
  let pairs: iscsi.KeyValue[];
  try {
    pairs = await s.text([['SendTargets', value]], { timeoutMs: Math.min(10_000, t.remainingMs()) });
  } catch (e) {
    if (o.dropSkips && IscsiError.is(e, 'ISCSI_E_CLOSED'))
      t.skip(
        `the target dropped the connection at a Text Request SendTargets=${value} ` +
          `(${e.message}); iSCSISendTargets.Simple checks that Text Requests are answered`,
      );
    throw e;
  }
  const names = pairs.filter(([k]) => k === 'TargetName').map(([, v]) => v);
  t.log(`SendTargets=${value} in ${where}: ${pairs.map(([k, v]) => `${k}=${v}`).join(' ') || 'an empty answer'}`);
  for (const [k, v] of pairs) {
    if (k !== 'TargetAddress') continue;
    t.check(
      /^(\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+)(:[0-9]{1,5})?,[0-9]{1,5}$/.test(v),
      `SendTargets=${value}: TargetAddress=${v} is not domainname[:port],portal-group-tag (RFC 7143 13.8)`,
    );
  }
  return { pairs, names };
}

const me = (t: TestContext) => t.config.target.targetName;

suite.test(
  'Simple',
  {
    doc: `In the full feature phase of a normal session, a Text Request SendTargets= (the empty value) "MUST be supported on operational sessions, and
      MUST NOT return targets other than the one to which the session is logged in": the answer must name the session's own target and no other, each
      TargetAddress well formed (address[:port],tpgt).`,
    clause: 'RFC 7143 Appendix C, RFC 7143 11.11, RFC 7143 13.8',
    level: 'MUST',
  },
  async (t) => {
    const r = await ask(t, t.session, '', 'a normal session', { dropSkips: false });
    t.check(
      r.names.includes(me(t)),
      `SendTargets= (empty) in a normal session did not name ${me(t)}, the session's own target (got ${r.names.join(', ') || 'no target'})`,
    );
    const others = r.names.filter((n) => n !== me(t));
    t.check(others.length === 0, `SendTargets= (empty) in a normal session named other targets: ${others.join(', ')}`);
  },
);

suite.test(
  'NormalAll',
  {
    doc: `In the full feature phase of a normal session, SendTargets=All "MUST NOT be supported on an operational session": the target must not answer
      it with a list of targets (SendTargets=Reject, or an answer naming no target, are both correct).`,
    clause: 'RFC 7143 Appendix C',
    level: 'MUST',
  },
  async (t) => {
    const r = await ask(t, t.session, 'All', 'a normal session');
    t.check(
      r.names.length === 0,
      `SendTargets=All in a normal session listed ${r.names.join(', ')}: All must not be supported on an operational session (expected SendTargets=Reject or no target)`,
    );
  },
);

suite.test(
  'NormalTargetName',
  {
    doc: `In the full feature phase of a normal session, SendTargets=<the session's own target name>: the session "should respond with addresses for
      only the named target, if possible", so the answer should name that target and no other.`,
    clause: 'RFC 7143 Appendix C',
    level: 'SHOULD',
  },
  async (t) => {
    const r = await ask(t, t.session, me(t), 'a normal session');
    t.check(r.names.includes(me(t)), `SendTargets=${me(t)} in a normal session did not name that target (got ${r.names.join(', ') || 'no target'})`);
    t.check(
      r.names.every((n) => n === me(t)),
      `SendTargets=${me(t)} in a normal session also named ${r.names.filter((n) => n !== me(t)).join(', ')}`,
    );
  },
);

/**
 * A discovery session, without the run's CHAP credentials: they are the target node's account, and a
 * portal's discovery CHAP (if any) is another one. A portal that requires it skips the test.
 */
async function discovery(t: TestContext): Promise<Session> {
  try {
    return await t.login({ sessionType: 'Discovery', chap: undefined, targetChap: undefined });
  } catch (e) {
    if (IscsiError.is(e, 'ISCSI_E_AUTH') && e.details['statusClass'] === 2)
      t.skip(`the portal requires authentication for discovery sessions ` + `(${e.message}), and the URL's credentials are the target's`);
    throw e;
  }
}

suite.test(
  'DiscoveryAll',
  {
    doc: `In a discovery session, SendTargets=All "MUST be supported": the answer must list the targets this initiator may reach, so it must name the
      target under test, with well formed TargetAddress values.`,
    clause: 'RFC 7143 Appendix C, RFC 7143 13.3',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const r = await ask(t, await discovery(t), 'All', 'a discovery session');
    t.check(
      r.names.includes(me(t)),
      `SendTargets=All in a discovery session did not name ${me(t)}, the target under test (got ${r.names.join(', ') || 'no target'})`,
    );
  },
);

suite.test(
  'DiscoveryTargetName',
  {
    doc: `In a discovery session, SendTargets=<the target under test's name> "MUST be supported on discovery sessions", and the session must be able
      to return the addresses of any target All would list: the answer must name that target; it should name no other.`,
    clause: 'RFC 7143 Appendix C',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const r = await ask(t, await discovery(t), me(t), 'a discovery session');
    t.check(r.names.includes(me(t)), `SendTargets=${me(t)} in a discovery session did not name that target (got ${r.names.join(', ') || 'no target'})`);
    t.should(
      r.names.every((n) => n === me(t)),
      `SendTargets=${me(t)} in a discovery session also named ${r.names.filter((n) => n !== me(t)).join(', ')}`,
    );
  },
);

suite.test(
  'DiscoveryEmpty',
  {
    doc: `In a discovery session, SendTargets= (the empty value): "the session should only respond with addresses for the target to which the session
      is logged in", and a discovery session is logged in to none, so the answer should name no target.`,
    clause: 'RFC 7143 Appendix C',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const r = await ask(t, await discovery(t), '', 'a discovery session');
    t.check(r.names.length === 0, `SendTargets= (empty) in a discovery session, which is logged in to no target, named ${r.names.join(', ')}`);
  },
);

/** Keys and values a target must not take for SendTargets=All; `unknown`: a key the target does not define. */
const NOT_ALL: { key: string; value: string; unknown: boolean }[] = [
  { key: 'SendTargetsPlease', value: 'All', unknown: true },
  { key: 'SendTargets', value: 'Alle', unknown: false },
  { key: 'SendTargets', value: 'A', unknown: false },
  { key: 'sENDtARGETS', value: 'aLL', unknown: true },
];

suite.test(
  'Invalid',
  {
    doc: `In a discovery session, four Text Requests (immediate, F=1, TTT 0xffffffff), each of which a target must not take for SendTargets=All: the
      key SendTargetsPlease=All, which RFC 7143 does not define and which must therefore be answered SendTargetsPlease=NotUnderstood; the key
      sENDtARGETS=aLL (key names are compared as written, so this is not SendTargets either); the values SendTargets=Alle and SendTargets=A, which are
      neither All nor the name of a target. Each must be answered within 5 s by a final Text Response (or a Reject) that lists no target, the
      connection kept; a SendTargets=All must then still list the target.`,
    clause: 'RFC 7143 6.2, RFC 7143 Appendix C, RFC 7143 11.11',
    level: 'MUST',
    session: false,
    timeout: 60,
  },
  async (t) => {
    const s = await t.login({ sessionType: 'Discovery' });
    const raw = t.raw(s);
    for (const c of NOT_ALL) {
      const itt = raw.newItt();
      const req: iscsi.TextRequest = {
        opcode: iscsi.Opcode.TEXT_REQUEST,
        immediate: true,
        final: true,
        continue: false,
        lun: 0n,
        itt,
        ttt: iscsi.RESERVED_TAG,
        cmdSN: raw.cmdSN,
        expStatSN: raw.expStatSN,
        data: iscsi.encodeText([[c.key, c.value]]),
      };
      const what = `a Text Request ${c.key}=${c.value} in a discovery session`;
      const o = await t.expectIscsi(what, {
        session: s,
        send: (r) => r.send(req),
        answer: (p) => ('itt' in p && p.itt === itt) || p.opcode === iscsi.Opcode.REJECT,
        withinMs: 5000,
        expect: [ANSWER(iscsi.Opcode.TEXT_RESPONSE, { final: true }), REJECT()],
      });
      if (o.kind !== 'pdu' || o.pdu.opcode !== iscsi.Opcode.TEXT_RESPONSE) continue;
      const data = o.pdu.data ?? Buffer.alloc(0);
      const pairs = data.length ? iscsi.decodeText(data) : [];
      t.log(`< ${pairs.map(([k, v]) => `${k}=${v}`).join(' ') || 'an empty answer'}`);
      const listed = pairs.filter(([k]) => k === 'TargetName').map(([, v]) => v);
      t.check(listed.length === 0, `${what} was answered as SendTargets=All: it listed ${listed.join(', ')}`);
      if (c.key === 'SendTargetsPlease') {
        const a = pairs.find(([k]) => k === c.key);
        t.check(
          a?.[1] === 'NotUnderstood',
          `${what}: the answer to a key the target does not know must be ${c.key}=NotUnderstood, got ${a ? `${c.key}=${a[1]}` : 'no answer to it'}`,
        );
      }
    }
    const all = await ask(t, s, 'All', 'the same discovery session', { dropSkips: false });
    t.check(all.names.includes(me(t)), `after the invalid requests, SendTargets=All in the discovery session did not name ${me(t)}`);
  },
);

export default suite;
