/**
 * Shared bodies of the WriteSame10 and WriteSame16 suites: one description of each CDB, and the tests written
 * once against it (SBC-4 5.52 WRITE SAME (10), 5.53 WRITE SAME (16), 4.7 logical block provisioning, 6.6.4
 * Block Limits, 6.6.7 Logical Block Provisioning VPD page). (A helper module: not a suite.)
 */
import {
  GOOD,
  ILLEGAL_REQUEST,
  INVALID_FIELD_IN_CDB,
  INVALID_OPCODE,
  LBA_OUT_OF_RANGE,
  scsi,
  type CustomNeed,
  type Expected,
  type ScsiResult,
  type TestContext,
} from '../../harness/api.js';
import { mismatched, processed, protectDoc, protectWalk } from './_block.js';
import { allZero, checkFieldPointer, firstNonZeroBlock, maxWriteSame, readsZerosWhenUnmapped, statusOf, unmapUnit, writeBlocks } from './_lbp.js';

export interface WsCdb {
  /** 'WRITE SAME(10)' */
  name: string;
  size: 10 | 16;
  clause: string;
  /** Largest LBA and NUMBER OF LOGICAL BLOCKS the CDB holds. */
  maxLba: bigint;
  maxBlocks: number;
  /** Byte of NUMBER OF LOGICAL BLOCKS and of GROUP NUMBER. */
  lenByte: number;
  groupByte: number;
  /** The LBP VPD bit that says UNMAP is supported with this CDB. */
  lbpwsName: 'LBPWS10' | 'LBPWS';
  lbpws: (t: TestContext) => boolean;
  build: (o: scsi.WriteSameOptions) => Buffer;
}

/** A WRITE SAME CDB as the command catalogue describes it, with the LBP VPD bit that goes with it. */
function wsCdb(op: number, lbpwsName: WsCdb['lbpwsName'], lbpws: WsCdb['lbpws'], build: WsCdb['build']): WsCdb {
  const { name, size, clause, maxLba, maxBlocks, lenByte, groupByte } = scsi.lbaCdbShape(op);
  return { name, size: size as WsCdb['size'], clause, maxLba, maxBlocks, lenByte, groupByte: groupByte!, lbpwsName, lbpws, build };
}

export const WS10 = wsCdb(scsi.Op.WRITE_SAME_10, 'LBPWS10', (t) => !!t.dev.lbp?.lbpws10, scsi.writeSame10);
export const WS16 = wsCdb(scsi.Op.WRITE_SAME_16, 'LBPWS', (t) => !!t.dev.lbp?.lbpws, scsi.writeSame16);

/** The LBP VPD page says this CDB may unmap (and the LU is thin). */
export function unmapNeed(c: WsCdb): CustomNeed {
  return {
    name: c.lbpwsName.toLowerCase(),
    check: (dev) => {
      if (!dev.thin) return 'LUN is not thin-provisioned (LBPME=0)';
      const ok = c.size === 10 ? dev.lbp?.lbpws10 : dev.lbp?.lbpws;
      return ok ? undefined : `${c.name} with UNMAP is not supported (${c.lbpwsName}=0)`;
    },
  };
}

interface WsOpts {
  lba: number | bigint;
  blocks: number;
  unmap?: boolean;
  anchor?: boolean;
  ndob?: boolean;
  wrprotect?: number;
}

/**
 * Send one WRITE SAME with one block of Data-Out (`block`, default: a fresh pattern; none with NDOB). On GOOD
 * without UNMAP the blocks written are remembered for the read-back check (up to 4096 of them); with UNMAP
 * they are forgotten (their content is then the block sent or what unmapped blocks read as).
 */
export async function ws(
  t: TestContext,
  c: WsCdb,
  o: WsOpts,
  expect: Expected = GOOD,
  block?: Buffer,
  extra: { allowUnsupported?: boolean; what?: string } = {},
): Promise<ScsiResult> {
  const lba = Number(o.lba);
  const data = o.ndob ? undefined : (block ?? t.pattern(Number.isSafeInteger(lba) ? lba : 0, 1));
  const cdb = c.build(o);
  const r = await t.command(cdb, { expect, ...(data ? { dataOut: data } : { dataIn: 0 }), ...extra });
  if (r.status === scsi.ScsiStatus.GOOD && r.response === 0) {
    const n = o.blocks === 0 ? t.dev.blocks - lba : o.blocks;
    if (o.unmap || o.ndob || n > 4096) t.forget(lba, n);
    else for (let i = 0; i < n; i++) t.remember(lba + i, data!, scsi.describeCdb(cdb));
  }
  return r;
}

