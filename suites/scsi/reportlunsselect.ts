/**
 * REPORT LUNS SELECT REPORT values (SPC-5 REPORT LUNS): 00h (logical units, well known ones left out), 01h (well
 * known logical units only), 02h (all), and the administrative-LU reports 10h, 11h and 12h SPC-5 added.
 */
import { defineSuite, expectation, GOOD, INVALID_FIELD_IN_CDB, INVALID_OPCODE, scsi, SPC5, UNIT_ATTENTION, type TestContext } from '../../harness/api.js';

const suite = defineSuite('ReportLUNsSelect', { families: ['SCSI'], clause: SPC5.REPORT_LUNS, needs: [] });

/** A well known logical unit's address: extended address method, well known LU format (first byte C1h). */
const isWellKnown = (e: Buffer) => e[0] === 0xc1;
const hex = (e: Buffer) => e.toString('hex');

/** The entries of the list SELECT REPORT `select` returns (the whole list, read again when ALLOCATION LENGTH was short). */
async function list(t: TestContext, select: number, o: { optional?: boolean } = {}): Promise<Buffer[] | undefined> {
  const what = `REPORT LUNS SELECT REPORT ${select.toString(16).padStart(2, '0')}h`;
  let alloc = 4096;
  for (let i = 0; i < 2; i++) {
    const r = await t.command(scsi.reportLuns({ select, alloc }), { what, expect: o.optional ? [GOOD, INVALID_FIELD_IN_CDB] : GOOD });
    if (r.status !== 0) return undefined;
    let l: scsi.ReportLuns;
    try {
      l = scsi.parseReportLuns(r.data);
    } catch (e) {
      t.fail(`${what}: the parameter data does not parse: ${(e as Error).message}`);
    }
    if (!l.truncated) {
      t.equal(l.entries.length, l.listLength / 8, `${what}: LUN entries returned versus LUN LIST LENGTH / 8`);
      return l.entries;
    }
    alloc = 8 + l.listLength;
  }
  t.fail(`REPORT LUNS SELECT REPORT ${select}: LUN LIST LENGTH grew between two commands`);
}

suite.test(
  'WellKnownSplit',
  {
    doc: `REPORT LUNS with SELECT REPORT 01h must list only well known logical units (address C1h..., an empty list when there are none): "The list
      shall contain only well known logical units, if any"; with 02h every logical unit the 00h and 01h lists hold, and no other: "The list shall
      contain all logical units accessible to the I_T nexus". With 00h it should list no well known logical unit (a warning): SPC's SELECT REPORT
      table gives 00h the logical units of the listed addressing methods, among them the extended logical unit addressing method that well known
      logical units use, so no sentence forbids one there.`,
    level: 'MUST',
  },
  async (t) => {
    const plain = (await list(t, 0x00))!;
    const wk = (await list(t, 0x01))!;
    const all = (await list(t, 0x02))!;
    for (const e of plain) t.should(!isWellKnown(e), `SELECT REPORT 00h lists the well known logical unit ${hex(e)}`);
    for (const e of wk) t.check(isWellKnown(e), `SELECT REPORT 01h lists ${hex(e)}, which is not a well known logical unit`);
    const want = [...new Set([...plain, ...wk].map(hex))].sort();
    t.equal([...new Set(all.map(hex))].sort().join(' '), want.join(' '), 'the SELECT REPORT 02h list versus the 00h and 01h lists together');
    t.log(`${plain.length} logical unit(s), ${wk.length} well known: ${wk.map(hex).join(' ') || 'none'}`);
  },
);

suite.test(
  'Administrative',
  {
    doc: `REPORT LUNS with SELECT REPORT 10h (administrative logical units), 11h (administrative logical units and those that are not subsidiary) and 12h
      (the subsidiary logical units of the administrative logical unit addressed) must each complete with GOOD and list only logical units the 02h
      list holds, no well known one and none twice; a device server of SPC-4 or older, where these values were reserved, may refuse them with INVALID
      FIELD IN CDB instead.`,
    level: 'MUST',
  },
  async (t) => {
    const all = new Set(((await list(t, 0x02)) ?? []).map(hex));
    for (const select of [0x10, 0x11, 0x12]) {
      const l = await list(t, select, { optional: true });
      if (!l) {
        t.log(`SELECT REPORT ${select.toString(16)}h refused (INVALID FIELD IN CDB)`);
        continue;
      }
      const seen = new Set<string>();
      for (const e of l) {
        t.check(!isWellKnown(e), `SELECT REPORT ${select.toString(16)}h lists the well known logical unit ${hex(e)}`);
        t.check(all.has(hex(e)), `SELECT REPORT ${select.toString(16)}h lists ${hex(e)}, which SELECT REPORT 02h does not`);
        t.check(!seen.has(hex(e)), `SELECT REPORT ${select.toString(16)}h lists ${hex(e)} twice`);
        seen.add(hex(e));
      }
    }
  },
);

/** The REPORT LUNS well known logical unit's address (SPC-5 well known logical units). */
const REPORT_LUNS_WLUN = scsi.REPORT_LUNS_WLUN;
const LU_NOT_SUPPORTED = expectation('LU_NOT_SUPPORTED', scsi.ScsiStatus.CHECK_CONDITION, scsi.SenseKey.ILLEGAL_REQUEST, [scsi.Asc.LOGICAL_UNIT_NOT_SUPPORTED]);

