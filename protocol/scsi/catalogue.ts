/**
 * The one SCSI command catalogue (as PDU_FIELDS is for iSCSI PDUs): per operation code and service action
 * the command's name, CDB length, fields (byte, bits, name), data direction and where the transfer length
 * comes from, whether it changes the medium, whether SBC-4 makes it mandatory, and its clause.
 *
 * Everything else that knows a CDB's layout derives from this table: the CDB builders (cdb.ts),
 * `decodeCdb` and `describeCdb` (cdbcodec.ts), the harness's destructive-command and data-length checks,
 * and the reference target's CDB usage data (REPORT SUPPORTED OPERATION CODES) and reserved-bit check.
 * Adding a command is a row here, a handler in the reference target and a suite.
 *
 * Fields list what the project sends and the reference target evaluates; a bit no field names is reserved
 * (or a feature nobody here implements, such as command duration limits) and must be zero. SERVICE ACTION
 * (byte 1 bits 4-0 of the commands that have one) and CONTROL (the last byte) are implicit in every entry.
 */
import { SBC4, SPC5 } from './clauses.js';
import { cdbLength, ExtendedCopySa, MaintIn, Op, PrInSa, PrOutSa, ReceiveCopySa, SaIn16, SanitizeSa } from './opcodes.js';

/** Decoded CDB field values by key: numbers, and bigints for fields wider than 48 bits. */
export type CdbValues = Readonly<Record<string, number | bigint>>;

/** One field of a CDB: `bits` bits ending `shift` bits above the lowest bit of its last byte. */
export interface CdbField {
  /** The name the standard's CDB table gives it (error messages use it): 'LBA', 'TRANSFER LENGTH'. */
  name: string;
  /** Builder option and `decodeCdb` key: 'lba', 'blocks', 'fua'. Absent for obsolete bits nobody sets. */
  key?: string;
  /** First byte. */
  byte: number;
  /** Width in bits. */
  bits: number;
  /** Bit position of the field's lowest bit in its last byte. */
  shift: number;
  /** Obsolete: accepted and ignored, not part of the CDB usage data. */
  obsolete?: boolean;
  /** Restricted for another command set (MMC-6): neither evaluated nor reserved for this device type. */
  restricted?: boolean;
  /** `describeCdb` label; a field without one is not described. */
  label?: string;
  /** When `describeCdb` shows it: default a flag when set, a number when non-zero. */
  show?: 'always' | ((v: CdbValues) => boolean);
  /** `describeCdb` shows it as 0xNN. */
  hex?: boolean;
  /** Builder default when the option is absent. */
  dflt?: number;
  /** The value the field stands for when it is 0 (READ(6) TRANSFER LENGTH: 256). */
  zeroIs?: number;
}

/**
 * Where a command's data comes from: none, or Data-In / Data-Out whose length is a field (in bytes, or in
 * logical blocks times `times`), a fixed number of bytes, or something the field values alone do not tell
 * (`varies`: the test says).
 */
export type CdbTransfer =
  | { dir: 'none' }
  | { dir: 'in' | 'out'; field: string; unit: 'bytes' | 'blocks'; times?: number }
  | { dir: 'in' | 'out'; bytes: number }
  | { dir: 'in' | 'out' | 'varies' };

/** A command's entry. Entries with `sa` belong to the family entry of their operation code (`serviceActions`). */
export interface CdbEntry {
  op: number;
  /** Service action (byte 1 bits 4-0). */
  sa?: number;
  name: string;
  /** CDB length; absent for variable-length CDBs (7Fh). */
  length?: number;
  /** The operation code carries a service action (family entries only). */
  serviceActions?: boolean;
  /** Fields besides SERVICE ACTION and CONTROL, in the order `describeCdb` shows them. */
  fields: readonly CdbField[];
  transfer: CdbTransfer;
  /**
   * The Data-Out buffer is what the addressed blocks hold afterwards (WRITE, WRITE AND VERIFY): the harness
   * fills it with its pattern and remembers it for read-back checks.
   */
  storesData?: true;
  /** Changes the medium or persistent device state (a test must declare `dataloss`); 'sanitize' also needs `sanitize`. */
  medium?: true | 'sanitize';
  /** Mandatory for a direct-access block device (SBC-4 5.1); `everyDevice` for SPC commands every device type has; `sinceSbc3` for those SBC-3 added. */
  mandatory?: 'sbc' | 'everyDevice' | 'sinceSbc3';
  /** The clause that defines the command. */
  clause?: string;
}

