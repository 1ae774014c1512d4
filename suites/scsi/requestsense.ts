/**
 * REQUEST SENSE (SPC-5): the sense data format the DESC bit asks for, NO SENSE when nothing is pending, and
 * the ALLOCATION LENGTH (SPC-5, allocation length). Each test first drains pending unit attentions, which REQUEST SENSE
 * reports (and clears) before anything else.
 */
import { defineSuite, GOOD, INVALID_FIELD_IN_CDB, scsi, SPC5, type Sense, type TestContext } from '../../harness/api.js';

const suite = defineSuite('RequestSense', { families: ['SCSI'], clause: SPC5.REQUEST_SENSE, needs: [] });

const { SenseKey } = scsi;
const FULL = 252;
const LOW_POWER_ASC = /* LOW POWER CONDITION ON: a power condition may stand in for NO ADDITIONAL SENSE INFORMATION */ 0x5e;

/** REQUEST SENSE answers until no unit attention is left (at most 8), then the first other answer. */
async function settled(t: TestContext, desc: boolean): Promise<{ data: Buffer; status: number }> {
  for (let i = 0; i < 8; i++) {
    const r = await t.command(scsi.requestSense({ alloc: FULL, desc }), { expect: desc ? [GOOD, INVALID_FIELD_IN_CDB] : GOOD });
    if (r.status !== 0) return { data: Buffer.alloc(0), status: r.status };
    const s = decode(t, r.data, `REQUEST SENSE DESC=${desc ? 1 : 0}`);
    if (s.key !== SenseKey.UNIT_ATTENTION) return { data: r.data, status: 0 };
    t.log(`REQUEST SENSE reported a pending ${scsi.describeSense(s)}; asking again`);
  }
  t.fail('REQUEST SENSE still reports a UNIT ATTENTION after 8 times: it does not clear the condition it reports');
}

function decode(t: TestContext, data: Buffer, what: string): Sense {
  t.check(data.length >= 8, `${what} (ALLOCATION LENGTH ${FULL}) returned ${data.length} bytes: not even a sense data header`);
  try {
    return scsi.decodeSense(data);
  } catch (e) {
    t.fail(`${what} returned sense data that does not decode: ${(e as Error).message}`);
  }
}

function noSenseCheck(t: TestContext, s: Sense, what: string): void {
  t.check(s.key === SenseKey.NO_SENSE, `${what} with nothing pending reports ${scsi.describeSense(s)}: the sense key must be NO SENSE`);
  t.check(
    s.ascAscq === 0 || s.asc === LOW_POWER_ASC,
    `${what} with nothing pending reports ${scsi.describeSense(s)}: expected NO ADDITIONAL SENSE INFORMATION`,
  );
}

suite.test(
  'NoSense',
  {
    doc: `With no unit attention, deferred error or other condition pending, REQUEST SENSE must complete with GOOD and return sense data with sense
      key NO SENSE and NO ADDITIONAL SENSE INFORMATION (or LOW POWER CONDITION ON): SPC-5 says that when the device server has no other sense data to
      report it shall return NO SENSE with NO ADDITIONAL SENSE INFORMATION; REQUEST SENSE itself does not end in CHECK CONDITION for the condition it
      reports.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await settled(t, false);
    noSenseCheck(t, decode(t, r.data, 'REQUEST SENSE'), 'REQUEST SENSE');
  },
);

suite.test(
  'Fixed',
  {
    doc: `REQUEST SENSE with DESC=0 must return fixed format sense data: RESPONSE CODE 70h (current; nothing deferred is pending), at least the 18
      bytes up to the SENSE KEY SPECIFIC field with ALLOCATION LENGTH 252, an ADDITIONAL SENSE LENGTH that matches: SPC-5 says that with DESC set to
      zero the device server shall return fixed format sense data.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await settled(t, false);
    const s = decode(t, r.data, 'REQUEST SENSE DESC=0');
    t.check(
      s.format === 'fixed' && s.responseCode === 0x70,
      `REQUEST SENSE DESC=0 returned RESPONSE CODE ${s.responseCode.toString(16)}h: expected 70h (fixed format, current)`,
    );
    t.check(r.data.length >= 18, `REQUEST SENSE DESC=0 returned ${r.data.length} bytes of fixed format sense data: fewer than the 18 bytes of its fields`);
    t.check(
      r.data.length === Math.min(FULL, 8 + r.data[7]!),
      `REQUEST SENSE DESC=0 returned ${r.data.length} bytes, but its ADDITIONAL SENSE LENGTH ${r.data[7]} makes ${8 + r.data[7]!}`,
    );
  },
);

