import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { assertBytes, assertThrowsCode, everyPrefix, h, zeros } from './helpers.js';

// MODE SENSE(6) data: MODE DATA LENGTH 31, WP|DPOFUA, one short block descriptor (10000h blocks of 512),
// Caching page with WCE, FSW, 20 cache segments and the pre-fetch fields
const CACHING_DATA = h('04 00 ff ff 00 00 ff ff ff ff 80 14 00 00 00 00 00 00');
const SENSE6 = Buffer.concat([h('1f 00 90 08'), h('00 01 00 00 00 00 02 00'), h('08 12'), CACHING_DATA]);

// MODE SENSE(10) data: LONGLBA with one long descriptor (1_0000_0000h blocks of 4096), the Control page
// and a sub_page format page (0Ah/01h, 28 bytes)
const CONTROL_PAGE = h('0a 0a 26 10 28 c0 00 00 00 64 01 2c');
const SUBPAGE = Buffer.concat([h('4a 01 00 1c'), zeros(28)]);
const SENSE10 = Buffer.concat([h('00 42 00 00 01 00 00 10'), h('00 00 00 01 00 00 00 00 00 00 00 00 00 00 10 00'), CONTROL_PAGE, SUBPAGE]);

const CACHING: S.CachingPage = {
  ic: false,
  abpf: false,
  cap: false,
  disc: false,
  size: false,
  wce: true,
  mf: false,
  rcd: false,
  demandReadRetentionPriority: 0,
  writeRetentionPriority: 0,
  disablePrefetchTransferLength: 0xffff,
  minimumPrefetch: 0,
  maximumPrefetch: 0xffff,
  maximumPrefetchCeiling: 0xffff,
  fsw: true,
  lbcss: false,
  dra: false,
  syncProg: 0,
  nvDis: false,
  numberOfCacheSegments: 20,
  cacheSegmentSize: 0,
};

const CONTROL: S.ControlPage = {
  tst: 1,
  tmfOnly: false,
  dpicz: false,
  dSense: true,
  gltsd: true,
  rlec: false,
  queueAlgorithmModifier: 1,
  nuar: false,
  qerr: 0,
  rac: false,
  uaIntlckCtrl: 2,
  swp: true,
  ato: true,
  tas: true,
  atmpe: false,
  rwwp: false,
  sblp: false,
  autoloadMode: 0,
  busyTimeoutPeriod: 100,
  extendedSelfTestCompletionTime: 300,
};

