/**
 * The target's side of login (RFC 7143 6.3, 11.12-11.13, 12.1.3): checks each Login Request, runs
 * security negotiation (AuthMethod None or CHAP, one-way or mutual, against the target's accounts),
 * checks the initiator ACL, negotiates operational keys through the shared key table within the
 * target's limits, and answers every refusal with the login status class and detail the RFC names.
 */
import {
  chapResponse,
  decodeBinary,
  encodeBinary,
  encodeText,
  KeyValue,
  keyDef,
  LoginRequest,
  LoginResponse,
  LoginStatus,
  Negotiator,
  newChallenge,
  newIdentifier,
  Opcode,
  SessionParams,
  splitText,
  Stage,
  TextAccumulator,
} from '../protocol/iscsi/index.js';
import type { Account } from './config.js';
import type { TargetNode } from './node.js';
import type { Quirks } from './quirks.js';
import { defineQuirk } from './quirks.js';
import { answerNsg, chapAccountName, loginPiece, quirkFfpAnswers, quirkValueLengths, unofferedAnswerTaken } from './login-text-quirks.js';
import { burstAnswers } from './burst-limits.js';

/** RFC 7143 12.1.3: the binary length of CHAP_C and CHAP_R "MUST NOT exceed 1024 bytes". */
export const CHAP_MAX_BINARY = 1024;
/** The shortest mutual-CHAP challenge this target answers: the length of the MD5 hash (policy, README). */
export const CHAP_MIN_CHALLENGE = 16;

export const Q_LOGIN = {
  chapOwnSecretUnchecked: defineQuirk('chap-own-secret-unchecked', 'iscsi', "a CHAP_R made with the target's own (OutgoingUser) secret is not refused as such"),
  chapChallengeAnyLength: defineQuirk(
    'chap-challenge-any-length',
    'iscsi',
    'mutual CHAP challenges of any length (1 byte, or more than 1024 bytes) are answered',
  ),
  acceptAnyChap: defineQuirk('chap-accept-any', 'iscsi', 'CHAP logins succeed whatever CHAP_R the initiator sends'),
  acceptRepeatedKey: defineQuirk('login-repeated-key-ok', 'iscsi', 'a key the initiator repeats during login is not refused'),
  unknownKeySilent: defineQuirk('login-unknown-key-silent', 'iscsi', 'unknown login keys get no NotUnderstood answer'),
  noTpgt: defineQuirk('login-no-tpgt', 'iscsi', 'the first Login Response of a normal session omits TargetPortalGroupTag'),
  resultSwapped: defineQuirk(
    'login-result-function-swapped',
    'iscsi',
    `numeric answers apply max() to min() keys and the reverse (MaxBurstLength, FirstBurstLength, DefaultTime2Wait, iSCSIProtocolLevel), ` +
      `MaxConnections and ErrorRecoveryLevel offered above the limit are answered one above the offer; InitialR2T offered Yes is answered No and ` +
      `ImmediateData offered No is answered Yes`,
  ),
  valuesUnchecked: defineQuirk(
    'login-values-unchecked',
    'iscsi',
    'numeric and Yes/No values out of range or malformed are echoed as the answer instead of Reject',
  ),
  namesUnchecked: defineQuirk(
    'login-names-unchecked',
    'iscsi',
    'a first Login Request without InitiatorName or TargetName, or naming an unknown target, is accepted (for the first target)',
  ),
  headerUnchecked: defineQuirk(
    'login-header-unchecked',
    'iscsi',
    'Login Request header rules are not checked: version range, T with C, stage transitions, ISID/TSIH/CID/CmdSN changes',
  ),
  transitUnasked: defineQuirk('login-transit-unasked', 'iscsi', 'the answer to the first Login Request sets T=1 even when the request did not ask to move on'),
  authNoneAccepted: defineQuirk('login-auth-none-accepted', 'iscsi', 'a target that requires CHAP accepts AuthMethod=None when the initiator lists it first'),
  chapAlgorithmUnchecked: defineQuirk('chap-algorithm-unchecked', 'iscsi', 'CHAP goes on with MD5 whatever CHAP_A lists'),
  chapSingleAlgorithm: defineQuirk('chap-a-single', 'iscsi', 'a CHAP_A listing more than one algorithm is refused'),
  chapHexOnly: defineQuirk('chap-hex-only', 'iscsi', 'a CHAP_R in base64 (0b...) is not decoded: only 0x hex is'),
  chapResponseSuffix: defineQuirk(
    'chap-response-suffix',
    'iscsi',
    'a CHAP_R is accepted when its last bytes are the right response, whatever comes before them',
  ),
  noReinstatement: defineQuirk(
    'login-no-reinstatement',
    'iscsi',
    'a login with the ISID of a live session starts a second session and leaves the old one running',
  ),
  hexRejected: defineQuirk('login-hex-numbers-rejected', 'iscsi', 'numeric offers written in hex (0x...) are answered with Reject'),
  listUnoffered: defineQuirk(
    'login-list-answer-unoffered',
    'iscsi',
    "HeaderDigest, DataDigest and TaskReporting are answered with the target's first preference even when the initiator did not offer it",
  ),
  statusGeneric: defineQuirk(
    'login-status-generic',
    'iscsi',
    'every login refusal carries Status-Detail 0 (initiator error or target error) instead of the specific detail',
  ),
  continueIgnored: defineQuirk('login-continue-ignored', 'iscsi', "the C bit of Login Requests is ignored: each PDU's text is taken as complete"),
  discoveryNegotiates: defineQuirk(
    'login-discovery-negotiates',
    'iscsi',
    'operational keys offered in a discovery session are answered with the offered value instead of Irrelevant',
  ),
  tsihUnchecked: defineQuirk('login-tsih-unchecked', 'iscsi', 'a login naming a TSIH that does not exist starts a new session'),
  stageKeysUnchecked: defineQuirk(
    'login-stage-keys-unchecked',
    'iscsi',
    'security keys (AuthMethod, CHAP_*) sent in the operational stage are ignored instead of refused',
  ),
  textLimitsUnchecked: defineQuirk(
    'login-text-limits-unchecked',
    'iscsi',
    'a login key whose name is longer than 63 bytes is dropped silently instead of refused',
  ),
  answersAboveOffer: defineQuirk(
    'login-answer-above-offer',
    'iscsi',
    `MaxConnections, ErrorRecoveryLevel, DefaultTime2Retain and MaxOutstandingR2T offered alone in a Login Request are answered one above the offer; ` +
      `DataPDUInOrder and DataSequenceInOrder offered Yes alone are answered No`,
  ),
  declarationsAnswered: defineQuirk('login-declarations-answered', 'iscsi', 'InitiatorAlias, a declaration, is answered with InitiatorAlias=NotUnderstood'),
  chapReflectionUnchecked: defineQuirk('chap-reflection-unchecked', 'iscsi', "a mutual CHAP challenge equal to the target's own is answered"),
  chapMutualWrongSecret: defineQuirk(
    'chap-mutual-wrong-secret',
    'iscsi',
    "the target answers a mutual CHAP challenge longer than 16 bytes with the initiator's secret instead of its own (OutgoingUser) secret",
  ),
  securityStageOfferIgnored: defineQuirk('login-security-stage-offer-ignored', 'iscsi', 'MaxBurstLength offered in the security stage is never answered'),
  sessionTypeUnchecked: defineQuirk('login-session-type-unchecked', 'iscsi', 'a SessionType other than Normal or Discovery is taken as Normal'),
  noLoginTimeout: defineQuirk('login-no-timeout', 'iscsi', 'a login left unfinished is never timed out: the connection stays open'),
  discoveryTargetNameRefused: defineQuirk(
    'login-discovery-targetname-refused',
    'iscsi',
    'a discovery-session login that carries TargetName is refused with 0x0203 (Not found)',
  ),
};

