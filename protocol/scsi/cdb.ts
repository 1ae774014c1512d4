/**
 * CDB builders, and the data-out parameter lists that go with them. Each builder is its command's
 * catalogue entry (catalogue.ts) put through `encodeCdb`: it returns a new Buffer of the command's length
 * and checks that each value fits its field (`E_RANGE` otherwise); it does not judge whether a value that
 * fits is sensible, so that negative tests can send reserved codes. Options a CDB does not have are
 * rejected rather than silently dropped. Every builder takes `control` (the CONTROL byte, SAM-5 5.2,
 * default 0). `describeCdb` and `decodeCdb` are in cdbcodec.ts.
 */
import { rangeError } from '../errors.js';
import { catalogueEntry, encodeCdb, type CdbOptions } from './cdbcodec.js';
import { MaintIn, Op, SaIn16 } from './opcodes.js';
import { bit, optUint, putBE, uint, uintBig, type U64 } from './util.js';

/** Options every builder accepts. */
export interface CdbCommon {
  /** CONTROL byte (NACA bit 2), default 0. */
  control?: number;
}

/** The CDB of the catalogue entry for `op` (and `sa`), from builder options. */
function build(op: number, o: object, sa?: number, ctx?: string): Buffer {
  const entry = catalogueEntry(op, sa)!;
  return encodeCdb(entry, o as CdbOptions, ctx ?? entry.name, sa);
}

/** Commands whose service action is an option: the SERVICE ACTION checked, then the service action's own CDB. */
function buildSa(op: number, ctx: string, o: { sa: number }): Buffer {
  const { sa, ...rest } = o;
  uint(ctx, 'SERVICE ACTION', sa, 5);
  return build(op, rest, sa, ctx);
}

/** SPC-5 TEST UNIT READY. */
export const testUnitReady = (o: CdbCommon = {}): Buffer => build(Op.TEST_UNIT_READY, o);

/** SPC-5 REQUEST SENSE: DESC asks for descriptor format; ALLOCATION LENGTH defaults to 252. */
export const requestSense = (o: { desc?: boolean; alloc?: number } & CdbCommon = {}): Buffer => build(Op.REQUEST_SENSE, o);

/** SPC-5 6.7 INQUIRY: EVPD with PAGE CODE selects a VPD page; ALLOCATION LENGTH (16 bits) defaults to 255. */
export const inquiry = (o: { evpd?: boolean; page?: number; alloc?: number } & CdbCommon = {}): Buffer => build(Op.INQUIRY, o);

/** SBC-4 5.20 READ CAPACITY (10) (the obsolete LBA and PMI fields stay zero). */
export const readCapacity10 = (o: CdbCommon = {}): Buffer => build(Op.READ_CAPACITY_10, o);

/** SBC-4 5.21 READ CAPACITY (16): SERVICE ACTION IN (16) / 10h; ALLOCATION LENGTH defaults to 32. */
export const readCapacity16 = (o: { alloc?: number } & CdbCommon = {}): Buffer => build(Op.SERVICE_ACTION_IN_16, o, SaIn16.READ_CAPACITY_16);

/** Options of READ (6/10/12/16). */
export interface ReadOptions extends CdbCommon {
  lba: U64;
  /** TRANSFER LENGTH in logical blocks; READ(6) takes 1..256 (256 is sent as 0). */
  blocks: number;
  dpo?: boolean;
  fua?: boolean;
  rdprotect?: number;
  /** RARC (rebuild assist recovery control, SBC-4 4.19). */
  rarc?: boolean;
  group?: number;
}

/** Options of WRITE (6/10/12/16). */
export interface WriteOptions extends CdbCommon {
  lba: U64;
  /** TRANSFER LENGTH in logical blocks; WRITE(6) takes 1..256 (256 is sent as 0). */
  blocks: number;
  dpo?: boolean;
  fua?: boolean;
  wrprotect?: number;
  group?: number;
}

