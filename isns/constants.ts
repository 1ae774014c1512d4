/**
 * The numbers of iSNSP (RFC 4171): header flags (5.1.4), function IDs (5.1.3, 6.x response = request |
 * 0x8000), status codes (5.4) and the attribute tags of section 6 that iSCSI uses, each once, with its
 * name and value type. Fibre Channel (iFCP) attributes are left out: this project speaks iSCSI only,
 * and an attribute missing here still decodes, as opaque bytes under its number.
 */

export const ISNSP_VERSION = 1;
/** The IANA port of iSNS (RFC 4171 5.1). */
export const ISNS_PORT = 3205;
/** iSNSP header: version, function ID, PDU length, flags, transaction ID, sequence ID (2 bytes each). */
export const ISNS_HEADER_LENGTH = 12;
/** PDU Length is 16 bits and a payload is 4-byte aligned, so 65532 is the longest payload a PDU carries. */
export const ISNS_MAX_PAYLOAD = 65532;

/** Flags (RFC 4171 5.1.4): bit 16 of the header word is the most significant bit of the 16-bit field. */
export const Flag = {
  CLIENT: 0x8000,
  SERVER: 0x4000,
  AUTH_BLOCK: 0x2000,
  REPLACE: 0x1000,
  LAST_PDU: 0x0800,
  FIRST_PDU: 0x0400,
} as const;

/** Function IDs (RFC 4171 5.1.3/6); a response is its request's ID with 0x8000 set. */
export const Func = {
  DevAttrReg: 0x0001,
  DevAttrQry: 0x0002,
  DevGetNext: 0x0003,
  DevDereg: 0x0004,
  SCNReg: 0x0005,
  SCNDereg: 0x0006,
  SCNEvent: 0x0007,
  SCN: 0x0008,
  DDReg: 0x0009,
  DDDereg: 0x000a,
  DDSReg: 0x000b,
  DDSDereg: 0x000c,
  ESI: 0x000d,
  Heartbeat: 0x000e,
  RqstDomId: 0x0011,
  RlseDomId: 0x0012,
  GetDomId: 0x0013,
} as const;
export type FuncName = keyof typeof Func;

export const RESPONSE_BIT = 0x8000;
/** Heartbeat is multicast/broadcast by the server and has no response (RFC 4171 5.6.5.14). */
const NO_RESPONSE = new Set<number>([Func.Heartbeat]);

const FUNC_BY_ID = new Map<number, string>();
for (const [name, id] of Object.entries(Func)) {
  FUNC_BY_ID.set(id, name);
  if (!NO_RESPONSE.has(id)) FUNC_BY_ID.set(id | RESPONSE_BIT, `${name}Rsp`);
}

/** True for the function IDs RFC 4171 defines, requests and responses. */
export const isKnownFunction = (id: number): boolean => FUNC_BY_ID.has(id);
export const isResponse = (id: number): boolean => (id & RESPONSE_BIT) !== 0;
export function functionName(id: number): string {
  return FUNC_BY_ID.get(id) ?? `function 0x${id.toString(16).padStart(4, '0')}`;
}

/** Status codes of a response (RFC 4171 5.4); 4 is reserved. */
export const Status = {
  Successful: 0,
  UnknownError: 1,
  MessageFormatError: 2,
  InvalidRegistration: 3,
  InvalidQuery: 5,
  SourceUnknown: 6,
  SourceAbsent: 7,
  SourceUnauthorized: 8,
  NoSuchEntry: 9,
  VersionNotSupported: 10,
  InternalError: 11,
  Busy: 12,
  OptionNotUnderstood: 13,
  InvalidUpdate: 14,
  MessageNotSupported: 15,
  SCNEventRejected: 16,
  SCNRegistrationRejected: 17,
  AttributeNotImplemented: 18,
  FcDomainIdNotAvailable: 19,
  FcDomainIdNotAllocated: 20,
  ESINotAvailable: 21,
  InvalidDeregistration: 22,
  RegistrationFeatureNotSupported: 23,
} as const;

