import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { assertBytes, assertThrowsCode, everyPrefix, h } from './helpers.js';

/** The values the project's contract fixes for each named ASC/ASCQ (SPC-5 table 53). */
const ASC_VALUES: Record<string, number> = {
  NO_ADDITIONAL_SENSE: 0x0000,
  LOGICAL_UNIT_NOT_READY_CAUSE_NOT_REPORTABLE: 0x0400,
  LUN_NOT_READY_BECOMING_READY: 0x0401,
  LUN_NOT_READY_INIT_CMD_REQUIRED: 0x0402,
  LUN_NOT_READY_MANUAL_INTERVENTION: 0x0403,
  LUN_NOT_READY_FORMAT_IN_PROGRESS: 0x0404,
  LUN_NOT_READY_SANITIZE_IN_PROGRESS: 0x041b,
  WRITE_ERROR: 0x0c00,
  UNRECOVERED_READ_ERROR: 0x1100,
  MISCOMPARE_DURING_VERIFY: 0x1d00,
  PARAMETER_LIST_LENGTH_ERROR: 0x1a00,
  INVALID_COMMAND_OPERATION_CODE: 0x2000,
  LBA_OUT_OF_RANGE: 0x2100,
  INVALID_FIELD_IN_CDB: 0x2400,
  LOGICAL_UNIT_NOT_SUPPORTED: 0x2500,
  INVALID_FIELD_IN_PARAMETER_LIST: 0x2600,
  PARAMETER_NOT_SUPPORTED: 0x2601,
  PARAMETER_VALUE_INVALID: 0x2602,
  TOO_MANY_TARGET_DESCRIPTORS: 0x2606,
  UNSUPPORTED_TARGET_DESCRIPTOR_TYPE_CODE: 0x2607,
  TOO_MANY_SEGMENT_DESCRIPTORS: 0x2608,
  UNSUPPORTED_SEGMENT_DESCRIPTOR_TYPE_CODE: 0x2609,
  WRITE_PROTECTED: 0x2700,
  HARDWARE_WRITE_PROTECTED: 0x2701,
  SOFTWARE_WRITE_PROTECTED: 0x2702,
  NOT_READY_TO_READY_CHANGE: 0x2800,
  POWER_ON_RESET_OR_BUS_DEVICE_RESET: 0x2900,
  POWER_ON_OCCURRED: 0x2901,
  SCSI_BUS_RESET_OCCURRED: 0x2902,
  BUS_DEVICE_RESET_FUNCTION_OCCURRED: 0x2903,
  DEVICE_INTERNAL_RESET: 0x2904,
  I_T_NEXUS_LOSS_OCCURRED: 0x2907,
  PARAMETERS_CHANGED: 0x2a00,
  MODE_PARAMETERS_CHANGED: 0x2a01,
  RESERVATIONS_PREEMPTED: 0x2a03,
  RESERVATIONS_RELEASED: 0x2a04,
  REGISTRATIONS_PREEMPTED: 0x2a05,
  CAPACITY_DATA_HAS_CHANGED: 0x2a09,
  COMMANDS_CLEARED_BY_ANOTHER_INITIATOR: 0x2f00,
  COMMANDS_CLEARED_BY_DEVICE_SERVER: 0x2f02,
  MEDIUM_NOT_PRESENT: 0x3a00,
  MEDIUM_NOT_PRESENT_TRAY_CLOSED: 0x3a01,
  MEDIUM_NOT_PRESENT_TRAY_OPEN: 0x3a02,
  REPORTED_LUNS_DATA_HAS_CHANGED: 0x3f0e,
  INQUIRY_DATA_HAS_CHANGED: 0x3f03,
  INVALID_MESSAGE_ERROR: 0x4900,
  OVERLAPPED_COMMANDS_ATTEMPTED: 0x4e00,
  MEDIUM_REMOVAL_PREVENTED: 0x5302,
  INVALID_FIELD_IN_INFORMATION_UNIT: 0x0e03,
  DATA_PHASE_ERROR: 0x4b00,
  INITIATOR_RESPONSE_TIMEOUT: 0x4b06,
  COPY_TARGET_DEVICE_NOT_REACHABLE: 0x0d02,
  UNREACHABLE_COPY_TARGET: 0x0804,
  LOGICAL_BLOCK_REFERENCE_TAG_CHECK_FAILED: 0x1003,
  SAVING_PARAMETERS_NOT_SUPPORTED: 0x3900,
  INSUFFICIENT_REGISTRATION_RESOURCES: 0x5504,
  MEDIUM_LOAD_OR_EJECT_FAILED: 0x5300,
};

