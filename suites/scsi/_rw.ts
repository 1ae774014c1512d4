/**
 * Shared bodies of the READ(6/10/12/16) and WRITE(10/12/16) suites: one description of each CDB size, and
 * test bodies written once against it, so READ(12) is checked exactly as READ(10) is. (A helper module:
 * its name starts with `_`, so the registry does not load it as a suite.)
 */
import { GOOD, INVALID_FIELD_IN_CDB, LBA_OUT_OF_RANGE, scsi, type CustomNeed, type Expected, type ScsiResult, type TestContext } from '../../harness/api.js';
import { dpoFuaCheck, protectDoc, protectWalk } from './_block.js';

export interface RwCdb {
  /** 'READ(10)' */
  name: string;
  write: boolean;
  size: 6 | 10 | 12 | 16;
  /** The clause of the command in SBC-4. */
  clause: string;
  /** Largest LBA the CDB can carry. */
  maxLba: number;
  /** Largest TRANSFER LENGTH the CDB can carry. */
  maxBlocks: number;
  /** Operation code and service action, for REPORT SUPPORTED OPERATION CODES. */
  op: number;
  build(o: { lba: number | bigint; blocks: number; dpo?: boolean; fua?: boolean; protect?: number }): Buffer;
}

const U32 = 0xffffffff;
const U64_MAX = 0xffffffffffffffffn;

type RwBuilder = (o: { lba: number | bigint; blocks: number; dpo?: boolean; fua?: boolean; rdprotect?: number; wrprotect?: number }) => Buffer;

/** A READ or WRITE CDB as the command catalogue describes it (name, size, clause, field limits), built by `f`. */
export function rwCdb(op: number, write: boolean, f: RwBuilder): RwCdb {
  const s = scsi.lbaCdbShape(op);
  return {
    name: s.name,
    write,
    size: s.size as RwCdb['size'],
    clause: s.clause,
    op,
    // numbers beyond 2^53 are out of every test's reach: the 64-bit LBA of the 16-byte CDBs is capped there
    maxLba: s.maxLba > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(s.maxLba),
    maxBlocks: s.maxBlocks,
    build: (o) => {
      const base = { lba: o.lba, blocks: o.blocks, ...(o.dpo ? { dpo: true } : {}), ...(o.fua ? { fua: true } : {}) };
      return f(o.protect ? { ...base, [write ? 'wrprotect' : 'rdprotect']: o.protect } : base);
    },
  };
}

/** READ(6) has no DPO, FUA or RDPROTECT field: its builder gets the LBA and the length only. */
export const READ6: RwCdb = rwCdb(scsi.Op.READ_6, false, (o) => scsi.read6({ lba: o.lba, blocks: o.blocks }));
export const READ10: RwCdb = rwCdb(scsi.Op.READ_10, false, scsi.read10);
export const READ12: RwCdb = rwCdb(scsi.Op.READ_12, false, scsi.read12);
export const READ16: RwCdb = rwCdb(scsi.Op.READ_16, false, scsi.read16);
export const WRITE10: RwCdb = rwCdb(scsi.Op.WRITE_10, true, scsi.write10);
export const WRITE12: RwCdb = rwCdb(scsi.Op.WRITE_12, true, scsi.write12);
export const WRITE16: RwCdb = rwCdb(scsi.Op.WRITE_16, true, scsi.write16);

const verb = (c: RwCdb) => (c.write ? 'write' : 'read');

/** Send one READ/WRITE; writes carry `t.pattern` data; reads are checked for their length. */
export async function send(
  t: TestContext,
  c: RwCdb,
  lba: number | bigint,
  blocks: number,
  expect: Expected = GOOD,
  flags: { dpo?: boolean; fua?: boolean; protect?: number } = {},
): Promise<ScsiResult> {
  const cdb = c.build({ lba, blocks, ...flags });
  const bs = t.dev.blockSize;
  const n = c.size === 6 && blocks === 0 ? 256 : blocks;
  if (c.write) {
    // Data for the blocks the CDB names, even when the command is expected to fail (the target may
    // ask for it before it checks the range); a failed write must not change anything (read-back check).
    const data = typeof lba === 'number' && lba + n <= t.dev.blocks ? t.pattern(lba, n) : Buffer.alloc(n * bs, 0xa5);
    return t.command(cdb, { expect, ...(n > 0 ? { dataOut: data } : { dataIn: 0 }) });
  }
  const r = await t.command(cdb, { expect, dataIn: n * bs });
  if (r.status === scsi.ScsiStatus.GOOD) t.equal(r.data.length, n * bs, `${c.name} LBA=${lba} LEN=${blocks}: bytes of Data-In`);
  return r;
}

