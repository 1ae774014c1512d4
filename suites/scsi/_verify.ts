/**
 * Shared bodies of the VERIFY (10/12/16) and WRITE AND VERIFY (10/12/16) suites: one description of each
 * CDB size and the tests written once against it. WRITE AND VERIFY is described as an `RwCdb` too, so the
 * WRITE bodies of _rw.ts (Simple, BeyondEol, ZeroBlocks, MaxTransferLength) check it exactly
 * as they check WRITE; WriteProtect also checks that nothing was written. (A helper module: the registry does not
 * load it as a suite.)
 */
import { GOOD, INVALID_FIELD_IN_CDB, LBA_OUT_OF_RANGE, MISCOMPARE, scsi, type Expected, type ScsiResult, type TestContext } from '../../harness/api.js';
import {
  checkMiscompareOffset,
  dpoFuaCheck,
  holds,
  mismatched,
  processed,
  reservedBits,
  protectDoc,
  protectWalk,
  unchanged,
  usageDoc,
  type Reserved,
} from './_block.js';
import { rwCdb, type RwCdb } from './_rw.js';

const U32 = 0xffffffff;
const U64_MAX = 0xffffffffffffffffn;

export interface VerifyCdb {
  /** 'VERIFY(10)' */
  name: string;
  size: 10 | 12 | 16;
  /** The command's clause in SBC-4. */
  clause: string;
  op: number;
  maxLba: number;
  maxBlocks: number;
  /** The reserved fields of the CDB (not the obsolete bit 0 of byte 1 of the 10- and 12-byte CDBs, nor the bit restricted for MMC-6). */
  reserved: Reserved[];
  build(o: { lba: number | bigint; blocks: number; bytchk?: number; dpo?: boolean; vrprotect?: number }): Buffer;
}

/** A VERIFY CDB as the command catalogue describes it, reserved bits included. */
function verifyCdb(op: number, build: VerifyCdb['build']): VerifyCdb {
  const { name, size, clause, maxLba, maxBlocks } = rwCdb(op, false, build);
  return { name, size: size as VerifyCdb['size'], clause, op, maxLba, maxBlocks, reserved: scsi.reservedBits(scsi.catalogueEntry(op)!), build };
}

export const VERIFY10 = verifyCdb(scsi.Op.VERIFY_10, scsi.verify10);
export const VERIFY12 = verifyCdb(scsi.Op.VERIFY_12, scsi.verify12);
export const VERIFY16 = verifyCdb(scsi.Op.VERIFY_16, scsi.verify16);

/** WRITE AND VERIFY described for the WRITE bodies of _rw.ts, with its reserved fields. */
export interface WavCdb extends RwCdb {
  reserved: Reserved[];
  buildWav(o: { lba: number | bigint; blocks: number; bytchk?: number; dpo?: boolean; wrprotect?: number }): Buffer;
}

function wav(op: number, f: WavCdb['buildWav']): WavCdb {
  const c = rwCdb(op, true, f);
  return {
    ...c,
    reserved: scsi.reservedBits(scsi.catalogueEntry(op)!),
    buildWav: f,
    build: (o) => {
      if (o.fua) throw new Error(`${c.name} has no FUA bit`);
      return c.build(o);
    },
  };
}

export const WAV10 = wav(scsi.Op.WRITE_AND_VERIFY_10, scsi.writeVerify10);
export const WAV12 = wav(scsi.Op.WRITE_AND_VERIFY_12, scsi.writeVerify12);
export const WAV16 = wav(scsi.Op.WRITE_AND_VERIFY_16, scsi.writeVerify16);

// --- VERIFY ----------------------------------------------------------------------------------------------

interface VerifyOpts {
  bytchk?: number;
  dpo?: boolean;
  vrprotect?: number;
  /** The Data-Out buffer (BYTCHK 01b / 11b); none is sent when absent or empty. */
  data?: Buffer;
  expect?: Expected;
}

