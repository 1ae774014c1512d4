/**
 * The initiator's login state machine (RFC 7143 6.3, 11.12-11.13, 12.1.3): security negotiation with
 * AuthMethod None or CHAP (one-way or mutual), operational negotiation of every key through the
 * shared key table, CSG/NSG transitions, and text spread over several PDUs with the C bit. Driven
 * synchronously by each Login Response, so digests can be switched on before the next PDU is parsed.
 */
import {
  chapResponse,
  decodeBinary,
  encodeBinary,
  encodeText,
  isSupportedChapAlgorithm,
  KeyValue,
  LoginRequest,
  LoginResponse,
  loginStatusName,
  Negotiator,
  newChallenge,
  newIdentifier,
  Opcode,
  SessionParams,
  splitText,
  Stage,
  TextAccumulator,
} from '../../protocol/iscsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import { DigestChoice } from './url.js';

export interface ChapCredentials {
  user: string;
  secret: string;
}

export interface LoginOptions {
  initiatorName: string;
  /** Required for a Normal session. */
  targetName?: string;
  sessionType?: 'Normal' | 'Discovery';
  initiatorAlias?: string;
  /** 48-bit ISID; random (type 10b) when absent. */
  isid?: number;
  /** 0 for a new session; an existing TSIH to add a connection or reinstate. */
  tsih?: number;
  cid?: number;
  chap?: ChapCredentials;
  /** Mutual CHAP: the name and secret the target must prove. */
  targetChap?: ChapCredentials;
  /** CHAP_A values to offer, in order (default [5], MD5). */
  chapAlgorithms?: number[];
  /** Encode CHAP_R / CHAP_C in hex (0x) or base64 (0b). */
  chapEncoding?: 'hex' | 'base64';
  headerDigest?: DigestChoice;
  dataDigest?: DigestChoice;
  /** Operational keys to offer, overriding the defaults below (value '' removes a default). */
  keys?: Record<string, string>;
  /** Extra pairs appended to the first Login Request as given (negative tests). */
  extraKeys?: KeyValue[];
  /** Start in the operational stage, skipping security negotiation (allowed when no security is wanted). */
  skipSecurity?: boolean;
  /** Bound on Login Request/Response exchanges. */
  maxExchanges?: number;
}

/** What the initiator offers in the operational stage of a Normal session unless told otherwise. */
export const DEFAULT_OPERATIONAL_KEYS: Readonly<Record<string, string>> = {
  MaxConnections: '1',
  InitialR2T: 'No',
  ImmediateData: 'Yes',
  MaxRecvDataSegmentLength: '262144',
  MaxBurstLength: '16776192',
  FirstBurstLength: '262144',
  DefaultTime2Wait: '2',
  DefaultTime2Retain: '0',
  MaxOutstandingR2T: '1',
  DataPDUInOrder: 'Yes',
  DataSequenceInOrder: 'Yes',
  ErrorRecoveryLevel: '0',
};
const DISCOVERY_KEYS = ['MaxRecvDataSegmentLength', 'DefaultTime2Wait', 'DefaultTime2Retain'];

export interface LoginOutcome {
  params: SessionParams;
  tsih: number;
  isid: number;
  statSN: number;
  expCmdSN: number;
  maxCmdSN: number;
  negotiator: Negotiator;
  responses: LoginResponse[];
  /** The authentication method the target chose. */
  authMethod: string;
}

/** A random ISID of type 10b (RFC 7143 11.12.5): T=2, A reserved, B and C random, D qualifier. */
export function randomIsid(): number {
  const r = newChallenge(5);
  return 0x80 * 2 ** 40 + (r.readUIntBE(0, 5) % 2 ** 40);
}

type Next = { request: LoginRequest } | { done: LoginOutcome };

const authFail = (msg: string, details: Record<string, unknown> = {}) => new IscsiError('ISCSI_E_AUTH', msg, details);
const negFail = (msg: string, details: Record<string, unknown> = {}) => new IscsiError('ISCSI_E_NEGOTIATION', msg, details);
const protoFail = (msg: string, details: Record<string, unknown> = {}) => new IscsiError('ISCSI_E_PROTOCOL', msg, details);

export class LoginMachine {
  readonly neg: Negotiator;
  readonly isid: number;
  private readonly opts: LoginOptions;
  private readonly itt: number;
  private cmdSN: number;
  private expStatSN = 0;
  private stage: number;
  private exchanges = 0;
  private readonly maxExchanges: number;
  private readonly responses: LoginResponse[] = [];
  private readonly text = new TextAccumulator(65536);
  private outgoing: Buffer[] = [];
  private outgoingTransit = false;
  private tsih: number;
  /** Replies owed to the target (answers to its offers), sent with the next request. */
  private replies: KeyValue[] = [];
  // CHAP state
  private chapPhase: 'none' | 'method' | 'algorithm' | 'responded' | 'done' = 'none';
  private chapAlgorithm = 5;
  private myChallenge: Buffer | undefined;
  private myId = 0;
  private readonly wantChap: boolean;
  private operationalOffered = false;