const STATUS_BY_CODE = new Map<number, string>(Object.entries(Status).map(([n, c]) => [c, n]));
export function statusName(code: number): string {
  return STATUS_BY_CODE.get(code) ?? `status ${code}`;
}

/** How an attribute's value is laid out (RFC 4171 6, the "Length" column and 5.1.3). */
export type AttrType =
  /** Zero-length (the Delimiter). */
  | 'none'
  /** NUL-terminated UTF-8, padded to 4 bytes. */
  | 'string'
  /** A 4-byte unsigned integer. */
  | 'u32'
  /** An 8-byte unsigned integer (Timestamp, WWNN Token). */
  | 'u64'
  /** A 16-byte IPv6 address, IPv4 as IPv4-mapped (RFC 4171 6.3.1). */
  | 'ip'
  /** Bytes this codec does not interpret (certificates, ISAKMP payloads). */
  | 'opaque';

/** Attribute tags of RFC 4171 section 6 used with iSCSI; names follow the RFC's table 6.1. */
export const ATTRIBUTES = [
  { tag: 0, name: 'Delimiter', type: 'none' },
  { tag: 1, name: 'Entity Identifier', type: 'string' },
  { tag: 2, name: 'Entity Protocol', type: 'u32' },
  { tag: 3, name: 'Management IP Address', type: 'ip' },
  { tag: 4, name: 'Timestamp', type: 'u64' },
  { tag: 5, name: 'Protocol Version Range', type: 'u32' },
  { tag: 6, name: 'Registration Period', type: 'u32' },
  { tag: 7, name: 'Entity Index', type: 'u32' },
  { tag: 8, name: 'Entity Next Index', type: 'u32' },
  { tag: 11, name: 'Entity ISAKMP Phase-1', type: 'opaque' },
  { tag: 12, name: 'Entity Certificate', type: 'opaque' },
  { tag: 16, name: 'Portal IP Address', type: 'ip' },
  { tag: 17, name: 'Portal TCP/UDP Port', type: 'u32' },
  { tag: 18, name: 'Portal Symbolic Name', type: 'string' },
  { tag: 19, name: 'ESI Interval', type: 'u32' },
  { tag: 20, name: 'ESI Port', type: 'u32' },
  { tag: 22, name: 'Portal Index', type: 'u32' },
  { tag: 23, name: 'SCN Port', type: 'u32' },
  { tag: 24, name: 'Portal Next Index', type: 'u32' },
  { tag: 27, name: 'Portal Security Bitmap', type: 'u32' },
  { tag: 28, name: 'Portal ISAKMP Phase-1', type: 'opaque' },
  { tag: 29, name: 'Portal ISAKMP Phase-2', type: 'opaque' },
  { tag: 31, name: 'Portal Certificate', type: 'opaque' },
  { tag: 32, name: 'iSCSI Name', type: 'string' },
  { tag: 33, name: 'iSCSI Node Type', type: 'u32' },
  { tag: 34, name: 'iSCSI Alias', type: 'string' },
  { tag: 35, name: 'iSCSI SCN Bitmap', type: 'u32' },
  { tag: 36, name: 'iSCSI Node Index', type: 'u32' },
  { tag: 37, name: 'WWNN Token', type: 'u64' },
  { tag: 38, name: 'iSCSI Node Next Index', type: 'u32' },
  { tag: 42, name: 'iSCSI AuthMethod', type: 'string' },
  { tag: 48, name: 'PG iSCSI Name', type: 'string' },
  { tag: 49, name: 'PG Portal IP Addr', type: 'ip' },
  { tag: 50, name: 'PG Portal TCP/UDP Port', type: 'u32' },
  { tag: 51, name: 'PG Tag', type: 'u32' },
  { tag: 52, name: 'PG Index', type: 'u32' },
  { tag: 53, name: 'PG Next Index', type: 'u32' },
  { tag: 256, name: 'iSNS Server Vendor OUI', type: 'u32' },
  { tag: 2049, name: 'DD_Set ID', type: 'u32' },
  { tag: 2050, name: 'DD_Set Sym Name', type: 'string' },
  { tag: 2051, name: 'DD_Set Status', type: 'u32' },
  { tag: 2052, name: 'DD_Set_Next_ID', type: 'u32' },
  { tag: 2065, name: 'DD_ID', type: 'u32' },
  { tag: 2066, name: 'DD_Symbolic Name', type: 'string' },
  { tag: 2067, name: 'DD_Member iSCSI Index', type: 'u32' },
  { tag: 2068, name: 'DD_Member iSCSI Name', type: 'string' },
  { tag: 2070, name: 'DD_Member Portal Index', type: 'u32' },
  { tag: 2071, name: 'DD_Member Portal IP Addr', type: 'ip' },
  { tag: 2072, name: 'DD_Member Portal TCP/UDP Port', type: 'u32' },
  { tag: 2078, name: 'DD_Features', type: 'u32' },
  { tag: 2079, name: 'DD_ID Next ID', type: 'u32' },
] as const satisfies readonly { tag: number; name: string; type: AttrType }[];