/** The keys the login-answer-above-offer quirk answers against their result function. */
const ABOVE_OFFER_KEYS = new Set(['MaxConnections', 'ErrorRecoveryLevel', 'DefaultTime2Retain', 'MaxOutstandingR2T', 'DataPDUInOrder', 'DataSequenceInOrder']);

/** The keys the login-result-function-swapped quirk answers wrongly (not the ones every login offers with a stricter value). */
const SWAPPED_KEYS = new Set([
  'MaxBurstLength',
  'FirstBurstLength',
  'DefaultTime2Wait',
  'MaxConnections',
  'ErrorRecoveryLevel',
  'iSCSIProtocolLevel',
  'InitialR2T',
  'ImmediateData',
]);

export interface LoginEnvironment {
  tpgt: number;
  findTarget(name: string): TargetNode | undefined;
  /** The first target node (for the login-names-unchecked quirk). */
  anyTarget?(): TargetNode | undefined;
  discoveryUsers?: Account[];
  discoveryOutgoingUser?: Account;
  quirks: Quirks;
  /** Decide whether the session may be created: the TSIH to use, or a login status to refuse with. */
  admit(req: {
    initiatorName: string;
    isid: number;
    tsih: number;
    node?: TargetNode;
    sessionType: 'Normal' | 'Discovery';
  }): { tsih: number; reinstates?: unknown } | { status: number; why: string };
  log(line: string): void;
}