  constructor(opts: LoginOptions, itt: number, cmdSN: number) {
    this.opts = opts;
    this.itt = itt;
    this.cmdSN = cmdSN;
    this.isid = opts.isid ?? randomIsid();
    this.tsih = opts.tsih ?? 0;
    this.maxExchanges = opts.maxExchanges ?? 32;
    const sessionType = opts.sessionType ?? 'Normal';
    if (sessionType === 'Normal' && !opts.targetName) throw negFail('a Normal session needs a TargetName');
    if (opts.targetChap && !opts.chap) throw authFail('mutual CHAP needs the initiator CHAP credentials too');
    this.wantChap = !!opts.chap;
    const local: Record<string, string> = {
      ...DEFAULT_OPERATIONAL_KEYS,
      HeaderDigest: opts.headerDigest ?? 'None',
      DataDigest: opts.dataDigest ?? 'None',
      AuthMethod: this.wantChap ? 'CHAP' : 'None',
    };
    for (const [k, v] of Object.entries(opts.keys ?? {})) {
      if (v === '') delete local[k];
      else local[k] = v;
    }
    this.neg = new Negotiator({ role: 'initiator', sessionType, local });
    this.stage = opts.skipSecurity ? Stage.OPERATIONAL : Stage.SECURITY;
  }

  /** The first Login Request. */
  start(): LoginRequest {
    const o = this.opts;
    const first: KeyValue[] = [['InitiatorName', o.initiatorName]];
    if (o.initiatorAlias) first.push(['InitiatorAlias', o.initiatorAlias]);
    if ((o.sessionType ?? 'Normal') === 'Normal') first.push(['TargetName', o.targetName!]);
    first.push(['SessionType', o.sessionType ?? 'Normal']);
    const pairs = this.neg.offer(first);
    if (this.stage === Stage.SECURITY) {
      pairs.push(...this.neg.offerLocal(['AuthMethod']));
      this.chapPhase = this.wantChap ? 'method' : 'none';
    } else {
      pairs.push(...this.operationalOffers());
    }
    if (o.extraKeys) {
      // Sent exactly as given (a test may repeat a key on purpose), and recorded as our offers so
      // the target's answers to them are not taken for offers of its own.
      this.neg.offer(o.extraKeys);
      pairs.push(...o.extraKeys);
    }
    // With AuthMethod=None we may ask to move on at once; with CHAP the exchange must happen first.
    const transit = this.stage === Stage.OPERATIONAL || !this.wantChap;
    return this.request(pairs, transit);
  }

  private operationalOffers(): KeyValue[] {
    this.operationalOffered = true;
    const names =
      this.neg.sessionType === 'Discovery'
        ? ['HeaderDigest', 'DataDigest', ...DISCOVERY_KEYS]
        : ['HeaderDigest', 'DataDigest', ...Object.keys(DEFAULT_OPERATIONAL_KEYS), ...Object.keys(this.opts.keys ?? {})];
    return this.neg.offerLocal([...new Set(names)]);
  }

  private nextStage(): number {
    return this.stage === Stage.SECURITY ? Stage.OPERATIONAL : Stage.FULL_FEATURE;
  }

  private request(pairs: KeyValue[], transit: boolean): LoginRequest {
    const all = [...this.replies, ...pairs];
    this.replies = [];
    const pieces = splitText(encodeText(all), 8192);
    this.outgoing = pieces.slice(1);
    this.outgoingTransit = transit;
    return this.pdu(pieces[0]!, pieces.length > 1 ? false : transit, pieces.length > 1);
  }

  /** T and NSG of the last request sent: a response may transit only where that request asked to go. */
  private asked = { transit: false, nsg: 0 };

  private pdu(data: Buffer, transit: boolean, cont: boolean): LoginRequest {
    this.asked = { transit, nsg: transit ? this.nextStage() : 0 };
    return {
      opcode: Opcode.LOGIN_REQUEST,
      immediate: true,
      transit,
      continue: cont,
      csg: this.stage,
      nsg: transit ? this.nextStage() : 0,
      versionMax: 0,
      versionMin: 0,
      isid: this.isid,
      tsih: this.tsih,
      itt: this.itt,
      cid: this.opts.cid ?? 0,
      cmdSN: this.cmdSN,
      expStatSN: this.expStatSN,
      data,
    };
  }

