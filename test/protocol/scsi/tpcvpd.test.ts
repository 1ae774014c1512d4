import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';

/** A page of a LID1 copy manager, built byte by byte apart from the encoders (an independent oracle). */
const ORACLE = Buffer.from(
  [
    '00 8f 00 58',
    // Supported Commands: list length 7 (83h: 00h; 84h: 00h 03h), one pad byte
    '00 01 00 08  07 83 01 00 84 02 00 03',
    // Parameter Data: 8 CSCD, 64 segment descriptors, 2048 bytes, no inline data
    '00 04 00 1c  00 00 00 00 00 08 00 40 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
    // Supported Descriptors: 02h E4h, pad
    '00 08 00 04  02 02 e4 00',
    // General Copy Operations: 1, 1, 33553920 bytes, granularity 2^9
    '80 01 00 20  00 00 00 01 00 00 00 01 01 ff fe 00 09 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  ]
    .join(' ')
    .replace(/\s+/g, ''),
  'hex',
);

describe('scsi/tpcvpd Third-party Copy VPD page', () => {
  it('decodes every descriptor of a page built by hand, in page order', () => {
    const p = S.parseThirdPartyCopyVpd(ORACLE);
    assert.deepEqual(
      p.descriptors.map((d) => [d.type, d.length, d.offset]),
      [
        [0x0001, 8, 4],
        [0x0004, 28, 16],
        [0x0008, 4, 48],
        [0x8001, 32, 56],
      ],
    );
    assert.deepEqual(p.supportedCommands, [
      { opcode: 0x83, serviceActions: [0] },
      { opcode: 0x84, serviceActions: [0, 3] },
    ]);
    assert.deepEqual(p.parameterData, { maxCscdDescriptors: 8, maxSegmentDescriptors: 64, maxDescriptorListLength: 2048, maxInlineDataLength: 0 });
    assert.deepEqual(p.supportedDescriptors, [0x02, 0xe4]);
    assert.deepEqual(p.generalCopyOperations, {
      totalConcurrentCopies: 1,
      maxIdentifiedConcurrentCopies: 1,
      maxSegmentLength: 33553920,
      dataSegmentGranularity: 9,
      inlineDataGranularity: 0,
    });
    assert.equal(p.truncated, false);
  });
  it('the encoders build that page byte for byte, padding each descriptor to a multiple of four', () => {
    const page = S.encodeThirdPartyCopyVpd({
      descriptors: [
        S.encodeTpcSupportedCommands([
          { opcode: 0x83, serviceActions: [0] },
          { opcode: 0x84, serviceActions: [0, 3] },
        ]),
        S.encodeTpcParameterData({ maxCscdDescriptors: 8, maxSegmentDescriptors: 64, maxDescriptorListLength: 2048, maxInlineDataLength: 0 }),
        S.encodeTpcSupportedDescriptors([0x02, 0xe4]),
        S.encodeTpcGeneralCopyOperations({
          totalConcurrentCopies: 1,
          maxIdentifiedConcurrentCopies: 1,
          maxSegmentLength: 33553920,
          dataSegmentGranularity: 9,
          inlineDataGranularity: 0,
        }),
      ],
    });
    assert.equal(page.toString('hex'), ORACLE.toString('hex'));
    assert.deepEqual(S.parseThirdPartyCopyVpd(S.encodeThirdPartyCopyVpd({ descriptors: [S.encodeTpcSupportedCscdIds([0xffff])] })).supportedCscdIds, [0xffff]);
  });
  it('data cut by the ALLOCATION LENGTH keeps the whole descriptors; a descriptor past PAGE LENGTH or a wrong page code is a decode error', () => {
    const cut = S.parseThirdPartyCopyVpd(ORACLE.subarray(0, 30));
    assert.equal(cut.truncated, true);
    assert.deepEqual(
      cut.descriptors.map((d) => d.type),
      [0x0001],
    );
    const over = Buffer.from(ORACLE);
    over.writeUInt16BE(0x40, 2);
    assert.throws(
      () => S.parseThirdPartyCopyVpd(over),
      (e: Error & { code?: string }) => e.code === 'SCSI_E_DECODE' && /past PAGE LENGTH/.test(e.message),
    );
    const wrong = Buffer.from(ORACLE);
    wrong[1] = 0xb0;
    assert.throws(() => S.parseThirdPartyCopyVpd(wrong), /PAGE CODE/);
    const short = Buffer.from(ORACLE);
    short.writeUInt16BE(0x04, 18); // Parameter Data claiming 4 bytes: too short for its fields
    assert.throws(
      () => S.parseThirdPartyCopyVpd(short),
      (e: Error & { code?: string }) => e.code === 'SCSI_E_DECODE',
    );
  });
});
