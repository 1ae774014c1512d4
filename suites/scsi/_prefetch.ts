/**
 * Shared bodies of the Prefetch10 and Prefetch16 suites (SBC-4 5.13 PRE-FETCH (10), 5.14 PRE-FETCH (16)): a
 * PRE-FETCH that is processed ends in CONDITION MET (the blocks fit the cache) or GOOD (they do not, or there
 * is no cache); it transfers no data. (A helper module: not a suite.)
 */
import { CONDITION_MET, GOOD, INVALID_FIELD_IN_CDB, LBA_OUT_OF_RANGE, scsi, type CustomNeed, type Expected, type TestContext } from '../../harness/api.js';

export interface PfCdb {
  name: string;
  size: 10 | 16;
  clause: string;
  maxLba: bigint;
  maxBlocks: number;
  build: (o: scsi.PreFetchOptions) => Buffer;
}

/** A PRE-FETCH CDB as the command catalogue describes it. */
function pfCdb(op: number, build: PfCdb['build']): PfCdb {
  const { name, size, clause, maxLba, maxBlocks } = scsi.lbaCdbShape(op);
  return { name, size: size as PfCdb['size'], clause, maxLba, maxBlocks, build };
}

export const PF10 = pfCdb(scsi.Op.PRE_FETCH_10, scsi.preFetch10);
export const PF16 = pfCdb(scsi.Op.PRE_FETCH_16, scsi.preFetch16);

/** What a processed PRE-FETCH answers. */
export const DONE: Expected = [CONDITION_MET, GOOD];

const send = (t: TestContext, c: PfCdb, o: scsi.PreFetchOptions, expect: Expected = DONE) => t.command(c.build(o), { expect, dataIn: 0 });

/** PREFETCH LENGTHs 1..256 this LU accepts (MAXIMUM PREFETCH LENGTH and the capacity). */
function lengths(t: TestContext, c: PfCdb): number[] {
  const mpl = t.dev.blockLimits?.maximumPrefetchLength || Infinity;
  const n = Math.max(0, Math.min(256, c.maxBlocks, mpl, t.dev.blocks));
  return Array.from({ length: n }, (_, i) => i + 1);
}

export async function simple(t: TestContext, c: PfCdb): Promise<void> {
  const lens = lengths(t, c);
  const end = BigInt(t.dev.blocks) - 1n > c.maxLba ? Number(c.maxLba) + 1 : t.dev.blocks;
  t.log(`${c.name} of 1..${lens.length} blocks at LBA 0, then ending at LBA ${end - 1}`);
  for (const n of lens) await send(t, c, { lba: 0, blocks: n });
  for (const n of lens) await send(t, c, { lba: end - n, blocks: n });
}

export async function beyondEol(t: TestContext, c: PfCdb): Promise<void> {
  const blocks = t.dev.blocks;
  if (BigInt(blocks) > c.maxLba) t.skip(`the LUN (${blocks} blocks) is too big for ${c.name} past-the-end tests`);
  const lens = lengths(t, c);
  t.log(`${c.name} of 1..${lens.length} blocks whose last block is just past the end (LBA ${blocks})`);
  for (const n of lens) await send(t, c, { lba: blocks + 1 - n, blocks: n }, LBA_OUT_OF_RANGE);
  t.log(`${c.name} of 2..${lens.length} blocks starting at the last LBA`);
  for (const n of lens.slice(1)) await send(t, c, { lba: blocks - 1, blocks: n }, LBA_OUT_OF_RANGE);
  for (const lba of c.size === 16 ? [2n ** 63n, 2n ** 64n - 1n] : [2n ** 31n, 2n ** 32n - 1n]) {
    if (lba < BigInt(blocks)) continue;
    t.log(`${c.name} of 1..${lens.length} blocks at LBA ${lba}`);
    for (const n of lens) await send(t, c, { lba, blocks: n }, LBA_OUT_OF_RANGE);
  }
}

