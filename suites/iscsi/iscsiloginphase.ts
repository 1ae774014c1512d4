/**
 * The Login Phase, PDU by PDU (RFC 7143 6.3, 11.12, 11.13): what the target answers to a first Login
 * Request that lacks a name, names no known target or an unknown session, asks for an unsupported
 * version or an impossible stage transition, or changes its identity mid-login; when it may set the T
 * bit; and session reinstatement. Each Login Request is built by hand on a raw connection (_login.ts).
 *
 * Levels: where the RFC binds the target with MUST (11.13.1 on the T bit, 6.3.5 on reinstatement) the
 * test is MUST. A request that breaks a rule binding the initiator (a name it MUST send, a T/C pair it
 * MUST NOT set) has no sentence saying how the target must refuse it, so refusing (status class 2) is
 * SHOULD, and the exact Status-Detail named in 11.13.5 a further SHOULD inside it.
 */
import { defineSuite, iscsi, IscsiError, type TestContext } from '../../harness/api.js';
import {
  exchange,
  expectAccepted,
  firstKeys,
  loginRequest,
  LoginStatus,
  newIsid,
  Stage,
  statusText,
  throughSecurity,
  usesChap,
  type LoginAnswer,
} from './_login.js';

const suite = defineSuite('iSCSILoginPhase', { families: ['iSCSI'], clause: 'RFC 7143 6.3' });

/** A plain first request with these keys: T=1 towards the operational stage with AuthMethod=None, T=0 with CHAP. */
function first(t: TestContext, keys: ReturnType<typeof firstKeys>, over: Partial<Parameters<typeof loginRequest>[0]> = {}) {
  const chap = usesChap(t);
  return loginRequest({ isid: newIsid(), keys, transit: !chap, ...over });
}

/**
 * The request must be refused with status class 2 (initiator error); `detail`, the Status-Detail RFC
 * 7143 11.13.5 names for the case, is checked as a SHOULD.
 */
function refused(t: TestContext, a: LoginAnswer, detail: number, what: string): void {
  if ('end' in a) {
    const why = 'closed' in a.end ? `the target closed the connection (${a.end.closed})` : `no answer within ${a.end.timeout} ms`;
    t.fail(`${what}: expected a Login Response with status class 0x02 (initiator error), got ${why}`);
  }
  const st = (a.rsp.statusClass << 8) | a.rsp.statusDetail;
  if (a.rsp.statusClass !== 2)
    t.fail(
      `${what}: expected a Login Response with status class 0x02 (initiator error), got status ` +
        `${statusText(st)}${a.rsp.statusClass === 0 ? ' (the login goes on)' : ''}`,
    );
  t.should(st === detail, `${what}: the refusal's status is ${statusText(st)}; RFC 7143 11.13.5 names ${statusText(detail)} for this case`);
}

suite.test(
  'MissingInitiatorName',
  {
    doc: `A first Login Request without InitiatorName (the initiator MUST present its name in the first Login Request, RFC 7143 6.3 and 13.5) must be
      refused with status class 2; the Status-Detail should be 0x07, Missing parameter (11.13.5).`,
    clause: 'RFC 7143 6.3, RFC 7143 13.5, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    refused(
      t,
      await exchange(t, c, first(t, firstKeys(t, { omit: ['InitiatorName'] }))),
      LoginStatus.MISSING_PARAMETER,
      'a first Login Request without InitiatorName',
    );
  },
);

suite.test(
  'MissingTargetName',
  {
    doc: `A first Login Request of a normal session without TargetName (6.3: the initiator MUST present the target name except in a discovery session)
      must be refused with status class 2; the Status-Detail should be 0x07, Missing parameter (11.13.5).`,
    clause: 'RFC 7143 6.3, RFC 7143 13.4, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    refused(
      t,
      await exchange(t, c, first(t, firstKeys(t, { omit: ['TargetName'] }))),
      LoginStatus.MISSING_PARAMETER,
      'a normal-session Login Request without TargetName',
    );
  },
);

suite.test(
  'UnknownTargetName',
  {
    doc: `A first Login Request naming a target that does not exist (TargetName=iqn.2026-11.org.iscsi-test:no-such-target) must be refused with status
      class 2; the Status-Detail should be 0x03, Not found (11.13.5).`,
    clause: 'RFC 7143 11.13.5, RFC 7143 13.4',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const keys = firstKeys(t, { set: { TargetName: 'iqn.2026-11.org.iscsi-test:no-such-target' } });
    refused(t, await exchange(t, c, first(t, keys)), LoginStatus.NOT_FOUND, 'a Login Request naming a target that does not exist');
  },
);

