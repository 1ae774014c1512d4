/**
 * Shared pieces of the logical block provisioning suites (WriteSame10/16, Unmap, GetLBAStatus) and of the
 * other suites that check refused commands: what the probe says about provisioning (LBPRZ, the unmap
 * granularity, MAXIMUM WRITE SAME LENGTH), GET LBA STATUS read and checked, and the field pointer of an
 * ILLEGAL REQUEST. (A helper module: its name starts with `_`, so the registry does not load it as a suite.)
 */
import { GOOD, scsi, type ScsiResult, type TestContext } from '../../harness/api.js';

/** Unmapped LBAs read as zeros: LBPRZ in READ CAPACITY (16), or LBPRZ xx1b in the LBP VPD page (SBC-4 4.7.4.4). */
export function readsZerosWhenUnmapped(t: TestContext): boolean {
  return !!t.dev.rc16?.lbprz || ((t.dev.lbp?.lbprz ?? 0) & 1) === 1;
}

/** MAXIMUM WRITE SAME LENGTH of the Block Limits page; Infinity when it is 0 (no limit) or unknown. */
export function maxWriteSame(t: TestContext): number {
  const m = t.dev.blockLimits?.maximumWriteSameLength;
  return m && m > 0n ? Number(m > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : m) : Infinity;
}

/**
 * The unit in which the device server unmaps (SBC-4 4.7.3.4, 6.6.4): the larger of LOGICAL BLOCKS PER PHYSICAL
 * BLOCK and OPTIMAL UNMAP GRANULARITY, and the first LBA of a whole unit (UNMAP GRANULARITY ALIGNMENT when
 * UGAVALID is set).
 */
export function unmapUnit(t: TestContext): { unit: number; align: number } {
  const bl = t.dev.blockLimits;
  const unit = Math.max(1, t.dev.lbppb, bl?.optimalUnmapGranularity ?? 0);
  const align = bl?.ugavalid ? (bl.unmapGranularityAlignment ?? 0) % unit : (t.dev.rc16?.lowestAlignedLba ?? 0) % unit;
  return { unit, align };
}

/** SBC-4's PROVISIONING STATUS values: 3h (mapped) and 4h (unknown) came in sbc4r12, for REPORT TYPE other than 00h. */
export const PROVISIONING_NAMES: Record<number, string> = { 0: 'mapped (or unknown)', 1: 'deallocated', 2: 'anchored', 3: 'mapped', 4: 'unknown' };
/** Deallocated or anchored: what an LBA holding written non-zero data cannot be where unmapped LBAs read as zeros (LBPRZ). */
export const isUnmapped = (st: number): boolean => st === 1 || st === 2;

/**
 * GET LBA STATUS at `lba` (GOOD expected) and the checks every answer must pass (SBC-4 5.6.2, 5.6.2.2): the
 * PARAMETER DATA LENGTH is 4 + 16 × n; the first descriptor starts at the LBA asked for; descriptors are
 * contiguous, in order, of at least one block each, and end within the medium. Returns the descriptors.
 */
