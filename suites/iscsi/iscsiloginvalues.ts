/**
 * Login-phase rules not covered by iSCSILoginPhase, iSCSILoginKeys and iSCSILoginLimits: header fields
 * a later Login Request must repeat (TSIH, CmdSN), a text value over its length limit, a key that
 * belongs to full feature phase, the stage the target moves to, and the target's own long answer
 * continued over several Login Responses. Each Login Request is built by hand on a raw connection
 * (_login.ts), so the test sees exactly what it sent and every answer.
 *
 * Levels: where RFC 7143 binds the target (11.13 on C with T, 13.12 on the receiver's
 * MaxRecvDataSegmentLength) the test is MUST. A request that breaks a rule binding the initiator (a
 * field it must repeat, a value it must keep short) has no prescribed answer: refusing it with status
 * class 2 is SHOULD.
 */
import { defineSuite, iscsi, isRawEnd, rawText, type RawConnection, type TestContext } from '../../harness/api.js';
import {
  ACL_REFUSED_INITIATOR,
  answersTo,
  exchange,
  expectAccepted,
  expectRefused,
  firstKeys,
  loginRequest,
  newIsid,
  pairsText,
  Stage,
  throughSecurity,
  usesChap,
} from './_login.js';

const suite = defineSuite('iSCSILoginValues', { families: ['iSCSI'], clause: 'RFC 7143 6.3' });

/** After the security stage, send one operational-stage Login Request changed by `change`: it must be refused with status class 2. */
async function laterRequestRefused(t: TestContext, change: { tsih?: number; cmdSN?: number }, what: string): Promise<void> {
  const c = await t.connect();
  const st = await throughSecurity(t, c);
  const req = loginRequest({
    isid: st.isid,
    keys: [['MaxRecvDataSegmentLength', '8192']],
    transit: true,
    csg: Stage.OPERATIONAL,
    cmdSN: st.cmdSN,
    expStatSN: st.expStatSN,
    ...change,
  });
  expectRefused(t, await exchange(t, c, req), 0x0200, what, { classOnly: true });
}

