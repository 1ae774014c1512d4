/** READ CAPACITY (16) (SBC-4 5.21). Mandatory for SBC-3 and later devices; optional before. */
import { CHECK_CONDITION, defineSuite, GOOD, INVALID_OPCODE, scsi, SBC4, SPC5, type ScsiResult, type TestContext } from '../../harness/api.js';

/**
 * READ CAPACITY (16) with `alloc`, for the tests that check its data: a device server that does not implement it
 * skips them, naming ReadCapacity16.Support, which fails for that (one defect, one failure).
 */
async function readCapacity16(t: TestContext, alloc: number): Promise<ScsiResult> {
  const r = await t.command(scsi.readCapacity16({ alloc }), { allowUnsupported: true, expect: [GOOD, INVALID_OPCODE], dataIn: alloc });
  if (r.status === scsi.ScsiStatus.CHECK_CONDITION && r.sense?.ascAscq === scsi.Asc.INVALID_COMMAND_OPERATION_CODE)
    t.skip('READ CAPACITY (16) is not implemented (ReadCapacity16.Support checks that)');
  return r;
}

const suite = defineSuite('ReadCapacity16', { families: ['SCSI'], clause: SBC4.READ_CAPACITY_16, needs: ['sbc'] });

suite.test(
  'Simple',
  {
    doc: `READ CAPACITY (16) with ALLOCATION LENGTH 32 must complete with GOOD and return the 32-byte parameter data: a non-zero LOGICAL BLOCK LENGTH,
      and a RETURNED LOGICAL BLOCK ADDRESS and block length that agree with READ CAPACITY (10). The last LBA it names must be readable (READ (16) of
      one block there is GOOD) and the next one must not: any CHECK CONDITION shows the capacity is right (which sense data it carries, LOGICAL BLOCK
      ADDRESS OUT OF RANGE, is checked by Read16.BeyondEol: one defect, one failure).`,
    level: 'MUST',
  },
  async (t) => {
    const r = await readCapacity16(t, 32);
    t.equal(r.data.length, 32, 'READ CAPACITY(16) bytes of Data-In for ALLOCATION LENGTH 32');
    const rc = scsi.parseReadCapacity16(r.data);
    t.check(rc.blockLength > 0, 'READ CAPACITY(16) reports a LOGICAL BLOCK LENGTH of 0');
    const rc10 = t.dev.rc10;
    if (rc10) {
      t.equal(rc.blockLength, rc10.blockLength, 'READ CAPACITY(16) LOGICAL BLOCK LENGTH versus READ CAPACITY(10)');
      if (rc10.lastLba !== 0xffffffff) t.equal(rc.lastLba, BigInt(rc10.lastLba), 'READ CAPACITY(16) RETURNED LOGICAL BLOCK ADDRESS versus READ CAPACITY(10)');
      else t.check(rc.lastLba >= 0xffffffffn, `READ CAPACITY(10) says the last LBA does not fit 32 bits, but READ CAPACITY(16) says ${rc.lastLba}`);
    }
    t.log(`The last LBA, ${rc.lastLba}, must be readable and the next one out of range`);
    await t.command(scsi.read16({ lba: rc.lastLba, blocks: 1 }), { dataIn: rc.blockLength });
    if (rc.lastLba < 0xffffffffffffffffn)
      await t.command(scsi.read16({ lba: rc.lastLba + 1n, blocks: 1 }), {
        dataIn: rc.blockLength,
        expect: CHECK_CONDITION,
        what: `READ(16) ` + `LBA=${rc.lastLba + 1n} LEN=1 (one past the last LBA: not readable)`,
      });
  },
);

suite.test(
  'Alloclen',
  {
    doc: `READ CAPACITY (16) with each ALLOCATION LENGTH from 0 to 15: a short allocation length is not an error, so each must complete with GOOD and
      return at most that many bytes, a prefix of the full data.`,
    clause: `${SBC4.READ_CAPACITY_16}, ${SPC5.ALLOCATION_LENGTH}`,
    level: 'MUST',
  },
  async (t) => {
    const full = (await readCapacity16(t, 32)).data;
    for (let a = 0; a < 16; a++) {
      const r = await t.command(scsi.readCapacity16({ alloc: a }), { dataIn: a });
      t.check(r.data.length <= a, `READ CAPACITY(16) ALLOC=${a} returned ${r.data.length} bytes`);
      t.check(r.data.equals(full.subarray(0, r.data.length)), `READ CAPACITY(16) ALLOC=${a} returned data that is not a prefix of the full data`);
    }
  },
);

suite.test(
  'PI',
  {
    doc: `Protection information fields of READ CAPACITY (16): without PROTECT in standard INQUIRY, PROT_EN, P_TYPE and P_I_EXPONENT must be 0; with
      PROTECT but PROT_EN 0, P_TYPE and P_I_EXPONENT must be 0; with PROT_EN set, P_TYPE must name type 1, 2 or 3 (0, 1 or 2).`,
    clause: `${SBC4.READ_CAPACITY_16_DATA}, ${SBC4.PROTECTION}`,
    level: 'MUST',
  },
  async (t) => {
    const rc = scsi.parseReadCapacity16((await readCapacity16(t, 32)).data);
    if (!t.dev.inquiry.protect) {
      t.log('PROTECT is 0 in standard INQUIRY: every protection field must be 0');
      t.equal(rc.protEn, false, 'PROT_EN without PROTECT');
      t.equal(rc.pType, 0, 'P_TYPE without PROTECT');
      t.equal(rc.pIExponent, 0, 'P_I_EXPONENT without PROTECT');
    } else if (!rc.protEn) {
      t.equal(rc.pType, 0, 'P_TYPE with protection disabled');
      t.equal(rc.pIExponent, 0, 'P_I_EXPONENT with protection disabled');
    } else {
      t.check(rc.pType <= 2, `P_TYPE ${rc.pType} is reserved (0, 1 and 2 name protection types 1, 2 and 3)`);
    }
  },
);

suite.test(
  'Support',
  {
    doc: `A device that claims SBC-3 or later must implement READ CAPACITY (16): it must complete with GOOD (an INVALID COMMAND OPERATION CODE answer
      fails this test instead of skipping it).`,
    clause: `${SBC4.COMMANDS}, ${SBC4.READ_CAPACITY_16}`,
    level: 'MUST',
    needs: ['sbc3'],
  },
  async (t) => {
    await t.command(scsi.readCapacity16({ alloc: 32 }));
  },
);

export default suite;