  /** Handle one Login Response; returns the next request or the outcome. Throws a typed error on failure. */
  handle(rsp: LoginResponse): Next {
    if (++this.exchanges > this.maxExchanges) throw protoFail(`login did not finish within ${this.maxExchanges} exchanges`);
    this.responses.push(rsp);
    if (rsp.statusClass !== 0) {
      const name = loginStatusName(rsp.statusClass, rsp.statusDetail);
      const details = { statusClass: rsp.statusClass, statusDetail: rsp.statusDetail };
      const text = `login rejected by the target: ${name} (class 0x${hex2(rsp.statusClass)} detail 0x${hex2(rsp.statusDetail)})`;
      if (rsp.statusClass === 2 && (rsp.statusDetail === 1 || rsp.statusDetail === 2)) throw authFail(text, details);
      throw new IscsiError('ISCSI_E_LOGIN', text, details);
    }
    if (rsp.itt !== this.itt) throw protoFail(`Login Response ITT 0x${rsp.itt.toString(16)} does not echo 0x${this.itt.toString(16)}`);
    if (rsp.isid !== this.isid) throw protoFail(`Login Response ISID 0x${rsp.isid.toString(16)} does not echo 0x${this.isid.toString(16)}`);
    if (rsp.csg !== this.stage) throw protoFail(`Login Response CSG ${rsp.csg} does not match the request's CSG ${this.stage}`);
    if (rsp.transit && rsp.continue) throw protoFail('Login Response has both T and C set (RFC 7143 11.13.1)');
    if (rsp.transit && rsp.nsg <= this.stage) throw protoFail(`Login Response NSG ${rsp.nsg} does not move forward from stage ${this.stage}`);
    if (rsp.transit && rsp.nsg === 2) throw protoFail('Login Response NSG 2 is reserved');
    // RFC 7143 6.2 and 11.13.1: the target may set T only in answer to a request with T set, and may
    // not go further than the request's NSG.
    if (rsp.transit && !this.asked.transit) throw protoFail(`Login Response has T set (NSG ${rsp.nsg}) in answer to a request without T`);
    if (rsp.transit && rsp.nsg > this.asked.nsg) throw protoFail(`Login Response NSG ${rsp.nsg} skips past the NSG ${this.asked.nsg} the request asked for`);
    this.expStatSN = (rsp.statSN + 1) >>> 0;
    // Our own text still going out in pieces (C bit): send the next piece; the target answers with an empty response.
    if (this.outgoing.length > 0) {
      const piece = this.outgoing.shift()!;
      const last = this.outgoing.length === 0;
      return { request: this.pdu(piece, last ? this.outgoingTransit : false, !last) };
    }
    const pairs = this.text.add(rsp.data ?? Buffer.alloc(0), rsp.continue);
    if (pairs === undefined) return { request: this.pdu(Buffer.alloc(0), false, false) };
    const phase = this.stage === Stage.SECURITY ? 'security' : 'operational';
    const r = this.neg.receive(pairs, phase);
    if (r.fatal) throw negFail(`target sent ${r.fatal.key}=${r.fatal.value}: ${r.fatal.problem} (${r.fatal.clause})`, { key: r.fatal.key });
    this.replies.push(...r.replies);
    let pairsOut: KeyValue[] = [];
    let wantTransit = true;
    if (this.stage === Stage.SECURITY) {
      const a = this.security(r.auth, rsp);
      pairsOut = a.pairs;
      wantTransit = a.transit;
    }
    if (rsp.transit) {
      this.stage = rsp.nsg;
      if (rsp.nsg === Stage.FULL_FEATURE) return { done: this.finish(rsp) };
      if (this.stage === Stage.OPERATIONAL && !this.operationalOffered) pairsOut.push(...this.operationalOffers());
      return { request: this.request(pairsOut, true) };
    }
    if (this.stage === Stage.OPERATIONAL && !this.operationalOffered) pairsOut.push(...this.operationalOffers());
    return { request: this.request(pairsOut, wantTransit && this.neg.pending.length === 0) };
  }