/** Simple: 1..256 blocks at LBA 0 and ending at the last LBA, GOOD with the full data. */
export async function simple(t: TestContext, c: RwCdb): Promise<void> {
  const lens = t.lengths(Math.min(256, c.maxBlocks));
  t.log(`${c.name} of 1..${lens.length} blocks at LBA 0`);
  for (const n of lens) await send(t, c, 0, n);
  if (t.dev.lastLba > c.maxLba) {
    t.log(`The last LBA ${t.dev.lastLba} does not fit ${c.name}: ${c.name} of 1..${lens.length} blocks ending at LBA ${c.maxLba}`);
    for (const n of lens) await send(t, c, c.maxLba + 1 - n, n);
    return;
  }
  t.log(`${c.name} of 1..${lens.length} blocks ending at the last LBA ${t.dev.lastLba}`);
  for (const n of lens) await send(t, c, t.dev.blocks - n, n);
}

/**
 * BeyondEol: ranges that cross the end of the medium by one block, and ranges that start past it (the
 * LBA just past the end, 2^31, the largest LBA the CDB holds), all LBA OUT OF RANGE.
 */
export async function beyondEol(t: TestContext, c: RwCdb): Promise<void> {
  const blocks = t.dev.blocks;
  if (blocks > c.maxLba) t.skip(`the LUN (${blocks} blocks) is too big for ${c.name} past-the-end tests: its end is beyond LBA ${c.maxLba}`);
  const lens = t.lengths(Math.min(256, c.maxBlocks));
  if (c.write) {
    const n = Math.min(256, blocks, t.dev.maxTransferBlocks);
    t.log(`Write the last ${n} blocks first: writes that fail must leave them as they are`);
    await send(t, c, blocks - n, n);
  }
  t.log(`${c.name} of 1..${lens.length} blocks, the last one just past the end (LBA ${blocks})`);
  for (const n of lens) await send(t, c, blocks + 1 - n, n, LBA_OUT_OF_RANGE);
  t.log(`${c.name} of 2..${lens.length} blocks starting at the last LBA`);
  for (const n of lens.slice(1)) await send(t, c, blocks - 1, n, LBA_OUT_OF_RANGE);
  const starts: (number | bigint)[] = [];
  if (c.size === 6) starts.push(c.maxLba);
  else if (c.size === 16) starts.push(2n ** 63n, U64_MAX);
  else starts.push(2 ** 31, U32);
  for (const lba of starts) {
    if (BigInt(lba) < BigInt(blocks)) continue;
    t.log(`${c.name} of 1..${lens.length} blocks at LBA ${lba}`);
    for (const n of lens) await send(t, c, lba, n, LBA_OUT_OF_RANGE);
  }
}

/** ZeroBlocks: TRANSFER LENGTH 0 is no transfer and no error at LBA 0; past the end it is LBA OUT OF RANGE. */
export async function zeroBlocks(t: TestContext, c: RwCdb): Promise<void> {
  t.log(`${c.name} of 0 blocks at LBA 0`);
  await send(t, c, 0, 0);
  const blocks = t.dev.blocks;
  const past: (number | bigint)[] = [blocks + 1, ...(c.size === 16 ? [2n ** 63n, U64_MAX] : [2 ** 31, U32])];
  for (const lba of past) {
    if (BigInt(lba) <= BigInt(blocks) || BigInt(lba) > BigInt(c.size === 16 ? U64_MAX : U32)) continue;
    t.log(`${c.name} of 0 blocks at LBA ${lba}, past the end`);
    await send(t, c, lba, 0, LBA_OUT_OF_RANGE);
  }
}

/**
 * RDPROTECT / WRPROTECT: each non-zero value without protection information enabled (protectWalk: a MUST
 * refusal for reserved values and on a LU that supports protection information, a SHOULD otherwise).
 */
export async function protect(t: TestContext, c: RwCdb): Promise<void> {
  if (t.dev.protection) t.skip(`protection information is enabled; this test checks ${c.write ? 'WRPROTECT' : 'RDPROTECT'} on a logical unit without it`);
  await protectWalk(t, {
    field: c.write ? 'WRPROTECT' : 'RDPROTECT',
    name: `${c.name} LBA=0 LEN=1`,
    send: (p, expect) => send(t, c, 0, 1, expect, { protect: p }),
  });
}

/**
 * DPO and FUA against DPOFUA and the CDB usage data, as every command with those bits is checked
 * (dpoFuaCheck in _block.ts).
 */
export async function dpoFua(t: TestContext, c: RwCdb): Promise<void> {
  await dpoFuaCheck(t, { name: c.name, op: c.op, fua: true, send: async (flags, expect) => void (await send(t, c, 0, 1, expect, flags)) });
}