// --- field constructors -----------------------------------------------------------------------------------

type FieldOpts = Partial<Pick<CdbField, 'obsolete' | 'restricted' | 'label' | 'show' | 'hex' | 'dflt' | 'zeroIs'>>;

/** A field of whole bytes. */
const bytes = (name: string, key: string | undefined, byte: number, count: number, o: FieldOpts = {}): CdbField => ({
  name,
  ...(key ? { key } : {}),
  byte,
  bits: 8 * count,
  shift: 0,
  ...o,
});
/** Bits hi..lo of one byte. */
const bitsOf = (name: string, key: string | undefined, byte: number, hi: number, lo: number, o: FieldOpts = {}): CdbField => ({
  name,
  ...(key ? { key } : {}),
  byte,
  bits: hi - lo + 1,
  shift: lo,
  ...o,
});
/** A one-bit flag, described by its name when set. */
const flag = (name: string, key: string, byte: number, bit: number, label = name): CdbField => bitsOf(name, key, byte, bit, bit, { label });
/** An obsolete bit: accepted, ignored, never set by a builder. */
const obsolete = (byte: number, bit: number): CdbField => bitsOf('OBSOLETE', undefined, byte, bit, bit, { obsolete: true });

/** Bit 7 of the GROUP NUMBER byte of VERIFY (10) and (12): restricted for MMC-6. */
const mmc6 = (byte: number): CdbField => bitsOf('RESTRICTED FOR MMC-6', undefined, byte, 7, 7, { restricted: true });

const ALWAYS = 'always' as const;
const lba = (byte: number, count: number): CdbField => bytes('LBA', 'lba', byte, count, { label: 'LBA', show: ALWAYS });
const blocks = (byte: number, count: number, name = 'TRANSFER LENGTH'): CdbField => bytes(name, 'blocks', byte, count, { label: 'LEN', show: ALWAYS });
const group = (byte: number): CdbField => bitsOf('GROUP NUMBER', 'group', byte, 5, 0, { label: 'GROUP' });
const alloc = (byte: number, count: number, dflt?: number): CdbField =>
  bytes('ALLOCATION LENGTH', 'alloc', byte, count, { label: 'ALLOC', show: ALWAYS, ...(dflt === undefined ? {} : { dflt }) });
const paramLen = (byte: number, count: number, dflt?: number): CdbField =>
  bytes('PARAMETER LIST LENGTH', 'paramLen', byte, count, { label: 'LEN', show: ALWAYS, ...(dflt === undefined ? {} : { dflt }) });
const protect = (name: string, key: string): CdbField => bitsOf(name, key, 1, 7, 5, { label: name });
const dpo = flag('DPO', 'dpo', 1, 4);
const fua = flag('FUA', 'fua', 1, 3);
const immed = flag('IMMED', 'immed', 1, 1);
const bytchk = bitsOf('BYTCHK', 'bytchk', 1, 2, 1, { label: 'BYTCHK' });

/** LBA, length and GROUP NUMBER where the 10-, 12- and 16-byte CDBs of SBC-4 clause 5 put them. */
function lbaLayout(size: 10 | 12 | 16, lenName?: string): { lba: CdbField; len: CdbField; group: CdbField } {
  if (size === 10) return { lba: lba(2, 4), len: blocks(7, 2, lenName), group: group(6) };
  if (size === 12) return { lba: lba(2, 4), len: blocks(6, 4, lenName), group: group(10) };
  return { lba: lba(2, 8), len: blocks(10, 4, lenName), group: group(14) };
}

/** An LBA command: LBA, length, the byte-1 fields, GROUP NUMBER. */
function lbaCommand(
  op: number,
  name: string,
  size: 10 | 12 | 16,
  byte1: CdbField[],
  transfer: CdbTransfer,
  more: Partial<CdbEntry> & { lenName?: string } = {},
): CdbEntry {
  const { lenName, ...rest } = more;
  const l = lbaLayout(size, lenName);
  return { op, name, length: size, fields: [l.lba, l.len, ...byte1, l.group], transfer, ...rest };
}

const readIn: CdbTransfer = { dir: 'in', field: 'blocks', unit: 'blocks' };
const writeOut: CdbTransfer = { dir: 'out', field: 'blocks', unit: 'blocks' };
const NONE: CdbTransfer = { dir: 'none' };
const VARIES: CdbTransfer = { dir: 'varies' };
const allocIn: CdbTransfer = { dir: 'in', field: 'alloc', unit: 'bytes' };
const paramOut: CdbTransfer = { dir: 'out', field: 'paramLen', unit: 'bytes' };

