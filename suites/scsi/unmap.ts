/** UNMAP (SBC-4 5.35) on thin-provisioned logical units (SBC-4 4.7.3.4), with the Block Limits (SBC-4 6.6.4) and Logical Block Provisioning (SBC-4 6.6.7) pages. */
import {
  GOOD,
  INVALID_FIELD_IN_CDB,
  INVALID_FIELD_IN_PARAM_LIST,
  INVALID_OPCODE,
  LBA_OUT_OF_RANGE,
  PARAM_LIST_LEN_ERR,
  defineSuite,
  scsi,
  type CustomNeed,
  type DeviceFacts,
  type Expected,
  type ScsiResult,
  type TestContext,
  SBC4,
  SPC5,
} from '../../harness/api.js';
import {
  allZero,
  checkFieldPointer,
  firstNonZeroBlock,
  lbaStatus,
  isUnmapped,
  PROVISIONING_NAMES,
  readsZerosWhenUnmapped,
  statusOf,
  unmapUnit,
  writeBlocks,
} from './_lbp.js';

const CLAUSE = SBC4.UNMAP;
const suite = defineSuite('Unmap', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });

type Desc = { lba: number | bigint; blocks: number };

/** UNMAP with these block descriptors (or a raw parameter list); the blocks named are forgotten on GOOD. */
async function unmap(
  t: TestContext,
  descs: Desc[] | Buffer,
  expect: Expected = GOOD,
  o: { anchor?: boolean; paramLen?: number; what?: string; allowUnsupported?: boolean } = {},
): Promise<ScsiResult> {
  const list = Buffer.isBuffer(descs) ? descs : scsi.unmapParameterList(descs);
  const paramLen = o.paramLen ?? list.length;
  const cdb = scsi.unmap({ paramLen, ...(o.anchor ? { anchor: true } : {}) });
  const what =
    o.what ??
    `${scsi.describeCdb(cdb)} ` +
      `${Buffer.isBuffer(descs) ? `(a ${list.length}-byte parameter list)` : descs.length <= 3 ? descs.map((d) => `[LBA ${d.lba}, ${d.blocks}]`).join(' ') : `(${descs.length} descriptors)`}`;
  const r = await t.command(cdb, {
    expect,
    ...(list.length ? { dataOut: list } : { dataIn: 0 }),
    what,
    ...(o.allowUnsupported ? { allowUnsupported: true } : {}),
  });
  if (r.status === scsi.ScsiStatus.GOOD && r.response === 0 && !Buffer.isBuffer(descs))
    for (const d of descs) if (d.blocks > 0) t.forget(Number(d.lba), d.blocks);
  return r;
}

async function expectZeros(t: TestContext, lba: number, n: number, why: string): Promise<void> {
  const bad = firstNonZeroBlock(await t.readBlocks(lba, n), t.dev.blockSize);
  if (bad >= 0) t.fail(`${why}: LBA ${lba + bad} does not read as zeros, though unmapped blocks read as zeros (LBPRZ)`);
}

async function expectUnchanged(t: TestContext, lba: number, data: Buffer, why: string): Promise<void> {
  const got = await t.readBlocks(lba, data.length / t.dev.blockSize);
  if (!got.equals(data)) t.fail(`${why}: refused, but LBAs ${lba}..${lba + data.length / t.dev.blockSize - 1} changed`);
}

/**
 * After an UNMAP of [LBA 0, 8] and [LBA 8, 8] whose second descriptor is cut off (and so ignored, not an error): LBAs 8..15 keep
 * their data, and LBAs 0..7 read as zeros where unmapped blocks do. `list` names the parameter list in the messages.
 */
async function expectSecondDescriptorIgnored(t: TestContext, keep: Buffer, list: string): Promise<void> {
  t.forget(0, 8);
  if (!(await t.readBlocks(8, 8)).equals(keep.subarray(8 * t.dev.blockSize)))
    t.fail(`${list}: LBAs 8..15, named only by the second descriptor, which is cut off and so ignored, changed`);
  if (readsZerosWhenUnmapped(t)) await expectZeros(t, 0, 8, `${list} of [LBA 0, 8]`);
}

