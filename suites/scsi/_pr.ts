/**
 * Shared pieces of the persistent reservation suites (PrinReadKeys, PrinReportCapabilities,
 * PrinServiceactionRange, PrinReadFullStatus, ProutRegister, ProutReserve, ProutClear, ProutPreempt): the
 * keys the tests register, the six reservation types with what each lets another I_T nexus do (SPC-5
 * reservations; SBC-4 4.17 table 13), and the command classes of the conflict tables.
 */
import {
  GOOD,
  INVALID_FIELD_IN_CDB,
  RESERVATION_CONFLICT,
  expectConflict,
  keepReservationsClean,
  opcode,
  prReadKeys,
  prRegister,
  scsi,
  type Expected,
  type Need,
  type Session,
  type TestContext,
} from '../../harness/api.js';

/** Keys of the first and second I_T nexus, and of a third; distinct from the harness's clean-up key. */
export const K1 = 0x1515_7e57_0000_0001n;
export const K2 = 0x1515_7e57_0000_0002n;
export const K3 = 0x1515_7e57_0000_0003n;

export const PR_OUT: Need = opcode(scsi.Op.PERSISTENT_RESERVE_OUT);
export const PR_IN: Need = opcode(scsi.Op.PERSISTENT_RESERVE_IN);

export interface PrTypeInfo {
  /** TYPE code. */
  code: number;
  /** libiscsi's short name: WE, EA, WERO, EARO, WEAR, EAAR. */
  short: string;
  name: string;
  /** Exclusive Access family: reads from a nexus without access conflict too. */
  exclusiveAccess: boolean;
  /** Registrants-only or all-registrants: every registered nexus has access. */
  registrants: boolean;
  /** All-registrants: every registrant is a holder, and the reservation outlives its creator's registration. */
  allRegistrants: boolean;
}

const T = scsi.PrType;
export const PR_TYPES: readonly PrTypeInfo[] = [
  { code: T.WRITE_EXCLUSIVE, short: 'WE', name: 'WRITE EXCLUSIVE', exclusiveAccess: false, registrants: false, allRegistrants: false },
  { code: T.EXCLUSIVE_ACCESS, short: 'EA', name: 'EXCLUSIVE ACCESS', exclusiveAccess: true, registrants: false, allRegistrants: false },
  {
    code: T.WRITE_EXCLUSIVE_REGISTRANTS_ONLY,
    short: 'WERO',
    name: 'WRITE EXCLUSIVE - REGISTRANTS ONLY',
    exclusiveAccess: false,
    registrants: true,
    allRegistrants: false,
  },
  {
    code: T.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY,
    short: 'EARO',
    name: 'EXCLUSIVE ACCESS - REGISTRANTS ONLY',
    exclusiveAccess: true,
    registrants: true,
    allRegistrants: false,
  },
  {
    code: T.WRITE_EXCLUSIVE_ALL_REGISTRANTS,
    short: 'WEAR',
    name: 'WRITE EXCLUSIVE - ALL REGISTRANTS',
    exclusiveAccess: false,
    registrants: true,
    allRegistrants: true,
  },
  {
    code: T.EXCLUSIVE_ACCESS_ALL_REGISTRANTS,
    short: 'EAAR',
    name: 'EXCLUSIVE ACCESS - ALL REGISTRANTS',
    exclusiveAccess: true,
    registrants: true,
    allRegistrants: true,
  },
];

/**
 * The types the capability mask of REPORT CAPABILITIES leaves out (TMV=1 and the bit clear) skip the test: a type is optional, and a
 * test that needs one is not where its absence is judged. REPORT CAPABILITIES refused (PrinReportCapabilities checks it): no mask, go on.
 */
export async function requireType(t: TestContext, ...types: PrTypeInfo[]): Promise<void> {
  const r = await t.command(scsi.persistentReserveIn({ sa: scsi.PrInSa.REPORT_CAPABILITIES, alloc: 8 }), { expect: [GOOD, INVALID_FIELD_IN_CDB] });
  if (r.status !== scsi.ScsiStatus.GOOD) return t.log('REPORT CAPABILITIES refused: the supported reservation types are not known');
  const caps = scsi.parseReportCapabilities(r.data);
  for (const ty of types)
    if (caps.tmv && caps.types && !caps.types.includes(ty.code))
      t.skip(`the target does not support reservation type ${ty.name} (REPORT CAPABILITIES type mask)`);
}

/** PRgeneration now (READ KEYS). */
export async function generation(t: TestContext, s?: Session): Promise<number> {
  return (await prReadKeys(t, s ? { session: s } : {})).generation;
}

/** Fail unless READ KEYS lists exactly these keys (in any order). */
export async function expectKeys(t: TestContext, want: readonly bigint[], what: string, s?: Session): Promise<scsi.PrReadKeys> {
  const k = await prReadKeys(t, s ? { session: s } : {});
  const hex = (l: readonly bigint[]) =>
    l.length
      ? [...l]
          .map((x) => `0x${x.toString(16)}`)
          .sort()
          .join(', ')
      : 'none';
  t.equal(hex(k.keys), hex(want), `${what}: registered keys (READ KEYS)`);
  return k;
}

