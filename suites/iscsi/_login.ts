/**
 * Login-PDU-level helpers for the login-phase suites: build Login Requests field by field, send one on a
 * raw connection and read the answer, drive the security stage by hand (CHAP when the run has
 * credentials), and check a login outcome (a status class and detail, or acceptance) with
 * expected-against-got messages.
 */
import { iscsi, isRawEnd, rawText, type RawConnection, type RawEnd, type TestContext } from '../../harness/api.js';

const { Opcode, Stage, LoginStatus, loginStatusName, encodeText, decodeText } = iscsi;
type KeyValue = iscsi.KeyValue;
type LoginRequest = iscsi.LoginRequest;
type LoginResponse = iscsi.LoginResponse;

export { LoginStatus, Stage };

/** A random ISID of type 10b (RFC 7143 11.12.5): each test's session is a new one. */
export function newIsid(): number {
  return 0x80 * 2 ** 40 + (iscsi.newChallenge(5).readUIntBE(0, 5) % 2 ** 40);
}

/** Fields of a Login Request; everything not given takes the value of a plain first request. */
export interface LoginFields {
  transit?: boolean;
  cont?: boolean;
  csg?: number;
  nsg?: number;
  versionMax?: number;
  versionMin?: number;
  isid: number;
  tsih?: number;
  itt?: number;
  cid?: number;
  cmdSN?: number;
  expStatSN?: number;
  /** Key=value pairs, or the data segment as bytes (malformed text). */
  keys: readonly KeyValue[] | Buffer;
}

export const LOGIN_ITT = 0x4c0001;

/**
 * The initiator name iSCSILoginValues.AclRefused logs in with: a target's operator refuses it in the target's ACL
 * to run that test (the reference target's test configuration does, with a DenyInitiator line).
 */
export const ACL_REFUSED_INITIATOR = 'iqn.2026-12.org.iscsi-test:acl-refused';

export function loginRequest(f: LoginFields): LoginRequest {
  const csg = f.csg ?? Stage.SECURITY;
  const transit = f.transit ?? false;
  return {
    opcode: Opcode.LOGIN_REQUEST,
    immediate: true,
    transit,
    continue: f.cont ?? false,
    csg,
    nsg: f.nsg ?? (transit ? (csg === Stage.SECURITY ? Stage.OPERATIONAL : Stage.FULL_FEATURE) : 0),
    versionMax: f.versionMax ?? 0,
    versionMin: f.versionMin ?? 0,
    isid: f.isid,
    tsih: f.tsih ?? 0,
    itt: f.itt ?? LOGIN_ITT,
    cid: f.cid ?? 0,
    cmdSN: f.cmdSN ?? 1,
    expStatSN: f.expStatSN ?? 0,
    data: Buffer.isBuffer(f.keys) ? f.keys : encodeText(f.keys as KeyValue[]),
  };
}

/** Does the run log in with CHAP (credentials in the URL)? */
export const usesChap = (t: TestContext): boolean => !!t.config.target.chap;

/**
 * The keys of a plain first Login Request: InitiatorName, TargetName (normal sessions), SessionType and
 * AuthMethod (CHAP when the run has credentials). `omit` leaves keys out; `set` changes or adds them.
 */
export function firstKeys(t: TestContext, o: { discovery?: boolean; omit?: string[]; set?: Record<string, string> } = {}): KeyValue[] {
  const base: KeyValue[] = [['InitiatorName', t.config.initiatorName]];
  if (!o.discovery) base.push(['TargetName', t.config.target.targetName]);
  base.push(['SessionType', o.discovery ? 'Discovery' : 'Normal'], ['AuthMethod', usesChap(t) && !o.discovery ? 'CHAP' : 'None']);
  const out = base.filter(([k]) => !(o.omit ?? []).includes(k)).map(([k, v]): KeyValue => [k, o.set?.[k] ?? v]);
  for (const [k, v] of Object.entries(o.set ?? {})) if (!out.some(([n]) => n === k)) out.push([k, v]);
  return out;
}

/** What came back for one Login Request. */
export type LoginAnswer = { rsp: LoginResponse; pairs: KeyValue[] } | { end: RawEnd };