/** Send one VERIFY. */
function verify(t: TestContext, c: VerifyCdb, lba: number | bigint, blocks: number, o: VerifyOpts = {}): Promise<ScsiResult> {
  const cdb = c.build({
    lba,
    blocks,
    ...(o.bytchk ? { bytchk: o.bytchk } : {}),
    ...(o.dpo ? { dpo: true } : {}),
    ...(o.vrprotect ? { vrprotect: o.vrprotect } : {}),
  });
  return t.command(cdb, { expect: o.expect ?? GOOD, ...(o.data && o.data.length ? { dataOut: o.data } : { dataIn: 0 }) });
}

/** One past the last LBA the CDB can reach (the capacity, unless the CDB's LBA field is smaller). */
const reachEnd = (t: TestContext, c: { maxLba: number }): number => Math.min(t.dev.blocks, c.maxLba + 1);

/** A deterministic offset in [0, n) for the n-th case (the same run after run). */
const offsetFor = (seed: number, n: number): number => ((seed * 2654435761) >>> 0) % n;

/** Simple: 1..256 blocks at LBA 0 and at the end, medium verification (BYTCHK 00b) then byte-by-byte with the medium's data (01b). */
export async function verifySimple(t: TestContext, c: VerifyCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const lens = t.lengths(Math.min(256, c.maxBlocks));
  const max = lens.length;
  const end = reachEnd(t, c);
  t.log(`${c.name} BYTCHK=00b of 1..${max} blocks at LBA 0 and ending at LBA ${end - 1}`);
  for (const n of lens) await verify(t, c, 0, n);
  for (const n of lens) await verify(t, c, end - n, n);
  t.log(`${c.name} BYTCHK=01b of 1..${max} blocks with the data the medium holds, at LBA 0 and at the end`);
  const head = await t.readBlocks(0, max);
  for (const n of lens) await verify(t, c, 0, n, { bytchk: 1, data: head.subarray(0, n * bs) });
  const tail = await t.readBlocks(end - max, max);
  for (const n of lens) await verify(t, c, end - n, n, { bytchk: 1, data: tail.subarray((max - n) * bs) });
}

/** BeyondEol: ranges crossing the end by one block, starting at the last LBA, and starting past the end. */
export async function verifyBeyondEol(t: TestContext, c: VerifyCdb): Promise<void> {
  const blocks = t.dev.blocks;
  if (blocks > c.maxLba) t.skip(`the LUN (${blocks} blocks) is too big for ${c.name} past-the-end tests: its end is beyond LBA ${c.maxLba}`);
  const bs = t.dev.blockSize;
  const lens = t.lengths(Math.min(256, c.maxBlocks));
  t.log(`${c.name} of 1..${lens.length} blocks, the last one just past the end (LBA ${blocks})`);
  for (const n of lens) await verify(t, c, blocks + 1 - n, n, { expect: LBA_OUT_OF_RANGE });
  t.log(`${c.name} of 2..${lens.length} blocks starting at the last LBA`);
  for (const n of lens.slice(1)) await verify(t, c, blocks - 1, n, { expect: LBA_OUT_OF_RANGE });
  const starts: (number | bigint)[] = c.size === 16 ? [2n ** 63n, U64_MAX] : [2 ** 31, U32];
  for (const lba of starts) {
    if (BigInt(lba) < BigInt(blocks)) continue;
    t.log(`${c.name} of 1..${lens.length} blocks at LBA ${lba}`);
    for (const n of lens) await verify(t, c, lba, n, { expect: LBA_OUT_OF_RANGE });
  }
  t.log(`${c.name} BYTCHK=01b of 1..${lens.length} blocks crossing the end by one block, with a Data-Out buffer`);
  for (const n of lens) await verify(t, c, blocks + 1 - n, n, { bytchk: 1, data: Buffer.alloc(n * bs, 0xa5), expect: LBA_OUT_OF_RANGE });
}

