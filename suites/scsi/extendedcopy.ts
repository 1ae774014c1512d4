/** EXTENDED COPY (LID1) (SPC-5 6.6): block-to-block copies within the LU under test, named by its NAA designator. */
import {
  defineSuite,
  GOOD,
  LBA_OUT_OF_RANGE,
  PARAM_LIST_LEN_ERR,
  scsi,
  SPC5,
  UNSUPPORTED_DESCRIPTOR_CODE,
  type Expected,
  type TestContext,
} from '../../harness/api.js';
import {
  COPY_ABORTED_ANY,
  COPY_TARGET_UNREACHABLE,
  extendedCopy,
  oneSegmentList,
  operatingParameters,
  ownCscd,
  ownDesignation,
  readRange,
  TOO_MANY_CSCD_DESCRIPTORS,
  TOO_MANY_SEGMENT_DESCRIPTORS,
  unchanged,
} from './_xcopy.js';

const CLAUSE = SPC5.EXTENDED_COPY;
const suite = defineSuite('ExtendedCopy', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });

suite.test(
  'Simple',
  {
    doc: `WRITEs 16 blocks at LBA 0, then EXTENDED COPY (LID1) with one Identification CSCD descriptor (E4h) naming this LU by its NAA designator and
      one block-to-block segment descriptor (02h) copying them to the last 16 blocks: GOOD, and the last 16 blocks read back as the first 16 (the copy
      manager copies the data the segment descriptor names).`,
    level: 'MUST',
  },
  async (t) => {
    const n = 16;
    const dst = t.dev.blocks - n;
    if (dst < n) t.skip(`the LU has ${t.dev.blocks} blocks: too few for two separate ${n}-block ranges`);
    await t.command(scsi.write16({ lba: 0, blocks: n }));
    const src = await t.readBlocks(0, n);
    await extendedCopy(t, oneSegmentList(t, { listId: 1, src: 0, dst, blocks: n }));
    t.remember(dst, src, 'the EXTENDED COPY');
    const got = await t.readBlocks(dst, n);
    const bs = t.dev.blockSize;
    for (let i = 0; i < n; i++) {
      if (!got.subarray(i * bs, (i + 1) * bs).equals(src.subarray(i * bs, (i + 1) * bs)))
        t.fail(`after EXTENDED COPY of LBAs 0..${n - 1} to ` + `${dst}..${dst + n - 1}: LBA ${dst + i} does not hold what LBA ${i} holds`);
    }
  },
);

/** The descriptor type codes the copy manager says it implements (RECEIVE COPY RESULTS OPERATING PARAMETERS), or a skip. */
const implemented = async (t: TestContext): Promise<number[]> => (await operatingParameters(t)).implementedDescriptors;

suite.test(
  'ParamHdr',
  {
    doc: `EXTENDED COPY (LID1) with PARAMETER LIST LENGTH 0: GOOD (not an error; nothing is copied). Then a one-segment list sent with a PARAMETER
      LIST LENGTH 4 bytes shorter than its header lengths add up to (the segment descriptor cut short): CHECK CONDITION, ILLEGAL REQUEST, PARAMETER
      LIST LENGTH ERROR, and the destination blocks are unchanged.`,
    level: 'MUST',
  },
  async (t) => {
    await extendedCopy(t, Buffer.alloc(0), undefined, { what: 'EXTENDED COPY(LID1) with PARAMETER LIST LENGTH 0' });
    const before = await t.readBlocks(32, 4);
    const list = oneSegmentList(t, { listId: 2, src: 0, dst: 32, blocks: 4 });
    await extendedCopy(t, list.subarray(0, list.length - 4), PARAM_LIST_LEN_ERR, {
      what: `EXTENDED COPY(LID1) whose header lengths add up to ` + `${list.length} bytes, sent with PARAMETER LIST LENGTH ${list.length - 4}`,
    });
    await unchanged(t, 32, before, 'the truncated EXTENDED COPY');
  },
);