/** Transfer lengths 1..256 that this WRITE SAME may carry: capped by MAXIMUM WRITE SAME LENGTH and the capacity. */
export function wsLengths(t: TestContext, c: WsCdb, max = 256): number[] {
  const n = Math.max(0, Math.min(max, c.maxBlocks, maxWriteSame(t), t.dev.blocks));
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** The last LBA + 1 that the CDB can address (the capacity, or less for a LUN too big for the CDB). */
function end(t: TestContext, c: WsCdb): number {
  return BigInt(t.dev.blocks) - 1n > c.maxLba ? Number(c.maxLba) + 1 : t.dev.blocks;
}

/** Simple: 1..256 blocks at LBA 0 and ending at the last LBA, each GOOD; the read-back check compares them. */
export async function simple(t: TestContext, c: WsCdb): Promise<void> {
  const lens = wsLengths(t, c);
  const e = end(t, c);
  t.log(`${c.name} of 1..${lens.length} blocks at LBA 0, then ending at LBA ${e - 1}`);
  for (const n of lens) await ws(t, c, { lba: 0, blocks: n });
  for (const n of lens) await ws(t, c, { lba: e - n, blocks: n });
}

/**
 * Check: after each WRITE SAME of n blocks every one of them reads back as the block sent, and the block
 * just past the range (written first) is untouched: exactly n blocks are written.
 */
export async function check(t: TestContext, c: WsCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const lens = wsLengths(t, c, Math.min(256, t.dev.blocks - 1));
  const e = end(t, c);
  const verify = async (lba: number, n: number, block: Buffer, sentinelAt: number, sentinel: Buffer) => {
    const from = Math.min(lba, sentinelAt);
    const got = await t.readBlocks(from, n + 1);
    for (let i = 0; i < n; i++) {
      const b = got.subarray((lba - from + i) * bs, (lba - from + i + 1) * bs);
      if (!b.equals(block)) t.fail(`${c.name} LBA=${lba} LEN=${n}: LBA ${lba + i} does not hold the block sent`);
    }
    const s = got.subarray((sentinelAt - from) * bs, (sentinelAt - from + 1) * bs);
    t.check(s.equals(sentinel), `${c.name} LBA=${lba} LEN=${n} changed LBA ${sentinelAt}, outside the range it names`);
  };
  t.log(`${c.name} of 1..${lens.length} blocks at LBA 0, each read back with the block after it`);
  for (const n of lens) {
    const sentinel = await writeBlocks(t, n, 1);
    const block = t.pattern(0, 1);
    await ws(t, c, { lba: 0, blocks: n }, GOOD, block);
    await verify(0, n, block, n, sentinel);
  }
  t.log(`${c.name} of 1..${lens.length} blocks ending at LBA ${e - 1}, each read back with the block before it`);
  for (const n of lens) {
    const sentinel = await writeBlocks(t, e - n - 1, 1);
    const block = t.pattern(e - n, 1);
    await ws(t, c, { lba: e - n, blocks: n }, GOOD, block);
    await verify(e - n, n, block, e - n - 1, sentinel);
  }
}

/**
 * BeyondEol: ranges that cross the end of the medium, and that start past it, are LBA OUT OF RANGE (SBC-4
 * 4.5); the blocks at the end, written first, stay as they were.
 */
export async function beyondEol(t: TestContext, c: WsCdb): Promise<void> {
  const blocks = t.dev.blocks;
  if (BigInt(blocks) > c.maxLba) t.skip(`the LUN (${blocks} blocks) is too big for ${c.name} past-the-end tests`);
  const lens = wsLengths(t, c);
  await writeBlocks(t, blocks - lens.length, lens.length);
  t.log(`${c.name} of 1..${lens.length} blocks whose last block is just past the end (LBA ${blocks})`);
  for (const n of lens) await ws(t, c, { lba: blocks + 1 - n, blocks: n }, LBA_OUT_OF_RANGE);
  t.log(`${c.name} of 2..${lens.length} blocks starting at the last LBA`);
  for (const n of lens.slice(1)) await ws(t, c, { lba: blocks - 1, blocks: n }, LBA_OUT_OF_RANGE);
  const starts = c.size === 16 ? [2n ** 63n, 2n ** 64n - 1n] : [2n ** 31n, 2n ** 32n - 1n];
  for (const lba of starts) {
    if (lba < BigInt(blocks)) continue;
    t.log(`${c.name} of 1..${lens.length} blocks at LBA ${lba}`);
    for (const n of lens) await ws(t, c, { lba, blocks: n }, LBA_OUT_OF_RANGE);
  }
}

/**
 * ZeroBlocks: NUMBER OF LOGICAL BLOCKS 0 at LBA 0 asks for every block to the end of the medium: INVALID
 * FIELD IN CDB when WSNZ is set, or when the medium is longer than MAXIMUM WRITE SAME LENGTH; GOOD otherwise.
 * At LBAs past the end it is LBA OUT OF RANGE.
 */
export async function zeroBlocks(t: TestContext, c: WsCdb): Promise<void> {
  const wsnz = !!t.dev.blockLimits?.wsnz;
  const max = maxWriteSame(t);
  const blocks = t.dev.blocks;
  if (wsnz) {
    t.log('WSNZ is set: NUMBER OF LOGICAL BLOCKS 0 is not supported');
    const r = await ws(t, c, { lba: 0, blocks: 0 }, INVALID_FIELD_IN_CDB);
    checkFieldPointer(t, r, { cd: true, byte: c.lenByte }, `${c.name} LBA=0 LEN=0 (WSNZ=1)`);
  } else if (blocks > max) {
    t.log(`WSNZ is clear, but the ${blocks} blocks to the end exceed MAXIMUM WRITE SAME LENGTH ${max}`);
    await ws(t, c, { lba: 0, blocks: 0 }, INVALID_FIELD_IN_CDB);
  } else if (blocks * t.dev.blockSize > 256 * 1024 * 1024) {
    t.log(`WSNZ is clear and MAXIMUM WRITE SAME LENGTH allows the whole medium, but ${blocks} blocks are too many to write here: LEN=0 at LBA 0 is not sent`);
  } else {
    t.log('WSNZ is clear: NUMBER OF LOGICAL BLOCKS 0 writes the whole medium');
    await ws(t, c, { lba: 0, blocks: 0 });
  }
  const past = c.size === 16 ? [BigInt(blocks) + 1n, 2n ** 63n, 2n ** 64n - 1n] : [BigInt(blocks) + 1n, 2n ** 31n, 2n ** 32n - 1n];
  for (const lba of past) {
    if (lba <= BigInt(blocks) || lba > c.maxLba) continue;
    t.log(`${c.name} of 0 blocks at LBA ${lba}, past the end`);
    await ws(t, c, { lba, blocks: 0 }, wsnz ? [LBA_OUT_OF_RANGE, INVALID_FIELD_IN_CDB] : LBA_OUT_OF_RANGE);
  }
}

/**
 * Wsnz: NUMBER OF LOGICAL BLOCKS 0 near the end of the medium. With WSNZ clear it writes every block from
 * the LBA to the last one, and no other (the block before, written first, is untouched); with WSNZ set it
 * is INVALID FIELD IN CDB pointing at NUMBER OF LOGICAL BLOCKS and nothing changes (SBC-4 6.6.4).
 */
export async function wsnzTest(t: TestContext, c: WsCdb): Promise<void> {
  const wsnz = !!t.dev.blockLimits?.wsnz;
  const e = end(t, c);
  if (e !== t.dev.blocks) t.skip(`the end of the medium is beyond what ${c.name} addresses`);
  const k = Math.min(16, t.dev.blocks - 1, maxWriteSame(t));
  const before = await writeBlocks(t, e - k - 1, k + 1);
  const block = t.pattern(e - k, 1);
  if (wsnz) {
    t.log(`WSNZ is set: ${c.name} LEN=0 at LBA ${e - k} must be refused`);
    const r = await ws(t, c, { lba: e - k, blocks: 0 }, INVALID_FIELD_IN_CDB, block);
    checkFieldPointer(t, r, { cd: true, byte: c.lenByte }, `${c.name} LBA=${e - k} LEN=0 (WSNZ=1)`);
    return;
  }
  t.log(`WSNZ is clear: ${c.name} LEN=0 at LBA ${e - k} writes the last ${k} blocks`);
  await ws(t, c, { lba: e - k, blocks: 0 }, GOOD, block);
  const got = await t.readBlocks(e - k - 1, k + 1);
  const bs = t.dev.blockSize;
  t.check(got.subarray(0, bs).equals(before.subarray(0, bs)), `${c.name} LBA=${e - k} LEN=0 changed LBA ${e - k - 1}, before the range`);
  for (let i = 1; i <= k; i++)
    t.check(
      got.subarray(i * bs, (i + 1) * bs).equals(block),
      `${c.name} LBA=${e - k} LEN=0: LBA ${e - k - 1 + i} does not ` + `hold the block sent (LEN=0 with WSNZ=0 writes to the end of the medium)`,
    );
}

/** WriteProtect: WRPROTECT 1..7 on a logical unit without protection information enabled (protectWalk). */
export async function writeProtect(t: TestContext, c: WsCdb): Promise<void> {
  if (t.dev.protection) t.skip('protection information is enabled; this test checks WRPROTECT on a logical unit without it');
  await writeBlocks(t, 0, 1);
  await protectWalk(t, { field: 'WRPROTECT', name: `${c.name} LBA=0 LEN=1`, send: (p, expect) => ws(t, c, { lba: 0, blocks: 1, wrprotect: p }, expect) });
}

/** Read `n` blocks at `lba` and fail unless they are all zeros (unmapped blocks with LBPRZ). */
async function expectZeros(t: TestContext, lba: number, n: number, why: string): Promise<void> {
  const got = await t.readBlocks(lba, n);
  const bad = firstNonZeroBlock(got, t.dev.blockSize);
  if (bad >= 0) t.fail(`${why}: LBA ${lba + bad} does not read as zeros, though unmapped blocks read as zeros (LBPRZ) and the block sent was zeros`);
}

/**
 * Unmap: for 1..256 blocks at LBA 0 and at the end: WRITE them, then WRITE SAME with UNMAP and a block of
 * zeros: GOOD; with LBPRZ they read back as zeros (each LBA is either unmapped or written with the block sent).
 * ANCHOR without UNMAP is INVALID FIELD IN CDB; ANCHOR with UNMAP is GOOD with ANC_SUP, else INVALID FIELD IN CDB.
 */
export async function unmap(t: TestContext, c: WsCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const zeros = Buffer.alloc(bs);
  const lbprz = readsZerosWhenUnmapped(t);
  const lens = wsLengths(t, c);
  const e = end(t, c);
  // every length at LBA 0; at the end of the medium the lengths around powers of two (the cost of a thin LU
  // is in writing the blocks first)
  const edge = lens.filter((n) => n <= 16 || [31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256].includes(n));
  t.log(
    `${c.name} UNMAP of 1..${lens.length} blocks at LBA 0, and of ${edge.length} lengths ending at LBA ${e - 1}${lbprz ? ', each read back as zeros (LBPRZ)' : ''}`,
  );
  for (const [start, set] of [
    [() => 0, lens],
    [(n: number) => e - n, edge],
  ] as const) {
    for (const n of set) {
      const lba = start(n);
      await writeBlocks(t, lba, n);
      await ws(t, c, { lba, blocks: n, unmap: true }, GOOD, zeros);
      if (lbprz) await expectZeros(t, lba, n, `${c.name} LBA=${lba} LEN=${n} UNMAP`);
    }
  }
  const keep = await writeBlocks(t, 0, 1);
  t.log('ANCHOR without UNMAP is not a valid combination');
  await ws(t, c, { lba: 0, blocks: 1, anchor: true }, INVALID_FIELD_IN_CDB, zeros);
  t.check((await t.readBlocks(0, 1)).equals(keep), `${c.name} LBA=0 LEN=1 ANCHOR was refused but changed LBA 0`);
  const anc = !!t.dev.lbp?.ancSup;
  t.log(`ANCHOR with UNMAP: ANC_SUP is ${anc ? 'set: GOOD' : 'clear: INVALID FIELD IN CDB'}`);
  await ws(t, c, { lba: 0, blocks: 1, anchor: true, unmap: true }, anc ? GOOD : INVALID_FIELD_IN_CDB, zeros);
}

/**
 * UnmapUnaligned: WRITE SAME with UNMAP of ranges that start inside an unmap unit (LOGICAL BLOCKS PER PHYSICAL
 * BLOCK or OPTIMAL UNMAP GRANULARITY) and end at its end: each GOOD; with LBPRZ the range reads as zeros, and
 * the blocks of the unit before the range keep their data (unaligned unmapping must not round outwards).
 */
export async function unmapUnaligned(t: TestContext, c: WsCdb): Promise<void> {
  const { unit, align } = unmapUnit(t);
  if (unit <= 1) t.skip('LOGICAL BLOCKS PER PHYSICAL BLOCK is 1 and there is no OPTIMAL UNMAP GRANULARITY: every range is aligned');
  const n = Math.min(unit, maxWriteSame(t), 1024);
  const base = align + unit;
  if (base + unit > t.dev.blocks) t.skip(`the LUN is smaller than two unmap units of ${unit} blocks`);
  const bs = t.dev.blockSize;
  const lbprz = readsZerosWhenUnmapped(t);
  t.log(`Unmap unit ${unit} blocks (first whole unit at LBA ${align}); ${c.name} UNMAP from LBA ${base}+i to the end of the unit, i = 1..${n - 1}`);
  for (let i = 1; i < n; i++) {
    const written = await writeBlocks(t, base, unit);
    await ws(t, c, { lba: base + i, blocks: unit - i, unmap: true }, GOOD, Buffer.alloc(bs));
    if (!lbprz) continue;
    const got = await t.readBlocks(base, unit);
    for (let b = 0; b < unit; b++) {
      const blk = got.subarray(b * bs, (b + 1) * bs);
      if (b < i)
        t.check(
          blk.equals(written.subarray(b * bs, (b + 1) * bs)),
          `${c.name} LBA=${base + i} LEN=${unit - i} UNMAP changed LBA ${base + b}, before the range`,
        );
      else t.check(allZero(blk), `${c.name} LBA=${base + i} LEN=${unit - i} UNMAP: LBA ${base + b} does not read as zeros (LBPRZ)`);
    }
  }
}

/**
 * UnmapUntilEnd: WRITE SAME with UNMAP and NUMBER OF LOGICAL BLOCKS 0 from the last 1..256 blocks: with WSNZ
 * clear it unmaps to the end of the medium (GOOD, zeros with LBPRZ); with WSNZ set it is INVALID FIELD IN CDB
 * and the blocks keep their data.
 */
export async function unmapUntilEnd(t: TestContext, c: WsCdb): Promise<void> {
  const e = end(t, c);
  if (e !== t.dev.blocks) t.skip(`the end of the medium is beyond what ${c.name} addresses`);
  const wsnz = !!t.dev.blockLimits?.wsnz;
  const lbprz = readsZerosWhenUnmapped(t);
  const lens = wsLengths(t, c);
  t.log(`${c.name} UNMAP LEN=0 from the last 1..${lens.length} blocks: WSNZ is ${wsnz ? 'set (refused)' : 'clear (to the end)'}`);
  for (const n of lens) {
    const lba = e - n;
    await writeBlocks(t, lba, n);
    await ws(t, c, { lba, blocks: 0, unmap: true }, wsnz ? INVALID_FIELD_IN_CDB : GOOD, Buffer.alloc(t.dev.blockSize));
    if (!wsnz && lbprz) await expectZeros(t, lba, n, `${c.name} LBA=${lba} LEN=0 UNMAP`);
  }
}

/**
 * UnmapVPD: WRITE SAME with UNMAP of one block must agree with the Logical Block Provisioning VPD page: GOOD
 * only when LBPME and LBPWS (LBPWS10) are set; INVALID FIELD IN CDB (the UNMAP bit is not supported, SPC-5
 * 4.4.3) when the bit is clear, leaving the block as it was.
 */
export async function unmapVpd(t: TestContext, c: WsCdb): Promise<void> {
  const keep = await writeBlocks(t, 0, 1);
  const zeros = Buffer.alloc(t.dev.blockSize);
  const r = await ws(t, c, { lba: 0, blocks: 1, unmap: true }, [GOOD, INVALID_FIELD_IN_CDB, INVALID_OPCODE], zeros, { allowUnsupported: true });
  const lbpws = c.lbpws(t);
  if (r.sense?.ascAscq === scsi.Asc.INVALID_COMMAND_OPERATION_CODE) t.skip(`target does not implement ${c.name}`);
  if (!t.dev.thin) {
    // SBC-4 ties the UNMAP bit to logical block provisioning management ("If the logical unit supports logical
    // block provisioning management, then the ANCHOR bit, the UNMAP bit, and the ANC_SUP bit ... determine how
    // the device server processes the command"): on a fully provisioned LU either answer is allowed, as long as
    // it is what happened to the block.
    if (r.status === scsi.ScsiStatus.GOOD) {
      t.log(`${c.name} UNMAP on a fully provisioned LU completed with GOOD: the block must hold the block sent (zeros)`);
      t.check(
        (await t.readBlocks(0, 1)).equals(zeros),
        `${c.name} LBA=0 LEN=1 UNMAP completed with GOOD on a fully provisioned LU, but LBA 0 does not hold the block sent`,
      );
      t.remember(0, zeros, `${c.name} LBA=0 LEN=1 UNMAP`);
    } else {
      t.check((await t.readBlocks(0, 1)).equals(keep), `${c.name} LBA=0 LEN=1 UNMAP was refused but changed LBA 0`);
    }
    return;
  }
  if (r.status === scsi.ScsiStatus.GOOD) {
    t.log(`${c.name} UNMAP is available: LBPME and ${c.lbpwsName} must be set`);
    t.check(t.dev.thin, `${c.name} with UNMAP completed with GOOD, but READ CAPACITY (16) says LBPME=0 (the LU is not thin provisioned)`);
    t.check(lbpws, `${c.name} with UNMAP completed with GOOD, but the Logical Block Provisioning VPD page says ${c.lbpwsName}=0`);
    if (readsZerosWhenUnmapped(t)) await expectZeros(t, 0, 1, `${c.name} LBA=0 LEN=1 UNMAP`);
  } else {
    t.log(`${c.name} UNMAP is refused: ${c.lbpwsName} must be clear`);
    t.check(!lbpws, `${c.name} with UNMAP was refused (INVALID FIELD IN CDB), but the Logical Block Provisioning VPD page says ${c.lbpwsName}=1`);
    t.check((await t.readBlocks(0, 1)).equals(keep), `${c.name} LBA=0 LEN=1 UNMAP was refused but changed LBA 0`);
  }
}

/**
 * Anchor (thin and thick LUNs): ANCHOR without UNMAP is always INVALID FIELD IN CDB; ANCHOR with UNMAP is GOOD
 * only when the VPD page sets both ANC_SUP and LBPWS (LBPWS10) — the blocks then read as zeros with LBPRZ
 * and GET LBA STATUS should report them anchored — and INVALID FIELD IN CDB otherwise, with the blocks
 * unchanged.
 */
export async function anchor(t: TestContext, c: WsCdb): Promise<void> {
  const { unit, align } = unmapUnit(t);
  const lba = align + unit;
  const n = Math.min(unit, maxWriteSame(t));
  const keep = await writeBlocks(t, lba, n);
  const zeros = Buffer.alloc(t.dev.blockSize);
  await ws(t, c, { lba, blocks: n, anchor: true }, INVALID_FIELD_IN_CDB, zeros);
  t.check((await t.readBlocks(lba, n)).equals(keep), `${c.name} LBA=${lba} LEN=${n} ANCHOR (without UNMAP) was refused but changed the blocks`);
  const ok = c.lbpws(t) && !!t.dev.lbp?.ancSup && t.dev.thin;
  t.log(`ANCHOR with UNMAP: ${c.lbpwsName}=${c.lbpws(t) ? 1 : 0}, ANC_SUP=${t.dev.lbp?.ancSup ? 1 : 0}: ${ok ? 'GOOD' : 'INVALID FIELD IN CDB'} expected`);
  await ws(t, c, { lba, blocks: n, anchor: true, unmap: true }, ok ? GOOD : INVALID_FIELD_IN_CDB, zeros);
  if (!ok) {
    t.check((await t.readBlocks(lba, n)).equals(keep), `${c.name} LBA=${lba} LEN=${n} ANCHOR UNMAP was refused but changed the blocks`);
    return;
  }
  if (readsZerosWhenUnmapped(t)) await expectZeros(t, lba, n, `${c.name} LBA=${lba} LEN=${n} ANCHOR UNMAP`);
  const st = await statusOf(t, lba);
  t.should(
    st === 2,
    `GET LBA STATUS reports LBA ${lba} ${st === 0 ? 'mapped' : 'deallocated'} after ${c.name} with ANCHOR and UNMAP of a whole unmap unit, not anchored`,
  );
}

/**
 * Ndob (WRITE SAME (16)): NDOB with no Data-Out writes zeros (LBPRZ 000b or xx1b) over the range: GOOD and
 * the blocks read as zeros; with UNMAP as well on a thin LU, GOOD and zeros too. A device server without NDOB
 * answers INVALID FIELD IN CDB, and then REPORT SUPPORTED OPERATION CODES must not claim the bit.
 */
export async function ndob(t: TestContext, c: WsCdb): Promise<void> {
  const n = Math.min(8, maxWriteSame(t));
  const keep = await writeBlocks(t, 0, n);
  const r = await ws(t, c, { lba: 0, blocks: n, ndob: true }, [GOOD, INVALID_FIELD_IN_CDB]);
  if (r.status !== scsi.ScsiStatus.GOOD) {
    t.log('NDOB is not supported');
    t.check((await t.readBlocks(0, n)).equals(keep), `${c.name} LBA=0 LEN=${n} NDOB was refused but changed the blocks`);
    const u = await t.command(scsi.reportSupportedOperationCodes({ op: scsi.Op.WRITE_SAME_16, alloc: 64 }), { allowUnsupported: true });
    if (u.status === scsi.ScsiStatus.GOOD) {
      const one = scsi.parseRsocOneCommand(u.data);
      t.check(
        ((one.usageMap[1] ?? 0) & 0x01) === 0,
        'WRITE SAME(16) NDOB was refused with INVALID FIELD IN CDB, but REPORT SUPPORTED OPERATION CODES shows NDOB in its CDB usage data',
      );
    }
    return;
  }
  const lbprz = t.dev.lbp?.lbprz ?? (t.dev.rc16?.lbprz ? 1 : 0);
  if (lbprz === 2) {
    t.log('LBPRZ is 010b: NDOB writes the provisioning initialization pattern, which this test does not know');
  } else {
    await expectZeros(t, 0, n, `${c.name} LBA=0 LEN=${n} NDOB`);
  }
  if (c.lbpws(t) && t.dev.thin) {
    await writeBlocks(t, 0, n);
    await ws(t, c, { lba: 0, blocks: n, ndob: true, unmap: true });
    if (lbprz !== 2) await expectZeros(t, 0, n, `${c.name} LBA=0 LEN=${n} NDOB UNMAP`);
  }
}

/** MAXIMUM WRITE SAME LENGTH, when set and small enough to test. */
export function mwslNeed(c: WsCdb): CustomNeed {
  return {
    name: 'maximumWriteSameLength',
    check: (dev) => {
      if (!dev.blockLimits) return 'the Block Limits VPD page is not available';
      const m = dev.blockLimits.maximumWriteSameLength ?? 0n;
      if (m === 0n) return 'the Block Limits page sets no MAXIMUM WRITE SAME LENGTH';
      if (m > BigInt(c.maxBlocks)) return `MAXIMUM WRITE SAME LENGTH ${m} does not fit the NUMBER OF LOGICAL BLOCKS of ${c.name}`;
      if (m + 1n > BigInt(dev.blocks)) return `the LUN (${dev.blocks} blocks) is not longer than MAXIMUM WRITE SAME LENGTH ${m}`;
      if (m * BigInt(dev.blockSize) > 256n * 1024n * 1024n) return `MAXIMUM WRITE SAME LENGTH ${m} blocks is more than 256 MiB: too large to write here`;
      return undefined;
    },
  };
}

/**
 * MaxWriteSameLength: WRITE SAME of exactly MAXIMUM WRITE SAME LENGTH blocks is GOOD (its first, middle and
 * last blocks read back as the block sent); one block more is INVALID FIELD IN CDB pointing at NUMBER OF
 * LOGICAL BLOCKS, and the block past the maximum keeps its data. The same with UNMAP when it is supported.
 */
export async function maxWriteSameLength(t: TestContext, c: WsCdb): Promise<void> {
  const m = maxWriteSame(t);
  const bs = t.dev.blockSize;
  const sentinel = await writeBlocks(t, m, 1);
  const block = t.pattern(0, 1);
  t.log(`${c.name} of MAXIMUM WRITE SAME LENGTH (${m}) blocks at LBA 0`);
  await ws(t, c, { lba: 0, blocks: m }, GOOD, block);
  for (const lba of [0, Math.floor(m / 2), m - 1])
    t.check((await t.readBlocks(lba, 1)).equals(block), `${c.name} LBA=0 LEN=${m}: LBA ${lba} does not hold the block sent`);
  if (m + 1 > c.maxBlocks) {
    t.log(`MAXIMUM WRITE SAME LENGTH + 1 does not fit the CDB: nothing longer can be sent`);
  } else {
    t.log(`${c.name} of ${m + 1} blocks: one more than the maximum`);
    const r = await ws(t, c, { lba: 0, blocks: m + 1 }, INVALID_FIELD_IN_CDB, t.pattern(0, 1));
    checkFieldPointer(t, r, { cd: true, byte: c.lenByte }, `${c.name} LBA=0 LEN=${m + 1}`);
    t.check((await t.readBlocks(m, 1)).equals(sentinel), `${c.name} LBA=0 LEN=${m + 1} was refused but changed LBA ${m}`);
    t.check((await t.readBlocks(0, 1)).equals(block), `${c.name} LBA=0 LEN=${m + 1} was refused but changed LBA 0`);
  }
  if (c.lbpws(t) && t.dev.thin) {
    const zeros = Buffer.alloc(bs);
    if (m + 1 <= c.maxBlocks) await ws(t, c, { lba: 0, blocks: m + 1, unmap: true }, INVALID_FIELD_IN_CDB, zeros);
    await ws(t, c, { lba: 0, blocks: m, unmap: true }, GOOD, zeros);
  }
}

/**
 * InvalidDataOutSize: WRITE SAME carries exactly one logical block of Data-Out (SBC-4: "transfer a single
 * logical block from the Data-Out Buffer"). With half a block or none (SPDTL > EDTL) the device server should
 * refuse it (ILLEGAL REQUEST, or INVALID FIELD IN COMMAND INFORMATION UNIT as FCP-4 9.4.2 (b)/(c) put it),
 * the blocks unchanged; GOOD with the overflow RFC 7143 11.4.5.2 requires is FCP-4 9.4.2 (a), a SHOULD-level
 * warning. With two blocks (SPDTL < EDTL) it is refused the same way, or processed normally with GOOD and a
 * residual underflow, the first block written to every LBA. With UNMAP too, where it is supported.
 */
export async function invalidDataOutSize(t: TestContext, c: WsCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const variants = [c.lbpws(t) && t.dev.thin ? [false, true] : [false]].flat();
  for (const unmap of variants) {
    for (const size of [bs / 2, bs * 2, 0]) {
      const keep = await writeBlocks(t, 0, 4);
      const cdb = c.build({ lba: 0, blocks: 4, unmap });
      const data = Buffer.alloc(size, 0xa6);
      const r = await mismatched(t, { cdb, spdtl: bs, data, good: size < bs ? 'should' : true, also: [ILLEGAL_REQUEST] });
      const what = `${scsi.describeCdb(cdb)} with ${size} bytes of Data-Out (block length ${bs})`;
      if (!processed(r)) {
        t.check((await t.readBlocks(0, 4)).equals(keep), `${what} was refused but changed the blocks`);
      } else if (size > bs && !unmap) {
        const block = data.subarray(0, bs);
        const got = await t.readBlocks(0, 4);
        for (let b = 0; b < 4; b++)
          t.check(got.subarray(b * bs, (b + 1) * bs).equals(block), `${what}: GOOD, but LBA ${b} does not hold the first block of the Data-Out`);
        for (let b = 0; b < 4; b++) t.remember(b, block, what);
      } else {
        t.forget(0, 4);
      }
    }
  }
}

/**
 * ReservedBits: the reserved bits 7 and 6 of the GROUP NUMBER byte set, one at a time. A device server that
 * checks reserved fields refuses with INVALID FIELD IN CDB pointing at that bit, and writes nothing; one that
 * does not check must then process the command as if the bit were zero (SPC-5 keywords, "reserved"). Not
 * checking is a SHOULD-level warning.
 */
export async function reservedBits(t: TestContext, c: WsCdb): Promise<void> {
  for (const bit of [7, 6]) {
    const keep = await writeBlocks(t, 0, 2);
    const cdb = c.build({ lba: 0, blocks: 2 });
    cdb[c.groupByte] = cdb[c.groupByte]! | (1 << bit);
    const block = t.pattern(0, 1);
    const what = `${scsi.describeCdb(cdb)} with reserved bit ${bit} of byte ${c.groupByte} set`;
    const r = await t.command(cdb, { expect: [INVALID_FIELD_IN_CDB, GOOD], dataOut: block, what });
    const got = await t.readBlocks(0, 2);
    if (r.status === scsi.ScsiStatus.GOOD) {
      t.should(false, `${what}: GOOD; the reserved bit is not checked`);
      t.check(
        got.subarray(0, t.dev.blockSize).equals(block) && got.subarray(t.dev.blockSize).equals(block),
        `${what}: GOOD, but the blocks do not hold the block sent`,
      );
      for (let i = 0; i < 2; i++) t.remember(i, block, what);
    } else {
      checkFieldPointer(t, r, { cd: true, byte: c.groupByte, bit }, what);
      t.check(got.equals(keep), `${what}: refused, but the blocks changed`);
    }
  }
}

export const docs = {
  simple: (c: WsCdb) => `${c.name} of 1 to 256 blocks (fewer when MAXIMUM WRITE SAME LENGTH or the capacity is smaller) at LBA 0 and ending at the
    last LBA, one block of Data-Out each: each must complete with GOOD; afterwards every block reads back as the block last written to it.`,
  check: (c: WsCdb) => `${c.name} of 1 to 256 blocks at LBA 0 and ending at the last LBA: after each, every block of the range is read back and must
    hold the block sent, and the block just outside the range (written first) must be untouched — exactly NUMBER OF LOGICAL BLOCKS blocks are written.`,
  beyondEol: (c: WsCdb) => `${c.name} of 1 to 256 blocks whose last block is one past the end, of 2 to 256 blocks starting at the last LBA, and at
    LBAs past the end (${c.size === 16 ? '2^63 and 2^64-1' : '2^31 and 2^32-1'}): each must end in CHECK CONDITION, ILLEGAL REQUEST, LOGICAL BLOCK
    ADDRESS OUT OF RANGE, and the last blocks of the medium (written first) must be unchanged.`,
  zeroBlocks: (c: WsCdb) => `${c.name} with NUMBER OF LOGICAL BLOCKS 0 at LBA 0 (every block to the end of the medium): INVALID FIELD IN CDB when the
    Block Limits page sets WSNZ, or when the medium is longer than MAXIMUM WRITE SAME LENGTH; GOOD otherwise. With NUMBER OF LOGICAL BLOCKS 0 at LBAs
    past the end: LOGICAL BLOCK ADDRESS OUT OF RANGE (or INVALID FIELD IN CDB with WSNZ).`,
  wsnz: (c: WsCdb) => `${c.name} with NUMBER OF LOGICAL BLOCKS 0 at the 16th LBA from the end: with WSNZ clear it must write every block from there to
    the last LBA and nothing before (read back); with WSNZ set it must end in INVALID FIELD IN CDB (field pointer on NUMBER OF LOGICAL BLOCKS) and
    write nothing.`,
  writeProtect: (c: WsCdb) => `${c.name} of one block with each non-zero WRPROTECT value (1 to 7) on a logical unit without protection information
    enabled: ${protectDoc('WRPROTECT')}.`,
  unmap: (c: WsCdb) => `On a thin LU with ${c.lbpwsName}: for 1 to 256 blocks at LBA 0, and for 1 to 16 and the lengths around 32, 64, 128 and 256
    blocks at the end of the medium, WRITE the blocks, then ${c.name} with UNMAP and a block of zeros: GOOD, and with LBPRZ they read back as zeros.
    ANCHOR without UNMAP must be INVALID FIELD IN CDB (and change nothing); ANCHOR with UNMAP GOOD when ANC_SUP is set, INVALID FIELD IN CDB when it
    is not.`,
  unmapUnaligned: (c: WsCdb) => `On a thin LU with ${c.lbpwsName} and an unmap unit larger than one block (LOGICAL BLOCKS PER PHYSICAL BLOCK or
    OPTIMAL UNMAP GRANULARITY): ${c.name} with UNMAP of ranges starting 1..unit-1 blocks into a unit and ending at its end must each complete with
    GOOD; with LBPRZ the range reads as zeros and the blocks of the unit before it keep their data.`,
  unmapUntilEnd: (c: WsCdb) => `On a thin LU with ${c.lbpwsName}: ${c.name} with UNMAP and NUMBER OF LOGICAL BLOCKS 0 starting 1 to 256 blocks before
    the end (blocks written first): with WSNZ clear GOOD, and with LBPRZ the blocks to the end read as zeros; with WSNZ set INVALID FIELD IN CDB.`,
  unmapVpd: (c: WsCdb) => `${c.name} with UNMAP of one block and a block of zeros. On a thin LU (LBPME 1) the outcome must agree with the Logical
    Block Provisioning VPD page — GOOD only when ${c.lbpwsName} is set (the block then reads as zeros with LBPRZ); INVALID FIELD IN CDB only when
    ${c.lbpwsName} is clear, with the block unchanged. On a fully provisioned LU SBC-4's UNMAP/ANCHOR table does not apply ("If the logical unit
    supports logical block provisioning management, then the ANCHOR bit, the UNMAP bit, and the ANC_SUP bit ... determine how the device server
    processes the command"): GOOD with the block written, or a refusal with the block unchanged.`,
  anchor: (c: WsCdb) => `${c.name} with ANCHOR on a thin LU (SBC-4's UNMAP/ANCHOR table applies only to a logical unit that supports logical block
    provisioning management): ANCHOR without UNMAP must be INVALID FIELD IN CDB; ANCHOR with UNMAP must be GOOD when ${c.lbpwsName} and ANC_SUP are
    set (the blocks then read as zeros with LBPRZ, and GET LBA STATUS should report them anchored), INVALID FIELD IN CDB otherwise; a refused command
    changes nothing.`,
  ndob: (c: WsCdb) => `${c.name} with NDOB (no Data-Out buffer) over 8 written blocks: GOOD and the blocks read as zeros (LBPRZ 000b or xx1b), also
    with UNMAP on a thin LU with ${c.lbpwsName}; or INVALID FIELD IN CDB with nothing changed when NDOB is not supported, and then REPORT SUPPORTED
    OPERATION CODES must not show NDOB in the CDB usage data.`,
  maxWriteSameLength: (c: WsCdb) => `${c.name} of exactly MAXIMUM WRITE SAME LENGTH blocks (Block Limits VPD page) must complete with GOOD and write
    them; one block more must end in INVALID FIELD IN CDB (field pointer on NUMBER OF LOGICAL BLOCKS) and change nothing; with UNMAP (thin LU with
    ${c.lbpwsName}) the same limits apply.`,
  invalidDataOutSize: (c: WsCdb) => `${c.name} of 4 blocks with a Data-Out buffer of half a block, of two blocks, and of none (the Expected Data
    Transfer Length saying the same), without and (thin LU with ${c.lbpwsName}) with UNMAP. Half a block or none should end in CHECK CONDITION,
    ILLEGAL REQUEST (or INVALID FIELD IN COMMAND INFORMATION UNIT) with the blocks unchanged; GOOD is a SHOULD-level warning and must signal the
    residual overflow (RFC 7143 11.4.5.2: "If SPDTL > EDTL for a task, iSCSI Overflow MUST be signaled"). Two blocks may be refused the same way or
    processed with GOOD, a residual underflow of one block, and the first block written to every LBA.`,
  reservedBits: (c: WsCdb) => `${c.name} of 2 blocks with reserved bit 7, then bit 6, of the GROUP NUMBER byte set: a refusal must be INVALID FIELD IN
    CDB with the field pointer on that bit and nothing written; GOOD (the bit is not checked: a SHOULD-level warning) must write the blocks as if the
    bit were zero.`,
};