suite.test(
  'TsihChanged',
  {
    doc: `The first Login Request of a new session carries TSIH 0; once in the operational stage a Login Request carries TSIH 0x1234. The TSIH names
      the session a connection joins (0 for a new one, 11.12.6) and cannot change within one login, so the target should refuse the request with
      status class 2 (initiator error) rather than move the connection into another session.`,
    clause: 'RFC 7143 11.12.6, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  (t) => laterRequestRefused(t, { tsih: 0x1234 }, 'a Login Request whose TSIH (0x1234) differs from the first one of the login (0)'),
);

suite.test(
  'CmdSNChanged',
  {
    doc: `The login's first Login Request carries CmdSN 1; once in the operational stage a Login Request carries CmdSN 2. On a leading login "all
      other Login Requests in the same Login Phase carry the CmdSN" of the first (11.12.8): Login Requests are immediate and do not advance it. The
      target should refuse the request with status class 2 (initiator error).`,
    clause: 'RFC 7143 11.12.8, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  (t) => laterRequestRefused(t, { cmdSN: 2 }, 'a Login Request whose CmdSN (2) differs from the first one of the login (1)'),
);

suite.test(
  'InitiatorAliasTooLong',
  {
    doc: `The first Login Request declares InitiatorAlias with a value of 256 bytes. InitiatorAlias is a text value (13.7) and names no length of its
      own, so the limit of 255 bytes RFC 7143 6.1 sets for a value applies; the target should refuse the login with status class 2 (initiator
      error) rather than take a value it may not store whole.`,
    clause: 'RFC 7143 6.1, RFC 7143 13.7, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const alias = `iscsi-test ${'a'.repeat(256 - 11)}`;
    const c = await t.connect();
    const a = await exchange(t, c, loginRequest({ isid: newIsid(), keys: [...firstKeys(t), ['InitiatorAlias', alias]] }));
    expectRefused(t, a, 0x0200, 'a first Login Request declaring an InitiatorAlias of 256 bytes', { classOnly: true });
  },
);

suite.test(
  'InitiatorNameTooLong',
  {
    doc: `The first Login Request carries an InitiatorName of 224 bytes (an iqn. name, valid in form). An iSCSI name is at most 223 bytes
      (4.2.7.1), so this is no iSCSI name; the target should refuse the login with status class 2 (initiator error) rather than admit an initiator
      under a name no other node could use.`,
    clause: 'RFC 7143 4.2.7.1, RFC 7143 13.5, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const prefix = 'iqn.2026-12.org.iscsi-test:';
    const name = `${prefix}${'n'.repeat(224 - prefix.length)}`;
    const c = await t.connect();
    const a = await exchange(t, c, loginRequest({ isid: newIsid(), keys: firstKeys(t, { set: { InitiatorName: name } }) }));
    expectRefused(t, a, 0x0200, 'a first Login Request with an InitiatorName of 224 bytes', { classOnly: true });
  },
);

suite.test(
  'AclRefused',
  {
    doc: `A first Login Request for the target under test with InitiatorName ${ACL_REFUSED_INITIATOR}, a name the target's operator refuses in its
      ACL to run this test (the reference target: DenyInitiator in its configuration). A target that admits the name has no such ACL entry, and the
      test skips. A refusal should say why: status 0x0202, Authorization failure, "the initiator is not allowed access to the given target"
      (11.13.5), not another status.`,
    clause: 'RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const keys = firstKeys(t, { set: { InitiatorName: ACL_REFUSED_INITIATOR } });
    const a = await exchange(t, c, loginRequest({ isid: newIsid(), keys }));
    if (!('end' in a) && a.rsp.statusClass === 0) t.skip(`the target admits ${ACL_REFUSED_INITIATOR}: no ACL entry refuses it`);
    expectRefused(t, a, 0x0202, `a first Login Request with InitiatorName ${ACL_REFUSED_INITIATOR}, which the target's ACL refuses`);
  },
);

suite.test(
  'FfpKeyAtLogin',
  {
    doc: `The first Login Request of a normal session also carries SendTargets=All, a key whose use is full feature phase only (13.3: "Use: FFPO").
      The target should not act on it at login: it should answer SendTargets=Reject (6.2: the value is not acceptable here) or refuse the login with
      status class 2. An answer listing targets, or no answer at all, is a warning.`,
    clause: 'RFC 7143 13.3, RFC 7143 6.2',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const a = await exchange(t, c, loginRequest({ isid: newIsid(), keys: [...firstKeys(t), ['SendTargets', 'All']] }));
    if (!('end' in a) && a.rsp.statusClass === 2) {
      t.log('the target refused the login');
      return;
    }
    const ok = expectAccepted(t, a, 'a first Login Request carrying SendTargets=All');
    const got = answersTo(ok.pairs, 'SendTargets');
    t.check(!ok.pairs.some(([k]) => k === 'TargetAddress'), `the target answered SendTargets=All at login with a target list: ${pairsText(ok.pairs)}`);
    t.check(got.length > 0, `the target did not answer SendTargets=All, sent at login (got ${pairsText(ok.pairs)}): expected SendTargets=Reject`);
    t.equal(got[0], 'Reject', 'the answer to SendTargets=All in a Login Request');
  },
);

suite.test(
  'NextStageNotBeyondRequest',
  {
    doc: `A first Login Request with AuthMethod=None and T=0, then an empty one with T=1 and NSG=1, asking to go on to the operational stage. A
      Login Response with T=1 moves the login to its NSG, and the target may agree to the stage asked for or stay, not jump further (6.3: the
      initiator proposes each transition): the answer's NSG should be 1, not full feature phase (3), which would leave the operational keys
      unnegotiated. Skipped on a run with CHAP (the security stage then ends with the CHAP exchange).`,
    clause: 'RFC 7143 6.3, RFC 7143 11.13',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    if (usesChap(t)) t.skip('the run logs in with CHAP: AuthMethod=None is not a login this target takes');
    const c = await t.connect();
    const isid = newIsid();
    const a = expectAccepted(t, await exchange(t, c, loginRequest({ isid, keys: firstKeys(t) })), 'a first Login Request with T=0');
    let b = a;
    // Bounded: a target may want a few exchanges before it lets the security stage end.
    for (let i = 0; i < 4; i++) {
      const req = loginRequest({ isid, keys: [], transit: true, csg: Stage.SECURITY, nsg: Stage.OPERATIONAL, expStatSN: (b.rsp.statSN + 1) >>> 0 });
      b = expectAccepted(t, await exchange(t, c, req), 'an empty Login Request with T=1, NSG=1');
      if (b.rsp.transit) break;
    }
    if (!b.rsp.transit) t.skip('the target did not leave the security stage within 4 requests with T=1');
    t.check(b.rsp.nsg === Stage.OPERATIONAL, `a Login Request asking for NSG=1 was answered with T=1 and NSG=${b.rsp.nsg}: beyond the stage asked for`);
  },
);

/** The unknown keys of LongAnswerContinued: 300 names of 44 bytes, each answered with NotUnderstood (about 19 KiB of answer). */
const LONG_KEYS: iscsi.KeyValue[] = Array.from({ length: 300 }, (_, i): iscsi.KeyValue => [`X-org.iscsi-test.long-answer.${String(i).padStart(15, '0')}`, '1']);
/** The initiator's MaxRecvDataSegmentLength in this login: the default (13.12), never declared otherwise. */
const LOGIN_MRDSL = 8192;

/** Send one Login Request and read a successful Login Response (its text left undecoded: a piece may end mid-pair). */
async function rawStep(t: TestContext, c: RawConnection, req: iscsi.LoginRequest, what: string): Promise<iscsi.LoginResponse> {
  c.send(req);
  const got = await c.next(10_000);
  if (isRawEnd(got)) t.fail(`${what}: expected a Login Response, got ${rawText(got)}`);
  if (got.opcode !== iscsi.Opcode.LOGIN_RESPONSE) t.fail(`${what}: expected a Login Response, got ${rawText(got)}`);
  const rsp = got as iscsi.LoginResponse;
  const len = rsp.data?.length ?? 0;
  t.log(
    `< Login Response status 0x${((rsp.statusClass << 8) | rsp.statusDetail).toString(16).padStart(4, '0')} T=${+rsp.transit} C=${+rsp.continue}, ${len} bytes`,
  );
  if (rsp.statusClass !== 0) t.fail(`${what}: the login was refused (status class ${rsp.statusClass}, detail ${rsp.statusDetail})`);
  t.check(
    len <= LOGIN_MRDSL,
    `${what}: a Login Response with a data segment of ${len} bytes, more than the initiator's MaxRecvDataSegmentLength (${LOGIN_MRDSL}, its default): ` +
      `a longer answer is continued in further Login Responses with C=1`,
  );
  t.check(!(rsp.continue && rsp.transit), `${what}: a Login Response with C=1 and T=1 ("with the C bit set to 1 MUST have the T bit set to 0")`);
  return rsp;
}

suite.test(
  'LongAnswerContinued',
  {
    doc: `The first Login Request's text (sent over several Login Requests with C=1, none over 8192 bytes) carries 300 unknown X- keys besides the
      usual ones, so the target's answer (300 NotUnderstood answers, about 19 KiB) cannot fit one Login Response of the initiator's
      MaxRecvDataSegmentLength, 8192 bytes by default: "the transmitter ... is required to send PDUs with a data segment that does not exceed
      MaxRecvDataSegmentLength of the receiver" (13.12). The target must send its answer in pieces with C=1 ("A Login Response with the C bit set to 1
      MUST have the T bit set to 0", 11.13), the initiator asking for each next piece with an empty Login Request; the pieces together must answer
      every key NotUnderstood (6.2).`,
    clause: 'RFC 7143 11.13, RFC 7143 13.12, RFC 7143 6.2',
    level: 'MUST',
    session: false,
    timeout: 60,
  },
  async (t) => {
    const c = await t.connect();
    const isid = newIsid();
    const text = iscsi.encodeText([...firstKeys(t), ...LONG_KEYS]);
    let expStatSN = 0;
    let rsp: iscsi.LoginResponse | undefined;
    const pieces: Buffer[] = [];
    for (let at = 0; at < text.length; at += LOGIN_MRDSL) {
      const last = at + LOGIN_MRDSL >= text.length;
      const piece = text.subarray(at, Math.min(text.length, at + LOGIN_MRDSL));
      const what = `the Login Request with bytes ${at}-${at + piece.length - 1} of the text`;
      rsp = await rawStep(t, c, loginRequest({ isid, keys: piece, cont: !last, expStatSN }), what);
      expStatSN = (rsp.statSN + 1) >>> 0;
      pieces.push(rsp.data ?? Buffer.alloc(0));
      if (!last) t.should((rsp.data?.length ?? 0) === 0, `${what} (C=1) was answered with text: the text is not complete until C=0 (11.12.2)`);
    }
    // Bounded: 19 KiB of answer in pieces of at least 1 byte would need many, but a target needing more than 16 is broken anyway.
    for (let i = 0; rsp!.continue; i++) {
      if (i >= 16) t.fail('the target sent more than 16 Login Responses with C=1 for one answer');
      rsp = await rawStep(t, c, loginRequest({ isid, keys: [], expStatSN }), `the empty Login Request asking for piece ${i + 2} of the answer`);
      expStatSN = (rsp.statSN + 1) >>> 0;
      pieces.push(rsp.data ?? Buffer.alloc(0));
    }
    t.log(`the answer came in ${pieces.length} Login Response(s) of ${pieces.map((p) => p.length).join(', ')} bytes`);
    let pairs: iscsi.KeyValue[] = [];
    try {
      pairs = iscsi.decodeText(Buffer.concat(pieces));
    } catch (e) {
      t.fail(`the pieces of the target's answer do not make a valid text: ${(e as Error).message}`);
    }
    const missing = LONG_KEYS.filter(([k]) => answersTo(pairs, k)[0] !== 'NotUnderstood').map(([k]) => k);
    t.check(
      missing.length === 0,
      `${missing.length} of the 300 unknown keys were not answered NotUnderstood in the continued answer (the first: ${missing[0]}=${answersTo(pairs, missing[0] ?? '')[0] ?? 'no answer'})`,
    );
  },
);

suite.test(
  'UnofferedValueAnswered',
  {
    doc: `Drive a login by hand to the operational stage offering no operational key, and wait for the target to originate a list key of its own (a
      target that requires a digest offers HeaderDigest or DataDigest without None; the reference target does when configured with HeaderDigest CRC32C).
      Answer it with a value of the key that is not in the target's list (e.g. None to HeaderDigest=CRC32C): a list answer is "the first value that it
      supports ... selected from the originator list" (6.2.1), so the answer is no outcome the target offered. The target should refuse the login
      with status class 2 (initiator error) or drop the connection, not go on into full feature phase. The sentence binds the answering initiator, so
      the level is SHOULD. Skipped when the target originates no list key.`,
    clause: 'RFC 7143 6.2.1, RFC 7143 6.2',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const c = await t.connect();
    const st = await throughSecurity(t, c);
    let out: iscsi.KeyValue[] = [];
    // Bounded: a few operational-stage exchanges, answering the target's other offers by taking its value.
    for (let i = 0; i < 4; i++) {
      const req = loginRequest({
        isid: st.isid,
        keys: out,
        transit: true,
        csg: Stage.OPERATIONAL,
        nsg: Stage.FULL_FEATURE,
        cmdSN: st.cmdSN,
        expStatSN: st.expStatSN,
      });
      const a = expectAccepted(t, await exchange(t, c, req), 'an operational-stage Login Request offering no key');
      st.expStatSN = (a.rsp.statSN + 1) >>> 0;
      const offers = a.pairs.filter(([k, v]) => !iscsi.isSpecial(v) && iscsi.keyDef(k) !== undefined && !iscsi.keyDef(k)!.type.startsWith('declarative'));
      const list = offers.find(([k]) => iscsi.keyDef(k)!.type === 'list');
      if (list) {
        const [k, v] = list;
        const offered = v.split(',');
        const other = iscsi.keyDef(k)!.values?.find((x) => !offered.includes(x));
        if (other === undefined) return t.skip(`the target offered ${k}=${v}, every value the key has: no value outside the offer to answer with`);
        t.log(`the target originated ${k}=${v}; answering ${k}=${other}`);
        const answer: iscsi.KeyValue[] = [...offers.filter(([n]) => n !== k), [k, other]];
        const last = loginRequest({
          isid: st.isid,
          keys: answer,
          transit: true,
          csg: Stage.OPERATIONAL,
          nsg: Stage.FULL_FEATURE,
          cmdSN: st.cmdSN,
          expStatSN: st.expStatSN,
        });
        const r = await exchange(t, c, last);
        const what = `the answer ${k}=${other} to the target's offer ${k}=${v}`;
        if ('end' in r) {
          t.should('closed' in r.end, `${what}: expected the login refused (status class 0x02) or the connection dropped, got ${rawText(r.end)}`);
          return;
        }
        expectRefused(t, r, 0x0200, what, { classOnly: true });
        return;
      }
      if (a.rsp.transit && a.rsp.nsg === Stage.FULL_FEATURE)
        t.skip('the target originated no list key in the operational stage: there is no offer to answer outside');
      out = offers;
    }
    t.skip('the target did not originate a list key, nor move to full feature phase, within 4 operational-stage exchanges');
  },
);

export default suite;