suite.test(
  'Descriptor',
  {
    doc: `REQUEST SENSE with DESC=1 must either return descriptor format sense data (RESPONSE CODE 72h, an ADDITIONAL SENSE LENGTH that matches what
      came) or, refuse DESC=1 with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB: SPC-5 says "If DESC is set to one and descriptor format
      sense data is supported, descriptor format sense data shall be returned". Fixed format data in answer to DESC=1 fails where the LU shows it
      supports descriptor format (D_SENSE of the Control mode page set or changeable), and skips otherwise (no sentence covers an LU without
      descriptor format).`,
    level: 'MUST',
  },
  async (t) => {
    const r = await settled(t, true);
    if (r.status !== 0) return t.log('descriptor format sense data is not supported (INVALID FIELD IN CDB)');
    const s = decode(t, r.data, 'REQUEST SENSE DESC=1');
    if (s.format === 'fixed') {
      const dSense = await descriptorFormatSign(t);
      if (!dSense)
        t.skip(
          `REQUEST SENSE DESC=1 returned fixed format sense data, and the LU shows no sign of supporting descriptor format (D_SENSE of ` +
            `the Control mode page neither set nor changeable): SPC-5 requires descriptor format only where it is supported`,
        );
      t.fail(
        `REQUEST SENSE DESC=1 returned RESPONSE CODE ${s.responseCode.toString(16)}h (fixed format), though the LU supports descriptor format sense data (${dSense}): expected 72h`,
      );
    }
    t.check(s.responseCode === 0x72, `REQUEST SENSE DESC=1 returned RESPONSE CODE ${s.responseCode.toString(16)}h: expected 72h (descriptor format, current)`);
    t.check(
      r.data.length === Math.min(FULL, 8 + r.data[7]!),
      `REQUEST SENSE DESC=1 returned ${r.data.length} bytes, but its ADDITIONAL SENSE LENGTH ${r.data[7]} makes ${8 + r.data[7]!}`,
    );
    noSenseCheck(t, s, 'REQUEST SENSE DESC=1');
  },
);

/** Why the LU supports descriptor format sense data (the Control mode page's D_SENSE set or changeable), or undefined. */
async function descriptorFormatSign(t: TestContext): Promise<string | undefined> {
  const D_SENSE = 0x04; // byte 2 of the Control mode page: byte 0 of its parameters
  for (const [pc, name] of [
    [scsi.PageControl.CURRENT, 'set'],
    [scsi.PageControl.CHANGEABLE, 'changeable'],
  ] as const) {
    const r = await t.command(scsi.modeSense6({ page: scsi.ModePageCode.CONTROL, pc, alloc: 255 }), {
      allowUnsupported: true,
      expect: [GOOD, INVALID_FIELD_IN_CDB],
    });
    if (r.status !== 0) continue;
    const p = scsi.findModePage(scsi.parseModeParameters6(r.data), scsi.ModePageCode.CONTROL);
    if (p && p.data.length > 0 && p.data[0]! & D_SENSE) return `D_SENSE of the Control mode page is ${name}`;
  }
  return undefined;
}

suite.test(
  'AllocationLength',
  {
    doc: `REQUEST SENSE with ALLOCATION LENGTH 0 must complete with GOOD and transfer nothing ("This condition shall not be considered an error");
      with ALLOCATION LENGTH 1, 8 and 13 it must complete with GOOD and return exactly that many bytes, the first bytes of what ALLOCATION LENGTH 252
      returns: SPC-5 (allocation length) says the device server shall terminate the transfer when ALLOCATION LENGTH bytes have been transferred or all available
      data have, whichever is less.`,
    level: 'MUST',
    clause: `${SPC5.REQUEST_SENSE}, ${SPC5.ALLOCATION_LENGTH}`,
  },
  async (t) => {
    const full = (await settled(t, false)).data;
    const r0 = await t.command(scsi.requestSense({ alloc: 0 }), { expect: GOOD, dataIn: 0 });
    t.check(r0.data.length === 0, `REQUEST SENSE ALLOCATION LENGTH 0 returned ${r0.data.length} bytes`);
    for (const n of [1, 8, 13]) {
      const r = await t.command(scsi.requestSense({ alloc: n }), { expect: GOOD });
      t.check(
        r.data.length === Math.min(n, full.length),
        `REQUEST SENSE ALLOCATION LENGTH ${n} returned ${r.data.length} bytes: expected ${Math.min(n, full.length)}`,
      );
      t.check(
        r.data.equals(full.subarray(0, r.data.length)),
        `REQUEST SENSE ALLOCATION LENGTH ${n} returned ${r.data.toString('hex')}, not the first ` + `bytes of the full sense data ${full.toString('hex')}`,
      );
    }
  },
);

export default suite;
