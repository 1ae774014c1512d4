import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { ascii, assertBytes, assertThrowsCode, h, zeros } from './helpers.js';

/** [label, build, expected wire bytes from the SPC-5 / SBC-4 CDB tables]. */
const ROWS: [string, () => Buffer, string][] = [
  ['TEST UNIT READY', () => S.testUnitReady(), '00 00 00 00 00 00'],
  ['TEST UNIT READY CONTROL=04h (NACA)', () => S.testUnitReady({ control: 0x04 }), '00 00 00 00 00 04'],
  ['REQUEST SENSE default', () => S.requestSense(), '03 00 00 00 fc 00'],
  ['REQUEST SENSE DESC ALLOC=18', () => S.requestSense({ desc: true, alloc: 18 }), '03 01 00 00 12 00'],
  ['INQUIRY default', () => S.inquiry(), '12 00 00 00 ff 00'],
  ['INQUIRY EVPD B0h ALLOC=4096', () => S.inquiry({ evpd: true, page: 0xb0, alloc: 0x1000 }), '12 01 b0 10 00 00'],
  ['INQUIRY ALLOC max', () => S.inquiry({ alloc: 0xffff }), '12 00 00 ff ff 00'],
  ['READ CAPACITY(10)', () => S.readCapacity10(), '25 00 00 00 00 00 00 00 00 00'],
  ['READ CAPACITY(16)', () => S.readCapacity16(), '9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00'],
  ['READ CAPACITY(16) ALLOC max', () => S.readCapacity16({ alloc: 0xffffffff }), '9e 10 00 00 00 00 00 00 00 00 ff ff ff ff 00 00'],
  // READ(6)/WRITE(6): 21-bit LBA in bytes 1-3, TRANSFER LENGTH 0 means 256 (SBC-3 READ (6))
  ['READ(6) 256 blocks → 0', () => S.read6({ lba: 0x12345, blocks: 256 }), '08 01 23 45 00 00'],
  ['READ(6) max LBA', () => S.read6({ lba: 0x1fffff, blocks: 1 }), '08 1f ff ff 01 00'],
  ['READ(6) 255 blocks', () => S.read6({ lba: 0, blocks: 255 }), '08 00 00 00 ff 00'],
  ['WRITE(6)', () => S.write6({ lba: 0, blocks: 1 }), '0a 00 00 00 01 00'],
  ['WRITE(6) 256 blocks', () => S.write6({ lba: 0x100, blocks: 256, control: 0x80 }), '0a 00 01 00 00 80'],
  // READ(10): byte 1 RDPROTECT 7-5, DPO 4, FUA 3, RARC 2; GROUP NUMBER byte 6 bits 5-0
  ['READ(10) DPO FUA', () => S.read10({ lba: 0x01020304, blocks: 0x0506, dpo: true, fua: true }), '28 18 01 02 03 04 00 05 06 00'],
  ['READ(10) RDPROTECT=7 RARC GROUP=63', () => S.read10({ lba: 0, blocks: 0, rdprotect: 7, rarc: true, group: 63 }), '28 e4 00 00 00 00 3f 00 00 00'],
  ['READ(10) max LBA and length', () => S.read10({ lba: 0xffffffff, blocks: 0xffff }), '28 00 ff ff ff ff 00 ff ff 00'],
  ['READ(10) bigint LBA', () => S.read10({ lba: 100n, blocks: 8 }), '28 00 00 00 00 64 00 00 08 00'],
  ['READ(12) max', () => S.read12({ lba: 0xffffffff, blocks: 0xffffffff, fua: true }), 'a8 08 ff ff ff ff ff ff ff ff 00 00'],
  ['READ(12) GROUP CONTROL', () => S.read12({ lba: 1, blocks: 2, group: 5, control: 4 }), 'a8 00 00 00 00 01 00 00 00 02 05 04'],
  ['READ(16) max', () => S.read16({ lba: 0xffffffffffffffffn, blocks: 0xffffffff }), '88 00 ff ff ff ff ff ff ff ff ff ff ff ff 00 00'],
  [
    'READ(16) fields',
    () => S.read16({ lba: 0x0102030405060708n, blocks: 0x090a0b0c, dpo: true, rdprotect: 3, group: 0x11 }),
    '88 70 01 02 03 04 05 06 07 08 09 0a 0b 0c 11 00',
  ],
  ['WRITE(10) WRPROTECT=1 FUA', () => S.write10({ lba: 100, blocks: 8, wrprotect: 1, fua: true }), '2a 28 00 00 00 64 00 00 08 00'],
  ['WRITE(12) DPO', () => S.write12({ lba: 0x10, blocks: 0x20, dpo: true }), 'aa 10 00 00 00 10 00 00 00 20 00 00'],
  ['WRITE(16) FUA', () => S.write16({ lba: 2097151, blocks: 1, fua: true }), '8a 08 00 00 00 00 00 1f ff ff 00 00 00 01 00 00'],
  // VERIFY: byte 1 VRPROTECT 7-5, DPO 4, BYTCHK 2-1 (SBC-4 5.36)
  ['VERIFY(10) VRPROTECT=2 DPO BYTCHK=1', () => S.verify10({ lba: 5, blocks: 6, bytchk: 1, vrprotect: 2, dpo: true }), '2f 52 00 00 00 05 00 00 06 00'],
  ['VERIFY(10) BYTCHK=3', () => S.verify10({ lba: 0, blocks: 1, bytchk: 3 }), '2f 06 00 00 00 00 00 00 01 00'],
  ['VERIFY(12) BYTCHK=2', () => S.verify12({ lba: 1, blocks: 1, bytchk: 2 }), 'af 04 00 00 00 01 00 00 00 01 00 00'],
  ['VERIFY(16) GROUP', () => S.verify16({ lba: 0x100000000n, blocks: 0x10000, group: 1 }), '8f 00 00 00 00 01 00 00 00 00 00 01 00 00 01 00'],
  ['WRITE AND VERIFY(10)', () => S.writeVerify10({ lba: 7, blocks: 1, wrprotect: 5, bytchk: 1, dpo: true }), '2e b2 00 00 00 07 00 00 01 00'],
  ['WRITE AND VERIFY(12)', () => S.writeVerify12({ lba: 0, blocks: 1 }), 'ae 00 00 00 00 00 00 00 00 01 00 00'],
  [
    'WRITE AND VERIFY(16) BYTCHK=3',
    () => S.writeVerify16({ lba: 0x1122334455667788n, blocks: 3, bytchk: 3 }),
    '8e 06 11 22 33 44 55 66 77 88 00 00 00 03 00 00',
  ],
  // WRITE SAME: byte 1 WRPROTECT 7-5, ANCHOR 4, UNMAP 3, NDOB 0 (16 only)
  ['WRITE SAME(10) UNMAP ANCHOR', () => S.writeSame10({ lba: 0x20, blocks: 0x40, unmap: true, anchor: true, wrprotect: 1 }), '41 38 00 00 00 20 00 00 40 00'],
  ['WRITE SAME(16) UNMAP NDOB', () => S.writeSame16({ lba: 1, blocks: 0, unmap: true, ndob: true }), '93 09 00 00 00 00 00 00 00 01 00 00 00 00 00 00'],
  ['UNMAP ANCHOR GROUP=2', () => S.unmap({ anchor: true, group: 2, paramLen: 24 }), '42 01 00 00 00 00 02 00 18 00'],
  // COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS is byte 13 (SBC-4 5.3)
  ['COMPARE AND WRITE FUA', () => S.compareAndWrite({ lba: 0x1234, blocks: 1, fua: true }), '89 08 00 00 00 00 00 00 12 34 00 00 00 01 00 00'],
  ['COMPARE AND WRITE 255 blocks', () => S.compareAndWrite({ lba: 0, blocks: 255, group: 1 }), '89 00 00 00 00 00 00 00 00 00 00 00 00 ff 01 00'],
  ['ORWRITE(16) ORPROTECT=1 DPO', () => S.orWrite16({ lba: 9, blocks: 2, orprotect: 1, dpo: true }), '8b 30 00 00 00 00 00 00 00 09 00 00 00 02 00 00'],
  [
    'WRITE ATOMIC(16)',
    () => S.writeAtomic16({ lba: 0x100, blocks: 0xffff, atomicBoundary: 0x10, fua: true, group: 3 }),
    '9c 08 00 00 00 00 00 00 01 00 00 10 ff ff 03 00',
  ],
  ['PRE-FETCH(10) IMMED', () => S.preFetch10({ lba: 1, blocks: 2, immed: true }), '34 02 00 00 00 01 00 00 02 00'],
  ['PRE-FETCH(16)', () => S.preFetch16({ lba: 1, blocks: 2 }), '90 00 00 00 00 00 00 00 00 01 00 00 00 02 00 00'],
  ['SYNCHRONIZE CACHE(10) default', () => S.synchronizeCache10(), '35 00 00 00 00 00 00 00 00 00'],
  ['SYNCHRONIZE CACHE(10) IMMED range', () => S.synchronizeCache10({ immed: true, lba: 0x10, blocks: 0x20 }), '35 02 00 00 00 10 00 00 20 00'],
  ['SYNCHRONIZE CACHE(16) IMMED', () => S.synchronizeCache16({ immed: true }), '91 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00'],
  ['GET LBA STATUS', () => S.getLbaStatus({ lba: 0x1000, alloc: 24, reportType: 1 }), '9e 12 00 00 00 00 00 00 10 00 00 00 00 18 01 00'],
  ['GET LBA STATUS default alloc', () => S.getLbaStatus({ lba: 0 }), '9e 12 00 00 00 00 00 00 00 00 00 00 10 00 00 00'],
  // MODE SENSE(6): byte 1 DBD 3; byte 2 PC 7-6, PAGE CODE 5-0; byte 3 SUBPAGE; byte 4 ALLOCATION LENGTH
  ['MODE SENSE(6) all pages', () => S.modeSense6({ page: 0x3f }), '1a 00 3f 00 ff 00'],
  ['MODE SENSE(6) DBD PC=1 subpage', () => S.modeSense6({ dbd: true, pc: 1, page: 0x08, subpage: 0xff, alloc: 0x20 }), '1a 08 48 ff 20 00'],
  ['MODE SENSE(10) LLBAA DBD PC=3', () => S.modeSense10({ llbaa: true, dbd: true, pc: 3, page: 0x0a, alloc: 0x1234 }), '5a 18 ca 00 00 00 00 12 34 00'],
  ['MODE SENSE(10) default alloc', () => S.modeSense10({ page: 0x1c }), '5a 00 1c 00 00 00 00 10 00 00'],
  ['MODE SELECT(6) PF default', () => S.modeSelect6({ paramLen: 0x18 }), '15 10 00 00 18 00'],
  ['MODE SELECT(6) SP no PF', () => S.modeSelect6({ pf: false, sp: true, paramLen: 0x18 }), '15 01 00 00 18 00'],
  ['MODE SELECT(10) PF SP', () => S.modeSelect10({ sp: true, paramLen: 0x100 }), '55 11 00 00 00 00 00 01 00 00'],
  ['REPORT LUNS default', () => S.reportLuns(), 'a0 00 00 00 00 00 00 00 10 00 00 00'],
  ['REPORT LUNS SELECT=2 ALLOC=16', () => S.reportLuns({ select: 2, alloc: 16 }), 'a0 00 02 00 00 00 00 00 00 10 00 00'],
  ['RSOC all', () => S.reportSupportedOperationCodes(), 'a3 0c 00 00 00 00 00 00 20 00 00 00'],
  ['RSOC RCTD one opcode', () => S.reportSupportedOperationCodes({ rctd: true, op: 0x28 }), 'a3 0c 81 28 00 00 00 00 20 00 00 00'],
  ['RSOC opcode + SA', () => S.reportSupportedOperationCodes({ op: 0x9e, sa: 0x10, alloc: 512 }), 'a3 0c 02 9e 00 10 00 00 02 00 00 00'],
  ['RSOC explicit options', () => S.reportSupportedOperationCodes({ options: 3, op: 0x12, alloc: 0 }), 'a3 0c 03 12 00 00 00 00 00 00 00 00'],
  ['REPORT TARGET PORT GROUPS', () => S.reportTargetPortGroups(), 'a3 0a 00 00 00 00 00 00 10 00 00 00'],
  ['REPORT TARGET PORT GROUPS extended', () => S.reportTargetPortGroups({ extended: true, alloc: 0x40 }), 'a3 2a 00 00 00 00 00 00 00 40 00 00'],
  ['PERSISTENT RESERVE IN READ RESERVATION', () => S.persistentReserveIn({ sa: S.PrInSa.READ_RESERVATION, alloc: 0x100 }), '5e 01 00 00 00 00 00 01 00 00'],
  ['PERSISTENT RESERVE IN default alloc', () => S.persistentReserveIn({ sa: 0 }), '5e 00 00 00 00 00 00 10 00 00'],
  ['PERSISTENT RESERVE OUT REGISTER', () => S.persistentReserveOut({ sa: S.PrOutSa.REGISTER }), '5f 00 00 00 00 00 00 00 18 00'],
  [
    'PERSISTENT RESERVE OUT RESERVE WE_RO',
    () => S.persistentReserveOut({ sa: 1, type: S.PrType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY }),
    '5f 01 05 00 00 00 00 00 18 00',
  ],
  ['PERSISTENT RESERVE OUT long list', () => S.persistentReserveOut({ sa: 0, scope: 0xf, paramLen: 0x01020304 }), '5f 00 f0 00 00 01 02 03 04 00'],
  ['RESERVE(6)', () => S.reserve6(), '16 00 00 00 00 00'],
  ['RELEASE(6)', () => S.release6(), '17 00 00 00 00 00'],
  ['START STOP UNIT default starts', () => S.startStopUnit(), '1b 00 00 00 01 00'],
  [
    'START STOP UNIT all fields',
    () => S.startStopUnit({ immed: true, powerCondition: 3, powerConditionModifier: 1, noFlush: true, loej: true, start: false }),
    '1b 01 00 01 36 00',
  ],
  ['PREVENT ALLOW MEDIUM REMOVAL prevent', () => S.preventAllowMediumRemoval({ prevent: true }), '1e 00 00 00 01 00'],
  ['PREVENT ALLOW MEDIUM REMOVAL allow', () => S.preventAllowMediumRemoval({ prevent: false }), '1e 00 00 00 00 00'],
  ['PREVENT ALLOW MEDIUM REMOVAL 11b', () => S.preventAllowMediumRemoval({ prevent: 3 }), '1e 00 00 00 03 00'],
  ['SANITIZE OVERWRITE IMMED AUSE', () => S.sanitize({ sa: S.SanitizeSa.OVERWRITE, immed: true, ause: true, paramLen: 8 }), '48 a1 00 00 00 00 00 00 08 00'],
  ['SANITIZE EXIT FAILURE MODE', () => S.sanitize({ sa: S.SanitizeSa.EXIT_FAILURE_MODE }), '48 1f 00 00 00 00 00 00 00 00'],
  ['EXTENDED COPY(LID1)', () => S.extendedCopy({ paramLen: 0x40 }), '83 00 00 00 00 00 00 00 00 00 00 00 00 40 00 00'],
  ['RECEIVE COPY STATUS(LID1)', () => S.receiveCopyResults({ sa: 0, listId: 5, alloc: 0x60 }), '84 00 05 00 00 00 00 00 00 00 00 00 00 60 00 00'],
  ['RECEIVE COPY STATUS(LID4)', () => S.receiveCopyResults({ sa: 5, listId: 0x01020304, alloc: 0x100 }), '84 05 01 02 03 04 00 00 00 00 00 00 01 00 00 00'],
  [
    'RECEIVE COPY OPERATING PARAMETERS',
    () => S.receiveCopyResults({ sa: S.ReceiveCopySa.OPERATING_PARAMETERS, alloc: 44 }),
    '84 03 00 00 00 00 00 00 00 00 00 00 00 2c 00 00',
  ],
  ['READ DEFECT DATA(10)', () => S.readDefectData10({ reqPlist: true, reqGlist: true, format: 5, alloc: 4 }), '37 00 1d 00 00 00 00 00 04 00'],
  [
    'READ DEFECT DATA(12)',
    () => S.readDefectData12({ reqGlist: true, format: 4, addressDescriptorIndex: 0x10, alloc: 0x10000 }),
    'b7 0c 00 00 00 10 00 01 00 00 00 00',
  ],
];