const readFlags = [protect('RDPROTECT', 'rdprotect'), dpo, fua, flag('RARC', 'rarc', 1, 2)];
const writeFlags = [protect('WRPROTECT', 'wrprotect'), dpo, fua];
const verifyFlags = (prot: string, key: string) => [protect(prot, key), dpo, bytchk];
const writeSameFlags = [protect('WRPROTECT', 'wrprotect'), flag('ANCHOR', 'anchor', 1, 4), flag('UNMAP', 'unmap', 1, 3)];

/** READ (6) / WRITE (6) (SBC-3): a 21-bit LBA, TRANSFER LENGTH 0 meaning 256 blocks. */
const rw6Fields = [
  bitsOf('LBA', 'lba', 1, 20, 0, { label: 'LBA', show: ALWAYS }),
  bytes('TRANSFER LENGTH', 'blocks', 4, 1, { label: 'LEN', show: ALWAYS, zeroIs: 256 }),
];

const modeSenseFields = (ten: boolean): CdbField[] => [
  ...(ten ? [flag('LLBAA', 'llbaa', 1, 4)] : []),
  flag('DBD', 'dbd', 1, 3),
  bitsOf('PC', 'pc', 2, 7, 6, { label: 'PC' }),
  bitsOf('PAGE CODE', 'page', 2, 5, 0, { label: 'PAGE', show: ALWAYS, hex: true }),
  bytes('SUBPAGE CODE', 'subpage', 3, 1, { label: 'SUBPAGE', hex: true }),
  ten ? alloc(7, 2, 4096) : alloc(4, 1, 255),
];

const modeSelectFields = (ten: boolean): CdbField[] => [
  { ...flag('PF', 'pf', 1, 4), dflt: 1 },
  flag('RTD', 'rtd', 1, 1),
  flag('SP', 'sp', 1, 0),
  ten ? paramLen(7, 2) : paramLen(4, 1),
];

const defectFields = (byte: number): CdbField[] => [
  flag('REQ_PLIST', 'reqPlist', byte, 4, 'PLIST'),
  flag('REQ_GLIST', 'reqGlist', byte, 3, 'GLIST'),
  bitsOf('DEFECT LIST FORMAT', 'format', byte, 2, 0, { label: 'FORMAT', show: ALWAYS }),
];

/** Service-action entries that share their family's fields and transfer (the commands named but not built here). */
function named(family: CdbEntry, names: Record<number, string>): CdbEntry[] {
  return Object.entries(names).map(([sa, name]) => ({ ...family, sa: Number(sa), name, serviceActions: undefined }) as CdbEntry);
}

/** Commands the project only names (so reports and the destructive-command check know them). */
function nameOnly(op: number, name: string, medium = false): CdbEntry {
  const length = cdbLength(op);
  return { op, name, ...(length === undefined ? {} : { length }), fields: [], transfer: VARIES, ...(medium ? { medium: true as const } : {}) };
}

// --- families (operation codes with service actions) ---------------------------------------------------------

