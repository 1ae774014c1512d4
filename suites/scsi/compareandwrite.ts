/**
 * COMPARE AND WRITE (SBC-4 5.3): the Data-Out buffer holds the verify instance then the write instance of
 * NUMBER OF LOGICAL BLOCKS blocks each; the blocks are written only when the medium equals the verify
 * instance, else MISCOMPARE with the offset of the first differing byte in INFORMATION and nothing written.
 */
import {
  defineSuite,
  GOOD,
  ILLEGAL_REQUEST,
  INVALID_FIELD_IN_CDB,
  LBA_OUT_OF_RANGE,
  MISCOMPARE,
  scsi,
  type CustomNeed,
  type Expected,
  type ScsiResult,
  type TestContext,
  SBC4,
  SPC5,
} from '../../harness/api.js';
import {
  checkMiscompareOffset,
  dpoFuaCheck,
  INVALID_FIELD_IN_IU_ABORTED,
  mismatched,
  processed,
  reservedBits,
  protectDoc,
  protectWalk,
  unchanged,
  usageDoc,
} from './_block.js';

const CLAUSE = SBC4.COMPARE_AND_WRITE;
const NAME = 'COMPARE AND WRITE';
const U64_MAX = 0xffffffffffffffffn;

const suite = defineSuite('CompareAndWrite', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });

/**
 * The largest NUMBER OF LOGICAL BLOCKS to use: MAXIMUM COMPARE AND WRITE LENGTH of the Block Limits page
 * (1 when the page is absent), capped by the capacity and MAXIMUM TRANSFER LENGTH. Skips when the page
 * says COMPARE AND WRITE is not supported (0).
 */
function maxCaw(t: TestContext): number {
  const bl = t.dev.blockLimits;
  const m = bl?.maximumCompareAndWriteLength;
  if (bl && m === 0) t.skip('MAXIMUM COMPARE AND WRITE LENGTH is 0: the device server does not support COMPARE AND WRITE (SBC-4 6.6.4)');
  if (m === undefined) t.log('No Block Limits page: COMPARE AND WRITE is tried with 1 block only');
  return Math.max(1, Math.min(m ?? 1, t.dev.blocks, t.dev.maxTransferBlocks));
}

/** Send one COMPARE AND WRITE; with GOOD the write instance is what the blocks must hold (read back later). */
async function caw(
  t: TestContext,
  lba: number | bigint,
  blocks: number,
  verify: Buffer,
  write: Buffer,
  o: { dpo?: boolean; fua?: boolean; wrprotect?: number; expect?: Expected } = {},
): Promise<ScsiResult> {
  const cdb = scsi.compareAndWrite({
    lba,
    blocks,
    ...(o.dpo ? { dpo: true } : {}),
    ...(o.fua ? { fua: true } : {}),
    ...(o.wrprotect ? { wrprotect: o.wrprotect } : {}),
  });
  const data = Buffer.concat([verify, write]);
  const r = await t.command(cdb, { expect: o.expect ?? GOOD, ...(data.length ? { dataOut: data } : { dataIn: 0 }) });
  if (r.status === scsi.ScsiStatus.GOOD && typeof lba === 'number' && write.length) t.remember(lba, write, scsi.describeCdb(cdb));
  return r;
}

suite.test(
  'Simple',
  {
    doc: `COMPARE AND WRITE of 1 to MAXIMUM COMPARE AND WRITE LENGTH blocks (Block Limits page; 1 without it) at LBA 0 and ending at the last LBA, the
      verify instance being what the blocks hold: each must complete with GOOD, and the blocks must then read back as the write instance.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.BLOCK_LIMITS}`,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const max = maxCaw(t);
    for (const lba0 of [0, t.dev.blocks - max]) {
      const cur = await t.readBlocks(lba0, max);
      t.log(`${NAME} of 1..${max} blocks ${lba0 === 0 ? 'at LBA 0' : 'ending at the last LBA'}`);
      for (let n = 1; n <= max; n++) {
        const lba = lba0 === 0 ? 0 : t.dev.blocks - n;
        const off = (lba - lba0) * bs;
        const w = t.pattern(lba, n);
        await caw(t, lba, n, Buffer.from(cur.subarray(off, off + n * bs)), w);
        w.copy(cur, off);
      }
    }
  },
);