const unmapNeeds = ['thin', 'lbpu'] as const;

suite.test(
  'Simple',
  {
    doc: `On a thin LU with LBPU: for 1 to 256 blocks at LBA 0, WRITE them, then UNMAP them with one block descriptor; and for 1, 2, 3, 7, 8, 9, 31, 64, 255
      and 256 blocks with one descriptor per block: each GOOD, and with LBPRZ the blocks read back as zeros.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.LBP_UNMAPPING}, ${SBC4.LBP_READS}`,
    needs: [...unmapNeeds],
  },
  async (t) => {
    const lbprz = readsZerosWhenUnmapped(t);
    const maxDesc = t.dev.blockLimits?.maximumUnmapBlockDescriptorCount || 256;
    const lens = t.lengths(256);
    t.log(`UNMAP of 1..${lens.length} blocks at LBA 0, one descriptor${lbprz ? '; each read back as zeros (LBPRZ)' : ''}`);
    for (const n of lens) {
      await writeBlocks(t, 0, n);
      await unmap(t, [{ lba: 0, blocks: n }]);
      if (lbprz) await expectZeros(t, 0, n, `UNMAP [LBA 0, ${n}]`);
    }
    const perBlock = [1, 2, 3, 7, 8, 9, 31, 64, 255, 256].filter((x) => x <= lens.length && x <= maxDesc);
    t.log(`UNMAP of ${perBlock.join(', ')} blocks at LBA 0, one descriptor per block`);
    for (const n of perBlock) {
      await writeBlocks(t, 0, n);
      await unmap(
        t,
        Array.from({ length: n }, (_, i) => ({ lba: i, blocks: 1 })),
      );
      if (lbprz) await expectZeros(t, 0, n, `UNMAP of ${n} one-block descriptors at LBA 0..${n - 1}`);
    }
  },
);

suite.test(
  'VPD',
  {
    doc: `UNMAP of one block (any LU) must agree with the Logical Block Provisioning VPD page: GOOD only when LBPME and LBPU are set (the block then
      reads as zeros with LBPRZ); refused (not implemented, or INVALID FIELD IN CDB) only when LBPU is clear, with the block unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.LOGICAL_BLOCK_PROVISIONING_VPD}, ${SBC4.READ_CAPACITY_16_DATA}`,
  },
  async (t) => {
    const keep = await writeBlocks(t, 0, 1);
    const r = await unmap(t, [{ lba: 0, blocks: 1 }], [GOOD, INVALID_OPCODE, INVALID_FIELD_IN_CDB], { allowUnsupported: true });
    const lbpu = !!t.dev.lbp?.lbpu;
    if (r.status === scsi.ScsiStatus.GOOD) {
      t.log('UNMAP is available: LBPME and LBPU must be set');
      t.check(t.dev.thin, 'UNMAP completed with GOOD, but READ CAPACITY (16) says LBPME=0 (the LU is not thin provisioned)');
      t.check(lbpu, 'UNMAP completed with GOOD, but the Logical Block Provisioning VPD page says LBPU=0');
      if (readsZerosWhenUnmapped(t)) await expectZeros(t, 0, 1, 'UNMAP [LBA 0, 1]');
    } else {
      t.log('UNMAP is refused: LBPU must be clear');
      t.check(
        !lbpu,
        `UNMAP was refused ` +
          `(${r.sense?.ascAscq === scsi.Asc.INVALID_COMMAND_OPERATION_CODE ? 'not implemented' : 'INVALID FIELD IN CDB'}), but the Logical Block Provisioning ` +
          `VPD page says LBPU=1`,
      );
      await expectUnchanged(t, 0, keep, 'UNMAP [LBA 0, 1]');
    }
  },
);

