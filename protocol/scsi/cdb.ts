/**
 * CDB builders, data-out parameter lists that go with them, and `describeCdb` for failure messages.
 *
 * Every builder returns a new Buffer of the command's length and checks that each value fits its field
 * (`E_RANGE` otherwise); it does not judge whether a value that fits is sensible, so that negative tests can
 * send reserved codes. Options a CDB does not have are rejected rather than silently dropped. Every builder
 * takes `control` (the CONTROL byte, SAM-5 5.2, default 0).
 */
import { rangeError } from '../errors.js';
import { cdbLength, MaintIn, Op, opcodeHasServiceAction, opcodeName, SaIn16 } from './opcodes.js';
import { bit, hex, hexBytes, noField, optUint, putBE, uint, uintBig, type U64 } from './util.js';

/** Options every builder accepts. */
export interface CdbCommon {
  /** CONTROL byte (NACA bit 2), default 0. */
  control?: number;
}

function make(ctx: string, op: number, len: number, control: number | undefined): Buffer {
  const b = Buffer.alloc(len);
  b[0] = op;
  b[len - 1] = optUint(ctx, 'CONTROL', control, 8);
  return b;
}

/** Lays out LBA, length and GROUP NUMBER at their places in a 10-, 12- or 16-byte CDB (the CDB tables of SBC-4 clause 5). */
function lbaCdb(
  ctx: string,
  op: number,
  size: 10 | 12 | 16,
  byte1: number,
  lba: U64,
  len: number,
  lenName: string,
  group: number | undefined,
  control: number | undefined,
): Buffer {
  const lbaBits = size === 16 ? 64 : 32;
  const lenBits = size === 10 ? 16 : 32;
  const l = uintBig(ctx, 'LBA', lba, lbaBits);
  const n = uint(ctx, lenName, len, lenBits);
  const g = optUint(ctx, 'GROUP NUMBER', group, 6);
  const b = make(ctx, op, size, control);
  b[1] = byte1;
  if (size === 10) {
    putBE(b, 2, 4, l);
    b[6] = g;
    b.writeUInt16BE(n, 7);
  } else if (size === 12) {
    putBE(b, 2, 4, l);
    b.writeUInt32BE(n, 6);
    b[10] = g;
  } else {
    putBE(b, 2, 8, l);
    b.writeUInt32BE(n, 10);
    b[14] = g;
  }
  return b;
}

/** SPC-5 TEST UNIT READY. */
export function testUnitReady(o: CdbCommon = {}): Buffer {
  return make('TEST UNIT READY', Op.TEST_UNIT_READY, 6, o.control);
}

/** SPC-5 REQUEST SENSE: DESC asks for descriptor format; ALLOCATION LENGTH defaults to 252. */
export function requestSense(o: { desc?: boolean; alloc?: number } & CdbCommon = {}): Buffer {
  const ctx = 'REQUEST SENSE';
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 8, 252);
  const b = make(ctx, Op.REQUEST_SENSE, 6, o.control);
  b[1] = bit(o.desc);
  b[4] = alloc;
  return b;
}

/** SPC-5 6.7 INQUIRY: EVPD with PAGE CODE selects a VPD page; ALLOCATION LENGTH (16 bits) defaults to 255. */
export function inquiry(o: { evpd?: boolean; page?: number; alloc?: number } & CdbCommon = {}): Buffer {
  const ctx = 'INQUIRY';
  const page = optUint(ctx, 'PAGE CODE', o.page, 8);
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 16, 255);
  const b = make(ctx, Op.INQUIRY, 6, o.control);
  b[1] = bit(o.evpd);
  b[2] = page;
  b.writeUInt16BE(alloc, 3);
  return b;
}

/** SBC-4 5.20 READ CAPACITY (10) (the obsolete LBA and PMI fields stay zero). */
export function readCapacity10(o: CdbCommon = {}): Buffer {
  return make('READ CAPACITY(10)', Op.READ_CAPACITY_10, 10, o.control);
}

/** SBC-4 5.21 READ CAPACITY (16): SERVICE ACTION IN (16) / 10h; ALLOCATION LENGTH defaults to 32. */
export function readCapacity16(o: { alloc?: number } & CdbCommon = {}): Buffer {
  const ctx = 'READ CAPACITY(16)';
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 32, 32);
  const b = make(ctx, Op.SERVICE_ACTION_IN_16, 16, o.control);
  b[1] = SaIn16.READ_CAPACITY_16;
  b.writeUInt32BE(alloc, 10);
  return b;
}

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

function rw6(ctx: string, op: number, o: ReadOptions | WriteOptions): Buffer {
  for (const f of ['dpo', 'fua', 'rdprotect', 'wrprotect', 'rarc', 'group'] as const) {
    noField(ctx, f.toUpperCase(), (o as unknown as Record<string, unknown>)[f]);
  }
  const lba = Number(uintBig(ctx, 'LBA', o.lba, 21));
  const n = uint(ctx, 'TRANSFER LENGTH', o.blocks, 9);
  if (n < 1 || n > 256) throw rangeError(`${ctx}: TRANSFER LENGTH ${n} is outside 1..256 (256 is sent as 0)`);
  const b = make(ctx, op, 6, o.control);
  b[1] = lba >> 16;
  b.writeUInt16BE(lba & 0xffff, 2);
  b[4] = n & 0xff;
  return b;
}

const readByte1 = (ctx: string, o: ReadOptions) =>
  (optUint(ctx, 'RDPROTECT', o.rdprotect, 3) << 5) | (bit(o.dpo) << 4) | (bit(o.fua) << 3) | (bit(o.rarc) << 2);