/** SBC-3 READ (6): 21-bit LBA, 1..256 blocks, no flags. */
export const read6 = (o: ReadOptions): Buffer => build(Op.READ_6, o);
/** SBC-4 5.16 READ (10). */
export const read10 = (o: ReadOptions): Buffer => build(Op.READ_10, o);
/** SBC-4 5.17 READ (12). */
export const read12 = (o: ReadOptions): Buffer => build(Op.READ_12, o);
/** SBC-4 5.18 READ (16). */
export const read16 = (o: ReadOptions): Buffer => build(Op.READ_16, o);

/** SBC-3 WRITE (6): 21-bit LBA, 1..256 blocks, no flags. */
export const write6 = (o: WriteOptions): Buffer => build(Op.WRITE_6, o);
/** SBC-4 5.40 WRITE (10). */
export const write10 = (o: WriteOptions): Buffer => build(Op.WRITE_10, o);
/** SBC-4 5.41 WRITE (12). */
export const write12 = (o: WriteOptions): Buffer => build(Op.WRITE_12, o);
/** SBC-4 5.42 WRITE (16). */
export const write16 = (o: WriteOptions): Buffer => build(Op.WRITE_16, o);

/** Options of VERIFY (10/12/16). */
export interface VerifyOptions extends CdbCommon {
  lba: U64;
  /** VERIFICATION LENGTH in logical blocks. */
  blocks: number;
  /** BYTCHK 0..3 (SBC-4 5.36). */
  bytchk?: number;
  vrprotect?: number;
  dpo?: boolean;
  group?: number;
}

/** SBC-4 5.36 VERIFY (10). */
export const verify10 = (o: VerifyOptions): Buffer => build(Op.VERIFY_10, o);
/** SBC-4 5.37 VERIFY (12). */
export const verify12 = (o: VerifyOptions): Buffer => build(Op.VERIFY_12, o);
/** SBC-4 5.38 VERIFY (16). */
export const verify16 = (o: VerifyOptions): Buffer => build(Op.VERIFY_16, o);

/** Options of WRITE AND VERIFY (10/12/16). */
export interface WriteVerifyOptions extends CdbCommon {
  lba: U64;
  blocks: number;
  /** BYTCHK 0..3 (SBC-4 5.44). */
  bytchk?: number;
  wrprotect?: number;
  dpo?: boolean;
  group?: number;
}

/** SBC-4 5.44 WRITE AND VERIFY (10). */
export const writeVerify10 = (o: WriteVerifyOptions): Buffer => build(Op.WRITE_AND_VERIFY_10, o);
/** SBC-4 5.45 WRITE AND VERIFY (12). */
export const writeVerify12 = (o: WriteVerifyOptions): Buffer => build(Op.WRITE_AND_VERIFY_12, o);
/** SBC-4 5.46 WRITE AND VERIFY (16). */
export const writeVerify16 = (o: WriteVerifyOptions): Buffer => build(Op.WRITE_AND_VERIFY_16, o);

/** Options of WRITE SAME (10/16). */
export interface WriteSameOptions extends CdbCommon {
  lba: U64;
  /** NUMBER OF LOGICAL BLOCKS (0 asks for all blocks to the end of the medium, SBC-4 5.53). */
  blocks: number;
  unmap?: boolean;
  anchor?: boolean;
  /** NDOB (no data-out buffer): WRITE SAME (16) only. */
  ndob?: boolean;
  wrprotect?: number;
  group?: number;
}

/** SBC-4 5.52 WRITE SAME (10). */
export const writeSame10 = (o: WriteSameOptions): Buffer => build(Op.WRITE_SAME_10, o);
/** SBC-4 5.53 WRITE SAME (16). */
export const writeSame16 = (o: WriteSameOptions): Buffer => build(Op.WRITE_SAME_16, o);

/** SBC-4 5.35 UNMAP: PARAMETER LIST LENGTH (16 bits) of the list made by `unmapParameterList`. */
export const unmap = (o: { anchor?: boolean; group?: number; paramLen: number } & CdbCommon): Buffer => build(Op.UNMAP, o);

/** SBC-4 5.3 COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS is 8 bits; the data-out is 2 × blocks. */
export const compareAndWrite = (o: WriteOptions): Buffer => build(Op.COMPARE_AND_WRITE, o);