suite.test(
  'ZeroBlocks',
  {
    doc: `On a thin LU with LBPU: UNMAP with one block descriptor of 0 blocks at each LBA 0..255 (blocks written first), at the last LBA, and UNMAP
      with PARAMETER LIST LENGTH 0: each GOOD, and no block changes (a descriptor of 0 blocks unmaps nothing, and is not an error).`,
    level: 'MUST',
    needs: [...unmapNeeds],
  },
  async (t) => {
    const n = Math.min(256, t.dev.blocks - 1);
    const data = await writeBlocks(t, 0, n);
    const last = await writeBlocks(t, t.dev.lastLba, 1);
    for (let lba = 0; lba < n; lba++) await unmap(t, [{ lba, blocks: 0 }]);
    await unmap(t, [{ lba: t.dev.lastLba, blocks: 0 }]);
    await unmap(t, Buffer.alloc(0), GOOD, { paramLen: 0 });
    t.check((await t.readBlocks(0, n)).equals(data), `UNMAP with 0-block descriptors changed LBAs 0..${n - 1}`);
    t.check((await t.readBlocks(t.dev.lastLba, 1)).equals(last), `UNMAP [LBA ${t.dev.lastLba}, 0] changed the last LBA`);
  },
);

suite.test(
  'LbaStatus',
  {
    doc: `On a thin LU with LBPU: write four unmap units (LOGICAL BLOCKS PER PHYSICAL BLOCK or OPTIMAL UNMAP GRANULARITY, aligned); GET LBA STATUS
      must report them mapped (written non-zero data cannot be deallocated when unmapped blocks read as zeros). UNMAP the second and fourth with two
      descriptors: the first and third must stay mapped with their data; the second and fourth should be reported deallocated or anchored, and with
      LBPRZ read as zeros.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.GET_LBA_STATUS_16}, ${SBC4.LBP_UNMAPPING}`,
    needs: [...unmapNeeds, 'blockLimits'],
  },
  async (t) => {
    const { unit, align } = unmapUnit(t);
    const base = align + 4 * unit;
    if (base + 4 * unit > t.dev.blocks) t.skip(`the LUN is smaller than eight unmap units of ${unit} blocks`);
    const lbprz = readsZerosWhenUnmapped(t);
    t.log(`Unmap unit ${unit} blocks; units at LBA ${base}, ${base + unit}, ${base + 2 * unit}, ${base + 3 * unit}`);
    await writeBlocks(t, base, 4 * unit);
    for (let u = 0; u < 4; u++) {
      const st = await statusOf(t, base + u * unit);
      if (lbprz)
        t.check(
          !isUnmapped(st),
          `GET LBA STATUS reports LBA ${base + u * unit} ${PROVISIONING_NAMES[st]} just after it was written with non-zero ` +
            `data (deallocated blocks read as zeros here: LBPRZ)`,
        );
    }
    await unmap(t, [
      { lba: base + unit, blocks: unit },
      { lba: base + 3 * unit, blocks: unit },
    ]);
    const d = await lbaStatus(t, base);
    t.log(`GET LBA STATUS LBA=${base}: ${d.map((x) => `[${x.lba}, ${x.blocks} ${PROVISIONING_NAMES[x.provisioningStatus]}]`).join(' ')}`);
    for (let u = 0; u < 4; u++) {
      const lba = base + u * unit;
      const st = await statusOf(t, lba);
      if (u % 2 === 0) {
        if (lbprz)
          t.check(!isUnmapped(st), `GET LBA STATUS reports LBA ${lba} ${PROVISIONING_NAMES[st]} after an UNMAP of other blocks; it holds written data`);
      } else {
        t.should(isUnmapped(st), `GET LBA STATUS reports LBA ${lba} ${PROVISIONING_NAMES[st]} after UNMAP of its whole aligned unmap unit (${unit} blocks)`);
        if (lbprz) await expectZeros(t, lba, unit, `UNMAP [LBA ${lba}, ${unit}]`);
      }
    }
  },
);

