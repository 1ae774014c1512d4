/**
 * REPORT SUPPORTED OPERATION CODES (SPC-5): the list of every command the device server supports
 * (REPORTING OPTIONS 000b), one command at a time (001b, and 010b with a service action), with command
 * timeouts descriptors when RCTD is set, and SERVACTV for the commands that have service actions.
 */
import { defineSuite, INVALID_FIELD_IN_CDB, scsi, SPC5, type TestContext } from '../../harness/api.js';

const suite = defineSuite('ReportSupportedOpcodes', { families: ['SCSI'], clause: SPC5.REPORT_SUPPORTED_OPERATION_CODES });

const NAME = (d: { opcode: number; servactv: boolean; serviceAction: number }) => scsi.opcodeName(d.opcode, d.servactv ? d.serviceAction : undefined);

/** The all_commands list (RCTD as asked); skips when the command is not implemented (it is optional). */
async function allCommands(t: TestContext, rctd = false): Promise<scsi.RsocAllCommands> {
  const r = await t.command(scsi.reportSupportedOperationCodes({ rctd, alloc: 65535 }));
  const l = scsi.parseRsocAllCommands(r.data);
  t.check(
    !l.truncated,
    `REPORT SUPPORTED OPERATION CODES${rctd ? ' RCTD=1' : ''}: ${r.data.length} bytes returned, fewer than COMMAND DATA LENGTH + 4 ` +
      `= ${4 + l.commandDataLength} with ALLOCATION LENGTH 65535`,
  );
  return l;
}

suite.test(
  'Simple',
  {
    doc: `REPORT SUPPORTED OPERATION CODES with REPORTING OPTIONS 000b (all commands) must be GOOD with COMMAND DATA LENGTH matching the descriptors
      returned, list INQUIRY, TEST UNIT READY and REPORT SUPPORTED OPERATION CODES itself, and list no command twice. With ALLOCATION LENGTH 4 exactly 4
      bytes come back and COMMAND DATA LENGTH is unchanged (the allocation length cuts the data, not the field).`,
    level: 'MUST',
    clause: `${SPC5.REPORT_SUPPORTED_OPERATION_CODES}, ${SPC5.ALLOCATION_LENGTH}`,
  },
  async (t) => {
    const l = await allCommands(t);
    const has = (op: number, sa?: number) => l.commands.some((d) => d.opcode === op && (sa === undefined || (d.servactv && d.serviceAction === sa)));
    t.check(has(scsi.Op.INQUIRY), 'REPORT SUPPORTED OPERATION CODES does not list INQUIRY');
    t.check(has(scsi.Op.TEST_UNIT_READY), 'REPORT SUPPORTED OPERATION CODES does not list TEST UNIT READY');
    t.check(
      has(scsi.Op.MAINTENANCE_IN, scsi.MaintIn.REPORT_SUPPORTED_OPERATION_CODES),
      'REPORT SUPPORTED OPERATION CODES does not list itself (MAINTENANCE IN, service action 0Ch)',
    );
    const seen = new Set<string>();
    for (const d of l.commands) {
      const k = `${d.opcode}/${d.servactv ? d.serviceAction : '-'}`;
      t.check(!seen.has(k), `REPORT SUPPORTED OPERATION CODES lists ${NAME(d)} twice`);
      seen.add(k);
    }
    const r = await t.command(scsi.reportSupportedOperationCodes({ alloc: 4 }));
    t.equal(r.data.length, 4, 'REPORT SUPPORTED OPERATION CODES ALLOC=4: bytes returned');
    t.equal(r.data.readUInt32BE(0), l.commandDataLength, "REPORT SUPPORTED OPERATION CODES ALLOC=4: COMMAND DATA LENGTH (the full list's)");
  },
);