/** ZeroBlocks: VERIFICATION LENGTH 0 is no verification and no error; at an LBA past the end it is LBA OUT OF RANGE. */
export async function verifyZeroBlocks(t: TestContext, c: VerifyCdb): Promise<void> {
  t.log(`${c.name} of 0 blocks at LBA 0, BYTCHK 00b and 01b (no Data-Out)`);
  await verify(t, c, 0, 0);
  await verify(t, c, 0, 0, { bytchk: 1 });
  const blocks = t.dev.blocks;
  const past: (number | bigint)[] = [blocks + 1, ...(c.size === 16 ? [2n ** 63n, U64_MAX] : [2 ** 31, U32])];
  for (const lba of past) {
    if (BigInt(lba) <= BigInt(blocks) || BigInt(lba) > BigInt(c.size === 16 ? U64_MAX : U32)) continue;
    t.log(`${c.name} of 0 blocks at LBA ${lba}, past the end`);
    await verify(t, c, lba, 0, { expect: LBA_OUT_OF_RANGE });
  }
}

/** VerifyProtect: any non-zero VRPROTECT without protection information is INVALID FIELD IN CDB. */
export async function verifyProtect(t: TestContext, c: VerifyCdb): Promise<void> {
  if (t.dev.protection) t.skip('protection information is enabled; this test checks VRPROTECT on a logical unit without it');
  await protectWalk(t, { field: 'VRPROTECT', name: `${c.name} LBA=0 LEN=1`, send: (p, expect) => verify(t, c, 0, 1, { vrprotect: p, expect }) });
}

/** Flags: every BYTCHK code (10b is reserved) and DPO, on one block at LBA 0. */
export async function verifyFlags(t: TestContext, c: VerifyCdb): Promise<void> {
  const block = await t.readBlocks(0, 1);
  t.log('BYTCHK 00b (medium verification), 01b (compare), 11b (compare one block with each): GOOD');
  await verify(t, c, 0, 1);
  await verify(t, c, 0, 1, { bytchk: 1, data: block });
  await verify(t, c, 0, 1, { bytchk: 3, data: block });
  t.log('BYTCHK 10b is reserved: INVALID FIELD IN CDB');
  await verify(t, c, 0, 1, { bytchk: 2, data: block, expect: INVALID_FIELD_IN_CDB });
  if (t.dev.dpofua) {
    t.log('DPOFUA is set: DPO with BYTCHK 00b and 01b: GOOD');
    await verify(t, c, 0, 1, { dpo: true });
    await verify(t, c, 0, 1, { dpo: true, bytchk: 1, data: block });
  }
}

/** Dpo: DPO against DPOFUA, and the CDB usage data. */
export async function verifyDpo(t: TestContext, c: VerifyCdb): Promise<void> {
  await dpoFuaCheck(t, {
    name: c.name,
    op: c.op,
    fua: false,
    send: async (f, expect) => void (await verify(t, c, 0, 1, { ...(f.dpo ? { dpo: true } : {}), expect })),
  });
}

/** Mismatch: 1..256 blocks of the medium's data with one byte changed, BYTCHK 01b: MISCOMPARE. */
export async function verifyMismatch(t: TestContext, c: VerifyCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const lens = t.lengths(Math.min(256, c.maxBlocks));
  const max = lens.length;
  const end = reachEnd(t, c);
  for (const [lba0, data] of [
    [0, await t.readBlocks(0, max)],
    [end - max, await t.readBlocks(end - max, max)],
  ] as const) {
    const atEnd = lba0 !== 0;
    t.log(`${c.name} BYTCHK=01b of 1..${max} blocks ${atEnd ? 'ending at the last LBA' : 'at LBA 0'}, one byte of the Data-Out changed`);
    for (const n of lens) {
      const d = Buffer.from(atEnd ? data.subarray((max - n) * bs) : data.subarray(0, n * bs));
      const off = offsetFor(n, n * bs);
      d[off] = d[off]! ^ 0x58;
      await verify(t, c, atEnd ? end - n : 0, n, { bytchk: 1, data: d, expect: MISCOMPARE });
    }
  }
}