export async function zeroBlocks(t: TestContext, c: PfCdb): Promise<void> {
  t.log(`${c.name} with PREFETCH LENGTH 0 (to the end of the medium) at LBA 0 and at the last LBA`);
  await send(t, c, { lba: 0, blocks: 0 });
  if (BigInt(t.dev.lastLba) <= c.maxLba) await send(t, c, { lba: t.dev.lastLba, blocks: 0 });
  for (const lba of [BigInt(t.dev.blocks) + 1n, ...(c.size === 16 ? [2n ** 63n, 2n ** 64n - 1n] : [2n ** 31n, 2n ** 32n - 1n])]) {
    if (lba <= BigInt(t.dev.blocks) || lba > c.maxLba) continue;
    t.log(`${c.name} of 0 blocks at LBA ${lba}, past the end`);
    await send(t, c, { lba, blocks: 0 }, LBA_OUT_OF_RANGE);
  }
}

export async function flags(t: TestContext, c: PfCdb): Promise<void> {
  for (const o of [{ immed: true }, { group: 3 }, { immed: true, group: 3 }]) {
    await send(t, c, { lba: 0, blocks: 1, ...o });
    if (t.dev.blocks > 1) await send(t, c, { lba: Math.min(t.dev.blocks, Number(c.maxLba) + 1) - 2, blocks: 2, ...o });
  }
}

/** MAXIMUM PREFETCH LENGTH, when set and testable with this CDB. */
export function mplNeed(c: PfCdb): CustomNeed {
  return {
    name: 'maximumPrefetchLength',
    check: (dev) => {
      const m = dev.blockLimits?.maximumPrefetchLength;
      if (!dev.blockLimits) return 'the Block Limits VPD page is not available';
      if (!m) return 'the Block Limits page sets no MAXIMUM PREFETCH LENGTH';
      if (m + 1 > c.maxBlocks) return `MAXIMUM PREFETCH LENGTH ${m} + 1 does not fit the PREFETCH LENGTH of ${c.name}`;
      if (m + 1 > dev.blocks) return `the LUN (${dev.blocks} blocks) is not longer than MAXIMUM PREFETCH LENGTH ${m}`;
      return undefined;
    },
  };
}

export async function maxPrefetchLength(t: TestContext, c: PfCdb): Promise<void> {
  const m = t.dev.blockLimits!.maximumPrefetchLength!;
  t.log(`${c.name} of MAXIMUM PREFETCH LENGTH (${m}) blocks, then of one more`);
  await send(t, c, { lba: 0, blocks: m });
  await send(t, c, { lba: 0, blocks: m + 1 }, INVALID_FIELD_IN_CDB);
}

export const docs = {
  simple: (c: PfCdb) => `${c.name} of 1 to 256 blocks (fewer if MAXIMUM PREFETCH LENGTH or the capacity is smaller) at LBA 0 and ending at the last
    LBA: each must complete with CONDITION MET or GOOD, with no data.`,
  beyondEol: (c: PfCdb) => `${c.name} of 1 to 256 blocks whose last block is one past the end, of 2 to 256 blocks starting at the last LBA, and at
    LBAs past the end (${c.size === 16 ? '2^63 and 2^64-1' : '2^31 and 2^32-1'}): each must end in CHECK CONDITION, ILLEGAL REQUEST, LOGICAL BLOCK
    ADDRESS OUT OF RANGE.`,
  zeroBlocks: (c: PfCdb) => `${c.name} with PREFETCH LENGTH 0 (every block to the end of the medium) at LBA 0 and at the last LBA must complete with
    CONDITION MET or GOOD; with PREFETCH LENGTH 0 at LBAs past the end it must end in LOGICAL BLOCK ADDRESS OUT OF RANGE.`,
  flags: (c: PfCdb) => `${c.name} of one block at LBA 0 and of two blocks at the end with IMMED, with GROUP NUMBER 3, and with both: each must
    complete with CONDITION MET or GOOD.`,
  maxPrefetchLength: (c: PfCdb) => `${c.name} of exactly MAXIMUM PREFETCH LENGTH blocks (Block Limits VPD page) must complete with CONDITION MET or
    GOOD; of one block more it must end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB.`,
};
