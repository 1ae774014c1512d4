import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { ascii, assertBytes, assertThrowsCode, everyPrefix, h, zeros } from './helpers.js';

describe('scsi/vpd header and page 00h', () => {
  const supported = h('00 00 00 04 00 80 83 b0');

  it('parses the VPD header (SPC-5 VPD parameters)', () => {
    assert.deepEqual(S.parseVpdHeader(h('7f b0 00 3c')), {
      peripheralQualifier: 3,
      peripheralDeviceType: 0x1f,
      pageCode: 0xb0,
      pageLength: 0x3c,
      truncated: true,
    });
    assertThrowsCode(() => S.parseVpdHeader(h('00 00 00')), 'SCSI_E_DECODE', /need at least 4/);
  });

  it('parses and encodes Supported VPD Pages (SPC-5)', () => {
    const p = S.parseSupportedVpdPages(supported);
    assert.deepEqual(p.pages, [0x00, 0x80, 0x83, 0xb0]);
    assert.equal(p.truncated, false);
    assertBytes(S.encodeSupportedVpdPages({ pages: [0x00, 0x80, 0x83, 0xb0] }), supported);
    assertBytes(S.encodeSupportedVpdPages({ pages: [], peripheralQualifier: 1, peripheralDeviceType: 0x1f }), h('3f 00 00 00'));
  });

  it('gives the pages present when cut, and checks the page code', () => {
    everyPrefix(supported, S.parseSupportedVpdPages);
    assert.deepEqual(S.parseSupportedVpdPages(supported.subarray(0, 6)).pages, [0x00, 0x80]);
    assertThrowsCode(() => S.parseSupportedVpdPages(h('00 80 00 00')), 'SCSI_E_DECODE', /PAGE CODE 0x80, expected 0x00/);
    assertThrowsCode(() => S.encodeSupportedVpdPages({ pages: [256] }), 'E_RANGE', /page 0/);
  });
});

describe('scsi/vpd Unit Serial Number (SPC-5)', () => {
  it('parses right-aligned serial numbers', () => {
    const p = S.parseUnitSerialNumber(Buffer.concat([h('00 80 00 08'), ascii('  SN1234')]));
    assert.equal(p.serial, 'SN1234');
    assert.equal(p.pageLength, 8);
  });
  it('encodes', () => {
    assertBytes(S.encodeUnitSerialNumber({ serial: 'SN1234' }), Buffer.concat([h('00 80 00 06'), ascii('SN1234')]));
    assertThrowsCode(() => S.encodeUnitSerialNumber({ serial: 'bad\n' }), 'E_RANGE', /printable ASCII/);
  });
  it('handles truncation', () => everyPrefix(Buffer.concat([h('00 80 00 06'), ascii('SN1234')]), S.parseUnitSerialNumber));
});

