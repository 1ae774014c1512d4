/**
 * Checks shared by the VERIFY, WRITE AND VERIFY, ORWRITE, COMPARE AND WRITE and WRITE ATOMIC suites: the
 * walk over a CDB's reserved bits, a Data-Out buffer whose length does not match the CDB, "the medium is as
 * it was" after a refused command, the DPO/FUA bits against DPOFUA and the CDB usage data, and the MISCOMPARE
 * sense data. (A helper module: its name starts with `_`, so the registry does not load it as a suite.)
 */
import {
  expectation,
  GOOD,
  INVALID_FIELD_IN_CDB,
  INVALID_FIELD_IN_IU,
  scsi,
  type Expectation,
  type Expected,
  type ScsiResult,
  type TestContext,
} from '../../harness/api.js';

/** A reserved field of a CDB: its byte and the bits of that byte it covers (scsi.reservedBits lists a command's). */
export interface Reserved {
  byte: number;
  mask: number;
}

/** CHECK CONDITION, ABORTED COMMAND, INVALID FIELD IN COMMAND INFORMATION UNIT (FCP-4 9.4.2 option c). */
export const INVALID_FIELD_IN_IU_ABORTED = expectation('INVALID_FIELD_IN_IU_ABORTED', scsi.ScsiStatus.CHECK_CONDITION, scsi.SenseKey.ABORTED_COMMAND, [
  scsi.Asc.INVALID_FIELD_IN_INFORMATION_UNIT,
]);

const GOOD_STATUS = scsi.ScsiStatus.GOOD;

