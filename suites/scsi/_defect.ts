/**
 * Shared bodies of the ReadDefectData10 and ReadDefectData12 suites (SBC-4 5.22 READ DEFECT DATA (10), 5.23
 * READ DEFECT DATA (12)). (A helper module: not a suite.)
 */
import { GOOD, INVALID_FIELD_IN_CDB, expectation, scsi, type TestContext, SBC4 } from '../../harness/api.js';
import { checkFieldPointer } from './_lbp.js';

/** The device server may answer a list it does not have with RECOVERED ERROR (DEFECT LIST NOT FOUND) and the header. */
const RECOVERED = expectation('RECOVERED_ERROR', scsi.ScsiStatus.CHECK_CONDITION, scsi.SenseKey.RECOVERED_ERROR);

export interface RddCdb {
  name: string;
  twelve: boolean;
  clause: string;
  header: number;
  /** Byte of the DEFECT LIST FORMAT field. */
  formatByte: number;
  build: (o: scsi.ReadDefectOptions) => Buffer;
  parse: (b: Buffer) => scsi.DefectData;
}

export const RDD10: RddCdb = {
  name: 'READ DEFECT DATA(10)',
  twelve: false,
  clause: SBC4.READ_DEFECT_DATA_10,
  header: 4,
  formatByte: 2,
  build: scsi.readDefectData10,
  parse: scsi.parseDefectData10,
};
export const RDD12: RddCdb = {
  name: 'READ DEFECT DATA(12)',
  twelve: true,
  clause: SBC4.READ_DEFECT_DATA_12,
  header: 8,
  formatByte: 1,
  build: scsi.readDefectData12,
  parse: scsi.parseDefectData12,
};

async function one(t: TestContext, c: RddCdb, o: scsi.ReadDefectOptions, strict: boolean): Promise<void> {
  const cdb = c.build(o);
  const what = scsi.describeCdb(cdb);
  const r = await t.command(cdb, { expect: strict ? GOOD : [GOOD, RECOVERED], dataIn: o.alloc });
  if (r.status !== scsi.ScsiStatus.GOOD && r.data.length === 0) return;
  t.check(r.data.length >= Math.min(o.alloc, c.header), `${what}: ${r.data.length} bytes returned, less than the ${c.header}-byte header`);
  if (r.data.length < c.header) return;
  const d = c.parse(r.data);
  t.equal(r.data.length, Math.min(o.alloc, c.header + d.defectListLength), `${what}: bytes returned versus ${c.header} + DEFECT LIST LENGTH`);
  const size = scsi.defectDescriptorSize(d.format);
  if (size)
    t.check(
      d.defectListLength % size === 0,
      `${what}: DEFECT LIST LENGTH ${d.defectListLength} is not a multiple of the ${size}-byte descriptors of the format returned (${d.format})`,
    );
  t.check(!d.plistv || o.reqPlist, `${what}: PLISTV is set, but the primary defect list was not asked for`);
  t.check(!d.glistv || o.reqGlist, `${what}: GLISTV is set, but the grown defect list was not asked for`);
}

/**
 * Simple: the plain request (no list, short block format) must be GOOD with a consistent header; the lists
 * asked for in the short block and long block formats must be GOOD (or RECOVERED ERROR, for a list the device
 * does not have) with a consistent header; an ALLOCATION LENGTH of the header size returns the header alone.
 */
export async function simple(t: TestContext, c: RddCdb): Promise<void> {
  await one(t, c, { format: 0, alloc: 32 }, true);
  for (const format of [scsi.DefectListFormat.SHORT_BLOCK, scsi.DefectListFormat.LONG_BLOCK]) {
    for (const [reqPlist, reqGlist] of [
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      await one(t, c, { format, reqPlist, reqGlist, alloc: 4096 }, false);
    }
  }
  await one(t, c, { format: 0, reqPlist: true, reqGlist: true, alloc: c.header }, false);
}

/** ReservedFormat: DEFECT LIST FORMAT 111b is reserved: INVALID FIELD IN CDB (SPC-5 keywords: a reserved code value is an error). */
export async function reservedFormat(t: TestContext, c: RddCdb): Promise<void> {
  const cdb = c.build({ format: 7, reqPlist: true, reqGlist: true, alloc: 512 });
  const r = await t.command(cdb, { expect: INVALID_FIELD_IN_CDB, dataIn: 512 });
  checkFieldPointer(t, r, { cd: true, byte: c.formatByte, bit: 2 }, scsi.describeCdb(cdb));
}

export const docs = {
  simple: (c: RddCdb) => `${c.name} with neither list asked for in the short block format (ALLOCATION LENGTH 32) must complete with GOOD; with the
    primary, the grown and both lists in the short block and the long block formats it must complete with GOOD (or RECOVERED ERROR for a list the
    device does not keep). Each answer: at least the ${c.header}-byte header, exactly min(ALLOCATION LENGTH, ${c.header} + DEFECT LIST LENGTH) bytes,
    a DEFECT LIST LENGTH that is a whole number of descriptors of the format returned, and PLISTV/GLISTV set only for lists asked for. With ALLOCATION
    LENGTH ${c.header}, the header alone.`,
  reservedFormat: (c: RddCdb) => `${c.name} with the reserved DEFECT LIST FORMAT 111b must end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN
    CDB (with the field pointer, when given, on byte ${c.formatByte} bit 2).`,
};