const SAI16: CdbEntry = {
  op: Op.SERVICE_ACTION_IN_16,
  name: 'SERVICE ACTION IN(16)',
  length: 16,
  serviceActions: true,
  fields: [alloc(10, 4)],
  transfer: allocIn,
};
const SAO16: CdbEntry = { op: 0x9f, name: 'SERVICE ACTION OUT(16)', length: 16, serviceActions: true, fields: [], transfer: VARIES, medium: true };
const MAINT_IN: CdbEntry = { op: Op.MAINTENANCE_IN, name: 'MAINTENANCE IN', length: 12, serviceActions: true, fields: [alloc(6, 4)], transfer: allocIn };
const MAINT_OUT: CdbEntry = { op: 0xa4, name: 'MAINTENANCE OUT', length: 12, serviceActions: true, fields: [], transfer: VARIES };
const PR_IN: CdbEntry = {
  op: Op.PERSISTENT_RESERVE_IN,
  name: 'PERSISTENT RESERVE IN',
  length: 10,
  serviceActions: true,
  fields: [alloc(7, 2, 4096)],
  transfer: allocIn,
  clause: SPC5.PERSISTENT_RESERVE_IN,
};
const PR_OUT: CdbEntry = {
  op: Op.PERSISTENT_RESERVE_OUT,
  name: 'PERSISTENT RESERVE OUT',
  length: 10,
  serviceActions: true,
  fields: [
    bitsOf('SCOPE', 'scope', 2, 7, 4, { label: 'SCOPE', show: ALWAYS }),
    bitsOf('TYPE', 'type', 2, 3, 0, { label: 'TYPE', show: ALWAYS }),
    paramLen(5, 4, 24),
  ],
  transfer: paramOut,
  medium: true,
  clause: SPC5.PERSISTENT_RESERVE_OUT,
};
const SANITIZE: CdbEntry = {
  op: Op.SANITIZE,
  name: 'SANITIZE',
  length: 10,
  serviceActions: true,
  fields: [flag('IMMED', 'immed', 1, 7), flag('AUSE', 'ause', 1, 5), paramLen(7, 2)],
  transfer: paramOut,
  medium: 'sanitize',
  clause: SBC4.SANITIZE,
};
const XCOPY: CdbEntry = {
  op: Op.EXTENDED_COPY,
  name: 'EXTENDED COPY',
  length: 16,
  serviceActions: true,
  fields: [paramLen(10, 4)],
  transfer: paramOut,
  medium: true,
  clause: SPC5.EXTENDED_COPY,
};
const listId8 = bytes('LIST IDENTIFIER', 'listId', 2, 1, { label: 'LIST_ID', show: ALWAYS });
const listId32 = bytes('LIST IDENTIFIER', 'listId', 2, 4, { label: 'LIST_ID', show: ALWAYS });
const RCR_LID1 = [listId8, alloc(10, 4)];
const RCR_LID4 = [listId32, alloc(10, 4)];
const RCR_NO_LIST = [alloc(10, 4)];
const RCR: CdbEntry = { op: Op.RECEIVE_COPY_RESULTS, name: 'RECEIVE COPY RESULTS', length: 16, serviceActions: true, fields: RCR_LID1, transfer: allocIn };
const rcr = (sa: number, name: string, fields: CdbField[]): CdbEntry => ({ ...RCR, serviceActions: undefined, sa, name, fields });

const rsocOptions = (v: CdbValues) => Number(v.options ?? 0);