/**
 * The Block Limits MAXIMUM TRANSFER LENGTH, when it is set and testable with a CDB named `name` whose
 * transfer length field holds at most `maxBlocks`.
 */
export function mtlNeedFor(name: string, maxBlocks: number): CustomNeed {
  return {
    name: 'maximumTransferLength',
    check: (dev) => {
      const mtl = dev.blockLimits?.maximumTransferLength;
      if (!dev.blockLimits) return 'the Block Limits VPD page is not available';
      if (!mtl) return 'the Block Limits page sets no MAXIMUM TRANSFER LENGTH';
      if (mtl + 1 > maxBlocks) return `MAXIMUM TRANSFER LENGTH ${mtl} + 1 does not fit the TRANSFER LENGTH of ${name}`;
      if (mtl + 1 > dev.blocks) return `the LUN (${dev.blocks} blocks) is smaller than MAXIMUM TRANSFER LENGTH ${mtl} + 1`;
      if ((mtl + 1) * dev.blockSize > 256 * 1024 * 1024) return `MAXIMUM TRANSFER LENGTH ${mtl} blocks is more than 256 MiB: too large to test here`;
      return undefined;
    },
  };
}

/** mtlNeedFor with this CDB's name and transfer length field. */
export const mtlNeed = (c: RwCdb): CustomNeed => mtlNeedFor(c.name, c.maxBlocks);

/**
 * MaxTransferLength: a transfer of exactly MAXIMUM TRANSFER LENGTH blocks is GOOD; one block more is
 * INVALID FIELD IN CDB (SBC-4 6.6.4: the device server shall terminate a command that exceeds it).
 */
export async function maxTransferLength(t: TestContext, c: RwCdb): Promise<void> {
  const mtl = t.dev.blockLimits!.maximumTransferLength!;
  t.log(`${c.name} of MAXIMUM TRANSFER LENGTH (${mtl}) blocks at LBA 0`);
  await send(t, c, 0, mtl);
  t.log(`${c.name} of ${mtl + 1} blocks: one more than the maximum`);
  await send(t, c, 0, mtl + 1, INVALID_FIELD_IN_CDB);
}

/** The doc sentences of each shared test, for the suites. */
export const docs = {
  simple: (c: RwCdb) =>
    `${c.name} of 1 to 256 blocks (fewer if MAXIMUM TRANSFER LENGTH or the capacity is smaller) at LBA 0 and ending at the last LBA: each must
      complete with
      GOOD${c.write ? '; afterwards every block written is read back and must hold what was written (a distinct pattern per block and per write)' : ' and return exactly the blocks asked for'}.`,
  beyondEol: (c: RwCdb) =>
    `${c.name} of 1 to 256 blocks whose last block is one past the end of the medium, of 2 to 256 blocks starting at the last LBA, and starting at
      LBAs past the end (${c.size === 6 ? 'the largest LBA READ(6) holds' : c.size === 16 ? '2^63 and 2^64-1' : '2^31 and 2^32-1'}): each must be
      terminated with CHECK CONDITION, ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF
      RANGE${c.write ? ', and the blocks at the end of the medium, written first, must be unchanged' : ''}. Skipped when the medium ends beyond what
      the CDB can address.`,
  zeroBlocks: (c: RwCdb) =>
    `${c.name} with TRANSFER LENGTH 0 at LBA 0 transfers nothing and is not an error (GOOD); with TRANSFER LENGTH 0 at an LBA past the end of the
      medium it must be terminated with LOGICAL BLOCK ADDRESS OUT OF RANGE.`,
  protect: (c: RwCdb) =>
    `${c.name} of one block with each non-zero ${c.write ? 'WRPROTECT' : 'RDPROTECT'} value (1 to 7) on a logical unit without protection information
      enabled: ${protectDoc(c.write ? 'WRPROTECT' : 'RDPROTECT')}.`,
  dpoFua: (c: RwCdb) =>
    `${c.name} of one block with DPO, with FUA, and with both: GOOD when the mode parameter header's DPOFUA bit is set, INVALID FIELD IN CDB when it
      is clear; REPORT SUPPORTED OPERATION CODES (when implemented) must show refused DPO and FUA bits as 0 in the CDB usage data ("If the device server ignores or
      treats as reserved a bit ..., the usage map shall contain a zero"), and should show accepted ones as 1 (a warning: an accepted bit may be ignored).`,
  maxTransferLength: (c: RwCdb) =>
    `${c.name} of exactly MAXIMUM TRANSFER LENGTH blocks (Block Limits VPD page) must complete with GOOD; ${c.name} of one block more must be
      terminated with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB.`,
  verb,
};