/** MismatchNoCmp: BYTCHK 00b transfers and compares nothing, so it cannot miscompare. */
export async function verifyMismatchNoCmp(t: TestContext, c: VerifyCdb): Promise<void> {
  const lens = t.lengths(Math.min(256, c.maxBlocks));
  const end = reachEnd(t, c);
  t.log(`${c.name} BYTCHK=00b of 1..${lens.length} blocks at LBA 0 and at the end: GOOD`);
  for (const n of lens) await verify(t, c, 0, n);
  for (const n of lens) await verify(t, c, end - n, n);
}

/** MiscompareOffset: the INFORMATION field of the MISCOMPARE is the offset of the first byte that differs. */
export async function verifyMiscompareOffset(t: TestContext, c: VerifyCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const n = Math.min(4, t.lengths(4).length);
  const data = await t.readBlocks(0, n);
  const cases: { blocks: number; flip: number[] }[] = [
    { blocks: 1, flip: [0] },
    { blocks: 1, flip: [1] },
    { blocks: 1, flip: [bs - 1] },
    { blocks: 2, flip: [bs] },
    { blocks: 2, flip: [bs + 3, 2 * bs - 1] },
    { blocks: 4, flip: [3 * bs + 17] },
    { blocks: 4, flip: [2 * bs - 1, 3 * bs] },
  ];
  for (const k of cases) {
    if (k.blocks > n) continue;
    const d = Buffer.from(data.subarray(0, k.blocks * bs));
    for (const f of k.flip) d[f] = d[f]! ^ 0xff;
    const r = await verify(t, c, 0, k.blocks, { bytchk: 1, data: d, expect: MISCOMPARE });
    checkMiscompareOffset(
      t,
      r,
      k.flip[0]!,
      `${c.name} LBA=0 LEN=${k.blocks} BYTCHK=1 with byte${k.flip.length > 1 ? 's' : ''} ${k.flip.join(' and ')} changed`,
      'SHOULD',
    );
  }
}

/**
 * BytchkSingleBlock: BYTCHK 11b sends one block and compares it with every block of the range: GOOD when
 * all hold it, MISCOMPARE when one block on the medium or the block sent differs.
 */
export async function verifyBytchkSingleBlock(t: TestContext, c: VerifyCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const n = Math.min(8, t.lengths(8).length);
  if (n < 2) t.skip('the LUN or its MAXIMUM TRANSFER LENGTH is under 2 blocks');
  const lba = 0;
  const block = t.pattern(lba, 1);
  t.log(`Write the same block to LBA ${lba}..${lba + n - 1}`);
  await t.command(scsi.write10({ lba, blocks: n }), { dataOut: Buffer.concat(Array.from({ length: n }, () => block)) });
  await verify(t, c, lba, n, { bytchk: 3, data: block });
  const other = Buffer.from(block);
  other[bs - 1] = other[bs - 1]! ^ 0x01;
  t.log('The block sent differs from every block in its last byte: MISCOMPARE');
  await verify(t, c, lba, n, { bytchk: 3, data: other, expect: MISCOMPARE });
  const k = n - 1;
  t.log(`Block ${lba + k} on the medium now differs from the others: MISCOMPARE over ${n} blocks, GOOD over the first ${k}`);
  await t.command(scsi.write10({ lba: lba + k, blocks: 1 }), { dataOut: other });
  await verify(t, c, lba, n, { bytchk: 3, data: block, expect: MISCOMPARE });
  await verify(t, c, lba, k, { bytchk: 3, data: block });
  await verify(t, c, lba + k, 1, { bytchk: 3, data: other });
}

/**
 * DataOutLength: a Data-Out buffer that is not what BYTCHK and the VERIFICATION LENGTH call for (01b: one
 * block short, one block long, none; 11b: two blocks; 00b: one block).
 */
