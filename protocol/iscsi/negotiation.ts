/**
 * Text and login key negotiation (RFC 7143 6.1-6.2, 13), the same engine on both sides: it answers the
 * peer's offers by the key table's result functions, checks the peer's answers to our offers, detects
 * repeated keys, keys used outside their stage, irrelevant and unknown keys, and derives the session's
 * operational parameters. Pure: no I/O, no timers.
 */
import { isExtensionKey, isSpecial, keyDef, KeyDef, parseNumber, Special } from './keys.js';
import { KeyValue } from './text.js';

export type Role = 'initiator' | 'target';
/** Where a key arrives: a login stage, or a Text Request/Response in full feature phase. */
export type Phase = 'security' | 'operational' | 'ffp';

export interface NegotiationIssue {
  key: string;
  value: string;
  problem: string;
  /** Fatal: the target must reject the login (initiator error); the initiator must drop the connection. */
  fatal: boolean;
  clause: string;
}

export interface SessionParams {
  headerDigest: boolean;
  dataDigest: boolean;
  maxConnections: number;
  initialR2T: boolean;
  immediateData: boolean;
  maxBurstLength: number;
  firstBurstLength: number;
  defaultTime2Wait: number;
  defaultTime2Retain: number;
  maxOutstandingR2T: number;
  dataPDUInOrder: boolean;
  dataSequenceInOrder: boolean;
  errorRecoveryLevel: number;
  taskReporting: string;
  iscsiProtocolLevel: number;
  /** The largest data segment this side may send: the peer's MaxRecvDataSegmentLength. */
  maxSendDataSegmentLength: number;
  /** The largest data segment this side accepts: its own declaration. */
  maxRecvDataSegmentLength: number;
  sessionType: 'Normal' | 'Discovery';
  authMethod: string;
  initiatorName?: string;
  targetName?: string;
  initiatorAlias?: string;
  targetAlias?: string;
  targetPortalGroupTag?: number;
}

export interface NegotiatorOptions {
  role: Role;
  sessionType?: 'Normal' | 'Discovery';
  /**
   * What this side supports: list keys as a comma list in order of preference; numeric keys as this
   * side's limit; boolean keys as Yes/No; declarative keys as this side's declaration.
   */
  local: Record<string, string>;
}

const isYesNo = (v: string): boolean => v === 'Yes' || v === 'No';

export class Negotiator {
  readonly role: Role;
  sessionType: 'Normal' | 'Discovery';
  readonly local: Record<string, string>;
  /** Results of negotiated keys, and declarations of declarative keys (by either side). */
  readonly values = new Map<string, string>();
  /**
   * The peer's declarations of keys each side declares for itself: connection-scoped declarative
   * numbers (MaxRecvDataSegmentLength) and `perSide` keys (X#NodeArchitecture); ours are in `localDeclared`.
   */
  readonly peerDeclared = new Map<string, string>();
  readonly localDeclared = new Map<string, string>();
  readonly issues: NegotiationIssue[] = [];
  private readonly outstanding = new Map<string, string>();
  /** Outstanding keys whose answer may never come: not reported as pending. */
  private readonly answerOptional = new Set<string>();
  private readonly peerSeen = new Set<string>();

  constructor(opts: NegotiatorOptions) {
    this.role = opts.role;
    this.sessionType = opts.sessionType ?? 'Normal';
    this.local = { ...opts.local };
  }

  private get peerSender(): 'I' | 'T' {
    return this.role === 'initiator' ? 'T' : 'I';
  }

  /** Keys we offered that the peer has not answered yet. */
  get pending(): string[] {
    return [...this.outstanding.keys()].filter((k) => !this.answerOptional.has(k));
  }

  /** True if the peer has sent the key (its offer, declaration or answer), whatever became of it. */
  peerSent(key: string): boolean {
    return this.peerSeen.has(key);
  }

  /** True if a key has been settled (negotiated, declared or answered). */
  settled(key: string): boolean {
    return this.values.has(key) || this.outstanding.has(key);
  }

