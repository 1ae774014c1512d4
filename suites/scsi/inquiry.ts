/** INQUIRY (SPC-5 6.7): standard data, allocation length, EVPD, and the VPD pages (SPC-5 VPD parameters, SBC-4 6.6). */
import { defineSuite, INVALID_FIELD_IN_CDB, scsi, type TestContext, SBC4, SPC5 } from '../../harness/api.js';

const suite = defineSuite('Inquiry', { families: ['SCSI'], clause: SPC5.INQUIRY });

/** SPC-5 ASCII data field requirements: they hold graphic characters 20h..7Eh (NUL padding tolerated). */
function checkAscii(t: TestContext, data: Buffer, from: number, to: number, field: string): void {
  for (let i = from; i < Math.min(to, data.length); i++) {
    const b = data[i]!;
    if (b !== 0 && (b < 0x20 || b > 0x7e))
      t.fail(
        `standard INQUIRY ${field} holds byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}: ASCII ` +
          `fields hold only 20h..7Eh (SPC-5 ASCII data field requirements)`,
      );
  }
}

suite.test(
  'Standard',
  {
    doc: `Standard INQUIRY with ALLOCATION LENGTH 260 (the largest standard data there can be): GOOD with at least 36 bytes; PERIPHERAL QUALIFIER 0
      for the LUN under test; VERSION a standard (a VERSION of 0, claiming no standard, is a SHOULD-level warning); RESPONSE DATA FORMAT 2; ADDITIONAL
      LENGTH consistent with the bytes returned; T10 VENDOR IDENTIFICATION, PRODUCT IDENTIFICATION and PRODUCT REVISION LEVEL in ASCII; the obsolete
      AERC and TRMTSK bits clear for SPC-3 and SPC-2 or later (SHOULD: no sentence requires an obsolete bit to be zero, so a set one warns).`,
    clause: SPC5.STANDARD_INQUIRY_DATA,
    level: 'MUST',
  },
  async (t) => {
    const r = await t.command(scsi.inquiry({ alloc: 260 }));
    const d = r.data;
    t.check(d.length >= 36, `standard INQUIRY returned ${d.length} bytes; at least 36 are required (SPC-5 6.7.2)`);
    const inq = scsi.parseStandardInquiry(d);
    t.equal(inq.peripheralQualifier, 0, 'PERIPHERAL QUALIFIER of the LUN under test');
    t.log(`VERSION 0x${inq.version.toString(16)}`);
    if (inq.version === 0) t.should(false, 'VERSION is 0: the device claims conformance to no standard');
    else t.check(inq.version >= 3 && inq.version <= 8, `VERSION 0x${inq.version.toString(16)} is not a standard (03h SPC ... 07h SPC-5)`);
    t.equal(inq.responseDataFormat, 2, 'RESPONSE DATA FORMAT');
    // The device returns min(ALLOCATION LENGTH, 5 + ADDITIONAL LENGTH) bytes.
    t.equal(d.length, Math.min(260, 5 + inq.additionalLength), 'bytes returned versus 5 + ADDITIONAL LENGTH');
    checkAscii(t, d, 8, 16, 'T10 VENDOR IDENTIFICATION');
    checkAscii(t, d, 16, 32, 'PRODUCT IDENTIFICATION');
    checkAscii(t, d, 32, 36, 'PRODUCT REVISION LEVEL');
    // SHOULD only: SPC defines "obsolete" as an item removed from the standard, and no sentence says an obsolete bit shall be zero
    if (inq.version >= 5) t.should((d[3]! & 0x80) === 0, 'AERC (byte 3 bit 7) is set, but it is obsolete in SPC-3 and later, which the device claims');
    if (inq.version >= 4) t.should((d[3]! & 0x40) === 0, 'TRMTSK (byte 3 bit 6) is set, but it is obsolete in SPC-2 and later, which the device claims');
  },
);