/** Tag numbers by a short name for code (`Tag.IscsiName`), from the same rows. */
export const Tag = {
  Delimiter: 0,
  EntityId: 1,
  EntityProtocol: 2,
  ManagementIp: 3,
  Timestamp: 4,
  ProtocolVersionRange: 5,
  RegistrationPeriod: 6,
  EntityIndex: 7,
  EntityNextIndex: 8,
  PortalIp: 16,
  PortalPort: 17,
  PortalSymbolicName: 18,
  EsiInterval: 19,
  EsiPort: 20,
  PortalIndex: 22,
  ScnPort: 23,
  PortalNextIndex: 24,
  PortalSecurityBitmap: 27,
  IscsiName: 32,
  IscsiNodeType: 33,
  IscsiAlias: 34,
  IscsiScnBitmap: 35,
  IscsiNodeIndex: 36,
  IscsiNodeNextIndex: 38,
  IscsiAuthMethod: 42,
  PgIscsiName: 48,
  PgPortalIp: 49,
  PgPortalPort: 50,
  PgTag: 51,
  PgIndex: 52,
  PgNextIndex: 53,
  DdSetId: 2049,
  DdSetSymName: 2050,
  DdSetStatus: 2051,
  DdId: 2065,
  DdSymName: 2066,
  DdMemberIscsiIndex: 2067,
  DdMemberIscsiName: 2068,
  DdMemberPortalIp: 2071,
  DdMemberPortalPort: 2072,
} as const satisfies Record<string, (typeof ATTRIBUTES)[number]['tag']>;

const ATTR_BY_TAG = new Map<number, { tag: number; name: string; type: AttrType }>(ATTRIBUTES.map((a) => [a.tag, a]));
export function attributeInfo(tag: number): { tag: number; name: string; type: AttrType } | undefined {
  return ATTR_BY_TAG.get(tag);
}
export function attributeName(tag: number): string {
  return ATTR_BY_TAG.get(tag)?.name ?? `attribute ${tag}`;
}

/** Entity Protocol values (RFC 4171 6.2.2). */
export const EntityProtocol = { None: 1, iSCSI: 2, iFCP: 3 } as const;

/** iSCSI Node Type bits (RFC 4171 6.4.2): bit 31 (least significant) is Target. */
export const NodeType = { Target: 0x1, Initiator: 0x2, Control: 0x4 } as const;

/** iSCSI SCN Bitmap bits (RFC 4171 6.4.4), least significant first. */
export const ScnBit = {
  DdMemberAdded: 0x01,
  DdMemberRemoved: 0x02,
  ObjectUpdated: 0x04,
  ObjectAdded: 0x08,
  ObjectRemoved: 0x10,
  ManagementRegistration: 0x20,
  TargetAndSelfOnly: 0x40,
  InitiatorAndSelfOnly: 0x80,
} as const;

/** Portal TCP/UDP Port (RFC 4171 6.3.2): the port in the low 16 bits, bit 15 of the upper half set for UDP. */
export const PORT_UDP = 0x10000;