describe('scsi/sense names', () => {
  it('has every sense key of SPC-5 table 52 with its value', () => {
    assert.deepEqual(S.SenseKey, {
      NO_SENSE: 0,
      RECOVERED_ERROR: 1,
      NOT_READY: 2,
      MEDIUM_ERROR: 3,
      HARDWARE_ERROR: 4,
      ILLEGAL_REQUEST: 5,
      UNIT_ATTENTION: 6,
      DATA_PROTECT: 7,
      BLANK_CHECK: 8,
      VENDOR_SPECIFIC: 9,
      COPY_ABORTED: 0xa,
      ABORTED_COMMAND: 0xb,
      VOLUME_OVERFLOW: 0xd,
      MISCOMPARE: 0xe,
      COMPLETED: 0xf,
    });
  });

  it('names sense keys', () => {
    assert.equal(S.senseKeyName(5), 'ILLEGAL REQUEST');
    assert.equal(S.senseKeyName(6), 'UNIT ATTENTION');
    assert.equal(S.senseKeyName(0xb), 'ABORTED COMMAND');
    assert.equal(S.senseKeyName(0xf), 'COMPLETED');
    assert.equal(S.senseKeyName(0x10), 'SENSE KEY 0x10');
    const names = Array.from({ length: 16 }, (_, k) => S.senseKeyName(k));
    assert.equal(new Set(names).size, 16);
  });

  it('has the contracted value for each named ASC/ASCQ', () => {
    for (const [name, v] of Object.entries(ASC_VALUES)) {
      assert.equal((S.Asc as Record<string, number>)[name], v, name);
    }
  });

  it('has an SPC-5 Annex F name for every Asc constant', () => {
    for (const [name, v] of Object.entries(S.Asc)) {
      assert.doesNotMatch(S.ascName(v), /^ASC 0x/, name);
      assert.equal(S.ascName(v), S.ascName(v).toUpperCase(), `${name} not upper case`);
    }
  });

  it('names ASC/ASCQ pairs', () => {
    assert.equal(S.ascName(0x2100), 'LOGICAL BLOCK ADDRESS OUT OF RANGE');
    assert.equal(S.ascName(0x2400), 'INVALID FIELD IN CDB');
    assert.equal(S.ascName(0x2900), 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED');
    assert.equal(S.ascName(0x3a02), 'MEDIUM NOT PRESENT - TRAY OPEN');
    assert.equal(S.ascName(0x0e03), 'INVALID FIELD IN COMMAND INFORMATION UNIT');
    assert.equal(S.ascName(0x8001), 'ASC 0x80 ASCQ 0x01');
    assert.equal(S.ascName(0x0000), 'NO ADDITIONAL SENSE INFORMATION');
  });

  it('describes sense as KEY/ASC with short names', () => {
    assert.equal(S.describeSense({ key: 5, ascAscq: 0x2100 }), 'ILLEGAL REQUEST/LBA OUT OF RANGE');
    assert.equal(S.describeSense({ key: 5, ascAscq: 0x2400 }), 'ILLEGAL REQUEST/INVALID FIELD IN CDB');
    assert.equal(S.describeSense({ key: 6, ascAscq: 0x2901 }), 'UNIT ATTENTION/POWER ON OCCURRED');
    assert.equal(S.describeSense({ key: 0xe, ascAscq: 0x1d00 }), 'MISCOMPARE/MISCOMPARE DURING VERIFY');
    assert.equal(S.describeSense({ key: 2, ascAscq: 0x04ff }), 'NOT READY/ASC 0x04 ASCQ 0xff');
  });
});

describe('scsi/sense fixed format (SPC-5)', () => {
  // VALID, 70h; ILLEGAL REQUEST; INFORMATION 12345678h; ADDITIONAL SENSE LENGTH 0Ah; INVALID FIELD IN CDB;
  // SKSV, C/D, BPV, BIT POINTER 4, FIELD POINTER 2
  const fieldPtr = h('f0 00 05 12 34 56 78 0a 00 00 00 00 24 00 00 cc 00 02');

  it('decodes information and a field pointer with C/D and BPV', () => {
    const s = S.decodeSense(fieldPtr);
    assert.equal(s.format, 'fixed');
    assert.equal(s.responseCode, 0x70);
    assert.equal(s.current, true);
    assert.equal(s.key, S.SenseKey.ILLEGAL_REQUEST);
    assert.equal(s.asc, 0x24);
    assert.equal(s.ascq, 0);
    assert.equal(s.ascAscq, S.Asc.INVALID_FIELD_IN_CDB);
    assert.equal(s.information, 0x12345678n);
    assert.equal(s.commandSpecific, 0n);
    assert.deepEqual(s.senseKeySpecific, { sksv: true, raw: 0xcc0002, field: { cd: true, bpv: true, bitPointer: 4, fieldPointer: 2 } });
    assert.equal(s.ili, false);
    assert.equal(s.truncated, undefined);
  });

  it('encodes the same bytes', () => {
    const got = S.encodeFixedSense({ key: 5, ascAscq: 0x2400, information: 0x12345678, fieldPointer: { cd: true, bitPointer: 4, fieldPointer: 2 } });
    assertBytes(got, fieldPtr);
  });

  it('decodes a deferred NOT READY with progress indication', () => {
    const b = h('71 00 02 00 00 00 00 0a 00 00 00 00 04 04 00 80 80 00');
    const s = S.decodeSense(b);
    assert.equal(s.current, false);
    assert.equal(s.information, undefined, 'VALID clear: no information');
    assert.equal(s.senseKeySpecific?.progress, 0x8000);
    assert.equal(s.senseKeySpecific?.field, undefined);
    assertBytes(S.encodeFixedSense({ key: 2, ascAscq: S.Asc.LUN_NOT_READY_FORMAT_IN_PROGRESS, progress: 0x8000, current: false }), b);
  });

  it('decodes FILEMARK, EOM, ILI, command-specific information and FRU', () => {
    const s = S.decodeSense(h('70 00 e8 00 00 00 00 0a de ad be ef 00 00 7f 00 00 00'));
    assert.equal(s.key, S.SenseKey.BLANK_CHECK);
    assert.deepEqual([s.fileMark, s.eom, s.ili], [true, true, true]);
    assert.equal(s.commandSpecific, 0xdeadbeefn);
    assert.equal(s.fru, 0x7f);
    assert.equal(s.senseKeySpecific?.sksv, false);
    assert.equal(s.senseKeySpecific?.field, undefined);
  });

  it('encodes ILI, EOM, FILEMARK, a field pointer without BPV and raw sense key specific bytes', () => {
    assertBytes(S.encodeFixedSense({ key: 3, ascAscq: 0x1100, ili: true }), h('70 00 23 00 00 00 00 0a 00 00 00 00 11 00 00 00 00 00'));
    assertBytes(S.encodeFixedSense({ key: 8, ascAscq: 0, fileMark: true, eom: true }), h('70 00 c8 00 00 00 00 0a 00 00 00 00 00 00 00 00 00 00'));
    assertBytes(
      S.encodeFixedSense({ key: 5, ascAscq: 0x2600, fieldPointer: { cd: false, fieldPointer: 0x1234 } }),
      h('70 00 05 00 00 00 00 0a 00 00 00 00 26 00 00 80 12 34'),
    );
    assertBytes(
      S.encodeFixedSense({ key: 0xa, ascAscq: 0x0d02, sksRaw: 0x800010, commandSpecific: 1 }),
      h('70 00 0a 00 00 00 00 0a 00 00 00 01 0d 02 00 80 00 10'),
    );
  });

  it('accepts short but complete-enough data and flags truncation', () => {
    const s = S.decodeSense(fieldPtr.subarray(0, 14));
    assert.equal(s.truncated, true);
    assert.equal(s.ascAscq, 0x2400);
    assert.equal(s.senseKeySpecific, undefined);
    everyPrefix(fieldPtr, S.decodeSense);
  });

  it('honours a short ADDITIONAL SENSE LENGTH', () => {
    const s = S.decodeSense(h('70 00 06 00 00 00 00 06 00 00 00 00 29 00 ff ff ff ff'));
    assert.equal(s.ascAscq, 0x2900);
    assert.equal(s.senseKeySpecific, undefined, 'bytes past ADDITIONAL SENSE LENGTH are ignored');
    assert.equal(s.fru, undefined);
  });

  it('rejects values that do not fit', () => {
    assertThrowsCode(() => S.encodeFixedSense({ key: 16, ascAscq: 0 }), 'E_RANGE', /SENSE KEY/);
    assertThrowsCode(() => S.encodeFixedSense({ key: 5, ascAscq: 0x10000 }), 'E_RANGE', /ASC\/ASCQ/);
    assertThrowsCode(() => S.encodeFixedSense({ key: 5, ascAscq: 0, information: 0x100000000 }), 'E_RANGE', /INFORMATION 0x1_0000_0000 does not fit 32 bits/);
    assertThrowsCode(() => S.encodeFixedSense({ key: 5, ascAscq: 0, fieldPointer: { cd: true, fieldPointer: 1 }, progress: 1 }), 'E_RANGE', /only one/);
    assertThrowsCode(() => S.encodeFixedSense({ key: 5, ascAscq: 0, fieldPointer: { cd: true, bitPointer: 8, fieldPointer: 1 } }), 'E_RANGE', /BIT POINTER/);
    assertThrowsCode(() => S.encodeFixedSense({ key: 2, ascAscq: 0, progress: 0x10000 }), 'E_RANGE', /PROGRESS/);
    assertThrowsCode(() => S.encodeFixedSense({ key: 2, ascAscq: 0, descriptors: [{ type: 0x80, data: h('00') }] }), 'E_RANGE', /descriptor format/);
  });
});

describe('scsi/sense descriptor format (SPC-5)', () => {
  // ILLEGAL REQUEST, LBA OUT OF RANGE; information descriptor (VALID, 1_0000_0000h); sense key specific
  // descriptor: SKSV, C/D, FIELD POINTER 2
  const lba = h(`72 05 21 00 00 00 00 14
                 00 0a 80 00 00 00 00 01 00 00 00 00
                 02 06 00 00 c0 00 02 00`);

  it('decodes information and sense key specific descriptors', () => {
    const s = S.decodeSense(lba);
    assert.equal(s.format, 'descriptor');
    assert.equal(s.responseCode, 0x72);
    assert.equal(s.current, true);
    assert.equal(s.key, 5);
    assert.equal(s.ascAscq, S.Asc.LBA_OUT_OF_RANGE);
    assert.equal(s.information, 0x100000000n);
    assert.deepEqual(s.senseKeySpecific?.field, { cd: true, bpv: false, bitPointer: 0, fieldPointer: 2 });
    assert.equal(s.descriptors?.length, 2);
    assert.equal(s.descriptors?.[0]?.type, 0);
    assert.equal(S.describeSense(s), 'ILLEGAL REQUEST/LBA OUT OF RANGE');
  });

  it('encodes the same bytes, with a 64-bit INFORMATION', () => {
    assertBytes(S.encodeDescriptorSense({ key: 5, ascAscq: 0x2100, information: 0x100000000n, fieldPointer: { cd: true, fieldPointer: 2 } }), lba);
    const big = S.decodeSense(S.encodeDescriptorSense({ key: 3, ascAscq: 0x1100, information: 0xfedcba9876543210n }));
    assert.equal(big.information, 0xfedcba9876543210n);
  });

  it('decodes command-specific information and the block commands ILI', () => {
    const b = h('72 03 11 00 00 00 00 10  01 0a 00 00 00 00 00 00 00 00 00 2a  05 02 00 20');
    const s = S.decodeSense(b);
    assert.equal(s.commandSpecific, 42n);
    assert.equal(s.ili, true);
    assert.equal(s.information, undefined);
    assertBytes(S.encodeDescriptorSense({ key: 3, ascAscq: 0x1100, commandSpecific: 42, ili: true }), b);
  });

  it('decodes a deferred error with progress and the stream commands descriptor', () => {
    const b = h('73 02 04 04 00 00 00 0c  02 06 00 00 80 40 00 00  04 02 00 c0');
    const s = S.decodeSense(b);
    assert.equal(s.current, false);
    assert.equal(s.senseKeySpecific?.progress, 0x4000);
    assert.deepEqual([s.fileMark, s.eom, s.ili], [true, true, false]);
    assertBytes(S.encodeDescriptorSense({ key: 2, ascAscq: 0x0404, progress: 0x4000, current: false, fileMark: true, eom: true }), b);
  });

  it('keeps unknown descriptors and encodes extra ones', () => {
    const b = h('72 06 29 00 00 00 00 06 80 04 de ad be ef');
    const s = S.decodeSense(b);
    assert.deepEqual(s.descriptors, [{ type: 0x80, data: h('de ad be ef') }]);
    assertBytes(S.encodeDescriptorSense({ key: 6, ascAscq: 0x2900, descriptors: [{ type: 0x80, data: h('de ad be ef') }] }), b);
    assertBytes(S.encodeDescriptorSense({ key: 6, ascAscq: 0x2900 }), h('72 06 29 00 00 00 00 00'));
  });

  it('ignores an information descriptor without VALID', () => {
    const s = S.decodeSense(h('72 05 24 00 00 00 00 0c 00 0a 00 00 00 00 00 00 00 00 00 09'));
    assert.equal(s.information, undefined);
  });

  it('flags truncation at every cut', () => {
    everyPrefix(lba, S.decodeSense);
    const s = S.decodeSense(lba.subarray(0, 20));
    assert.equal(s.truncated, true);
    assert.equal(s.information, 0x100000000n);
    assert.equal(s.senseKeySpecific, undefined);
  });

  it('rejects inconsistent data', () => {
    assertThrowsCode(() => S.decodeSense(h('72 05 24 00 00 00 00 04 00 0a 00 00')), 'SCSI_E_DECODE', /overruns ADDITIONAL SENSE LENGTH/);
    assertThrowsCode(() => S.decodeSense(h('72 05 24 00 00 00 00 04 00 02 80 00')), 'SCSI_E_DECODE', /length 2, need 10/);
    assertThrowsCode(() => S.decodeSense(h('72 05 24 00 00 00 00 03 05 01 00')), 'SCSI_E_DECODE', /need 2/);
  });

  it('rejects values that do not fit', () => {
    assertThrowsCode(() => S.encodeDescriptorSense({ key: 5, ascAscq: 0, information: 1n << 64n }), 'E_RANGE', /INFORMATION/);
    assertThrowsCode(() => S.encodeDescriptorSense({ key: 5, ascAscq: 0, descriptors: [{ type: 0x80, data: Buffer.alloc(256) }] }), 'E_RANGE', /255/);
    const many = Array.from({ length: 3 }, () => ({ type: 0x80, data: Buffer.alloc(100) }));
    assertThrowsCode(() => S.encodeDescriptorSense({ key: 5, ascAscq: 0, descriptors: many }), 'E_RANGE', /ADDITIONAL SENSE LENGTH/);
  });
});

describe('scsi/sense decodeSense errors', () => {
  it('rejects empty, short and unknown data', () => {
    assertThrowsCode(() => S.decodeSense(Buffer.alloc(0)), 'SCSI_E_DECODE', /empty/);
    assertThrowsCode(() => S.decodeSense(h('70 00 05')), 'SCSI_E_DECODE', /need at least 14/);
    assertThrowsCode(() => S.decodeSense(h('72 05 24')), 'SCSI_E_DECODE', /need at least 8/);
    assertThrowsCode(() => S.decodeSense(h('7f 00 00 00 00 00 00 00 00 00 00 00 00 00')), 'SCSI_E_DECODE', /RESPONSE CODE 0x7f/);
    assertThrowsCode(() => S.decodeSense(h('00 02 00 00')), 'SCSI_E_DECODE', /RESPONSE CODE 0x00/);
  });
});