describe('scsi/mode parameters with the 6-byte header (SPC-5 mode parameters)', () => {
  it('parses header, block descriptor and pages', () => {
    assert.equal(SENSE6.length, 32);
    const m = S.parseModeParameters6(SENSE6);
    assert.deepEqual(m.header, { modeDataLength: 31, mediumType: 0, deviceSpecific: 0x90, wp: true, dpofua: true, longLba: false, blockDescriptorLength: 8 });
    assert.deepEqual(m.blockDescriptors, [{ numberOfBlocks: 0x10000n, blockLength: 512 }]);
    assert.deepEqual(m.pages, [{ pageCode: 8, spf: false, ps: false, data: CACHING_DATA }]);
    assert.equal(m.truncated, false);
    assert.deepEqual(S.parseCachingPage(S.findModePage(m, S.ModePageCode.CACHING)!), CACHING);
  });

  it('encodes the same bytes', () => {
    const got = S.encodeModeParameters6({
      wp: true,
      dpofua: true,
      blockDescriptors: [{ numberOfBlocks: 0x10000, blockLength: 512 }],
      pages: [S.encodeCachingPage(CACHING)],
    });
    assertBytes(got, SENSE6);
  });

  it('saturates a short block descriptor NUMBER OF LOGICAL BLOCKS', () => {
    const got = S.encodeModeParameters6({ blockDescriptors: [{ numberOfBlocks: 0x100000000n, blockLength: 4096 }] });
    assertBytes(got, h('0b 00 00 08 ff ff ff ff 00 00 10 00'));
  });

  it('keeps what is there when cut', () => {
    everyPrefix(SENSE6, (b) => S.parseModeParameters6(b));
    const m = S.parseModeParameters6(SENSE6.subarray(0, 20));
    assert.equal(m.truncated, true);
    assert.equal(m.blockDescriptors.length, 1);
    assert.equal(m.pages.length, 0);
  });

  it('parses MODE SELECT data, whose MODE DATA LENGTH is reserved', () => {
    const select = Buffer.concat([h('00 00 00 00'), h('08 12'), CACHING_DATA]);
    const m = S.parseModeParameters6(select, { select: true });
    assert.equal(m.pages.length, 1);
    assertBytes(S.encodeModeParameters6({ select: true, pages: [S.encodeCachingPage(CACHING)] }), select);
    assertThrowsCode(() => S.parseModeParameters6(select), 'SCSI_E_DECODE', /MODE DATA LENGTH 0 is shorter than the header/);
  });

  it('rejects inconsistent data', () => {
    assertThrowsCode(() => S.parseModeParameters6(h('0a 00 00 07 00 00 00 00 00 00 00')), 'SCSI_E_DECODE', /not a multiple of 8/);
    assertThrowsCode(() => S.parseModeParameters6(h('0b 00 00 10 00 00 00 00 00 00 00 00')), 'SCSI_E_DECODE', /overruns MODE DATA LENGTH/);
    assertThrowsCode(() => S.parseModeParameters6(h('05 00 00 00 08 12')), 'SCSI_E_DECODE', /mode page 0x08 at byte 4 overruns/);
    assertThrowsCode(() => S.parseModeParameters6(h('02 00 00')), 'SCSI_E_DECODE', /need at least 4/);
  });

  it('rejects mode data that does not fit the 6-byte header', () => {
    const big = { pageCode: 0x20, data: zeros(251) };
    assert.equal(S.encodeModeParameters6({ pages: [{ pageCode: 0x20, data: zeros(250) }] })[0], 255);
    assertThrowsCode(() => S.encodeModeParameters6({ pages: [big] }), 'E_RANGE', /MODE DATA LENGTH/);
    assertThrowsCode(() => S.encodeModePage({ pageCode: 0x20, data: zeros(256) }), 'E_RANGE', /PAGE LENGTH/);
    assertThrowsCode(() => S.encodeModePage({ pageCode: 0x40, data: zeros(1) }), 'E_RANGE', /PAGE CODE/);
  });
});

describe('scsi/mode parameters with the 10-byte header (SPC-5 mode parameters)', () => {
  it('parses long LBA descriptors and sub_page pages', () => {
    assert.equal(SENSE10.length, 68);
    const m = S.parseModeParameters10(SENSE10);
    assert.deepEqual(m.header, { modeDataLength: 0x42, mediumType: 0, deviceSpecific: 0, wp: false, dpofua: false, longLba: true, blockDescriptorLength: 16 });
    assert.deepEqual(m.blockDescriptors, [{ numberOfBlocks: 0x100000000n, blockLength: 4096 }]);
    assert.equal(m.pages.length, 2);
    assert.deepEqual(m.pages[1], { pageCode: 0x0a, subpage: 1, spf: true, ps: false, data: zeros(28) });
    assert.deepEqual(S.parseControlPage(S.findModePage(m, 0x0a)!), CONTROL);
    assert.equal(S.findModePage(m, 0x0a, 1), m.pages[1]);
    assert.equal(S.findModePage(m, 0x08), undefined);
  });

  it('encodes the same bytes', () => {
    const got = S.encodeModeParameters10({
      longLba: true,
      blockDescriptors: [{ numberOfBlocks: 0x100000000n, blockLength: 4096 }],
      pages: [S.encodeControlPage(CONTROL), { pageCode: 0x0a, subpage: 1, data: zeros(28) }],
    });
    assertBytes(got, SENSE10);
  });

  it('handles truncation', () => everyPrefix(SENSE10, (b) => S.parseModeParameters10(b)));

  it('encodes PS and short descriptors with the 10-byte header', () => {
    const got = S.encodeModeParameters10({
      mediumType: 1,
      deviceSpecific: 0x10,
      blockDescriptors: [{ numberOfBlocks: 8, blockLength: 512 }],
      pages: [{ pageCode: 0x01, ps: true, data: h('c0 00') }],
    });
    assertBytes(got, h('00 12 01 10 00 00 00 08 00 00 00 08 00 00 02 00 81 02 c0 00'));
  });
});