/**
 * SBC-4 5.10 ORWRITE (16). BMOP and PREVIOUS GENERATION PROCESSING exist only in ORWRITE (32) (SBC-4 5.11);
 * they are accepted here only as 0 so that a caller cannot believe they were sent.
 */
export function orWrite16(
  o: {
    lba: U64;
    blocks: number;
    dpo?: boolean;
    fua?: boolean;
    orprotect?: number;
    group?: number;
    bmop?: number;
    previousGenerationProcessing?: number;
  } & CdbCommon,
): Buffer {
  const ctx = 'ORWRITE(16)';
  const { bmop, previousGenerationProcessing, ...rest } = o;
  if (bmop) throw rangeError(`${ctx}: BMOP ${bmop} cannot be sent: only ORWRITE(32) has a BMOP field`);
  if (previousGenerationProcessing) throw rangeError(`${ctx}: PREVIOUS GENERATION PROCESSING cannot be sent: only ORWRITE(32) has that field`);
  return build(Op.ORWRITE_16, rest);
}

/** SBC-4 5.48 WRITE ATOMIC (16): 16-bit NUMBER OF LOGICAL BLOCKS at bytes 12-13, ATOMIC BOUNDARY at 10-11. */
export const writeAtomic16 = (o: WriteOptions & { atomicBoundary?: number }): Buffer => build(Op.WRITE_ATOMIC_16, o);

/** Options of PRE-FETCH (10/16). */
export interface PreFetchOptions extends CdbCommon {
  lba: U64;
  /** PREFETCH LENGTH in logical blocks. */
  blocks: number;
  immed?: boolean;
  group?: number;
}
/** SBC-4 5.13 PRE-FETCH (10). */
export const preFetch10 = (o: PreFetchOptions): Buffer => build(Op.PRE_FETCH_10, o);
/** SBC-4 5.14 PRE-FETCH (16). */
export const preFetch16 = (o: PreFetchOptions): Buffer => build(Op.PRE_FETCH_16, o);

/** Options of SYNCHRONIZE CACHE (10/16): LBA and NUMBER OF LOGICAL BLOCKS default to 0 (the whole medium). */
export interface SyncCacheOptions extends CdbCommon {
  lba?: U64;
  blocks?: number;
  immed?: boolean;
  group?: number;
}
/** SBC-4 5.33 SYNCHRONIZE CACHE (10). */
export const synchronizeCache10 = (o: SyncCacheOptions = {}): Buffer => build(Op.SYNCHRONIZE_CACHE_10, o);
/** SBC-4 5.34 SYNCHRONIZE CACHE (16). */
export const synchronizeCache16 = (o: SyncCacheOptions = {}): Buffer => build(Op.SYNCHRONIZE_CACHE_16, o);

/**
 * SBC-4 5.6 GET LBA STATUS (16): SERVICE ACTION IN (16) / 12h; ALLOCATION LENGTH defaults to 4096, REPORT TYPE
 * (byte 14) to 0 (all LBAs).
 */
export const getLbaStatus = (o: { lba: U64; alloc?: number; reportType?: number } & CdbCommon): Buffer =>
  build(Op.SERVICE_ACTION_IN_16, o, SaIn16.GET_LBA_STATUS);

/** Common MODE SENSE options. `pc`: 0 current, 1 changeable, 2 default, 3 saved. */
export interface ModeSenseOptions extends CdbCommon {
  dbd?: boolean;
  pc?: number;
  page: number;
  subpage?: number;
  alloc?: number;
}
/** SPC-5 6.14 MODE SENSE (6): ALLOCATION LENGTH defaults to 255. */
export const modeSense6 = (o: ModeSenseOptions): Buffer => build(Op.MODE_SENSE_6, o);
/** SPC-5 6.15 MODE SENSE (10): LLBAA allows long LBA block descriptors; ALLOCATION LENGTH defaults to 4096. */
export const modeSense10 = (o: ModeSenseOptions & { llbaa?: boolean }): Buffer => build(Op.MODE_SENSE_10, o);

