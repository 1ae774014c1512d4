/**
 * Login-phase limits and corner cases not covered by iSCSILoginPhase and iSCSILoginKeys: keys in the
 * wrong stage, key-name length, the answers to the session-wide keys offered at their strictest value,
 * declarations (InitiatorAlias), and a discovery session that names a target. Each Login Request is
 * built by hand on a raw connection (_login.ts), so the test sees exactly the keys it sent and the
 * target's answers to them.
 *
 * Levels: where RFC 7143 binds the target (6.2 on redeclared keys and on NotUnderstood, 6.2.2 on the
 * answer to a numerical or Boolean offer) the test is MUST; where only the initiator is bound (a key
 * name it MUST NOT make longer than 63 bytes, security keys it sends only in the security stage) the
 * refusal is SHOULD.
 */
import { defineSuite, iscsi, isRawEnd, rawText, type TestContext } from '../../harness/api.js';
import {
  answersTo,
  chapToResponse,
  exchange,
  expectRefused,
  expectAccepted,
  firstKeys,
  loginRequest,
  newIsid,
  pairsText,
  Stage,
  statusText,
  throughOperational,
  throughSecurity,
  usesChap,
  type LoginAnswer,
} from './_login.js';

const suite = defineSuite('iSCSILoginLimits', { families: ['iSCSI'], clause: 'RFC 7143 6.2' });

/** The answer must refuse the login with status class 2 (initiator error); `what` names the request. */
function refusedAsInitiatorError(t: TestContext, a: LoginAnswer, what: string): void {
  if ('end' in a) {
    const why = 'closed' in a.end ? `the target closed the connection (${a.end.closed})` : `no answer within ${a.end.timeout} ms`;
    t.fail(`${what}: expected a Login Response with status class 0x02 (initiator error), got ${why}`);
  }
  const st = (a.rsp.statusClass << 8) | a.rsp.statusDetail;
  t.check(
    a.rsp.statusClass === 2,
    `${what}: expected a Login Response with status class 0x02 (initiator error), got status ` +
      `${statusText(st)}${a.rsp.statusClass === 0 ? ` (the login goes on; answered ${pairsText(a.pairs)})` : ''}`,
  );
}

/** Send one operational-stage request carrying `keys` after the security stage. */
async function inOperationalStage(t: TestContext, keys: iscsi.KeyValue[]): Promise<LoginAnswer> {
  const c = await t.connect();
  const st = await throughSecurity(t, c);
  return exchange(t, c, loginRequest({ isid: st.isid, keys, transit: true, csg: Stage.OPERATIONAL, nsg: Stage.FULL_FEATURE, expStatSN: st.expStatSN }));
}

