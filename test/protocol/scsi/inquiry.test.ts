import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { ascii, assertBytes, assertThrowsCode, everyPrefix, h, zeros } from './helpers.js';

// SPC-5 6.7.2 table 147: direct access, RMB, VERSION 06h, NORMACA, HISUP, RDF 2, ADDITIONAL LENGTH 31;
// SCCS, TPGS 01b, 3PC, PROTECT; ENCSERV, MULTIP; CMDQUE; vendor / product / revision
const STD36 = Buffer.concat([h('00 80 06 32 1f 99 50 02'), ascii('LIO-ORG '), ascii('TEST DISK       '), ascii('4.0 ')]);

const FIELDS = {
  peripheralQualifier: 0,
  peripheralDeviceType: 0,
  rmb: true,
  luCong: false,
  version: 6,
  normaca: true,
  hisup: true,
  responseDataFormat: 2,
  additionalLength: 31,
  sccs: true,
  acc: false,
  tpgs: 1,
  threePc: true,
  protect: true,
  encserv: true,
  multip: true,
  cmdque: true,
  vendor: 'LIO-ORG',
  product: 'TEST DISK',
  revision: '4.0',
  versionDescriptors: [],
  truncated: false,
};

describe('scsi/inquiry standard data (SPC-5 6.7.2)', () => {
  it('parses 36 bytes', () => {
    assert.equal(STD36.length, 36);
    assert.deepEqual(S.parseStandardInquiry(STD36), FIELDS);
  });

  it('encodes the same 36 bytes', () => {
    const { additionalLength: _a, truncated: _t, versionDescriptors: _v, ...init } = FIELDS;
    assertBytes(S.encodeStandardInquiry(init), STD36);
  });

  it('parses and encodes version descriptors and vendor specific bytes', () => {
    const vs = h('01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14');
    const full = Buffer.concat([h('1f 00 07 02 3b 00 00 02'), ascii('VENDOR  PRODUCT         0001'), vs, zeros(2), h('00 a0 05 c0 09 61')]);
    assert.equal(full.length, 64);
    const p = S.parseStandardInquiry(full);
    assert.equal(p.peripheralQualifier, 0);
    assert.equal(p.peripheralDeviceType, 0x1f);
    assert.equal(p.version, 7);
    assert.deepEqual(p.versionDescriptors, [S.VersionDescriptor.SAM_5, S.VersionDescriptor.SPC_5, S.VersionDescriptor.ISCSI_RFC_7143]);
    assert.deepEqual(p.vendorSpecific, vs);
    assert.equal(p.vendor, 'VENDOR');
    assert.equal(p.revision, '0001');
    const enc = S.encodeStandardInquiry({
      peripheralDeviceType: 0x1f,
      version: 7,
      cmdque: true,
      vendor: 'VENDOR',
      product: 'PRODUCT',
      revision: '0001',
      vendorSpecific: vs,
      versionDescriptors: [0x00a0, 0x05c0, 0x0961],
    });
    assertBytes(enc, full);
  });

  it('ignores zero version descriptors and stops at ADDITIONAL LENGTH', () => {
    const b = Buffer.concat([h('00 00 06 02 39 00 00 00'), ascii('A       B               1   '), zeros(22), h('00 00 04 60'), h('06 00')]);
    const p = S.parseStandardInquiry(b);
    assert.deepEqual(p.versionDescriptors, [0x0460], 'descriptor 3 lies past ADDITIONAL LENGTH 57');
  });

  it('tolerates truncation at ≥ 5 bytes and rejects less', () => {
    everyPrefix(STD36, S.parseStandardInquiry);
    const p = S.parseStandardInquiry(STD36.subarray(0, 5));
    assert.equal(p.truncated, true);
    assert.equal(p.sccs, undefined);
    assert.equal(p.vendor, undefined);
    const q = S.parseStandardInquiry(STD36.subarray(0, 20));
    assert.equal(q.vendor, 'LIO-ORG');
    assert.equal(q.product, undefined);
    assertThrowsCode(() => S.parseStandardInquiry(h('00 00 06 02')), 'SCSI_E_DECODE', /need at least 5/);
  });

  it('rejects what does not fit', () => {
    const base = { vendor: 'V', product: 'P', revision: 'R' };
    assertThrowsCode(() => S.encodeStandardInquiry({ ...base, vendor: 'NINECHARS' }), 'E_RANGE', /T10 VENDOR IDENTIFICATION/);
    assertThrowsCode(() => S.encodeStandardInquiry({ ...base, product: 'é' }), 'E_RANGE', /printable ASCII/);
    assertThrowsCode(() => S.encodeStandardInquiry({ ...base, versionDescriptors: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), 'E_RANGE', /at most 8/);
    assertThrowsCode(() => S.encodeStandardInquiry({ ...base, tpgs: 4 }), 'E_RANGE', /TPGS/);
    assertThrowsCode(() => S.encodeStandardInquiry({ ...base, peripheralDeviceType: 32 }), 'E_RANGE', /PERIPHERAL DEVICE TYPE/);
    assertThrowsCode(() => S.encodeStandardInquiry({ ...base, vendorSpecific: zeros(21) }), 'E_RANGE', /20/);
  });
});

describe('scsi/inquiry version descriptors', () => {
  it('has the SPC-5 table values', () => {
    assert.equal(S.VersionDescriptor.SAM_5, 0x00a0);
    assert.equal(S.VersionDescriptor.SPC_4, 0x0460);
    assert.equal(S.VersionDescriptor.SPC_5, 0x05c0);
    assert.equal(S.VersionDescriptor.SBC_3, 0x04c0);
    assert.equal(S.VersionDescriptor.SBC_4, 0x0600);
    assert.equal(S.VersionDescriptor.ISCSI, 0x0960);
  });

  it('names them', () => {
    assert.equal(S.versionDescriptorName(0x05c0), 'SPC-5 (no version claimed)');
    assert.equal(S.versionDescriptorName(0x0600), 'SBC-4 (no version claimed)');
    assert.equal(S.versionDescriptorName(0x0960), 'iSCSI (no version claimed)');
    assert.equal(S.versionDescriptorName(0x0961), 'iSCSI RFC 7143');
    assert.equal(S.versionDescriptorName(0x0962), 'iSCSI RFC 7144 iSCSIProtocolLevel=2');
    assert.equal(S.versionDescriptorName(0x0466), 'SPC-4 (version 0x0466)');
    assert.equal(S.versionDescriptorName(0x1234), 'VERSION DESCRIPTOR 0x1234');
  });
});