suite.test(
  'DpoFua',
  {
    doc: `COMPARE AND WRITE of one block (verify instance = what the block holds) with DPO, with FUA, and with both: GOOD when the mode parameter
      header's DPOFUA bit is set, INVALID FIELD IN CDB when it is clear; REPORT SUPPORTED OPERATION CODES (when implemented) ${usageDoc('DPO and FUA')}.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.MODE_PARAMETERS_OVERVIEW}, ${SPC5.REPORT_SUPPORTED_OPERATION_CODES}`,
  },
  async (t) => {
    maxCaw(t);
    await dpoFuaCheck(t, {
      name: NAME,
      op: scsi.Op.COMPARE_AND_WRITE,
      fua: true,
      send: async (f, expect) => void (await caw(t, 0, 1, await t.readBlocks(0, 1), t.pattern(0, 1), { ...f, expect })),
    });
  },
);

suite.test(
  'Miscompare',
  {
    doc: `COMPARE AND WRITE of 1 to MAXIMUM COMPARE AND WRITE LENGTH blocks at LBA 0 whose verify instance is what the blocks hold except for one byte
      of the final block: each must be terminated with CHECK CONDITION, MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION, and the blocks must be
      unchanged (nothing of the write instance written).`,
    level: 'MUST',
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const max = maxCaw(t);
    const cur = await t.readBlocks(0, max);
    for (let n = 1; n <= max; n++) {
      const v = Buffer.from(cur.subarray(0, n * bs));
      const at = (n - 1) * bs + (((n * 2654435761) >>> 0) % bs);
      v[at] = v[at]! ^ 0x5a;
      await caw(t, 0, n, v, t.pattern(0, n), { expect: MISCOMPARE });
      await unchanged(t, 0, cur.subarray(0, n * bs), `${NAME} LBA=0 LEN=${n} miscompared (byte ${at} of the verify instance)`);
    }
  },
);

suite.test(
  'MiscompareSense',
  {
    doc: `COMPARE AND WRITE of 1 block (and of 2 and 4 when allowed) whose verify instance differs from the medium at a known offset (the first byte,
      the second, the middle, the last byte of a block, a byte of the second block, two bytes): MISCOMPARE DURING VERIFY OPERATION with a valid
      INFORMATION field holding the offset from the start of the Data-Out buffer of the first byte that differs; the blocks unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.SENSE_DATA}`,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const max = Math.min(4, maxCaw(t));
    const cur = await t.readBlocks(0, max);
    const cases: { blocks: number; flip: number[] }[] = [
      { blocks: 1, flip: [0] },
      { blocks: 1, flip: [1] },
      { blocks: 1, flip: [bs >> 1] },
      { blocks: 1, flip: [bs - 1] },
      { blocks: 2, flip: [bs + 7] },
      { blocks: 2, flip: [bs - 1, bs] },
      { blocks: 4, flip: [3 * bs + 100, 3 * bs + 101] },
    ];
    for (const k of cases) {
      if (k.blocks > max) continue;
      const v = Buffer.from(cur.subarray(0, k.blocks * bs));
      for (const f of k.flip) v[f] = v[f]! ^ 0xff;
      const what = `${NAME} LBA=0 LEN=${k.blocks} with byte${k.flip.length > 1 ? 's' : ''} ${k.flip.join(' and ')} of the verify instance changed`;
      const r = await caw(t, 0, k.blocks, v, t.pattern(0, k.blocks), { expect: MISCOMPARE });
      checkMiscompareOffset(t, r, k.flip[0]!, what, 'MUST');
      await unchanged(t, 0, cur.subarray(0, k.blocks * bs), `${what} miscompared`);
    }
  },
);

suite.test(
  'Unwritten',
  {
    doc: `For each LBA 1 to 255 (fewer on a smaller LUN), one block at a time: COMPARE AND WRITE whose verify instance differs from what the block
      holds in every byte must be terminated with MISCOMPARE, and READ (16) must then return what the block held before, not the write instance.`,
    level: 'MUST',
  },
  async (t) => {
    maxCaw(t);
    const last = Math.min(255, t.dev.blocks - 1);
    const cur = await t.readBlocks(0, last + 1);
    const bs = t.dev.blockSize;
    for (let lba = 1; lba <= last; lba++) {
      const before = cur.subarray(lba * bs, (lba + 1) * bs);
      const v = Buffer.from(before.map((x) => ~x & 0xff));
      const w = t.pattern(lba, 1);
      await caw(t, lba, 1, v, w, { expect: MISCOMPARE });
      const r = await t.command(scsi.read16({ lba, blocks: 1 }));
      if (!r.data.equals(before))
        t.fail(
          `${NAME} LBA=${lba} LEN=1 miscompared, yet READ(16) LBA=${lba} returns ` +
            `${r.data.equals(w) ? 'the write instance' : 'other data'} instead of what the block held`,
        );
    }
  },
);