suite.test(
  'UnsupportedVersion',
  {
    doc: `A first Login Request with Version-max = Version-min = 0x7f, a version no target implements (only 0x00 is defined): the target rejects a
      login whose version range it does not support, with status 0x0205, Unsupported version (11.13.4, 11.13.5), and its Version-active then holds the
      lowest version it supports.`,
    clause: 'RFC 7143 11.12.4, RFC 7143 11.13.4, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const a = await exchange(t, c, first(t, firstKeys(t), { versionMax: 0x7f, versionMin: 0x7f }));
    if ('end' in a)
      return t.fail(
        `a Login Request for version 0x7f only: expected a Login Response with status 0x0205 (Unsupported version), got ` +
          `${'closed' in a.end ? 'a closed connection' : 'no answer'}`,
      );
    const st = (a.rsp.statusClass << 8) | a.rsp.statusDetail;
    t.check(
      st === LoginStatus.UNSUPPORTED_VERSION,
      `a Login Request for version 0x7f only: expected a Login Response with status ` + `${statusText(LoginStatus.UNSUPPORTED_VERSION)}, got ${statusText(st)}`,
    );
    t.should(
      a.rsp.versionActive !== 0x7f,
      `the refusal's Version-active is 0x7f, the version it says it does not support (it should be the lowest version the target supports)`,
    );
  },
);

suite.test(
  'TransitAndContinue',
  {
    doc: `A first Login Request with both T and C set: "If the C bit is 1, the T bit MUST be 0" (11.12.2). The target should refuse it with status
      class 2 (initiator error) rather than go on.`,
    clause: 'RFC 7143 11.12.2, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    refused(t, await exchange(t, c, first(t, firstKeys(t), { transit: true, cont: true })), LoginStatus.INITIATOR_ERROR, 'a Login Request with T=1 and C=1');
  },
);

suite.test(
  'ReservedNextStage',
  {
    doc: `A first Login Request with T=1 and NSG=2, a reserved stage value (11.12.3: 2 is reserved): the target should refuse it with status class 2
      (initiator error).`,
    clause: 'RFC 7143 11.12.3, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    refused(t, await exchange(t, c, first(t, firstKeys(t), { transit: true, nsg: 2 })), LoginStatus.INITIATOR_ERROR, 'a Login Request with NSG=2 (reserved)');
  },
);

suite.test(
  'StageGoingBack',
  {
    doc: `Once the target has moved the login to the operational stage, a Login Request with CSG=1, T=1 and NSG=0 asks to go back to security
      negotiation, which the stage sequence does not allow (6.3, 11.12.3): the target should refuse it with status class 2.`,
    clause: 'RFC 7143 6.3, RFC 7143 11.12.3',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const st = await throughSecurity(t, c);
    const req = loginRequest({ isid: st.isid, keys: [], transit: true, csg: Stage.OPERATIONAL, nsg: Stage.SECURITY, expStatSN: st.expStatSN });
    refused(t, await exchange(t, c, req), LoginStatus.INITIATOR_ERROR, 'a Login Request moving from the operational stage back to security negotiation');
  },
);

suite.test(
  'IsidChanged',
  {
    doc: `The second Login Request of a login carries a different ISID from the first: the ISID identifies the session being logged in (11.12.5) and
      cannot change within one login, so the target should refuse the request with status class 2.`,
    clause: 'RFC 7143 11.12.5, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const st = await throughSecurity(t, c);
    const req = loginRequest({
      isid: (st.isid + 1) % 2 ** 48,
      keys: [['MaxRecvDataSegmentLength', '8192']],
      transit: true,
      csg: Stage.OPERATIONAL,
      expStatSN: st.expStatSN,
    });
    refused(t, await exchange(t, c, req), LoginStatus.INITIATOR_ERROR, 'a Login Request whose ISID differs from the first one of the login');
  },
);

suite.test(
  'NoTransitUnasked',
  {
    doc: `A first Login Request with T=0 (no transition asked; AuthMethod=None or CHAP offered): "If the Status-Class is 0, the T bit MUST NOT be set
      to 1 if the T bit in the request was set to 0" (11.13.1). The answer must have T=0.`,
    clause: 'RFC 7143 11.13.1',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const a = expectAccepted(t, await exchange(t, c, first(t, firstKeys(t), { transit: false })), 'a first Login Request with T=0');
    t.check(!a.rsp.transit, `the target answered a Login Request with T=0 with T=1 (NSG ${a.rsp.nsg}): a response may move on only when the request asked to`);
  },
);

suite.test(
  'UnknownTsih',
  {
    doc: `A first Login Request with a new ISID and a non-zero TSIH that names no session of the target (0xbeef): a non-zero TSIH adds a connection to
      an existing session (11.12.6), and there is none, so the target should refuse with status class 2; the Status-Detail should be 0x0a, Session
      does not exist (11.13.5).`,
    clause: 'RFC 7143 11.12.6, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    refused(
      t,
      await exchange(t, c, first(t, firstKeys(t), { tsih: 0xbeef })),
      LoginStatus.SESSION_DOES_NOT_EXIST,
      'a Login Request with TSIH 0xbeef, which names no session',
    );
  },
);