describe('scsi/vpd Device Identification (SPC-5)', () => {
  const NAA6 = h('60 01 40 5a bc de f0 12 34 56 78 9a bc de f0 11');
  const IQN = 'iqn.2003-01.org.x:t'; // 19 bytes + NUL = 20, a multiple of 4
  const page = Buffer.concat([
    h('00 83 00 4c'),
    h('01 03 00 10'),
    NAA6, // binary, LU, NAA
    h('02 01 00 0c'),
    ascii('LIO-ORG ab12'), // ASCII, LU, T10 vendor ID
    h('51 94 00 04 00 00 00 01'), // iSCSI, binary, PIV, target port, relative target port 1
    h('01 15 00 04 00 00 00 02'), // binary, target port, target port group 2
    h('53 a8 00 14'),
    ascii(IQN),
    h('00'), // iSCSI, UTF-8, PIV, target device, SCSI name string
  ]);

  const designators = [
    S.naaDesignator(NAA6),
    S.t10VendorIdDesignator('LIO-ORG', 'ab12'),
    S.relativeTargetPortDesignator(1, S.ProtocolId.ISCSI),
    S.targetPortGroupDesignator(2),
    S.scsiNameDesignator(IQN, S.Association.TARGET_DEVICE, S.ProtocolId.ISCSI),
  ];

  it('parses every designation descriptor', () => {
    assert.equal(page.length, 4 + 0x4c);
    const p = S.parseDeviceIdentification(page);
    assert.equal(p.truncated, false);
    assert.equal(p.designators.length, 5);
    assert.deepEqual(p.designators[0], { protocolIdentifier: 0, codeSet: 1, piv: false, association: 0, designatorType: 3, designator: NAA6 });
    assert.deepEqual(p.designators[2], { protocolIdentifier: 5, codeSet: 1, piv: true, association: 1, designatorType: 4, designator: h('00 00 00 01') });
    assert.deepEqual(p.designators[4]?.designator.length, 20);
    assert.deepEqual(p.designators, designators);
  });

  it('encodes the same page from the helpers', () => {
    assertBytes(S.encodeDeviceIdentification({ designators }), page);
  });

  it('decodes and describes designators by type', () => {
    const d = S.parseDeviceIdentification(page).designators.map(S.decodeDesignator);
    assert.deepEqual(d[0], { kind: 'naa', naa: 6, id: NAA6 });
    assert.deepEqual(d[1], { kind: 't10VendorId', vendor: 'LIO-ORG', specific: 'ab12' });
    assert.deepEqual(d[2], { kind: 'relativeTargetPort', id: 1 });
    assert.deepEqual(d[3], { kind: 'targetPortGroup', group: 2 });
    assert.deepEqual(d[4], { kind: 'scsiName', name: IQN });
    assert.equal(S.describeDesignator(designators[0]!), 'NAA 0x6001405abcdef0123456789abcdef011');
    assert.equal(S.describeDesignator(designators[4]!), `SCSI NAME ${IQN}`);
    assert.equal(S.describeDesignator(S.logicalUnitGroupDesignator(9)), 'LOGICAL UNIT GROUP 9');
    assertThrowsCode(() => S.decodeDesignator({ ...designators[2]!, designator: h('00 01') }), 'SCSI_E_DECODE', /need 4/);
    assertThrowsCode(() => S.decodeDesignator({ ...designators[0]!, designator: h('60 01 02 03 04 05 06 07') }), 'SCSI_E_DECODE', /NAA 6/);
  });

  it('builds NAA 5 (IEEE Registered) identifiers', () => {
    const d = S.naaRegisteredDesignator(0x001405, 0x123456789n);
    assertBytes(d.designator, h('50 01 40 51 23 45 67 89'));
    assertThrowsCode(() => S.naaRegisteredDesignator(0x1000000, 0), 'E_RANGE', /COMPANY_ID/);
    assertThrowsCode(() => S.naaRegisteredDesignator(1, 1n << 36n), 'E_RANGE', /VENDOR SPECIFIC IDENTIFIER/);
    assertThrowsCode(() => S.naaDesignator(h('60 00 00 00 00 00 00 00')), 'E_RANGE', /NAA 6/);
  });

  it('pads SCSI name strings to a multiple of 4 with at least one NUL', () => {
    assertBytes(S.scsiNameDesignator('abc', 2).designator, h('61 62 63 00'));
    assertBytes(S.scsiNameDesignator('abcd', 2).designator, h('61 62 63 64 00 00 00 00'));
    assert.equal(S.scsiNameDesignator('abcd', 2).piv, false);
  });

  it('reports truncation and rejects descriptors that overrun PAGE LENGTH', () => {
    everyPrefix(page, S.parseDeviceIdentification);
    const cut = S.parseDeviceIdentification(page.subarray(0, 30));
    assert.equal(cut.truncated, true);
    assert.equal(cut.designators.length, 1);
    assertThrowsCode(() => S.parseDeviceIdentification(h('00 83 00 08 01 03 00 0a 60 01 02 03')), 'SCSI_E_DECODE', /overruns PAGE LENGTH/);
  });
});

describe('scsi/vpd Block Limits (SBC-4 6.6.4)', () => {
  const page = h(`00 b0 00 3c
    01 10 00 08  00 00 ff ff  00 00 01 00  00 00 08 00
    00 40 00 00  00 00 00 10  00 00 00 08  80 00 00 03
    00 00 00 01 00 00 00 00  00 00 00 20  00 00 00 04
    00 00 00 02  00 00 00 40  00 00 00 80`);
  const fields = {
    wsnz: true,
    maximumCompareAndWriteLength: 16,
    optimalTransferLengthGranularity: 8,
    maximumTransferLength: 0xffff,
    optimalTransferLength: 256,
    maximumPrefetchLength: 2048,
    maximumUnmapLbaCount: 0x400000,
    maximumUnmapBlockDescriptorCount: 16,
    optimalUnmapGranularity: 8,
    ugavalid: true,
    unmapGranularityAlignment: 3,
    maximumWriteSameLength: 0x100000000n,
    maximumAtomicTransferLength: 0x20,
    atomicAlignment: 4,
    atomicTransferLengthGranularity: 2,
    maximumAtomicTransferLengthWithAtomicBoundary: 0x40,
    maximumAtomicBoundarySize: 0x80,
  };

  it('parses every field', () => {
    assert.equal(page.length, 64);
    assert.deepEqual(S.parseBlockLimits(page), {
      peripheralQualifier: 0,
      peripheralDeviceType: 0,
      pageCode: 0xb0,
      pageLength: 0x3c,
      truncated: false,
      ...fields,
    });
  });

  it('encodes the same page', () => assertBytes(S.encodeBlockLimits(fields), page));

  it('parses the short page of older SBC revisions without claiming truncation', () => {
    const old = Buffer.concat([h('00 b0 00 10'), page.subarray(4, 20)]);
    const p = S.parseBlockLimits(old);
    assert.equal(p.truncated, false);
    assert.equal(p.maximumPrefetchLength, 2048);
    assert.equal(p.maximumUnmapLbaCount, undefined);
    assert.equal(p.maximumWriteSameLength, undefined);
  });

  it('keeps the fields present when cut', () => {
    everyPrefix(page, S.parseBlockLimits);
    const p = S.parseBlockLimits(page.subarray(0, 12));
    assert.equal(p.truncated, true);
    assert.equal(p.optimalTransferLengthGranularity, 8);
    assert.equal(p.maximumTransferLength, 0xffff);
    assert.equal(p.optimalTransferLength, undefined);
  });

  it('rejects values that do not fit', () => {
    assertThrowsCode(() => S.encodeBlockLimits({ unmapGranularityAlignment: 0x80000000 }), 'E_RANGE', /UNMAP GRANULARITY ALIGNMENT/);
    assertThrowsCode(() => S.encodeBlockLimits({ maximumCompareAndWriteLength: 256 }), 'E_RANGE', /MAXIMUM COMPARE AND WRITE LENGTH/);
    assertThrowsCode(() => S.encodeBlockLimits({ maximumWriteSameLength: 1n << 64n }), 'E_RANGE', /MAXIMUM WRITE SAME LENGTH/);
  });
});

