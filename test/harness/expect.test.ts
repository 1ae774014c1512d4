/** The one expectation check, its messages, "not implemented", mandatory commands, destructive CDBs. */
import { strict as assert } from 'node:assert';
import { checkResult, expectation, GOOD, LBA_OUT_OF_RANGE, outcomeText, RESERVATION_CONFLICT, WRITE_PROTECTED } from '../../harness/expect.js';
import { classifyCdb, inferDataIn, isNotImplemented, mandatoryFor } from '../../harness/commands.js';
import * as scsi from '../../protocol/scsi/index.js';

const cc = (key: number, asc: number, extra: Partial<scsi.Sense> = {}) => ({
  response: 0,
  status: 2,
  sense: { responseCode: 0x70, format: 'fixed' as const, current: true, key, asc: asc >> 8, ascq: asc & 0xff, ascAscq: asc, ...extra },
});
const good = { response: 0, status: 0 };
const IR = scsi.SenseKey.ILLEGAL_REQUEST;
const A = scsi.Asc;

describe('expectations: the one check and its message', () => {
  it('reads "<command>: expected <outcome>, got <outcome>"', () => {
    const what = scsi.describeCdb(scsi.read10({ lba: 2097152, blocks: 1 }));
    const c = checkResult(what, good, LBA_OUT_OF_RANGE);
    assert.deepEqual(c, { ok: false, message: 'READ(10) LBA=2097152 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD' });
  });

  it('names every accepted outcome and the one that came', () => {
    const c = checkResult('WRITE(10) LBA=0 LEN=1', cc(IR, A.INVALID_FIELD_IN_CDB), [GOOD, WRITE_PROTECTED]);
    assert.equal(
      !c.ok && c.message,
      'WRITE(10) LBA=0 LEN=1: expected GOOD or CHECK CONDITION DATA PROTECT/WRITE PROTECTED, HARDWARE WRITE PROTECTED or LOGICAL UNIT SOFTWARE WRITE PROTECTED, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB',
    );
  });

  it('matches status, sense key and the accepted ASC/ASCQ set', () => {
    assert.ok(checkResult('x', cc(IR, A.LBA_OUT_OF_RANGE), LBA_OUT_OF_RANGE).ok);
    assert.ok(!checkResult('x', cc(scsi.SenseKey.MEDIUM_ERROR, A.LBA_OUT_OF_RANGE), LBA_OUT_OF_RANGE).ok, 'wrong key');
    assert.ok(!checkResult('x', cc(IR, A.INVALID_FIELD_IN_CDB), LBA_OUT_OF_RANGE).ok, 'wrong ASC');
    assert.ok(checkResult('x', cc(scsi.SenseKey.DATA_PROTECT, A.SOFTWARE_WRITE_PROTECTED), WRITE_PROTECTED).ok);
    assert.ok(checkResult('x', { response: 0, status: 0x18 }, RESERVATION_CONFLICT).ok);
    assert.ok(!checkResult('x', { response: 0, status: 0x08 }, RESERVATION_CONFLICT).ok, 'BUSY is not RESERVATION CONFLICT');
    assert.ok(!checkResult('x', { response: 0, status: 2 }, LBA_OUT_OF_RANGE).ok, 'no sense at all');
    assert.ok(checkResult('x', cc(IR, 0x2401), expectation('ANY_IR', 2, IR)).ok, 'an empty ASC set accepts any');
    assert.ok(!checkResult('x', { ...good, response: 1 }, GOOD).ok, 'an iSCSI response other than COMMAND COMPLETED is never GOOD');
  });

  it('describes outcomes without sense, with undecodable sense, and iSCSI target failures', () => {
    assert.equal(outcomeText({ response: 0, status: 2 }), 'CHECK CONDITION without sense data');
    assert.equal(outcomeText({ response: 0, status: 2, senseError: 'sense data: empty' }), 'CHECK CONDITION with undecodable sense data (sense data: empty)');
    assert.equal(outcomeText({ response: 1, status: 0 }), 'iSCSI response 0x01 (TARGET FAILURE)');
    assert.equal(outcomeText({ response: 0, status: 0x28 }), 'TASK SET FULL');
  });
});

