/**
 * The reference target's CDB usage data (REPORT SUPPORTED OPERATION CODES one_command, SPC-5) and its
 * reserved-bit check, both derived from the command catalogue, against usage maps written here byte by byte
 * (not produced by the catalogue): every command reports exactly its map, and every bit outside the map and
 * the obsolete bits is INVALID FIELD IN CDB pointing at that byte and bit.
 */
import { strict as assert } from 'node:assert';
import { h } from '../../protocol/scsi/helpers.js';
import { checkCondition, good, ready, run, S } from './helpers.js';

/** [command, CDB usage data as REPORT SUPPORTED OPERATION CODES reports it, obsolete bits accepted and ignored]. */
const USAGE: [string, string, string?][] = [
  ['TEST UNIT READY', '00 00 00 00 00 00'],
  ['REQUEST SENSE', '03 01 00 00 ff 00'],
  ['INQUIRY', '12 01 ff ff ff 00'],
  ['MODE SELECT(6)', '15 13 00 00 ff 00'],
  ['MODE SENSE(6)', '1a 08 ff ff ff 00'],
  ['PREVENT ALLOW MEDIUM REMOVAL', '1e 00 00 00 03 00'],
  ['MODE SELECT(10)', '55 13 00 00 00 00 00 ff ff 00'],
  ['MODE SENSE(10)', '5a 18 ff ff 00 00 00 ff ff 00'],
  ['REPORT LUNS', 'a0 00 ff 00 00 00 ff ff ff ff 00 00'],
  ['REPORT SUPPORTED OPERATION CODES', 'a3 0c 87 ff ff ff ff ff ff ff 00 00'],
  ['REPORT TARGET PORT GROUPS', 'a3 ea 00 00 00 00 ff ff ff ff 00 00'],
  ['READ(6)', '08 1f ff ff ff 00'],
  ['WRITE(6)', '0a 1f ff ff ff 00'],
  ['START STOP UNIT', '1b 01 00 0f f7 00'],
  ['READ CAPACITY(10)', '25 00 00 00 00 00 00 00 00 00', '00 01 ff ff ff ff 00 00 01 00'],
  ['READ(10)', '28 fc ff ff ff ff 3f ff ff 00', '00 03 00 00 00 00 00 00 00 00'],
  ['WRITE(10)', '2a f8 ff ff ff ff 3f ff ff 00', '00 03 00 00 00 00 00 00 00 00'],
  ['WRITE AND VERIFY(10)', '2e f6 ff ff ff ff 3f ff ff 00', '00 01 00 00 00 00 00 00 00 00'],
  ['VERIFY(10)', '2f f6 ff ff ff ff 3f ff ff 00', '00 01 00 00 00 00 00 00 00 00'],
  ['PRE-FETCH(10)', '34 02 ff ff ff ff 3f ff ff 00', '00 01 00 00 00 00 00 00 00 00'],
  ['SYNCHRONIZE CACHE(10)', '35 02 ff ff ff ff 3f ff ff 00', '00 05 00 00 00 00 00 00 00 00'],
  ['READ DEFECT DATA(10)', '37 00 1f 00 00 00 00 ff ff 00'],
  ['WRITE SAME(10)', '41 f8 ff ff ff ff 3f ff ff 00'],
  ['UNMAP', '42 01 00 00 00 00 3f ff ff 00'],
  ['SANITIZE OVERWRITE', '48 a1 00 00 00 00 00 ff ff 00'],
  ['SANITIZE BLOCK ERASE', '48 a2 00 00 00 00 00 ff ff 00'],
  ['SANITIZE CRYPTOGRAPHIC ERASE', '48 a3 00 00 00 00 00 ff ff 00'],
  ['SANITIZE EXIT FAILURE MODE', '48 bf 00 00 00 00 00 ff ff 00'],
  ['READ(16)', '88 fc ff ff ff ff ff ff ff ff ff ff ff ff 3f 00', '00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00'],
  ['COMPARE AND WRITE', '89 f8 ff ff ff ff ff ff ff ff 00 00 00 ff 3f 00', '00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00'],
  ['WRITE(16)', '8a f8 ff ff ff ff ff ff ff ff ff ff ff ff 3f 00', '00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00'],
  ['ORWRITE(16)', '8b f8 ff ff ff ff ff ff ff ff ff ff ff ff 3f 00', '00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00'],
  ['WRITE AND VERIFY(16)', '8e f6 ff ff ff ff ff ff ff ff ff ff ff ff 3f 00'],
  ['VERIFY(16)', '8f f6 ff ff ff ff ff ff ff ff ff ff ff ff 3f 00'],
  ['PRE-FETCH(16)', '90 02 ff ff ff ff ff ff ff ff ff ff ff ff 3f 00'],
  ['SYNCHRONIZE CACHE(16)', '91 02 ff ff ff ff ff ff ff ff ff ff ff ff 3f 00', '00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00'],
  ['WRITE SAME(16)', '93 f9 ff ff ff ff ff ff ff ff ff ff ff ff 3f 00'],
  ['WRITE ATOMIC(16)', '9c f8 ff ff ff ff ff ff ff ff ff ff ff ff 3f 00'],
  ['READ CAPACITY(16)', '9e 10 00 00 00 00 00 00 00 00 ff ff ff ff 00 00', '00 00 ff ff ff ff ff ff ff ff 00 00 00 00 01 00'],
  ['GET LBA STATUS', '9e 12 ff ff ff ff ff ff ff ff ff ff ff ff 00 00'],
  ['READ(12)', 'a8 fc ff ff ff ff ff ff ff ff 3f 00', '00 03 00 00 00 00 00 00 00 00 00 00'],
  ['WRITE(12)', 'aa f8 ff ff ff ff ff ff ff ff 3f 00', '00 03 00 00 00 00 00 00 00 00 00 00'],
  ['WRITE AND VERIFY(12)', 'ae f6 ff ff ff ff ff ff ff ff 3f 00', '00 01 00 00 00 00 00 00 00 00 00 00'],
  ['VERIFY(12)', 'af f6 ff ff ff ff ff ff ff ff 3f 00', '00 01 00 00 00 00 00 00 00 00 00 00'],
  ['READ DEFECT DATA(12)', 'b7 1f ff ff ff ff ff ff ff ff 00 00'],
  ['RESERVE(6)', '16 00 00 00 00 00'],
  ['RELEASE(6)', '17 00 00 00 00 00'],
  ['PERSISTENT RESERVE IN READ KEYS', '5e 00 00 00 00 00 00 ff ff 00'],
  ['PERSISTENT RESERVE IN READ RESERVATION', '5e 01 00 00 00 00 00 ff ff 00'],
  ['PERSISTENT RESERVE IN REPORT CAPABILITIES', '5e 02 00 00 00 00 00 ff ff 00'],
  ['PERSISTENT RESERVE IN READ FULL STATUS', '5e 03 00 00 00 00 00 ff ff 00'],
  ['PERSISTENT RESERVE OUT REGISTER', '5f 00 ff 00 00 ff ff ff ff 00'],
  ['PERSISTENT RESERVE OUT RESERVE', '5f 01 ff 00 00 ff ff ff ff 00'],
  ['PERSISTENT RESERVE OUT RELEASE', '5f 02 ff 00 00 ff ff ff ff 00'],
  ['PERSISTENT RESERVE OUT CLEAR', '5f 03 ff 00 00 ff ff ff ff 00'],
  ['PERSISTENT RESERVE OUT PREEMPT', '5f 04 ff 00 00 ff ff ff ff 00'],
  ['PERSISTENT RESERVE OUT PREEMPT AND ABORT', '5f 05 ff 00 00 ff ff ff ff 00'],
  ['PERSISTENT RESERVE OUT REGISTER AND IGNORE EXISTING KEY', '5f 06 ff 00 00 ff ff ff ff 00'],
  ['PERSISTENT RESERVE OUT REGISTER AND MOVE', '5f 07 ff 00 00 ff ff ff ff 00'],
  ['EXTENDED COPY(LID1)', '83 00 00 00 00 00 00 00 00 00 ff ff ff ff 00 00'],
  ['RECEIVE COPY STATUS(LID1)', '84 00 ff 00 00 00 00 00 00 00 ff ff ff ff 00 00'],
  ['RECEIVE COPY OPERATING PARAMETERS', '84 03 00 00 00 00 00 00 00 00 ff ff ff ff 00 00'],
];

