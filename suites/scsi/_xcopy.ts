/** Shared pieces of the ExtendedCopy and ReceiveCopyResults suites: the CSCD descriptor of the LU under test and a one-segment copy. */
import { GOOD, scsi, type Expected, type ScsiResult, type TestContext } from '../../harness/api.js';

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