suite.test(
  'ParamListLength',
  {
    doc: `Parameter lists that do not hold what they say. PARAMETER LIST LENGTH 1 to 7 (shorter than the 8-byte header): each must end in CHECK
      CONDITION, ILLEGAL REQUEST, PARAMETER LIST LENGTH ERROR, and the blocks named keep their data. A list whose header announces two block
      descriptors (UNMAP DATA LENGTH 38, UNMAP BLOCK DESCRIPTOR DATA LENGTH 32) sent with a PARAMETER LIST LENGTH of 24 (one descriptor): the
      descriptor the length cuts off is ignored, not an error, so GOOD, the blocks of the second descriptor keep their data (and those of the first
      read as zeros with LBPRZ).`,
    level: 'MUST',
    clause: `${SBC4.UNMAP_OVERVIEW}, ${SBC4.UNMAP_PARAMETER_LIST}`,
    needs: [...unmapNeeds],
  },
  async (t) => {
    const keep = await writeBlocks(t, 0, 16);
    const full = scsi.unmapParameterList([
      { lba: 0, blocks: 8 },
      { lba: 8, blocks: 8 },
    ]);
    for (let len = 1; len < 8; len++)
      await unmap(t, full.subarray(0, len), PARAM_LIST_LEN_ERR, { what: `UNMAP LEN=${len} (shorter than the parameter list header)` });
    await expectUnchanged(t, 0, keep, 'UNMAP with a PARAMETER LIST LENGTH of 1..7');
    await unmap(t, full.subarray(0, 24), GOOD, {
      what: 'UNMAP LEN=24 whose header announces 2 block descriptors (32 bytes): the second is cut off and ignored',
    });
    await expectSecondDescriptorIgnored(t, keep, 'UNMAP LEN=24 whose header announces 2 block descriptors');
  },
);

suite.test(
  'DescriptorDataLength',
  {
    doc: `On a thin LU with LBPU: a parameter list of two block descriptors (LBAs 0..7, then 8..15, written first) whose header gives UNMAP BLOCK
      DESCRIPTOR DATA LENGTH 24, not a multiple of 16 (UNMAP DATA LENGTH 30), sent whole (PARAMETER LIST LENGTH 40): SBC-4 says the last block
      descriptor is then incomplete and ignored, not an error. GOOD, LBAs 8..15 keep their data (and LBAs 0..7 read as zeros with LBPRZ).`,
    level: 'MUST',
    clause: `${SBC4.UNMAP_OVERVIEW}, ${SBC4.UNMAP_PARAMETER_LIST}`,
    needs: [...unmapNeeds],
  },
  async (t) => {
    const keep = await writeBlocks(t, 0, 16);
    const list = scsi.unmapParameterList([
      { lba: 0, blocks: 8 },
      { lba: 8, blocks: 8 },
    ]);
    list.writeUInt16BE(30, 0);
    list.writeUInt16BE(24, 2);
    await unmap(t, list, GOOD, { what: 'UNMAP LEN=40 with UNMAP BLOCK DESCRIPTOR DATA LENGTH 24 ([LBA 0, 8] whole, [LBA 8, 8] cut at 8 bytes)' });
    await expectSecondDescriptorIgnored(t, keep, 'UNMAP with UNMAP BLOCK DESCRIPTOR DATA LENGTH 24');
  },
);