suite.test(
  'Reinstatement',
  {
    doc: `Log in a session with ISID X, then log in again with the same initiator name, ISID X and TSIH 0: this is session reinstatement, which
      "implicitly logs out the session that corresponds to the ISID" and replaces it (6.3.5). The second login must succeed, and the target must end
      the first session (its connection closes, or a command on it gets no answer).`,
    clause: 'RFC 7143 6.3.5',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const isid = newIsid();
    const old = await t.login({ isid });
    t.log(`first session: ISID 0x${isid.toString(16)}, TSIH ${old.login.tsih}`);
    let fresh;
    try {
      fresh = await t.login({ isid });
    } catch (e) {
      if (e instanceof IscsiError) t.fail(`the login reinstating ISID 0x${isid.toString(16)} (TSIH 0) was refused: ${e.message}`);
      throw e;
    }
    t.log(`second session: TSIH ${fresh.login.tsih}`);
    const closed = await old.waitClosed(Math.min(5000, t.remainingMs()));
    if (closed) {
      t.log(`the first session's connection ended: ${closed.message}`);
      return;
    }
    const r = await t.settle(old.nop({ timeoutMs: 3000 }), 3500);
    t.check(
      !(r.done && 'value' in r),
      `after session reinstatement (new TSIH ${fresh.login.tsih}), the old session TSIH ${old.login.tsih} with the ` +
        `same ISID still answers a NOP-Out: the target did not end it`,
    );
  },
);

suite.test(
  'VersionChanged',
  {
    doc: `The second Login Request of a login carries Version-max 1 where the first carried 0: "All Login Requests within the Login Phase MUST carry
      the same Version-max" (11.12.4). The target should refuse the request with status class 2.`,
    clause: 'RFC 7143 11.12.4, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const st = await throughSecurity(t, c);
    const req = loginRequest({
      isid: st.isid,
      versionMax: 1,
      keys: [['MaxRecvDataSegmentLength', '8192']],
      transit: true,
      csg: Stage.OPERATIONAL,
      expStatSN: st.expStatSN,
    });
    refused(t, await exchange(t, c, req), LoginStatus.INITIATOR_ERROR, 'a Login Request whose Version-max differs from the first one of the login');
  },
);

suite.test(
  'CidChanged',
  {
    doc: `The second Login Request of a login carries CID 5 where the first carried 0: the CID names the connection being logged in (11.12.7) and
      cannot change within its login, so the target should refuse the request with status class 2.`,
    clause: 'RFC 7143 11.12.7, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const st = await throughSecurity(t, c);
    const req = loginRequest({
      isid: st.isid,
      cid: 5,
      keys: [['MaxRecvDataSegmentLength', '8192']],
      transit: true,
      csg: Stage.OPERATIONAL,
      expStatSN: st.expStatSN,
    });
    refused(t, await exchange(t, c, req), LoginStatus.INITIATOR_ERROR, 'a Login Request whose CID differs from the first one of the login');
  },
);

suite.test(
  'TextAcrossPdus',
  {
    doc: `The first Login Request's text is sent in two PDUs, the first with C=1 and cut in the middle of the key X-org.iscsi-test.Split: C=1 means
      the text "is incomplete (it will be continued on subsequent Login Requests)" (11.12.2). The target must take the two pieces as one text: the
      answer to the second piece must carry X-org.iscsi-test.Split=NotUnderstood (6.2), and the login must not be refused.`,
    clause: 'RFC 7143 11.12.2, RFC 7143 6.2, RFC 7143 6.3',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const isid = newIsid();
    const key = 'X-org.iscsi-test.Split';
    const text = iscsi.encodeText([...firstKeys(t), [key, 'continued']]);
    const cut = text.indexOf(Buffer.from(key)) + 8;
    const transit = !usesChap(t);
    const a = expectAccepted(
      t,
      await exchange(t, c, loginRequest({ isid, keys: text.subarray(0, cut), cont: true })),
      'the first piece of the first Login Request (C=1)',
    );
    t.check(!a.rsp.transit, 'the target answered the first piece of a text (C=1) with T=1');
    const b = expectAccepted(
      t,
      await exchange(t, c, loginRequest({ isid, keys: text.subarray(cut), transit, expStatSN: (a.rsp.statSN + 1) >>> 0 })),
      'the second piece of the first Login Request (C=0)',
    );
    const answers = [...a.pairs, ...b.pairs].filter(([k]) => k === key).map(([, v]) => v);
    t.check(
      answers.length > 0,
      `the target did not answer ${key}, whose name was split across the two Login Requests (got ` +
        `${[...a.pairs, ...b.pairs].map(([k, v]) => `${k}=${v}`).join(' ') || 'no keys'})`,
    );
    t.equal(answers[0], 'NotUnderstood', `the target's answer to ${key}`);
  },
);