/** Offset of the first differing byte of two buffers of the same length, or -1. */
export function firstDiff(a: Buffer, b: Buffer): number {
  if (a.equals(b)) return -1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Where `got` first differs from `want`: the LBA (from `lba`) and the byte in that block, or undefined. */
function differs(t: TestContext, lba: number, got: Buffer, want: Buffer): { lba: number; byte: number } | undefined {
  const bs = t.dev.blockSize;
  const at = firstDiff(got, want);
  return at < 0 ? undefined : { lba: lba + Math.floor(at / bs), byte: at % bs };
}

/**
 * Fails unless the blocks at `lba` still hold `before` (its length in blocks): for commands that were
 * refused. `after` says what happened: 'COMPARE AND WRITE LBA=0 LEN=1 was refused'.
 */
export async function unchanged(t: TestContext, lba: number, before: Buffer, after: string): Promise<void> {
  const d = differs(t, lba, await t.readBlocks(lba, before.length / t.dev.blockSize), before);
  if (d) t.fail(`${after}, yet LBA ${d.lba} changed (first difference at byte ${d.byte} of the block)`);
}

/** Fails unless the blocks at `lba` hold `expected`; `why` says what should have put it there. */
export async function holds(t: TestContext, lba: number, expected: Buffer, why: string): Promise<void> {
  const d = differs(t, lba, await t.readBlocks(lba, expected.length / t.dev.blockSize), expected);
  if (d) t.fail(`${why}: LBA ${d.lba} does not hold what it should (first difference at byte ${d.byte} of the block)`);
}

/** One walk over the reserved bits of a CDB. */
export interface ReservedWalk {
  /** The command's name, for the warning: 'VERIFY(10)'. */
  name: string;
  /** A CDB the device server accepts as it is. */
  base: Buffer;
  /** The fields the standard marks reserved (not obsolete, not restricted). */
  fields: Reserved[];
  /**
   * Send one CDB with the data the command needs, expecting `expect`. On GOOD the body records what the
   * command wrote (t.remember), since the target processed it.
   */
  send(cdb: Buffer, expect: Expected, what: string): Promise<ScsiResult>;
  /** Blocks a refused command must leave as they are (for commands that write). */
  watch?: { lba: number; blocks: number };
}

/**
 * Every reserved bit of the CDB set alone (SPC-5, the keyword "reserved"): INVALID FIELD IN CDB is expected,
 * with, when the sense-key-specific field pointer is given, C/D set, FIELD POINTER at the byte and BIT
 * POINTER inside the reserved field. GOOD is allowed (the keyword "reserved": recipients are not required to
 * check reserved fields) but is a SHOULD-level warning. A refused command must leave the medium unchanged.
 */
export async function reservedBits(t: TestContext, w: ReservedWalk): Promise<void> {
  let before = w.watch ? await t.readBlocks(w.watch.lba, w.watch.blocks) : undefined;
  const accepted: string[] = [];
  for (const f of w.fields) {
    for (let bit = 7; bit >= 0; bit--) {
      if (!(f.mask & (1 << bit))) continue;
      const cdb = Buffer.from(w.base);
      cdb[f.byte] = cdb[f.byte]! | (1 << bit);
      const what = `${scsi.describeCdb(cdb)} with reserved bit ${bit} of byte ${f.byte} set`;
      const r = await w.send(cdb, [INVALID_FIELD_IN_CDB, GOOD], what);
      if (r.status === GOOD_STATUS) {
        accepted.push(`byte ${f.byte} bit ${bit}`);
        if (w.watch) before = await t.readBlocks(w.watch.lba, w.watch.blocks);
        continue;
      }
      const fp = r.sense?.senseKeySpecific?.field;
      if (fp) {
        t.check(fp.cd, `${what}: the sense-key-specific field pointer has C/D=0 (an error in the parameter data), but the error is in the CDB`);
        t.equal(fp.fieldPointer, f.byte, `${what}: FIELD POINTER of the sense data`);
        if (fp.bpv)
          t.check(
            (f.mask & (1 << fp.bitPointer)) !== 0 && fp.bitPointer >= bit,
            `${what}: BIT POINTER ${fp.bitPointer} is not in the ` + `reserved field (byte ${f.byte} mask 0x${f.mask.toString(16)}) at or above bit ${bit}`,
          );
      }
      if (w.watch && before) await unchanged(t, w.watch.lba, before, `${what} was refused`);
    }
  }
  t.should(accepted.length === 0, `${w.name} with a reserved CDB bit set completed with GOOD instead of INVALID FIELD IN CDB (${accepted.join(', ')})`);
}

/** One walk over the non-zero values of a command's protection field on a logical unit without protection information enabled. */
export interface ProtectWalk {
  /** 'RDPROTECT', 'WRPROTECT', 'VRPROTECT', 'ORPROTECT'. */
  field: string;
  /** The command as the messages name it: 'READ(10) LBA=0 LEN=1'. */
  name: string;
  /** Send the command with the field set to `p`, expecting `expect`; a GOOD write is remembered by the sender. */
  send(p: number, expect: Expected): Promise<ScsiResult>;
  /** Blocks a refused command must leave as they are (for commands that write). */
  watch?: { lba: number; blocks: number };
}

/**
 * Each non-zero value of the protection field, on a logical unit without protection information enabled.
 * SBC-4's protection field tables: 110b and 111b are reserved (a reserved code value is an error, SPC-5
 * keywords); for 001b-101b a logical unit that supports protection information but is not formatted with it
 * "shall" terminate the command with INVALID FIELD IN CDB, and one that does not support it (INQUIRY
 * PROTECT=0) "should" — so there GOOD is a SHOULD-level warning. A refused command must leave the medium
 * unchanged.
 */
export async function protectWalk(t: TestContext, w: ProtectWalk): Promise<void> {
  const supportsPi = !!t.dev.inquiry.protect;
  let before = w.watch ? await t.readBlocks(w.watch.lba, w.watch.blocks) : undefined;
  const accepted: number[] = [];
  for (let p = 1; p <= 7; p++) {
    const must = p >= 6 || supportsPi;
    const r = await w.send(p, must ? INVALID_FIELD_IN_CDB : [INVALID_FIELD_IN_CDB, GOOD]);
    if (r.status === GOOD_STATUS) {
      accepted.push(p);
      if (w.watch) before = await t.readBlocks(w.watch.lba, w.watch.blocks);
      continue;
    }
    if (w.watch && before) await unchanged(t, w.watch.lba, before, `${w.name} ${w.field}=${p} was refused`);
  }
  t.should(
    accepted.length === 0,
    `${w.name} with ${w.field} ${accepted.join(', ')} completed with GOOD; a logical unit that does not support protection information (INQUIRY ` +
      `PROTECT=0) should refuse it with INVALID FIELD IN CDB`,
  );
}

/** The doc sentence of protectWalk, for the tests' docs. */
export const protectDoc = (field: string): string =>
  `${field} 110b and 111b (reserved) must be terminated with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB, and so must 001b to 101b when ` +
  `INQUIRY PROTECT is 1 (protection information supported, not enabled: "shall"); with PROTECT 0 SBC-4 says "should", so GOOD for those is a ` +
  `warning. A refused command must leave the medium unchanged`;

/** One command whose Data-Out buffer is not the length its CDB calls for. */
export interface Mismatch {
  cdb: Buffer;
  /** Bytes the CDB calls for (the SCSI-presented data transfer length). */
  spdtl: number;
  /** What is sent: the Expected Data Transfer Length is its length. */
  data: Buffer;
  /**
   * GOOD is acceptable (the command processed with the data present); default true. 'should': GOOD with the
   * residual right is a SHOULD-level warning — FCP-4 9.4.2 (a) lets a device server process a command whose
   * Data-Out is shorter than it needs, with the overflow signalled, but no sentence makes that a good idea.
   */
  good?: boolean | 'should';
  /** Further refusals accepted besides INVALID FIELD IN INFORMATION UNIT. */
  also?: Expectation[];
}

/**
 * Sends a command whose Expected Data Transfer Length differs from what the CDB needs. Accepted: GOOD with
 * the residual RFC 7143 11.4.5.2 requires (overflow of SPDTL - EDTL, or underflow of EDTL - SPDTL), or the
 * command refused with INVALID FIELD IN COMMAND INFORMATION UNIT (ILLEGAL REQUEST, or ABORTED COMMAND; FCP-4
 * 9.4.2 lists the same three choices). Returns the result (the caller checks the medium).
 */
export async function mismatched(t: TestContext, m: Mismatch): Promise<ScsiResult> {
  const refused: Expectation[] = [INVALID_FIELD_IN_IU, INVALID_FIELD_IN_IU_ABORTED, ...(m.also ?? [])];
  const edtl = m.data.length;
  const what = `${scsi.describeCdb(m.cdb)} with EDTL ${edtl} (the CDB calls for ${m.spdtl} bytes)`;
  const r = await t.command(m.cdb, { dataOut: m.data, expect: m.good === false ? refused : [GOOD, ...refused], what });
  if (r.status === GOOD_STATUS) {
    const over = m.spdtl > edtl;
    const kind = over ? 'overflow' : 'underflow';
    t.check(
      over ? r.residual.overflow && !r.residual.underflow : r.residual.underflow && !r.residual.overflow,
      `${what}: GOOD without a residual ` + `${kind} (RFC 7143 11.4.5.2: SPDTL ${over ? '>' : '<'} EDTL must be signalled as ${kind})`,
    );
    t.equal(r.residual.count, Math.abs(m.spdtl - edtl), `${what}: residual count`);
    if (m.good === 'should') t.should(false, `${what}: GOOD with a residual ${kind}: processed without ${m.spdtl - edtl} bytes of the data it needs`);
  }
  return r;
}

/** The doc sentence of the usage-data half of dpoFuaCheck, for the tests' docs: `bits` is 'DPO' or 'DPO and FUA'. */
export const usageDoc = (bits: string): string =>
  `must show the ${bits} bits as 0 in the CDB usage data when DPOFUA is clear (a bit treated as reserved "shall" be 0) and should show them as 1 ` +
  `when it is set (a warning: a bit that is accepted may be ignored, and an ignored bit is 0 too)`;

/** Whether a mismatched command was processed (GOOD) rather than refused. */
export const processed = (r: ScsiResult): boolean => r.status === GOOD_STATUS;

/**
 * DPO (and FUA) against the DPOFUA bit of the mode parameter header (SBC-4 6.5.1): accepted when it is set,
 * INVALID FIELD IN CDB when it is clear; REPORT SUPPORTED OPERATION CODES, when implemented, must show a
 * refused bit as 0 in the CDB usage data (SPC-5: a bit the device server ignores or treats as reserved shall be
 * 0), and should show an accepted one as 1 (a SHOULD: an accepted DPO or FUA may be ignored, and an ignored
 * bit is 0 too); never a bit the command does not have.
 */
export async function dpoFuaCheck(
  t: TestContext,
  o: {
    name: string;
    op: number;
    /** The command has a FUA bit (else only DPO). */
    fua: boolean;
    /** Send the command with these flags, expecting `expect`. */
    send(flags: { dpo?: boolean; fua?: boolean }, expect: Expected): Promise<void>;
  },
): Promise<void> {
  if (!t.dev.mode) t.skip('MODE SENSE(6) did not answer at start-up, so DPOFUA is unknown');
  const supported = t.dev.dpofua;
  const expect = supported ? GOOD : INVALID_FIELD_IN_CDB;
  t.log(
    `DPOFUA is ${supported ? 'set: DPO' + (o.fua ? ' and FUA' : '') + ' must be accepted' : 'clear: DPO' + (o.fua ? ' and FUA' : '') + ' must be refused'}`,
  );
  const combos = o.fua ? [{ dpo: true }, { fua: true }, { dpo: true, fua: true }] : [{ dpo: true }];
  for (const flags of combos) await o.send(flags, expect);
  const r = await t.command(scsi.reportSupportedOperationCodes({ op: o.op, alloc: 512 }), { allowUnsupported: true });
  if (r.status !== GOOD_STATUS) {
    t.log('REPORT SUPPORTED OPERATION CODES is not implemented: the CDB usage data is not checked');
    return;
  }
  const one = scsi.parseRsocOneCommand(r.data);
  if (one.support !== scsi.RsocSupport.SUPPORTED && one.support !== scsi.RsocSupport.SUPPORTED_VENDOR_SPECIFIC) {
    t.fail(`REPORT SUPPORTED OPERATION CODES says ${o.name} is ${scsi.rsocSupportName(one.support)}, yet it was just processed`);
  }
  const b1 = one.usageMap[1] ?? 0;
  const bits: [string, number][] = o.fua
    ? [
        ['DPO', 0x10],
        ['FUA', 0x08],
      ]
    : [['DPO', 0x10]];
  for (const [bit, mask] of bits) {
    if (supported) {
      // The device server honours the bit, but it may ignore it (DPO is a cache hint; FUA changes nothing
      // without a volatile cache), and SPC-5 gives an ignored bit a 0 in the usage map: 1 is expected, not required.
      t.should((b1 & mask) !== 0, `${o.name} CDB usage data byte 1 ${bit} bit is 0 though DPOFUA is set (the bit is accepted)`);
    } else {
      // The bit was just refused as unsupported: SPC-5 (REPORT SUPPORTED OPERATION CODES, CDB USAGE DATA) says
      // a bit the device server treats as reserved shall be 0 in the usage map.
      t.equal(b1 & mask, 0, `${o.name} CDB usage data byte 1 ${bit} bit (DPOFUA clear: the bit is refused)`);
    }
  }
  if (!o.fua) t.equal(b1 & 0x08, 0, `${o.name} CDB usage data byte 1 bit 3 (reserved in ${o.name})`);
}

/**
 * The INFORMATION field of a MISCOMPARE: the offset from the start of the Data-Out buffer of the first byte
 * that was not equal. `level` MUST fails the test when it is absent or wrong; SHOULD warns.
 */
export function checkMiscompareOffset(t: TestContext, r: ScsiResult, offset: number, what: string, level: 'MUST' | 'SHOULD'): void {
  const info = r.sense?.information;
  if (level === 'MUST') {
    t.check(info !== undefined, `${what}: MISCOMPARE without a valid INFORMATION field (it must hold the offset ${offset} of the first byte that differs)`);
    t.equal(info, BigInt(offset), `${what}: INFORMATION (offset of the first byte that differs)`);
    return;
  }
  if (
    !t.should(info !== undefined, `${what}: MISCOMPARE without a valid INFORMATION field; it should hold the offset ${offset} of the first byte that differs`)
  )
    return;
  t.should(info === BigInt(offset), `${what}: INFORMATION is ${info}, the offset of the first byte that differs is ${offset}`);
}
