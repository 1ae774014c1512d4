/**
 * ORWRITE (16) (SBC-4 5.10): the device server ORs the Data-Out into the blocks the medium holds. Every
 * test that gets GOOD records the OR of the old and new data, and the harness reads it back afterwards.
 */
import {
  defineSuite,
  GOOD,
  INVALID_FIELD_IN_CDB,
  LBA_OUT_OF_RANGE,
  scsi,
  type Expected,
  type ScsiResult,
  type TestContext,
  SBC4,
  SPC5,
} from '../../harness/api.js';
import { dpoFuaCheck, holds, mismatched, processed, reservedBits, protectDoc, protectWalk, unchanged, usageDoc } from './_block.js';
import { docs as rwDocs, zeroBlocks, type RwCdb } from './_rw.js';
import { mtlNeedFor } from './_verify.js';

const CLAUSE = SBC4.ORWRITE_16;
const U64_MAX = 0xffffffffffffffffn;
const NAME = 'ORWRITE(16)';

/** ORWRITE (16) for the ZeroBlocks body of _rw.ts. */
const ORWRITE: RwCdb = {
  name: NAME,
  write: true,
  size: 16,
  clause: CLAUSE,
  maxLba: Number.MAX_SAFE_INTEGER,
  maxBlocks: 0xffffffff,
  op: scsi.Op.ORWRITE_16,
  build: (o) =>
    scsi.orWrite16({
      lba: o.lba,
      blocks: o.blocks,
      ...(o.dpo ? { dpo: true } : {}),
      ...(o.fua ? { fua: true } : {}),
      ...(o.protect ? { orprotect: o.protect } : {}),
    }),
};

const suite = defineSuite('OrWrite', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });

const or = (a: Buffer, b: Buffer): Buffer => {
  const o = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! | b[i]!;
  return o;
};

/** Send one ORWRITE of `data`; with GOOD, the OR of `old` and `data` is what the blocks must hold. */
async function orSend(
  t: TestContext,
  lba: number | bigint,
  data: Buffer,
  o: { old?: Buffer; blocks?: number; dpo?: boolean; fua?: boolean; orprotect?: number; expect?: Expected } = {},
): Promise<ScsiResult> {
  const bs = t.dev.blockSize;
  const blocks = o.blocks ?? data.length / bs;
  const cdb = scsi.orWrite16({
    lba,
    blocks,
    ...(o.dpo ? { dpo: true } : {}),
    ...(o.fua ? { fua: true } : {}),
    ...(o.orprotect ? { orprotect: o.orprotect } : {}),
  });
  const r = await t.command(cdb, { expect: o.expect ?? GOOD, ...(data.length ? { dataOut: data } : { dataIn: 0 }) });
  if (r.status === scsi.ScsiStatus.GOOD && o.old && typeof lba === 'number')
    t.remember(lba, or(o.old, data), `${scsi.describeCdb(cdb)} (the OR of the old and new data)`);
  return r;
}

/** A region of the medium whose content the test follows as ORWRITEs land on it. */
class Shadow {
  constructor(
    readonly lba: number,
    readonly data: Buffer,
  ) {}
  static async read(t: TestContext, lba: number, blocks: number): Promise<Shadow> {
    return new Shadow(lba, await t.readBlocks(lba, blocks));
  }
  /** ORWRITE `data` at `lba` (inside the region), expecting GOOD, and fold it in. */
  async or(t: TestContext, lba: number, data: Buffer, flags: { dpo?: boolean; fua?: boolean } = {}): Promise<void> {
    const off = (lba - this.lba) * t.dev.blockSize;
    const old = this.data.subarray(off, off + data.length);
    await orSend(t, lba, data, { old: Buffer.from(old), ...flags });
    or(old, data).copy(this.data, off);
  }
}

suite.test(
  'Simple',
  {
    doc: `ORWRITE (16) of 1 to 256 blocks (fewer if MAXIMUM TRANSFER LENGTH or the capacity is smaller) at LBA 0 and ending at the last LBA, each with
      new data: each must complete with GOOD, and afterwards every block must read back as the OR of what it held and everything ORed into it.`,
    level: 'MUST',
  },
  async (t) => {
    const lens = t.lengths(256);
    const max = lens.length;
    for (const lba0 of [0, t.dev.blocks - max]) {
      const sh = await Shadow.read(t, lba0, max);
      t.log(`${NAME} of 1..${max} blocks ${lba0 === 0 ? 'at LBA 0' : 'ending at the last LBA'}`);
      for (const n of lens) {
        const lba = lba0 === 0 ? 0 : t.dev.blocks - n;
        await sh.or(t, lba, t.pattern(lba, n));
      }
    }
  },
);