export async function verifyDataOutLength(t: TestContext, c: VerifyCdb): Promise<void> {
  const bs = t.dev.blockSize;
  if (t.lengths(3).length < 3) t.skip('the LUN or its MAXIMUM TRANSFER LENGTH is under 3 blocks');
  const d = await t.readBlocks(0, 3);
  const b0 = d.subarray(0, bs);
  await mismatched(t, { cdb: c.build({ lba: 0, blocks: 2, bytchk: 1 }), spdtl: 2 * bs, data: d.subarray(0, bs) });
  await mismatched(t, { cdb: c.build({ lba: 0, blocks: 2, bytchk: 1 }), spdtl: 2 * bs, data: d });
  await mismatched(t, { cdb: c.build({ lba: 0, blocks: 1, bytchk: 1 }), spdtl: bs, data: Buffer.alloc(0) });
  await mismatched(t, { cdb: c.build({ lba: 0, blocks: 1, bytchk: 3 }), spdtl: bs, data: Buffer.concat([b0, b0]) });
  await mismatched(t, { cdb: c.build({ lba: 0, blocks: 1 }), spdtl: 0, data: b0 });
}

/** ReservedBits: each reserved bit of the CDB set alone. */
export async function verifyReservedBits(t: TestContext, c: VerifyCdb): Promise<void> {
  await reservedBits(t, {
    name: c.name,
    base: c.build({ lba: 0, blocks: 1 }),
    fields: c.reserved,
    send: (cdb, expect, what) => t.command(cdb, { expect, dataIn: 0, what }),
  });
}

/** The MAXIMUM TRANSFER LENGTH need is the READ/WRITE one (_rw.ts), re-exported for the VERIFY and ORWRITE suites. */
export { mtlNeedFor } from './_rw.js';

/** MaxTransferLength: BYTCHK 01b over MAXIMUM TRANSFER LENGTH blocks is GOOD, one block more INVALID FIELD IN CDB. */
export async function verifyMaxTransferLength(t: TestContext, c: VerifyCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const mtl = t.dev.blockLimits!.maximumTransferLength!;
  // read in two: one READ of MAXIMUM TRANSFER LENGTH + 1 blocks would itself be refused
  const data = Buffer.concat([await t.readBlocks(0, mtl), await t.readBlocks(mtl, 1)]);
  t.log(`${c.name} BYTCHK=01b of MAXIMUM TRANSFER LENGTH (${mtl}) blocks at LBA 0, then of ${mtl + 1}`);
  await verify(t, c, 0, mtl, { bytchk: 1, data: data.subarray(0, mtl * bs) });
  await verify(t, c, 0, mtl + 1, { bytchk: 1, data, expect: INVALID_FIELD_IN_CDB });
}

// --- WRITE AND VERIFY ----------------------------------------------------------------------------------------

/** Send one WRITE AND VERIFY of `data` (t.pattern by default); GOOD ones are remembered for the read-back. */
function wavSend(
  t: TestContext,
  c: WavCdb,
  lba: number,
  blocks: number,
  o: { bytchk?: number; dpo?: boolean; data?: Buffer; expect?: Expected } = {},
): Promise<ScsiResult> {
  const cdb = c.buildWav({ lba, blocks, ...(o.bytchk ? { bytchk: o.bytchk } : {}), ...(o.dpo ? { dpo: true } : {}) });
  return t.command(cdb, { expect: o.expect ?? GOOD, dataOut: o.data ?? t.pattern(lba, blocks) });
}