/** MODE SELECT options: PF (page format) defaults to true; SP saves the pages; RTD reverts to the defaults. */
export interface ModeSelectOptions extends CdbCommon {
  pf?: boolean;
  rtd?: boolean;
  sp?: boolean;
  paramLen: number;
}
/** SPC-5 6.12 MODE SELECT (6). */
export const modeSelect6 = (o: ModeSelectOptions): Buffer => build(Op.MODE_SELECT_6, o);
/** SPC-5 6.13 MODE SELECT (10). */
export const modeSelect10 = (o: ModeSelectOptions): Buffer => build(Op.MODE_SELECT_10, o);

/** SPC-5 REPORT LUNS: SELECT REPORT defaults to 0; ALLOCATION LENGTH to 4096. */
export const reportLuns = (o: { select?: number; alloc?: number } & CdbCommon = {}): Buffer => build(Op.REPORT_LUNS, o);

/**
 * SPC-5 REPORT SUPPORTED OPERATION CODES (MAINTENANCE IN / 0Ch). REPORTING OPTIONS default to 000b
 * (all commands) without `op`, 001b with `op`, 010b with `op` and `sa`; ALLOCATION LENGTH to 8192.
 */
export function reportSupportedOperationCodes(o: { rctd?: boolean; options?: number; op?: number; sa?: number; alloc?: number } & CdbCommon = {}): Buffer {
  const options = o.options ?? (o.op === undefined ? 0 : o.sa === undefined ? 1 : 2);
  return build(Op.MAINTENANCE_IN, { ...o, options }, MaintIn.REPORT_SUPPORTED_OPERATION_CODES);
}

/** SPC-5 REPORT TARGET PORT GROUPS (MAINTENANCE IN / 0Ah); `extended` asks for PARAMETER DATA FORMAT 001b. */
export function reportTargetPortGroups(o: { alloc?: number; extended?: boolean } & CdbCommon = {}): Buffer {
  const { extended, ...rest } = o;
  return build(Op.MAINTENANCE_IN, { ...rest, format: bit(extended) }, MaintIn.REPORT_TARGET_PORT_GROUPS);
}

/** SPC-5 6.16 PERSISTENT RESERVE IN: service action (`PrInSa`), ALLOCATION LENGTH (16 bits) defaults to 4096. */
export const persistentReserveIn = (o: { sa: number; alloc?: number } & CdbCommon): Buffer => buildSa(Op.PERSISTENT_RESERVE_IN, 'PERSISTENT RESERVE IN', o);

/** SPC-5 6.17 PERSISTENT RESERVE OUT: service action (`PrOutSa`), SCOPE, TYPE; PARAMETER LIST LENGTH defaults to 24. */
export const persistentReserveOut = (o: { sa: number; scope?: number; type?: number; paramLen?: number } & CdbCommon): Buffer =>
  buildSa(Op.PERSISTENT_RESERVE_OUT, 'PERSISTENT RESERVE OUT', o);

/** SPC-2 RESERVE (6) (obsolete in SPC-3 and later, still answered by many targets). */
export const reserve6 = (o: CdbCommon = {}): Buffer => build(Op.RESERVE_6, o);
/** SPC-2 RELEASE (6) (obsolete in SPC-3 and later). */
export const release6 = (o: CdbCommon = {}): Buffer => build(Op.RELEASE_6, o);

/** SBC-4 5.31 START STOP UNIT. START defaults to true (a bare call starts the unit). */
export const startStopUnit = (
  o: { immed?: boolean; powerConditionModifier?: number; powerCondition?: number; noFlush?: boolean; loej?: boolean; start?: boolean } & CdbCommon = {},
): Buffer => build(Op.START_STOP_UNIT, o);

/** SBC-4 5.15 PREVENT ALLOW MEDIUM REMOVAL: `prevent` true is 01b; a number gives the 2-bit field. */
export const preventAllowMediumRemoval = (o: { prevent: boolean | number } & CdbCommon): Buffer => build(Op.PREVENT_ALLOW_MEDIUM_REMOVAL, o);

/** SBC-4 5.30 SANITIZE: service action (`SanitizeSa`), IMMED, AUSE; PARAMETER LIST LENGTH defaults to 0. */
export const sanitize = (o: { sa: number; immed?: boolean; ause?: boolean; paramLen?: number } & CdbCommon): Buffer => buildSa(Op.SANITIZE, 'SANITIZE', o);

