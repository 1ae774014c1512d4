/**
 * WRITE ATOMIC (16) (SBC-4 5.48, atomic writes SBC-4 4.29): all the blocks are written or none; TRANSFER
 * LENGTH and LBA obey the Block Limits atomic fields (MAXIMUM ATOMIC TRANSFER LENGTH, ATOMIC ALIGNMENT,
 * ATOMIC TRANSFER LENGTH GRANULARITY, MAXIMUM ATOMIC BOUNDARY SIZE, SBC-4 6.6.4).
 */
import {
  defineSuite,
  GOOD,
  INVALID_FIELD_IN_CDB,
  INVALID_OPCODE,
  LBA_OUT_OF_RANGE,
  scsi,
  type CustomNeed,
  type Expected,
  type ScsiResult,
  type TestContext,
  SBC4,
  SPC5,
} from '../../harness/api.js';
import { dpoFuaCheck, holds, mismatched, processed, reservedBits, protectDoc, protectWalk, unchanged, usageDoc } from './_block.js';

const CLAUSE = SBC4.WRITE_ATOMIC_16;
const NAME = 'WRITE ATOMIC(16)';
const U64_MAX = 0xffffffffffffffffn;

const suite = defineSuite('WriteAtomic16', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc', 'capacity', 'dataloss', 'writable', 'blockLimits'] });

/** The atomic limits of the Block Limits page, made usable: granularity and alignment at least 1, and the longest atomic write to try. */
function limits(t: TestContext): { gran: number; align: number; max: number } {
  const bl = t.dev.blockLimits!;
  const gran = Math.max(1, bl.atomicTransferLengthGranularity ?? 0);
  const align = Math.max(1, bl.atomicAlignment ?? 0);
  const cap = Math.min(bl.maximumAtomicTransferLength || 0xffff, 0xffff, t.dev.maxTransferBlocks, t.dev.blocks);
  const max = cap - (cap % gran);
  if (max < gran) t.skip(`no atomic write fits: granularity ${gran}, at most ${cap} blocks`);
  return { gran, align, max };
}

const alignDown = (lba: bigint, align: number): bigint => lba - (lba % BigInt(align));
const alignUp = (lba: bigint, align: number): bigint => alignDown(lba + BigInt(align) - 1n, align);

/** Send one WRITE ATOMIC (16) of `data` (t.pattern by default); with GOOD the data is remembered for the read-back. */
async function aw(
  t: TestContext,
  lba: number | bigint,
  blocks: number,
  o: { data?: Buffer; dpo?: boolean; fua?: boolean; wrprotect?: number; boundary?: number; expect?: Expected } = {},
): Promise<ScsiResult> {
  const cdb = scsi.writeAtomic16({
    lba,
    blocks,
    ...(o.dpo ? { dpo: true } : {}),
    ...(o.fua ? { fua: true } : {}),
    ...(o.wrprotect ? { wrprotect: o.wrprotect } : {}),
    ...(o.boundary ? { atomicBoundary: o.boundary } : {}),
  });
  const data = o.data ?? (typeof lba === 'number' && lba + blocks <= t.dev.blocks ? t.pattern(lba, blocks) : Buffer.alloc(blocks * t.dev.blockSize, 0x69));
  const r = await t.command(cdb, { expect: o.expect ?? GOOD, ...(data.length ? { dataOut: data } : { dataIn: 0 }) });
  if (r.status === scsi.ScsiStatus.GOOD && typeof lba === 'number' && data.length)
    t.remember(lba, data.subarray(0, blocks * t.dev.blockSize), scsi.describeCdb(cdb));
  return r;
}

suite.test(
  'Simple',
  {
    doc: `WRITE ATOMIC (16) of every multiple of the ATOMIC TRANSFER LENGTH GRANULARITY from 1 to 256 blocks (at most MAXIMUM ATOMIC TRANSFER LENGTH)
      at LBA 0 and at the last aligned LBA that holds it (ATOMIC ALIGNMENT): each must complete with GOOD, and every block must read back as written.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.BLOCK_LIMITS}`,
  },
  async (t) => {
    const { gran, align, max } = limits(t);
    const top = Math.min(256, max);
    t.log(`${NAME} of ${gran}..${top} blocks in steps of ${gran}, at LBA 0 and at the end (alignment ${align})`);
    for (let n = gran; n <= top; n += gran) await aw(t, 0, n);
    for (let n = gran; n <= top; n += gran) await aw(t, Number(alignDown(BigInt(t.dev.blocks - n), align)), n);
  },
);

suite.test(
  'BeyondEol',
  {
    doc: `With the last blocks written first: WRITE ATOMIC (16) of each granularity multiple up to 256 blocks at the first aligned LBA that makes it
      cross the end of the medium, and at aligned LBAs near 2^63 and 2^64-1: each must be terminated with LOGICAL BLOCK ADDRESS OUT OF RANGE, and the
      last blocks must read back unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.LOGICAL_BLOCKS}`,
  },
  async (t) => {
    const { gran, align, max } = limits(t);
    const top = Math.min(256, max);
    const blocks = BigInt(t.dev.blocks);
    await t.command(scsi.write16({ lba: t.dev.blocks - top, blocks: top }));
    for (let n = gran; n <= top; n += gran) await aw(t, alignUp(blocks - BigInt(n) + 1n, align), n, { expect: LBA_OUT_OF_RANGE });
    for (const lba of [alignDown(2n ** 63n, align), alignDown(U64_MAX, align)]) await aw(t, lba, gran, { expect: LBA_OUT_OF_RANGE });
  },
);

suite.test(
  'ZeroBlocks',
  {
    doc: `WRITE ATOMIC (16) with TRANSFER LENGTH 0 at LBA 0 writes nothing and is not an error (GOOD); at aligned LBAs past the end of the medium it
      must be terminated with LOGICAL BLOCK ADDRESS OUT OF RANGE.`,
    level: 'MUST',
  },
  async (t) => {
    const { align } = limits(t);
    await aw(t, 0, 0, { data: Buffer.alloc(0) });
    for (const lba of [alignUp(BigInt(t.dev.blocks) + 1n, align), alignDown(2n ** 63n, align), alignDown(U64_MAX, align)]) {
      await aw(t, lba, 0, { data: Buffer.alloc(0), expect: LBA_OUT_OF_RANGE });
    }
  },
);

suite.test(
  'WriteProtect',
  {
    doc: `WRITE ATOMIC (16) of one granule at LBA 0 with each non-zero WRPROTECT value (1 to 7) on a logical unit without protection information enabled:
      ${protectDoc('WRPROTECT')}.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.PROTECTION}`,
  },
  async (t) => {
    if (t.dev.protection) t.skip('protection information is enabled; this test checks WRPROTECT on a logical unit without it');
    const { gran } = limits(t);
    await protectWalk(t, {
      field: 'WRPROTECT',
      name: `${NAME} LBA=0 LEN=${gran}`,
      send: (p, expect) => aw(t, 0, gran, { wrprotect: p, expect }),
      watch: { lba: 0, blocks: gran },
    });
  },
);

suite.test(
  'DpoFua',
  {
    doc: `WRITE ATOMIC (16) of one granule with DPO, with FUA, and with both: GOOD when the mode parameter header's DPOFUA bit is set, INVALID FIELD
      IN CDB when it is clear; REPORT SUPPORTED OPERATION CODES (when implemented) ${usageDoc('DPO and FUA')}.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.MODE_PARAMETERS_OVERVIEW}, ${SPC5.REPORT_SUPPORTED_OPERATION_CODES}`,
  },
  async (t) => {
    const { gran } = limits(t);
    await dpoFuaCheck(t, { name: NAME, op: scsi.Op.WRITE_ATOMIC_16, fua: true, send: async (f, expect) => void (await aw(t, 0, gran, { ...f, expect })) });
  },
);

suite.test(
  'VPD',
  {
    doc: `The atomic fields of the Block Limits VPD page agree with WRITE ATOMIC (16): when the command is not implemented, MAXIMUM ATOMIC TRANSFER
      LENGTH, ATOMIC ALIGNMENT, ATOMIC TRANSFER LENGTH GRANULARITY, MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY and MAXIMUM ATOMIC BOUNDARY
      SIZE should all be 0 (a warning: SBC-4 says what a non-zero value indicates, not that it shall be 0). When it is: MAXIMUM ATOMIC
      TRANSFER LENGTH should be set; it and the maximum with atomic boundary must not exceed MAXIMUM TRANSFER LENGTH (when set) and must be
      multiples of the granularity, as must MAXIMUM ATOMIC BOUNDARY SIZE (each "shall", SBC-4 6.6.4); with ATOMIC ALIGNMENT of 2 or more a write
      at LBA 1 must be terminated with INVALID FIELD IN CDB, and with a granularity of 2 or more so must a write of one block less than the
      granularity.`,
    level: 'MUST',
    clause: `${SBC4.BLOCK_LIMITS}, ${SBC4.WRITE_ATOMIC_16}`,
  },
  async (t) => {
    const bl = t.dev.blockLimits!;
    const gran0 = bl.atomicTransferLengthGranularity ?? 0;
    const gran = Math.max(1, gran0);
    const mtl = bl.maximumTransferLength ?? 0;
    const fields = {
      'MAXIMUM ATOMIC TRANSFER LENGTH': bl.maximumAtomicTransferLength ?? 0,
      'ATOMIC ALIGNMENT': bl.atomicAlignment ?? 0,
      'ATOMIC TRANSFER LENGTH GRANULARITY': gran0,
      'MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY': bl.maximumAtomicTransferLengthWithAtomicBoundary ?? 0,
      'MAXIMUM ATOMIC BOUNDARY SIZE': bl.maximumAtomicBoundarySize ?? 0,
    };
    t.log(
      `Block Limits: ${Object.entries(fields)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; MAXIMUM TRANSFER LENGTH ${mtl}`,
    );
    // no sentence bounds the granularity by the capacity; such a LU just has no atomic write to test
    if (gran > t.dev.blocks) t.skip(`ATOMIC TRANSFER LENGTH GRANULARITY ${gran} is larger than the medium (${t.dev.blocks} blocks): no atomic write fits`);
    const first = t.pattern(0, gran);
    const r = await t.command(scsi.writeAtomic16({ lba: 0, blocks: gran }), {
      dataOut: first,
      allowUnsupported: true,
      expect: [GOOD, INVALID_FIELD_IN_CDB, INVALID_OPCODE],
    });
    if (r.status !== scsi.ScsiStatus.GOOD && r.sense?.ascAscq === scsi.Asc.INVALID_COMMAND_OPERATION_CODE) {
      // SBC-4 6.6.4 says what a non-zero value indicates (a limit of the atomic writes the device server
      // supports), but no sentence says the fields shall be 0 without them: a SHOULD
      t.log('WRITE ATOMIC (16) is not implemented: every atomic field should be 0');
      for (const [k, v] of Object.entries(fields)) t.should(v === 0, `${k} is ${v}, but the device server does not implement WRITE ATOMIC (16)`);
      return;
    }
    t.check(r.status === scsi.ScsiStatus.GOOD, `${NAME} LBA=0 LEN=${gran} (one granule at LBA 0, always aligned) was refused with INVALID FIELD IN CDB`);
    t.remember(0, first, `${NAME} LBA=0 LEN=${gran}`);
    const max = fields['MAXIMUM ATOMIC TRANSFER LENGTH'];
    const maxB = fields['MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY'];
    const mabs = fields['MAXIMUM ATOMIC BOUNDARY SIZE'];
    t.should(
      max !== 0 || (maxB !== 0 && mabs !== 0),
      'WRITE ATOMIC (16) is implemented but MAXIMUM ATOMIC TRANSFER LENGTH is 0 (no maximum indicated), and no boundary limits either',
    );
    if (mtl) {
      t.check(max <= mtl, `MAXIMUM ATOMIC TRANSFER LENGTH ${max} exceeds MAXIMUM TRANSFER LENGTH ${mtl}`);
      t.check(maxB <= mtl, `MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY ${maxB} exceeds MAXIMUM TRANSFER LENGTH ${mtl}`);
    }
    t.check(max % gran === 0, `MAXIMUM ATOMIC TRANSFER LENGTH ${max} is not a multiple of ATOMIC TRANSFER LENGTH GRANULARITY ${gran}`);
    t.check(maxB % gran === 0, `MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY ${maxB} is not a multiple of ATOMIC TRANSFER LENGTH GRANULARITY ${gran}`);
    t.check(mabs % gran === 0, `MAXIMUM ATOMIC BOUNDARY SIZE ${mabs} is not a multiple of ATOMIC TRANSFER LENGTH GRANULARITY ${gran}`);
    const align = fields['ATOMIC ALIGNMENT'];
    if (align >= 2 && gran + 1 <= t.dev.blocks) {
      t.log(`ATOMIC ALIGNMENT ${align}: a write at LBA 1 is misaligned`);
      const before = await t.readBlocks(1, gran);
      await aw(t, 1, gran, { expect: INVALID_FIELD_IN_CDB });
      await unchanged(t, 1, before, `${NAME} LBA=1 LEN=${gran} (misaligned) was refused`);
    }
    if (gran >= 2) {
      t.log(`ATOMIC TRANSFER LENGTH GRANULARITY ${gran}: a write of ${gran - 1} blocks is not a multiple of it`);
      const before = await t.readBlocks(0, gran - 1);
      await aw(t, 0, gran - 1, { expect: INVALID_FIELD_IN_CDB });
      await unchanged(t, 0, before, `${NAME} LBA=0 LEN=${gran - 1} (not a multiple of the granularity) was refused`);
    }
  },
);

/** A MAXIMUM ATOMIC TRANSFER LENGTH that a WRITE ATOMIC (16) can exceed by one granule on this LUN. */
const maxAtomicNeed: CustomNeed = {
  name: 'maximumAtomicTransferLength',
  check: (dev) => {
    const bl = dev.blockLimits;
    const max = bl?.maximumAtomicTransferLength;
    if (!max) return 'the Block Limits page sets no MAXIMUM ATOMIC TRANSFER LENGTH';
    const gran = Math.max(1, bl!.atomicTransferLengthGranularity ?? 0);
    if (max + gran > 0xffff) return `MAXIMUM ATOMIC TRANSFER LENGTH ${max} + ${gran} does not fit the 16-bit TRANSFER LENGTH`;
    if (max + gran > dev.blocks) return `the LUN (${dev.blocks} blocks) is smaller than MAXIMUM ATOMIC TRANSFER LENGTH ${max} + ${gran}`;
    if (max > dev.maxTransferBlocks) return `MAXIMUM ATOMIC TRANSFER LENGTH ${max} exceeds MAXIMUM TRANSFER LENGTH (see WriteAtomic16.VPD)`;
    return undefined;
  },
};

suite.test(
  'MaxAtomicTransferLength',
  {
    doc: `WRITE ATOMIC (16) of exactly MAXIMUM ATOMIC TRANSFER LENGTH blocks at LBA 0 must complete with GOOD and read back; of one granule more it
      must be terminated with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB, every block unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.BLOCK_LIMITS}`,
    needs: [maxAtomicNeed],
  },
  async (t) => {
    const bl = t.dev.blockLimits!;
    const max = bl.maximumAtomicTransferLength!;
    const gran = Math.max(1, bl.atomicTransferLengthGranularity ?? 0);
    t.log(`${NAME} of MAXIMUM ATOMIC TRANSFER LENGTH (${max}) blocks, then of ${max + gran}`);
    await aw(t, 0, max);
    const before = await t.readBlocks(0, max + gran);
    await aw(t, 0, max + gran, { expect: INVALID_FIELD_IN_CDB });
    await unchanged(t, 0, before, `${NAME} LBA=0 LEN=${max + gran} was refused`);
  },
);

suite.test(
  'AtomicBoundary',
  {
    doc: `ATOMIC BOUNDARY larger than MAXIMUM ATOMIC BOUNDARY SIZE (Block Limits): with a maximum of 0 (atomic boundaries not supported) WRITE ATOMIC
      (16) of one granule with ATOMIC BOUNDARY 1 and FFFFh must each be terminated with INVALID FIELD IN CDB, the blocks unchanged; with a non-zero
      maximum, ATOMIC BOUNDARY equal to it must be accepted and one more refused.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.BLOCK_LIMITS}`,
  },
  async (t) => {
    const { gran } = limits(t);
    const bl = t.dev.blockLimits!;
    const mabs = bl.maximumAtomicBoundarySize ?? 0;
    const before = await t.readBlocks(0, gran);
    const refuse = async (boundary: number) => {
      await aw(t, 0, gran, { boundary, expect: INVALID_FIELD_IN_CDB });
      await unchanged(t, 0, before, `${NAME} LBA=0 LEN=${gran} BOUNDARY=${boundary} was refused`);
    };
    if (mabs === 0) {
      t.log('MAXIMUM ATOMIC BOUNDARY SIZE is 0: any ATOMIC BOUNDARY is refused');
      await refuse(1);
      await refuse(0xffff);
      return;
    }
    const maxB = bl.maximumAtomicTransferLengthWithAtomicBoundary || limits(t).max;
    const n = Math.min(maxB - (maxB % gran), 256 - (256 % gran), t.dev.blocks) || gran;
    t.log(`MAXIMUM ATOMIC BOUNDARY SIZE ${mabs}: ATOMIC BOUNDARY ${mabs} over ${n} blocks is accepted`);
    await aw(t, 0, n, { boundary: mabs });
    if (mabs < 0xffff) {
      const b2 = await t.readBlocks(0, gran);
      await aw(t, 0, gran, { boundary: mabs + 1, expect: INVALID_FIELD_IN_CDB });
      await unchanged(t, 0, b2, `${NAME} LBA=0 LEN=${gran} BOUNDARY=${mabs + 1} was refused`);
    }
  },
);

suite.test(
  'ReservedBits',
  {
    doc: `WRITE ATOMIC (16) of one granule at LBA 0 with each reserved bit of the CDB set in turn (byte 1 bits 2-0, byte 14 bits 7-6, the CONTROL byte
      bits 5-3): each should be terminated with INVALID FIELD IN CDB (a warning when it completes, and then the data must read back); the field
      pointer, when given, must point at that byte; a refused command must leave the blocks unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVED}, ${SPC5.FIELD_POINTER}, SAM-5 5.2`,
  },
  async (t) => {
    const { gran } = limits(t);
    await reservedBits(t, {
      name: NAME,
      base: scsi.writeAtomic16({ lba: 0, blocks: gran }),
      fields: scsi.reservedBits(scsi.catalogueEntry(scsi.Op.WRITE_ATOMIC_16)!),
      watch: { lba: 0, blocks: gran },
      send: async (cdb, expect, what) => {
        const data = t.pattern(0, gran);
        const r = await t.command(cdb, { expect, dataOut: data, what });
        if (r.status === scsi.ScsiStatus.GOOD) t.remember(0, data, what);
        return r;
      },
    });
  },
);

suite.test(
  'DataOutLength',
  {
    doc: `WRITE ATOMIC (16) with a Data-Out buffer that is not what TRANSFER LENGTH calls for. Short (two granules named, one sent) and empty (one
      granule named, none sent): the device server cannot write all the blocks, so it must write none and terminate the command with INVALID FIELD IN
      COMMAND INFORMATION UNIT (atomicity, SBC-4 4.29; FCP-4 9.4.2). Long (two granules named, three sent): GOOD with the residual underflow of one
      granule (RFC 7143 11.4.5.2) and the two granules written, or INVALID FIELD IN COMMAND INFORMATION UNIT and nothing written.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.ATOMIC_WRITES}, RFC 7143 11.4.5.2, FCP-4 9.4.2`,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const { gran, max } = limits(t);
    if (2 * gran > max || 3 * gran > t.dev.blocks) t.skip(`two granules (${2 * gran} blocks) exceed the longest atomic write (${max}) or three the medium`);
    const cur = await t.readBlocks(0, 3 * gran);
    for (const [blocks, sent] of [
      [2 * gran, gran],
      [gran, 0],
    ] as const) {
      const cdb = scsi.writeAtomic16({ lba: 0, blocks });
      await mismatched(t, { cdb, spdtl: blocks * bs, data: t.pattern(0, sent), good: false });
      await unchanged(t, 0, cur, `${scsi.describeCdb(cdb)} with ${sent} block(s) of Data-Out was refused`);
    }
    const cdb = scsi.writeAtomic16({ lba: 0, blocks: 2 * gran });
    const data = t.pattern(0, 3 * gran);
    const r = await mismatched(t, { cdb, spdtl: 2 * gran * bs, data });
    const what = `${scsi.describeCdb(cdb)} with ${3 * gran} blocks of Data-Out`;
    if (!processed(r)) return unchanged(t, 0, cur, `${what} was refused`);
    const expect = Buffer.concat([data.subarray(0, 2 * gran * bs), cur.subarray(2 * gran * bs)]);
    await holds(t, 0, expect, `${what} completed with GOOD: the named blocks must hold the data, the next what they held`);
    t.remember(0, data.subarray(0, 2 * gran * bs), what);
  },
);

export default suite;