suite.test(
  'SecondConnection',
  {
    doc: `Log in a session (MaxConnections=1 offered, so the session has one connection at most, 13.2), then start a login for a second connection to
      it: same initiator name and ISID, the session's TSIH, CID 1. The target should refuse it with status class 2; the Status-Detail should be 0x06,
      Too many connections (11.13.5).`,
    clause: 'RFC 7143 13.2, RFC 7143 11.13.5, RFC 7143 6.3',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const s = await t.login({ keys: { MaxConnections: '1' } });
    t.log(`session TSIH ${s.login.tsih}, ISID 0x${s.login.isid.toString(16)}, MaxConnections=${s.params.maxConnections}`);
    const c = await t.connect();
    const req = first(t, firstKeys(t), { isid: s.login.isid, tsih: s.login.tsih, cid: 1 });
    refused(t, await exchange(t, c, req), LoginStatus.TOO_MANY_CONNECTIONS, 'a login for a second connection to a session of MaxConnections=1');
  },
);

suite.test(
  'DiscoveryIrrelevantKey',
  {
    doc: `The first Login Request of a discovery session offers MaxBurstLength=4096, which is "Irrelevant when: SessionType=Discovery" (13.13); "the
      acceptor may answer with the constant Irrelevant" (6.2). The login should go on and the answer, if any, should be Irrelevant rather than a
      negotiated number.`,
    clause: 'RFC 7143 13.13, RFC 7143 6.2',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const keys: iscsi.KeyValue[] = [...firstKeys(t, { discovery: true }), ['MaxBurstLength', '4096']];
    const a = expectAccepted(
      t,
      await exchange(t, c, loginRequest({ isid: newIsid(), keys, transit: true })),
      'a discovery-session Login Request offering MaxBurstLength=4096',
    );
    const v = a.pairs.find(([k]) => k === 'MaxBurstLength')?.[1];
    t.check(
      v === undefined || v === 'Irrelevant' || v === 'NotUnderstood',
      `in a discovery session the target answered MaxBurstLength=${v}: the key is irrelevant there (expected Irrelevant)`,
    );
  },
);

/** Re-send a key in an operational-stage request after the security stage carried it: the target MUST reject the login. */
async function redeclared(t: TestContext, key: string, first: string, again: string): Promise<void> {
  const c = await t.connect();
  const st = await throughSecurity(t, c, key === 'InitiatorName' ? {} : { extra: [[key, first]] });
  const req = loginRequest({ isid: st.isid, keys: [[key, again]], transit: true, csg: Stage.OPERATIONAL, expStatSN: st.expStatSN });
  const a = await exchange(t, c, req);
  if ('end' in a)
    t.fail(
      `${key} sent again in the operational stage: expected a Login Response with status class 0x02 (initiator error), got ` +
        `${'closed' in a.end ? 'the connection closed' : 'no answer'}`,
    );
  const stt = (a.rsp.statusClass << 8) | a.rsp.statusDetail;
  t.check(
    a.rsp.statusClass === 2,
    `${key} sent again in the operational stage (${key}=${again} after ${key}=${first}): expected a Login Response with ` +
      `status class 0x02 (initiator error), got ${statusText(stt)}`,
  );
}

suite.test(
  'RedeclaredInitiatorName',
  {
    doc: `The first Login Request declares InitiatorName; once in the operational stage, a second Login Request declares it again (another name). "An
      attempt to renegotiate/redeclare parameters not specifically allowed MUST be detected by the initiator and target. If such an attempt is
      detected by the target, the target MUST respond with Login reject (initiator error)" (6.3).`,
    clause: 'RFC 7143 6.3, RFC 7143 13.5',
    level: 'MUST',
    session: false,
  },
  (t) => redeclared(t, 'InitiatorName', t.config.initiatorName, 'iqn.2026-11.org.iscsi-test:another-name'),
);

suite.test(
  'RenegotiatedKey',
  {
    doc: `The first Login Request offers MaxBurstLength=65536 and the target answers it; a Login Request of the operational stage offers
      MaxBurstLength=32768 again. Renegotiating a key in the same login is not allowed: "An attempt to renegotiate/redeclare parameters not
      specifically allowed MUST be detected by the initiator and target" and the target "MUST respond with Login reject (initiator error)",
      status class 2 (6.3).`,
    clause: 'RFC 7143 6.3, RFC 7143 13.13',
    level: 'MUST',
    session: false,
  },
  (t) => redeclared(t, 'MaxBurstLength', '65536', '32768'),
);

export default suite;