/**
 * SPC-4 6.4 EXTENDED COPY (LID1): opcode 83h, service action 00h, PARAMETER LIST LENGTH at bytes 10-13.
 * The LIST IDENTIFIER of LID1 is byte 0 of the parameter list, not a CDB field: give it to
 * `extendedCopyParameterList`; a `listIdentifier` here is rejected so that it is never silently lost.
 */
export function extendedCopy(o: { paramLen: number; listIdentifier?: number } & CdbCommon): Buffer {
  const { listIdentifier, ...rest } = o;
  if (listIdentifier !== undefined) {
    throw rangeError('EXTENDED COPY(LID1): LIST IDENTIFIER is byte 0 of the parameter list, not a CDB field; pass it to extendedCopyParameterList');
  }
  return build(Op.EXTENDED_COPY, rest, 0x00);
}

/**
 * SPC-4 6.18 RECEIVE COPY RESULTS (opcode 84h): `sa` from `ReceiveCopySa`. LID1 service actions carry an
 * 8-bit LIST IDENTIFIER at byte 2, LID4 ones (05h..07h) a 32-bit one at bytes 2-5; OPERATING PARAMETERS and
 * REPORT ALL ROD TOKENS have none.
 */
export const receiveCopyResults = (o: { sa: number; listId?: number; alloc: number } & CdbCommon): Buffer =>
  buildSa(Op.RECEIVE_COPY_RESULTS, 'RECEIVE COPY RESULTS', o);

/** Options of READ DEFECT DATA (10/12): DEFECT LIST FORMAT 0..7. */
export interface ReadDefectOptions extends CdbCommon {
  reqPlist?: boolean;
  reqGlist?: boolean;
  format?: number;
  alloc: number;
}
/** SBC-4 5.22 READ DEFECT DATA (10): ALLOCATION LENGTH is 16 bits. */
export const readDefectData10 = (o: ReadDefectOptions): Buffer => build(Op.READ_DEFECT_DATA_10, o);
/** SBC-4 5.23 READ DEFECT DATA (12): ADDRESS DESCRIPTOR INDEX at bytes 2-5, 32-bit ALLOCATION LENGTH. */
export const readDefectData12 = (o: ReadDefectOptions & { addressDescriptorIndex?: number }): Buffer => build(Op.READ_DEFECT_DATA_12, o);

// --- Data-Out parameter lists ----------------------------------------------------------------------------------

/** SBC-4 5.35.2 UNMAP parameter list: 8-byte header and one 16-byte block descriptor per range. */
export function unmapParameterList(descs: { lba: U64; blocks: number }[]): Buffer {
  const ctx = 'UNMAP parameter list';
  const total = 8 + 16 * descs.length;
  if (total - 2 > 0xffff) throw rangeError(`${ctx}: ${descs.length} block descriptors do not fit UNMAP DATA LENGTH`);
  const b = Buffer.alloc(total);
  b.writeUInt16BE(total - 2, 0);
  b.writeUInt16BE(total - 8, 2);
  descs.forEach((d, i) => {
    putBE(b, 8 + 16 * i, 8, uintBig(ctx, `descriptor ${i} LBA`, d.lba, 64));
    b.writeUInt32BE(uint(ctx, `descriptor ${i} NUMBER OF LOGICAL BLOCKS`, d.blocks, 32), 16 + 16 * i);
  });
  return b;
}

/**
 * SPC-5 6.17 PERSISTENT RESERVE OUT basic parameter list (24 bytes). When `transportIds` is given (even
 * empty) the TRANSPORTID PARAMETER DATA LENGTH and the TransportIDs follow (for SPEC_I_PT); SPEC_I_PT
 * itself is only set when asked, so that inconsistent lists can be sent on purpose.
 */
