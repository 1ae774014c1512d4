/** MODE SENSE (6) (SPC-5 6.14) and the Control mode page (SPC-5). */
import { defineSuite, GOOD, INVALID_FIELD_IN_CDB, LBA_OUT_OF_RANGE, scsi, WRITE_PROTECTED, type TestContext, SBC4, SPC5 } from '../../harness/api.js';

const suite = defineSuite('ModeSense6', { families: ['SCSI'], clause: SPC5.MODE_SENSE_6 });
const CONTROL = scsi.ModePageCode.CONTROL;

/** MODE SENSE(6) of the Control page (current values), parsed; skips when the page is not implemented. */
async function controlPage(
  t: TestContext,
  pc: number = scsi.PageControl.CURRENT,
): Promise<{ page: scsi.ModePage; control: scsi.ControlPage; mode: scsi.ModeParameters }> {
  const r = await t.command(scsi.modeSense6({ page: CONTROL, pc, alloc: 255 }), { expect: [GOOD, INVALID_FIELD_IN_CDB] });
  if (r.status !== scsi.ScsiStatus.GOOD) {
    t.should(false, 'the Control mode page is not implemented (MODE SENSE answered INVALID FIELD IN CDB); every logical unit should have it');
    t.skip('the Control mode page is not implemented');
  }
  const mode = scsi.parseModeParameters6(r.data);
  const page = scsi.findModePage(mode, CONTROL);
  if (!page) t.fail(`MODE SENSE(6) PAGE=0x0a returned GOOD but no Control page (pages ${mode.pages.map((p) => p.pageCode.toString(16)).join(', ') || 'none'})`);
  return { page, control: scsi.parseControlPage(page), mode };
}