suite.test(
  'DescrType',
  {
    doc: `Reads the implemented descriptor type codes (OPERATING PARAMETERS); sends EXTENDED COPY (LID1) whose CSCD descriptor has a CSCD type code
      the copy manager does not list (E0h..E9h, the first missing): ILLEGAL REQUEST, UNSUPPORTED TARGET DESCRIPTOR TYPE CODE; and one whose segment
      descriptor has a segment type code it does not list (00h..0Fh): ILLEGAL REQUEST, UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE; the destination
      blocks are unchanged after each.`,
    level: 'MUST',
  },
  async (t) => {
    const codes = await implemented(t);
    const before = await t.readBlocks(40, 4);
    const cscdType = [0xe0, 0xe1, 0xe2, 0xe3, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9].find((c) => !codes.includes(c));
    const seg = scsi.encodeBlockSegment({ sourceIndex: 0, destinationIndex: 0, blocks: 4, sourceLba: 0, destinationLba: 40 });
    if (cscdType !== undefined) {
      const list = scsi.extendedCopyParameterList({ listIdentifier: 3, cscdDescriptors: [ownCscd(t, { typeCode: cscdType })], segmentDescriptors: [seg] });
      await extendedCopy(t, list, UNSUPPORTED_DESCRIPTOR_CODE, {
        what: `EXTENDED COPY(LID1) with CSCD descriptor type code ${cscdType.toString(16).toUpperCase()}h`,
      });
      await unchanged(t, 40, before, `EXTENDED COPY with CSCD type ${cscdType.toString(16).toUpperCase()}h`);
    }
    const segType = [...Array(16).keys()].find((c) => !codes.includes(c))!;
    const list = scsi.extendedCopyParameterList({
      listIdentifier: 4,
      cscdDescriptors: [ownCscd(t)],
      segmentDescriptors: [Buffer.concat([Buffer.from([segType]), seg.subarray(1)])],
    });
    await extendedCopy(t, list, UNSUPPORTED_DESCRIPTOR_CODE, {
      what: `EXTENDED COPY(LID1) with segment descriptor type code ${segType.toString(16).padStart(2, '0').toUpperCase()}h`,
    });
    await unchanged(t, 40, before, `EXTENDED COPY with segment type ${segType.toString(16).toUpperCase()}h`);
  },
);

/** Parameter lists past these many bytes are not built (a copy manager with very large limits skips that part). */
const MAX_LIST_BYTES = 1 << 20;

