import { strict as assert } from 'node:assert';
import { checkCdbBits } from '../../../reference-target/scsi/server.js';
import { S, checkCondition, clearUa, good, invalidCdb, invalidParam, nexus, PLL_ERROR, ready, run, server } from './helpers.js';

const UA = S.SenseKey.UNIT_ATTENTION;
const IR = S.SenseKey.ILLEGAL_REQUEST;

function modeSelect6(pages: S.ModePage[], o: { pf?: boolean; sp?: boolean } = {}): { cdb: Buffer; data: Buffer } {
  const data = S.encodeModeParameters6({ select: true, pages });
  return { cdb: S.modeSelect6({ paramLen: data.length, ...o }), data };
}

describe('target/scsi SPC commands', () => {
  describe('INQUIRY', () => {
    it('standard data: SBC device, CMDQUE, HISUP, version descriptors SAM-5 SPC-5 SPC-4 SBC-4 SBC-3 iSCSI', async () => {
      const ds = await ready();
      const d = good(await run(ds, S.inquiry({ alloc: 260 })));
      const inq = S.parseStandardInquiry(d);
      assert.equal(inq.peripheralQualifier, 0);
      assert.equal(inq.peripheralDeviceType, 0);
      assert.equal(inq.responseDataFormat, 2);
      assert.equal(inq.version, 6);
      assert.equal(inq.cmdque, true);
      assert.equal(inq.hisup, true);
      assert.equal(inq.rmb, false);
      assert.equal(inq.normaca, false);
      assert.equal(inq.additionalLength, d.length - 5);
      assert.deepEqual(inq.versionDescriptors, [0x00a0, 0x05c0, 0x0460, 0x0600, 0x04c0, 0x0960]);
      assert.equal(inq.vendor, 'ISCSITST');
    });

    it('honours every allocation length, 0..5 included, and 16-bit ones', async () => {
      const ds = await ready();
      const full = good(await run(ds, S.inquiry({ alloc: 1024 })));
      for (const alloc of [0, 1, 2, 3, 4, 5, 35, 36, 37, full.length, 255, 256]) {
        const d = good(await run(ds, S.inquiry({ alloc })));
        assert.equal(d.length, Math.min(alloc, full.length), `alloc ${alloc}`);
        assert.ok(d.equals(full.subarray(0, d.length)));
      }
    });

    it('EVPD=0 with a PAGE CODE is INVALID FIELD IN CDB at byte 2; CmdDt and NACA are rejected', async () => {
      const ds = await ready();
      checkCondition(await run(ds, S.inquiry({ page: 1 })), invalidCdb(2, 7));
      const cmddt = S.inquiry();
      cmddt[1] = 0x02;
      checkCondition(await run(ds, cmddt), invalidCdb(1, 1));
      checkCondition(await run(ds, S.inquiry({ control: 0x04 })), invalidCdb(5, 2));
    });

    it('VPD 00h lists the pages in ascending order and each can be read; others are refused', async () => {
      const ds = await ready();
      const pages = S.parseSupportedVpdPages(good(await run(ds, S.inquiry({ evpd: true, page: 0 })))).pages;
      assert.deepEqual(pages, [0x00, 0x80, 0x83, 0x86, 0x8f, 0xb0, 0xb1, 0xb2]);
      for (const p of pages) assert.equal(S.parseVpdHeader(good(await run(ds, S.inquiry({ evpd: true, page: p })))).pageCode, p);
      checkCondition(await run(ds, S.inquiry({ evpd: true, page: 0x87 })), invalidCdb(2, 7));
      // allocation lengths cut VPD pages too
      assert.equal(good(await run(ds, S.inquiry({ evpd: true, page: 0xb0, alloc: 4 }))).length, 4);
    });

    it('VPD 80h and 83h: serial, NAA for the LU, target port designators for the port that asked', async () => {
      const ds = await ready({ serial: 'SER-0001' });
      assert.equal(S.parseUnitSerialNumber(good(await run(ds, S.inquiry({ evpd: true, page: 0x80 })))).serial, 'SER-0001');
      const n2 = { ...nexus(2), relativeTargetPort: 7, targetPortGroup: 3, targetPort: 'iqn.2026-11.org.iscsi-test:unit,t,0x0007' };
      const di = S.parseDeviceIdentification(good(await run(ds, S.inquiry({ evpd: true, page: 0x83 }), { nexus: n2 })));
      const d = di.designators.map((x) => ({ a: x.association, piv: x.piv, pid: x.protocolIdentifier, v: S.decodeDesignator(x) }));
      const naa = d.find((x) => x.v.kind === 'naa')!;
      assert.equal(naa.a, S.Association.LOGICAL_UNIT);
      assert.equal((naa.v as { naa: number }).naa, 5);
      assert.deepEqual(
        d.find((x) => x.v.kind === 'relativeTargetPort'),
        { a: 1, piv: true, pid: 5, v: { kind: 'relativeTargetPort', id: 7 } },
      );
      assert.deepEqual(d.find((x) => x.v.kind === 'targetPortGroup')!.v, { kind: 'targetPortGroup', group: 3 });
      const names = d.filter((x) => x.v.kind === 'scsiName');
      assert.deepEqual(
        names.map((x) => [x.a, (x.v as { name: string }).name]),
        [
          [1, 'iqn.2026-11.org.iscsi-test:unit,t,0x0007'],
          [2, 'iqn.2026-11.org.iscsi-test:unit'],
        ],
      );
      // the LU's NAA is stable for another port of the same target (multipath identity)
      const di1 = S.parseDeviceIdentification(good(await run(ds, S.inquiry({ evpd: true, page: 0x83 }))));
      assert.ok(di1.designators[0]!.designator.equals(di.designators[0]!.designator));
    });

    it('VPD B0, B1, B2 and READ CAPACITY(16) agree: thin LUN', async () => {
      const ds = await ready({ thin: true });
      const bl = S.parseBlockLimits(good(await run(ds, S.inquiry({ evpd: true, page: 0xb0 }))));
      assert.equal(bl.pageLength, 0x3c);
      assert.equal(bl.wsnz, false);
      assert.equal(bl.maximumCompareAndWriteLength, 128);
      assert.equal(bl.maximumTransferLength, 16384);
      assert.equal(bl.maximumUnmapLbaCount, 0x100000);
      assert.equal(bl.maximumUnmapBlockDescriptorCount, 1024);
      assert.equal(bl.optimalUnmapGranularity, 8);
      assert.equal(bl.ugavalid, true);
      assert.equal(bl.maximumWriteSameLength, 0xffffn);
      assert.equal(bl.maximumAtomicTransferLength, 2048);
      assert.ok(bl.maximumAtomicTransferLength! <= bl.maximumTransferLength!);
      const lbp = S.parseLogicalBlockProvisioning(good(await run(ds, S.inquiry({ evpd: true, page: 0xb2 }))));
      assert.deepEqual([lbp.lbpu, lbp.lbpws, lbp.lbpws10, lbp.lbprz, lbp.ancSup, lbp.provisioningType], [true, true, true, 1, true, 2]);
      const rc = S.parseReadCapacity16(good(await run(ds, S.readCapacity16())));
      assert.equal(rc.lbpme, true);
      assert.equal(rc.lbprz, true);
      const bdc = S.parseBlockDeviceCharacteristics(good(await run(ds, S.inquiry({ evpd: true, page: 0xb1 }))));
      assert.equal(bdc.mediumRotationRate, 1);
      assert.equal(bdc.wabereq, 1);
      assert.equal(bdc.wacereq, 1);
    });

    it('VPD B0, B2 and READ CAPACITY(16) agree: thick LUN (no unmap anywhere)', async () => {
      const ds = await ready({ blockSize: 4096, lbppbExponent: 0 });
      const bl = S.parseBlockLimits(good(await run(ds, S.inquiry({ evpd: true, page: 0xb0 }))));
      assert.equal(bl.maximumUnmapLbaCount, 0);
      assert.equal(bl.maximumUnmapBlockDescriptorCount, 0);
      assert.equal(bl.maximumTransferLength, 2048);
      const lbp = S.parseLogicalBlockProvisioning(good(await run(ds, S.inquiry({ evpd: true, page: 0xb2 }))));
      assert.deepEqual([lbp.lbpu, lbp.lbpws, lbp.lbpws10, lbp.lbprz], [false, false, false, 0]);
      const rc = S.parseReadCapacity16(good(await run(ds, S.readCapacity16())));
      assert.equal(rc.lbpme, false);
      assert.equal(rc.blockLength, 4096);
      // BLOCK ERASE and CRYPTO ERASE on a thick LUN too: reads after them succeed
      const bdc = S.parseBlockDeviceCharacteristics(good(await run(ds, S.inquiry({ evpd: true, page: 0xb1 }))));
      assert.deepEqual([bdc.wabereq, bdc.wacereq], [1, 1]);
    });
  });

  describe('unknown LUN', () => {
    it('INQUIRY answers with peripheral qualifier 011b; other commands get LOGICAL UNIT NOT SUPPORTED', async () => {
      const ds = server();
      const inq = S.parseStandardInquiry(good(await run(ds, S.inquiry(), { lun: 5 })));
      assert.equal(inq.peripheralQualifier, 3);
      assert.equal(inq.peripheralDeviceType, 0x1f);
      checkCondition(await run(ds, S.testUnitReady(), { lun: 5 }), { key: IR, asc: S.Asc.LOGICAL_UNIT_NOT_SUPPORTED });
      checkCondition(await run(ds, S.read10({ lba: 0, blocks: 1 }), { lun: 5 }), { key: IR, asc: S.Asc.LOGICAL_UNIT_NOT_SUPPORTED });
      const rs = S.decodeSense(good(await run(ds, S.requestSense(), { lun: 5 })));
      assert.equal(S.describeSense(rs), 'ILLEGAL REQUEST/LOGICAL UNIT NOT SUPPORTED');
      assert.deepEqual(S.parseReportLuns(good(await run(ds, S.reportLuns(), { lun: 5 }))).luns, [0]);
    });
  });

  describe('REPORT LUNS', () => {
    it('lists the LUNs in order for SELECT REPORT 0, 2 and 11h, none for 1, 10h and 12h; refuses other values; cuts at the allocation length', async () => {
      const ds = server({}, { luns: [3, 0, 1].map((lun) => ({ lun, backing: 'memory' as const, size: 65536 })) });
      await clearUa(ds, nexus());
      for (const select of [0, 2]) assert.deepEqual(S.parseReportLuns(good(await run(ds, S.reportLuns({ select })))).luns, [0, 1, 3]);
      assert.deepEqual(S.parseReportLuns(good(await run(ds, S.reportLuns({ select: 1 })))).luns, []);
      checkCondition(await run(ds, S.reportLuns({ select: 3 })), invalidCdb(2, 7));
      for (const select of [0x10, 0x12]) assert.deepEqual(S.parseReportLuns(good(await run(ds, S.reportLuns({ select })))).luns, []);
      assert.deepEqual(S.parseReportLuns(good(await run(ds, S.reportLuns({ select: 0x11 })))).luns, [0, 1, 3]);
      checkCondition(await run(ds, S.reportLuns({ select: 0x13 })), invalidCdb(2, 7));
      const cut = S.parseReportLuns(good(await run(ds, S.reportLuns({ alloc: 16 }))));
      assert.equal(cut.listLength, 24);
      assert.equal(cut.truncated, true);
    });
  });

  describe('opcodes and reserved fields', () => {
    it('an unknown operation code is INVALID COMMAND OPERATION CODE; an unknown service action INVALID FIELD IN CDB (byte 1)', async () => {
      const ds = await ready();
      checkCondition(await run(ds, Buffer.from([0xc0, 0, 0, 0, 0, 0])), { key: IR, asc: S.Asc.INVALID_COMMAND_OPERATION_CODE });
      // MAINTENANCE IN REPORT ALIASES (0Bh), a service action the LU does not implement
      const aliases = Buffer.from([0xa3, 0x0b, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0]);
      checkCondition(await run(ds, aliases), invalidCdb(1, 4));
      const sai = S.readCapacity16();
      sai[1] = 0x11;
      checkCondition(await run(ds, sai), invalidCdb(1, 4));
    });

    it('every CDB bit the usage map does not claim is refused with a field pointer at it (usage maps agree with the checks)', async () => {
      const ds = await ready({ thin: true, removable: true });
      const lu = ds.unit(0)!;
      let tried = 0;
      for (const spec of ds.specsFor(lu)) {
        const usage = spec.usage;
        for (let i = 1; i < spec.cdbLength; i++) {
          for (let b = 7; b >= 0; b--) {
            const m = 1 << b;
            if (usage[i]! & m || (spec.obsolete?.[i] ?? 0) & m || (i === 1 && spec.sa !== undefined && m & 0x1f)) continue;
            const cdb = Buffer.alloc(spec.cdbLength);
            cdb[0] = spec.op;
            if (spec.sa !== undefined) cdb[1] = spec.sa;
            cdb[i]! |= m;
            assert.throws(
              () => checkCdbBits(spec, cdb),
              (e: { detail: { field: { byte: number; bit: number } } }) => e.detail.field.byte === i && e.detail.field.bit === b,
              `${spec.name} byte ${i} bit ${b}`,
            );
            tried++;
          }
        }
      }
      assert.ok(tried > 300, `${tried} reserved bits tried`);
      // and through execute(), a few of them end to end
      const rd = S.read10({ lba: 0, blocks: 1 });
      rd[6] = 0x40;
      checkCondition(await run(ds, rd), invalidCdb(6, 6));
      const tur = S.testUnitReady();
      tur[3] = 1;
      checkCondition(await run(ds, tur), invalidCdb(3, 0));
      const san = S.sanitize({ sa: 1, paramLen: 0 });
      san[1]! |= 0x40;
      checkCondition(await run(ds, san), invalidCdb(1, 6));
    });

    it('obsolete bits are accepted and ignored (FUA_NV, SYNC_NV, the READ CAPACITY(10) LBA and PMI)', async () => {
      const ds = await ready();
      const rd = S.read10({ lba: 0, blocks: 1 });
      rd[1] = 0x02;
      good(await run(ds, rd));
      const sc = S.synchronizeCache10({ lba: 0, blocks: 1 });
      sc[1] = 0x04;
      good(await run(ds, sc));
      const rc = S.readCapacity10();
      rc[2] = 1;
      rc[8] = 1;
      good(await run(ds, rc));
    });
  });

  describe('REQUEST SENSE', () => {
    it('returns the pending unit attention and clears it, then NO SENSE; DESC selects descriptor format; ALLOCATION LENGTH cuts', async () => {
      const ds = server();
      const n = nexus();
      const s1 = S.decodeSense(good(await run(ds, S.requestSense({ desc: true }), { nexus: n })));
      assert.equal(s1.format, 'descriptor');
      assert.equal(S.describeSense(s1), 'UNIT ATTENTION/POWER ON OR RESET OCCURRED');
      const s2 = S.decodeSense(good(await run(ds, S.requestSense(), { nexus: n })));
      assert.equal(s2.format, 'fixed');
      assert.equal(S.describeSense(s2), 'NO SENSE/NO ADDITIONAL SENSE');
      good(await run(ds, S.testUnitReady(), { nexus: n }));
      assert.equal(good(await run(ds, S.requestSense({ alloc: 8 }), { nexus: n })).length, 8);
      assert.equal(good(await run(ds, S.requestSense({ alloc: 0 }), { nexus: n })).length, 0);
    });
  });

  describe('MODE SENSE', () => {
    it('all pages (08h, 0Ah, 1Ch ascending), a block descriptor, DPOFUA, no WP', async () => {
      const ds = await ready();
      const m = S.parseModeParameters6(good(await run(ds, S.modeSense6({ page: 0x3f }))));
      assert.deepEqual(
        m.pages.map((p) => p.pageCode),
        [0x08, 0x0a, 0x1c],
      );
      assert.deepEqual(m.blockDescriptors, [{ numberOfBlocks: 16384n, blockLength: 512 }]);
      assert.equal(m.header.dpofua, true);
      assert.equal(m.header.wp, false);
      const c = S.parseCachingPage(S.findModePage(m, 0x08)!);
      assert.equal(c.wce, true);
      assert.equal(c.rcd, true);
      const ctl = S.parseControlPage(S.findModePage(m, 0x0a)!);
      assert.deepEqual([ctl.tst, ctl.dSense, ctl.swp, ctl.qerr, ctl.tas], [0, false, false, 0, false]);
      // DBD, one page, truncation to 4 bytes
      const one = S.parseModeParameters6(good(await run(ds, S.modeSense6({ page: 0x0a, dbd: true }))));
      assert.equal(one.blockDescriptors.length, 0);
      assert.deepEqual(
        one.pages.map((p) => p.pageCode),
        [0x0a],
      );
      assert.equal(good(await run(ds, S.modeSense6({ page: 0x3f, alloc: 4 }))).length, 4);
    });

    it('changeable and default values; saved values are SAVING PARAMETERS NOT SUPPORTED; unknown pages and subpages refused', async () => {
      const ds = await ready();
      const ch = S.parseModeParameters6(good(await run(ds, S.modeSense6({ page: 0x3f, pc: 1 }))));
      const cm = S.parseCachingPage(S.findModePage(ch, 8)!);
      assert.deepEqual([cm.wce, cm.rcd, cm.ic], [true, true, false]);
      const ctl = S.parseControlPage(S.findModePage(ch, 0x0a)!);
      assert.deepEqual([ctl.dSense, ctl.swp, ctl.tst], [true, true, 0]);
      good(await run(ds, S.modeSense6({ page: 0x3f, pc: 2 })));
      checkCondition(await run(ds, S.modeSense6({ page: 0x3f, pc: 3 })), { key: IR, asc: S.Asc.SAVING_PARAMETERS_NOT_SUPPORTED });
      checkCondition(await run(ds, S.modeSense6({ page: 0x19 })), invalidCdb(2, 5));
      checkCondition(await run(ds, S.modeSense6({ page: 0x0a, subpage: 1 })), invalidCdb(3, 7));
      good(await run(ds, S.modeSense6({ page: 0x3f, subpage: 0xff })));
    });

    it('MODE SENSE(10) with LLBAA returns a long LBA block descriptor', async () => {
      const ds = await ready();
      const m = S.parseModeParameters10(good(await run(ds, S.modeSense10({ page: 0x08, llbaa: true }))));
      assert.equal(m.header.longLba, true);
      assert.deepEqual(m.blockDescriptors, [{ numberOfBlocks: 16384n, blockLength: 512 }]);
    });

    it('WP reflects a read-only LUN', async () => {
      const ds = await ready({ readOnly: true });
      assert.equal(S.parseModeParameters6(good(await run(ds, S.modeSense6({ page: 0x3f })))).header.wp, true);
    });
  });

  describe('MODE SELECT', () => {
    it('SWP set on one nexus: WP bit, writes refused, MODE PARAMETERS CHANGED on the other nexus only', async () => {
      const ds = await ready();
      const n2 = nexus(2);
      await clearUa(ds, n2);
      const { cdb, data } = modeSelect6([S.encodeControlPage({ swp: true })]);
      good(await run(ds, cdb, { dataOut: data }));
      assert.equal(S.parseModeParameters6(good(await run(ds, S.modeSense6({ page: 0x3f })))).header.wp, true);
      checkCondition(await run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512) }), {
        key: S.SenseKey.DATA_PROTECT,
        asc: S.Asc.SOFTWARE_WRITE_PROTECTED,
      });
      good(await run(ds, S.read10({ lba: 0, blocks: 1 })));
      assert.deepEqual(await clearUa(ds, n2), [S.Asc.MODE_PARAMETERS_CHANGED]);
      // the same values again change nothing: no new unit attention
      good(await run(ds, cdb, { dataOut: data }));
      assert.deepEqual(await clearUa(ds, n2), []);
    });

    it('D_SENSE selects descriptor format sense data', async () => {
      const ds = await ready();
      const { cdb, data } = modeSelect6([S.encodeControlPage({ dSense: true })]);
      good(await run(ds, cdb, { dataOut: data }));
      checkCondition(await run(ds, S.read16({ lba: 2n ** 63n, blocks: 1 })), { key: IR, asc: S.Asc.LBA_OUT_OF_RANGE, format: 'descriptor' });
      const ten = S.encodeModeParameters10({ select: true, pages: [S.encodeControlPage({})] });
      good(await run(ds, S.modeSelect10({ paramLen: ten.length }), { dataOut: ten }));
      checkCondition(await run(ds, S.read16({ lba: 2n ** 63n, blocks: 1 })), { key: IR, asc: S.Asc.LBA_OUT_OF_RANGE, format: 'fixed' });
    });

    it('a field that is not changeable must keep its value: INVALID FIELD IN PARAMETER LIST at that byte and bit', async () => {
      const ds = await ready();
      // QERR (Control byte 3 bits 2-1): page starts at byte 4 of the list, so byte 3 of the page is list byte 7
      const { cdb, data } = modeSelect6([S.encodeControlPage({ qerr: 1 })]);
      checkCondition(await run(ds, cdb, { dataOut: data }), invalidParam(7, 1));
      const c = modeSelect6([S.encodeCachingPage({ wce: true, rcd: true, ic: true })]);
      checkCondition(await run(ds, c.cdb, { dataOut: c.data }), invalidParam(6, 7));
    });

    it('parameter list errors: short list, bad page length, unknown page, PS, bad header, bad block descriptor', async () => {
      const ds = await ready();
      checkCondition(await run(ds, S.modeSelect6({ paramLen: 3 }), { dataOut: Buffer.alloc(3) }), PLL_ERROR);
      const ok = S.encodeModeParameters6({ select: true, pages: [S.encodeControlPage({})] });
      const short = ok.subarray(0, ok.length - 2);
      checkCondition(await run(ds, S.modeSelect6({ paramLen: short.length }), { dataOut: short }), PLL_ERROR);
      const badLen = Buffer.from(ok);
      badLen[5] = 0x0b;
      checkCondition(await run(ds, S.modeSelect6({ paramLen: badLen.length }), { dataOut: Buffer.concat([badLen, Buffer.alloc(1)]) }), invalidParam(5));
      const unknown = Buffer.from(ok);
      unknown[4] = 0x19;
      checkCondition(await run(ds, S.modeSelect6({ paramLen: unknown.length }), { dataOut: unknown }), invalidParam(4, 5));
      const ps = Buffer.from(ok);
      ps[4]! |= 0x80;
      checkCondition(await run(ds, S.modeSelect6({ paramLen: ps.length }), { dataOut: ps }), invalidParam(4, 7));
      const mdl = Buffer.from(ok);
      mdl[0] = 17;
      checkCondition(await run(ds, S.modeSelect6({ paramLen: mdl.length }), { dataOut: mdl }), invalidParam(0, 4));
      const bd = S.encodeModeParameters6({ select: true, blockDescriptors: [{ numberOfBlocks: 100, blockLength: 512 }] });
      checkCondition(await run(ds, S.modeSelect6({ paramLen: bd.length }), { dataOut: bd }), invalidParam(4));
      const bdOk = S.encodeModeParameters6({ select: true, blockDescriptors: [{ numberOfBlocks: 0, blockLength: 512 }] });
      good(await run(ds, S.modeSelect6({ paramLen: bdOk.length }), { dataOut: bdOk }));
    });

    it('SP=1 and PF=0 with pages are INVALID FIELD IN CDB; RTD reverts to the defaults', async () => {
      const ds = await ready();
      const { data } = modeSelect6([S.encodeControlPage({ swp: true })]);
      checkCondition(await run(ds, S.modeSelect6({ paramLen: data.length, sp: true }), { dataOut: data }), invalidCdb(1, 0));
      checkCondition(await run(ds, S.modeSelect6({ paramLen: data.length, pf: false }), { dataOut: data }), invalidCdb(1, 4));
      good(await run(ds, S.modeSelect6({ paramLen: data.length }), { dataOut: data }));
      assert.equal(ds.unit(0)!.mode.swp, true);
      const rtd = S.modeSelect6({ paramLen: 0 });
      rtd[1]! |= 0x02;
      good(await run(ds, rtd));
      assert.equal(ds.unit(0)!.mode.swp, false);
    });
  });

  describe('REPORT SUPPORTED OPERATION CODES', () => {
    it('all commands: sorted, SERVACTV on service actions, timeouts with RCTD', async () => {
      const ds = await ready({ thin: true });
      const all = S.parseRsocAllCommands(good(await run(ds, S.reportSupportedOperationCodes({ alloc: 65535 }))));
      const keys = all.commands.map((c) => c.opcode * 256 + (c.servactv ? c.serviceAction : 0));
      assert.deepEqual(
        keys,
        [...keys].sort((a, b) => a - b),
      );
      assert.ok(all.commands.every((c) => !c.ctdp));
      assert.ok(all.commands.every((c) => c.servactv || c.serviceAction === 0));
      const names = new Set(all.commands.map((c) => S.opcodeName(c.opcode, c.servactv ? c.serviceAction : undefined)));
      for (const n of [
        'READ(16)',
        'UNMAP',
        'GET LBA STATUS',
        'READ CAPACITY(16)',
        'SANITIZE BLOCK ERASE',
        'COMPARE AND WRITE',
        'WRITE ATOMIC(16)',
        'REPORT SUPPORTED OPERATION CODES',
      ]) {
        assert.ok(names.has(n), n);
      }
      const rctd = S.parseRsocAllCommands(good(await run(ds, S.reportSupportedOperationCodes({ rctd: true, alloc: 65535 }))));
      assert.ok(rctd.commands.every((c) => c.ctdp && c.timeouts!.recommended > 0));
      // a thick LUN has no UNMAP, but BLOCK ERASE and CRYPTOGRAPHIC ERASE
      const thick = await ready();
      const t = S.parseRsocAllCommands(good(await run(thick, S.reportSupportedOperationCodes())));
      assert.ok(!t.commands.some((c) => c.opcode === S.Op.UNMAP));
      for (const sa of [2, 3])
        assert.ok(
          t.commands.some((c) => c.opcode === S.Op.SANITIZE && c.serviceAction === sa),
          `SANITIZE SA ${sa}`,
        );
    });

    it('one command: usage maps (READ(10) shows DPO and FUA), SUPPORT, reporting-option mismatches', async () => {
      const ds = await ready();
      const r10 = S.parseRsocOneCommand(good(await run(ds, S.reportSupportedOperationCodes({ op: S.Op.READ_10 }))));
      assert.equal(r10.support, S.RsocSupport.SUPPORTED);
      assert.equal(r10.cdbSize, 10);
      assert.equal(r10.usageMap[0], S.Op.READ_10);
      assert.equal(r10.usageMap[1]! & 0x18, 0x18);
      const rc16 = S.parseRsocOneCommand(good(await run(ds, S.reportSupportedOperationCodes({ op: 0x9e, sa: 0x10, rctd: true }))));
      assert.equal(rc16.usageMap[1], 0x10);
      assert.equal(rc16.timeouts?.recommended, 30);
      const none = S.parseRsocOneCommand(good(await run(ds, S.reportSupportedOperationCodes({ op: 0xc0 }))));
      assert.equal(none.support, S.RsocSupport.NOT_SUPPORTED);
      checkCondition(await run(ds, S.reportSupportedOperationCodes({ options: 1, op: 0x9e })), invalidCdb(2, 2));
      checkCondition(await run(ds, S.reportSupportedOperationCodes({ options: 2, op: 0x28, sa: 0 })), invalidCdb(2, 2));
      checkCondition(await run(ds, S.reportSupportedOperationCodes({ options: 4 })), invalidCdb(2, 2));
      const ro3 = S.parseRsocOneCommand(good(await run(ds, S.reportSupportedOperationCodes({ options: 3, op: 0x28 }))));
      assert.equal(ro3.support, S.RsocSupport.SUPPORTED);
    });
  });

  describe('TEST UNIT READY', () => {
    it('GOOD once the power-on unit attention is consumed', async () => {
      const ds = server();
      checkCondition(await run(ds, S.testUnitReady()), { key: UA, asc: S.Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET });
      good(await run(ds, S.testUnitReady()));
    });
  });
});