/** Flags: BYTCHK 00b and 01b write and verify; 10b and 11b are reserved for WRITE AND VERIFY; DPO when DPOFUA is set. */
export async function wavFlags(t: TestContext, c: WavCdb): Promise<void> {
  const n = Math.min(8, t.lengths(8).length);
  t.log(`${c.name} BYTCHK=00b and 01b of ${n} blocks at LBA 0: GOOD, and the data reads back`);
  await wavSend(t, c, 0, n);
  await wavSend(t, c, 0, n, { bytchk: 1 });
  const before = await t.readBlocks(0, 1);
  for (const bytchk of [2, 3]) {
    t.log(`BYTCHK=${bytchk.toString(2)}b is reserved in ${c.name}: INVALID FIELD IN CDB, and nothing written`);
    await wavSend(t, c, 0, 1, { bytchk, expect: INVALID_FIELD_IN_CDB });
    await unchanged(t, 0, before, `${c.name} LBA=0 LEN=1 BYTCHK=${bytchk} was refused`);
  }
  if (t.dev.dpofua) {
    t.log('DPOFUA is set: DPO with BYTCHK 00b and 01b: GOOD');
    await wavSend(t, c, 0, 1, { dpo: true });
    await wavSend(t, c, 0, 1, { dpo: true, bytchk: 1 });
  }
}

/** WriteProtect: any non-zero WRPROTECT without protection information is INVALID FIELD IN CDB, and nothing is written. */
export async function wavProtect(t: TestContext, c: WavCdb): Promise<void> {
  if (t.dev.protection) t.skip('protection information is enabled; this test checks WRPROTECT on a logical unit without it');
  await protectWalk(t, {
    field: 'WRPROTECT',
    name: `${c.name} LBA=0 LEN=1`,
    send: (p, expect) => t.command(c.buildWav({ lba: 0, blocks: 1, wrprotect: p }), { expect, dataOut: t.pattern(0, 1) }),
    watch: { lba: 0, blocks: 1 },
  });
}

/** Dpo: DPO against DPOFUA, and the CDB usage data. */
export async function wavDpo(t: TestContext, c: WavCdb): Promise<void> {
  await dpoFuaCheck(t, {
    name: c.name,
    op: c.op,
    fua: false,
    send: async (f, expect) => void (await wavSend(t, c, 0, 1, { ...(f.dpo ? { dpo: true } : {}), expect })),
  });
}

/** ReservedBits: each reserved bit of the CDB set alone; LBA 0 unchanged after each refusal. */
export async function wavReservedBits(t: TestContext, c: WavCdb): Promise<void> {
  await reservedBits(t, {
    name: c.name,
    base: c.buildWav({ lba: 0, blocks: 1 }),
    fields: c.reserved,
    watch: { lba: 0, blocks: 1 },
    send: (cdb, expect, what) => t.command(cdb, { expect, dataOut: t.pattern(0, 1), what }),
  });
}

/**
 * DataOutLength: TRANSFER LENGTH 2 with one block of Data-Out, with three, and TRANSFER LENGTH 1 with none.
 * Processed: exactly the blocks sent (and named by the CDB) are written; refused: nothing is.
 */
export async function wavDataOutLength(t: TestContext, c: WavCdb): Promise<void> {
  const bs = t.dev.blockSize;
  if (t.lengths(3).length < 3) t.skip('the LUN or its MAXIMUM TRANSFER LENGTH is under 3 blocks');
  await wavSend(t, c, 0, 3);
  let cur = await t.readBlocks(0, 3);
  const step = async (blocks: number, sent: number) => {
    const data = t.pattern(0, sent);
    const r = await mismatched(t, { cdb: c.buildWav({ lba: 0, blocks }), spdtl: blocks * bs, data });
    const written = processed(r) ? Math.min(blocks, sent) : 0;
    const expect = Buffer.concat([data.subarray(0, written * bs), cur.subarray(written * bs)]);
    const what = `${scsi.describeCdb(c.buildWav({ lba: 0, blocks }))} with ${sent} block(s) of Data-Out`;
    if (processed(r))
      await holds(
        t,
        0,
        expect,
        `${what} completed with GOOD: ` +
          `${written ? `block(s) 0..${written - 1} must hold the data sent and the others` : 'every block must hold'} what they held`,
      );
    else await unchanged(t, 0, cur, `${what} was refused`);
    cur = expect;
  };
  await step(2, 1);
  await step(2, 3);
  await step(1, 0);
}