export interface LoginResult {
  sessionType: 'Normal' | 'Discovery';
  node?: TargetNode;
  initiatorName: string;
  initiatorAlias?: string;
  isid: number;
  tsih: number;
  cid: number;
  params: SessionParams;
  negotiator: Negotiator;
  /** Command numbering agreed at login. */
  expCmdSN: number;
  statSN: number;
  authMethod: string;
  reinstates?: unknown;
}

export type LoginStep = { response: LoginResponse } | { response: LoginResponse; done: LoginResult } | { response: LoginResponse; fail: string };

const hex = (n: number, w = 2) => n.toString(16).padStart(w, '0');

/** The status class and detail of a refusal, with the reason for the log. */
class Refusal {
  constructor(
    readonly status: number,
    readonly why: string,
  ) {}
}

export class TargetLogin {
  private readonly env: LoginEnvironment;
  private stage = -1;
  private first: LoginRequest | undefined;
  private neg: Negotiator | undefined;
  private node: TargetNode | undefined;
  private sessionType: 'Normal' | 'Discovery' = 'Normal';
  private initiatorName = '';
  private tsih = 0;
  private reinstates: unknown;
  private statSN: number;
  private readonly text = new TextAccumulator(65536);
  private outgoing: Buffer[] = [];
  private chap: 'none' | 'need-method' | 'need-a' | 'need-r' | 'done' = 'none';
  private chapAlg = 5;
  private chapId = 0;
  private chapChallenge: Buffer | undefined;
  private authRequired = false;
  private firstResponse = true;
  private offeredTargetKeys = false;
  private exchanges = 0;

  constructor(env: LoginEnvironment, initialStatSN: number) {
    this.env = env;
    this.statSN = initialStatSN >>> 0;
  }

  handle(req: LoginRequest): LoginStep {
    try {
      return this.step(req);
    } catch (e) {
      if (e instanceof Refusal) return this.refuse(req, e);
      throw e;
    }
  }

  private refuse(req: LoginRequest, r: Refusal): LoginStep {
    const rsp = this.response(req, Buffer.alloc(0), false, false);
    rsp.statusClass = r.status >> 8;
    rsp.statusDetail = this.env.quirks.has(Q_LOGIN.statusGeneric) ? 0 : r.status & 0xff;
    rsp.csg = Math.max(0, this.stage);
    return { response: rsp, fail: r.why };
  }

  private response(req: LoginRequest, data: Buffer, transit: boolean, cont: boolean): LoginResponse {
    const rsp: LoginResponse = {
      opcode: Opcode.LOGIN_RESPONSE,
      transit,
      continue: cont,
      csg: this.stage < 0 ? req.csg : this.stage,
      nsg: transit ? answerNsg(this.env.quirks, req, this.exchanges > 1 && this.stage === Stage.SECURITY) : 0,
      versionMax: 0,
      versionActive: 0,
      isid: req.isid,
      tsih: transit && req.nsg === Stage.FULL_FEATURE ? this.tsih : req.tsih,
      itt: req.itt,
      statSN: this.statSN,
      expCmdSN: req.cmdSN,
      maxCmdSN: req.cmdSN,
      statusClass: 0,
      statusDetail: 0,
      data,
    };
    this.statSN = (this.statSN + 1) >>> 0;
    return rsp;
  }

  private step(req: LoginRequest): LoginStep {
    if (++this.exchanges > 64) throw new Refusal(LoginStatus.INITIATOR_ERROR, 'more than 64 Login Requests');
    if (!this.env.quirks.has(Q_LOGIN.headerUnchecked)) this.checkHeader(req);
    else if (!this.first) {
      this.first = req;
      this.stage = req.csg;
    }
    return this.stepBody(req);
  }