suite.test(
  'AllPages',
  {
    doc: `MODE SENSE (6) for all pages (PAGE CODE 3Fh) with ALLOCATION LENGTH 255: GOOD; MODE DATA LENGTH must account for the bytes returned (data
      length = MODE DATA LENGTH + 1 when it fits); block descriptors and pages must parse within it; with ALLOCATION LENGTH 4 only the header comes
      back, with the same MODE DATA LENGTH.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await t.command(scsi.modeSense6({ page: 0x3f, alloc: 255 }));
    t.check(r.data.length >= 4, `MODE SENSE(6) returned ${r.data.length} bytes, less than the 4-byte header`);
    const mdl = r.data[0]!;
    t.equal(r.data.length, Math.min(255, mdl + 1), 'bytes returned versus MODE DATA LENGTH + 1');
    const m = scsi.parseModeParameters6(r.data);
    t.log(
      `pages: ${m.pages.map((p) => `0x${p.pageCode.toString(16)}${p.spf ? `/${p.subpage}` : ''}`).join(' ') || 'none'}; block descriptors: ${m.blockDescriptors.length}`,
    );
    const h = await t.command(scsi.modeSense6({ page: 0x3f, alloc: 4 }), { dataIn: 4 });
    t.check(h.data.length <= 4, `MODE SENSE(6) ALLOC=4 returned ${h.data.length} bytes`);
    if (h.data.length >= 1) t.equal(h.data[0], mdl, 'MODE DATA LENGTH with ALLOCATION LENGTH 4 versus 255');
  },
);

suite.test(
  'Control',
  {
    doc: `MODE SENSE (6) of the Control mode page (0Ah) must return it with PAGE LENGTH 0Ah and a valid TST (000b or 001b), QUEUE ALGORITHM MODIFIER
      and QERR; the changeable values (PC 01b) must be returned too. A logical unit without a Control page gets a SHOULD-level warning and the test is
      skipped.`,
    clause: `${SPC5.CONTROL_PAGE}, ${SPC5.MODE_SENSE_6}`,
    level: 'MUST',
  },
  async (t) => {
    const { page, control } = await controlPage(t);
    t.equal(page.data.length, 0x0a, 'Control mode page PAGE LENGTH');
    t.check(control.tst <= 1, `Control page TST ${control.tst} is reserved`);
    t.check(control.qerr !== 2, 'Control page QERR 10b is reserved');
    t.check(
      control.queueAlgorithmModifier <= 1 || control.queueAlgorithmModifier >= 8,
      `Control page QUEUE ALGORITHM MODIFIER ${control.queueAlgorithmModifier} is reserved`,
    );
    const ch = await controlPage(t, scsi.PageControl.CHANGEABLE);
    t.equal(ch.page.data.length, 0x0a, 'Control mode page PAGE LENGTH (changeable values)');
  },
);

suite.test(
  'Control-D_SENSE',
  {
    doc: `The sense data format follows the Control page D_SENSE bit: a READ (16) at LBA 2^64-1 must end in LOGICAL BLOCK ADDRESS OUT OF RANGE with
      descriptor-format sense (72h) when D_SENSE is set, fixed-format sense (70h) when it is clear.`,
    clause: `${SPC5.CONTROL_PAGE}, ${SPC5.SENSE_DATA}`,
    level: 'MUST',
    needs: ['sbc', 'capacity'],
  },
  async (t) => {
    const { control } = await controlPage(t);
    t.log(`D_SENSE is ${control.dSense ? 'set: expect descriptor format' : 'clear: expect fixed format'}`);
    const r = await t.command(scsi.read16({ lba: 0xffffffffffffffffn, blocks: 1 }), { expect: LBA_OUT_OF_RANGE, dataIn: t.dev.blockSize });
    t.equal(
      r.sense!.format,
      control.dSense ? 'descriptor' : 'fixed',
      `sense data format with D_SENSE=${control.dSense ? 1 : 0} (RESPONSE CODE 0x${r.sense!.responseCode.toString(16)})`,
    );
  },
);

suite.test(
  'Control-SWP',
  {
    doc: `Software write protect: set SWP in the Control page with MODE SELECT (6) (skipped when the changeable values say SWP cannot be changed);
      MODE SENSE must then show SWP set; READ (10) must still complete with GOOD; WRITE (10) must be terminated with DATA PROTECT, WRITE PROTECTED.
      SWP is cleared again at the end.`,
    clause: `${SPC5.CONTROL_PAGE}, ${SBC4.WRITE_PROTECTION}`,
    level: 'MUST',
    needs: ['sbc', 'capacity', 'dataloss', 'writable', 'controlPage'],
  },
  async (t) => {
    const ch = await controlPage(t, scsi.PageControl.CHANGEABLE);
    if (!ch.control.swp) t.skip('the target does not support changing SWP (the changeable Control page has SWP 0)');
    const cur = await controlPage(t);
    const select = async (swp: boolean) => {
      const data = Buffer.from(cur.page.data);
      data[2] = swp ? data[2]! | 0x08 : data[2]! & ~0x08;
      const list = scsi.encodeModeParameters6({ select: true, pages: [{ pageCode: CONTROL, data }] });
      await t.command(scsi.modeSelect6({ pf: true, paramLen: list.length }), { dataOut: list, what: `MODE SELECT(6) Control page SWP=${swp ? 1 : 0}` });
    };
    await select(true);
    try {
      const after = await controlPage(t);
      t.check(after.control.swp, 'MODE SELECT set SWP, but MODE SENSE shows it clear');
      await t.command(scsi.read10({ lba: 0, blocks: 1 }));
      await t.command(scsi.write10({ lba: 0, blocks: 1 }), { expect: WRITE_PROTECTED, dataOut: Buffer.alloc(t.dev.blockSize, 0x5a) });
    } finally {
      if (!t.killed) await select(false).catch(() => undefined);
    }
  },
);

suite.test(
  'Residuals',
  {
    doc: `Residuals of MODE SENSE (6) in iSCSI: with ALLOCATION LENGTH 4 at most 4 bytes come back and there is no residual overflow; with ALLOCATION
      LENGTH 255, when fewer than 255 bytes come back the SCSI Response must report underflow with the residual count of the bytes not sent, and when
      all 255 come back it must not.`,
    clause: `${SPC5.ALLOCATION_LENGTH}, RFC 7143 11.4.5`,
    level: 'MUST',
  },
  async (t) => {
    const small = await t.command(scsi.modeSense6({ page: 0x3f, alloc: 4 }), { dataIn: 4 });
    t.check(small.data.length <= 4, `MODE SENSE(6) ALLOC=4 returned ${small.data.length} bytes`);
    t.check(!small.residual.overflow, `MODE SENSE(6) ALLOC=4 reports a residual overflow of ${small.residual.count}`);
    const big = await t.command(scsi.modeSense6({ page: 0x3f, alloc: 255 }), { dataIn: 255 });
    if (big.data.length === 255) {
      t.check(!big.residual.underflow, `MODE SENSE(6) returned all 255 bytes but reports a residual underflow of ${big.residual.count}`);
    } else {
      t.check(big.residual.underflow, `MODE SENSE(6) returned ${big.data.length} of 255 bytes but reports no residual underflow`);
      t.equal(big.residual.count, 255 - big.data.length, 'residual count of MODE SENSE(6) ALLOC=255');
    }
  },
);

export default suite;