/** The two nexuses each registered (K1 on the first, K2 on the second), and the clean-up declared. */
export async function registerBoth(t: TestContext): Promise<[Session, Session]> {
  keepReservationsClean(t);
  const [a, b] = [t.session, t.session2];
  await prRegister(t, K1, { session: a });
  await prRegister(t, K2, { session: b });
  return [a, b];
}

// --- the conflict table -----------------------------------------------------------------------------------------

/** What a command from a nexus that does not hold the reservation gets. */
type Access = 'allowed' | 'conflict' | 'either';

export interface CommandClass {
  name: string;
  cdb: (t: TestContext) => Buffer;
  /** Data-Out, for writes. */
  dataOut?: (t: TestContext) => Buffer;
  /**
   * Its row of the table (SPC-5 reservations, commands allowed in the presence of various reservations;
   * SBC-4 4.17 table 13), for a nexus without registrants' access; `allowCommands` is REPORT CAPABILITIES'
   * ALLOW COMMANDS (TEST UNIT READY's row depends on it).
   */
  access: (ty: PrTypeInfo, allowCommands: number) => Access;
  needsWrite?: boolean;
}

const always = (): Access => 'allowed';
const readLike = (ty: PrTypeInfo): Access => (ty.exclusiveAccess ? 'conflict' : 'allowed');
const writeLike = (): Access => 'conflict';

export const COMMAND_CLASSES: readonly CommandClass[] = [
  { name: 'INQUIRY', cdb: () => scsi.inquiry({ alloc: 96 }), access: always },
  { name: 'REPORT LUNS', cdb: () => scsi.reportLuns({ alloc: 256 }), access: always },
  { name: 'REQUEST SENSE', cdb: () => scsi.requestSense({ alloc: 252 }), access: always },
  { name: 'READ CAPACITY(10)', cdb: () => scsi.readCapacity10(), access: always },
  { name: 'PERSISTENT RESERVE IN READ KEYS', cdb: () => scsi.persistentReserveIn({ sa: scsi.PrInSa.READ_KEYS, alloc: 1024 }), access: always },
  // ALLOW COMMANDS 001b or more: TEST UNIT READY is allowed through Exclusive Access too (SPC-5 6.16 REPORT CAPABILITIES)
  { name: 'TEST UNIT READY', cdb: () => scsi.testUnitReady(), access: (ty, ac) => (!ty.exclusiveAccess || ac >= 1 ? 'allowed' : 'either') },
  { name: 'MODE SENSE(6)', cdb: () => scsi.modeSense6({ page: 0x3f, alloc: 255 }), access: readLike },
  { name: 'READ(10)', cdb: () => scsi.read10({ lba: 0, blocks: 1 }), access: readLike },
  { name: 'WRITE(10)', cdb: () => scsi.write10({ lba: 1, blocks: 1 }), dataOut: (t) => t.pattern(1, 1), access: writeLike, needsWrite: true },
  { name: 'SYNCHRONIZE CACHE(10)', cdb: () => scsi.synchronizeCache10(), access: writeLike },
];

/** The expectation of one row, for a nexus that is (`registered`) or is not a registrant. */
export function expectedFor(c: CommandClass, ty: PrTypeInfo, registered: boolean, allowCommands: number): Expected {
  const a = registered && ty.registrants ? 'allowed' : c.access(ty, allowCommands);
  return a === 'allowed' ? GOOD : a === 'conflict' ? RESERVATION_CONFLICT : [GOOD, RESERVATION_CONFLICT];
}

/**
 * Send `cdb` on `s`, a command the reservation table lists as allowed. SPC's key to that table: "allowed: Commands received from I_T
 * nexuses not holding the reservation ... should complete normally", and "Commands from I_T nexuses holding a reservation should complete
 * normally": RESERVATION CONFLICT is a SHOULD-level warning here; only "conflict" is a "shall". Any other answer than GOOD fails.
 */
export async function expectAllowed(t: TestContext, s: Session, cdb: Buffer, o: { what: string; dataOut?: Buffer }): Promise<void> {
  const r = await t.command(cdb, { ...o, session: s, expect: [GOOD, RESERVATION_CONFLICT] });
  t.should(r.status === scsi.ScsiStatus.GOOD, `${o.what}: RESERVATION CONFLICT, though the reservation table lists the command as allowed`);
}

/** Read and write LBA 0 from `s`, each expecting access (SHOULD) or conflict (MUST). */
export async function readWrite(t: TestContext, s: Session, read: boolean, write: boolean, who: string): Promise<void> {
  const r = scsi.read10({ lba: 0, blocks: 1 });
  const w = scsi.write10({ lba: 0, blocks: 1 });
  if (read) await expectAllowed(t, s, r, { what: `READ(10) LBA=0 LEN=1 from ${who}` });
  else await expectConflict(t, s, r, { what: `READ(10) LBA=0 LEN=1 from ${who}` });
  if (write) await expectAllowed(t, s, w, { what: `WRITE(10) LBA=0 LEN=1 from ${who}` });
  else await expectConflict(t, s, w, { what: `WRITE(10) LBA=0 LEN=1 from ${who}` });
}
