/**
 * Residuals (RFC 7143 11.4.5.2): a READ, WRITE or WRITE AND VERIFY whose Expected Data Transfer Length
 * (EDTL) differs from what its CDB calls for (the SCSI-presented data transfer length, SPDTL). libiscsi's
 * iSCSIResiduals names, written from the RFC: when SPDTL > EDTL the target must signal an overflow of
 * SPDTL - EDTL, when SPDTL < EDTL an underflow of EDTL - SPDTL, and it moves at most min(EDTL, SPDTL)
 * bytes. A target may also refuse such a command (INVALID FIELD IN COMMAND INFORMATION UNIT, as FCP-4 9.4.2
 * allows and LIO does); libiscsi accepts that for writes since its PR #345, and this suite for every case.
 */
import { defineSuite, GOOD, INVALID_FIELD_IN_IU, minBlocks, opcode, scsi, type TestContext } from '../../harness/api.js';
import { INVALID_FIELD_IN_IU_ABORTED, firstDiff, mismatched, processed, unchanged } from '../scsi/_block.js';

const suite = defineSuite('iSCSIResiduals', { families: ['iSCSI'], clause: 'RFC 7143 11.4.5.2, RFC 7143 11.4.5.1', needs: ['sbc', 'capacity', 'writable'] });

type Build = (o: { lba: number; blocks: number }) => Buffer;

/** One READ whose EDTL is `edtl`: GOOD with the residual and min(EDTL, SPDTL) bytes of the medium, or refused. */
async function readCase(t: TestContext, build: Build, blocks: number, edtl: number): Promise<void> {
  const bs = t.dev.blockSize;
  const spdtl = blocks * bs;
  const cdb = build({ lba: 0, blocks });
  const what = `${scsi.describeCdb(cdb)} with EDTL ${edtl} (the CDB calls for ${spdtl} bytes)`;
  // R set even with EDTL 0: the command reads, whatever the initiator expects (RFC 7143 11.3.1)
  const r = await t.command(cdb, { dataIn: edtl, expect: [GOOD, INVALID_FIELD_IN_IU, INVALID_FIELD_IN_IU_ABORTED], what, raw: { readFlag: true } });
  if (!processed(r)) return;
  const over = spdtl > edtl;
  const kind = over ? 'overflow' : 'underflow';
  t.check(
    over ? r.residual.overflow && !r.residual.underflow : r.residual.underflow && !r.residual.overflow,
    `${what}: GOOD without a residual ` + `${kind} (RFC 7143 11.4.5.2: SPDTL ${over ? '>' : '<'} EDTL must be signalled as ${kind})`,
  );
  t.equal(r.residual.count, Math.abs(spdtl - edtl), `${what}: residual count`);
  const moved = Math.min(edtl, spdtl);
  t.equal(r.data.length, moved, `${what}: bytes of Data-In (min(EDTL, SPDTL))`);
  const medium = (await t.readBlocks(0, blocks)).subarray(0, moved);
  const at = firstDiff(r.data, medium);
  t.check(at < 0, `${what}: the Data-In differs from what the medium holds at byte ${at}`);
}

/** The READ cases: 1 block with EDTL 0, 10000 and 200 bytes; with `twoForOne`, 2 blocks with an EDTL of one. */
async function reads(t: TestContext, build: Build, twoForOne: boolean): Promise<void> {
  const bs = t.dev.blockSize;
  await readCase(t, build, 1, 0);
  await readCase(t, build, 1, 10000);
  await readCase(t, build, 1, 200);
  if (twoForOne) await readCase(t, build, 2, bs);
}

/**
 * One WRITE (or WRITE AND VERIFY) of `blocks` at LBA 0 with EDTL `edtl`: GOOD with the residual, the first
 * min(EDTL, SPDTL) bytes written and the blocks past the CDB's range untouched; or refused, nothing written.
 */
async function writeCase(t: TestContext, build: Build, blocks: number, edtl: number): Promise<void> {
  const bs = t.dev.blockSize;
  const spdtl = blocks * bs;
  const before = await t.readBlocks(0, 3);
  const data = edtl > 0 ? t.pattern(0, Math.ceil(edtl / bs)).subarray(0, edtl) : Buffer.alloc(0);
  const cdb = build({ lba: 0, blocks });
  const r = await mismatched(t, { cdb, spdtl, data });
  // Whole blocks only are remembered for the read-back; this case checks the medium itself.
  t.forget(0, 3);
  const what = `${scsi.describeCdb(cdb)} with EDTL ${edtl} (the CDB calls for ${spdtl} bytes)`;
  if (!processed(r)) return unchanged(t, 0, before, `${what} was refused`);
  const after = await t.readBlocks(0, 3);
  const moved = Math.min(edtl, spdtl);
  const at = firstDiff(after.subarray(0, moved), data.subarray(0, moved));
  t.check(at < 0, `${what} completed with GOOD: the first ${moved} bytes at LBA 0 must hold the data sent (min(EDTL, SPDTL)), byte ${at} differs`);
  const past = firstDiff(after.subarray(spdtl), before.subarray(spdtl));
  t.check(past < 0, `${what} completed with GOOD: LBA ${blocks + Math.floor(past / bs)}, past the CDB's range, changed (byte ${past % bs} of the block)`);
}