/** A thin, removable LU implements every command of the table (UNMAP, PREVENT ALLOW MEDIUM REMOVAL). */
const lu = { thin: true, removable: true };

describe('target/scsi CDB usage data and reserved bits (from the command catalogue)', () => {
  it('the table lists every command the LU implements', async () => {
    const ds = await ready(lu);
    const all = S.parseRsocAllCommands(good(await run(ds, S.reportSupportedOperationCodes({ alloc: 8192 }))));
    const names = all.commands.map((c) => S.opcodeName(c.opcode, c.servactv ? c.serviceAction : undefined)).sort();
    assert.deepEqual(names, USAGE.map(([n]) => n).sort());
  });

  for (const [name, usage] of USAGE) {
    it(`${name}: REPORT SUPPORTED OPERATION CODES usage data ${usage}`, async () => {
      const ds = await ready(lu);
      const u = h(usage);
      const sa = S.opcodeHasServiceAction(u[0]!) ? u[1]! & 0x1f : undefined;
      const one = S.parseRsocOneCommand(good(await run(ds, S.reportSupportedOperationCodes({ op: u[0]!, ...(sa === undefined ? {} : { sa }), alloc: 512 }))));
      assert.equal(one.support, S.RsocSupport.SUPPORTED);
      assert.equal(S.hexBytes(one.usageMap), usage);
    });
  }

  it('every bit outside the usage data and the obsolete bits is INVALID FIELD IN CDB at that byte and bit', async () => {
    const ds = await ready(lu);
    for (const [name, usage, obsolete] of USAGE) {
      const u = h(usage);
      const o = obsolete ? h(obsolete) : Buffer.alloc(u.length);
      const sa = S.opcodeHasServiceAction(u[0]!) ? u[1]! & 0x1f : undefined;
      for (let byte = 1; byte < u.length; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          const m = 1 << bit;
          if ((u[byte]! | o[byte]!) & m || (byte === 1 && sa !== undefined && m <= 0x10)) continue;
          const cdb = Buffer.alloc(u.length);
          cdb[0] = u[0]!;
          if (sa !== undefined) cdb[1] = sa;
          cdb[byte]! |= m;
          const r = await run(ds, cdb);
          try {
            checkCondition(r, { key: S.SenseKey.ILLEGAL_REQUEST, asc: S.Asc.INVALID_FIELD_IN_CDB, field: { byte, bit } });
          } catch (e) {
            assert.fail(`${name} with byte ${byte} bit ${bit} set: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      }
    }
  });
});
