/**
 * The Extended INQUIRY Data VPD page (86h, SPC-5), where the Supported VPD Pages page lists it: its length, and
 * the support it claims checked against what the logical unit does (task attributes, sense data length,
 * caches).
 */
import { defineSuite, GOOD, INVALID_FIELD_IN_CDB, iscsi, scsi, SPC5, type TestContext } from '../../harness/api.js';

const suite = defineSuite('InquiryVPD86', { families: ['SCSI'], clause: SPC5.EXTENDED_INQUIRY_DATA });

/** The page, after checking the Supported VPD Pages page lists it (the test skips otherwise). */
async function extendedInquiry(t: TestContext): Promise<scsi.ExtendedInquiryData> {
  const pages = scsi.parseSupportedVpdPages((await t.command(scsi.inquiry({ evpd: true, page: 0x00, alloc: 255 }))).data).pages;
  if (!pages.includes(scsi.VpdPage.EXTENDED_INQUIRY_DATA)) t.skip('the Supported VPD Pages page does not list the Extended INQUIRY Data page (86h)');
  const r = await t.command(scsi.inquiry({ evpd: true, page: 0x86, alloc: 255 }), { what: 'INQUIRY EVPD PAGE=86h' });
  t.check(r.data.length >= 4, `INQUIRY EVPD PAGE=86h returned ${r.data.length} bytes, less than the 4-byte page header`);
  const page = scsi.parseExtendedInquiry(r.data);
  t.log(
    `HEADSUP ${+page.headSup!} ORDSUP ${+page.ordSup!} SIMPSUP ${+page.simpSup!} V_SUP ${+page.vSup!} NV_SUP ${+page.nvSup!} ` +
      `MAXIMUM SUPPORTED SENSE DATA LENGTH ${page.maxSenseLength}`,
  );
  return page;
}