suite.test(
  'Verify',
  {
    doc: `For 1, 2, 3, 7, 8, 9, 16, 31, 64, 127, 128, 255 and 256 blocks at LBA 0 and ending at the last LBA: WRITE (16) a pattern P, ORWRITE (16) a
      pattern Q, and READ (16) must return exactly P OR Q byte for byte; ORWRITE of zeros must leave it as it is; ORWRITE of its complement must leave
      every byte FFh.`,
    level: 'MUST',
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const lens = [1, 2, 3, 7, 8, 9, 16, 31, 64, 127, 128, 255, 256].filter((n) => n <= Math.min(t.dev.maxTransferBlocks, t.dev.blocks));
    for (const atEnd of [false, true]) {
      for (const n of lens) {
        const lba = atEnd ? t.dev.blocks - n : 0;
        const p = t.pattern(lba, n);
        await t.command(scsi.write16({ lba, blocks: n }), { dataOut: p });
        const q = t.pattern(lba, n);
        await orSend(t, lba, q);
        const pq = or(p, q);
        await holds(t, lba, pq, `WRITE(16) then ORWRITE(16) LBA=${lba} LEN=${n}: the blocks must hold the OR of both`);
        await orSend(t, lba, Buffer.alloc(n * bs));
        await holds(t, lba, pq, `ORWRITE(16) LBA=${lba} LEN=${n} of zeros must change nothing`);
        const comp = Buffer.from(pq.map((x) => ~x & 0xff));
        await orSend(t, lba, comp);
        await holds(t, lba, Buffer.alloc(n * bs, 0xff), `ORWRITE(16) LBA=${lba} LEN=${n} of the complement: every byte must be FFh`);
        t.remember(lba, Buffer.alloc(n * bs, 0xff), `ORWRITE(16) LBA=${lba} LEN=${n} of the complement`);
      }
    }
  },
);

suite.test(
  'BeyondEol',
  {
    doc: `With the last 256 blocks written first: ORWRITE (16) of 1 to 256 blocks whose last block is one past the end, of 2 to 256 blocks starting at
      the last LBA, and starting at LBA 2^63 and 2^64-1: each must be terminated with CHECK CONDITION, ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF
      RANGE, and the last blocks must read back unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.LOGICAL_BLOCKS}`,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const blocks = t.dev.blocks;
    const lens = t.lengths(256);
    const n0 = lens.length;
    await t.command(scsi.write16({ lba: blocks - n0, blocks: n0 }));
    const junk = (n: number) => Buffer.alloc(n * bs, 0x5a);
    t.log(`${NAME} of 1..${n0} blocks, the last one just past the end (LBA ${blocks})`);
    for (const n of lens) await orSend(t, blocks + 1 - n, junk(n), { expect: LBA_OUT_OF_RANGE });
    t.log(`${NAME} of 2..${n0} blocks starting at the last LBA`);
    for (const n of lens.slice(1)) await orSend(t, blocks - 1, junk(n), { expect: LBA_OUT_OF_RANGE });
    for (const lba of [2n ** 63n, U64_MAX]) {
      t.log(`${NAME} of 1..${n0} blocks at LBA ${lba}`);
      for (const n of lens) await orSend(t, lba, junk(n), { expect: LBA_OUT_OF_RANGE });
    }
  },
);

suite.test('ZeroBlocks', { doc: rwDocs.zeroBlocks(ORWRITE), level: 'MUST' }, (t) => zeroBlocks(t, ORWRITE));

suite.test(
  'Protect',
  {
    doc: `ORWRITE (16) of one block with each non-zero ORPROTECT value (1 to 7) on a logical unit without protection information enabled:
      ${protectDoc('ORPROTECT')}.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.PROTECTION}`,
  },
  async (t) => {
    if (t.dev.protection) t.skip('protection information is enabled; this test checks ORPROTECT on a logical unit without it');
    // an accepted ORWRITE ORs into LBA 0: the old data is read first, so the read-back check knows the result
    await protectWalk(t, {
      field: 'ORPROTECT',
      name: `${NAME} LBA=0 LEN=1`,
      send: async (p, expect) => orSend(t, 0, t.pattern(0, 1), { old: await t.readBlocks(0, 1), orprotect: p, expect }),
      watch: { lba: 0, blocks: 1 },
    });
  },
);

suite.test(
  'DpoFua',
  {
    doc: `ORWRITE (16) of one block with DPO, with FUA, and with both: GOOD (and the block holds the OR) when the mode parameter header's DPOFUA bit
      is set, INVALID FIELD IN CDB when it is clear; REPORT SUPPORTED OPERATION CODES (when implemented) ${usageDoc('DPO and FUA')}.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.MODE_PARAMETERS_OVERVIEW}, ${SPC5.REPORT_SUPPORTED_OPERATION_CODES}`,
  },
  async (t) => {
    const sh = await Shadow.read(t, 0, 1);
    await dpoFuaCheck(t, {
      name: NAME,
      op: scsi.Op.ORWRITE_16,
      fua: true,
      send: async (f, expect) => {
        if (expect === GOOD) await sh.or(t, 0, t.pattern(0, 1), f);
        else await orSend(t, 0, t.pattern(0, 1), { ...f, expect });
      },
    });
  },
);

