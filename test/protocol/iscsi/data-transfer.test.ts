/**
 * protocol/iscsi/data-transfer: the data-moving logic the initiator and the reference target share.
 * Every expectation is written out by hand from RFC 7143 (PDU boundaries, DataSN, F bits; SenseLength
 * bytes; header fields at their byte offsets), never produced by the code under test.
 */
import { strict as assert } from 'node:assert';
import {
  advanceDataSequence,
  checkDataSequence,
  frameSense,
  parseSenseSegment,
  pduWireLength,
  peekBufferOffset,
  peekItt,
  peekOpcode,
  splitTransfer,
} from '../../../protocol/iscsi/index.js';
import { IscsiError } from '../../../protocol/errors.js';
import { diagrams } from './diagrams.js';

const MAX32 = 0xffffffff;
/** [offset, length, DataSN, F] per PDU; the last PDU of each row is the one with `last`. */
type Slot = [number, number, number, boolean];

describe('protocol/iscsi data-transfer (RFC 7143 11.7, 13.13, 13.14)', () => {
  describe('splitTransfer: data PDUs within MaxRecvDataSegmentLength and MaxBurstLength', () => {
    const rows: { name: string; start: number; length: number; maxSegment: number; maxBurst?: number; firstDataSN?: number; want: Slot[] }[] = [
      { name: 'nothing to move', start: 0, length: 0, maxSegment: 8192, want: [] },
      { name: 'one byte', start: 0, length: 1, maxSegment: 8192, want: [[0, 1, 0, true]] },
      { name: 'exactly one segment', start: 0, length: 8192, maxSegment: 8192, want: [[0, 8192, 0, true]] },
      {
        name: 'one byte over a segment',
        start: 0,
        length: 8193,
        maxSegment: 8192,
        want: [
          [0, 8192, 0, false],
          [8192, 1, 1, true],
        ],
      },
      {
        name: 'R2T burst from an offset (Data-Out, DataSN from 0)',
        start: 65536,
        length: 20000,
        maxSegment: 8192,
        want: [
          [65536, 8192, 0, false],
          [73728, 8192, 1, false],
          [81920, 3616, 2, true],
        ],
      },
      // Data-In: F ends every MaxBurstLength of data; DataSN runs on across sequences (11.7.5).
      {
        name: 'bursts of two segments',
        start: 0,
        length: 4 * 4096 + 100,
        maxSegment: 4096,
        maxBurst: 8192,
        want: [
          [0, 4096, 0, false],
          [4096, 4096, 1, true],
          [8192, 4096, 2, false],
          [12288, 4096, 3, true],
          [16384, 100, 4, true],
        ],
      },
      // A burst that is not a multiple of the segment: the PDU before the burst's end is short.
      {
        name: 'burst not a multiple of the segment',
        start: 0,
        length: 25000,
        maxSegment: 8192,
        maxBurst: 10000,
        want: [
          [0, 8192, 0, false],
          [8192, 1808, 1, true],
          [10000, 8192, 2, false],
          [18192, 1808, 3, true],
          [20000, 5000, 4, true],
        ],
      },
      {
        name: 'burst smaller than a segment',
        start: 0,
        length: 1000,
        maxSegment: 8192,
        maxBurst: 512,
        want: [
          [0, 512, 0, true],
          [512, 488, 1, true],
        ],
      },
      {
        name: 'segment of 1 byte',
        start: 10,
        length: 3,
        maxSegment: 1,
        want: [
          [10, 1, 0, false],
          [11, 1, 1, false],
          [12, 1, 2, true],
        ],
      },
      {
        name: 'first DataSN given, wrapping at 2^32',
        start: 0,
        length: 3,
        maxSegment: 1,
        firstDataSN: MAX32,
        want: [
          [0, 1, MAX32, false],
          [1, 1, 0, false],
          [2, 1, 1, true],
        ],
      },
    ];
    for (const r of rows) {
      it(r.name, () => {
        const got = splitTransfer(r.start, r.length, {
          maxSegment: r.maxSegment,
          ...(r.maxBurst ? { maxBurst: r.maxBurst } : {}),
          ...(r.firstDataSN !== undefined ? { firstDataSN: r.firstDataSN } : {}),
        });
        assert.deepStrictEqual(
          got,
          r.want.map(([offset, length, dataSN, final], i) => ({ offset, length, dataSN, final, last: i === r.want.length - 1 })),
        );
      });
    }
    it('refuses limits that would never end and negative lengths, naming the value', () => {
      for (const [start, length, lim, re] of [
        [0, 10, { maxSegment: 0 }, /segment limit 0/],
        [0, 10, { maxSegment: 8192, maxBurst: 0 }, /burst limit 0/],
        [0, 10, { maxSegment: NaN }, /segment limit NaN/],
        [-1, 10, { maxSegment: 1 }, /offset -1/],
        [0, -5, { maxSegment: 1 }, /length -5/],
      ] as const) {
        assert.throws(
          () => splitTransfer(start, length, lim),
          (e: unknown) => IscsiError.is(e, 'E_RANGE') && re.test((e as Error).message),
        );
      }
    });
  });

  describe('checkDataSequence: DataSN, Buffer Offset and end of a data sequence (11.7.5, 11.7.6)', () => {
    const seq = { expDataSN: 3, nextOffset: 12288, end: 16384 };
    const rows: { name: string; pdu: [number, number, number]; want?: [string, number, number] }[] = [
      { name: 'the next PDU', pdu: [3, 12288, 4096] },
      { name: 'an empty PDU at the end', pdu: [3, 12288, 0] },
      { name: 'DataSN skipped', pdu: [4, 12288, 4096], want: ['DataSN', 4, 3] },
      { name: 'DataSN repeated', pdu: [2, 12288, 4096], want: ['DataSN', 2, 3] },
      { name: 'Buffer Offset with a hole', pdu: [3, 12289, 100], want: ['Buffer Offset', 12289, 12288] },
      { name: 'Buffer Offset going back', pdu: [3, 8192, 4096], want: ['Buffer Offset', 8192, 12288] },
      { name: 'data past the end', pdu: [3, 12288, 4097], want: ['DataSegmentLength', 4097, 4096] },
    ];
    for (const r of rows) {
      it(r.name, () => {
        const f = checkDataSequence({ ...seq }, ...r.pdu);
        if (!r.want) return assert.equal(f, undefined);
        assert.ok(f);
        assert.deepStrictEqual([f.field, f.received, f.expected], r.want);
        // The message names the field and both values (for data past the end: where the transfer ends).
        const due = r.want[0] === 'DataSegmentLength' ? seq.end : r.want[2];
        assert.ok(f.message.includes(`${r.want[0] === 'DataSegmentLength' ? '' : r.want[0] + ' '}${r.want[1]}`) && f.message.includes(String(due)), f.message);
      });
    }
    it('advances DataSN by one (wrapping) and the offset by the length', () => {
      assert.deepStrictEqual(advanceDataSequence({ expDataSN: MAX32, nextOffset: 10, end: 100 }, 30), { expDataSN: 0, nextOffset: 40, end: 100 });
    });
  });

  describe('SenseLength framing (11.4.7.2)', () => {
    // Fixed-format sense, ILLEGAL REQUEST / LBA OUT OF RANGE (SPC-5 4.4.3): 18 bytes.
    const sense = Buffer.from('700005000000000a00000000210000000000', 'hex');
    it('frames sense data behind its 2-byte length; no sense, no data', () => {
      assert.equal(frameSense(sense).toString('hex'), '0012' + '700005000000000a00000000210000000000');
      assert.equal(frameSense(undefined).length, 0);
      assert.equal(frameSense(Buffer.alloc(0)).length, 0);
    });
    const rows: { name: string; hex: string; want?: { senseLength: number; sense?: string; rest: string }; error?: RegExp }[] = [
      { name: 'empty segment: no sense', hex: '', want: { senseLength: 0, rest: '' } },
      { name: 'SenseLength 0', hex: '0000', want: { senseLength: 0, rest: '' } },
      {
        name: 'sense data exactly',
        hex: '0012700005000000000a00000000210000000000',
        want: { senseLength: 18, sense: '700005000000000a00000000210000000000', rest: '' },
      },
      { name: 'sense then response data', hex: '0003f00102aabb', want: { senseLength: 3, sense: 'f00102', rest: 'aabb' } },
      { name: 'SenseLength past the segment', hex: '0020700005000000000a00000000210000000000', error: /SenseLength 32 exceeds the 18 bytes/ },
      { name: 'SenseLength 1 with no byte', hex: '0001', error: /SenseLength 1 exceeds the 0 bytes/ },
      { name: 'a 1-byte segment', hex: '00', error: /1 byte cannot hold the 2-byte SenseLength/ },
    ];
    for (const r of rows) {
      it(r.name, () => {
        const data = Buffer.from(r.hex, 'hex');
        if (r.error) {
          assert.throws(
            () => parseSenseSegment(data),
            (e: unknown) => IscsiError.is(e, 'ISCSI_E_PROTOCOL') && r.error!.test((e as Error).message),
          );
          return;
        }
        const got = parseSenseSegment(data);
        assert.deepStrictEqual(
          { senseLength: got.senseLength, ...(got.sense ? { sense: got.sense.toString('hex') } : {}), rest: got.rest.toString('hex') },
          r.want,
        );
        // Views of the segment, not copies.
        if (got.sense) assert.equal(got.sense.buffer, data.buffer);
      });
    }
  });

  describe('peeking a header (11.2, 11.7, 11.8)', () => {
    const dataIn = diagrams.dataIn({
      F: true,
      status: 0,
      lun: 1n,
      itt: 0x12345678,
      ttt: MAX32,
      statSN: 0,
      expCmdSN: 1,
      maxCmdSN: 9,
      dataSN: 2,
      offset: 0x10000,
      residual: 0,
      data: Buffer.alloc(5),
    });
    const dataOut = diagrams.dataOut({ final: false, lun: 0n, itt: 0xabcdef01, ttt: 7, expStatSN: 1, dataSN: 0, offset: 8192, data: Buffer.alloc(4096) });
    const r2t = diagrams.r2t({ lun: 0n, itt: 5, ttt: 6, statSN: 1, expCmdSN: 1, maxCmdSN: 1, r2tSN: 0, offset: 0x20000, ddtl: 4096 });
    it('opcode, ITT and Buffer Offset of Data-In, Data-Out and R2T', () => {
      assert.deepStrictEqual([peekOpcode(dataIn), peekItt(dataIn), peekBufferOffset(dataIn)], [0x25, 0x12345678, 0x10000]);
      assert.deepStrictEqual([peekOpcode(dataOut), peekItt(dataOut), peekBufferOffset(dataOut)], [0x05, 0xabcdef01, 8192]);
      assert.deepStrictEqual([peekOpcode(r2t), peekItt(r2t), peekBufferOffset(r2t)], [0x31, 5, 0x20000]);
      // The I bit is not part of the opcode.
      assert.equal(peekOpcode(diagrams.nopOut({ immediate: true, lun: 0n, itt: 1, ttt: MAX32, cmdSN: 1, expStatSN: 1 })), 0x00);
    });
    it('length on the wire: BHS, AHS, digests, data, padding', () => {
      const bhs = (ahsWords: number, dsl: number): Buffer => {
        const b = Buffer.alloc(48);
        b[4] = ahsWords;
        b.writeUIntBE(dsl, 5, 3);
        return b;
      };
      const rows: [Buffer, boolean, boolean, number][] = [
        [bhs(0, 0), false, false, 48],
        [bhs(0, 0), true, true, 52], // no data: no data digest
        [bhs(0, 5), false, false, 48 + 8],
        [bhs(0, 5), false, true, 48 + 8 + 4],
        [bhs(2, 8), true, true, 48 + 8 + 4 + 8 + 4],
        [bhs(255, 0xffffff), false, false, 48 + 1020 + 0xffffff + 1],
        [dataIn, false, false, 48 + 8],
      ];
      for (const [b, hd, dd, n] of rows) assert.equal(pduWireLength(b, { headerDigest: hd, dataDigest: dd }), n);
      assert.throws(() => pduWireLength(Buffer.alloc(20), { headerDigest: false, dataDigest: false }), /needs 48 bytes, 20 given/);
    });
  });
});