  /** The header rules of a Login Request (RFC 7143 11.12): refused with initiator error, or unsupported version. */
  private checkHeader(req: LoginRequest): void {
    if (req.versionMin > 0) throw new Refusal(LoginStatus.UNSUPPORTED_VERSION, `Version-min ${req.versionMin}: only version 0 is supported`);
    if (req.versionMax < req.versionMin)
      throw new Refusal(LoginStatus.UNSUPPORTED_VERSION, `Version-max ${req.versionMax} below Version-min ${req.versionMin}`);
    if (req.transit && req.continue) throw new Refusal(LoginStatus.INITIATOR_ERROR, 'Login Request with both T and C set (RFC 7143 11.12.2)');
    if (req.csg === 2 || (req.transit && (req.nsg === 2 || req.nsg <= req.csg))) {
      throw new Refusal(LoginStatus.INITIATOR_ERROR, `invalid stage transition CSG ${req.csg} -> NSG ${req.nsg} (RFC 7143 11.12.3)`);
    }
    if (req.csg === Stage.FULL_FEATURE) throw new Refusal(LoginStatus.INITIATOR_ERROR, 'Login Request with CSG 3');
    if (!this.first) {
      this.first = req;
      this.stage = req.csg;
    } else {
      const f = this.first;
      if (req.isid !== f.isid || req.tsih !== f.tsih || req.cid !== f.cid) {
        throw new Refusal(LoginStatus.INITIATOR_ERROR, 'ISID, TSIH or CID changed during login (RFC 7143 11.12.5)');
      }
      // RFC 7143 11.12.4: every Login Request of the Login Phase carries the same Version-max and Version-min.
      // RFC 7143 11.12.8: every Login Request of a login carries the CmdSN of the first.
      if (req.cmdSN !== f.cmdSN) throw new Refusal(LoginStatus.INITIATOR_ERROR, `CmdSN changed during login (${f.cmdSN} -> ${req.cmdSN}, RFC 7143 11.12.8)`);
      if (req.versionMax !== f.versionMax || req.versionMin !== f.versionMin) {
        throw new Refusal(
          LoginStatus.INITIATOR_ERROR,
          `Version-max/min changed during login (${f.versionMax}/${f.versionMin} -> ${req.versionMax}/${req.versionMin}, RFC 7143 11.12.4)`,
        );
      }
      if (req.csg !== this.stage) throw new Refusal(LoginStatus.INITIATOR_ERROR, `Login Request CSG ${req.csg} but the login is in stage ${this.stage}`);
    }
  }

