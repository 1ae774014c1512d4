import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { ascii, assertBytes, assertThrowsCode, everyPrefix, h, zeros } from './helpers.js';

describe('scsi/pr READ KEYS (SPC-5 6.16.2)', () => {
  const data = h('00 00 00 07 00 00 00 10 00 00 00 00 00 00 ab cd 11 22 33 44 55 66 77 88');
  it('parses and encodes', () => {
    assert.deepEqual(S.parseReadKeys(data), { generation: 7, additionalLength: 16, keys: [0xabcdn, 0x1122334455667788n], truncated: false });
    assertBytes(S.encodeReadKeys({ generation: 7, keys: [0xabcd, 0x1122334455667788n] }), data);
    assertBytes(S.encodeReadKeys({ generation: 1, keys: [] }), h('00 00 00 01 00 00 00 00'));
    assertBytes(S.encodeReadKeys({ generation: 7, keys: [1, 2] }, 8), h('00 00 00 07 00 00 00 10'));
  });
  it('handles truncation and inconsistency', () => {
    everyPrefix(data, S.parseReadKeys);
    assertThrowsCode(() => S.parseReadKeys(h('00 00 00 07 00 00 00 0c')), 'SCSI_E_DECODE', /multiple of 8/);
  });
});

describe('scsi/pr READ RESERVATION (SPC-5 6.16)', () => {
  const held = h('00 00 00 03 00 00 00 10 00 00 00 00 00 00 ab cd 00 00 00 00 00 05 00 00');
  it('parses and encodes a reservation', () => {
    assert.deepEqual(S.parseReadReservation(held), {
      generation: 3,
      additionalLength: 16,
      hasReservation: true,
      key: 0xabcdn,
      scope: 0,
      type: 5,
      truncated: false,
    });
    assertBytes(S.encodeReadReservation({ generation: 3, key: 0xabcd, type: S.PrType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY }), held);
  });
  it('parses and encodes no reservation', () => {
    const none = h('00 00 00 03 00 00 00 00');
    assert.deepEqual(S.parseReadReservation(none), { generation: 3, additionalLength: 0, hasReservation: false, truncated: false });
    assertBytes(S.encodeReadReservation({ generation: 3 }), none);
  });
  it('handles truncation and inconsistency', () => {
    everyPrefix(held, S.parseReadReservation);
    assertThrowsCode(() => S.parseReadReservation(h('00 00 00 03 00 00 00 08 00 00 00 00 00 00 00 00')), 'SCSI_E_DECODE', /expected 0 or 16/);
  });
});

describe('scsi/pr REPORT CAPABILITIES (SPC-5 6.16)', () => {
  const data = h('00 08 9d 91 ea 01 00 00');
  const caps = {
    length: 8,
    rlrC: true,
    crh: true,
    sipC: true,
    atpC: true,
    ptplC: true,
    tmv: true,
    allowCommands: 1,
    ptplA: true,
    typeMask: 0xea01,
    types: [1, 3, 5, 6, 7, 8],
    truncated: false,
  };
  it('parses', () => assert.deepEqual(S.parseReportCapabilities(data), caps));
  it('encodes from types or from the mask', () => {
    const { length: _l, truncated: _t, typeMask: _m, ...init } = caps;
    assertBytes(S.encodeReportCapabilities(init), data);
    assertBytes(
      S.encodeReportCapabilities({ typeMask: 0xea01, rlrC: true, crh: true, sipC: true, atpC: true, ptplC: true, tmv: true, allowCommands: 1, ptplA: true }),
      data,
    );
    assertBytes(S.encodeReportCapabilities({ types: [S.PrType.WRITE_EXCLUSIVE] }), h('00 08 00 00 02 00 00 00'));
    assertThrowsCode(() => S.encodeReportCapabilities({ types: [2] }), 'E_RANGE', /TYPE 2/);
  });
  it('handles truncation', () => {
    everyPrefix(data, S.parseReportCapabilities);
    assert.equal(S.parseReportCapabilities(data.subarray(0, 4)).types, undefined);
  });
});

describe('scsi/pr READ FULL STATUS (SPC-5 6.16) and TransportIDs (SPC-5)', () => {
  const tid = Buffer.concat([h('05 00 00 14'), ascii('iqn.x'), zeros(15)]);
  const data = Buffer.concat([h('00 00 00 09 00 00 00 30'), h('00 00 00 00 00 00 00 01 00 00 00 00 03 01 00 00 00 00 00 01 00 00 00 18'), tid]);

  it('builds iSCSI TransportIDs in both formats', () => {
    assertBytes(S.iscsiTransportId('iqn.x'), tid);
    const name = 'iqn.1994-05.com.redhat:init1';
    const text = `${name},i,0x23d000000001`;
    assert.equal(text.length, 45);
    assertBytes(S.iscsiTransportId(name, '23d000000001'), Buffer.concat([h('45 00 00 30'), ascii(text), zeros(3)]));
    assertBytes(S.iscsiTransportId(name, h('23 d0 00 00 00 01')), S.iscsiTransportId(name, '0x23D000000001'));
    assertThrowsCode(() => S.iscsiTransportId(name, '1234'), 'E_RANGE', /ISID/);
  });

  it('parses TransportIDs', () => {
    assert.deepEqual(S.parseTransportId(tid), { formatCode: 0, protocolIdentifier: 5, name: 'iqn.x', length: 24 });
    const withIsid = S.iscsiTransportId('iqn.1994-05.com.redhat:init1', '23d000000001');
    assert.deepEqual(S.parseTransportId(withIsid), {
      formatCode: 1,
      protocolIdentifier: 5,
      name: 'iqn.1994-05.com.redhat:init1',
      isid: '23d000000001',
      length: 52,
    });
    assert.deepEqual(S.parseTransportId(Buffer.concat([h('06 00 00 00'), zeros(20)])), { formatCode: 0, protocolIdentifier: 6, length: 24 });
    assertThrowsCode(() => S.parseTransportId(h('05 00 00 14 69 71')), 'SCSI_E_DECODE', /need at least 24/);
    assertThrowsCode(() => S.parseTransportId(Buffer.concat([h('45 00 00 14'), ascii('iqn.x'), zeros(15)])), 'SCSI_E_DECODE', /ISID/);
  });

  it('parses and encodes full status descriptors', () => {
    const r = S.parseReadFullStatus(data);
    assert.equal(r.generation, 9);
    assert.deepEqual(r.descriptors, [{ key: 1n, allTgPt: true, rHolder: true, scope: 0, type: 1, relativeTargetPortId: 1, transportId: tid }]);
    assertBytes(
      S.encodeReadFullStatus({ generation: 9, descriptors: [{ key: 1, allTgPt: true, rHolder: true, type: 1, relativeTargetPortId: 1, transportId: tid }] }),
      data,
    );
  });

  it('handles truncation and inconsistency', () => {
    everyPrefix(data, S.parseReadFullStatus);
    const bad = Buffer.from(data);
    bad.writeUInt32BE(0x19, 28); // ADDITIONAL DESCRIPTOR LENGTH past ADDITIONAL LENGTH
    assertThrowsCode(() => S.parseReadFullStatus(bad), 'SCSI_E_DECODE', /overruns ADDITIONAL LENGTH/);
  });
});