suite.test(
  'AllocLength',
  {
    doc: `Standard INQUIRY with every ALLOCATION LENGTH from 0 to 255: each must complete with GOOD and return no more bytes than allowed (0 means no
      data, and is not an error); the data must be the same prefix every time. For SPC-3 and later (16-bit ALLOCATION LENGTH) an ALLOCATION LENGTH of 256
      must return the same data as 255 does when the data is shorter.`,
    clause: `${SPC5.INQUIRY_OVERVIEW}, ${SPC5.ALLOCATION_LENGTH}`,
    level: 'MUST',
  },
  async (t) => {
    const full = (await t.command(scsi.inquiry({ alloc: 255 }))).data;
    for (let a = 0; a < 256; a++) {
      const r = await t.command(scsi.inquiry({ alloc: a }), { dataIn: a });
      t.check(r.data.length <= a, `INQUIRY ALLOC=${a} returned ${r.data.length} bytes, more than the allocation length`);
      t.check(
        r.data.equals(full.subarray(0, r.data.length)),
        `INQUIRY ALLOC=${a} returned data that differs from the first ${r.data.length} bytes of ALLOC=255`,
      );
    }
    const inq = scsi.parseStandardInquiry(full);
    if (inq.version < 5) {
      t.log(`VERSION 0x${inq.version.toString(16)} predates SPC-3: the 16-bit allocation length is not checked`);
      return;
    }
    const r256 = await t.command(scsi.inquiry({ alloc: 256 }), { dataIn: 256 });
    const want = 5 + inq.additionalLength;
    if (want <= 255)
      t.check(r256.data.equals(full.subarray(0, want)), `INQUIRY ALLOC=256 returned ${r256.data.length} bytes that differ from ALLOC=255's ${full.length}`);
    else t.check(r256.data.length === 256, `INQUIRY ALLOC=256 returned ${r256.data.length} bytes though ${want} are available`);
  },
);

suite.test(
  'EVPD',
  {
    doc: `INQUIRY with EVPD 0 and a non-zero PAGE CODE (1) must be terminated with CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB: a page code
      without EVPD is a CDB error.`,
    clause: SPC5.INQUIRY_OVERVIEW,
    level: 'MUST',
  },
  async (t) => {
    const cdb = scsi.inquiry({ alloc: 255 });
    cdb[2] = 1;
    await t.command(cdb, { expect: INVALID_FIELD_IN_CDB, dataIn: 255 });
  },
);

suite.test(
  'MandatoryVPDSBC',
  {
    doc: `The VPD pages every device must have: Supported VPD Pages (00h) and Device Identification (83h) must each be returned with GOOD, with the
      page code asked for, and 83h must be listed in 00h.`,
    clause: `${SPC5.VPD}, ${SPC5.DEVICE_IDENTIFICATION}, ${SPC5.SUPPORTED_VPD_PAGES}, ${SBC4.VPD_OVERVIEW}`,
    level: 'MUST',
    needs: ['sbc'],
  },
  async (t) => {
    const p0 = await t.command(scsi.inquiry({ evpd: true, page: 0x00, alloc: 255 }));
    const pages = scsi.parseSupportedVpdPages(p0.data);
    t.equal(pages.pageCode, 0x00, 'PAGE CODE of the Supported VPD Pages page');
    const p83 = await t.command(scsi.inquiry({ evpd: true, page: 0x83, alloc: 1024 }));
    t.equal(p83.data[1], 0x83, 'PAGE CODE of the Device Identification page');
    scsi.parseDeviceIdentification(p83.data);
    t.check(pages.pages.includes(0x83), `the Supported VPD Pages page (${hexList(pages.pages)}) does not list Device Identification (83h)`);
  },
);

suite.test(
  'SupportedVPD',
  {
    doc: `Every page the Supported VPD Pages page lists (which must include 00h itself) must be returned by INQUIRY with EVPD set, with GOOD, with
      that PAGE CODE, and with the PERIPHERAL QUALIFIER and DEVICE TYPE of standard INQUIRY.`,
    clause: `${SPC5.SUPPORTED_VPD_PAGES}, ${SPC5.VPD}`,
    level: 'MUST',
  },
  async (t) => {
    const pages = scsi.parseSupportedVpdPages((await t.command(scsi.inquiry({ evpd: true, page: 0x00, alloc: 255 }))).data);
    t.check(pages.pages.includes(0x00), `the Supported VPD Pages page (${hexList(pages.pages)}) does not list itself (00h)`);
    const std = t.dev.inquiry;
    for (const p of pages.pages) {
      const r = await t.command(scsi.inquiry({ evpd: true, page: p, alloc: 255 }), {
        what: `INQUIRY EVPD PAGE=0x${p.toString(16).padStart(2, '0')} (listed in 00h)`,
      });
      t.check(r.data.length >= 4, `VPD page 0x${p.toString(16)} returned ${r.data.length} bytes, less than its 4-byte header`);
      const h = scsi.parseVpdHeader(r.data);
      t.equal(h.pageCode, p, `PAGE CODE of VPD page 0x${p.toString(16)}`);
      t.equal(h.peripheralQualifier, std.peripheralQualifier, `PERIPHERAL QUALIFIER of VPD page 0x${p.toString(16)}`);
      t.equal(h.peripheralDeviceType, std.peripheralDeviceType, `PERIPHERAL DEVICE TYPE of VPD page 0x${p.toString(16)}`);
    }
  },
);