/** [label, call, message pattern]: values that do not fit their fields. */
const REJECTS: [string, () => unknown, RegExp][] = [
  ['READ(6) LBA 22 bits', () => S.read6({ lba: 0x200000, blocks: 1 }), /READ\(6\): LBA 0x20_0000 does not fit 21 bits/],
  ['READ(6) 0 blocks', () => S.read6({ lba: 0, blocks: 0 }), /1\.\.256/],
  ['READ(6) 257 blocks', () => S.read6({ lba: 0, blocks: 257 }), /1\.\.256/],
  ['READ(6) DPO', () => S.read6({ lba: 0, blocks: 1, dpo: true }), /READ\(6\): the CDB has no DPO field/],
  ['WRITE(6) WRPROTECT', () => S.write6({ lba: 0, blocks: 1, wrprotect: 1 }), /no WRPROTECT/],
  ['READ(10) LBA 2^32', () => S.read10({ lba: 0x100000000, blocks: 1 }), /^READ\(10\): LBA 0x1_0000_0000 does not fit 32 bits$/],
  ['READ(10) 65536 blocks', () => S.read10({ lba: 0, blocks: 0x10000 }), /TRANSFER LENGTH 0x1_0000 does not fit 16 bits/],
  ['READ(10) RDPROTECT 8', () => S.read10({ lba: 0, blocks: 1, rdprotect: 8 }), /RDPROTECT 8 does not fit 3 bits/],
  ['READ(10) GROUP 64', () => S.read10({ lba: 0, blocks: 1, group: 64 }), /GROUP NUMBER/],
  ['READ(10) negative LBA', () => S.read10({ lba: -1, blocks: 1 }), /not an unsigned integer/],
  ['READ(10) fractional blocks', () => S.read10({ lba: 0, blocks: 1.5 }), /not an unsigned integer/],
  ['READ(16) unsafe number LBA', () => S.read16({ lba: 2 ** 60, blocks: 1 }), /pass a bigint/],
  ['READ(10) CONTROL 256', () => S.read10({ lba: 0, blocks: 1, control: 256 }), /CONTROL/],
  ['READ(12) 2^32 blocks', () => S.read12({ lba: 0, blocks: 2 ** 32 }), /does not fit 32 bits/],
  ['READ(16) LBA 2^64', () => S.read16({ lba: 1n << 64n, blocks: 1 }), /LBA 0x1_0000_0000_0000_0000 does not fit 64 bits/],
  ['READ(16) negative bigint LBA', () => S.read16({ lba: -1n, blocks: 1 }), /not an unsigned integer/],
  ['WRITE(16) 2^32 blocks', () => S.write16({ lba: 0, blocks: 2 ** 32 }), /TRANSFER LENGTH/],
  ['VERIFY(10) BYTCHK 4', () => S.verify10({ lba: 0, blocks: 1, bytchk: 4 }), /BYTCHK/],
  ['VERIFY(16) VRPROTECT 8', () => S.verify16({ lba: 0, blocks: 1, vrprotect: 8 }), /VRPROTECT/],
  ['WRITE AND VERIFY(10) LBA', () => S.writeVerify10({ lba: 2 ** 32, blocks: 1 }), /LBA/],
  ['WRITE SAME(10) NDOB', () => S.writeSame10({ lba: 0, blocks: 1, ndob: true }), /no NDOB/],
  ['WRITE SAME(10) 65536 blocks', () => S.writeSame10({ lba: 0, blocks: 0x10000 }), /NUMBER OF LOGICAL BLOCKS/],
  ['COMPARE AND WRITE 256 blocks', () => S.compareAndWrite({ lba: 0, blocks: 256 }), /NUMBER OF LOGICAL BLOCKS 256 does not fit 8 bits/],
  ['ORWRITE(16) BMOP', () => S.orWrite16({ lba: 0, blocks: 1, bmop: 1 }), /ORWRITE\(32\)/],
  ['ORWRITE(16) PGP', () => S.orWrite16({ lba: 0, blocks: 1, previousGenerationProcessing: 2 }), /ORWRITE\(32\)/],
  ['WRITE ATOMIC(16) 65536 blocks', () => S.writeAtomic16({ lba: 0, blocks: 0x10000 }), /TRANSFER LENGTH/],
  ['UNMAP paramLen', () => S.unmap({ paramLen: 0x10000 }), /PARAMETER LIST LENGTH/],
  ['INQUIRY page 256', () => S.inquiry({ page: 256 }), /PAGE CODE/],
  ['INQUIRY alloc 65536', () => S.inquiry({ alloc: 0x10000 }), /ALLOCATION LENGTH/],
  ['REQUEST SENSE alloc 256', () => S.requestSense({ alloc: 256 }), /ALLOCATION LENGTH/],
  ['MODE SENSE(6) page 40h', () => S.modeSense6({ page: 0x40 }), /PAGE CODE/],
  ['MODE SENSE(6) PC 4', () => S.modeSense6({ page: 0, pc: 4 }), /PC/],
  ['MODE SENSE(6) alloc 256', () => S.modeSense6({ page: 0, alloc: 256 }), /ALLOCATION LENGTH/],
  ['MODE SELECT(6) paramLen 256', () => S.modeSelect6({ paramLen: 256 }), /PARAMETER LIST LENGTH/],
  ['RSOC options 8', () => S.reportSupportedOperationCodes({ options: 8 }), /REPORTING OPTIONS/],
  ['RSOC SA 65536', () => S.reportSupportedOperationCodes({ op: 0x9e, sa: 0x10000 }), /REQUESTED SERVICE ACTION/],
  ['PR IN SA 32', () => S.persistentReserveIn({ sa: 32 }), /SERVICE ACTION/],
  ['PR OUT TYPE 16', () => S.persistentReserveOut({ sa: 1, type: 16 }), /TYPE/],
  ['START STOP UNIT POWER CONDITION 16', () => S.startStopUnit({ powerCondition: 16 }), /POWER CONDITION/],
  ['PREVENT 4', () => S.preventAllowMediumRemoval({ prevent: 4 }), /PREVENT/],
  ['SANITIZE SA 20h', () => S.sanitize({ sa: 0x20 }), /SERVICE ACTION/],
  ['SANITIZE overwrite count 32', () => S.sanitizeOverwriteParameterList({ count: 32, pattern: zeros(4) }), /OVERWRITE COUNT/],
  ['EXTENDED COPY listIdentifier', () => S.extendedCopy({ paramLen: 16, listIdentifier: 1 }), /parameter list/],
  ['RECEIVE COPY listId on OPERATING PARAMETERS', () => S.receiveCopyResults({ sa: 3, listId: 1, alloc: 4 }), /LIST IDENTIFIER/],
  ['RECEIVE COPY LID1 listId 256', () => S.receiveCopyResults({ sa: 0, listId: 256, alloc: 4 }), /LIST IDENTIFIER/],
  ['READ DEFECT DATA(10) format 8', () => S.readDefectData10({ format: 8, alloc: 4 }), /DEFECT LIST FORMAT/],
  ['GET LBA STATUS report type 256', () => S.getLbaStatus({ lba: 0, reportType: 256 }), /REPORT TYPE/],
  ['PR OUT key 2^64', () => S.proutParameterList({ key: 1n << 64n, saKey: 0 }), /RESERVATION KEY/],
];

