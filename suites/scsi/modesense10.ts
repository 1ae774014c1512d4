/**
 * MODE SENSE (10) (SPC-5 6.15): the 8-byte mode parameter header, DBD, LLBAA and long LBA block descriptors,
 * and the four page control values (current, changeable, default, saved).
 */
import { defineSuite, expectation, GOOD, SBC4, scsi, SPC5, type TestContext } from '../../harness/api.js';

const suite = defineSuite('ModeSense10', { families: ['SCSI'], clause: SPC5.MODE_SENSE_10, needs: [] });

const ALL = 0x3f;
const ALLOC = 4096;
const HEADER = 8;
const { PageControl, Asc, SenseKey, ScsiStatus } = scsi;
/** PC 11b where saving is not implemented: SPC-5 6.15 names this one answer. */
const SAVING_NOT_SUPPORTED = expectation('SAVING_NOT_SUPPORTED', ScsiStatus.CHECK_CONDITION, SenseKey.ILLEGAL_REQUEST, [Asc.SAVING_PARAMETERS_NOT_SUPPORTED]);

async function sense10(
  t: TestContext,
  o: Omit<scsi.ModeSenseOptions, 'page'> & { page?: number; llbaa?: boolean },
  what: string,
): Promise<{ data: Buffer; mode: scsi.ModeParameters }> {
  const r = await t.command(scsi.modeSense10({ page: ALL, alloc: ALLOC, ...o }), { what });
  t.check(r.data.length >= HEADER, `${what} returned ${r.data.length} bytes, less than the 8-byte mode parameter header`);
  try {
    return { data: r.data, mode: scsi.parseModeParameters10(r.data) };
  } catch (e) {
    t.fail(`${what}: the mode parameter data does not parse: ${(e as Error).message}`);
  }
}

const pageList = (m: scsi.ModeParameters) => m.pages.map((p) => `${p.pageCode.toString(16)}h${p.spf ? `/${p.subpage}` : ''}:${p.data.length}`);

suite.test(
  'AllPages',
  {
    doc: `MODE SENSE (10) of all pages (PAGE CODE 3Fh) with ALLOCATION LENGTH 4096 must complete with GOOD, return MODE DATA LENGTH + 2 bytes (all of
      them when they fit: SPC-5 (allocation length), the device server shall end the transfer at the ALLOCATION LENGTH or the end of the data, whichever is less),
      with block descriptors and pages that parse within it; with ALLOCATION LENGTH 8 only the header, with the same MODE DATA LENGTH.`,
    level: 'MUST',
    clause: `${SPC5.MODE_SENSE_10}, ${SPC5.MODE_PARAMETERS}, ${SPC5.ALLOCATION_LENGTH}`,
  },
  async (t) => {
    const { data, mode } = await sense10(t, {}, 'MODE SENSE(10) PAGE=3Fh ALLOC=4096');
    const mdl = mode.header.modeDataLength;
    t.equal(data.length, Math.min(ALLOC, mdl + 2), 'bytes returned versus MODE DATA LENGTH + 2');
    t.log(`pages ${pageList(mode).join(' ') || 'none'}; ${mode.blockDescriptors.length} block descriptor(s), LONGLBA ${mode.header.longLba ? 1 : 0}`);
    const h = await t.command(scsi.modeSense10({ page: ALL, alloc: HEADER }), { dataIn: HEADER });
    t.equal(h.data.length, HEADER, 'bytes returned with ALLOCATION LENGTH 8');
    if (h.data.length >= 2) t.equal(h.data.readUInt16BE(0), mdl, 'MODE DATA LENGTH with ALLOCATION LENGTH 8 versus 4096');
  },
);

suite.test(
  'Dbd',
  {
    doc: `MODE SENSE (10) with DBD set must return no block descriptor (BLOCK DESCRIPTOR LENGTH 0): SPC-5 6.15 says a DBD bit set to one specifies
      that the device server shall not return any block descriptors. The pages must be the same as without DBD.`,
    level: 'MUST',
  },
  async (t) => {
    const plain = await sense10(t, {}, 'MODE SENSE(10) PAGE=3Fh');
    const dbd = await sense10(t, { dbd: true }, 'MODE SENSE(10) PAGE=3Fh DBD');
    t.equal(dbd.mode.header.blockDescriptorLength, 0, 'BLOCK DESCRIPTOR LENGTH with DBD set');
    t.equal(pageList(dbd.mode).join(' '), pageList(plain.mode).join(' '), 'the pages (code:length) with DBD set versus without');
  },
);