  /**
   * Record our offers and declarations and return what to send. Keys irrelevant to the session type or
   * already settled are left out.
   */
  offer(pairs: readonly KeyValue[]): KeyValue[] {
    const out: KeyValue[] = [];
    for (const [k, v] of pairs) {
      const def = keyDef(k);
      if (def?.irrelevantInDiscovery && this.sessionType === 'Discovery') continue;
      if (this.values.has(k) || this.outstanding.has(k) || (def?.perSide && this.localDeclared.has(k))) continue;
      if (k === 'SessionType' && (v === 'Discovery' || v === 'Normal')) this.sessionType = v;
      if (def && (def.type === 'declarative' || def.type === 'declarative-numeric' || def.type === 'auth')) {
        if ((def.scope === 'CO' && def.type === 'declarative-numeric') || def.perSide) this.localDeclared.set(k, v);
        else if (def.type !== 'auth') this.values.set(k, v);
      } else {
        // Negotiated keys, and keys the table does not know (X- and X# extensions): the peer's answer,
        // NotUnderstood at least (RFC 7143 6.2), must be taken as an answer and not as a new offer.
        this.outstanding.set(k, v);
        // An unknown key may be declarative to the peer, so its answer is not awaited.
        if (!def) this.answerOptional.add(k);
        // RFC 7143 6.2.2: AND offered No, or OR offered Yes: the outcome is the offer, and the
        // answer is OPTIONAL. It counts from now on; an answer, if one comes, is still checked.
        if (def?.type === 'boolean' && ((def.result === 'and' && v === 'No') || (def.result === 'or' && v === 'Yes'))) {
          this.values.set(k, v);
          this.answerOptional.add(k);
        }
      }
      out.push([k, v]);
    }
    return out;
  }

  /** Offer this side's own value for every key of `names` not yet settled (taken from `local`). */
  offerLocal(names: readonly string[]): KeyValue[] {
    return this.offer(names.filter((n) => this.local[n] !== undefined).map((n): KeyValue => [n, this.local[n]!]));
  }

  /**
   * Handle the keys the peer sent in one PDU sequence. Returns the replies to send back, the
   * authentication keys (CHAP_*) for the login to handle, and the first fatal issue if any.
   */
  receive(pairs: readonly KeyValue[], phase: Phase): { replies: KeyValue[]; auth: KeyValue[]; fatal?: NegotiationIssue } {
    const replies: KeyValue[] = [];
    const auth: KeyValue[] = [];
    let fatal: NegotiationIssue | undefined;
    const issue = (key: string, value: string, problem: string, isFatal: boolean, clause: string) => {
      const i: NegotiationIssue = { key, value, problem, fatal: isFatal, clause };
      this.issues.push(i);
      if (isFatal && !fatal) fatal = i;
    };
    for (const [k, v] of pairs) {
      const def = keyDef(k);
      if (def?.type === 'auth') {
        if (phase !== 'security') issue(k, v, `${k} sent outside the security negotiation stage`, true, 'RFC 7143 6.3.3');
        else auth.push([k, v]);
        continue;
      }
      const offered = this.outstanding.get(k);
      if (offered !== undefined) {
        this.outstanding.delete(k);
        this.answerOptional.delete(k);
        this.peerSeen.add(k);
        const r = this.checkAnswer(def, k, offered, v);
        if (r.problem) issue(k, v, r.problem, r.fatal, def?.clause ?? 'RFC 7143 6.2');
        if (r.value !== undefined) this.values.set(k, r.value);
        continue;
      }
      // RFC 7143 13.26: a node declaring X#NodeArchitecture "MUST be prepared to handle the response of
      // iSCSI nodes that do not understand the key" (6.2): NotUnderstood to our own extension declaration.
      if (v === Special.NOT_UNDERSTOOD && def?.perSide && isExtensionKey(k) && this.localDeclared.has(k) && !this.peerSeen.has(k)) {
        this.peerSeen.add(k);
        continue;
      }
      // The peer's own offer or declaration.
      if (this.peerSeen.has(k) && k !== 'TargetAddress') {
        // In a login this is 6.3's "An attempt to renegotiate/redeclare parameters not specifically allowed MUST be detected".
        issue(k, v, `${k} sent more than once in this negotiation`, true, phase === 'ffp' ? 'RFC 7143 6.2' : 'RFC 7143 6.3');
        continue;
      }
      this.peerSeen.add(k);
      const reply = this.answer(def, k, v, phase, issue);
      if (reply !== undefined) replies.push([k, reply]);
    }
    return fatal ? { replies, auth, fatal } : { replies, auth };
  }