suite.test(
  'VPDPageCodesSorted',
  {
    doc: 'The page codes of the Supported VPD Pages page must be in ascending order, each listed once.',
    clause: SPC5.SUPPORTED_VPD_PAGES,
    level: 'MUST',
  },
  async (t) => {
    const pages = scsi.parseSupportedVpdPages((await t.command(scsi.inquiry({ evpd: true, page: 0x00, alloc: 255 }))).data).pages;
    for (let i = 1; i < pages.length; i++) {
      t.check(
        pages[i]! > pages[i - 1]!,
        `Supported VPD Pages are not in ascending order: 0x${pages[i - 1]!.toString(16)} before 0x${pages[i]!.toString(16)} (${hexList(pages)})`,
      );
    }
  },
);

suite.test(
  'BlockLimits',
  {
    doc: `The Block Limits VPD page (B0h) of a block device, asked for with ALLOCATION LENGTH 64: PAGE LENGTH must match the bytes returned and be 3Ch
      for an SBC-3 or later device (0Ch is accepted only from an older one); when UNMAP is supported (LBPU) MAXIMUM UNMAP LBA COUNT and MAXIMUM UNMAP
      BLOCK DESCRIPTOR COUNT must be non-zero ("If the device server implements the UNMAP command, then the value in this field shall be greater
      than or equal to one"), and should be at least one physical block; otherwise both should be 0 (a warning: 0 "indicates that the device
      server does not implement the UNMAP command", but no sentence requires it).`,
    clause: SBC4.BLOCK_LIMITS,
    level: 'MUST',
    needs: ['sbc', 'blockLimits'],
  },
  async (t) => {
    const r = await t.command(scsi.inquiry({ evpd: true, page: 0xb0, alloc: 64 }));
    t.check(r.data.length >= 4, `Block Limits returned ${r.data.length} bytes`);
    const len = r.data.readUInt16BE(2);
    t.equal(r.data.length, Math.min(64, len + 4), 'bytes returned versus PAGE LENGTH + 4');
    if (len === 0x0c) {
      t.check(!t.dev.sbc3, 'Block Limits PAGE LENGTH is 0Ch (SBC-2) though the device claims SBC-3 or later, which requires 3Ch');
      return;
    }
    t.equal(len, 0x3c, 'Block Limits PAGE LENGTH');
    const bl = scsi.parseBlockLimits(r.data);
    if (t.dev.lbp?.lbpu) {
      t.check((bl.maximumUnmapLbaCount ?? 0) > 0, 'LBPU is set but MAXIMUM UNMAP LBA COUNT is 0');
      t.check((bl.maximumUnmapBlockDescriptorCount ?? 0) > 0, 'LBPU is set but MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT is 0');
      // SHOULD: no sentence ties the limit to the physical block; it only has to be at least one
      t.should(
        (bl.maximumUnmapLbaCount ?? 0) >= t.dev.lbppb,
        `MAXIMUM UNMAP LBA COUNT ${bl.maximumUnmapLbaCount} is less than one physical block (${t.dev.lbppb})`,
      );
    } else {
      // SHOULD: 0 "indicates that the device server does not implement the UNMAP command", but no sentence says it shall be 0 then
      t.should((bl.maximumUnmapLbaCount ?? 0) === 0, `MAXIMUM UNMAP LBA COUNT is ${bl.maximumUnmapLbaCount} without UNMAP support (LBPU=0), not 0`);
      t.should(
        (bl.maximumUnmapBlockDescriptorCount ?? 0) === 0,
        `MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT is ${bl.maximumUnmapBlockDescriptorCount} without UNMAP support (LBPU=0), not 0`,
      );
    }
  },
);

suite.test(
  'VersionDescriptors',
  {
    doc: `A block device should claim, in the VERSION DESCRIPTOR fields of standard INQUIRY, some version of SPC and some version of SBC. A missing
      claim is a SHOULD-level warning.`,
    clause: SPC5.STANDARD_INQUIRY_DATA,
    level: 'SHOULD',
    needs: ['sbc'],
  },
  async (t) => {
    const r = await t.command(scsi.inquiry({ alloc: 255 }));
    const vds = scsi.parseStandardInquiry(r.data).versionDescriptors;
    t.log(`version descriptors: ${vds.map(scsi.versionDescriptorName).join(', ') || '(none)'}`);
    const family = (v: number) => v & 0xffe0;
    const SPC = [0x0120, 0x0260, 0x0300, 0x0460, 0x05c0, 0x06e0];
    const SBC = [0x0180, 0x0320, 0x04c0, 0x0600, 0x06c0];
    t.should(
      vds.some((v) => SPC.includes(family(v))),
      'the block device claims no version of SPC in its version descriptors',
    );
    t.should(
      vds.some((v) => SBC.includes(family(v))),
      'the block device claims no version of SBC in its version descriptors',
    );
  },
);

const hexList = (l: number[]): string => l.map((p) => `${p.toString(16).padStart(2, '0')}h`).join(' ');

export default suite;
