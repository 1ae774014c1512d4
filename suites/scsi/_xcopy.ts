/** Shared pieces of the ExtendedCopy and ReceiveCopyResults suites: the CSCD descriptor of the LU under test and a one-segment copy. */
import { expectation, GOOD, scsi, type Expected, type ScsiResult, type TestContext } from '../../harness/api.js';

const CC = scsi.ScsiStatus.CHECK_CONDITION;
const { Asc, SenseKey } = scsi;
/** A CSCD the copy manager cannot reach (SPC-5 segment descriptors; errors detected during segment processing). */
export const COPY_TARGET_UNREACHABLE = expectation('COPY_TARGET_UNREACHABLE', CC, SenseKey.COPY_ABORTED, [
  Asc.UNREACHABLE_COPY_TARGET,
  Asc.COPY_TARGET_DEVICE_NOT_REACHABLE,
]);
/** Any COPY ABORTED: the answer of a copy manager that found the error while processing segments. */
export const COPY_ABORTED_ANY = expectation('COPY_ABORTED', CC, SenseKey.COPY_ABORTED);
export const TOO_MANY_CSCD_DESCRIPTORS = expectation('TOO_MANY_TARGET_DESCRIPTORS', CC, SenseKey.ILLEGAL_REQUEST, [Asc.TOO_MANY_TARGET_DESCRIPTORS]);
export const TOO_MANY_SEGMENT_DESCRIPTORS = expectation('TOO_MANY_SEGMENT_DESCRIPTORS', CC, SenseKey.ILLEGAL_REQUEST, [Asc.TOO_MANY_SEGMENT_DESCRIPTORS]);

/** The copy manager's OPERATING PARAMETERS (RECEIVE COPY RESULTS), or a skip when they are cut short. */
export async function operatingParameters(t: TestContext): Promise<scsi.CopyOperatingParameters> {
  const r = await t.command(scsi.receiveCopyResults({ sa: scsi.ReceiveCopySa.OPERATING_PARAMETERS, alloc: 1024 }));
  if (r.data.length < 44) t.skip(`OPERATING PARAMETERS data is ${r.data.length} bytes: the copy manager's limits are unknown`);
  return scsi.parseCopyOperatingParameters(r.data);
}

/** Reads `blocks` blocks in reads of at most 2048 blocks. */
export async function readRange(t: TestContext, lba: number, blocks: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let done = 0; done < blocks; done += 2048) parts.push(await t.readBlocks(lba + done, Math.min(2048, blocks - done)));
  return Buffer.concat(parts);
}

/** Fails when the blocks at `lba` no longer hold `before` after a refused EXTENDED COPY. */
export async function unchanged(t: TestContext, lba: number, before: Buffer, what: string): Promise<void> {
  const after = await readRange(t, lba, before.length / t.dev.blockSize);
  if (!after.equals(before)) t.fail(`${what} was refused, but LBAs ${lba}.. changed`);
}

/** The LU's NAA designator (association: logical unit) as a designation descriptor, or a skip when the Device Identification page has none. */
export function ownDesignation(t: TestContext): Buffer {
  const d = t.dev.deviceId?.designators.find(
    (x) => x.association === 0 && x.designatorType === 3 && x.codeSet === scsi.CodeSet.BINARY && x.designator.length <= 16,
  );
  if (!d) t.skip('the Device Identification page names the LU with no NAA designator, which an Identification CSCD descriptor would carry');
  return scsi.encodeDesignator(d);
}

/** The Identification CSCD descriptor naming the LU under test. */
export const ownCscd = (t: TestContext, o: Partial<scsi.IdentificationCscd> & { typeCode?: number } = {}): Buffer =>
  scsi.encodeIdentificationCscd({ designation: ownDesignation(t), blockLength: t.dev.blockSize, ...o });

/** An EXTENDED COPY (LID1) of `blocks` blocks within the LU under test. */
export function oneSegmentList(
  t: TestContext,
  o: { listId: number; src: number | bigint; dst: number | bigint; blocks: number; listIdUsage?: number },
): Buffer {
  return scsi.extendedCopyParameterList({
    listIdentifier: o.listId,
    ...(o.listIdUsage === undefined ? {} : { listIdUsage: o.listIdUsage }),
    cscdDescriptors: [ownCscd(t)],
    segmentDescriptors: [scsi.encodeBlockSegment({ sourceIndex: 0, destinationIndex: 0, blocks: o.blocks, sourceLba: o.src, destinationLba: o.dst })],
  });
}

/** Sends EXTENDED COPY (LID1) with this parameter list (PARAMETER LIST LENGTH its length unless given). */
export function extendedCopy(t: TestContext, list: Buffer, expect: Expected = GOOD, o: { paramLen?: number; what?: string } = {}): Promise<ScsiResult> {
  const paramLen = o.paramLen ?? list.length;
  const cdb = scsi.extendedCopy({ paramLen });
  return t.command(cdb, {
    expect,
    ...(list.length ? { dataOut: list } : { dataIn: 0 }),
    what: o.what ?? `${scsi.describeCdb(cdb)} (a ${list.length}-byte parameter list)`,
  });
}