suite.test(
  'WellKnownLun',
  {
    doc: `Where SELECT REPORT 01h lists the REPORT LUNS well known logical unit (C101000000000000h), REPORT LUNS (SELECT REPORT 00h) addressed to it
      must complete with GOOD and return the same logical unit inventory as through the LUN under test, and INQUIRY addressed to it must return
      PERIPHERAL QUALIFIER 000b and PERIPHERAL DEVICE TYPE 1Eh (well known logical unit): SPC-5 says the REPORT LUNS well known logical unit shall
      process REPORT LUNS as the logical unit inventory of the target device, and a well known logical unit reports device type 1Eh. Where it is not
      listed, REPORT LUNS addressed to it may still be answered (GOOD, the same list) or refused with LOGICAL UNIT NOT SUPPORTED; SHOULD: a GOOD
      answer gives the same list. The sentences: REPORT LUNS "requests that the peripheral device logical unit inventory accessible to the I_T nexus
      be sent" (one inventory per I_T nexus, whichever LU is addressed); "If a well known logical unit is supported within a SCSI target device, then
      that logical unit shall support all the commands defined for it" (INQUIRY and REPORT LUNS are mandatory for it); the PERIPHERAL DEVICE TYPE
      table gives 1Eh to a well known logical unit.`,
    level: 'MUST',
  },
  async (t) => {
    const wk = (await list(t, 0x01)) ?? [];
    const listed = wk.some((e) => e.readBigUInt64BE(0) === REPORT_LUNS_WLUN);
    const inventory = ((await list(t, 0x00)) ?? []).map(hex).sort().join(' ');
    const raw = { lun: REPORT_LUNS_WLUN };
    const what = 'REPORT LUNS SELECT REPORT 00h to LUN C101000000000000h';
    const r = await t.command(scsi.reportLuns({ alloc: 4096 }), { raw, what, expect: listed ? GOOD : [GOOD, LU_NOT_SUPPORTED] });
    if (r.status === 0) {
      let got: string;
      try {
        got = scsi.parseReportLuns(r.data).entries.map(hex).sort().join(' ');
      } catch (e) {
        return t.fail(`${what}: the parameter data does not parse: ${(e as Error).message}`);
      }
      const same = got === inventory;
      if (listed) t.equal(got, inventory, `${what}: its list versus the list through LUN ${t.config.target.lun}`);
      else t.should(same, `${what} (the well known LU is not listed) answered GOOD with ${got || 'no LUN'}, not the inventory ${inventory}`);
    }
    if (!listed) return t.log('SELECT REPORT 01h does not list the REPORT LUNS well known logical unit');
    const inq = await t.command(scsi.inquiry({ alloc: 96 }), { raw, what: 'INQUIRY to LUN C101000000000000h' });
    const d = scsi.parseStandardInquiry(inq.data);
    t.equal(d.peripheralQualifier, 0, 'PERIPHERAL QUALIFIER of the REPORT LUNS well known logical unit');
    t.equal(d.peripheralDeviceType, scsi.PeripheralDeviceType.WELL_KNOWN_LU, 'PERIPHERAL DEVICE TYPE of the REPORT LUNS well known logical unit');
  },
);

suite.test(
  'WellKnownLunCommands',
  {
    doc: `Where SELECT REPORT 01h lists the REPORT LUNS well known logical unit (C101000000000000h), the commands sent to it: SPC-5 says it shall
      process INQUIRY, REPORT LUNS, REQUEST SENSE and TEST UNIT READY: "The REPORT LUNS well known logical unit shall only process the commands
      listed in table 663. If a command is received ... that is not listed in table 663, then the command shall be terminated with CHECK CONDITION
      status, with the sense key set to ILLEGAL REQUEST, and the additional sense code set to INVALID COMMAND OPERATION CODE". TEST UNIT READY must complete with GOOD (after at most one unit
      attention), REQUEST SENSE with GOOD; READ CAPACITY (10) and READ (10) of one block, block device commands, must each end in INVALID COMMAND
      OPERATION CODE. Skips where the well known logical unit is not listed.`,
    clause: SPC5.REPORT_LUNS_WLUN,
    level: 'MUST',
  },
  async (t) => {
    const wk = (await list(t, 0x01)) ?? [];
    if (!wk.some((e) => e.readBigUInt64BE(0) === REPORT_LUNS_WLUN)) return t.skip('SELECT REPORT 01h does not list the REPORT LUNS well known logical unit');
    const raw = { lun: REPORT_LUNS_WLUN };
    const to = 'to LUN C101000000000000h';
    const tur = await t.command(scsi.testUnitReady(), { raw, what: `TEST UNIT READY ${to}`, expect: [GOOD, UNIT_ATTENTION] });
    if (tur.status !== 0) await t.command(scsi.testUnitReady(), { raw, what: `TEST UNIT READY ${to} after its unit attention`, expect: GOOD });
    await t.command(scsi.requestSense({ alloc: 252 }), { raw, what: `REQUEST SENSE ${to}`, expect: GOOD, dataIn: 252 });
    await t.command(scsi.readCapacity10(), { raw, what: `READ CAPACITY(10) ${to}`, expect: INVALID_OPCODE, dataIn: 8 });
    await t.command(scsi.read10({ lba: 0, blocks: 1 }), { raw, what: `READ(10) LBA=0 LEN=1 ${to}`, expect: INVALID_OPCODE, dataIn: 512 });
  },
);

export default suite;
