/** EXTENDED COPY (LID1) (SPC-5 6.6): block-to-block copies within the LU under test, named by its NAA designator. */
import { defineSuite, PARAM_LIST_LEN_ERR, scsi, SPC5, UNSUPPORTED_DESCRIPTOR_CODE, type TestContext } from '../../harness/api.js';
import { extendedCopy, oneSegmentList, ownCscd } from './_xcopy.js';

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
async function implemented(t: TestContext): Promise<number[]> {
  const r = await t.command(scsi.receiveCopyResults({ sa: scsi.ReceiveCopySa.OPERATING_PARAMETERS, alloc: 1024 }));
  if (r.data.length < 44) t.skip(`OPERATING PARAMETERS data is ${r.data.length} bytes: the implemented descriptor type codes are unknown`);
  return scsi.parseCopyOperatingParameters(r.data).implementedDescriptors;
}

/** Checks that the destination blocks still hold what they held before a refused EXTENDED COPY. */
async function unchanged(t: TestContext, lba: number, before: Buffer, what: string): Promise<void> {
  const after = await t.readBlocks(lba, before.length / t.dev.blockSize);
  if (!after.equals(before)) t.fail(`${what} was refused, but LBAs ${lba}.. changed`);
}

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

export default suite;