suite.test(
  'DescrLimits',
  {
    doc: `Reads the copy manager's limits (RECEIVE COPY RESULTS OPERATING PARAMETERS) and sends EXTENDED COPY (LID1) parameter lists just past
      each: one CSCD descriptor more than MAXIMUM CSCD DESCRIPTOR COUNT (ILLEGAL REQUEST, TOO MANY TARGET DESCRIPTORS), one segment descriptor more
      than MAXIMUM SEGMENT DESCRIPTOR COUNT (ILLEGAL REQUEST, TOO MANY SEGMENT DESCRIPTORS), and descriptor lists longer than MAXIMUM DESCRIPTOR
      LIST LENGTH (ILLEGAL REQUEST, PARAMETER LIST LENGTH ERROR). Where a list breaks two limits at once either answer is accepted; a list that
      would exceed 1 MiB is not sent. The segments copy LBA 0 to LBA 48, which must be unchanged afterwards.`,
    level: 'MUST',
    clause: SPC5.XCOPY_PARAMETER_LIST,
  },
  async (t) => {
    const p = await operatingParameters(t);
    const maxList = p.maxDescriptorListLength;
    const before = await t.readBlocks(48, 1);
    const seg = scsi.encodeBlockSegment({ sourceIndex: 0, destinationIndex: 0, blocks: 1, sourceLba: 0, destinationLba: 48 });
    const cscd = ownCscd(t);
    const send = async (listId: number, nCscd: number, nSeg: number, expect: Expected, what: string) => {
      const bytes = 16 + nCscd * cscd.length + nSeg * seg.length;
      if (bytes > MAX_LIST_BYTES) return t.log(`${what}: a ${bytes}-byte parameter list is not sent`);
      const list = scsi.extendedCopyParameterList({
        listIdentifier: listId,
        cscdDescriptors: Array<Buffer>(nCscd).fill(cscd),
        segmentDescriptors: Array<Buffer>(nSeg).fill(seg),
      });
      await extendedCopy(t, list, expect, { what: `EXTENDED COPY(LID1) with ${what}` });
    };
    const tooLong = (nCscd: number, nSeg: number) => nCscd * cscd.length + nSeg * seg.length > maxList;
    if (p.maxCscdDescriptors === 0) t.log('MAXIMUM CSCD DESCRIPTOR COUNT is 0: no CSCD descriptor count to exceed');
    else {
      const n = p.maxCscdDescriptors + 1;
      await send(
        0x21,
        n,
        1,
        tooLong(n, 1) ? [TOO_MANY_CSCD_DESCRIPTORS, PARAM_LIST_LEN_ERR] : TOO_MANY_CSCD_DESCRIPTORS,
        `${n} CSCD descriptors (MAXIMUM CSCD DESCRIPTOR COUNT ${n - 1})`,
      );
    }
    if (p.maxSegmentDescriptors === 0) t.log('MAXIMUM SEGMENT DESCRIPTOR COUNT is 0: no segment descriptor count to exceed');
    else {
      const n = p.maxSegmentDescriptors + 1;
      await send(
        0x22,
        1,
        n,
        tooLong(1, n) ? [TOO_MANY_SEGMENT_DESCRIPTORS, PARAM_LIST_LEN_ERR] : TOO_MANY_SEGMENT_DESCRIPTORS,
        `${n} segment descriptors (MAXIMUM SEGMENT DESCRIPTOR COUNT ${n - 1})`,
      );
    }
    // the fewest segments (after one CSCD descriptor) whose descriptor lists are longer than MAXIMUM DESCRIPTOR LIST LENGTH
    const nSeg = Math.max(1, Math.floor((maxList - cscd.length) / seg.length) + 1);
    await send(
      0x23,
      1,
      nSeg,
      nSeg > p.maxSegmentDescriptors ? [PARAM_LIST_LEN_ERR, TOO_MANY_SEGMENT_DESCRIPTORS] : PARAM_LIST_LEN_ERR,
      `descriptor lists of ${cscd.length + nSeg * seg.length} bytes (MAXIMUM DESCRIPTOR LIST LENGTH ${maxList})`,
    );
    await unchanged(t, 48, before, 'every EXTENDED COPY past a limit');
  },
);

suite.test(
  'ValidTgtDescr',
  {
    doc: `Identification CSCD descriptor fields. With LU ID TYPE 10b and then 11b (reserved codes in a field SPC-5 says shall be ignored in this
      descriptor) EXTENDED COPY (LID1) of 4 blocks from LBA 0 to LBA 56: GOOD, and the blocks are copied. With a designator that names no
      logical unit (the LU's NAA designator with every byte after the NAA nibble inverted), copying to LBA 60: COPY ABORTED, UNREACHABLE COPY
      TARGET or COPY TARGET DEVICE NOT REACHABLE, and LBAs 60..63 unchanged.`,
    level: 'MUST',
    clause: SPC5.IDENTIFICATION_CSCD,
  },
  async (t) => {
    await t.command(scsi.write16({ lba: 0, blocks: 4 }));
    const src = await t.readBlocks(0, 4);
    const seg = (dst: number) => [scsi.encodeBlockSegment({ sourceIndex: 0, destinationIndex: 0, blocks: 4, sourceLba: 0, destinationLba: dst })];
    for (const luIdType of [2, 3]) {
      await t.command(scsi.write16({ lba: 56, blocks: 4 }));
      const list = scsi.extendedCopyParameterList({
        listIdentifier: 0x30 + luIdType,
        cscdDescriptors: [ownCscd(t, { luIdType })],
        segmentDescriptors: seg(56),
      });
      await extendedCopy(t, list, GOOD, { what: `EXTENDED COPY(LID1) whose Identification CSCD descriptor has LU ID TYPE ${luIdType.toString(2)}b` });
      t.remember(56, src, 'the EXTENDED COPY');
      const got = await t.readBlocks(56, 4);
      if (!got.equals(src)) t.fail(`EXTENDED COPY with LU ID TYPE ${luIdType.toString(2)}b returned GOOD, but LBAs 56..59 do not hold what LBAs 0..3 hold`);
    }
    const designation = Buffer.from(ownDesignation(t));
    designation[4] = designation[4]! ^ 0x0f;
    for (let i = 5; i < designation.length; i++) designation[i] = designation[i]! ^ 0xff;
    const before = await t.readBlocks(60, 4);
    const list = scsi.extendedCopyParameterList({
      listIdentifier: 0x34,
      cscdDescriptors: [scsi.encodeIdentificationCscd({ designation, blockLength: t.dev.blockSize })],
      segmentDescriptors: seg(60),
    });
    await extendedCopy(t, list, COPY_TARGET_UNREACHABLE, { what: `EXTENDED COPY(LID1) whose Identification CSCD descriptor names no logical unit` });
    await unchanged(t, 60, before, 'the EXTENDED COPY naming an unknown logical unit');
  },
);

