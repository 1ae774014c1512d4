import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';

describe('scsi/opcodes', () => {
  it('has the contracted operation codes', () => {
    const expected: Record<string, number> = {
      TEST_UNIT_READY: 0x00,
      REQUEST_SENSE: 0x03,
      READ_6: 0x08,
      WRITE_6: 0x0a,
      INQUIRY: 0x12,
      MODE_SELECT_6: 0x15,
      RESERVE_6: 0x16,
      RELEASE_6: 0x17,
      MODE_SENSE_6: 0x1a,
      START_STOP_UNIT: 0x1b,
      PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
      READ_CAPACITY_10: 0x25,
      READ_10: 0x28,
      WRITE_10: 0x2a,
      WRITE_AND_VERIFY_10: 0x2e,
      VERIFY_10: 0x2f,
      PRE_FETCH_10: 0x34,
      SYNCHRONIZE_CACHE_10: 0x35,
      READ_DEFECT_DATA_10: 0x37,
      WRITE_SAME_10: 0x41,
      UNMAP: 0x42,
      SANITIZE: 0x48,
      MODE_SELECT_10: 0x55,
      MODE_SENSE_10: 0x5a,
      PERSISTENT_RESERVE_IN: 0x5e,
      PERSISTENT_RESERVE_OUT: 0x5f,
      EXTENDED_COPY: 0x83,
      RECEIVE_COPY_RESULTS: 0x84,
      READ_16: 0x88,
      COMPARE_AND_WRITE: 0x89,
      WRITE_16: 0x8a,
      ORWRITE_16: 0x8b,
      WRITE_AND_VERIFY_16: 0x8e,
      VERIFY_16: 0x8f,
      PRE_FETCH_16: 0x90,
      SYNCHRONIZE_CACHE_16: 0x91,
      WRITE_SAME_16: 0x93,
      WRITE_ATOMIC_16: 0x9c,
      SERVICE_ACTION_IN_16: 0x9e,
      REPORT_LUNS: 0xa0,
      MAINTENANCE_IN: 0xa3,
      READ_12: 0xa8,
      WRITE_12: 0xaa,
      WRITE_AND_VERIFY_12: 0xae,
      VERIFY_12: 0xaf,
      READ_DEFECT_DATA_12: 0xb7,
    };
    assert.deepEqual({ ...S.Op }, expected);
    assert.deepEqual({ ...S.SaIn16 }, { READ_CAPACITY_16: 0x10, GET_LBA_STATUS: 0x12 });
    assert.equal(S.MaintIn.REPORT_TARGET_PORT_GROUPS, 0x0a);
    assert.equal(S.MaintIn.REPORT_SUPPORTED_OPERATION_CODES, 0x0c);
    assert.deepEqual({ ...S.PrInSa }, { READ_KEYS: 0, READ_RESERVATION: 1, REPORT_CAPABILITIES: 2, READ_FULL_STATUS: 3 });
    assert.equal(S.PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY, 6);
    assert.equal(S.PrOutSa.REGISTER_AND_MOVE, 7);
    assert.equal(S.PrOutSa.REPLACE_LOST_RESERVATION, 8);
    assert.deepEqual(Object.values(S.PrType), [1, 3, 5, 6, 7, 8]);
    assert.deepEqual({ ...S.SanitizeSa }, { OVERWRITE: 1, BLOCK_ERASE: 2, CRYPTOGRAPHIC_ERASE: 3, EXIT_FAILURE_MODE: 0x1f });
    assert.equal(S.ReceiveCopySa.OPERATING_PARAMETERS, 3);
    assert.equal(S.ReceiveCopySa.FAILED_SEGMENT_DETAILS_LID1, 4);
  });

  it('names commands, with service actions', () => {
    assert.equal(S.opcodeName(0x28), 'READ(10)');
    assert.equal(S.opcodeName(0x9e, 0x10), 'READ CAPACITY(16)');
    assert.equal(S.opcodeName(0x9e, 0x12), 'GET LBA STATUS');
    assert.equal(S.opcodeName(0x9e), 'SERVICE ACTION IN(16)');
    assert.equal(S.opcodeName(0x9e, 0x1f), 'SERVICE ACTION IN(16) SA 0x1f');
    assert.equal(S.opcodeName(0xa3, 0x0c), 'REPORT SUPPORTED OPERATION CODES');
    assert.equal(S.opcodeName(0xa3, 0x0a), 'REPORT TARGET PORT GROUPS');
    assert.equal(S.opcodeName(0x5f, 0x07), 'PERSISTENT RESERVE OUT REGISTER AND MOVE');
    assert.equal(S.opcodeName(0x83, 0x00), 'EXTENDED COPY(LID1)');
    assert.equal(S.opcodeName(0x28, 5), 'READ(10)', 'a service action is ignored for commands without one');
    assert.equal(S.opcodeName(0xc0), 'OPCODE 0xc0');
    assert.equal(S.opcodeName(0x02), 'OPCODE 0x02');
    for (const [k, op] of Object.entries(S.Op)) assert.doesNotMatch(S.opcodeName(op), /^OPCODE/, k);
    assert.equal(S.prTypeName(S.PrType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS), 'EXCLUSIVE ACCESS - ALL REGISTRANTS');
    assert.equal(S.prTypeName(2), 'TYPE 0x2');
    assert.equal(S.opcodeHasServiceAction(0x9e), true);
    assert.equal(S.opcodeHasServiceAction(0x28), false);
  });

  it('derives the CDB length from the group code (SPC-5 OPERATION CODE field)', () => {
    const rows: [number, number | undefined][] = [
      [0x00, 6],
      [0x1f, 6],
      [0x20, 10],
      [0x28, 10],
      [0x5a, 10],
      [0x5f, 10],
      [0x60, undefined],
      [0x7f, undefined],
      [0x80, 16],
      [0x9e, 16],
      [0xa0, 12],
      [0xbf, 12],
      [0xc0, undefined],
      [0xff, undefined],
    ];
    for (const [op, len] of rows) assert.equal(S.cdbLength(op), len, `opcode 0x${op.toString(16)}`);
  });
});

describe('scsi/status', () => {
  it('has the SAM-5 status codes and names', () => {
    assert.deepEqual(
      { ...S.ScsiStatus },
      {
        GOOD: 0x00,
        CHECK_CONDITION: 0x02,
        CONDITION_MET: 0x04,
        BUSY: 0x08,
        RESERVATION_CONFLICT: 0x18,
        TASK_SET_FULL: 0x28,
        ACA_ACTIVE: 0x30,
        TASK_ABORTED: 0x40,
      },
    );
    assert.equal(S.statusName(0x02), 'CHECK CONDITION');
    assert.equal(S.statusName(0x18), 'RESERVATION CONFLICT');
    assert.equal(S.statusName(0x28), 'TASK SET FULL');
    assert.equal(S.statusName(0x00), 'GOOD');
    assert.equal(S.statusName(0x01), 'STATUS 0x01');
  });
});