/** Send one Login Request and read the next PDU (a Login Response is expected; anything else fails the test). */
export async function exchange(t: TestContext, c: RawConnection, req: LoginRequest, ms = 10_000): Promise<LoginAnswer> {
  c.send(req);
  const got = await c.next(ms);
  if (isRawEnd(got)) {
    t.log(`< ${rawText(got)}`);
    return { end: got };
  }
  if (got.opcode !== Opcode.LOGIN_RESPONSE) t.fail(`answer to a Login Request: expected a Login Response, got ${rawText(got)}`);
  const rsp = got as LoginResponse;
  let pairs: KeyValue[] = [];
  try {
    pairs = rsp.data?.length ? decodeText(rsp.data) : [];
  } catch (e) {
    t.fail(`the Login Response's text is malformed: ${(e as Error).message}`);
  }
  t.log(
    `< Login Response ${statusText((rsp.statusClass << 8) | rsp.statusDetail)} T=${rsp.transit ? 1 : 0} C=${rsp.continue ? 1 : 0} CSG=${rsp.csg} ` +
      `NSG=${rsp.nsg}${pairs.length ? `: ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`,
  );
  return { rsp, pairs };
}

/** 'class 0x02 detail 0x07 (Missing parameter)'. */
export function statusText(status: number): string {
  const h = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
  return `${h(status >> 8)}${(status & 0xff).toString(16).padStart(2, '0')} (${loginStatusName(status >> 8, status & 0xff)})`;
}

function gotText(a: LoginAnswer): string {
  if ('end' in a) return rawText(a.end);
  const st = (a.rsp.statusClass << 8) | a.rsp.statusDetail;
  return `a Login Response with status ${statusText(st)}`;
}

/**
 * The login must be refused with one of `statuses` (a whole status; or a class alone as 0x0200 with
 * `classOnly`). A refusal by closing the connection, or an acceptance, fails with `what`.
 */
export function expectRefused(t: TestContext, a: LoginAnswer, statuses: number | readonly number[], what: string, o: { classOnly?: boolean } = {}): void {
  const list = typeof statuses === 'number' ? [statuses] : statuses;
  const want = o.classOnly ? list.map((s) => `status class 0x${(s >> 8).toString(16).padStart(2, '0')}`).join(' or ') : list.map(statusText).join(' or ');
  if ('end' in a) t.fail(`${what}: expected a Login Response with ${want}, got ${gotText(a)}`);
  const st = (a.rsp.statusClass << 8) | a.rsp.statusDetail;
  const ok = o.classOnly ? list.some((s) => s >> 8 === a.rsp.statusClass) : list.includes(st);
  if (!ok) t.fail(`${what}: expected a Login Response with ${want}, got ${gotText(a)}`);
  // RFC 7143 11.13: a refusal ends the login; the target then drops the connection.
}

/** The login step must be accepted (status 0x0000); returns the response. */
export function expectAccepted(t: TestContext, a: LoginAnswer, what: string): { rsp: LoginResponse; pairs: KeyValue[] } {
  if ('end' in a) t.fail(`${what}: expected a Login Response with status 0x0000 (Success), got ${gotText(a)}`);
  if (a.rsp.statusClass !== 0) t.fail(`${what}: expected a Login Response with status 0x0000 (Success), got ${gotText(a)}`);
  return a;
}

/** The state of a login driven by hand, to go on from. */
export interface RawLogin {
  isid: number;
  tsih: number;
  cmdSN: number;
  expStatSN: number;
  /** Every key=value the target sent so far. */
  received: KeyValue[];
}

/**
 * Drive the security stage of a normal-session login to its end (CHAP with the run's credentials when it
 * has them, else AuthMethod=None), asking to go on to the operational stage: the test then sends its own
 * operational-stage requests. `extra` is added to the first request.
 */
export async function throughSecurity(
  t: TestContext,
  c: RawConnection,
  o: { isid?: number; extra?: KeyValue[]; discovery?: boolean; cmdSN?: number } = {},
): Promise<RawLogin> {
  const isid = o.isid ?? newIsid();
  const st: RawLogin = { isid, tsih: 0, cmdSN: (o.cmdSN ?? 1) >>> 0, expStatSN: 0, received: [] };
  const step = async (keys: KeyValue[], transit: boolean, what: string) => {
    const a = expectAccepted(
      t,
      await exchange(
        t,
        c,
        loginRequest({ isid, keys, transit, csg: Stage.SECURITY, nsg: transit ? Stage.OPERATIONAL : 0, cmdSN: st.cmdSN, expStatSN: st.expStatSN }),
      ),
      what,
    );
    st.expStatSN = (a.rsp.statSN + 1) >>> 0;
    st.received.push(...a.pairs);
    return a;
  };
  const chap = usesChap(t) && !o.discovery ? t.config.target.chap : undefined;
  const first = [...firstKeys(t, { discovery: !!o.discovery }), ...(o.extra ?? [])];
  if (!chap) {
    let a = await step(first, true, 'the first Login Request (AuthMethod=None)');
    // Bounded: a target may first answer without T (a few exchanges at most).
    for (let i = 0; i < 4 && !a.rsp.transit; i++) a = await step([], true, 'a Login Request asking to leave the security stage');
    if (!a.rsp.transit || a.rsp.nsg !== Stage.OPERATIONAL)
      t.fail(`the target did not let the login leave the security stage with AuthMethod=None ` + `(last answer T=${a.rsp.transit ? 1 : 0} NSG=${a.rsp.nsg})`);
    return st;
  }
  await step(first, false, 'the first Login Request (AuthMethod=CHAP)');
  const a = await step([['CHAP_A', '5']], false, 'CHAP_A=5');
  const get = (k: string) => a.pairs.find(([n]) => n === k)?.[1];
  const id = Number(get('CHAP_I'));
  const challenge = iscsi.decodeBinary(get('CHAP_C') ?? '');
  if (!challenge || !Number.isInteger(id)) t.fail(`CHAP: the target did not send CHAP_I and CHAP_C (got ${a.pairs.map(([k]) => k).join(', ') || 'no keys'})`);
  const r = iscsi.chapResponse(5, id, chap.secret, challenge);
  let b = await step(
    [
      ['CHAP_N', chap.user],
      ['CHAP_R', iscsi.encodeBinary(r)],
    ],
    true,
    'CHAP_N and CHAP_R',
  );
  for (let i = 0; i < 4 && !b.rsp.transit; i++) b = await step([], true, 'a Login Request asking to leave the security stage');
  if (!b.rsp.transit) t.fail('the target did not let the login leave the security stage after a correct CHAP response');
  return st;
}

/**
 * Send operational-stage requests asking for full feature phase until the target agrees (answering any
 * offer of its own by taking its value), at most a few exchanges. Returns the last response and every
 * key the target sent in this stage.
 */
export async function throughOperational(t: TestContext, c: RawConnection, st: RawLogin, keys: KeyValue[]): Promise<{ rsp: LoginResponse; pairs: KeyValue[] }> {
  const seen: KeyValue[] = [];
  let out = keys;
  for (let i = 0; i < 6; i++) {
    const a = expectAccepted(
      t,
      await exchange(
        t,
        c,
        loginRequest({ isid: st.isid, keys: out, transit: true, csg: Stage.OPERATIONAL, nsg: Stage.FULL_FEATURE, cmdSN: st.cmdSN, expStatSN: st.expStatSN }),
      ),
      'an operational-stage Login Request',
    );
    st.expStatSN = (a.rsp.statSN + 1) >>> 0;
    seen.push(...a.pairs);
    st.received.push(...a.pairs);
    if (a.rsp.transit && a.rsp.nsg === Stage.FULL_FEATURE) {
      st.tsih = a.rsp.tsih;
      return { rsp: a.rsp, pairs: seen };
    }
    // The target's own offers: agree with them (a declarative key needs no answer).
    const sent = new Set(keys.map(([k]) => k));
    out = a.pairs.filter(
      ([k, v]) => !sent.has(k) && !iscsi.isSpecial(v) && iscsi.keyDef(k)?.type !== 'declarative' && iscsi.keyDef(k)?.type !== 'declarative-numeric',
    );
  }
  t.fail('the target did not move to full feature phase within 6 operational-stage exchanges');
}

type Step = { pairs: KeyValue[] };

/**
 * Log in by hand up to the step where the initiator answers the target's challenge: returns the target's
 * CHAP_I/CHAP_C and a function sending CHAP_N, CHAP_R (made by `respond`) and the initiator's own CHAP_I/CHAP_C.
 */
export async function chapToResponse(
  t: TestContext,
): Promise<{ id: number; challenge: Buffer; answer: (r: Buffer, c?: Buffer) => ReturnType<typeof exchange> }> {
  const chap = t.config.target.chap;
  if (!chap || !t.config.target.targetChap) t.skip('the URL carries no CHAP and target CHAP credentials (?target_user=…&target_password=…)');
  const c = await t.connect();
  const isid = newIsid();
  let expStatSN = 0;
  const step = async (keys: KeyValue[], what: string): Promise<Step> => {
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
    const keys: KeyValue[] = [
      ['CHAP_N', chap.user],
      ['CHAP_R', iscsi.encodeBinary(r)],
    ];
    if (own) keys.push(['CHAP_I', '7'], ['CHAP_C', iscsi.encodeBinary(own)]);
    return exchange(t, c, loginRequest({ isid, keys, transit: true, csg: Stage.SECURITY, nsg: Stage.OPERATIONAL, expStatSN }));
  };
  return { id, challenge, answer };
}

/** The value the target sent for `key` (the first), or undefined. */
export const valueOf = (pairs: readonly KeyValue[], key: string): string | undefined => pairs.find(([k]) => k === key)?.[1];

/** Every answer the target gave to `key`. */
export const answersTo = (pairs: readonly KeyValue[], key: string): string[] => pairs.filter(([k]) => k === key).map(([, v]) => v);

/** Keys and values as 'K=V K=V'. */
export const pairsText = (pairs: readonly KeyValue[]): string => pairs.map(([k, v]) => `${k}=${v}`).join(' ') || 'no keys';

export { encodeText };
export type { KeyValue, LoginResponse };