suite.test(
  'ValidSegDescr',
  {
    doc: `Block-to-block segment descriptor fields, one CSCD descriptor naming this LU. DESTINATION CSCD DESCRIPTOR ID 1, naming no CSCD
      descriptor of the list: COPY ABORTED, UNREACHABLE COPY TARGET (or COPY TARGET DEVICE NOT REACHABLE). BLOCK DEVICE NUMBER OF BLOCKS 0:
      GOOD, and nothing written. A destination range that starts at the last LBA and runs 2 blocks past it, then a source range doing the same:
      CHECK CONDITION, either ILLEGAL REQUEST with LBA OUT OF RANGE (found before any segment is processed; the last block then unchanged) or COPY
      ABORTED (found while copying). LBAs 64..67 hold the same data before and after every refused copy.`,
    level: 'MUST',
    clause: SPC5.SEGMENT_DESCRIPTORS,
  },
  async (t) => {
    const last = t.dev.blocks - 1;
    const before = await t.readBlocks(64, 4);
    const one = (o: Partial<scsi.BlockSegment>, listId: number) =>
      scsi.extendedCopyParameterList({
        listIdentifier: listId,
        cscdDescriptors: [ownCscd(t)],
        segmentDescriptors: [scsi.encodeBlockSegment({ sourceIndex: 0, destinationIndex: 0, blocks: 4, sourceLba: 0, destinationLba: 64, ...o })],
      });
    await extendedCopy(t, one({ destinationIndex: 1 }, 0x40), COPY_TARGET_UNREACHABLE, {
      what: 'EXTENDED COPY(LID1) whose segment descriptor has DESTINATION CSCD DESCRIPTOR ID 1 with one CSCD descriptor in the list',
    });
    await unchanged(t, 64, before, 'the EXTENDED COPY naming CSCD descriptor 1');
    await extendedCopy(t, one({ blocks: 0 }, 0x41), GOOD, { what: 'EXTENDED COPY(LID1) of a segment with BLOCK DEVICE NUMBER OF BLOCKS 0' });
    const after = await t.readBlocks(64, 4);
    if (!after.equals(before)) t.fail('EXTENDED COPY of a 0-block segment changed LBAs 64..67');
    // a copy manager that finds the range error while copying may have written the blocks before it: only an ILLEGAL
    // REQUEST (found before any segment was processed) promises that nothing was written
    for (const [o, what, listId, watch] of [
      [{ destinationLba: last, blocks: 2 }, `destination LBA ${last} (the last) and 2 blocks`, 0x42, last],
      [{ sourceLba: last, destinationLba: 68, blocks: 2 }, `source LBA ${last} (the last) and 2 blocks`, 0x43, 68],
    ] as const) {
      const held = await t.readBlocks(watch, 1);
      const r = await extendedCopy(t, one(o, listId), [LBA_OUT_OF_RANGE, COPY_ABORTED_ANY], { what: `EXTENDED COPY(LID1) of a segment with ${what}` });
      if (r.sense?.key === scsi.SenseKey.ILLEGAL_REQUEST) await unchanged(t, watch, held, `the EXTENDED COPY with ${what} (ILLEGAL REQUEST)`);
    }
  },
);