suite.test(
  'ChapKeyInOperationalStage',
  {
    doc: `Once the login is in the operational stage, a Login Request carries CHAP_A=5. CHAP keys belong to the security stage (the authentication
      exchange of RFC 7143 12.1.3 runs there, 6.3); the target should refuse the request with status class 2 (initiator error) rather than ignore the
      key or start CHAP.`,
    clause: 'RFC 7143 6.3, RFC 7143 12.1.3, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => refusedAsInitiatorError(t, await inOperationalStage(t, [['CHAP_A', '5']]), 'CHAP_A=5 in an operational-stage Login Request'),
);

suite.test(
  'AuthMethodInOperationalStage',
  {
    doc: `The first Login Request declares AuthMethod; once in the operational stage a Login Request offers AuthMethod=None again. "An attempt to
      renegotiate/redeclare parameters not specifically allowed MUST be detected by the initiator and target. If such an attempt is detected by the
      target, the target MUST respond with Login reject (initiator error)" (6.3).`,
    clause: 'RFC 7143 6.3, RFC 7143 12.1',
    level: 'MUST',
    session: false,
  },
  async (t) => refusedAsInitiatorError(t, await inOperationalStage(t, [['AuthMethod', 'None']]), 'AuthMethod=None offered again in the operational stage'),
);

suite.test(
  'OperationalKeyInSecurityStage',
  {
    doc: `The first Login Request (security stage; with AuthMethod=CHAP on a CHAP run) also offers MaxBurstLength=65536, an operational key; the login
      then goes through the operational stage to full feature phase. The responder answers a numerical offer (6.2.2), here with a number no larger
      than 65536 (min(), 13.13), in that stage or before the login ends. RFC 7143 does not say plainly whether an operational key may come in the
      security stage, so a target that answers NotUnderstood or nothing only warns.`,
    clause: 'RFC 7143 6.2.2, RFC 7143 6.3, RFC 7143 13.13',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const st = await throughSecurity(t, c, { extra: [['MaxBurstLength', '65536']] });
    await throughOperational(t, c, st, []);
    const got = answersTo(st.received, 'MaxBurstLength');
    if (got.length === 0) {
      t.should(
        false,
        `the target never answered MaxBurstLength=65536, offered in the security stage (got ${pairsText(st.received)}): a numerical offer is answered (RFC 7143 6.2.2)`,
      );
      return;
    }
    const n = iscsi.parseNumber(got[0]!);
    t.should(
      got[0] === 'Irrelevant' || (n !== undefined && n >= 512 && n <= 65536),
      `the target answered MaxBurstLength=${got[0]} to the offer ` + `MaxBurstLength=65536: with min() the answer must be <= 65536`,
    );
  },
);

/** An X- key name of exactly `n` bytes. */
const keyOfLength = (n: number) => `X-org.iscsi-test.${'k'.repeat(n - 17)}`;

suite.test(
  'KeyName63Bytes',
  {
    doc: `The first Login Request carries an unknown extension key whose name is 63 bytes long, the longest RFC 7143 6.1 allows ("key names ... MUST
      NOT exceed 63 bytes"). The key is legal, so the login must go on and "the answer for a key not understood MUST be key=NotUnderstood" (6.2).`,
    clause: 'RFC 7143 6.1, RFC 7143 6.2',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const key = keyOfLength(63);
    const c = await t.connect();
    const a = expectAccepted(
      t,
      await exchange(t, c, loginRequest({ isid: newIsid(), keys: [...firstKeys(t), [key, '1']] })),
      `a first Login Request with the 63-byte key ${key}`,
    );
    const got = answersTo(a.pairs, key);
    t.check(
      got.length > 0,
      `the target did not answer the 63-byte key ${key}=1 (got ${pairsText(a.pairs)}): a key not understood is answered with NotUnderstood`,
    );
    t.equal(got[0], 'NotUnderstood', `the target's answer to the 63-byte key ${key}`);
  },
);

suite.test(
  'KeyName64Bytes',
  {
    doc: `The first Login Request carries a key whose name is 64 bytes long, one more than RFC 7143 6.1 allows ("key names ... MUST NOT exceed 63
      bytes", a rule binding the sender). The target should not pass over it silently: it should refuse the login with status class 2 (initiator
      error), or at least answer the key (NotUnderstood or Reject).`,
    clause: 'RFC 7143 6.1, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const key = keyOfLength(64);
    const c = await t.connect();
    const a = await exchange(t, c, loginRequest({ isid: newIsid(), keys: [...firstKeys(t), [key, '1']] }));
    if ('rsp' in a && a.rsp.statusClass === 0) {
      const got = answersTo(a.pairs, key);
      t.should(
        got.length > 0,
        `the target accepted a Login Request with the 64-byte key ${key} and did not answer it (got ${pairsText(a.pairs)}): expected a refusal with status class 0x02`,
      );
      if (got.length) t.log(`the target answered ${key}=${got[0]}`);
      return;
    }
    refusedAsInitiatorError(t, a, `a first Login Request with the 64-byte key ${key}`);
  },
);

/**
 * Offer `key` alone at `value`, its strictest value, in the operational stage: the outcome is fixed
 * whatever the target supports, and the target's answer must say it.
 */
function strictestOffer(name: string, key: string, value: string, why: string): void {
  const def = iscsi.keyDef(key)!;
  const fn = def.type === 'numeric' ? `${def.result}()` : def.result.toUpperCase();
  suite.test(
    name,
    {
      doc: `In the operational stage the initiator offers ${key}=${value} alone. ${key}'s result function is ${fn} (${def.clause}), so ${why} The
        answer must be ${key}=${value} (or Irrelevant); "the responding party MUST respond with the required key" for a numerical offer, and a Boolean
        answer, when given, must agree with the outcome (6.2.2).`,
      clause: `${def.clause}, RFC 7143 6.2.2`,
      level: 'MUST',
      session: false,
    },
    async (t) => {
      const c = await t.connect();
      const st = await throughSecurity(t, c);
      const { pairs } = await throughOperational(t, c, st, [[key, value]]);
      const got = answersTo(pairs, key);
      if (got.length === 0) {
        t.check(
          def.type === 'boolean',
          `the target did not answer ${key}=${value} (got ${pairsText(pairs)}): "the responding party MUST respond with the required key" (RFC 7143 6.2.2)`,
        );
        return t.log(`the target did not answer ${key} (allowed: the outcome of ${fn} with ${value} is ${value})`);
      }
      t.check(
        got[0] === value || got[0] === 'Irrelevant',
        `the target answered ${key}=${got[0]} to the offer ${key}=${value}: with ${fn} the outcome is ${value}`,
      );
    },
  );
}

strictestOffer('MaxConnectionsOne', 'MaxConnections', '1', 'with min() and the smallest legal offer, 1 is the only correct answer.');
strictestOffer('ErrorRecoveryLevelZero', 'ErrorRecoveryLevel', '0', 'with min() and the smallest legal offer, 0 is the only correct answer.');
strictestOffer('DefaultTime2RetainZero', 'DefaultTime2Retain', '0', 'with min() and the smallest legal offer, 0 is the only correct answer.');
strictestOffer('MaxOutstandingR2TOne', 'MaxOutstandingR2T', '1', 'with min() and the smallest legal offer, 1 is the only correct answer.');
strictestOffer('DataPDUInOrderYes', 'DataPDUInOrder', 'Yes', 'offered Yes the outcome is Yes whatever the target supports.');
strictestOffer('DataSequenceInOrderYes', 'DataSequenceInOrder', 'Yes', 'offered Yes the outcome is Yes whatever the target supports.');

suite.test(
  'InitiatorAliasDeclared',
  {
    doc: `The first Login Request declares InitiatorAlias=iscsi-test login2. InitiatorAlias is a declarative key (RFC 7143 13.7, "Senders:
      Initiator"): a declaration states the sender's value and needs no answer (6.2). The login should go on, and the target should not answer the
      declaration (with NotUnderstood, Reject or a value of its own).`,
    clause: 'RFC 7143 13.7, RFC 7143 6.2',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const a = expectAccepted(
      t,
      await exchange(t, c, loginRequest({ isid: newIsid(), keys: [...firstKeys(t), ['InitiatorAlias', 'iscsi-test login2']], transit: !usesChap(t) })),
      'a first Login Request declaring InitiatorAlias',
    );
    const got = answersTo(a.pairs, 'InitiatorAlias');
    t.should(
      got.length === 0,
      `the target answered the declaration InitiatorAlias=iscsi-test login2 with InitiatorAlias=${got[0]}: a declaration needs no answer`,
    );
  },
);

suite.test(
  'UnknownSessionType',
  {
    doc: `The first Login Request carries SessionType=Monitor, a value RFC 7143 13.21 does not define (SessionType=<Discovery|Normal>). The target
      cannot know what session is asked for and should refuse the login with status class 2 (initiator error) rather than start a normal session.`,
    clause: 'RFC 7143 13.21, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const a = await exchange(t, c, loginRequest({ isid: newIsid(), keys: firstKeys(t, { set: { SessionType: 'Monitor' } }), transit: !usesChap(t) }));
    if ('rsp' in a && a.rsp.statusClass === 0) {
      t.should(
        false,
        `a first Login Request with SessionType=Monitor was accepted (status 0x0000; answered ${pairsText(a.pairs)}): expected a refusal with status class 0x02`,
      );
      return;
    }
    refusedAsInitiatorError(t, a, 'a first Login Request with SessionType=Monitor');
  },
);

suite.test(
  'DiscoveryWithTargetName',
  {
    doc: `The first Login Request of a discovery session (SessionType=Discovery, AuthMethod=None) also carries TargetName, naming the target under
      test. TargetName is required only for a normal session (RFC 7143 13.4) and a discovery session is not bound to a target; the target should not
      refuse the login for it.`,
    clause: 'RFC 7143 13.4, RFC 7143 13.21',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const keys: iscsi.KeyValue[] = [...firstKeys(t, { discovery: true }), ['TargetName', t.config.target.targetName]];
    const a = await exchange(t, c, loginRequest({ isid: newIsid(), keys, transit: true }));
    if ('end' in a)
      return t.fail(
        `a discovery-session Login Request with TargetName: expected a Login Response, got ${'closed' in a.end ? 'a closed connection' : 'no answer'}`,
      );
    const st = (a.rsp.statusClass << 8) | a.rsp.statusDetail;
    if (a.rsp.statusClass === 2 && a.rsp.statusDetail === 1) t.skip('discovery sessions on this target require authentication');
    t.should(
      a.rsp.statusClass === 0,
      `a discovery-session Login Request naming TargetName=${t.config.target.targetName} was refused with status ` +
        `${statusText(st)}: TargetName is required only for normal sessions`,
    );
  },
);

suite.test(
  'MutualChapResponse',
  {
    doc: `Mutual CHAP: the initiator answers the target's challenge correctly and sends its own CHAP_I and a 20-byte CHAP_C. "If the initiator
      required target authentication, the target MUST either answer with a Login reject with Authentication Failure or reply with CHAP_N=<N>
      CHAP_R=<R>" (12.1.3). The target's CHAP_N must be the URL's target_user and its CHAP_R the MD5 hash of the identifier, the target_password and
      the challenge (RFC 1994 4.1); a response made with any other secret would fail the initiator's check, and the initiator "MUST close the
      connection".`,
    clause: 'RFC 7143 12.1.3, RFC 1994 4.1',
    level: 'MUST',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    const { id, challenge, answer } = await chapToResponse(t);
    const own = iscsi.newChallenge(20);
    const a = await answer(iscsi.chapResponse(5, id, t.config.target.chap!.secret, challenge), own);
    if ('rsp' in a && a.rsp.statusClass !== 0) return expectRefused(t, a, 0x0201, 'mutual CHAP with a correct CHAP_R and a 20-byte challenge');
    const { pairs } = expectAccepted(t, a, 'mutual CHAP with a correct CHAP_R and a 20-byte challenge');
    const target = t.config.target.targetChap!;
    const n = answersTo(pairs, 'CHAP_N')[0];
    const r = answersTo(pairs, 'CHAP_R')[0];
    if (n === undefined || r === undefined)
      t.fail(`the target accepted a mutual CHAP login without answering the initiator's challenge with CHAP_N and CHAP_R (got ${pairsText(pairs)})`);
    t.equal(n, target.user, "the target's CHAP_N (the URL's target_user)");
    const want = iscsi.chapResponse(5, 7, target.secret, own);
    const got = iscsi.decodeBinary(r);
    t.check(
      !!got && got.equals(want),
      `the target's CHAP_R=${r} is not MD5(CHAP_I 7, the target_password, the initiator's challenge) = ` +
        `${iscsi.encodeBinary(want)}: the target answered with another secret`,
    );
  },
);

suite.test(
  'ReflectedChallenge',
  {
    doc: `Mutual CHAP: the initiator answers the target's challenge correctly and sends, as its own CHAP_C, the target's challenge back. A target that
      answered it would hand an attacker the response to its own challenge (the reflection attack RFC 7143 9.2.1 guards against with distinct
      secrets); the target should refuse the login with status class 2 (authentication failure) or close the connection.`,
    clause: 'RFC 7143 9.2.1, RFC 7143 12.1.3',
    level: 'SHOULD',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    const { id, challenge, answer } = await chapToResponse(t);
    const a = await answer(iscsi.chapResponse(5, id, t.config.target.chap!.secret, challenge), challenge);
    if ('end' in a && 'closed' in a.end) return t.log('the target closed the connection');
    if ('rsp' in a && a.rsp.statusClass === 0) t.fail(`the target answered its own challenge sent back as the initiator's CHAP_C (got ${pairsText(a.pairs)})`);
    expectRefused(t, a, 0x0200, "the target's own challenge sent back as CHAP_C", { classOnly: true });
  },
);

/** How long UnfinishedLoginDropped waits for the target to drop a stalled login (the RFC names no figure). */
const STALLED_LOGIN_WAIT_MS = 20_000;

suite.test(
  'UnfinishedLoginDropped',
  {
    doc: `A login that starts (a first Login Request with T=0, answered) and then stalls: the initiator sends nothing more. RFC 7143 names no time
      limit for the Login Phase (6.3), but a target that never drops a login left unfinished can have all its connections held by idle peers before
      any authentication; it should time such a login out and close the connection. The test waits ${STALLED_LOGIN_WAIT_MS / 1000} s (within the
      test's time limit) for the connection to close.`,
    clause: 'RFC 7143 6.3',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    expectAccepted(t, await exchange(t, c, loginRequest({ isid: newIsid(), keys: firstKeys(t) })), 'the first Login Request (T=0)');
    const limit = Math.max(1000, Math.min(STALLED_LOGIN_WAIT_MS, t.remainingMs() - 3000));
    const start = Date.now();
    for (;;) {
      const left = limit - (Date.now() - start);
      if (left <= 0) {
        t.should(
          false,
          `a login left unfinished after its first Login Request was still open after ${Math.round(limit / 1000)} s: the target does not time out stalled logins`,
        );
        return;
      }
      const got = await c.next(left);
      if (isRawEnd(got)) {
        if ('closed' in got) return t.log(`the target dropped the stalled login after ${((Date.now() - start) / 1000).toFixed(1)} s`);
        continue;
      }
      t.log(`the target sent ${rawText(got)} to a stalled login`);
    }
  },
);

export default suite;