suite.test(
  'PageLength',
  {
    doc: `Where the Supported VPD Pages page lists it, the Extended INQUIRY Data page (INQUIRY EVPD, PAGE CODE 86h, ALLOCATION LENGTH 255) must
      complete with GOOD, with PAGE CODE 86h, the PERIPHERAL QUALIFIER and DEVICE TYPE of standard INQUIRY, and PAGE LENGTH 003Ch, the value SPC-5
      gives the page (its table fixes "PAGE LENGTH (003Ch)"); the bytes returned must be the 64 of the page.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await t.command(scsi.inquiry({ evpd: true, page: 0x00, alloc: 255 }));
    if (!scsi.parseSupportedVpdPages(r.data).pages.includes(0x86))
      return t.skip('the Supported VPD Pages page does not list the Extended INQUIRY Data page (86h)');
    const p = await t.command(scsi.inquiry({ evpd: true, page: 0x86, alloc: 255 }), { what: 'INQUIRY EVPD PAGE=86h' });
    t.check(p.data.length >= 4, `INQUIRY EVPD PAGE=86h returned ${p.data.length} bytes, less than the 4-byte page header`);
    const h = scsi.parseVpdHeader(p.data);
    t.equal(h.pageCode, 0x86, 'PAGE CODE of the Extended INQUIRY Data page');
    t.equal(h.peripheralQualifier, t.dev.inquiry.peripheralQualifier, 'PERIPHERAL QUALIFIER of the Extended INQUIRY Data page');
    t.equal(h.peripheralDeviceType, t.dev.inquiry.peripheralDeviceType, 'PERIPHERAL DEVICE TYPE of the Extended INQUIRY Data page');
    t.equal(h.pageLength, scsi.EXTENDED_INQUIRY_PAGE_LENGTH, 'PAGE LENGTH of the Extended INQUIRY Data page');
    t.equal(p.data.length, 4 + scsi.EXTENDED_INQUIRY_PAGE_LENGTH, 'bytes of the Extended INQUIRY Data page returned for ALLOCATION LENGTH 255');
  },
);

suite.test(
  'SenseLength',
  {
    doc: `Where the Extended INQUIRY Data page reports a MAXIMUM SUPPORTED SENSE DATA LENGTH (not 0), which SPC-5 defines as the most sense data
      the device server returns with a status, the sense data of a CHECK CONDITION must be no longer ("The device server shall not return more sense
      data bytes in the same I_T_L_Q nexus transaction as the status than the smaller of" the Disconnect-Reconnect page's limit and this field):
      INQUIRY with EVPD 0 and PAGE CODE 01h (INVALID FIELD IN CDB) is sent, in whichever sense data format the LU uses.`,
    level: 'MUST',
  },
  async (t) => {
    const page = await extendedInquiry(t);
    if (!page.maxSenseLength) return t.log('MAXIMUM SUPPORTED SENSE DATA LENGTH is 0: not reported');
    const cdb = scsi.inquiry({ alloc: 255 });
    cdb[2] = 1;
    const r = await t.command(cdb, { expect: INVALID_FIELD_IN_CDB, dataIn: 255, what: 'INQUIRY EVPD=0 PAGE=01h' });
    const len = r.senseData?.length ?? 0;
    t.check(
      len <= page.maxSenseLength,
      `INQUIRY EVPD=0 PAGE=01h returned ${len} bytes of sense data, more than the MAXIMUM SUPPORTED SENSE DATA LENGTH ${page.maxSenseLength}`,
    );
  },
);

suite.test(
  'TaskAttributes',
  {
    doc: `For each task attribute the Extended INQUIRY Data page says the device server supports (SIMPSUP: SIMPLE, ORDSUP: ORDERED, HEADSUP: HEAD
      OF QUEUE), TEST UNIT READY sent with that attribute must complete with GOOD: the LU is ready (the test's session has had its unit attentions),
      and a supported attribute is processed, not refused ("A HEADSUP bit set to one indicates that the HEAD OF QUEUE task attribute ... is supported
      by the logical unit", and so for ORDSUP and SIMPSUP).`,
    clause: `${SPC5.EXTENDED_INQUIRY_DATA}, SAM-5 (task attributes)`,
    level: 'MUST',
  },
  async (t) => {
    const page = await extendedInquiry(t);
    const claimed = (
      [
        ['SIMPLE', page.simpSup, iscsi.TaskAttr.SIMPLE],
        ['ORDERED', page.ordSup, iscsi.TaskAttr.ORDERED],
        ['HEAD OF QUEUE', page.headSup, iscsi.TaskAttr.HEAD_OF_QUEUE],
      ] as const
    ).filter(([, on]) => on);
    if (claimed.length === 0) return t.log('the page claims no task attribute');
    for (const [name, , attr] of claimed)
      await t.command(scsi.testUnitReady(), { raw: { attr }, expect: GOOD, what: `TEST UNIT READY with task attribute ${name} (claimed supported)` });
  },
);

suite.test(
  'Caches',
  {
    doc: `The Extended INQUIRY Data page's V_SUP (a volatile cache) and NV_SUP (a non-volatile cache) bits against the Caching mode page: where MODE
      SENSE(6) reports write-back caching enabled (WCE 1), the LU has a cache, and SHOULD say so with V_SUP or NV_SUP; a warning otherwise.`,
    level: 'SHOULD',
  },
  async (t) => {
    const page = await extendedInquiry(t);
    const r = await t.command(scsi.modeSense6({ page: scsi.ModePageCode.CACHING, alloc: 255 }), {
      expect: [GOOD, INVALID_FIELD_IN_CDB],
      what: 'MODE SENSE(6) Caching mode page',
    });
    if (r.status !== 0) return t.log('the LU has no Caching mode page');
    const p = scsi.findModePage(scsi.parseModeParameters6(r.data), scsi.ModePageCode.CACHING);
    if (!p) return t.log('MODE SENSE(6) returned no Caching mode page');
    if (!scsi.parseCachingPage(p).wce) return t.log('WCE is 0: no write-back caching to compare');
    t.should(page.vSup || page.nvSup, 'the Caching mode page has WCE 1 (write-back caching), but the Extended INQUIRY Data page sets neither V_SUP nor NV_SUP');
  },
);

export default suite;