  private security(auth: KeyValue[], rsp: LoginResponse): { pairs: KeyValue[]; transit: boolean } {
    const get = (k: string) => auth.find(([n]) => n === k)?.[1];
    const o = this.opts;
    switch (this.chapPhase) {
      case 'none':
        if (auth.length) throw protoFail(`target sent ${auth[0]![0]} though CHAP was not negotiated`);
        return { pairs: [], transit: true };
      case 'method': {
        const m = this.neg.values.get('AuthMethod');
        if (m === undefined && this.neg.pending.includes('AuthMethod')) {
          if (rsp.transit) throw authFail('target moved on without answering AuthMethod=CHAP');
          return { pairs: [], transit: false };
        }
        if (m !== 'CHAP') {
          if (o.targetChap) throw authFail(`target chose AuthMethod=${m ?? 'None'} but mutual CHAP was required`);
          this.chapPhase = 'done';
          return { pairs: [], transit: true };
        }
        if (rsp.transit) throw authFail('target moved on from the security stage before CHAP took place');
        this.chapPhase = 'algorithm';
        return { pairs: [['CHAP_A', (o.chapAlgorithms ?? [5]).join(',')]], transit: false };
      }
      case 'algorithm': {
        const a = get('CHAP_A');
        const i = get('CHAP_I');
        const c = get('CHAP_C');
        if (a === undefined || i === undefined || c === undefined) {
          throw authFail(`target did not send CHAP_A, CHAP_I and CHAP_C (got ${auth.map(([k]) => k).join(', ') || 'nothing'})`);
        }
        const alg = Number(a);
        if (!/^[0-9]+$/.test(a) || !(o.chapAlgorithms ?? [5]).includes(alg) || !isSupportedChapAlgorithm(alg)) {
          throw authFail(`target chose CHAP_A=${a}, which was not offered`);
        }
        if (!/^[0-9]{1,3}$/.test(i) || Number(i) > 255) throw authFail(`target sent CHAP_I=${i}, not a number in 0..255`);
        const challenge = decodeBinary(c);
        if (!challenge || challenge.length === 0) throw authFail(`target sent a malformed CHAP_C=${c.slice(0, 40)}`);
        this.chapAlgorithm = alg;
        const enc = o.chapEncoding ?? 'hex';
        const pairs: KeyValue[] = [
          ['CHAP_N', o.chap!.user],
          ['CHAP_R', encodeBinary(chapResponse(alg, Number(i), o.chap!.secret, challenge), enc)],
        ];
        if (o.targetChap) {
          this.myId = newIdentifier();
          let mine = newChallenge(16);
          // RFC 7143 12.1.3: never reuse the challenge the other side sent.
          while (mine.equals(challenge)) mine = newChallenge(16);
          this.myChallenge = mine;
          pairs.push(['CHAP_I', String(this.myId)], ['CHAP_C', encodeBinary(mine, enc)]);
        }
        this.chapPhase = 'responded';
        return { pairs, transit: true };
      }
      case 'responded': {
        if (o.targetChap) {
          const n = get('CHAP_N');
          const r = get('CHAP_R');
          if (n === undefined || r === undefined) throw authFail('mutual CHAP: target did not answer with CHAP_N and CHAP_R');
          if (n !== o.targetChap.user) throw authFail(`mutual CHAP: target named itself "${n}", expected "${o.targetChap.user}"`);
          const got = decodeBinary(r);
          const want = chapResponse(this.chapAlgorithm, this.myId, o.targetChap.secret, this.myChallenge!);
          if (!got || !got.equals(want)) throw authFail("mutual CHAP: the target's CHAP_R is wrong (the target does not know the secret)");
        } else if (auth.length) {
          throw protoFail(`target sent ${auth[0]![0]} after the CHAP response though mutual CHAP was not asked for`);
        }
        this.chapPhase = 'done';
        return { pairs: [], transit: true };
      }
      default:
        if (auth.length) throw protoFail(`unexpected ${auth[0]![0]} after CHAP completed`);
        return { pairs: [], transit: true };
    }
  }

  private finish(rsp: LoginResponse): LoginOutcome {
    if (this.wantChap && this.chapPhase !== 'done' && this.neg.values.get('AuthMethod') === 'CHAP') {
      throw authFail('target left the security stage before CHAP completed');
    }
    if (this.opts.targetChap && this.chapPhase !== 'done') throw authFail('target never proved its identity (mutual CHAP)');
    const pending = this.neg.pending;
    if (pending.length) throw negFail(`target entered full feature phase without answering ${pending.join(', ')}`);
    if (rsp.tsih === 0) throw protoFail('final Login Response carries TSIH 0');
    if (this.tsih !== 0 && rsp.tsih !== this.tsih) throw protoFail(`final Login Response TSIH ${rsp.tsih} differs from ${this.tsih}`);
    return {
      params: this.neg.params(),
      tsih: rsp.tsih,
      isid: this.isid,
      statSN: rsp.statSN,
      expCmdSN: rsp.expCmdSN,
      maxCmdSN: rsp.maxCmdSN,
      negotiator: this.neg,
      responses: this.responses,
      authMethod: this.neg.values.get('AuthMethod') ?? 'None',
    };
  }
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