suite.test(
  'BeyondEol',
  {
    doc: `On a thin LU with LBPU: UNMAP of the last LBA (one block) must complete with GOOD; a block descriptor that runs past the end of the medium
      (the last LBA and 2 blocks; the LBA just past the end; LBA 2^64-1) must end in CHECK CONDITION, ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF
      RANGE, which SBC-4 requires when an LBA plus the number of blocks exceeds the capacity.`,
    level: 'MUST',
    clause: `${SBC4.UNMAP_PARAMETER_LIST}, ${SBC4.LOGICAL_BLOCKS}`,
    needs: [...unmapNeeds],
  },
  async (t) => {
    const last = BigInt(t.dev.lastLba);
    await unmap(t, [{ lba: last, blocks: 1 }], GOOD);
    for (const d of [
      { lba: last, blocks: 2 },
      { lba: last + 1n, blocks: 1 },
      { lba: 2n ** 64n - 1n, blocks: 1 },
    ])
      await unmap(t, [d], LBA_OUT_OF_RANGE);
  },
);

/** The Block Limits limit, when set and testable. */
function limitNeed(field: 'maximumUnmapBlockDescriptorCount' | 'maximumUnmapLbaCount', label: string, max: (dev: DeviceFacts) => number): CustomNeed {
  return {
    name: field,
    check: (dev) => {
      const v = dev.blockLimits?.[field];
      if (!dev.blockLimits) return 'the Block Limits VPD page is not available';
      if (!v || v === 0xffffffff) return `the Block Limits page sets no ${label}`;
      if (v + 1 > max(dev)) return `${label} ${v} + 1 is more than this test can send`;
      return undefined;
    },
  };
}

suite.test(
  'DescriptorLimit',
  {
    doc: `On a thin LU with LBPU: UNMAP with one block descriptor more than MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT (one block each, written first) must
      end in INVALID FIELD IN PARAMETER LIST and unmap nothing; with exactly the maximum it must complete with GOOD.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.BLOCK_LIMITS}`,
    needs: [
      ...unmapNeeds,
      limitNeed('maximumUnmapBlockDescriptorCount', 'MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT', (dev) =>
        Math.min(4094, dev.blocks, dev.blockLimits?.maximumUnmapLbaCount ?? 0),
      ),
    ],
  },
  async (t) => {
    const m = t.dev.blockLimits!.maximumUnmapBlockDescriptorCount!;
    const keep = await writeBlocks(t, 0, m + 1);
    await unmap(
      t,
      Array.from({ length: m + 1 }, (_, i) => ({ lba: i, blocks: 1 })),
      INVALID_FIELD_IN_PARAM_LIST,
    );
    await expectUnchanged(t, 0, keep, `UNMAP with ${m + 1} block descriptors`);
    await unmap(
      t,
      Array.from({ length: m }, (_, i) => ({ lba: i, blocks: 1 })),
    );
  },
);

suite.test(
  'LbaCountLimit',
  {
    doc: `On a thin LU with LBPU: UNMAP whose block descriptors add up to one block more than MAXIMUM UNMAP LBA COUNT (descriptors of at most the
      capacity each, from LBA 0) must end in INVALID FIELD IN PARAMETER LIST and unmap nothing (a written block is checked); descriptors adding up to
      exactly the maximum must complete with GOOD.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.BLOCK_LIMITS}`,
    needs: [
      ...unmapNeeds,
      limitNeed('maximumUnmapLbaCount', 'MAXIMUM UNMAP LBA COUNT', (dev) =>
        Math.min(dev.blocks * Math.min(4094, dev.blockLimits?.maximumUnmapBlockDescriptorCount ?? 0), 2 ** 40),
      ),
    ],
  },
  async (t) => {
    const c = t.dev.blockLimits!.maximumUnmapLbaCount!;
    const split = (total: number): Desc[] => {
      const out: Desc[] = [];
      for (let left = total; left > 0;) {
        const n = Math.min(left, t.dev.blocks, 0xffffffff);
        out.push({ lba: 0, blocks: n });
        left -= n;
      }
      return out;
    };
    const keep = await writeBlocks(t, 0, 1);
    const over = split(c + 1);
    t.log(`${over.length} descriptors from LBA 0 adding up to ${c + 1} blocks`);
    await unmap(t, over, INVALID_FIELD_IN_PARAM_LIST);
    await expectUnchanged(t, 0, keep, `UNMAP of ${c + 1} blocks in all`);
    await unmap(t, split(c));
  },
);