const writeByte1 = (ctx: string, o: WriteOptions) =>
  (optUint(ctx, 'WRPROTECT', o.wrprotect, 3) << 5) | (bit(o.dpo) << 4) | (bit(o.fua) << 3);

/** SBC-3 READ (6): 21-bit LBA, 1..256 blocks, no flags. */
export function read6(o: ReadOptions): Buffer {
  return rw6('READ(6)', Op.READ_6, o);
}
/** SBC-4 5.16 READ (10). */
export function read10(o: ReadOptions): Buffer {
  const ctx = 'READ(10)';
  return lbaCdb(ctx, Op.READ_10, 10, readByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}
/** SBC-4 5.17 READ (12). */
export function read12(o: ReadOptions): Buffer {
  const ctx = 'READ(12)';
  return lbaCdb(ctx, Op.READ_12, 12, readByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}
/** SBC-4 5.18 READ (16). */
export function read16(o: ReadOptions): Buffer {
  const ctx = 'READ(16)';
  return lbaCdb(ctx, Op.READ_16, 16, readByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}

/** SBC-3 WRITE (6): 21-bit LBA, 1..256 blocks, no flags. */
export function write6(o: WriteOptions): Buffer {
  return rw6('WRITE(6)', Op.WRITE_6, o);
}
/** SBC-4 5.40 WRITE (10). */
export function write10(o: WriteOptions): Buffer {
  const ctx = 'WRITE(10)';
  return lbaCdb(ctx, Op.WRITE_10, 10, writeByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}
/** SBC-4 5.41 WRITE (12). */
export function write12(o: WriteOptions): Buffer {
  const ctx = 'WRITE(12)';
  return lbaCdb(ctx, Op.WRITE_12, 12, writeByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}
/** SBC-4 5.42 WRITE (16). */
export function write16(o: WriteOptions): Buffer {
  const ctx = 'WRITE(16)';
  return lbaCdb(ctx, Op.WRITE_16, 16, writeByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}

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
const verifyByte1 = (ctx: string, o: VerifyOptions) =>
  (optUint(ctx, 'VRPROTECT', o.vrprotect, 3) << 5) | (bit(o.dpo) << 4) | (optUint(ctx, 'BYTCHK', o.bytchk, 2) << 1);

/** SBC-4 5.36 VERIFY (10). */
export function verify10(o: VerifyOptions): Buffer {
  const ctx = 'VERIFY(10)';
  return lbaCdb(ctx, Op.VERIFY_10, 10, verifyByte1(ctx, o), o.lba, o.blocks, 'VERIFICATION LENGTH', o.group, o.control);
}
/** SBC-4 5.37 VERIFY (12). */
export function verify12(o: VerifyOptions): Buffer {
  const ctx = 'VERIFY(12)';
  return lbaCdb(ctx, Op.VERIFY_12, 12, verifyByte1(ctx, o), o.lba, o.blocks, 'VERIFICATION LENGTH', o.group, o.control);
}
/** SBC-4 5.38 VERIFY (16). */
export function verify16(o: VerifyOptions): Buffer {
  const ctx = 'VERIFY(16)';
  return lbaCdb(ctx, Op.VERIFY_16, 16, verifyByte1(ctx, o), o.lba, o.blocks, 'VERIFICATION LENGTH', o.group, o.control);
}

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
const wvByte1 = (ctx: string, o: WriteVerifyOptions) =>
  (optUint(ctx, 'WRPROTECT', o.wrprotect, 3) << 5) | (bit(o.dpo) << 4) | (optUint(ctx, 'BYTCHK', o.bytchk, 2) << 1);

/** SBC-4 5.44 WRITE AND VERIFY (10). */
export function writeVerify10(o: WriteVerifyOptions): Buffer {
  const ctx = 'WRITE AND VERIFY(10)';
  return lbaCdb(ctx, Op.WRITE_AND_VERIFY_10, 10, wvByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}
/** SBC-4 5.45 WRITE AND VERIFY (12). */
export function writeVerify12(o: WriteVerifyOptions): Buffer {
  const ctx = 'WRITE AND VERIFY(12)';
  return lbaCdb(ctx, Op.WRITE_AND_VERIFY_12, 12, wvByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}
/** SBC-4 5.46 WRITE AND VERIFY (16). */
export function writeVerify16(o: WriteVerifyOptions): Buffer {
  const ctx = 'WRITE AND VERIFY(16)';
  return lbaCdb(ctx, Op.WRITE_AND_VERIFY_16, 16, wvByte1(ctx, o), o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}

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
const wsByte1 = (ctx: string, o: WriteSameOptions) =>
  (optUint(ctx, 'WRPROTECT', o.wrprotect, 3) << 5) | (bit(o.anchor) << 4) | (bit(o.unmap) << 3) | bit(o.ndob);

/** SBC-4 5.52 WRITE SAME (10). */
export function writeSame10(o: WriteSameOptions): Buffer {
  const ctx = 'WRITE SAME(10)';
  noField(ctx, 'NDOB', o.ndob);
  return lbaCdb(ctx, Op.WRITE_SAME_10, 10, wsByte1(ctx, o), o.lba, o.blocks, 'NUMBER OF LOGICAL BLOCKS', o.group, o.control);
}
/** SBC-4 5.53 WRITE SAME (16). */
export function writeSame16(o: WriteSameOptions): Buffer {
  const ctx = 'WRITE SAME(16)';
  return lbaCdb(ctx, Op.WRITE_SAME_16, 16, wsByte1(ctx, o), o.lba, o.blocks, 'NUMBER OF LOGICAL BLOCKS', o.group, o.control);
}

/** SBC-4 5.35 UNMAP: PARAMETER LIST LENGTH (16 bits) of the list made by `unmapParameterList`. */
export function unmap(o: { anchor?: boolean; group?: number; paramLen: number } & CdbCommon): Buffer {
  const ctx = 'UNMAP';
  const g = optUint(ctx, 'GROUP NUMBER', o.group, 6);
  const len = uint(ctx, 'PARAMETER LIST LENGTH', o.paramLen, 16);
  const b = make(ctx, Op.UNMAP, 10, o.control);
  b[1] = bit(o.anchor);
  b[6] = g;
  b.writeUInt16BE(len, 7);
  return b;
}

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

/** SBC-4 5.3 COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS is 8 bits; the data-out is 2 × blocks. */
export function compareAndWrite(o: WriteOptions): Buffer {
  const ctx = 'COMPARE AND WRITE';
  const byte1 = writeByte1(ctx, o);
  const l = uintBig(ctx, 'LBA', o.lba, 64);
  const n = uint(ctx, 'NUMBER OF LOGICAL BLOCKS', o.blocks, 8);
  const g = optUint(ctx, 'GROUP NUMBER', o.group, 6);
  const b = make(ctx, Op.COMPARE_AND_WRITE, 16, o.control);
  b[1] = byte1;
  putBE(b, 2, 8, l);
  b[13] = n;
  b[14] = g;
  return b;
}

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
  if (o.bmop) throw rangeError(`${ctx}: BMOP ${o.bmop} cannot be sent: only ORWRITE(32) has a BMOP field`);
  if (o.previousGenerationProcessing) {
    throw rangeError(`${ctx}: PREVIOUS GENERATION PROCESSING cannot be sent: only ORWRITE(32) has that field`);
  }
  const byte1 = (optUint(ctx, 'ORPROTECT', o.orprotect, 3) << 5) | (bit(o.dpo) << 4) | (bit(o.fua) << 3);
  return lbaCdb(ctx, Op.ORWRITE_16, 16, byte1, o.lba, o.blocks, 'TRANSFER LENGTH', o.group, o.control);
}

/** SBC-4 5.48 WRITE ATOMIC (16): 16-bit NUMBER OF LOGICAL BLOCKS at bytes 12-13, ATOMIC BOUNDARY at 10-11. */
export function writeAtomic16(o: WriteOptions & { atomicBoundary?: number }): Buffer {
  const ctx = 'WRITE ATOMIC(16)';
  const byte1 = writeByte1(ctx, o);
  const l = uintBig(ctx, 'LBA', o.lba, 64);
  const boundary = optUint(ctx, 'ATOMIC BOUNDARY', o.atomicBoundary, 16);
  const n = uint(ctx, 'TRANSFER LENGTH', o.blocks, 16);
  const g = optUint(ctx, 'GROUP NUMBER', o.group, 6);
  const b = make(ctx, Op.WRITE_ATOMIC_16, 16, o.control);
  b[1] = byte1;
  putBE(b, 2, 8, l);
  b.writeUInt16BE(boundary, 10);
  b.writeUInt16BE(n, 12);
  b[14] = g;
  return b;
}

/** Options of PRE-FETCH (10/16). */
export interface PreFetchOptions extends CdbCommon {
  lba: U64;
  /** PREFETCH LENGTH in logical blocks. */
  blocks: number;
  immed?: boolean;
  group?: number;
}
/** SBC-4 5.13 PRE-FETCH (10). */
export function preFetch10(o: PreFetchOptions): Buffer {
  return lbaCdb('PRE-FETCH(10)', Op.PRE_FETCH_10, 10, bit(o.immed) << 1, o.lba, o.blocks, 'PREFETCH LENGTH', o.group, o.control);
}
/** SBC-4 5.14 PRE-FETCH (16). */
export function preFetch16(o: PreFetchOptions): Buffer {
  return lbaCdb('PRE-FETCH(16)', Op.PRE_FETCH_16, 16, bit(o.immed) << 1, o.lba, o.blocks, 'PREFETCH LENGTH', o.group, o.control);
}

/** Options of SYNCHRONIZE CACHE (10/16): LBA and NUMBER OF LOGICAL BLOCKS default to 0 (the whole medium). */
export interface SyncCacheOptions extends CdbCommon {
  lba?: U64;
  blocks?: number;
  immed?: boolean;
  group?: number;
}
/** SBC-4 5.33 SYNCHRONIZE CACHE (10). */
export function synchronizeCache10(o: SyncCacheOptions = {}): Buffer {
  const ctx = 'SYNCHRONIZE CACHE(10)';
  return lbaCdb(ctx, Op.SYNCHRONIZE_CACHE_10, 10, bit(o.immed) << 1, o.lba ?? 0, o.blocks ?? 0, 'NUMBER OF LOGICAL BLOCKS', o.group, o.control);
}
/** SBC-4 5.34 SYNCHRONIZE CACHE (16). */
export function synchronizeCache16(o: SyncCacheOptions = {}): Buffer {
  const ctx = 'SYNCHRONIZE CACHE(16)';
  return lbaCdb(ctx, Op.SYNCHRONIZE_CACHE_16, 16, bit(o.immed) << 1, o.lba ?? 0, o.blocks ?? 0, 'NUMBER OF LOGICAL BLOCKS', o.group, o.control);
}

/**
 * SBC-4 5.6 GET LBA STATUS (16): SERVICE ACTION IN (16) / 12h; ALLOCATION LENGTH defaults to 4096, REPORT TYPE
 * (byte 14) to 0 (all LBAs).
 */
export function getLbaStatus(o: { lba: U64; alloc?: number; reportType?: number } & CdbCommon): Buffer {
  const ctx = 'GET LBA STATUS';
  const l = uintBig(ctx, 'STARTING LOGICAL BLOCK ADDRESS', o.lba, 64);
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 32, 4096);
  const rt = optUint(ctx, 'REPORT TYPE', o.reportType, 8);
  const b = make(ctx, Op.SERVICE_ACTION_IN_16, 16, o.control);
  b[1] = SaIn16.GET_LBA_STATUS;
  putBE(b, 2, 8, l);
  b.writeUInt32BE(alloc, 10);
  b[14] = rt;
  return b;
}

/** Common MODE SENSE options. `pc`: 0 current, 1 changeable, 2 default, 3 saved. */
export interface ModeSenseOptions extends CdbCommon {
  dbd?: boolean;
  pc?: number;
  page: number;
  subpage?: number;
  alloc?: number;
}
/** SPC-5 6.14 MODE SENSE (6): ALLOCATION LENGTH defaults to 255. */
export function modeSense6(o: ModeSenseOptions): Buffer {
  const ctx = 'MODE SENSE(6)';
  const pc = optUint(ctx, 'PC', o.pc, 2);
  const page = uint(ctx, 'PAGE CODE', o.page, 6);
  const sub = optUint(ctx, 'SUBPAGE CODE', o.subpage, 8);
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 8, 255);
  const b = make(ctx, Op.MODE_SENSE_6, 6, o.control);
  b[1] = bit(o.dbd) << 3;
  b[2] = (pc << 6) | page;
  b[3] = sub;
  b[4] = alloc;
  return b;
}
/** SPC-5 6.15 MODE SENSE (10): LLBAA allows long LBA block descriptors; ALLOCATION LENGTH defaults to 4096. */
export function modeSense10(o: ModeSenseOptions & { llbaa?: boolean }): Buffer {
  const ctx = 'MODE SENSE(10)';
  const pc = optUint(ctx, 'PC', o.pc, 2);
  const page = uint(ctx, 'PAGE CODE', o.page, 6);
  const sub = optUint(ctx, 'SUBPAGE CODE', o.subpage, 8);
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 16, 4096);
  const b = make(ctx, Op.MODE_SENSE_10, 10, o.control);
  b[1] = (bit(o.llbaa) << 4) | (bit(o.dbd) << 3);
  b[2] = (pc << 6) | page;
  b[3] = sub;
  b.writeUInt16BE(alloc, 7);
  return b;
}

/** MODE SELECT options: PF (page format) defaults to true; SP saves the pages. */
export interface ModeSelectOptions extends CdbCommon {
  pf?: boolean;
  sp?: boolean;
  paramLen: number;
}
/** SPC-5 6.12 MODE SELECT (6). */
export function modeSelect6(o: ModeSelectOptions): Buffer {
  const ctx = 'MODE SELECT(6)';
  const len = uint(ctx, 'PARAMETER LIST LENGTH', o.paramLen, 8);
  const b = make(ctx, Op.MODE_SELECT_6, 6, o.control);
  b[1] = (bit(o.pf ?? true) << 4) | bit(o.sp);
  b[4] = len;
  return b;
}
/** SPC-5 6.13 MODE SELECT (10). */
export function modeSelect10(o: ModeSelectOptions): Buffer {
  const ctx = 'MODE SELECT(10)';
  const len = uint(ctx, 'PARAMETER LIST LENGTH', o.paramLen, 16);
  const b = make(ctx, Op.MODE_SELECT_10, 10, o.control);
  b[1] = (bit(o.pf ?? true) << 4) | bit(o.sp);
  b.writeUInt16BE(len, 7);
  return b;
}

/** SPC-5 REPORT LUNS: SELECT REPORT defaults to 0; ALLOCATION LENGTH to 4096. */
export function reportLuns(o: { select?: number; alloc?: number } & CdbCommon = {}): Buffer {
  const ctx = 'REPORT LUNS';
  const sel = optUint(ctx, 'SELECT REPORT', o.select, 8);
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 32, 4096);
  const b = make(ctx, Op.REPORT_LUNS, 12, o.control);
  b[2] = sel;
  b.writeUInt32BE(alloc, 6);
  return b;
}

/**
 * SPC-5 REPORT SUPPORTED OPERATION CODES (MAINTENANCE IN / 0Ch). REPORTING OPTIONS default to 000b
 * (all commands) without `op`, 001b with `op`, 010b with `op` and `sa`; ALLOCATION LENGTH to 8192.
 */
export function reportSupportedOperationCodes(
  o: { rctd?: boolean; options?: number; op?: number; sa?: number; alloc?: number } & CdbCommon = {},
): Buffer {
  const ctx = 'REPORT SUPPORTED OPERATION CODES';
  const dflt = o.op === undefined ? 0 : o.sa === undefined ? 1 : 2;
  const opts = optUint(ctx, 'REPORTING OPTIONS', o.options, 3, dflt);
  const op = optUint(ctx, 'REQUESTED OPERATION CODE', o.op, 8);
  const sa = optUint(ctx, 'REQUESTED SERVICE ACTION', o.sa, 16);
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 32, 8192);
  const b = make(ctx, Op.MAINTENANCE_IN, 12, o.control);
  b[1] = MaintIn.REPORT_SUPPORTED_OPERATION_CODES;
  b[2] = (bit(o.rctd) << 7) | opts;
  b[3] = op;
  b.writeUInt16BE(sa, 4);
  b.writeUInt32BE(alloc, 6);
  return b;
}

/** SPC-5 REPORT TARGET PORT GROUPS (MAINTENANCE IN / 0Ah); `extended` asks for PARAMETER DATA FORMAT 001b. */
export function reportTargetPortGroups(o: { alloc?: number; extended?: boolean } & CdbCommon = {}): Buffer {
  const ctx = 'REPORT TARGET PORT GROUPS';
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 32, 4096);
  const b = make(ctx, Op.MAINTENANCE_IN, 12, o.control);
  b[1] = (bit(o.extended) << 5) | MaintIn.REPORT_TARGET_PORT_GROUPS;
  b.writeUInt32BE(alloc, 6);
  return b;
}

/** SPC-5 6.16 PERSISTENT RESERVE IN: service action (`PrInSa`), ALLOCATION LENGTH (16 bits) defaults to 4096. */
export function persistentReserveIn(o: { sa: number; alloc?: number } & CdbCommon): Buffer {
  const ctx = 'PERSISTENT RESERVE IN';
  const sa = uint(ctx, 'SERVICE ACTION', o.sa, 5);
  const alloc = optUint(ctx, 'ALLOCATION LENGTH', o.alloc, 16, 4096);
  const b = make(ctx, Op.PERSISTENT_RESERVE_IN, 10, o.control);
  b[1] = sa;
  b.writeUInt16BE(alloc, 7);
  return b;
}

/** SPC-5 6.17 PERSISTENT RESERVE OUT: service action (`PrOutSa`), SCOPE, TYPE; PARAMETER LIST LENGTH defaults to 24. */
export function persistentReserveOut(o: { sa: number; scope?: number; type?: number; paramLen?: number } & CdbCommon): Buffer {
  const ctx = 'PERSISTENT RESERVE OUT';
  const sa = uint(ctx, 'SERVICE ACTION', o.sa, 5);
  const scope = optUint(ctx, 'SCOPE', o.scope, 4);
  const type = optUint(ctx, 'TYPE', o.type, 4);
  const len = optUint(ctx, 'PARAMETER LIST LENGTH', o.paramLen, 32, 24);
  const b = make(ctx, Op.PERSISTENT_RESERVE_OUT, 10, o.control);
  b[1] = sa;
  b[2] = (scope << 4) | type;
  b.writeUInt32BE(len, 5);
  return b;
}

/**
 * SPC-5 6.17 PERSISTENT RESERVE OUT basic parameter list (24 bytes). When `transportIds` is given (even
 * empty) the TRANSPORTID PARAMETER DATA LENGTH and the TransportIDs follow (for SPEC_I_PT); SPEC_I_PT
 * itself is only set when asked, so that inconsistent lists can be sent on purpose.
 */
export function proutParameterList(o: {
  key: U64;
  saKey: U64;
  spec_i_pt?: boolean;
  allTgPt?: boolean;
  aptpl?: boolean;
  transportIds?: Buffer[];
}): Buffer {
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

/** SPC-2 RESERVE (6) (obsolete in SPC-3 and later, still answered by many targets). */
export function reserve6(o: CdbCommon = {}): Buffer {
  return make('RESERVE(6)', Op.RESERVE_6, 6, o.control);
}
/** SPC-2 RELEASE (6) (obsolete in SPC-3 and later). */
export function release6(o: CdbCommon = {}): Buffer {
  return make('RELEASE(6)', Op.RELEASE_6, 6, o.control);
}

/** SBC-4 5.31 START STOP UNIT. START defaults to true (a bare call starts the unit). */
export function startStopUnit(
  o: {
    immed?: boolean;
    powerConditionModifier?: number;
    powerCondition?: number;
    noFlush?: boolean;
    loej?: boolean;
    start?: boolean;
  } & CdbCommon = {},
): Buffer {
  const ctx = 'START STOP UNIT';
  const mod = optUint(ctx, 'POWER CONDITION MODIFIER', o.powerConditionModifier, 4);
  const pc = optUint(ctx, 'POWER CONDITION', o.powerCondition, 4);
  const b = make(ctx, Op.START_STOP_UNIT, 6, o.control);
  b[1] = bit(o.immed);
  b[3] = mod;
  b[4] = (pc << 4) | (bit(o.noFlush) << 2) | (bit(o.loej) << 1) | bit(o.start ?? true);
  return b;
}

/** SBC-4 5.15 PREVENT ALLOW MEDIUM REMOVAL: `prevent` true is 01b; a number gives the 2-bit field. */
export function preventAllowMediumRemoval(o: { prevent: boolean | number } & CdbCommon): Buffer {
  const ctx = 'PREVENT ALLOW MEDIUM REMOVAL';
  const p = typeof o.prevent === 'boolean' ? bit(o.prevent) : uint(ctx, 'PREVENT', o.prevent, 2);
  const b = make(ctx, Op.PREVENT_ALLOW_MEDIUM_REMOVAL, 6, o.control);
  b[4] = p;
  return b;
}

/** SBC-4 5.30 SANITIZE: service action (`SanitizeSa`), IMMED, AUSE; PARAMETER LIST LENGTH defaults to 0. */
export function sanitize(o: { sa: number; immed?: boolean; ause?: boolean; paramLen?: number } & CdbCommon): Buffer {
  const ctx = 'SANITIZE';
  const sa = uint(ctx, 'SERVICE ACTION', o.sa, 5);
  const len = optUint(ctx, 'PARAMETER LIST LENGTH', o.paramLen, 16);
  const b = make(ctx, Op.SANITIZE, 10, o.control);
  b[1] = (bit(o.immed) << 7) | (bit(o.ause) << 5) | sa;
  b.writeUInt16BE(len, 7);
  return b;
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
 * SPC-4 6.4 EXTENDED COPY (LID1): opcode 83h, service action 00h, PARAMETER LIST LENGTH at bytes 10-13.
 * The LIST IDENTIFIER of LID1 is byte 0 of the parameter list, not a CDB field: give it to
 * `extendedCopyParameterList`; a `listIdentifier` here is rejected so that it is never silently lost.
 */
export function extendedCopy(o: { paramLen: number; listIdentifier?: number } & CdbCommon): Buffer {
  const ctx = 'EXTENDED COPY(LID1)';
  if (o.listIdentifier !== undefined) {
    throw rangeError(`${ctx}: LIST IDENTIFIER is byte 0 of the parameter list, not a CDB field; pass it to extendedCopyParameterList`);
  }
  const len = uint(ctx, 'PARAMETER LIST LENGTH', o.paramLen, 32);
  const b = make(ctx, Op.EXTENDED_COPY, 16, o.control);
  b[1] = 0x00;
  b.writeUInt32BE(len, 10);
  return b;
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

/**
 * SPC-4 6.18 RECEIVE COPY RESULTS (opcode 84h): `sa` from `ReceiveCopySa`. LID1 service actions carry an
 * 8-bit LIST IDENTIFIER at byte 2, LID4 ones (05h..07h) a 32-bit one at bytes 2-5; OPERATING PARAMETERS and
 * REPORT ALL ROD TOKENS have none.
 */
export function receiveCopyResults(o: { sa: number; listId?: number; alloc: number } & CdbCommon): Buffer {
  const ctx = 'RECEIVE COPY RESULTS';
  const sa = uint(ctx, 'SERVICE ACTION', o.sa, 5);
  const alloc = uint(ctx, 'ALLOCATION LENGTH', o.alloc, 32);
  const b = make(ctx, Op.RECEIVE_COPY_RESULTS, 16, o.control);
  b[1] = sa;
  if (sa === 0x05 || sa === 0x06 || sa === 0x07) b.writeUInt32BE(optUint(ctx, 'LIST IDENTIFIER', o.listId, 32), 2);
  else if (sa === 0x03 || sa === 0x08) noField(`${ctx} SA ${hex(sa)}`, 'LIST IDENTIFIER', o.listId);
  else b[2] = optUint(ctx, 'LIST IDENTIFIER', o.listId, 8);
  b.writeUInt32BE(alloc, 10);
  return b;
}

/** Options of READ DEFECT DATA (10/12): DEFECT LIST FORMAT 0..7. */
export interface ReadDefectOptions extends CdbCommon {
  reqPlist?: boolean;
  reqGlist?: boolean;
  format?: number;
  alloc: number;
}
/** SBC-4 5.22 READ DEFECT DATA (10): ALLOCATION LENGTH is 16 bits. */
export function readDefectData10(o: ReadDefectOptions): Buffer {
  const ctx = 'READ DEFECT DATA(10)';
  const fmt = optUint(ctx, 'DEFECT LIST FORMAT', o.format, 3);
  const alloc = uint(ctx, 'ALLOCATION LENGTH', o.alloc, 16);
  const b = make(ctx, Op.READ_DEFECT_DATA_10, 10, o.control);
  b[2] = (bit(o.reqPlist) << 4) | (bit(o.reqGlist) << 3) | fmt;
  b.writeUInt16BE(alloc, 7);
  return b;
}
/** SBC-4 5.23 READ DEFECT DATA (12): ADDRESS DESCRIPTOR INDEX at bytes 2-5, 32-bit ALLOCATION LENGTH. */
export function readDefectData12(o: ReadDefectOptions & { addressDescriptorIndex?: number }): Buffer {
  const ctx = 'READ DEFECT DATA(12)';
  const fmt = optUint(ctx, 'DEFECT LIST FORMAT', o.format, 3);
  const idx = optUint(ctx, 'ADDRESS DESCRIPTOR INDEX', o.addressDescriptorIndex, 32);
  const alloc = uint(ctx, 'ALLOCATION LENGTH', o.alloc, 32);
  const b = make(ctx, Op.READ_DEFECT_DATA_12, 12, o.control);
  b[1] = (bit(o.reqPlist) << 4) | (bit(o.reqGlist) << 3) | fmt;
  b.writeUInt32BE(idx, 2);
  b.writeUInt32BE(alloc, 6);
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// describeCdb

type Describer = (c: Buffer) => string[];

const flag = (on: boolean, name: string): string[] => (on ? [name] : []);
const field = (v: number, name: string): string[] => (v ? [`${name}=${v}`] : []);

/** LBA, length and group of a 10/12/16-byte LBA command, and the byte-1 flags given by `b1`. */
function lbaDescriber(size: 10 | 12 | 16, b1: (x: number) => string[]): Describer {
  return (c) => {
    let lba: bigint;
    let len: number;
    let group: number;
    if (size === 10) {
      lba = BigInt(c.readUInt32BE(2));
      len = c.readUInt16BE(7);
      group = c[6]! & 0x3f;
    } else if (size === 12) {
      lba = BigInt(c.readUInt32BE(2));
      len = c.readUInt32BE(6);
      group = c[10]! & 0x3f;
    } else {
      lba = c.readBigUInt64BE(2);
      len = c.readUInt32BE(10);
      group = c[14]! & 0x3f;
    }
    return [`LBA=${lba}`, `LEN=${len}`, ...b1(c[1]!), ...field(group, 'GROUP')];
  };
}

const rdFlags = (x: number) => [...field(x >> 5, 'RDPROTECT'), ...flag((x & 0x10) !== 0, 'DPO'), ...flag((x & 0x08) !== 0, 'FUA'), ...flag((x & 0x04) !== 0, 'RARC')];
const protFlags = (name: string) => (x: number) => [...field(x >> 5, name), ...flag((x & 0x10) !== 0, 'DPO'), ...flag((x & 0x08) !== 0, 'FUA')];
const wrFlags = protFlags('WRPROTECT');
const vrFlags = (prot: string) => (x: number) => [...field(x >> 5, prot), ...flag((x & 0x10) !== 0, 'DPO'), ...field((x >> 1) & 3, 'BYTCHK')];
const wsFlags = (x: number) => [...field(x >> 5, 'WRPROTECT'), ...flag((x & 0x10) !== 0, 'ANCHOR'), ...flag((x & 0x08) !== 0, 'UNMAP'), ...flag((x & 0x01) !== 0, 'NDOB')];
const immedFlag = (x: number) => flag((x & 0x02) !== 0, 'IMMED');

const rw6Describer: Describer = (c) => [`LBA=${((c[1]! & 0x1f) << 16) | c.readUInt16BE(2)}`, `LEN=${c[4] || 256}`];

const modeSenseDescriber = (ten: boolean): Describer => (c) => [
  ...flag(ten && (c[1]! & 0x10) !== 0, 'LLBAA'),
  ...flag((c[1]! & 0x08) !== 0, 'DBD'),
  ...field(c[2]! >> 6, 'PC'),
  `PAGE=${hex(c[2]! & 0x3f)}`,
  ...(c[3] ? [`SUBPAGE=${hex(c[3])}`] : []),
  `ALLOC=${ten ? c.readUInt16BE(7) : c[4]}`,
];

const modeSelectDescriber = (ten: boolean): Describer => (c) => [
  ...flag((c[1]! & 0x10) !== 0, 'PF'),
  ...flag((c[1]! & 0x01) !== 0, 'SP'),
  `LEN=${ten ? c.readUInt16BE(7) : c[4]}`,
];

const DESCRIBERS: Record<number, Describer> = {
  [Op.REQUEST_SENSE]: (c) => [...flag((c[1]! & 1) !== 0, 'DESC'), `ALLOC=${c[4]}`],
  [Op.READ_6]: rw6Describer,
  [Op.WRITE_6]: rw6Describer,
  [Op.INQUIRY]: (c) => {
    const evpd = (c[1]! & 1) !== 0;
    return [...flag(evpd, 'EVPD'), ...((evpd || c[2]) ? [`PAGE=${hex(c[2]!)}`] : []), `ALLOC=${c.readUInt16BE(3)}`];
  },
  [Op.MODE_SELECT_6]: modeSelectDescriber(false),
  [Op.MODE_SELECT_10]: modeSelectDescriber(true),
  [Op.MODE_SENSE_6]: modeSenseDescriber(false),
  [Op.MODE_SENSE_10]: modeSenseDescriber(true),
  [Op.START_STOP_UNIT]: (c) => [
    ...flag((c[1]! & 1) !== 0, 'IMMED'),
    ...field(c[4]! >> 4, 'POWER_CONDITION'),
    ...field(c[3]! & 0x0f, 'MODIFIER'),
    ...flag((c[4]! & 4) !== 0, 'NO_FLUSH'),
    ...flag((c[4]! & 2) !== 0, 'LOEJ'),
    ...flag((c[4]! & 1) !== 0, 'START'),
  ],
  [Op.PREVENT_ALLOW_MEDIUM_REMOVAL]: (c) => [`PREVENT=${c[4]! & 3}`],
  [Op.READ_10]: lbaDescriber(10, rdFlags),
  [Op.READ_12]: lbaDescriber(12, rdFlags),
  [Op.READ_16]: lbaDescriber(16, rdFlags),
  [Op.WRITE_10]: lbaDescriber(10, wrFlags),
  [Op.WRITE_12]: lbaDescriber(12, wrFlags),
  [Op.WRITE_16]: lbaDescriber(16, wrFlags),
  [Op.VERIFY_10]: lbaDescriber(10, vrFlags('VRPROTECT')),
  [Op.VERIFY_12]: lbaDescriber(12, vrFlags('VRPROTECT')),
  [Op.VERIFY_16]: lbaDescriber(16, vrFlags('VRPROTECT')),
  [Op.WRITE_AND_VERIFY_10]: lbaDescriber(10, vrFlags('WRPROTECT')),
  [Op.WRITE_AND_VERIFY_12]: lbaDescriber(12, vrFlags('WRPROTECT')),
  [Op.WRITE_AND_VERIFY_16]: lbaDescriber(16, vrFlags('WRPROTECT')),
  [Op.WRITE_SAME_10]: lbaDescriber(10, wsFlags),
  [Op.WRITE_SAME_16]: lbaDescriber(16, wsFlags),
  [Op.PRE_FETCH_10]: lbaDescriber(10, immedFlag),
  [Op.PRE_FETCH_16]: lbaDescriber(16, immedFlag),
  [Op.SYNCHRONIZE_CACHE_10]: lbaDescriber(10, immedFlag),
  [Op.SYNCHRONIZE_CACHE_16]: lbaDescriber(16, immedFlag),
  [Op.ORWRITE_16]: lbaDescriber(16, protFlags('ORPROTECT')),
  [Op.COMPARE_AND_WRITE]: (c) => [`LBA=${c.readBigUInt64BE(2)}`, `LEN=${c[13]}`, ...wrFlags(c[1]!), ...field(c[14]! & 0x3f, 'GROUP')],
  [Op.WRITE_ATOMIC_16]: (c) => [
    `LBA=${c.readBigUInt64BE(2)}`,
    `LEN=${c.readUInt16BE(12)}`,
    ...wrFlags(c[1]!),
    ...field(c.readUInt16BE(10), 'BOUNDARY'),
    ...field(c[14]! & 0x3f, 'GROUP'),
  ],
  [Op.UNMAP]: (c) => [...flag((c[1]! & 1) !== 0, 'ANCHOR'), `LEN=${c.readUInt16BE(7)}`, ...field(c[6]! & 0x3f, 'GROUP')],
  [Op.SANITIZE]: (c) => [...flag((c[1]! & 0x80) !== 0, 'IMMED'), ...flag((c[1]! & 0x20) !== 0, 'AUSE'), `LEN=${c.readUInt16BE(7)}`],
  [Op.READ_DEFECT_DATA_10]: (c) => [
    ...flag((c[2]! & 0x10) !== 0, 'PLIST'),
    ...flag((c[2]! & 0x08) !== 0, 'GLIST'),
    `FORMAT=${c[2]! & 7}`,
    `ALLOC=${c.readUInt16BE(7)}`,
  ],
  [Op.READ_DEFECT_DATA_12]: (c) => [
    ...flag((c[1]! & 0x10) !== 0, 'PLIST'),
    ...flag((c[1]! & 0x08) !== 0, 'GLIST'),
    `FORMAT=${c[1]! & 7}`,
    ...field(c.readUInt32BE(2), 'INDEX'),
    `ALLOC=${c.readUInt32BE(6)}`,
  ],
  [Op.PERSISTENT_RESERVE_IN]: (c) => [`ALLOC=${c.readUInt16BE(7)}`],
  [Op.PERSISTENT_RESERVE_OUT]: (c) => [`SCOPE=${c[2]! >> 4}`, `TYPE=${c[2]! & 0x0f}`, `LEN=${c.readUInt32BE(5)}`],
  [Op.EXTENDED_COPY]: (c) => [`LEN=${c.readUInt32BE(10)}`],
  [Op.RECEIVE_COPY_RESULTS]: (c) => {
    const sa = c[1]! & 0x1f;
    const id = sa >= 5 && sa <= 7 ? c.readUInt32BE(2) : sa === 3 || sa === 8 ? undefined : c[2]!;
    return [...(id === undefined ? [] : [`LIST_ID=${id}`]), `ALLOC=${c.readUInt32BE(10)}`];
  },
  [Op.REPORT_LUNS]: (c) => [...field(c[2]!, 'SELECT'), `ALLOC=${c.readUInt32BE(6)}`],
  [Op.SERVICE_ACTION_IN_16]: (c) => {
    const sa = c[1]! & 0x1f;
    if (sa === SaIn16.GET_LBA_STATUS) return [`LBA=${c.readBigUInt64BE(2)}`, `ALLOC=${c.readUInt32BE(10)}`, ...field(c[14]!, 'REPORT_TYPE')];
    return [`ALLOC=${c.readUInt32BE(10)}`];
  },
  [Op.MAINTENANCE_IN]: (c) => {
    const sa = c[1]! & 0x1f;
    if (sa === MaintIn.REPORT_SUPPORTED_OPERATION_CODES) {
      const opts = c[2]! & 7;
      return [
        ...flag((c[2]! & 0x80) !== 0, 'RCTD'),
        ...field(opts, 'OPTIONS'),
        ...(opts ? [`OP=${hex(c[3]!)}`] : []),
        ...(opts >= 2 ? [`SA=${hex(c.readUInt16BE(4))}`] : []),
        `ALLOC=${c.readUInt32BE(6)}`,
      ];
    }
    if (sa === MaintIn.REPORT_TARGET_PORT_GROUPS) return [...field(c[1]! >> 5, 'FORMAT'), `ALLOC=${c.readUInt32BE(6)}`];
    return [`ALLOC=${c.readUInt32BE(6)}`];
  },
};

/**
 * One line for failure messages: `'READ(10) LBA=100 LEN=8'`, `'WRITE(16) LBA=2097151 LEN=1 FUA'`,
 * `'INQUIRY EVPD PAGE=0xb0 ALLOC=255'`, `'MODE SENSE(6) PAGE=0x3f ALLOC=255'`. Flags and non-zero numeric
 * fields follow the LBA and length; a non-zero CONTROL byte is shown as `CONTROL=0xNN`. Unknown operation
 * codes give `'OPCODE 0xNN [c0 00 ...]'`; a CDB too short for its operation code gives its name, the bytes
 * and `(short CDB)`.
 */
export function describeCdb(cdb: Buffer): string {
  if (!Buffer.isBuffer(cdb) || cdb.length === 0) return 'EMPTY CDB';
  const op = cdb[0]!;
  const sa = opcodeHasServiceAction(op) && cdb.length > 1 ? cdb[1]! & 0x1f : undefined;
  const name = opcodeName(op, sa);
  const expected = cdbLength(op);
  const describer = DESCRIBERS[op];
  if (!describer && name.startsWith('OPCODE ')) return `${name} [${hexBytes(cdb)}]`;
  if (expected === undefined) return `${name} [${hexBytes(cdb)}]`;
  if (cdb.length < expected) return `${name} [${hexBytes(cdb)}] (short CDB)`;
  const parts = [name, ...(describer ? describer(cdb) : [])];
  const control = cdb[expected - 1]!;
  if (control) parts.push(`CONTROL=${hex(control)}`);
  return parts.join(' ');
}