/** The catalogue. */
export const CATALOGUE: readonly CdbEntry[] = [
  // --- SPC-5 -------------------------------------------------------------------------------------------------
  { op: Op.TEST_UNIT_READY, name: 'TEST UNIT READY', length: 6, fields: [], transfer: NONE, mandatory: 'everyDevice', clause: SPC5.TEST_UNIT_READY },
  {
    op: Op.REQUEST_SENSE,
    name: 'REQUEST SENSE',
    length: 6,
    fields: [flag('DESC', 'desc', 1, 0), alloc(4, 1, 252)],
    transfer: allocIn,
    mandatory: 'everyDevice',
    clause: SPC5.REQUEST_SENSE,
  },
  {
    op: Op.INQUIRY,
    name: 'INQUIRY',
    length: 6,
    fields: [
      flag('EVPD', 'evpd', 1, 0),
      bytes('PAGE CODE', 'page', 2, 1, { label: 'PAGE', hex: true, show: (v) => v.evpd !== 0 || v.page !== 0 }),
      alloc(3, 2, 255),
    ],
    transfer: allocIn,
    mandatory: 'everyDevice',
    clause: SPC5.INQUIRY,
  },
  { op: Op.MODE_SELECT_6, name: 'MODE SELECT(6)', length: 6, fields: modeSelectFields(false), transfer: paramOut, medium: true, clause: SPC5.MODE_SELECT_6 },
  { op: Op.RESERVE_6, name: 'RESERVE(6)', length: 6, fields: [], transfer: NONE },
  { op: Op.RELEASE_6, name: 'RELEASE(6)', length: 6, fields: [], transfer: NONE },
  { op: Op.MODE_SENSE_6, name: 'MODE SENSE(6)', length: 6, fields: modeSenseFields(false), transfer: allocIn, clause: SPC5.MODE_SENSE_6 },
  { op: Op.MODE_SELECT_10, name: 'MODE SELECT(10)', length: 10, fields: modeSelectFields(true), transfer: paramOut, medium: true, clause: SPC5.MODE_SELECT_10 },
  { op: Op.MODE_SENSE_10, name: 'MODE SENSE(10)', length: 10, fields: modeSenseFields(true), transfer: allocIn, clause: SPC5.MODE_SENSE_10 },
  PR_IN,
  ...Object.entries({
    READ_KEYS: 'READ KEYS',
    READ_RESERVATION: 'READ RESERVATION',
    REPORT_CAPABILITIES: 'REPORT CAPABILITIES',
    READ_FULL_STATUS: 'READ FULL STATUS',
  }).map(([k, n]): CdbEntry => ({ ...PR_IN, serviceActions: undefined, sa: PrInSa[k as keyof typeof PrInSa], name: `PERSISTENT RESERVE IN ${n}` })),
  PR_OUT,
  ...Object.entries(PrOutSa).map(([k, sa]): CdbEntry => ({ ...PR_OUT, serviceActions: undefined, sa, name: `PERSISTENT RESERVE OUT ${k.replace(/_/g, ' ')}` })),
  XCOPY,
  { ...XCOPY, serviceActions: undefined, sa: ExtendedCopySa.LID1, name: 'EXTENDED COPY(LID1)' },
  ...named(XCOPY, {
    [ExtendedCopySa.LID4]: 'EXTENDED COPY(LID4)',
    [ExtendedCopySa.POPULATE_TOKEN]: 'POPULATE TOKEN',
    [ExtendedCopySa.WRITE_USING_TOKEN]: 'WRITE USING TOKEN',
  }),
  RCR,
  rcr(ReceiveCopySa.COPY_STATUS_LID1, 'RECEIVE COPY STATUS(LID1)', RCR_LID1),
  rcr(ReceiveCopySa.RECEIVE_DATA_LID1, 'RECEIVE COPY DATA(LID1)', RCR_LID1),
  rcr(ReceiveCopySa.OPERATING_PARAMETERS, 'RECEIVE COPY OPERATING PARAMETERS', RCR_NO_LIST),
  rcr(ReceiveCopySa.FAILED_SEGMENT_DETAILS_LID1, 'RECEIVE COPY FAILURE DETAILS(LID1)', RCR_LID1),
  rcr(ReceiveCopySa.COPY_STATUS_LID4, 'RECEIVE COPY STATUS(LID4)', RCR_LID4),
  rcr(ReceiveCopySa.RECEIVE_DATA_LID4, 'RECEIVE COPY DATA(LID4)', RCR_LID4),
  rcr(ReceiveCopySa.ROD_TOKEN_INFORMATION, 'RECEIVE ROD TOKEN INFORMATION', RCR_LID4),
  rcr(ReceiveCopySa.REPORT_ALL_ROD_TOKENS, 'REPORT ALL ROD TOKENS', RCR_NO_LIST),
  {
    op: Op.REPORT_LUNS,
    name: 'REPORT LUNS',
    length: 12,
    fields: [bytes('SELECT REPORT', 'select', 2, 1, { label: 'SELECT' }), alloc(6, 4, 4096)],
    transfer: allocIn,
    mandatory: 'everyDevice',
    clause: SPC5.REPORT_LUNS,
  },
  MAINT_IN,
  {
    ...MAINT_IN,
    serviceActions: undefined,
    sa: MaintIn.REPORT_SUPPORTED_OPERATION_CODES,
    name: 'REPORT SUPPORTED OPERATION CODES',
    fields: [
      flag('RCTD', 'rctd', 2, 7),
      bitsOf('REPORTING OPTIONS', 'options', 2, 2, 0, { label: 'OPTIONS' }),
      bytes('REQUESTED OPERATION CODE', 'op', 3, 1, { label: 'OP', hex: true, show: (v) => rsocOptions(v) !== 0 }),
      bytes('REQUESTED SERVICE ACTION', 'sa', 4, 2, { label: 'SA', hex: true, show: (v) => rsocOptions(v) >= 2 }),
      alloc(6, 4, 8192),
    ],
    clause: SPC5.REPORT_SUPPORTED_OPERATION_CODES,
  },
  {
    ...MAINT_IN,
    serviceActions: undefined,
    sa: MaintIn.REPORT_TARGET_PORT_GROUPS,
    name: 'REPORT TARGET PORT GROUPS',
    fields: [bitsOf('PARAMETER DATA FORMAT', 'format', 1, 7, 5, { label: 'FORMAT' }), alloc(6, 4, 4096)],
    clause: SPC5.REPORT_TARGET_PORT_GROUPS,
  },
  ...named(MAINT_IN, {
    0x05: 'REPORT IDENTIFYING INFORMATION',
    0x0b: 'REPORT ALIASES',
    [MaintIn.REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS]: 'REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS',
    0x0e: 'REPORT PRIORITY',
    [MaintIn.REPORT_TIMESTAMP]: 'REPORT TIMESTAMP',
  }),
  MAINT_OUT,
  ...named(MAINT_OUT, { 0x0a: 'SET TARGET PORT GROUPS', 0x0e: 'SET PRIORITY', 0x0f: 'SET TIMESTAMP' }),

  // --- SBC-4 -------------------------------------------------------------------------------------------------
  { op: Op.READ_6, name: 'READ(6)', length: 6, fields: rw6Fields, transfer: readIn, clause: SBC4.READ_6 },
  { op: Op.WRITE_6, name: 'WRITE(6)', length: 6, fields: rw6Fields, transfer: writeOut, medium: true, storesData: true, clause: SBC4.WRITE_6 },
  {
    op: Op.START_STOP_UNIT,
    name: 'START STOP UNIT',
    length: 6,
    fields: [
      flag('IMMED', 'immed', 1, 0),
      bitsOf('POWER CONDITION', 'powerCondition', 4, 7, 4, { label: 'POWER_CONDITION' }),
      bitsOf('POWER CONDITION MODIFIER', 'powerConditionModifier', 3, 3, 0, { label: 'MODIFIER' }),
      flag('NO_FLUSH', 'noFlush', 4, 2),
      flag('LOEJ', 'loej', 4, 1),
      { ...flag('START', 'start', 4, 0), dflt: 1 },
    ],
    transfer: NONE,
    clause: SBC4.START_STOP_UNIT,
  },
  {
    op: Op.PREVENT_ALLOW_MEDIUM_REMOVAL,
    name: 'PREVENT ALLOW MEDIUM REMOVAL',
    length: 6,
    fields: [bitsOf('PREVENT', 'prevent', 4, 1, 0, { label: 'PREVENT', show: ALWAYS })],
    transfer: NONE,
    clause: SBC4.PREVENT_ALLOW_MEDIUM_REMOVAL,
  },
  {
    op: Op.READ_CAPACITY_10,
    name: 'READ CAPACITY(10)',
    length: 10,
    // RELADR, the LOGICAL BLOCK ADDRESS and PMI are obsolete (SBC-4 5.20)
    fields: [obsolete(1, 0), bytes('LBA', undefined, 2, 4, { obsolete: true }), obsolete(8, 0)],
    transfer: { dir: 'in', bytes: 8 },
    mandatory: 'sbc',
    clause: SBC4.READ_CAPACITY_10,
  },
  lbaCommand(Op.READ_10, 'READ(10)', 10, [...readFlags, obsolete(1, 1), obsolete(1, 0)], readIn, { mandatory: 'sbc', clause: SBC4.READ_10 }),
  lbaCommand(Op.WRITE_10, 'WRITE(10)', 10, [...writeFlags, obsolete(1, 1), obsolete(1, 0)], writeOut, {
    medium: true,
    storesData: true,
    clause: SBC4.WRITE_10,
  }),
  lbaCommand(Op.WRITE_AND_VERIFY_10, 'WRITE AND VERIFY(10)', 10, [...verifyFlags('WRPROTECT', 'wrprotect'), obsolete(1, 0)], writeOut, {
    medium: true,
    storesData: true,
    clause: SBC4.WRITE_AND_VERIFY_10,
  }),
  lbaCommand(Op.VERIFY_10, 'VERIFY(10)', 10, [...verifyFlags('VRPROTECT', 'vrprotect'), obsolete(1, 0), mmc6(6)], VARIES, {
    lenName: 'VERIFICATION LENGTH',
    clause: SBC4.VERIFY_10,
  }),
  lbaCommand(Op.PRE_FETCH_10, 'PRE-FETCH(10)', 10, [immed, obsolete(1, 0)], NONE, { lenName: 'PREFETCH LENGTH', clause: SBC4.PRE_FETCH_10 }),
  lbaCommand(Op.SYNCHRONIZE_CACHE_10, 'SYNCHRONIZE CACHE(10)', 10, [obsolete(1, 2), immed, obsolete(1, 0)], NONE, {
    lenName: 'NUMBER OF LOGICAL BLOCKS',
    clause: SBC4.SYNCHRONIZE_CACHE_10,
  }),
  {
    op: Op.READ_DEFECT_DATA_10,
    name: 'READ DEFECT DATA(10)',
    length: 10,
    fields: [...defectFields(2), alloc(7, 2)],
    transfer: allocIn,
    clause: SBC4.READ_DEFECT_DATA_10,
  },
  lbaCommand(Op.WRITE_SAME_10, 'WRITE SAME(10)', 10, writeSameFlags, VARIES, { lenName: 'NUMBER OF LOGICAL BLOCKS', medium: true, clause: SBC4.WRITE_SAME_10 }),
  {
    op: Op.UNMAP,
    name: 'UNMAP',
    length: 10,
    fields: [flag('ANCHOR', 'anchor', 1, 0), paramLen(7, 2), group(6)],
    transfer: paramOut,
    medium: true,
    clause: SBC4.UNMAP,
  },
  SANITIZE,
  ...named(SANITIZE, {
    [SanitizeSa.OVERWRITE]: 'SANITIZE OVERWRITE',
    [SanitizeSa.BLOCK_ERASE]: 'SANITIZE BLOCK ERASE',
    [SanitizeSa.CRYPTOGRAPHIC_ERASE]: 'SANITIZE CRYPTOGRAPHIC ERASE',
    [SanitizeSa.EXIT_FAILURE_MODE]: 'SANITIZE EXIT FAILURE MODE',
  }),
  lbaCommand(Op.READ_16, 'READ(16)', 16, [...readFlags, obsolete(1, 1)], readIn, { mandatory: 'sinceSbc3', clause: SBC4.READ_16 }),
  {
    op: Op.COMPARE_AND_WRITE,
    name: 'COMPARE AND WRITE',
    length: 16,
    fields: [lba(2, 8), bytes('NUMBER OF LOGICAL BLOCKS', 'blocks', 13, 1, { label: 'LEN', show: ALWAYS }), ...writeFlags, obsolete(1, 1), group(14)],
    // the Data-Out buffer holds the verify data and the write data: twice the blocks (SBC-4 5.3)
    transfer: { dir: 'out', field: 'blocks', unit: 'blocks', times: 2 },
    medium: true,
    clause: SBC4.COMPARE_AND_WRITE,
  },
  lbaCommand(Op.WRITE_16, 'WRITE(16)', 16, [...writeFlags, obsolete(1, 1)], writeOut, { medium: true, storesData: true, clause: SBC4.WRITE_16 }),
  lbaCommand(Op.ORWRITE_16, 'ORWRITE(16)', 16, [protect('ORPROTECT', 'orprotect'), dpo, fua, obsolete(1, 1)], writeOut, {
    medium: true,
    clause: SBC4.ORWRITE_16,
  }),
  lbaCommand(Op.WRITE_AND_VERIFY_16, 'WRITE AND VERIFY(16)', 16, verifyFlags('WRPROTECT', 'wrprotect'), writeOut, {
    medium: true,
    storesData: true,
    clause: SBC4.WRITE_AND_VERIFY_16,
  }),
  lbaCommand(Op.VERIFY_16, 'VERIFY(16)', 16, verifyFlags('VRPROTECT', 'vrprotect'), VARIES, { lenName: 'VERIFICATION LENGTH', clause: SBC4.VERIFY_16 }),
  lbaCommand(Op.PRE_FETCH_16, 'PRE-FETCH(16)', 16, [immed], NONE, { lenName: 'PREFETCH LENGTH', clause: SBC4.PRE_FETCH_16 }),
  lbaCommand(Op.SYNCHRONIZE_CACHE_16, 'SYNCHRONIZE CACHE(16)', 16, [obsolete(1, 2), immed], NONE, {
    lenName: 'NUMBER OF LOGICAL BLOCKS',
    clause: SBC4.SYNCHRONIZE_CACHE_16,
  }),
  lbaCommand(Op.WRITE_SAME_16, 'WRITE SAME(16)', 16, [...writeSameFlags, flag('NDOB', 'ndob', 1, 0)], VARIES, {
    lenName: 'NUMBER OF LOGICAL BLOCKS',
    medium: true,
    clause: SBC4.WRITE_SAME_16,
  }),
  {
    op: Op.WRITE_ATOMIC_16,
    name: 'WRITE ATOMIC(16)',
    length: 16,
    fields: [lba(2, 8), blocks(12, 2), ...writeFlags, bytes('ATOMIC BOUNDARY', 'atomicBoundary', 10, 2, { label: 'BOUNDARY' }), group(14)],
    transfer: writeOut,
    medium: true,
    clause: SBC4.WRITE_ATOMIC_16,
  },
  SAI16,
  {
    ...SAI16,
    serviceActions: undefined,
    sa: SaIn16.READ_CAPACITY_16,
    name: 'READ CAPACITY(16)',
    // the LOGICAL BLOCK ADDRESS and PMI are obsolete (SBC-4 5.21)
    fields: [bytes('LBA', undefined, 2, 8, { obsolete: true }), alloc(10, 4, 32), obsolete(14, 0)],
    mandatory: 'sinceSbc3',
    clause: SBC4.READ_CAPACITY_16,
  },
  {
    ...SAI16,
    serviceActions: undefined,
    sa: SaIn16.GET_LBA_STATUS,
    name: 'GET LBA STATUS',
    fields: [
      bytes('STARTING LOGICAL BLOCK ADDRESS', 'lba', 2, 8, { label: 'LBA', show: ALWAYS }),
      alloc(10, 4, 4096),
      bytes('REPORT TYPE', 'reportType', 14, 1, { label: 'REPORT_TYPE' }),
    ],
    clause: SBC4.GET_LBA_STATUS_16,
  },
  ...named(SAI16, { 0x11: 'READ LONG(16)', 0x13: 'REPORT REFERRALS' }),
  SAO16,
  lbaCommand(Op.READ_12, 'READ(12)', 12, [...readFlags, obsolete(1, 1), obsolete(1, 0)], readIn, { clause: SBC4.READ_12 }),
  lbaCommand(Op.WRITE_12, 'WRITE(12)', 12, [...writeFlags, obsolete(1, 1), obsolete(1, 0)], writeOut, {
    medium: true,
    storesData: true,
    clause: SBC4.WRITE_12,
  }),
  lbaCommand(Op.WRITE_AND_VERIFY_12, 'WRITE AND VERIFY(12)', 12, [...verifyFlags('WRPROTECT', 'wrprotect'), obsolete(1, 0)], writeOut, {
    medium: true,
    storesData: true,
    clause: SBC4.WRITE_AND_VERIFY_12,
  }),
  lbaCommand(Op.VERIFY_12, 'VERIFY(12)', 12, [...verifyFlags('VRPROTECT', 'vrprotect'), obsolete(1, 0), mmc6(10)], VARIES, {
    lenName: 'VERIFICATION LENGTH',
    clause: SBC4.VERIFY_12,
  }),
  {
    op: Op.READ_DEFECT_DATA_12,
    name: 'READ DEFECT DATA(12)',
    length: 12,
    fields: [...defectFields(1), bytes('ADDRESS DESCRIPTOR INDEX', 'addressDescriptorIndex', 2, 4, { label: 'INDEX' }), alloc(6, 4)],
    transfer: allocIn,
    clause: SBC4.READ_DEFECT_DATA_12,
  },

  // --- named only (reports, and the harness's check that a test sending them declared dataloss) ---------------
  nameOnly(0x01, 'REZERO UNIT'),
  { ...nameOnly(0x04, 'FORMAT UNIT', true), clause: SBC4.FORMAT_UNIT },
  { ...nameOnly(0x07, 'REASSIGN BLOCKS', true), clause: SBC4.REASSIGN_BLOCKS },
  nameOnly(0x0b, 'SEEK(6)'),
  nameOnly(0x1c, 'RECEIVE DIAGNOSTIC RESULTS'),
  nameOnly(0x1d, 'SEND DIAGNOSTIC'),
  nameOnly(0x2b, 'SEEK(10)'),
  nameOnly(0x3b, 'WRITE BUFFER', true),
  nameOnly(0x3c, 'READ BUFFER'),
  nameOnly(0x3e, 'READ LONG(10)'),
  { ...nameOnly(0x3f, 'WRITE LONG(10)', true), clause: SBC4.WRITE_LONG_10 },
  nameOnly(0x4c, 'LOG SELECT'),
  nameOnly(0x4d, 'LOG SENSE'),
  nameOnly(0x56, 'RESERVE(10)'),
  nameOnly(0x57, 'RELEASE(10)'),
  // variable length: WRITE (32) and its kin among them
  nameOnly(0x7f, 'VARIABLE LENGTH', true),
  nameOnly(0x86, 'ACCESS CONTROL IN'),
  nameOnly(0x87, 'ACCESS CONTROL OUT'),
  nameOnly(0x8c, 'READ ATTRIBUTE'),
  nameOnly(0x8d, 'WRITE ATTRIBUTE'),
  nameOnly(0xa2, 'SECURITY PROTOCOL IN'),
  nameOnly(0xb5, 'SECURITY PROTOCOL OUT'),
];