suite.test(
  'Anchor',
  {
    doc: `UNMAP with ANCHOR of a written unmap unit: with ANC_SUP set it must complete with GOOD (the blocks then read as zeros with LBPRZ, and GET
      LBA STATUS should report them anchored); with ANC_SUP clear it must end in INVALID FIELD IN CDB and change nothing.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.LOGICAL_BLOCK_PROVISIONING_VPD}, ${SBC4.LBP_UNMAPPING}`,
    needs: [...unmapNeeds],
  },
  async (t) => {
    const { unit, align } = unmapUnit(t);
    const lba = align + unit;
    const keep = await writeBlocks(t, lba, unit);
    const anc = !!t.dev.lbp?.ancSup;
    t.log(`ANC_SUP is ${anc ? 'set: GOOD' : 'clear: INVALID FIELD IN CDB'} expected`);
    await unmap(t, [{ lba, blocks: unit }], anc ? GOOD : INVALID_FIELD_IN_CDB, { anchor: true });
    if (!anc) return expectUnchanged(t, lba, keep, `UNMAP ANCHOR [LBA ${lba}, ${unit}]`);
    if (readsZerosWhenUnmapped(t)) await expectZeros(t, lba, unit, `UNMAP ANCHOR [LBA ${lba}, ${unit}]`);
    const st = await statusOf(t, lba);
    t.should(st === 2, `GET LBA STATUS reports LBA ${lba} ${PROVISIONING_NAMES[st]} after UNMAP with ANCHOR of its whole unmap unit, not anchored`);
  },
);

suite.test(
  'ReservedBits',
  {
    doc: `UNMAP of a written block with, one at a time, a reserved bit of the CDB (byte 1 bit 1, byte 2 bit 0), of the parameter list header (byte 4)
      and of the block descriptor (byte 12) set: a refusal must be INVALID FIELD IN CDB or INVALID FIELD IN PARAMETER LIST with the field pointer on
      that bit, and the block keeps its data; GOOD (the field is not checked: a SHOULD-level warning) must unmap as if the bit were zero (zeros with
      LBPRZ).`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVED}, ${SPC5.FIELD_POINTER}`,
    needs: [...unmapNeeds],
  },
  async (t) => {
    const cases: { where: string; cd: boolean; byte: number; bit: number }[] = [
      { where: 'CDB', cd: true, byte: 1, bit: 1 },
      { where: 'CDB', cd: true, byte: 2, bit: 0 },
      { where: 'parameter list header', cd: false, byte: 4, bit: 7 },
      { where: 'block descriptor', cd: false, byte: 8 + 12, bit: 0 },
    ];
    for (const c of cases) {
      const keep = await writeBlocks(t, 0, 1);
      const list = scsi.unmapParameterList([{ lba: 0, blocks: 1 }]);
      const cdb = scsi.unmap({ paramLen: list.length });
      (c.cd ? cdb : list)[c.byte] |= 1 << c.bit;
      const what = `UNMAP [LBA 0, 1] with reserved bit ${c.bit} of ${c.where} byte ${c.byte} set`;
      const r = await t.command(cdb, { expect: [c.cd ? INVALID_FIELD_IN_CDB : INVALID_FIELD_IN_PARAM_LIST, GOOD], dataOut: list, what });
      if (r.status === scsi.ScsiStatus.GOOD) {
        t.should(false, `${what}: GOOD; the reserved field is not checked`);
        t.forget(0, 1);
        if (readsZerosWhenUnmapped(t)) t.check(allZero(await t.readBlocks(0, 1)), `${what}: GOOD, but LBA 0 does not read as zeros (LBPRZ)`);
      } else {
        checkFieldPointer(t, r, { cd: c.cd, byte: c.byte, bit: c.bit }, what);
        await expectUnchanged(t, 0, keep, what);
      }
    }
  },
);

export default suite;