suite.test(
  'ReservedBits',
  {
    doc: `ORWRITE (16) of one block at LBA 0 with each reserved bit of the CDB set in turn (byte 1 bits 2 and 0, byte 14 bits 7-6, the CONTROL byte
      bits 5-3): each should be terminated with INVALID FIELD IN CDB (a warning when it completes, and then the block must read back as the OR); the
      field pointer, when given, must point at that byte; a refused command must leave LBA 0 unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVED}, ${SPC5.FIELD_POINTER}, SAM-5 5.2`,
  },
  async (t) => {
    await reservedBits(t, {
      name: NAME,
      base: scsi.orWrite16({ lba: 0, blocks: 1 }),
      fields: scsi.reservedBits(scsi.catalogueEntry(scsi.Op.ORWRITE_16)!),
      watch: { lba: 0, blocks: 1 },
      send: async (cdb, expect, what) => {
        const old = await t.readBlocks(0, 1);
        const data = t.pattern(0, 1);
        const r = await t.command(cdb, { expect, dataOut: data, what });
        if (r.status === scsi.ScsiStatus.GOOD) t.remember(0, or(old, data), `${what} (the OR of the old and new data)`);
        return r;
      },
    });
  },
);

suite.test(
  'DataOutLength',
  {
    doc: `ORWRITE (16) with a Data-Out buffer that is not what TRANSFER LENGTH calls for: 2 blocks with 1 block of data, 2 blocks with 3, 1 block with
      none. Each must either complete with GOOD, the iSCSI residual overflow or underflow of the difference (RFC 7143 11.4.5.2), and exactly the
      blocks both sent and named by the CDB ORed (the others unchanged), or be terminated with INVALID FIELD IN COMMAND INFORMATION UNIT and nothing
      changed.`,
    level: 'MUST',
    clause: `${CLAUSE}, RFC 7143 11.4.5.2, FCP-4 9.4.2`,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    if (t.lengths(3).length < 3) t.skip('the LUN or its MAXIMUM TRANSFER LENGTH is under 3 blocks');
    let cur = await t.readBlocks(0, 3);
    for (const [blocks, sent] of [
      [2, 1],
      [2, 3],
      [1, 0],
    ] as const) {
      const data = t.pattern(0, sent);
      const cdb = scsi.orWrite16({ lba: 0, blocks });
      const r = await mismatched(t, { cdb, spdtl: blocks * bs, data });
      const what = `${scsi.describeCdb(cdb)} with ${sent} block(s) of Data-Out`;
      if (!processed(r)) {
        await unchanged(t, 0, cur, `${what} was refused`);
        continue;
      }
      const k = Math.min(blocks, sent) * bs;
      const expect = Buffer.concat([or(cur.subarray(0, k), data.subarray(0, k)), cur.subarray(k)]);
      await holds(t, 0, expect, `${what} completed with GOOD: the blocks sent and named by the CDB must hold the OR, the others what they held`);
      t.remember(0, expect, `${what} (the OR of the old and new data)`);
      cur = expect;
    }
  },
);

suite.test(
  'MaxTransferLength',
  {
    doc: `ORWRITE (16) of exactly MAXIMUM TRANSFER LENGTH blocks (Block Limits VPD page) must complete with GOOD and the blocks must hold the OR; of
      one block more it must be terminated with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB, and every block must be unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.BLOCK_LIMITS}`,
    needs: [mtlNeedFor(NAME, 0xffffffff)],
  },
  async (t) => {
    const mtl = t.dev.blockLimits!.maximumTransferLength!;
    const sh = await Shadow.read(t, 0, mtl);
    t.log(`${NAME} of MAXIMUM TRANSFER LENGTH (${mtl}) blocks at LBA 0, then of ${mtl + 1}`);
    await sh.or(t, 0, t.pattern(0, mtl));
    const before = Buffer.concat([sh.data, await t.readBlocks(mtl, 1)]);
    await orSend(t, 0, t.pattern(0, mtl + 1), { expect: INVALID_FIELD_IN_CDB });
    await unchanged(t, 0, before.subarray(0, mtl * t.dev.blockSize), `${NAME} LBA=0 LEN=${mtl + 1} was refused`);
    await unchanged(t, mtl, before.subarray(mtl * t.dev.blockSize), `${NAME} LBA=0 LEN=${mtl + 1} was refused`);
  },
);

export default suite;