suite.test(
  'InvalidDataOutSize',
  {
    doc: `COMPARE AND WRITE whose Data-Out buffer is not 2 × NUMBER OF LOGICAL BLOCKS blocks: 3 blocks named with 4 blocks sent, 1 named with 1 sent
      (the verify instance only), and 1 named with none should each be terminated with CHECK CONDITION, ILLEGAL REQUEST (INVALID FIELD IN COMMAND
      INFORMATION UNIT or another additional sense code) or ABORTED COMMAND, INVALID FIELD IN COMMAND INFORMATION UNIT, the blocks unchanged; GOOD is
      a SHOULD-level warning provided it signals the residual overflow RFC 7143 11.4.5.2 requires ("If SPDTL > EDTL for a task, iSCSI Overflow MUST be
      signaled"), since FCP-4 9.4.2 (a) lets the device server process the command without the data beyond EDTL; 1 named with 4 sent must be refused
      the same way, or complete with GOOD, a residual underflow of 2 blocks (RFC 7143 11.4.5.2) and the second block of the buffer written.`,
    level: 'MUST',
    clause: `${CLAUSE}, RFC 7143 11.4.5.2, FCP-4 9.4.2`,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const n = Math.min(3, maxCaw(t));
    const refused = [ILLEGAL_REQUEST, INVALID_FIELD_IN_IU_ABORTED];
    // Each variant is built from the blocks as they are now: one processed with GOOD leaves them undefined.
    const short: [number, (cur: Buffer) => Buffer][] = [
      [n, (cur) => Buffer.concat([cur.subarray(0, n * bs), t.pattern(0, 4 - n)])],
      [1, (cur) => Buffer.from(cur.subarray(0, bs))],
      [1, () => Buffer.alloc(0)],
    ];
    for (const [blocks, build] of short) {
      const cur = await t.readBlocks(0, 3);
      const data = build(cur);
      if (data.length >= 2 * blocks * bs) continue;
      const cdb = scsi.compareAndWrite({ lba: 0, blocks });
      const r = await mismatched(t, { cdb, spdtl: 2 * blocks * bs, data, good: 'should', also: refused });
      if (processed(r)) t.forget(0, blocks);
      else await unchanged(t, 0, cur, `${scsi.describeCdb(cdb)} with ${data.length / bs} block(s) of Data-Out was refused`);
    }
    const cur = await t.readBlocks(0, 3);
    const w = t.pattern(0, 1);
    const data = Buffer.concat([cur.subarray(0, bs), w, Buffer.alloc(2 * bs, 0xa6)]);
    const cdb = scsi.compareAndWrite({ lba: 0, blocks: 1 });
    const r = await mismatched(t, { cdb, spdtl: 2 * bs, data, also: refused });
    if (processed(r)) t.remember(0, w, `${scsi.describeCdb(cdb)} with 4 blocks of Data-Out (the write instance is its second block)`);
    else await unchanged(t, 0, cur, `${scsi.describeCdb(cdb)} with 4 blocks of Data-Out was refused`);
  },
);

/** MAXIMUM COMPARE AND WRITE LENGTH set, and a LUN big enough to go one block past it. */
const mcawlNeed: CustomNeed = {
  name: 'maximumCompareAndWriteLength',
  check: (dev) => {
    const m = dev.blockLimits?.maximumCompareAndWriteLength;
    if (!dev.blockLimits) return 'the Block Limits VPD page is not available';
    if (!m) return 'MAXIMUM COMPARE AND WRITE LENGTH is 0 (COMPARE AND WRITE not supported)';
    if (m + 1 > dev.blocks) return `the LUN (${dev.blocks} blocks) is smaller than MAXIMUM COMPARE AND WRITE LENGTH ${m} + 1`;
    return undefined;
  },
};

suite.test(
  'MaxCompareAndWriteLength',
  {
    doc: `COMPARE AND WRITE of exactly MAXIMUM COMPARE AND WRITE LENGTH blocks (Block Limits VPD page) must complete with GOOD; of one block more
      (when that fits the 8-bit field) it must be terminated with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB, the blocks unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.BLOCK_LIMITS}`,
    needs: [mcawlNeed],
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const m = t.dev.blockLimits!.maximumCompareAndWriteLength!;
    const cur = await t.readBlocks(0, Math.min(255, m + 1));
    const w = t.pattern(0, m);
    t.log(`${NAME} of MAXIMUM COMPARE AND WRITE LENGTH (${m}) blocks`);
    await caw(t, 0, m, cur.subarray(0, m * bs), w);
    if (m >= 255) {
      t.log('MAXIMUM COMPARE AND WRITE LENGTH is 255: one block more does not fit NUMBER OF LOGICAL BLOCKS');
      return;
    }
    w.copy(cur);
    t.log(`${NAME} of ${m + 1} blocks: one more than the maximum`);
    await caw(t, 0, m + 1, cur, t.pattern(0, m + 1), { expect: INVALID_FIELD_IN_CDB });
    await unchanged(t, 0, cur, `${NAME} LBA=0 LEN=${m + 1} was refused`);
  },
);

