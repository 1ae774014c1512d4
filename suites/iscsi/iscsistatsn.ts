/** Status numbering (RFC 7143 4.2.2.2): StatSN advances by one with each response on a connection. */
import { defineSuite, iscsi, scsi } from '../../harness/api.js';

const suite = defineSuite('iSCSIStatSN', { families: ['iSCSI'], clause: 'RFC 7143 4.2.2.2' });

/** Whether a target PDU carries a StatSN of its own (one that the response consumed). */
function advancesStatSN(p: iscsi.AnyPdu): p is iscsi.AnyPdu & { statSN: number; itt: number } {
  switch (p.opcode) {
    case iscsi.Opcode.SCSI_RESPONSE:
    case iscsi.Opcode.TASK_MGMT_RESPONSE:
    case iscsi.Opcode.TEXT_RESPONSE:
    case iscsi.Opcode.LOGOUT_RESPONSE:
    case iscsi.Opcode.REJECT:
      return true;
    case iscsi.Opcode.DATA_IN:
      return (p as iscsi.DataIn).statusPresent;
    case iscsi.Opcode.NOP_IN:
      // A NOP-In of the target's own (ITT 0xffffffff) carries the next StatSN without using it (11.19).
      return p.itt !== iscsi.RESERVED_TAG;
    default:
      return false;
  }
}

suite.test(
  'Consecutive',
  {
    doc: `Send, one at a time, TEST UNIT READY, INQUIRY (status possibly in the last Data-In), a NOP-Out ping, TEST UNIT READY and INQUIRY again: the
      StatSN of each response must be one more than that of the previous response on the connection, the first one the ExpStatSN the initiator holds
      (one more than the last StatSN it received).
      The RFC says it in the indicative: "The StatSN is incremented by 1 for every response/status sent on a connection" (11.4); see docs/strictness-audit.md, part 3.`,
    level: 'MUST',
  },
  async (t) => {
    const s = t.session;
    const seen: { statSN: number; what: string }[] = [];
    const raw = t.raw(s);
    raw.watch((pdu) => {
      if ('statSN' in pdu && advancesStatSN(pdu)) seen.push({ statSN: pdu.statSN, what: iscsi.describePdu(pdu) });
    });
    let expected = raw.expStatSN;
    t.log(`ExpStatSN before the first request: ${expected}`);
    const steps: [string, () => Promise<unknown>][] = [
      ['TEST UNIT READY', () => t.command(scsi.testUnitReady())],
      ['INQUIRY', () => t.command(scsi.inquiry({ alloc: 96 }))],
      ['NOP-Out ping', () => s.nop({ data: Buffer.from('statsn..', 'latin1'), timeoutMs: t.remainingMs() })],
      ['TEST UNIT READY', () => t.command(scsi.testUnitReady())],
      ['INQUIRY', () => t.command(scsi.inquiry({ alloc: 96 }))],
    ];
    for (const [what, run] of steps) {
      const before = seen.length;
      await run();
      const got = seen.slice(before);
      t.check(got.length > 0, `${what}: no response carrying a StatSN was seen`);
      for (const g of got) {
        t.log(`${g.what}: StatSN ${g.statSN}`);
        t.check(
          g.statSN === expected,
          `${what}: the response (${g.what}) carries StatSN ${g.statSN}, expected ${expected} (one more than the previous ` +
            `response's; StatSN must advance by one per response)`,
        );
        expected = (expected + 1) >>> 0;
      }
    }
  },
);

export default suite;