describe('scsi/mode typed pages', () => {
  it('Control page bytes (SPC-5)', () => {
    assertBytes(S.encodeModePage(S.encodeControlPage(CONTROL)), CONTROL_PAGE);
  });

  it('Informational Exceptions Control page (SPC-5)', () => {
    const b = h('1c 0a 88 06 00 00 00 00 00 00 00 01');
    const m = S.parseModeParameters6(Buffer.concat([h('0f 00 00 00'), b]));
    const iec = S.parseInformationalExceptionsControlPage(m.pages[0]!);
    assert.deepEqual(iec, {
      perf: true,
      ebf: false,
      ewasc: false,
      dexcpt: true,
      test: false,
      ebackerr: false,
      logerr: false,
      mrie: 6,
      intervalTimer: 0,
      reportCount: 1,
    });
    assertBytes(S.encodeModePage(S.encodeInformationalExceptionsControlPage(iec)), b);
    assertBytes(
      S.encodeModePage(S.encodeInformationalExceptionsControlPage({ intervalTimer: 0x01020304, ewasc: true }, { ps: true })),
      h('9c 0a 10 00 01 02 03 04 00 00 00 00'),
    );
  });

  it('builds changeable-values masks', () => {
    assertBytes(S.encodeModePage(S.encodeCachingPage(S.modePageMask('caching', ['wce', 'rcd']))), Buffer.concat([h('08 12 05'), zeros(17)]));
    assertBytes(S.encodeModePage(S.encodeCachingPage({ syncProg: 2, dra: true, lbcss: true })).subarray(12, 13), h('64'));
    assertBytes(
      S.encodeModePage(S.encodeControlPage(S.modePageMask('control', ['tst', 'busyTimeoutPeriod', 'swp']))),
      h('0a 0a e0 00 08 00 00 00 ff ff 00 00'),
    );
    const mask = S.parseInformationalExceptionsControlPage(
      S.encodeInformationalExceptionsControlPage(S.modePageMask('iec', ['mrie', 'reportCount', 'dexcpt'])),
    );
    assert.equal(mask.mrie, 0x0f);
    assert.equal(mask.reportCount, 0xffffffff);
    assert.equal(mask.dexcpt, true);
    assert.equal(mask.perf, false);
    assertThrowsCode(() => S.modePageMask('caching', ['nope' as keyof S.CachingPage]), 'E_RANGE', /no field nope/);
  });

  it('rejects the wrong page, a short page and values that do not fit', () => {
    assertThrowsCode(() => S.parseCachingPage({ pageCode: 0x0a, spf: false, ps: false, data: zeros(18) }), 'SCSI_E_DECODE', /got page 0x0a/);
    assertThrowsCode(() => S.parseCachingPage({ pageCode: 0x08, spf: true, subpage: 1, ps: false, data: zeros(18) }), 'SCSI_E_DECODE', /subpage/);
    assertThrowsCode(() => S.parseControlPage({ pageCode: 0x0a, spf: false, ps: false, data: zeros(9) }), 'SCSI_E_DECODE', /PAGE LENGTH 9/);
    assertThrowsCode(() => S.encodeControlPage({ tst: 8 }), 'E_RANGE', /tst 8 does not fit 3 bits/);
    assertThrowsCode(() => S.encodeCachingPage({ cacheSegmentSize: 0x10000 }), 'E_RANGE', /cacheSegmentSize/);
  });
});