  private checkAnswer(def: KeyDef | undefined, k: string, offered: string, v: string): { value?: string; problem?: string; fatal: boolean } {
    if (v === Special.NOT_UNDERSTOOD) {
      return def && !isExtensionKey(k) ? { problem: `peer answered NotUnderstood to the standard key ${k}`, fatal: false } : { fatal: false };
    }
    if (v === Special.IRRELEVANT) return { fatal: false };
    if (v === Special.REJECT) return { problem: `peer rejected ${k}=${offered}`, fatal: false };
    if (!def) return { value: v, fatal: false };
    switch (def.type) {
      case 'list': {
        const mine = offered.split(',');
        if (v.includes(',') || !mine.includes(v)) {
          return { problem: `answer ${k}=${v} is not one of the offered values ${offered}`, fatal: true };
        }
        return { value: v, fatal: false };
      }
      case 'numeric': {
        const n = parseNumber(v);
        const o = parseNumber(offered)!;
        if (n === undefined || n < def.min! || n > def.max!) {
          return { problem: `answer ${k}=${v} is not a number in ${def.min}..${def.max}`, fatal: true };
        }
        if ((def.result === 'min' && n > o) || (def.result === 'max' && n < o)) {
          return { problem: `answer ${k}=${v} breaks the result function ${def.result}() with the offer ${offered}`, fatal: true };
        }
        return { value: String(n), fatal: false };
      }
      case 'boolean': {
        if (!isYesNo(v)) return { problem: `answer ${k}=${v} is not Yes or No`, fatal: true };
        if ((def.result === 'and' && offered === 'No' && v === 'Yes') || (def.result === 'or' && offered === 'Yes' && v === 'No')) {
          return { problem: `answer ${k}=${v} breaks the result function ${def.result.toUpperCase()} with the offer ${offered}`, fatal: true };
        }
        return { value: v, fatal: false };
      }
      default:
        return { value: v, fatal: false };
    }
  }

  private answer(
    def: KeyDef | undefined,
    k: string,
    v: string,
    phase: Phase,
    issue: (key: string, value: string, problem: string, fatal: boolean, clause: string) => void,
  ): string | undefined {
    if (!def) return Special.NOT_UNDERSTOOD;
    if (isSpecial(v)) {
      issue(k, v, `${k}=${v} offered as a value`, true, 'RFC 7143 6.2');
      return undefined;
    }
    if (def.senders !== 'IT' && def.senders !== this.peerSender) {
      issue(k, v, `${k} may not be sent by the ${this.role === 'initiator' ? 'target' : 'initiator'}`, false, def.clause);
      return Special.REJECT;
    }
    if (def.use === 'SEC' && phase !== 'security') {
      issue(k, v, `${k} sent outside the security negotiation stage`, true, 'RFC 7143 6.3.3');
      return undefined;
    }
    if ((def.use === 'LO' || def.use === 'IO') && phase === 'ffp') {
      issue(k, v, `${k} may be negotiated only at login`, false, def.clause);
      return Special.REJECT;
    }
    if (def.use === 'FFPO' && phase !== 'ffp') {
      issue(k, v, `${k} may be sent only in full feature phase`, false, def.clause);
      return Special.REJECT;
    }
    if (def.obsolete) return Special.REJECT;
    if (this.irrelevant(def)) return Special.IRRELEVANT;
    const local = this.local[k];
    switch (def.type) {
      case 'declarative': {
        if (def.values && !def.values.includes(v)) {
          issue(k, v, `${k}=${v} is not one of ${def.values.join(', ')}`, true, def.clause);
          return undefined;
        }
        if (def.maxLength !== undefined && Buffer.byteLength(v, 'utf8') > def.maxLength) {
          issue(k, v, `${k} is ${Buffer.byteLength(v, 'utf8')} bytes long, more than ${def.maxLength}`, true, def.clause);
          return undefined;
        }
        if (k === 'SessionType') this.sessionType = v as 'Normal' | 'Discovery';
        if (def.perSide) this.peerDeclared.set(k, v);
        else this.values.set(k, v);
        return undefined;
      }
      case 'declarative-numeric': {
        const n = parseNumber(v);
        if (n === undefined || n < def.min! || n > def.max!) {
          issue(k, v, `${k}=${v} is not a number in ${def.min}..${def.max}`, true, def.clause);
          return undefined;
        }
        if (def.scope === 'CO') this.peerDeclared.set(k, String(n));
        else this.values.set(k, String(n));
        return undefined;
      }
      case 'list': {
        const supported = (local ?? def.default ?? '').split(',');
        for (const cand of v.split(',')) {
          if (def.values?.includes(cand) && supported.includes(cand)) {
            this.values.set(k, cand);
            return cand;
          }
        }
        issue(k, v, `none of ${k}=${v} is acceptable here (supported: ${supported.join(',')})`, false, def.clause);
        return Special.REJECT;
      }
      case 'numeric': {
        const n = parseNumber(v);
        if (n === undefined || n < def.min! || n > def.max!) {
          issue(k, v, `${k}=${v} is not a number in ${def.min}..${def.max}`, false, def.clause);
          return Special.REJECT;
        }
        const l = parseNumber(local ?? def.default ?? String(n)) ?? n;
        const r = def.result === 'min' ? Math.min(n, l) : Math.max(n, l);
        this.values.set(k, String(r));
        return String(r);
      }
      case 'boolean': {
        if (!isYesNo(v)) {
          issue(k, v, `${k}=${v} is not Yes or No`, false, def.clause);
          return Special.REJECT;
        }
        const l = local ?? def.default ?? 'No';
        const r = def.result === 'and' ? (v === 'Yes' && l === 'Yes' ? 'Yes' : 'No') : v === 'Yes' || l === 'Yes' ? 'Yes' : 'No';
        this.values.set(k, r);
        return r;
      }
      default:
        return Special.NOT_UNDERSTOOD;
    }
  }