/** The doc paragraphs of the shared tests, for the suites. */
export const verifyDocs = {
  simple: (c: VerifyCdb) =>
    `${c.name} of 1 to 256 blocks (fewer if MAXIMUM TRANSFER LENGTH or the capacity is smaller) at LBA 0 and ending at the last LBA, first with BYTCHK 00b
      (medium verification, no Data-Out), then with BYTCHK 01b and the data the medium holds (read first) as Data-Out: each must complete with GOOD.`,
  beyondEol: (c: VerifyCdb) =>
    `${c.name} of 1 to 256 blocks whose last block is one past the end of the medium, of 2 to 256 blocks starting at the last LBA, and starting at
      LBAs past the end (${c.size === 16 ? '2^63 and 2^64-1' : '2^31 and 2^32-1'}), with BYTCHK 00b; and with BYTCHK 01b and a Data-Out buffer,
      crossing the end by one block: each must be terminated with CHECK CONDITION, ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE. Skipped when
      the medium ends beyond what the CDB can address.`,
  zeroBlocks: (c: VerifyCdb) =>
    `${c.name} with VERIFICATION LENGTH 0 at LBA 0 verifies nothing and is not an error (GOOD), with BYTCHK 00b and 01b; with VERIFICATION LENGTH 0 at
      an LBA past the end of the medium it must be terminated with LOGICAL BLOCK ADDRESS OUT OF RANGE.`,
  protect: (c: VerifyCdb) =>
    `${c.name} of one block with each non-zero VRPROTECT value (1 to 7) on a logical unit without protection information enabled:
      ${protectDoc('VRPROTECT')}.`,
  flags: (c: VerifyCdb) =>
    `${c.name} of one block at LBA 0 with each BYTCHK code: 00b (no Data-Out), 01b and 11b (the block the medium holds as Data-Out) must complete with
      GOOD; 10b is a reserved code and must be terminated with INVALID FIELD IN CDB. When DPOFUA is set, DPO with BYTCHK 00b and 01b must complete
      with GOOD.`,
  dpo: (c: VerifyCdb) =>
    `${c.name} of one block with DPO: GOOD when the mode parameter header's DPOFUA bit is set, INVALID FIELD IN CDB when it is clear; REPORT SUPPORTED
      OPERATION CODES (when implemented) ${usageDoc('DPO')}, and never bit 3 of byte 1 (reserved:
      ${c.name} has no FUA).`,
  mismatch: (c: VerifyCdb) =>
    `${c.name} with BYTCHK 01b of 1 to 256 blocks at LBA 0 and ending at the last LBA, with the data the medium holds but one byte changed: each must
      be terminated with CHECK CONDITION, MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION.`,
  mismatchNoCmp: (c: VerifyCdb) =>
    `${c.name} with BYTCHK 00b of 1 to 256 blocks at LBA 0 and ending at the last LBA: no Data-Out is transferred and nothing is compared, so each
      must complete with GOOD (never MISCOMPARE), whatever the initiator holds.`,
  miscompareOffset: (c: VerifyCdb) =>
    `${c.name} with BYTCHK 01b of 1, 2 and 4 blocks with one or two bytes of the Data-Out changed (the first byte, the last byte of a block, the first
      byte of the second block, two bytes): MISCOMPARE, and the sense data should carry a valid INFORMATION field holding the offset in the Data-Out
      buffer of the first byte that differs (a warning when it is absent or another value).`,
  bytchkSingleBlock: (c: VerifyCdb) =>
    `BYTCHK 11b sends one logical block and compares it with each block of the range: after writing the same block to LBA 0..7, ${c.name} of 8 blocks
      with that block must be GOOD, with a block differing in its last byte MISCOMPARE; after block 7 is rewritten with other data, 8 blocks must
      MISCOMPARE, blocks 0..6 with the first block and block 7 with the other must be GOOD.`,
  dataOutLength: (c: VerifyCdb) =>
    `${c.name} with a Data-Out buffer that is not what BYTCHK and VERIFICATION LENGTH call for: BYTCHK 01b over 2 blocks with 1 block and with 3
      blocks of data, over 1 block with none; BYTCHK 11b (one block) with 2 blocks; BYTCHK 00b (no Data-Out) with 1 block. Each must either complete
      with GOOD and the iSCSI residual overflow or underflow of the difference (RFC 7143 11.4.5.2), or be terminated with INVALID FIELD IN COMMAND
      INFORMATION UNIT.`,
  reservedBits: (c: VerifyCdb) =>
    `${c.name} of one block with each reserved bit of the CDB set in turn
      (${c.reserved
        .filter((r) => r.byte !== c.size - 1)
        .map((r) => `byte ${r.byte} mask 0x${r.mask.toString(16).padStart(2, '0')}`)
        .join(', ')}; the
      CONTROL byte's reserved bits 5-3): each should be terminated with INVALID FIELD IN CDB (a warning when it completes, since recipients are not
      required to check reserved fields); when the sense data carries a field pointer it must point at that byte of the CDB (C/D set) and, with a bit
      pointer, into the reserved field.`,
  maxTransferLength: (c: VerifyCdb) =>
    `${c.name} with BYTCHK 01b of exactly MAXIMUM TRANSFER LENGTH blocks (Block Limits VPD page) with the data the medium holds must complete with
      GOOD; of one block more it must be terminated with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB.`,
};

