/**
 * Shared bodies of the SynchronizeCache10 and SynchronizeCache16 suites (SBC-4 5.33 SYNCHRONIZE CACHE (10),
 * 5.34 SYNCHRONIZE CACHE (16)): a SYNCHRONIZE CACHE that is processed ends in GOOD and transfers no data;
 * NUMBER OF LOGICAL BLOCKS 0 means "from the LBA to the last logical block". (A helper module: not a suite.)
 */
import { GOOD, INVALID_FIELD_IN_CDB, LBA_OUT_OF_RANGE, opcode, SBC4, scsi, type Expected, type Need, type TestContext } from '../../harness/api.js';

export interface ScCdb {
  name: string;
  size: 10 | 16;
  clause: string;
  maxLba: bigint;
  maxBlocks: number;
  need: Need;
  build: (o: scsi.SyncCacheOptions) => Buffer;
}

function scCdb(op: number, build: ScCdb['build']): ScCdb {
  const { name, size, clause, maxLba, maxBlocks } = scsi.lbaCdbShape(op);
  return { name, size: size as ScCdb['size'], clause, maxLba, maxBlocks, need: opcode(op), build };
}

export const SC10 = scCdb(scsi.Op.SYNCHRONIZE_CACHE_10, scsi.synchronizeCache10);
export const SC16 = scCdb(scsi.Op.SYNCHRONIZE_CACHE_16, scsi.synchronizeCache16);

const send = (t: TestContext, c: ScCdb, o: scsi.SyncCacheOptions, expect: Expected = GOOD) => t.command(c.build(o), { expect, dataIn: 0 });

/** Range lengths to try: a few small ones and the largest this CDB and the LU allow (not every 1..N: each is a flush). */
function lengths(t: TestContext, c: ScCdb): number[] {
  const cap = Math.min(c.maxBlocks, t.dev.blocks);
  return [...new Set([1, 2, 8, 255, 256, 65535, cap].filter((n) => n <= cap))].sort((a, b) => a - b);
}

/** The LU's end as this CDB can address it (a LUN larger than the LBA field reaches is tested below the field's top). */
const end = (t: TestContext, c: ScCdb) => (BigInt(t.dev.blocks) - 1n > c.maxLba ? Number(c.maxLba) + 1 : t.dev.blocks);

const pastEndLbas = (c: ScCdb) => (c.size === 16 ? [2n ** 63n, 2n ** 64n - 1n] : [2n ** 31n, 2n ** 32n - 1n]);

export async function simple(t: TestContext, c: ScCdb): Promise<void> {
  const lens = lengths(t, c);
  const e = end(t, c);
  t.log(`${c.name} of ${lens.join(', ')} blocks at LBA 0, then ending at LBA ${e - 1}`);
  for (const n of lens) await send(t, c, { lba: 0, blocks: n });
  for (const n of lens) await send(t, c, { lba: e - n, blocks: n });
}

export async function beyondEol(t: TestContext, c: ScCdb): Promise<void> {
  const blocks = t.dev.blocks;
  if (BigInt(blocks) > c.maxLba) t.skip(`the LUN (${blocks} blocks) is too big for ${c.name} past-the-end tests`);
  const lens = lengths(t, c).filter((n) => n <= Math.min(c.maxBlocks, blocks));
  t.log(`${c.name} of ${lens.join(', ')} blocks whose last block is just past the end (LBA ${blocks})`);
  for (const n of lens) await send(t, c, { lba: blocks + 1 - n, blocks: n }, LBA_OUT_OF_RANGE);
  t.log(`${c.name} of 2 blocks starting at the last LBA`);
  await send(t, c, { lba: blocks - 1, blocks: 2 }, LBA_OUT_OF_RANGE);
  for (const lba of pastEndLbas(c)) {
    if (lba < BigInt(blocks)) continue;
    t.log(`${c.name} of 1 block at LBA ${lba}`);
    await send(t, c, { lba, blocks: 1 }, LBA_OUT_OF_RANGE);
  }
}