export async function lbaStatus(t: TestContext, lba: number | bigint, alloc = 24 + 16 * 15): Promise<scsi.LbaStatusDescriptor[]> {
  const cdb = scsi.getLbaStatus({ lba, alloc });
  const r = await t.command(cdb, { dataIn: alloc, expect: GOOD });
  const what = scsi.describeCdb(cdb);
  t.check(r.data.length >= 8, `${what}: ${r.data.length} bytes returned, less than the 8-byte header`);
  const pdl = r.data.readUInt32BE(0);
  t.check(pdl >= 4 && (pdl - 4) % 16 === 0, `${what}: PARAMETER DATA LENGTH ${pdl} is not 4 + 16 × n (SBC-4 5.6.2)`);
  t.check(pdl >= 20, `${what}: no LBA status descriptor returned (PARAMETER DATA LENGTH ${pdl}); there must be at least the one for the starting LBA`);
  const d = scsi.parseLbaStatus(r.data).descriptors;
  t.check(d.length >= 1, `${what}: ${r.data.length} bytes returned, no whole LBA status descriptor`);
  t.equal(d[0]!.lba, BigInt(lba), `${what}: LBA of the first LBA status descriptor (it must be the STARTING LOGICAL BLOCK ADDRESS, SBC-4 5.6.2.2)`);
  let next = BigInt(lba);
  for (const [i, x] of d.entries()) {
    t.equal(x.lba, next, `${what}: LBA of descriptor ${i} (descriptors must follow each other)`);
    t.check(x.blocks > 0, `${what}: descriptor ${i} (LBA ${x.lba}) covers 0 blocks`);
    // REPORT TYPE 00h (what lbaStatus sends): SBC-4's PROVISIONING STATUS table allows only 0h, 1h and 2h for it; 3h (mapped) and 4h
    // (unknown) are for the other report types, and 5h-Fh are reserved
    t.check(
      x.provisioningStatus <= 2,
      `${what}: descriptor ${i} has PROVISIONING STATUS ${x.provisioningStatus}h (${PROVISIONING_NAMES[x.provisioningStatus] ?? 'reserved'}), ` +
        `which SBC-4 does not allow for REPORT TYPE 00h (0h, 1h and 2h are)`,
    );
    next = x.lba + BigInt(x.blocks);
    t.check(next <= BigInt(t.dev.blocks), `${what}: descriptor ${i} (LBA ${x.lba}, ${x.blocks} blocks) ends past the last LBA ${t.dev.lastLba}`);
  }
  return d;
}

/** The provisioning status GET LBA STATUS reports at `lba` (PROVISIONING_NAMES). */
export async function statusOf(t: TestContext, lba: number): Promise<number> {
  return (await lbaStatus(t, lba))[0]!.provisioningStatus;
}

/**
 * The sense-key specific field pointer of an ILLEGAL REQUEST (SPC-5 field pointer sense key specific data): when the device server gives
 * one (SKSV set), it must name the field in error — C/D, the byte, and the bit when BPV is set. A refusal
 * without a field pointer is a SHOULD-level warning.
 */
export function checkFieldPointer(t: TestContext, r: ScsiResult, want: { cd: boolean; byte: number; bit?: number }, what: string): void {
  const f = r.sense?.senseKeySpecific?.field;
  if (!f) {
    t.should(
      false,
      `${what}: the sense data carries no field pointer (SKSV 0), so the initiator cannot tell which ${want.cd ? 'CDB' : 'parameter list'} field is in error`,
    );
    return;
  }
  t.check(
    f.cd === want.cd,
    `${what}: the field pointer's C/D bit is ${f.cd ? 1 : 0}: it says the error is in the ${f.cd ? 'CDB' : 'parameter list'}, not the ${want.cd ? 'CDB' : 'parameter list'}`,
  );
  t.equal(f.fieldPointer, want.byte, `${what}: FIELD POINTER (byte in error)`);
  if (want.bit !== undefined && f.bpv) t.equal(f.bitPointer, want.bit, `${what}: BIT POINTER`);
}

/** Every byte of `b` is zero. */
export const allZero = (b: Buffer): boolean => b.every((x) => x === 0);

/** The first block of `n` in `data` that is not all zeros, or -1. */
export function firstNonZeroBlock(data: Buffer, bs: number): number {
  for (let i = 0; i * bs < data.length; i++) if (!allZero(data.subarray(i * bs, (i + 1) * bs))) return i;
  return -1;
}

/** Write `n` blocks at `lba` with the test's pattern (WRITE (10), or (16) past 32 bits); they are remembered. */
export async function writeBlocks(t: TestContext, lba: number, n: number): Promise<Buffer> {
  const data = t.pattern(lba, n);
  const cdb = lba + n <= 2 ** 32 && n <= 0xffff ? scsi.write10({ lba, blocks: n }) : scsi.write16({ lba, blocks: n });
  await t.command(cdb, { dataOut: data });
  return data;
}