suite.test(
  'Llbaa',
  {
    doc: `MODE SENSE (10) with LLBAA clear must return LONGLBA 0 and 8-byte block descriptors (SPC-5 6.15: an LLBAA bit set to zero specifies that the
      LONGLBA bit shall be set to zero in the mode parameter header); with LLBAA set, LONGLBA may be 1, and the BLOCK DESCRIPTOR LENGTH must then be a
      multiple of 16. DBD and LLBAA together must still return no block descriptor.`,
    level: 'MUST',
  },
  async (t) => {
    const short = await sense10(t, { llbaa: false }, 'MODE SENSE(10) PAGE=3Fh LLBAA=0');
    t.check(!short.mode.header.longLba, 'MODE SENSE(10) with LLBAA=0 returned LONGLBA=1');
    const long = await sense10(t, { llbaa: true }, 'MODE SENSE(10) PAGE=3Fh LLBAA=1');
    t.log(`LLBAA=1: LONGLBA ${long.mode.header.longLba ? 1 : 0}, BLOCK DESCRIPTOR LENGTH ${long.mode.header.blockDescriptorLength}`);
    const both = await sense10(t, { llbaa: true, dbd: true }, 'MODE SENSE(10) PAGE=3Fh LLBAA=1 DBD');
    t.equal(both.mode.header.blockDescriptorLength, 0, 'BLOCK DESCRIPTOR LENGTH with DBD and LLBAA set');
  },
);

suite.test(
  'BlockDescriptor',
  {
    doc: `A block descriptor MODE SENSE (10) returns (short with LLBAA=0, and long where LLBAA=1 yields LONGLBA=1) must give the logical block length
      READ CAPACITY reports, and as NUMBER OF LOGICAL BLOCKS the capacity, 0 (not reported) or, in a short descriptor of a medium with more than
      FFFFFFFFh blocks, FFFFFFFFh (SBC-4 6.5.2). Skipped when no block descriptor is returned.`,
    level: 'MUST',
    clause: `${SPC5.MODE_SENSE_10}, ${SBC4.MODE_BLOCK_DESCRIPTORS}`,
    needs: ['sbc', 'capacity'],
  },
  async (t) => {
    let seen = 0;
    for (const llbaa of [false, true]) {
      const { mode } = await sense10(t, { llbaa }, `MODE SENSE(10) PAGE=3Fh LLBAA=${llbaa ? 1 : 0}`);
      if (llbaa && !mode.header.longLba) continue;
      for (const d of mode.blockDescriptors) {
        seen++;
        const kind = mode.header.longLba ? 'long' : 'short';
        t.equal(d.blockLength, t.dev.blockSize, `BLOCK LENGTH of the ${kind} LBA block descriptor versus READ CAPACITY`);
        const blocks = BigInt(t.dev.blocks);
        const ok = d.numberOfBlocks === blocks || d.numberOfBlocks === 0n || (!mode.header.longLba && blocks > 0xffffffffn && d.numberOfBlocks === 0xffffffffn);
        t.check(ok, `NUMBER OF LOGICAL BLOCKS ${d.numberOfBlocks} of the ${kind} LBA block descriptor is neither the capacity (${blocks}) nor 0`);
      }
    }
    if (!seen) t.skip('MODE SENSE(10) returns no block descriptor');
  },
);

suite.test(
  'PageControl',
  {
    doc: `MODE SENSE (10) of all pages with PC 00b (current), 01b (changeable) and 10b (default) must each complete with GOOD and return mode
      parameter data that parses (SPC-5 6.15: the device server shall return the current, changeable (a mask, 1 for each changeable bit) or default
      values); SHOULD: the same pages with the same lengths for the three, since the changeable and default values describe the current pages field by
      field.`,
    level: 'MUST',
  },
  async (t) => {
    const cur = await sense10(t, { pc: PageControl.CURRENT }, 'MODE SENSE(10) PAGE=3Fh PC=0 (current)');
    for (const [pc, name] of [
      [PageControl.CHANGEABLE, 'changeable'],
      [PageControl.DEFAULT, 'default'],
    ] as const) {
      const other = await sense10(t, { pc }, `MODE SENSE(10) PAGE=3Fh PC=${pc} (${name})`);
      t.should(
        pageList(other.mode).join(' ') === pageList(cur.mode).join(' '),
        `the ${name} values list pages ${pageList(other.mode).join(' ')}, the ` +
          `current values ${pageList(cur.mode).join(' ')}: they should be the same pages with the same lengths`,
      );
    }
  },
);

suite.test(
  'Saved',
  {
    doc: `MODE SENSE (10) of all pages with PC 11b (saved values) must either complete with GOOD and parse, or, where saving pages is not implemented,
      end in CHECK CONDITION, ILLEGAL REQUEST, SAVING PARAMETERS NOT SUPPORTED: SPC-5 6.15 says that if the PC field is set to 11b and saved values
      are not implemented the device server shall terminate the command with that sense.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await t.command(scsi.modeSense10({ page: ALL, alloc: ALLOC, pc: PageControl.SAVED }), { expect: [GOOD, SAVING_NOT_SUPPORTED] });
    if (r.status !== 0) return t.log('saved values are not implemented (SAVING PARAMETERS NOT SUPPORTED)');
    try {
      scsi.parseModeParameters10(r.data);
    } catch (e) {
      t.fail(`MODE SENSE(10) PC=3 (saved): the mode parameter data does not parse: ${(e as Error).message}`);
    }
  },
);

export default suite;
