import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';

describe('scsi/xcopy third-party copy codecs', () => {
  it('an Identification CSCD descriptor encodes and decodes (32 bytes, LU ID TYPE, NUL, type, designation, DISK BLOCK LENGTH)', () => {
    const designation = S.encodeDesignator({
      protocolIdentifier: 0,
      codeSet: 1,
      piv: false,
      association: 0,
      designatorType: 3,
      designator: Buffer.from('6001405000000001' + '0000000000000002', 'hex'),
    });
    const b = S.encodeIdentificationCscd({ designation, blockLength: 4096, relativeInitiatorPortId: 2 });
    assert.equal(b.length, 32);
    assert.equal(b[0], 0xe4);
    const d = S.decodeIdentificationCscd(b);
    assert.deepEqual(
      { ...d, designation: d.designation.toString('hex') },
      { luIdType: 0, nul: false, peripheralDeviceType: 0, relativeInitiatorPortId: 2, designation: designation.toString('hex'), pad: false, blockLength: 4096 },
    );
    assert.throws(() => S.encodeIdentificationCscd({ designation: Buffer.alloc(21), blockLength: 512 }), /does not fit in 20/);
  });
  it('a block-to-block segment descriptor encodes and decodes (28 bytes, DESCRIPTOR LENGTH 0018h)', () => {
    const b = S.encodeBlockSegment({ sourceIndex: 0, destinationIndex: 1, blocks: 65535, sourceLba: 7n, destinationLba: 0xffffffffffn });
    assert.equal(b.toString('hex'), '02000018000000010000ffff0000000000000007000000ffffffffff');
    const d = S.decodeBlockSegment(b);
    assert.equal(d.destinationLba, 0xffffffffffn);
    assert.equal(d.blocks, 65535);
    assert.throws(() => S.encodeBlockSegment({ sourceIndex: 0, destinationIndex: 0, blocks: 65536, sourceLba: 0, destinationLba: 0 }));
  });
  it('OPERATING PARAMETERS and COPY STATUS (LID1) round-trip; short data is a decode error', () => {
    const o = {
      snlid: false,
      maxCscdDescriptors: 8,
      maxSegmentDescriptors: 64,
      maxDescriptorListLength: 2048,
      maxSegmentLength: 1 << 20,
      maxInlineDataLength: 0,
      heldDataLimit: 0,
      maxStreamDeviceTransferSize: 0,
      totalConcurrentCopies: 1,
      maxConcurrentCopies: 1,
      dataSegmentGranularity: 9,
      inlineDataGranularity: 0,
      heldDataGranularity: 0,
      implementedDescriptors: [0x02, 0xe4],
    };
    const b = S.encodeCopyOperatingParameters(o);
    assert.equal(b.length, 46);
    assert.deepEqual(S.parseCopyOperatingParameters(b), { ...o, availableData: 42 });
    assert.throws(() => S.parseCopyOperatingParameters(b.subarray(0, 45)), /need at least 46/);
    const s = { hdd: false, copyManagerStatus: 1, segmentsProcessed: 3, transferCountUnits: 0, transferCount: 12288 };
    assert.deepEqual(S.parseCopyStatusLid1(S.encodeCopyStatusLid1(s)), { ...s, availableData: 8 });
    assert.throws(() => S.parseCopyStatusLid1(Buffer.alloc(11)));
  });
});