suite.test(
  'OneCommand',
  {
    doc: `For every command the all_commands list names, REPORT SUPPORTED OPERATION CODES for that one command (REPORTING OPTIONS 001b, or 010b with
      its service action) must be GOOD with SUPPORT 011b (supported as the standard says), a CDB SIZE equal to the CDB LENGTH of the list, and a usage
      map whose first byte is the operation code (and, with a service action, whose byte 1 holds it). REPORTING OPTIONS 001b naming an operation code
      that has service actions must end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB.`,
    level: 'MUST',
  },
  async (t) => {
    const l = await allCommands(t);
    for (const d of l.commands) {
      const cdb = d.servactv
        ? scsi.reportSupportedOperationCodes({ op: d.opcode, sa: d.serviceAction, alloc: 512 })
        : scsi.reportSupportedOperationCodes({ op: d.opcode, alloc: 512 });
      const r = await t.command(cdb, { what: `REPORT SUPPORTED OPERATION CODES for ${NAME(d)}` });
      const one = scsi.parseRsocOneCommand(r.data);
      t.equal(one.support, scsi.RsocSupport.SUPPORTED, `${NAME(d)}: SUPPORT`);
      t.equal(one.cdbSize, d.cdbLength, `${NAME(d)}: CDB SIZE versus the CDB LENGTH of the all_commands list`);
      t.equal(one.usageMap[0], d.opcode, `${NAME(d)}: byte 0 of the usage map (the operation code)`);
      if (d.servactv) t.equal((one.usageMap[1] ?? 0) & 0x1f, d.serviceAction & 0x1f, `${NAME(d)}: SERVICE ACTION in byte 1 of the usage map`);
    }
    const withSa = l.commands.find((d) => d.servactv);
    if (withSa) {
      await t.command(scsi.reportSupportedOperationCodes({ op: withSa.opcode, options: 1, alloc: 512 }), {
        expect: INVALID_FIELD_IN_CDB,
        what: `REPORT SUPPORTED OPERATION CODES REPORTING OPTIONS=001b for ${scsi.opcodeName(withSa.opcode)} (which has service actions)`,
      });
    }
  },
);

suite.test(
  'RCTD',
  {
    doc: `REPORT SUPPORTED OPERATION CODES (all commands) with RCTD set must return, for every command, a descriptor with CTDP set followed by a
      command timeouts descriptor (DESCRIPTOR LENGTH 000Ah: 20 bytes a command); with RCTD clear, no descriptor has CTDP set.`,
    level: 'MUST',
  },
  async (t) => {
    const plain = await allCommands(t, false);
    for (const d of plain.commands) t.check(!d.ctdp, `without RCTD, the descriptor of ${NAME(d)} has CTDP set`);
    const timed = await allCommands(t, true);
    t.equal(timed.commands.length, plain.commands.length, 'commands listed with RCTD=1 versus RCTD=0');
    for (const d of timed.commands)
      t.check(d.ctdp && d.timeouts !== undefined, `with RCTD=1, the descriptor of ${NAME(d)} has no command timeouts descriptor (CTDP 0)`);
  },
);

suite.test(
  'SERVACTV',
  {
    doc: `In the all_commands list, a command of an operation code that has service actions (MAINTENANCE IN, SERVICE ACTION IN (16), PERSISTENT
      RESERVE IN/OUT...) must have SERVACTV set, and one of an operation code without service actions SERVACTV clear and SERVICE ACTION 0.`,
    level: 'MUST',
  },
  async (t) => {
    const l = await allCommands(t);
    for (const d of l.commands) {
      if (scsi.opcodeHasServiceAction(d.opcode))
        t.check(d.servactv, `${scsi.opcodeName(d.opcode)} (an operation code with service actions) is listed with SERVACTV 0`);
      else {
        t.check(!d.servactv, `${scsi.opcodeName(d.opcode)} (an operation code without service actions) is listed with SERVACTV 1`);
        t.equal(d.serviceAction, 0, `${scsi.opcodeName(d.opcode)}: SERVICE ACTION with SERVACTV 0`);
      }
    }
  },
);

export default suite;