describe('scsi/cdb builders', () => {
  for (const [label, build, hex] of ROWS) {
    it(label, () => assertBytes(build(), h(hex)));
  }

  it('every builder returns a fresh buffer of cdbLength(opcode) bytes', () => {
    for (const [label, build] of ROWS) {
      const a = build();
      const b = build();
      assert.equal(a.length, S.cdbLength(a[0]!), label);
      assert.notEqual(a, b);
      a[1] = 0xee;
      assert.notEqual(b[1], 0xee, `${label}: buffers shared`);
    }
  });

  for (const [label, call, re] of REJECTS) {
    it(`rejects ${label}`, () => assertThrowsCode(call, 'E_RANGE', re));
  }
});

describe('scsi/cdb parameter lists', () => {
  it('UNMAP parameter list (SBC-4 5.35.2)', () => {
    const got = S.unmapParameterList([
      { lba: 0x10, blocks: 8 },
      { lba: 0x100000000n, blocks: 0xffffffff },
    ]);
    assertBytes(
      got,
      h(`00 26 00 20 00 00 00 00
         00 00 00 00 00 00 00 10 00 00 00 08 00 00 00 00
         00 00 00 01 00 00 00 00 ff ff ff ff 00 00 00 00`),
    );
    assertBytes(S.unmapParameterList([]), h('00 06 00 00 00 00 00 00'));
  });

  it('UNMAP parameter list rejects a list whose length does not fit', () => {
    const many = Array.from({ length: 4096 }, () => ({ lba: 0, blocks: 1 }));
    assertThrowsCode(() => S.unmapParameterList(many), 'E_RANGE', /UNMAP DATA LENGTH/);
    assert.equal(S.unmapParameterList(many.slice(1)).length, 8 + 16 * 4095);
  });

  it('PERSISTENT RESERVE OUT basic parameter list (SPC-5 6.17)', () => {
    const got = S.proutParameterList({ key: 0x0102030405060708n, saKey: 0xa1a2a3a4a5a6a7a8n, aptpl: true, allTgPt: true });
    assertBytes(got, h('01 02 03 04 05 06 07 08 a1 a2 a3 a4 a5 a6 a7 a8 00 00 00 00 05 00 00 00'));
    assertBytes(S.proutParameterList({ key: 0, saKey: 7 }), h('00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 00'));
  });

  it('PERSISTENT RESERVE OUT parameter list with SPEC_I_PT and TransportIDs', () => {
    const tid = Buffer.concat([h('05 00 00 14'), ascii('iqn.x'), zeros(15)]);
    const got = S.proutParameterList({ key: 1, saKey: 2, spec_i_pt: true, transportIds: [tid, tid] });
    assertBytes(got, Buffer.concat([h('00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02 00 00 00 00 08 00 00 00 00 00 00 30'), tid, tid]));
    // SPEC_I_PT without a list, on purpose (a negative test sends exactly this)
    assert.equal(S.proutParameterList({ key: 1, saKey: 2, spec_i_pt: true }).length, 24);
  });

  it('REGISTER AND MOVE parameter list (SPC-5 6.17)', () => {
    const tid = Buffer.concat([h('05 00 00 14'), ascii('iqn.x'), zeros(15)]);
    const got = S.proutRegisterAndMoveParameterList({ key: 1, saKey: 2, unreg: true, aptpl: true, relativeTargetPortId: 2, transportId: tid });
    assertBytes(got, Buffer.concat([h('00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02 00 03 00 02 00 00 00 18'), tid]));
  });

  it('SANITIZE OVERWRITE parameter list (SBC-4 5.30)', () => {
    const got = S.sanitizeOverwriteParameterList({ invert: true, testPattern: 2, count: 3, pattern: h('aa bb cc dd') });
    assertBytes(got, h('c3 00 00 04 aa bb cc dd'));
    assertBytes(S.sanitizeOverwriteParameterList({ count: 1, pattern: h('00') }), h('01 00 00 01 00'));
  });

  it('EXTENDED COPY (LID1) parameter list header (SPC-4 6.4.3.1)', () => {
    const cscd = Buffer.alloc(32, 0xe4);
    const seg = Buffer.alloc(28, 0x02);
    const got = S.extendedCopyParameterList({
      listIdentifier: 7,
      str: true,
      listIdUsage: 1,
      priority: 2,
      cscdDescriptors: [cscd],
      segmentDescriptors: [seg],
      inlineData: h('01 02 03 04'),
    });
    assertBytes(got, Buffer.concat([h('07 2a 00 20 00 00 00 00 00 00 00 1c 00 00 00 04'), cscd, seg, h('01 02 03 04')]));
  });
});