export function proutParameterList(o: { key: U64; saKey: U64; spec_i_pt?: boolean; allTgPt?: boolean; aptpl?: boolean; transportIds?: Buffer[] }): Buffer {
  const ctx = 'PERSISTENT RESERVE OUT parameter list';
  const b = Buffer.alloc(24);
  putBE(b, 0, 8, uintBig(ctx, 'RESERVATION KEY', o.key, 64));
  putBE(b, 8, 8, uintBig(ctx, 'SERVICE ACTION RESERVATION KEY', o.saKey, 64));
  b[20] = (bit(o.spec_i_pt) << 3) | (bit(o.allTgPt) << 2) | bit(o.aptpl);
  if (o.transportIds === undefined) return b;
  const ids = Buffer.concat(o.transportIds);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(ids.length, 0);
  return Buffer.concat([b, len, ids]);
}

/** SPC-5 6.17 PERSISTENT RESERVE OUT parameter list for REGISTER AND MOVE. */
export function proutRegisterAndMoveParameterList(o: {
  key: U64;
  saKey: U64;
  unreg?: boolean;
  aptpl?: boolean;
  relativeTargetPortId: number;
  transportId: Buffer;
}): Buffer {
  const ctx = 'REGISTER AND MOVE parameter list';
  const b = Buffer.alloc(24);
  putBE(b, 0, 8, uintBig(ctx, 'RESERVATION KEY', o.key, 64));
  putBE(b, 8, 8, uintBig(ctx, 'SERVICE ACTION RESERVATION KEY', o.saKey, 64));
  b[17] = (bit(o.unreg) << 1) | bit(o.aptpl);
  b.writeUInt16BE(uint(ctx, 'RELATIVE TARGET PORT IDENTIFIER', o.relativeTargetPortId, 16), 18);
  b.writeUInt32BE(o.transportId.length, 20);
  return Buffer.concat([b, o.transportId]);
}

/** SBC-4 5.30 SANITIZE OVERWRITE parameter list: INVERT, TEST, OVERWRITE COUNT and the pattern. */
export function sanitizeOverwriteParameterList(o: { invert?: boolean; testPattern?: number; count: number; pattern: Buffer }): Buffer {
  const ctx = 'SANITIZE OVERWRITE parameter list';
  const test = optUint(ctx, 'TEST', o.testPattern, 2);
  const count = uint(ctx, 'OVERWRITE COUNT', o.count, 5);
  const plen = uint(ctx, 'INITIALIZATION PATTERN LENGTH', o.pattern.length, 16);
  const b = Buffer.alloc(4);
  b[0] = (bit(o.invert) << 7) | (test << 5) | count;
  b.writeUInt16BE(plen, 2);
  return Buffer.concat([b, o.pattern]);
}

/**
 * SPC-4 6.4.3.1 EXTENDED COPY (LID1) parameter list: 16-byte header (LIST IDENTIFIER, STR, LIST ID USAGE,
 * PRIORITY and the three lengths) followed by the CSCD descriptors, segment descriptors and inline data as
 * given (already encoded).
 */
export function extendedCopyParameterList(o: {
  listIdentifier: number;
  str?: boolean;
  listIdUsage?: number;
  priority?: number;
  cscdDescriptors: Buffer[];
  segmentDescriptors: Buffer[];
  inlineData?: Buffer;
}): Buffer {
  const ctx = 'EXTENDED COPY parameter list';
  const cscd = Buffer.concat(o.cscdDescriptors);
  const seg = Buffer.concat(o.segmentDescriptors);
  const inline = o.inlineData ?? Buffer.alloc(0);
  const h = Buffer.alloc(16);
  h[0] = uint(ctx, 'LIST IDENTIFIER', o.listIdentifier, 8);
  h[1] = (bit(o.str) << 5) | (optUint(ctx, 'LIST ID USAGE', o.listIdUsage, 2) << 3) | optUint(ctx, 'PRIORITY', o.priority, 3);
  h.writeUInt16BE(uint(ctx, 'CSCD DESCRIPTOR LIST LENGTH', cscd.length, 16), 2);
  h.writeUInt32BE(uint(ctx, 'SEGMENT DESCRIPTOR LIST LENGTH', seg.length, 32), 8);
  h.writeUInt32BE(uint(ctx, 'INLINE DATA LENGTH', inline.length, 32), 12);
  return Buffer.concat([h, cscd, seg, inline]);
}