suite.test(
  'BeyondEol',
  {
    doc: `With the last blocks written first: COMPARE AND WRITE of 1 to MAXIMUM COMPARE AND WRITE LENGTH blocks whose last block is one past the end,
      of 2 or more starting at the last LBA, and at LBA 2^63 and 2^64-1: each must be terminated with LOGICAL BLOCK ADDRESS OUT OF RANGE, and the last
      blocks must read back unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.LOGICAL_BLOCKS}`,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const max = maxCaw(t);
    const blocks = t.dev.blocks;
    await t.command(scsi.write16({ lba: blocks - max, blocks: max }));
    const junk = (n: number) => Buffer.alloc(n * bs, 0x3c);
    for (let n = 1; n <= max; n++) await caw(t, blocks + 1 - n, n, junk(n), junk(n), { expect: LBA_OUT_OF_RANGE });
    for (let n = 2; n <= max; n++) await caw(t, blocks - 1, n, junk(n), junk(n), { expect: LBA_OUT_OF_RANGE });
    for (const lba of [2n ** 63n, U64_MAX]) await caw(t, lba, 1, junk(1), junk(1), { expect: LBA_OUT_OF_RANGE });
  },
);

suite.test(
  'ZeroBlocks',
  {
    doc: `COMPARE AND WRITE with NUMBER OF LOGICAL BLOCKS 0 and no Data-Out at LBA 0 reads, compares and writes nothing and is not an error (GOOD); at
      an LBA past the end of the medium (the capacity + 1, 2^63, 2^64-1) it must be terminated with LOGICAL BLOCK ADDRESS OUT OF RANGE.`,
    level: 'MUST',
  },
  async (t) => {
    maxCaw(t);
    await caw(t, 0, 0, Buffer.alloc(0), Buffer.alloc(0));
    for (const lba of [t.dev.blocks + 1, 2n ** 63n, U64_MAX]) await caw(t, lba, 0, Buffer.alloc(0), Buffer.alloc(0), { expect: LBA_OUT_OF_RANGE });
  },
);

suite.test(
  'WriteProtect',
  {
    doc: `COMPARE AND WRITE of one block (verify instance = what the block holds) with each non-zero WRPROTECT value (1 to 7) on a logical unit
      without protection information enabled: ${protectDoc('WRPROTECT')}.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.PROTECTION}`,
  },
  async (t) => {
    if (t.dev.protection) t.skip('protection information is enabled; this test checks WRPROTECT on a logical unit without it');
    maxCaw(t);
    // the verify instance is what LBA 0 holds (read again after an accepted write), so only WRPROTECT can refuse it
    await protectWalk(t, {
      field: 'WRPROTECT',
      name: `${NAME} LBA=0 LEN=1`,
      send: async (p, expect) => caw(t, 0, 1, await t.readBlocks(0, 1), t.pattern(0, 1), { wrprotect: p, expect }),
      watch: { lba: 0, blocks: 1 },
    });
  },
);

suite.test(
  'ReservedBits',
  {
    doc: `COMPARE AND WRITE of one block at LBA 0 (verify instance = what it holds) with each reserved bit of the CDB set in turn (byte 1 bits 2 and 0,
      bytes 10 to 12, byte 14 bits 7-6, the CONTROL byte bits 5-3): each should be terminated with INVALID FIELD IN CDB (a warning when it completes,
      and then the write instance must read back); the field pointer, when given, must point at that byte; a refused command must leave LBA 0
      unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVED}, ${SPC5.FIELD_POINTER}, SAM-5 5.2`,
  },
  async (t) => {
    maxCaw(t);
    await reservedBits(t, {
      name: NAME,
      base: scsi.compareAndWrite({ lba: 0, blocks: 1 }),
      fields: scsi.reservedBits(scsi.catalogueEntry(scsi.Op.COMPARE_AND_WRITE)!),
      watch: { lba: 0, blocks: 1 },
      send: async (cdb, expect, what) => {
        const w = t.pattern(0, 1);
        const r = await t.command(cdb, { expect, dataOut: Buffer.concat([await t.readBlocks(0, 1), w]), what });
        if (r.status === scsi.ScsiStatus.GOOD) t.remember(0, w, what);
        return r;
      },
    });
  },
);

export default suite;