export async function zeroBlocks(t: TestContext, c: ScCdb): Promise<void> {
  t.log(`${c.name} with NUMBER OF LOGICAL BLOCKS 0 (to the last logical block) at LBA 0 and at the last LBA`);
  await send(t, c, { lba: 0, blocks: 0 });
  if (BigInt(t.dev.lastLba) <= c.maxLba) await send(t, c, { lba: t.dev.lastLba, blocks: 0 });
  for (const lba of [BigInt(t.dev.blocks) + 1n, ...pastEndLbas(c)]) {
    if (lba <= BigInt(t.dev.blocks) || lba > c.maxLba) continue;
    t.log(`${c.name} of 0 blocks at LBA ${lba}, past the end`);
    await send(t, c, { lba, blocks: 0 }, LBA_OUT_OF_RANGE);
  }
}

/** IMMED is optional: a device server either takes it (GOOD) or refuses it as an invalid CDB field. */
const IMMED_ANSWERS: Expected = [GOOD, INVALID_FIELD_IN_CDB];

export async function immed(t: TestContext, c: ScCdb): Promise<void> {
  t.log(`${c.name} with IMMED over the whole medium and over one block, then TEST UNIT READY`);
  await send(t, c, { lba: 0, blocks: 0, immed: true }, IMMED_ANSWERS);
  await send(t, c, { lba: 0, blocks: 1, immed: true }, IMMED_ANSWERS);
  await t.command(scsi.testUnitReady(), { expect: GOOD, dataIn: 0 });
  // a past-the-end range is an invalid CDB whatever IMMED says: status comes only after validation
  if (BigInt(t.dev.blocks) <= c.maxLba) await send(t, c, { lba: t.dev.blocks, blocks: 1, immed: true }, [LBA_OUT_OF_RANGE, INVALID_FIELD_IN_CDB]);
}

export async function group(t: TestContext, c: ScCdb): Promise<void> {
  t.log(`${c.name} of one block at LBA 0 with GROUP NUMBER 3`);
  await send(t, c, { lba: 0, blocks: 1, group: 3 });
}

export const clauses = {
  beyondEol: (c: ScCdb) => `${c.clause}, ${SBC4.LOGICAL_BLOCKS}`,
};

export const docs = {
  simple: (c: ScCdb) => `${c.name} of ${'1, 2, 8, 255, 256, 65535 and the largest NUMBER OF LOGICAL BLOCKS the field and the capacity allow'} at LBA 0
    and ending at the last LBA must complete with GOOD and no data: the command "requests that the device server ensure that the specified logical
    blocks have their most recent data values recorded in non-volatile cache and/or on the medium", and a range within the capacity is no error (the
    suite runs only where the command is supported).`,
  beyondEol: (c: ScCdb) => `${c.name} of ranges whose last block is one past the end, of 2 blocks starting at the last LBA, and at LBAs past the end
    (${c.size === 16 ? '2^63 and 2^64-1' : '2^31 and 2^32-1'}) must end in CHECK CONDITION, ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE: "If
    the specified LBA and the specified number of logical blocks exceed the capacity of the medium, then the device server shall terminate the command
    with CHECK CONDITION status with the sense key set to ILLEGAL REQUEST and the additional sense code set to LOGICAL BLOCK ADDRESS OUT OF RANGE".`,
  zeroBlocks: (c: ScCdb) => `${c.name} with NUMBER OF LOGICAL BLOCKS 0 ("all logical blocks starting with the one specified in the LOGICAL BLOCK
    ADDRESS field to the last logical block on the medium shall be synchronized") at LBA 0 and at the last LBA must complete with GOOD; at LBAs past
    the end it must end in LOGICAL BLOCK ADDRESS OUT OF RANGE.`,
  immed: (c: ScCdb) => `${c.name} with IMMED set must either complete with GOOD ("the device server shall return status as soon as the CDB has been
    validated") or, where IMMED is not supported, end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB (as the clause says it shall); the LU
    must then answer TEST UNIT READY with GOOD, and an IMMED range past the end must still be refused.`,
  group: (c: ScCdb) => `${c.name} of one block with GROUP NUMBER 3 must complete with GOOD: GROUP NUMBER only names a group for collecting attributes
    (the grouping function of SBC-4). SHOULD: no sentence forbids refusing a group number, so a refusal is a warning.`,
};