describe('commands: not implemented, mandatory, destructive, data length', () => {
  it('INVALID COMMAND OPERATION CODE means not implemented; so does a service action refused with no field pointer or byte 1', () => {
    assert.ok(isNotImplemented(scsi.read12({ lba: 0, blocks: 1 }), cc(IR, A.INVALID_COMMAND_OPERATION_CODE)));
    assert.ok(!isNotImplemented(scsi.read12({ lba: 0, blocks: 1 }), cc(IR, A.INVALID_FIELD_IN_CDB)));
    const rsoc = scsi.reportSupportedOperationCodes();
    assert.ok(isNotImplemented(rsoc, cc(IR, A.INVALID_FIELD_IN_CDB)));
    assert.ok(
      isNotImplemented(
        rsoc,
        cc(IR, A.INVALID_FIELD_IN_CDB, { senseKeySpecific: { sksv: true, raw: 0xc00001, field: { cd: true, bpv: false, bitPointer: 0, fieldPointer: 1 } } }),
      ),
    );
    assert.ok(
      !isNotImplemented(
        rsoc,
        cc(IR, A.INVALID_FIELD_IN_CDB, { senseKeySpecific: { sksv: true, raw: 0xc00002, field: { cd: true, bpv: false, bitPointer: 0, fieldPointer: 2 } } }),
      ),
      'a field pointer past the service action is a real CDB error',
    );
  });

  it('mandatory commands of a block device fail instead of skipping; READ(16) and READ CAPACITY(16) only from SBC-3 on', () => {
    const sbc = { sbc: true, sbc3: true };
    assert.ok(mandatoryFor(scsi.read10({ lba: 0, blocks: 1 }), sbc));
    assert.ok(mandatoryFor(scsi.readCapacity16(), sbc));
    assert.ok(!mandatoryFor(scsi.readCapacity16(), { sbc: true, sbc3: false }));
    assert.ok(!mandatoryFor(scsi.read6({ lba: 0, blocks: 1 }), sbc), 'READ(6) is optional');
    assert.ok(!mandatoryFor(scsi.read12({ lba: 0, blocks: 1 }), sbc), 'READ(12) is optional');
    assert.ok(mandatoryFor(scsi.inquiry(), { sbc: false, sbc3: false }), 'INQUIRY is mandatory for every device type');
    assert.ok(!mandatoryFor(scsi.read10({ lba: 0, blocks: 1 }), { sbc: false, sbc3: false }));
  });

  it('commands that change the medium need dataloss; SANITIZE needs sanitize', () => {
    for (const cdb of [
      scsi.write10({ lba: 0, blocks: 1 }),
      scsi.write16({ lba: 0, blocks: 1 }),
      scsi.unmap({ paramLen: 24 }),
      scsi.writeSame16({ lba: 0, blocks: 1 }),
      scsi.modeSelect6({ paramLen: 4 }),
      scsi.persistentReserveOut({ sa: 0 }),
    ]) {
      assert.deepEqual(classifyCdb(cdb), { dataloss: true, sanitize: false }, scsi.describeCdb(cdb));
    }
    assert.deepEqual(classifyCdb(scsi.sanitize({ sa: 1 })), { dataloss: true, sanitize: true });
    for (const cdb of [
      scsi.read10({ lba: 0, blocks: 1 }),
      scsi.inquiry(),
      scsi.readCapacity16(),
      scsi.reportSupportedOperationCodes(),
      scsi.modeSense6({ page: 0x3f }),
    ]) {
      assert.deepEqual(classifyCdb(cdb), { dataloss: false, sanitize: false }, scsi.describeCdb(cdb));
    }
  });

  it('infers the Data-In length of reads and of commands with an allocation length', () => {
    assert.equal(inferDataIn(scsi.read10({ lba: 0, blocks: 8 }), 512), 4096);
    assert.equal(inferDataIn(scsi.read6({ lba: 0, blocks: 256 }), 512), 256 * 512);
    assert.equal(inferDataIn(scsi.inquiry({ alloc: 96 }), 512), 96);
    assert.equal(inferDataIn(scsi.readCapacity16({ alloc: 32 }), 512), 32);
    assert.equal(inferDataIn(scsi.reportLuns({ alloc: 16 }), 512), 16);
    assert.equal(inferDataIn(scsi.testUnitReady(), 512), 0);
    assert.equal(inferDataIn(scsi.write10({ lba: 0, blocks: 1 }), 512), undefined);
    assert.equal(inferDataIn(Buffer.from([0xc0, 0, 0, 0, 0, 0]), 512), undefined, 'a vendor opcode must be told');
  });
});