  /**
   * RFC 7143 13 "Irrelevant when:": in a discovery session (the keys so marked), or when the key's
   * `irrelevantWhen` condition holds over the values negotiated so far (FirstBurstLength with
   * InitialR2T=Yes and ImmediateData=No, 13.14). Defaults do not count: a key still at its default may
   * yet be negotiated later in the same login, and the key is then answered as usual.
   */
  private irrelevant(def: KeyDef): boolean {
    if (def.irrelevantInDiscovery && this.sessionType === 'Discovery') return true;
    const when = def.irrelevantWhen;
    return when !== undefined && Object.entries(when).every(([k, v]) => this.values.get(k) === v);
  }

  private num(k: string): number {
    return parseNumber(this.values.get(k) ?? keyDef(k)!.default!)!;
  }
  private bool(k: string): boolean {
    return (this.values.get(k) ?? keyDef(k)!.default) === 'Yes';
  }

  /** The operational parameters in force, from what was negotiated and the defaults. */
  params(): SessionParams {
    const mrdsl = (m: Map<string, string>) => parseNumber(m.get('MaxRecvDataSegmentLength') ?? '8192')!;
    const maxBurst = this.num('MaxBurstLength');
    const p: SessionParams = {
      headerDigest: this.values.get('HeaderDigest') === 'CRC32C',
      dataDigest: this.values.get('DataDigest') === 'CRC32C',
      maxConnections: this.num('MaxConnections'),
      initialR2T: this.bool('InitialR2T'),
      immediateData: this.bool('ImmediateData'),
      maxBurstLength: maxBurst,
      // RFC 7143 13.14: FirstBurstLength MUST NOT exceed MaxBurstLength.
      firstBurstLength: Math.min(this.num('FirstBurstLength'), maxBurst),
      defaultTime2Wait: this.num('DefaultTime2Wait'),
      defaultTime2Retain: this.num('DefaultTime2Retain'),
      maxOutstandingR2T: this.num('MaxOutstandingR2T'),
      dataPDUInOrder: this.bool('DataPDUInOrder'),
      dataSequenceInOrder: this.bool('DataSequenceInOrder'),
      errorRecoveryLevel: this.num('ErrorRecoveryLevel'),
      taskReporting: this.values.get('TaskReporting') ?? 'RFC3720',
      iscsiProtocolLevel: this.num('iSCSIProtocolLevel'),
      maxSendDataSegmentLength: mrdsl(this.peerDeclared),
      maxRecvDataSegmentLength: mrdsl(this.localDeclared),
      sessionType: this.sessionType,
      authMethod: this.values.get('AuthMethod') ?? 'None',
    };
    const s = (k: string) => this.values.get(k);
    if (s('InitiatorName') !== undefined) p.initiatorName = s('InitiatorName')!;
    if (s('TargetName') !== undefined) p.targetName = s('TargetName')!;
    if (s('InitiatorAlias') !== undefined) p.initiatorAlias = s('InitiatorAlias')!;
    if (s('TargetAlias') !== undefined) p.targetAlias = s('TargetAlias')!;
    if (s('TargetPortalGroupTag') !== undefined) p.targetPortalGroupTag = Number(s('TargetPortalGroupTag'));
    return p;
  }
}

/** The parameters of a session before any negotiation (all defaults). */
export function defaultParams(): SessionParams {
  return new Negotiator({ role: 'initiator', local: {} }).params();
}