describe('scsi/vpd Block Device Characteristics (SBC-4 6.6.2)', () => {
  const page = Buffer.concat([h('00 b1 00 3c 00 01 02 a3 15 00 00 00 00 00 00 3c'), zeros(48)]);
  const fields = {
    mediumRotationRate: 1,
    productType: 2,
    wabereq: 2,
    wacereq: 2,
    nominalFormFactor: 3,
    zoned: 1,
    rbwz: false,
    bocs: true,
    fuab: false,
    vbuls: true,
    depopulationTime: 60,
  };

  it('parses', () => {
    const { peripheralQualifier: _q, peripheralDeviceType: _d, pageCode, pageLength, truncated, ...rest } = S.parseBlockDeviceCharacteristics(page);
    assert.deepEqual([pageCode, pageLength, truncated], [0xb1, 0x3c, false]);
    assert.deepEqual(rest, fields);
  });
  it('encodes', () => assertBytes(S.encodeBlockDeviceCharacteristics(fields), page));
  it('handles truncation', () => everyPrefix(page, S.parseBlockDeviceCharacteristics));
  it('rejects values that do not fit', () =>
    assertThrowsCode(() => S.encodeBlockDeviceCharacteristics({ nominalFormFactor: 16 }), 'E_RANGE', /NOMINAL FORM FACTOR/));
});

describe('scsi/vpd Logical Block Provisioning (SBC-4 6.6.7)', () => {
  const page = h('00 b2 00 04 05 e6 0a 30');
  const fields = {
    thresholdExponent: 5,
    lbpu: true,
    lbpws: true,
    lbpws10: true,
    lbprz: 1,
    ancSup: true,
    dp: false,
    minimumPercentage: 1,
    provisioningType: 2,
    thresholdPercentage: 48,
  };

  it('parses', () => {
    const { peripheralQualifier: _q, peripheralDeviceType: _d, pageCode: _c, pageLength: _l, truncated, ...rest } = S.parseLogicalBlockProvisioning(page);
    assert.equal(truncated, false);
    assert.deepEqual(rest, fields);
  });
  it('encodes', () => assertBytes(S.encodeLogicalBlockProvisioning(fields), page));

  it('parses and encodes the provisioning group descriptor', () => {
    const withDp = h('00 b2 00 10 00 01 02 00 01 03 00 08 50 01 40 51 23 45 67 89');
    const p = S.parseLogicalBlockProvisioning(withDp);
    assert.equal(p.dp, true);
    assert.deepEqual(p.provisioningGroupDescriptor, S.naaRegisteredDesignator(0x001405, 0x123456789n));
    assertBytes(S.encodeLogicalBlockProvisioning({ provisioningType: 2, provisioningGroupDescriptor: p.provisioningGroupDescriptor! }), withDp);
    everyPrefix(withDp, S.parseLogicalBlockProvisioning);
    assertThrowsCode(() => S.parseLogicalBlockProvisioning(h('00 b2 00 06 00 01 02 00 01 03')), 'SCSI_E_DECODE', /overruns/);
  });

  it('rejects LBPRZ wider than 3 bits', () => assertThrowsCode(() => S.encodeLogicalBlockProvisioning({ lbprz: 8 }), 'E_RANGE', /LBPRZ/));
});