  private stepBody(req: LoginRequest): LoginStep {
    // Our own text still going out in pieces: the initiator acknowledges each with an empty request.
    if (this.outgoing.length > 0) {
      const piece = this.outgoing.shift()!;
      const last = this.outgoing.length === 0;
      return { response: this.response(req, piece, false, !last) };
    }
    const data = this.env.quirks.has(Q_LOGIN.textLimitsUnchecked) ? withoutLongKeys(req.data ?? Buffer.alloc(0)) : (req.data ?? Buffer.alloc(0));
    let pairs: KeyValue[] | undefined;
    try {
      pairs = this.text.add(data, req.continue && !this.env.quirks.has(Q_LOGIN.continueIgnored));
    } catch (e) {
      // Malformed text (a key name over 63 bytes, RFC 7143 6.1; no '='): the initiator's error, said so.
      throw new Refusal(LoginStatus.INITIATOR_ERROR, (e as Error).message);
    }
    if (pairs === undefined) return { response: this.response(req, Buffer.alloc(0), false, false) };
    if (this.env.quirks.has(Q_LOGIN.sessionTypeUnchecked))
      pairs = pairs.map(([k, v]): KeyValue => (k === 'SessionType' && v !== 'Discovery' ? [k, 'Normal'] : [k, v]));
    if (!this.neg) this.begin(req, pairs);
    if (this.stage === Stage.SECURITY && this.env.quirks.has(Q_LOGIN.securityStageOfferIgnored)) pairs = pairs.filter(([k]) => k !== 'MaxBurstLength');
    if (this.stage !== Stage.SECURITY && this.env.quirks.has(Q_LOGIN.stageKeysUnchecked))
      pairs = pairs.filter(([k]) => keyDef(k)?.use !== 'SEC' && keyDef(k)?.type !== 'auth');
    const phase = this.stage === Stage.SECURITY ? 'security' : 'operational';
    const r = this.neg!.receive(quirkValueLengths(this.env.quirks, pairs), phase);
    if (r.fatal) {
      const repeated = r.fatal.problem.includes('more than once');
      if (!(repeated && this.env.quirks.has(Q_LOGIN.acceptRepeatedKey)) && !unofferedAnswerTaken(this.env.quirks, r.fatal.problem)) {
        throw new Refusal(LoginStatus.INITIATOR_ERROR, `${r.fatal.key}=${r.fatal.value}: ${r.fatal.problem} (${r.fatal.clause})`);
      }
    }
    let out: KeyValue[] = quirkFfpAnswers(this.env.quirks, this.quirkReplies(r.replies, pairs)).filter(
      ([, v]) => !(v === 'NotUnderstood' && this.env.quirks.has(Q_LOGIN.unknownKeySilent)),
    );
    if (this.env.quirks.has(Q_LOGIN.declarationsAnswered) && pairs.some(([k]) => k === 'InitiatorAlias')) out.push(['InitiatorAlias', 'NotUnderstood']);
    out = burstAnswers(this.env.quirks, out, this.neg!.values);
    for (const i of this.neg!.issues.splice(0)) if (!i.fatal) this.env.log(`login ${this.initiatorName}: ${i.key}=${i.value}: ${i.problem}`);
    if (this.firstResponse) {
      this.firstResponse = false;
      if (this.sessionType === 'Normal' && !this.env.quirks.has(Q_LOGIN.noTpgt)) {
        // RFC 7143 13.9: TargetPortalGroupTag in the first Login Response of a normal session.
        out.push(['TargetPortalGroupTag', String(this.env.tpgt)]);
        if (this.node!.config.alias) out.push(['TargetAlias', this.node!.config.alias]);
      }
    }
    let canTransit = req.transit || (this.exchanges === 1 && this.env.quirks.has(Q_LOGIN.transitUnasked));
    if (this.stage === Stage.SECURITY) {
      const sec = this.security(r.auth, req);
      out = [...out, ...sec.pairs];
      canTransit = canTransit && sec.transit;
    } else if (r.auth.length) {
      throw new Refusal(LoginStatus.INITIATOR_ERROR, `${r.auth[0]![0]} outside the security stage`);
    }
    const entering = req.transit ? req.nsg : this.stage;
    if (entering !== Stage.SECURITY && this.authRequired && this.chap !== 'done') {
      if (this.stage !== Stage.SECURITY)
        throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, 'authentication required but the initiator skipped the security stage');
      canTransit = false;
    }
    if (this.stage === Stage.OPERATIONAL && canTransit) {
      // Before leaving the operational stage the target states its own limits (operational keys
      // belong to that stage: offered earlier, they would hold up the security stage).
      const offers = this.targetOffers();
      if (offers.length) {
        out.push(...offers);
        if (this.neg!.pending.length) canTransit = false;
      }
    } else if (this.stage === Stage.SECURITY && canTransit && req.nsg === Stage.FULL_FEATURE && !this.neg!.localDeclared.has('MaxRecvDataSegmentLength')) {
      // Straight from security to full feature phase: declare what we receive, nothing to negotiate.
      out.push(...this.neg!.offer([['MaxRecvDataSegmentLength', this.neg!.local['MaxRecvDataSegmentLength'] ?? '8192']]));
    }
    if (this.neg!.pending.length) canTransit = false;
    const pieces = splitText(encodeText(out), loginPiece(this.env.quirks));
    this.outgoing = pieces.slice(1);
    if (pieces.length > 1) return { response: this.response(req, pieces[0]!, false, true) };
    const rsp = this.response(req, pieces[0]!, canTransit, false);
    if (!canTransit) return { response: rsp };
    this.stage = req.nsg;
    if (req.nsg !== Stage.FULL_FEATURE) return { response: rsp };
    const params = this.neg!.params();
    const result: LoginResult = {
      sessionType: this.sessionType,
      initiatorName: this.initiatorName,
      isid: req.isid,
      tsih: this.tsih,
      cid: req.cid,
      params,
      negotiator: this.neg!,
      expCmdSN: req.cmdSN,
      statSN: this.statSN,
      authMethod: this.neg!.values.get('AuthMethod') ?? 'None',
    };
    if (this.node) result.node = this.node;
    if (params.initiatorAlias) result.initiatorAlias = params.initiatorAlias;
    if (this.reinstates !== undefined) result.reinstates = this.reinstates;
    rsp.tsih = this.tsih;
    return { response: rsp, done: result };
  }

  /** Answers as the result-function and value quirks spoil them (unchanged without those quirks). */
  private quirkReplies(replies: KeyValue[], offers: KeyValue[]): KeyValue[] {
    const q = this.env.quirks;
    if (
      ![
        Q_LOGIN.resultSwapped,
        Q_LOGIN.valuesUnchecked,
        Q_LOGIN.hexRejected,
        Q_LOGIN.listUnoffered,
        Q_LOGIN.discoveryNegotiates,
        Q_LOGIN.answersAboveOffer,
      ].some((n) => q.has(n))
    )
      return replies;
    return replies.map(([k, v]): KeyValue => {
      const def = keyDef(k);
      const offer = offers.find(([n]) => n === k)?.[1];
      if (!def || offer === undefined) return [k, v];
      if (v === 'Irrelevant' && this.sessionType === 'Discovery' && q.has(Q_LOGIN.discoveryNegotiates)) return [k, offer];
      if (q.has(Q_LOGIN.hexRejected) && def.type === 'numeric' && /^0x/i.test(offer)) return [k, 'Reject'];
      if (q.has(Q_LOGIN.listUnoffered) && def.type === 'list' && ['HeaderDigest', 'DataDigest', 'TaskReporting'].includes(k))
        return [k, (this.neg!.local[k] ?? def.default ?? v).split(',')[0]!];
      if (q.has(Q_LOGIN.answersAboveOffer) && offers.length === 1 && ABOVE_OFFER_KEYS.has(k) && v !== 'Reject' && v !== 'Irrelevant')
        return [k, def.type === 'numeric' ? String(Number(offer) + 1) : offer === 'Yes' ? 'No' : v];
      if (v === 'Reject' && q.has(Q_LOGIN.valuesUnchecked) && (def.type === 'numeric' || def.type === 'boolean')) return [k, offer];
      if (!q.has(Q_LOGIN.resultSwapped) || !SWAPPED_KEYS.has(k) || v === 'Reject' || v === 'Irrelevant') return [k, v];
      const local = this.neg!.local[k] ?? def.default ?? offer;
      if (def.type === 'numeric') {
        const [o, l] = [Number(offer), Number(local)];
        // MaxConnections and ErrorRecoveryLevel offered above the target's limit: one more than offered.
        if (o > l && (k === 'MaxConnections' || k === 'ErrorRecoveryLevel')) return [k, String(o + 1)];
        return [k, String(def.result === 'min' ? Math.max(o, l) : Math.min(o, l))];
      }
      if (def.type === 'boolean') return [k, def.result === 'and' && offer === 'No' ? 'Yes' : def.result === 'or' && offer === 'Yes' ? 'No' : v];
      return [k, v];
    });
  }

  /** The first request: who is logging in, to what, and may it. */
  private begin(req: LoginRequest, pairs: KeyValue[]): void {
    const get = (k: string) => pairs.find(([n]) => n === k)?.[1];
    const lax = this.env.quirks.has(Q_LOGIN.namesUnchecked);
    const name = get('InitiatorName') ?? (lax ? 'iqn.2026-11.org.iscsi-test:unnamed' : undefined);
    if (!name) throw new Refusal(LoginStatus.MISSING_PARAMETER, 'the first Login Request has no InitiatorName (RFC 7143 13.5)');
    this.initiatorName = name;
    const st = get('SessionType') ?? 'Normal';
    if (st === 'Discovery' && get('TargetName') !== undefined && this.env.quirks.has(Q_LOGIN.discoveryTargetNameRefused))
      throw new Refusal(LoginStatus.NOT_FOUND, 'TargetName in a discovery session');
    if (st !== 'Normal' && st !== 'Discovery') throw new Refusal(LoginStatus.INITIATOR_ERROR, `SessionType=${st}`);
    this.sessionType = st;
    let local: Record<string, string>;
    let users: Account[] | undefined;
    if (st === 'Normal') {
      const tn = get('TargetName') ?? (lax ? this.env.anyTarget?.()?.config.iqn : undefined);
      if (!tn) throw new Refusal(LoginStatus.MISSING_PARAMETER, 'a Normal session needs TargetName (RFC 7143 13.4)');
      const node = this.env.findTarget(tn) ?? (lax ? this.env.anyTarget?.() : undefined);
      if (!node) throw new Refusal(LoginStatus.NOT_FOUND, `no target named ${tn}`);
      if (!node.allows(name)) throw new Refusal(LoginStatus.AUTHORIZATION_FAILURE, `initiator ${name} is not in the ACL of ${tn}`);
      this.node = node;
      local = { ...node.params };
      // RFC 7143 13.14: FirstBurstLength MUST NOT exceed MaxBurstLength. A MaxBurstLength configured
      // below the default FirstBurstLength brings it down too, or the answers would break the rule.
      if (Number(local['FirstBurstLength']) > Number(local['MaxBurstLength'])) local['FirstBurstLength'] = local['MaxBurstLength']!;
      users = node.config.incomingUsers;
    } else {
      local = { ...node0Params() };
      users = this.env.discoveryUsers;
    }
    this.authRequired = !!users?.length;
    local['AuthMethod'] = this.authRequired ? (this.env.quirks.has(Q_LOGIN.authNoneAccepted) ? 'None,CHAP' : 'CHAP') : 'None';
    const admitted = this.env.admit({
      initiatorName: name,
      isid: req.isid,
      tsih: req.tsih,
      sessionType: st,
      ...(this.node ? { node: this.node } : {}),
    });
    if ('status' in admitted) throw new Refusal(admitted.status, admitted.why);
    this.tsih = admitted.tsih;
    this.reinstates = admitted.reinstates;
    this.neg = new Negotiator({ role: 'target', sessionType: st, local });
    if (this.stage === Stage.SECURITY) this.chap = this.authRequired ? 'need-method' : 'none';
  }

  private accounts(): { incoming: Account[]; outgoing?: Account } {
    if (this.node)
      return { incoming: this.node.config.incomingUsers ?? [], ...(this.node.config.outgoingUser ? { outgoing: this.node.config.outgoingUser } : {}) };
    return { incoming: this.env.discoveryUsers ?? [], ...(this.env.discoveryOutgoingUser ? { outgoing: this.env.discoveryOutgoingUser } : {}) };
  }

  /** The security stage's CHAP exchange (RFC 7143 12.1.3). Returns pairs to send and whether it is complete. */
  private security(auth: KeyValue[], req: LoginRequest): { pairs: KeyValue[]; transit: boolean } {
    const method = this.neg!.values.get('AuthMethod');
    const get = (k: string) => auth.find(([n]) => n === k)?.[1];
    if (!this.authRequired) {
      if (auth.length) throw new Refusal(LoginStatus.INITIATOR_ERROR, `${auth[0]![0]} sent though AuthMethod is None`);
      return { pairs: [], transit: true };
    }
    switch (this.chap) {
      case 'need-method':
        if (method === 'None' && this.env.quirks.has(Q_LOGIN.authNoneAccepted)) {
          this.chap = 'done';
          return { pairs: [], transit: true };
        }
        if (method !== 'CHAP') {
          if (req.transit || this.neg!.values.has('AuthMethod')) {
            throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, `this target requires CHAP; the initiator offered AuthMethod=${method ?? '(none)'}`);
          }
          return { pairs: [], transit: false };
        }
        this.chap = 'need-a';
        // CHAP_A may come in the same request as AuthMethod.
        if (get('CHAP_A') === undefined) return { pairs: [], transit: false };
        return this.security(auth, req);
      case 'need-a': {
        const a = get('CHAP_A');
        if (a === undefined) throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, 'CHAP: the initiator did not send CHAP_A');
        // Only whole numbers count: "56" must not be taken for 5 (libiscsi's iSCSICHAP.Invalid).
        const offered = a.split(',').map((x) => (/^[0-9]{1,3}$/.test(x) ? Number(x) : NaN));
        if (offered.length > 1 && this.env.quirks.has(Q_LOGIN.chapSingleAlgorithm))
          throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, `CHAP_A=${a}: one algorithm expected`);
        if (!offered.includes(5) && !this.env.quirks.has(Q_LOGIN.chapAlgorithmUnchecked))
          throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, `CHAP_A=${a}: MD5 (5) not offered`);
        this.chapAlg = 5;
        this.chapId = newIdentifier();
        this.chapChallenge = newChallenge(16);
        this.chap = 'need-r';
        return {
          pairs: [
            ['CHAP_A', '5'],
            ['CHAP_I', String(this.chapId)],
            ['CHAP_C', encodeBinary(this.chapChallenge)],
          ],
          transit: false,
        };
      }
      case 'need-r': {
        const n = get('CHAP_N');
        const r = get('CHAP_R');
        if (n === undefined || r === undefined) throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, 'CHAP: CHAP_N and CHAP_R expected');
        const { incoming, outgoing } = this.accounts();
        const acct = incoming.find((u) => u.user === chapAccountName(this.env.quirks, n));
        const got = this.env.quirks.has(Q_LOGIN.chapHexOnly) && !/^0x/i.test(r) ? undefined : decodeBinary(r);
        if (got && got.length > CHAP_MAX_BINARY)
          throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, `CHAP: CHAP_R of ${got.length} bytes, more than ${CHAP_MAX_BINARY} (RFC 7143 12.1.3)`);
        // RFC 7143 9.2.1: a response equal to the one this target would make with its own (OutgoingUser) secret
        // "MUST be treated as an authentication failure": the initiator holds the target's secret.
        if (
          got &&
          outgoing &&
          got.equals(chapResponse(this.chapAlg, this.chapId, outgoing.secret, this.chapChallenge!)) &&
          !this.env.quirks.has(Q_LOGIN.chapOwnSecretUnchecked)
        ) {
          throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, `CHAP: user ${n} answered with this target's own secret (RFC 7143 9.2.1)`);
        }
        const want = acct ? chapResponse(this.chapAlg, this.chapId, acct.secret, this.chapChallenge!) : undefined;
        const suffix =
          this.env.quirks.has(Q_LOGIN.chapResponseSuffix) && got && want && got.length > want.length && got.subarray(got.length - want.length).equals(want);
        const ok = (want && got && got.equals(want)) || suffix;
        if (!ok && !this.env.quirks.has(Q_LOGIN.acceptAnyChap)) {
          throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, acct ? `CHAP: wrong response for user ${n}` : `CHAP: unknown user ${n}`);
        }
        const ci = get('CHAP_I');
        const cc = get('CHAP_C');
        const pairs: KeyValue[] = [];
        if (ci !== undefined || cc !== undefined) {
          if (ci === undefined || cc === undefined) throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, 'mutual CHAP needs both CHAP_I and CHAP_C');
          if (!outgoing) throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, 'mutual CHAP asked for but this target has no OutgoingUser');
          const challenge = decodeBinary(cc);
          if (!/^[0-9]{1,3}$/.test(ci) || Number(ci) > 255 || !challenge)
            throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, 'mutual CHAP: malformed CHAP_I or CHAP_C');
          // RFC 7143 12.1.3: C and R "binary length ... MUST NOT exceed 1024 bytes"; a challenge shorter than
          // the MD5 hash it feeds is this target's policy to refuse (an easy dictionary target).
          if (challenge.length > CHAP_MAX_BINARY && !this.env.quirks.has(Q_LOGIN.chapChallengeAnyLength))
            throw new Refusal(
              LoginStatus.AUTHENTICATION_FAILURE,
              `mutual ` + `CHAP: CHAP_C of ${challenge.length} bytes, more than ${CHAP_MAX_BINARY} (RFC 7143 12.1.3)`,
            );
          if (challenge.length < CHAP_MIN_CHALLENGE && !this.env.quirks.has(Q_LOGIN.chapChallengeAnyLength))
            throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, `mutual ` + `CHAP: CHAP_C of ${challenge.length} bytes, fewer than ${CHAP_MIN_CHALLENGE}`);
          // RFC 7143 12.1.3: a challenge equal to our own is a reflection attack.
          if (challenge.equals(this.chapChallenge!) && !this.env.quirks.has(Q_LOGIN.chapReflectionUnchecked))
            throw new Refusal(LoginStatus.AUTHENTICATION_FAILURE, 'mutual CHAP: the initiator sent back our own challenge');
          const secret = this.env.quirks.has(Q_LOGIN.chapMutualWrongSecret) && challenge.length > 16 && acct ? acct.secret : outgoing.secret;
          pairs.push(['CHAP_N', outgoing.user], ['CHAP_R', encodeBinary(chapResponse(this.chapAlg, Number(ci), secret, challenge))]);
        }
        this.chap = 'done';
        this.env.log(`login ${this.initiatorName}: CHAP user ${n} authenticated${pairs.length ? ' (mutual)' : ''}`);
        return { pairs, transit: true };
      }
      default:
        if (auth.length) throw new Refusal(LoginStatus.INITIATOR_ERROR, `${auth[0]![0]} after CHAP completed`);
        return { pairs: [], transit: true };
    }
  }

  /**
   * Keys the target must state itself: its MaxRecvDataSegmentLength declaration, and every key where
   * its limit is stricter than the RFC default the initiator left in force (digests it requires included).
   */
  private targetOffers(): KeyValue[] {
    if (this.offeredTargetKeys) return [];
    this.offeredTargetKeys = true;
    const neg = this.neg!;
    const out: KeyValue[] = [];
    const local = neg.local;
    if (!neg.localDeclared.has('MaxRecvDataSegmentLength')) out.push(...neg.offer([['MaxRecvDataSegmentLength', local['MaxRecvDataSegmentLength'] ?? '8192']]));
    if (this.sessionType === 'Discovery') return out;
    for (const [k, v] of Object.entries(local)) {
      const def = keyDef(k);
      if (!def || (def.use !== 'LO' && !(def.use === 'IO' && def.type === 'list')) || neg.settled(k) || def.default === undefined || v === def.default)
        continue;
      const stricter =
        def.type === 'numeric'
          ? def.result === 'min'
            ? Number(v) < Number(def.default)
            : Number(v) > Number(def.default)
          : def.type === 'boolean'
            ? def.result === 'and'
              ? v === 'No'
              : v === 'Yes'
            : // A list without the default (HeaderDigest CRC32C): the default the initiator left in force is not acceptable.
              def.type === 'list' && !neg.peerSent(k) && !v.split(',').includes(def.default);
      if (stricter) out.push(...neg.offer([[k, v]]));
    }
    return out;
  }

  /** Log line describing this login attempt. */
  /** The InitiatorName of this login ('' before the first request named one). */
  get initiator(): string {
    return this.initiatorName;
  }

  describe(): string {
    return `${this.initiatorName || '(unnamed)'} ISID 0x${hex(this.first?.isid ?? 0, 12)} -> ${this.node?.config.iqn ?? (this.sessionType === 'Discovery' ? 'discovery' : '?')}`;
  }
}

/** A text segment without its key=value pairs whose key is longer than 63 bytes (the login-text-limits-unchecked quirk). */
function withoutLongKeys(data: Buffer): Buffer {
  const parts = data.toString('latin1').split('\0');
  return Buffer.from(parts.filter((p) => p.indexOf('=') < 0 || p.indexOf('=') <= 63).join('\0'), 'latin1');
}

/** The discovery session's limits (no target node). */
function node0Params(): Record<string, string> {
  return {
    HeaderDigest: 'None,CRC32C',
    DataDigest: 'None,CRC32C',
    MaxRecvDataSegmentLength: '262144',
    DefaultTime2Wait: '2',
    DefaultTime2Retain: '0',
    ErrorRecoveryLevel: '0',
  };
}