export const wavDocs = {
  protect: (c: WavCdb) =>
    `${c.name} of one block at LBA 0 with each non-zero WRPROTECT value (1 to 7) on a logical unit without protection information enabled:
      ${protectDoc('WRPROTECT')}.`,
  flags: (c: WavCdb) =>
    `${c.name} of 8 blocks at LBA 0 with BYTCHK 00b and with BYTCHK 01b must complete with GOOD, and the data must read back; BYTCHK 10b and 11b are
      reserved codes for WRITE AND VERIFY and must be terminated with INVALID FIELD IN CDB, the medium unchanged. When DPOFUA is set, DPO with BYTCHK 00b
      and 01b must complete with GOOD.`,
  dpo: (c: WavCdb) =>
    `${c.name} of one block with DPO: GOOD when the mode parameter header's DPOFUA bit is set, INVALID FIELD IN CDB when it is clear; REPORT SUPPORTED
      OPERATION CODES (when implemented) ${usageDoc('DPO')}, and never bit 3 of byte 1 (reserved:
      ${c.name} has no FUA).`,
  reservedBits: (c: WavCdb) =>
    `${c.name} of one block at LBA 0 with each reserved bit of the CDB set in turn
      (${c.reserved
        .filter((r) => r.byte !== c.size - 1)
        .map((r) => `byte ${r.byte} mask 0x${r.mask.toString(16).padStart(2, '0')}`)
        .join(', ')}; the
      CONTROL byte's reserved bits 5-3): each should be terminated with INVALID FIELD IN CDB (a warning when it completes, and then the data must read
      back); the field pointer, when given, must point at that byte; a refused command must leave LBA 0 unchanged.`,
  dataOutLength: (c: WavCdb) =>
    `${c.name} with a Data-Out buffer that is not what TRANSFER LENGTH calls for: 2 blocks with 1 block of data, 2 blocks with 3, 1 block with none.
      Each must either complete with GOOD, the iSCSI residual overflow or underflow of the difference (RFC 7143 11.4.5.2), and exactly the blocks both
      sent and named by the CDB written (the others unchanged), or be terminated with INVALID FIELD IN COMMAND INFORMATION UNIT and nothing written.`,
};
