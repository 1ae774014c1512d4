/**
 * The declarative table of every login and text key: RFC 7143 sections 12 (security) and 13
 * (operational), RFC 7144 (iSCSIProtocolLevel) and RFC 7145 (RDMAExtensions). One row a key: its type,
 * default, range or values, result function, scope, when it may be used, who may send it, and when
 * it is irrelevant. Negotiation on both sides (initiator and target) reads only this table.
 */

export type KeyType =
  /** A list of values; the responder picks the first of the originator's it supports. */
  | 'list'
  /** A number negotiated with a result function (min or max). */
  | 'numeric'
  /** Yes or No negotiated with AND or OR. */
  | 'boolean'
  /** A value one side declares; the other does not answer. */
  | 'declarative'
  /** A declared number in a range. */
  | 'declarative-numeric'
  /** Keys of the authentication exchange itself (CHAP_*), handled by the login's security stage. */
  | 'auth';

export type ResultFunction = 'list' | 'min' | 'max' | 'and' | 'or' | 'none';

/**
 * Use (RFC 7143 13, "Use:"): LO leading connection only; IO initialize only (login); ALL anywhere;
 * FFPO full feature phase only; SEC security negotiation stage only.
 */
export type KeyUse = 'LO' | 'IO' | 'ALL' | 'FFPO' | 'SEC';

export interface KeyDef {
  name: string;
  clause: string;
  type: KeyType;
  result: ResultFunction;
  default?: string;
  /** Allowed values (list and boolean keys). */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** SW session-wide, CO connection-only. */
  scope: 'SW' | 'CO';
  use: KeyUse;
  senders: 'I' | 'T' | 'IT';
  /** In a discovery session this key is answered with Irrelevant (and not offered). */
  irrelevantInDiscovery?: boolean;
  /**
   * The key's other "Irrelevant when:" line (RFC 7143 13): it is irrelevant when every key named here
   * has already been negotiated (or fixed by an offer, 6.2.2) to the value given, and then answered
   * with Irrelevant. A condition key still at its default counts as not yet negotiated: it may still be
   * offered later in the same login.
   */
  irrelevantWhen?: Readonly<Record<string, string>>;
  /** Declarative text keys: the longest value allowed, in bytes (UTF-8). */
  maxLength?: number;
  /**
   * Declarative: each side declares its own value (it describes the sender), so the peer's declaration
   * is kept apart from ours, as MaxRecvDataSegmentLength's are.
   */
  perSide?: boolean;
  /** Obsolete (RFC 7143 13.25): answered with Reject. */
  obsolete?: boolean;
}

const YN = ['Yes', 'No'] as const;

