import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { assertBytes, assertThrowsCode, everyPrefix, h } from './helpers.js';

describe('scsi/luns LUN encoding (SAM-5 4.7)', () => {
  const rows: [number, string][] = [
    [0, '00 00 00 00 00 00 00 00'],
    [5, '00 05 00 00 00 00 00 00'],
    [255, '00 ff 00 00 00 00 00 00'],
    [256, '41 00 00 00 00 00 00 00'], // flat space addressing from 256
    [300, '41 2c 00 00 00 00 00 00'],
    [16383, '7f ff 00 00 00 00 00 00'],
  ];
  for (const [n, hex] of rows) {
    it(`LUN ${n}`, () => {
      assertBytes(S.encodeLun(n), h(hex));
      assert.equal(S.decodeLun(h(hex)), n);
      assert.equal(S.lunToBigInt(n), BigInt(`0x${hex.replace(/ /g, '')}`));
      assert.equal(S.bigIntToLun(S.lunToBigInt(n)), n);
    });
  }

  it('decodes flat space LUNs below 256 too', () => assert.equal(S.decodeLun(h('40 07 00 00 00 00 00 00')), 7));

  it('rejects LUNs that do not fit and addressing it does not support', () => {
    assertThrowsCode(() => S.encodeLun(16384), 'E_RANGE', /does not fit 14 bits/);
    assertThrowsCode(() => S.encodeLun(-1), 'E_RANGE', /unsigned/);
    assertThrowsCode(() => S.decodeLun(h('00 01 00 01 00 00 00 00')), 'SCSI_E_DECODE', /second level/);
    assertThrowsCode(() => S.decodeLun(h('01 05 00 00 00 00 00 00')), 'SCSI_E_DECODE', /BUS IDENTIFIER 1/);
    assertThrowsCode(() => S.decodeLun(h('c1 01 00 00 00 00 00 00')), 'SCSI_E_DECODE', /extended/);
    assertThrowsCode(() => S.decodeLun(h('80 01 00 00 00 00 00 00')), 'SCSI_E_DECODE', /logical unit/);
    assertThrowsCode(() => S.decodeLun(h('00 01 00')), 'SCSI_E_DECODE', /need at least 8/);
    assertThrowsCode(() => S.lunToBigInt(h('00 01')), 'E_RANGE', /need 8/);
  });

  it('carries raw LUN bytes in the 64-bit BHS form', () => {
    assert.equal(S.lunToBigInt(h('c1 01 00 00 00 00 00 00')), S.REPORT_LUNS_WLUN);
    assert.equal(S.REPORT_LUNS_WLUN, 0xc101000000000000n);
    assertBytes(S.bigIntToLunBytes(0x412c000000000000n), h('41 2c 00 00 00 00 00 00'));
    assertThrowsCode(() => S.bigIntToLunBytes(1n << 64n), 'E_RANGE', /64 bits/);
  });
});

describe('scsi/luns REPORT LUNS data (SPC-5)', () => {
  const data = h(`00 00 00 18 00 00 00 00
                  00 00 00 00 00 00 00 00
                  00 01 00 00 00 00 00 00
                  c1 01 00 00 00 00 00 00`);

  it('parses LUNs and keeps entries it cannot decode', () => {
    const r = S.parseReportLuns(data);
    assert.equal(r.listLength, 24);
    assert.deepEqual(r.luns, [0, 1]);
    assert.equal(r.entries.length, 3);
    assertBytes(r.entries[2]!, h('c1 01 00 00 00 00 00 00'));
    assert.equal(r.truncated, false);
  });

  it('encodes', () => {
    assertBytes(S.encodeReportLuns([0, 1, h('c1 01 00 00 00 00 00 00')]), data);
    assertBytes(S.encodeReportLuns([]), h('00 00 00 00 00 00 00 00'));
  });

  it('cuts to the allocation length and keeps LUN LIST LENGTH', () => {
    const cut = S.encodeReportLuns([0, 1, 2], 16);
    assertBytes(cut, h('00 00 00 18 00 00 00 00 00 00 00 00 00 00 00 00'));
    const r = S.parseReportLuns(cut);
    assert.deepEqual([r.luns, r.truncated], [[0], true]);
    everyPrefix(data, S.parseReportLuns);
  });

  it('rejects a LUN LIST LENGTH that is not a multiple of 8', () => {
    assertThrowsCode(() => S.parseReportLuns(h('00 00 00 07 00 00 00 00')), 'SCSI_E_DECODE', /multiple of 8/);
    assertThrowsCode(() => S.encodeReportLuns([h('00')]), 'E_RANGE', /need 8/);
  });
});