/** The WRITE cases: 1 block with EDTL 0, 2 blocks, 10000 and 200 bytes; 2 blocks with an EDTL of one block. */
async function writes(t: TestContext, build: Build): Promise<void> {
  const bs = t.dev.blockSize;
  await t.command(scsi.write10({ lba: 0, blocks: 3 }));
  await writeCase(t, build, 1, 0);
  await writeCase(t, build, 1, 2 * bs);
  await writeCase(t, build, 2, bs);
  await writeCase(t, build, 1, 10000);
  await writeCase(t, build, 1, 200);
}

const READ_CASES = 'EDTL 0, 10000 and 200 bytes for one block';
/** The sentence that makes the residual a MUST (11.4.5.2, RFC 5048's wording taken into RFC 7143). */
const RESIDUAL_RULE =
  ' Quoted: "If SPDTL > EDTL for a task, iSCSI Overflow MUST be signaled in the SCSI Response PDU", and Underflow likewise when SPDTL < EDTL (11.4.5.2).';
const WRITE_CASES = 'one block with EDTL 0, two blocks, 10000 and 200 bytes, and two blocks with an EDTL of one block';
const readDoc = (name: string, two: boolean) =>
  `${name} at LBA 0 with ${READ_CASES}${two ? ', and of two blocks with an EDTL of one block' : ''}: each must complete with GOOD, the residual ` +
  `overflow (SPDTL - EDTL) or underflow (EDTL - SPDTL) flag and count, and min(EDTL, SPDTL) bytes of Data-In equal to what the medium holds; or be ` +
  `refused with INVALID FIELD IN COMMAND INFORMATION UNIT.` +
  RESIDUAL_RULE;
const writeDoc = (name: string) =>
  `${name} at LBA 0 (three blocks written first) of ${WRITE_CASES}: each must complete with GOOD, the residual overflow or underflow flag and count, ` +
  `the first min(EDTL, SPDTL) bytes written and the blocks past the CDB's range unchanged; or be refused with INVALID FIELD IN COMMAND INFORMATION UNIT ` +
  `and nothing written.` +
  RESIDUAL_RULE;

suite.test('Read10Invalid', { doc: readDoc('READ (10) of one block', false), level: 'MUST' }, (t) => reads(t, scsi.read10, false));

const READS: [string, string, Build, number][] = [
  ['Read10Residuals', 'READ (10)', scsi.read10, scsi.Op.READ_10],
  ['Read12Residuals', 'READ (12)', scsi.read12, scsi.Op.READ_12],
  ['Read16Residuals', 'READ (16)', scsi.read16, scsi.Op.READ_16],
];
for (const [name, cmd, build, op] of READS) {
  suite.test(name, { doc: readDoc(cmd, true), level: 'MUST', needs: [opcode(op), minBlocks(2)] }, (t) => reads(t, build, true));
}

const WRITES: [string, string, Build, number][] = [
  ['Write10Residuals', 'WRITE (10)', scsi.write10, scsi.Op.WRITE_10],
  ['Write12Residuals', 'WRITE (12)', scsi.write12, scsi.Op.WRITE_12],
  ['Write16Residuals', 'WRITE (16)', scsi.write16, scsi.Op.WRITE_16],
  ['WriteVerify10Residuals', 'WRITE AND VERIFY (10)', (o) => scsi.writeVerify10(o), scsi.Op.WRITE_AND_VERIFY_10],
  ['WriteVerify12Residuals', 'WRITE AND VERIFY (12)', (o) => scsi.writeVerify12(o), scsi.Op.WRITE_AND_VERIFY_12],
  ['WriteVerify16Residuals', 'WRITE AND VERIFY (16)', (o) => scsi.writeVerify16(o), scsi.Op.WRITE_AND_VERIFY_16],
];
for (const [name, cmd, build, op] of WRITES) {
  suite.test(name, { doc: writeDoc(cmd), level: 'MUST', needs: ['dataloss', opcode(op), minBlocks(3)] }, (t) => writes(t, build));
}

export default suite;