describe('scsi/cdb describeCdb', () => {
  const rows: [string, Buffer, string][] = [
    ['READ(10)', S.read10({ lba: 100, blocks: 8 }), 'READ(10) LBA=100 LEN=8'],
    ['WRITE(16) FUA', S.write16({ lba: 2097151, blocks: 1, fua: true }), 'WRITE(16) LBA=2097151 LEN=1 FUA'],
    ['INQUIRY EVPD', S.inquiry({ evpd: true, page: 0xb0 }), 'INQUIRY EVPD PAGE=0xb0 ALLOC=255'],
    ['INQUIRY standard', S.inquiry(), 'INQUIRY ALLOC=255'],
    ['INQUIRY page without EVPD', S.inquiry({ page: 0x80 }), 'INQUIRY PAGE=0x80 ALLOC=255'],
    ['MODE SENSE(6)', S.modeSense6({ page: 0x3f }), 'MODE SENSE(6) PAGE=0x3f ALLOC=255'],
    ['MODE SENSE(10)', S.modeSense10({ llbaa: true, pc: 1, page: 0x08, subpage: 1, alloc: 64 }), 'MODE SENSE(10) LLBAA PC=1 PAGE=0x08 SUBPAGE=0x01 ALLOC=64'],
    ['MODE SELECT(10)', S.modeSelect10({ sp: true, paramLen: 28 }), 'MODE SELECT(10) PF SP LEN=28'],
    ['READ(6) 256', S.read6({ lba: 7, blocks: 256 }), 'READ(6) LBA=7 LEN=256'],
    [
      'READ(16) all flags',
      S.read16({ lba: 1n, blocks: 2, rdprotect: 2, dpo: true, fua: true, rarc: true, group: 9 }),
      'READ(16) LBA=1 LEN=2 RDPROTECT=2 DPO FUA RARC GROUP=9',
    ],
    [
      'WRITE(10) control',
      S.write10({ lba: 1, blocks: 2, wrprotect: 1, dpo: true, fua: true, group: 3, control: 4 }),
      'WRITE(10) LBA=1 LEN=2 WRPROTECT=1 DPO FUA GROUP=3 CONTROL=0x04',
    ],
    ['VERIFY(12)', S.verify12({ lba: 3, blocks: 4, bytchk: 1 }), 'VERIFY(12) LBA=3 LEN=4 BYTCHK=1'],
    ['WRITE SAME(16)', S.writeSame16({ lba: 0, blocks: 0, unmap: true, anchor: true, ndob: true }), 'WRITE SAME(16) LBA=0 LEN=0 ANCHOR UNMAP NDOB'],
    ['COMPARE AND WRITE', S.compareAndWrite({ lba: 5, blocks: 1, fua: true }), 'COMPARE AND WRITE LBA=5 LEN=1 FUA'],
    ['WRITE ATOMIC(16)', S.writeAtomic16({ lba: 5, blocks: 2, atomicBoundary: 4 }), 'WRITE ATOMIC(16) LBA=5 LEN=2 BOUNDARY=4'],
    ['SYNCHRONIZE CACHE(10)', S.synchronizeCache10({ immed: true }), 'SYNCHRONIZE CACHE(10) LBA=0 LEN=0 IMMED'],
    ['READ CAPACITY(10)', S.readCapacity10(), 'READ CAPACITY(10)'],
    ['READ CAPACITY(16)', S.readCapacity16(), 'READ CAPACITY(16) ALLOC=32'],
    ['GET LBA STATUS', S.getLbaStatus({ lba: 0x1000, alloc: 24, reportType: 1 }), 'GET LBA STATUS LBA=4096 ALLOC=24 REPORT_TYPE=1'],
    ['RSOC', S.reportSupportedOperationCodes({ rctd: true, op: 0x28 }), 'REPORT SUPPORTED OPERATION CODES RCTD OPTIONS=1 OP=0x28 ALLOC=8192'],
    [
      'RSOC with SA',
      S.reportSupportedOperationCodes({ op: 0x9e, sa: 0x10, alloc: 512 }),
      'REPORT SUPPORTED OPERATION CODES OPTIONS=2 OP=0x9e SA=0x10 ALLOC=512',
    ],
    ['RTPG', S.reportTargetPortGroups(), 'REPORT TARGET PORT GROUPS ALLOC=4096'],
    ['PR IN', S.persistentReserveIn({ sa: 0, alloc: 8 }), 'PERSISTENT RESERVE IN READ KEYS ALLOC=8'],
    ['PR OUT', S.persistentReserveOut({ sa: 0 }), 'PERSISTENT RESERVE OUT REGISTER SCOPE=0 TYPE=0 LEN=24'],
    ['REPORT LUNS', S.reportLuns({ select: 2, alloc: 16 }), 'REPORT LUNS SELECT=2 ALLOC=16'],
    ['START STOP UNIT', S.startStopUnit({ immed: true, loej: true, start: false }), 'START STOP UNIT IMMED LOEJ'],
    ['PREVENT ALLOW MEDIUM REMOVAL', S.preventAllowMediumRemoval({ prevent: true }), 'PREVENT ALLOW MEDIUM REMOVAL PREVENT=1'],
    ['SANITIZE', S.sanitize({ sa: 1, immed: true, paramLen: 8 }), 'SANITIZE OVERWRITE IMMED LEN=8'],
    ['UNMAP', S.unmap({ anchor: true, paramLen: 24 }), 'UNMAP ANCHOR LEN=24'],
    ['EXTENDED COPY', S.extendedCopy({ paramLen: 64 }), 'EXTENDED COPY(LID1) LEN=64'],
    ['RECEIVE COPY RESULTS', S.receiveCopyResults({ sa: 0, listId: 5, alloc: 96 }), 'RECEIVE COPY STATUS(LID1) LIST_ID=5 ALLOC=96'],
    ['READ DEFECT DATA(10)', S.readDefectData10({ reqGlist: true, format: 5, alloc: 4 }), 'READ DEFECT DATA(10) GLIST FORMAT=5 ALLOC=4'],
    ['TEST UNIT READY', S.testUnitReady(), 'TEST UNIT READY'],
    ['unknown opcode', h('c0 00 00 00 00 00'), 'OPCODE 0xc0 [c0 00 00 00 00 00]'],
    ['unknown MAINTENANCE IN SA', h('a3 1f 00 00 00 00 00 00 00 00 00 00'), 'MAINTENANCE IN SA 0x1f ALLOC=0'],
    ['short CDB', h('28 00'), 'READ(10) [28 00] (short CDB)'],
    ['variable length CDB', h('7f 00 00 00 00 00 00 18'), 'VARIABLE LENGTH [7f 00 00 00 00 00 00 18]'],
    ['empty', Buffer.alloc(0), 'EMPTY CDB'],
  ];
  for (const [label, cdb, text] of rows) {
    it(label, () => assert.equal(S.describeCdb(cdb), text));
  }

  it('names every built CDB by its opcode, never as unknown or short', () => {
    for (const [label, build] of ROWS) {
      const d = S.describeCdb(build());
      assert.doesNotMatch(d, /OPCODE|short CDB/, `${label}: ${d}`);
    }
  });
});