const rows: KeyDef[] = [
  {
    name: 'AuthMethod',
    clause: 'RFC 7143 12.1',
    type: 'list',
    result: 'list',
    default: 'None',
    values: ['None', 'CHAP', 'SRP', 'KRB5', 'SPKM1', 'SPKM2'],
    scope: 'CO',
    use: 'SEC',
    senders: 'IT',
  },
  { name: 'CHAP_A', clause: 'RFC 7143 12.1.3', type: 'auth', result: 'none', scope: 'CO', use: 'SEC', senders: 'IT' },
  { name: 'CHAP_I', clause: 'RFC 7143 12.1.3', type: 'auth', result: 'none', scope: 'CO', use: 'SEC', senders: 'IT' },
  { name: 'CHAP_C', clause: 'RFC 7143 12.1.3', type: 'auth', result: 'none', scope: 'CO', use: 'SEC', senders: 'IT' },
  { name: 'CHAP_N', clause: 'RFC 7143 12.1.3', type: 'auth', result: 'none', scope: 'CO', use: 'SEC', senders: 'IT' },
  { name: 'CHAP_R', clause: 'RFC 7143 12.1.3', type: 'auth', result: 'none', scope: 'CO', use: 'SEC', senders: 'IT' },
  {
    name: 'HeaderDigest',
    clause: 'RFC 7143 13.1',
    type: 'list',
    result: 'list',
    default: 'None',
    values: ['CRC32C', 'None'],
    scope: 'CO',
    use: 'IO',
    senders: 'IT',
  },
  {
    name: 'DataDigest',
    clause: 'RFC 7143 13.1',
    type: 'list',
    result: 'list',
    default: 'None',
    values: ['CRC32C', 'None'],
    scope: 'CO',
    use: 'IO',
    senders: 'IT',
  },
  {
    name: 'MaxConnections',
    clause: 'RFC 7143 13.2',
    type: 'numeric',
    result: 'min',
    default: '1',
    min: 1,
    max: 65535,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  { name: 'SendTargets', clause: 'RFC 7143 13.3', type: 'declarative', result: 'none', scope: 'SW', use: 'FFPO', senders: 'I' },
  { name: 'TargetName', clause: 'RFC 7143 13.4', type: 'declarative', result: 'none', scope: 'SW', use: 'ALL', senders: 'IT' },
  // An iSCSI name is at most 223 bytes (RFC 7143 4.2.7.1).
  { name: 'InitiatorName', clause: 'RFC 7143 13.5', type: 'declarative', result: 'none', maxLength: 223, scope: 'SW', use: 'IO', senders: 'I' },
  // The aliases are text values of at most 255 bytes, the limit of RFC 7143 6.1 for a value whose key names none.
  { name: 'TargetAlias', clause: 'RFC 7143 13.6', type: 'declarative', result: 'none', maxLength: 255, scope: 'SW', use: 'ALL', senders: 'T' },
  { name: 'InitiatorAlias', clause: 'RFC 7143 13.7', type: 'declarative', result: 'none', maxLength: 255, scope: 'SW', use: 'ALL', senders: 'I' },
  { name: 'TargetAddress', clause: 'RFC 7143 13.8', type: 'declarative', result: 'none', scope: 'SW', use: 'ALL', senders: 'T' },
  {
    name: 'TargetPortalGroupTag',
    clause: 'RFC 7143 13.9',
    type: 'declarative-numeric',
    result: 'none',
    min: 0,
    max: 65535,
    scope: 'SW',
    use: 'IO',
    senders: 'T',
  },
  {
    name: 'InitialR2T',
    clause: 'RFC 7143 13.10',
    type: 'boolean',
    result: 'or',
    default: 'Yes',
    values: YN,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  {
    name: 'ImmediateData',
    clause: 'RFC 7143 13.11',
    type: 'boolean',
    result: 'and',
    default: 'Yes',
    values: YN,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  {
    name: 'MaxRecvDataSegmentLength',
    clause: 'RFC 7143 13.12',
    type: 'declarative-numeric',
    result: 'none',
    default: '8192',
    min: 512,
    max: 16777215,
    scope: 'CO',
    use: 'ALL',
    senders: 'IT',
  },
  {
    name: 'MaxBurstLength',
    clause: 'RFC 7143 13.13',
    type: 'numeric',
    result: 'min',
    default: '262144',
    min: 512,
    max: 16777215,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  // "Irrelevant when: SessionType=Discovery" and "Irrelevant when: ( InitialR2T=Yes and ImmediateData=No )"
  {
    name: 'FirstBurstLength',
    clause: 'RFC 7143 13.14',
    type: 'numeric',
    result: 'min',
    default: '65536',
    min: 512,
    max: 16777215,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
    irrelevantWhen: { InitialR2T: 'Yes', ImmediateData: 'No' },
  },
  {
    name: 'DefaultTime2Wait',
    clause: 'RFC 7143 13.15',
    type: 'numeric',
    result: 'max',
    default: '2',
    min: 0,
    max: 3600,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
  },
  {
    name: 'DefaultTime2Retain',
    clause: 'RFC 7143 13.16',
    type: 'numeric',
    result: 'min',
    default: '20',
    min: 0,
    max: 3600,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
  },
  {
    name: 'MaxOutstandingR2T',
    clause: 'RFC 7143 13.17',
    type: 'numeric',
    result: 'min',
    default: '1',
    min: 1,
    max: 65535,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  {
    name: 'DataPDUInOrder',
    clause: 'RFC 7143 13.18',
    type: 'boolean',
    result: 'or',
    default: 'Yes',
    values: YN,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  {
    name: 'DataSequenceInOrder',
    clause: 'RFC 7143 13.19',
    type: 'boolean',
    result: 'or',
    default: 'Yes',
    values: YN,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  { name: 'ErrorRecoveryLevel', clause: 'RFC 7143 13.20', type: 'numeric', result: 'min', default: '0', min: 0, max: 2, scope: 'SW', use: 'LO', senders: 'IT' },
  {
    name: 'SessionType',
    clause: 'RFC 7143 13.21',
    type: 'declarative',
    result: 'none',
    default: 'Normal',
    values: ['Discovery', 'Normal'],
    scope: 'SW',
    use: 'LO',
    senders: 'I',
  },
  {
    name: 'TaskReporting',
    clause: 'RFC 7143 13.23',
    type: 'list',
    result: 'list',
    default: 'RFC3720',
    values: ['RFC3720', 'ResponseFence', 'FastAbort'],
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  {
    name: 'iSCSIProtocolLevel',
    clause: 'RFC 7144 13.1',
    type: 'numeric',
    result: 'min',
    default: '0',
    min: 0,
    max: 31,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
  // Use: LO, Declarative; list-of-values of at most 255 bytes; may be declared in a Discovery or a Normal
  // session; not redeclared during the Login Phase. A public extension key (X#) that is nevertheless defined.
  {
    name: 'X#NodeArchitecture',
    clause: 'RFC 7143 13.26',
    type: 'declarative',
    result: 'none',
    default: 'None',
    maxLength: 255,
    perSide: true,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
  },
  {
    name: 'IFMarker',
    clause: 'RFC 7143 13.25',
    type: 'boolean',
    result: 'and',
    default: 'No',
    values: YN,
    scope: 'CO',
    use: 'IO',
    senders: 'IT',
    obsolete: true,
  },
  {
    name: 'OFMarker',
    clause: 'RFC 7143 13.25',
    type: 'boolean',
    result: 'and',
    default: 'No',
    values: YN,
    scope: 'CO',
    use: 'IO',
    senders: 'IT',
    obsolete: true,
  },
  {
    name: 'OFMarkInt',
    clause: 'RFC 7143 13.25',
    type: 'numeric',
    result: 'min',
    default: '2048',
    min: 1,
    max: 65535,
    scope: 'CO',
    use: 'IO',
    senders: 'IT',
    obsolete: true,
  },
  {
    name: 'IFMarkInt',
    clause: 'RFC 7143 13.25',
    type: 'numeric',
    result: 'min',
    default: '2048',
    min: 1,
    max: 65535,
    scope: 'CO',
    use: 'IO',
    senders: 'IT',
    obsolete: true,
  },
  {
    name: 'RDMAExtensions',
    clause: 'RFC 7145 9.1',
    type: 'boolean',
    result: 'and',
    default: 'No',
    values: YN,
    scope: 'SW',
    use: 'LO',
    senders: 'IT',
    irrelevantInDiscovery: true,
  },
];

export const KEYS: Readonly<Record<string, KeyDef>> = Object.freeze(Object.fromEntries(rows.map((r) => [r.name, r])));

export const keyDef = (name: string): KeyDef | undefined => (Object.hasOwn(KEYS, name) ? KEYS[name] : undefined);

/** Private (X-) and public extension (X#) keys: understood by nobody unless they say so. */
export const isExtensionKey = (name: string): boolean => name.startsWith('X-') || name.startsWith('X#');

/** The special answers of RFC 7143 6.2. */
export const Special = { REJECT: 'Reject', NOT_UNDERSTOOD: 'NotUnderstood', IRRELEVANT: 'Irrelevant' } as const;
export const isSpecial = (v: string): boolean => v === 'Reject' || v === 'NotUnderstood' || v === 'Irrelevant';

/** Parse an iSCSI numeric value: decimal, or hex with 0x (RFC 7143 6.1 "numerical-value"). */
export function parseNumber(v: string): number | undefined {
  if (/^[0-9]{1,10}$/.test(v)) return Number(v);
  if (/^0[xX][0-9a-fA-F]{1,8}$/.test(v)) return parseInt(v.slice(2), 16);
  return undefined;
}