suite.test(
  'OwnLuCscdId',
  {
    doc: `Where the Third-party Copy VPD page's Supported CSCD IDs lists FFFFh (the logical unit that contains the copy manager): WRITE of 4
      blocks at LBA 0, then EXTENDED COPY (LID1) whose segment descriptor names FFFFh as source and destination, copying them to LBA 72: GOOD,
      and LBAs 72..75 read back as LBAs 0..3.`,
    level: 'MUST',
    clause: SPC5.SEGMENT_DESCRIPTORS,
  },
  async (t) => {
    if (!t.dev.vpdPages?.includes(scsi.VpdPage.THIRD_PARTY_COPY))
      t.skip('the logical unit lists no Third-party Copy VPD page: its supported CSCD IDs are unknown');
    const r = await t.command(scsi.inquiry({ evpd: true, page: scsi.VpdPage.THIRD_PARTY_COPY, alloc: 0xffff }), { dataIn: 0xffff });
    const ids = scsi.parseThirdPartyCopyVpd(r.data).supportedCscdIds ?? [];
    if (!ids.includes(0xffff)) t.skip('the Third-party Copy VPD page does not list CSCD ID FFFFh');
    await t.command(scsi.write16({ lba: 0, blocks: 4 }));
    const src = await t.readBlocks(0, 4);
    const list = scsi.extendedCopyParameterList({
      listIdentifier: 0x60,
      cscdDescriptors: [ownCscd(t)],
      segmentDescriptors: [scsi.encodeBlockSegment({ sourceIndex: 0xffff, destinationIndex: 0xffff, blocks: 4, sourceLba: 0, destinationLba: 72 })],
    });
    await extendedCopy(t, list, GOOD, { what: 'EXTENDED COPY(LID1) whose segment names CSCD ID FFFFh as source and destination' });
    t.remember(72, src, 'the EXTENDED COPY');
    if (!(await t.readBlocks(72, 4)).equals(src))
      t.fail('after EXTENDED COPY from CSCD ID FFFFh LBA 0 to FFFFh LBA 72: LBAs 72..75 do not hold what LBAs 0..3 hold');
  },
);

/** The largest single-segment copy Large makes (bytes), so that a run stays short on any copy manager. */
const LARGE_CAP_BYTES = 8 << 20;

suite.test(
  'Large',
  {
    doc: `Reads MAXIMUM SEGMENT LENGTH (OPERATING PARAMETERS) and copies the largest block-to-block segment (02h) the copy manager allows, the LU
      holds twice over and the segment's 16-bit block count can name (capped at 8 MiB): WRITE of those blocks from LBA 0, one EXTENDED COPY
      (LID1) to the end of the LU, GOOD, and every destination block reads back as its source block.`,
    level: 'MUST',
    clause: SPC5.BLOCK_TO_BLOCK_SEGMENT,
  },
  async (t) => {
    const p = await operatingParameters(t);
    const bs = t.dev.blockSize;
    const bySegment = p.maxSegmentLength === 0 ? 0xffff : Math.floor(p.maxSegmentLength / bs);
    const n = Math.min(0xffff, bySegment, Math.floor(t.dev.blocks / 2), Math.floor(LARGE_CAP_BYTES / bs));
    if (n < 2) t.skip(`MAXIMUM SEGMENT LENGTH ${p.maxSegmentLength} and ${t.dev.blocks} blocks leave no copy of 2 blocks or more`);
    t.log(`one segment of ${n} blocks (${n * bs} bytes; MAXIMUM SEGMENT LENGTH ${p.maxSegmentLength})`);
    for (let done = 0; done < n; done += 2048) await t.command(scsi.write16({ lba: done, blocks: Math.min(2048, n - done) }));
    const src = await readRange(t, 0, n);
    const dst = t.dev.blocks - n;
    await extendedCopy(t, oneSegmentList(t, { listId: 0x50, src: 0, dst, blocks: n }), GOOD, { what: `EXTENDED COPY(LID1) of ${n} blocks in one segment` });
    t.remember(dst, src, 'the EXTENDED COPY');
    const got = await readRange(t, dst, n);
    for (let i = 0; i < n; i++) {
      if (!got.subarray(i * bs, (i + 1) * bs).equals(src.subarray(i * bs, (i + 1) * bs)))
        t.fail(`after EXTENDED COPY of LBAs 0..${n - 1} to ${dst}..${dst + n - 1}: LBA ${dst + i} does not hold what LBA ${i} holds`);
    }
  },
);

export default suite;
