import { strict as assert } from 'node:assert';
import {
  S,
  checkCondition,
  clearUa,
  good,
  invalidCdb,
  invalidParam,
  LBA_OOB,
  MISCOMPARE,
  NO_MEDIUM,
  nexus,
  pattern,
  PLL_ERROR,
  ready,
  run,
  tick,
} from './helpers.js';

const IR = S.SenseKey.ILLEGAL_REQUEST;
const DP = S.SenseKey.DATA_PROTECT;
const CAP = 16384;

function lbaStatus(d: Buffer) {
  return S.parseLbaStatus(d).descriptors.map((x) => [Number(x.lba), x.blocks, x.provisioningStatus]);
}

describe('target/scsi block commands', () => {
  describe('VERIFY', () => {
    it('BYTCHK 00b verifies the medium; 01b compares and reports the offset of the first differing byte; 11b compares each block with one', async () => {
      const ds = await ready();
      const data = pattern(100, 8);
      good(await run(ds, S.write10({ lba: 100, blocks: 8 }), { dataOut: data }));
      for (const v of [S.verify10, S.verify12, S.verify16]) {
        good(await run(ds, v({ lba: 100, blocks: 8 })));
        good(await run(ds, v({ lba: 100, blocks: 8, bytchk: 1 }), { dataOut: data }));
        const bad = Buffer.from(data);
        bad[3 * 512 + 17]! ^= 0x58;
        checkCondition(await run(ds, v({ lba: 100, blocks: 8, bytchk: 1 }), { dataOut: bad }), MISCOMPARE(3 * 512 + 17));
        good(await run(ds, v({ lba: 100, blocks: 8, dpo: true })));
      }
      good(await run(ds, S.write10({ lba: 200, blocks: 4 }), { dataOut: Buffer.alloc(2048, 0x77) }));
      good(await run(ds, S.verify10({ lba: 200, blocks: 4, bytchk: 3 }), { dataOut: Buffer.alloc(512, 0x77) }));
      const one = Buffer.alloc(512, 0x77);
      good(await run(ds, S.write10({ lba: 202, blocks: 1 }), { dataOut: Buffer.alloc(512, 0x78) }));
      checkCondition(await run(ds, S.verify10({ lba: 200, blocks: 4, bytchk: 3 }), { dataOut: one }), MISCOMPARE(1024));
    });

    it('VRPROTECT, BYTCHK 10b, the range and 0 blocks', async () => {
      const ds = await ready();
      checkCondition(await run(ds, S.verify10({ lba: 0, blocks: 1, vrprotect: 2 })), invalidCdb(1, 7));
      checkCondition(await run(ds, S.verify16({ lba: 0, blocks: 1, bytchk: 2 })), invalidCdb(1, 2));
      checkCondition(await run(ds, S.verify12({ lba: CAP, blocks: 1 })), LBA_OOB);
      good(await run(ds, S.verify10({ lba: 0, blocks: 0, bytchk: 1 })));
    });
  });

  describe('WRITE AND VERIFY', () => {
    it('writes then verifies (BYTCHK 0 and 1), durable; BYTCHK 10b/11b and WRPROTECT refused', async () => {
      const ds = await ready();
      let flushes = 0;
      const st = ds.unit(0)!.store;
      const f = st.flush.bind(st);
      st.flush = async () => {
        flushes++;
        return f();
      };
      for (const [i, wv] of [S.writeVerify10, S.writeVerify12, S.writeVerify16].entries()) {
        const data = pattern(40 + i * 8, 8, 512, i);
        good(await run(ds, wv({ lba: 40 + i * 8, blocks: 8, bytchk: i % 2 }), { dataOut: data }));
        assert.ok(good(await run(ds, S.read10({ lba: 40 + i * 8, blocks: 8 }))).equals(data));
        checkCondition(await run(ds, wv({ lba: 0, blocks: 1, bytchk: 2 }), { dataOut: data.subarray(0, 512) }), invalidCdb(1, 2));
        checkCondition(await run(ds, wv({ lba: 0, blocks: 1, bytchk: 3 }), { dataOut: data.subarray(0, 512) }), invalidCdb(1, 2));
        checkCondition(await run(ds, wv({ lba: 0, blocks: 1, wrprotect: 1 }), { dataOut: data.subarray(0, 512) }), invalidCdb(1, 7));
        checkCondition(await run(ds, wv({ lba: CAP, blocks: 1 }), { dataOut: data.subarray(0, 512) }), LBA_OOB);
      }
      assert.equal(flushes, 3);
    });
  });

  describe('WRITE SAME', () => {
    it('writes one block to each LBA of the range (10 and 16), 1..N blocks at both ends', async () => {
      const ds = await ready();
      for (const ws of [S.writeSame10, S.writeSame16]) {
        for (const [lba, n] of [
          [0, 1],
          [0, 37],
          [CAP - 5, 5],
        ] as [number, number][]) {
          const blk = pattern(n, 1, 512, lba);
          good(await run(ds, ws({ lba, blocks: n }), { dataOut: blk }));
          const back = good(await run(ds, S.read16({ lba, blocks: n })));
          for (let i = 0; i < n; i++) assert.ok(back.subarray(i * 512, (i + 1) * 512).equals(blk));
        }
      }
    });

    it('WSNZ: 0 blocks refused; MAXIMUM WRITE SAME LENGTH enforced; past the end OUT OF RANGE; Data-Out must be one block', async () => {
      const ds = await ready({ limits: { maxWriteSame: 64, wsnz: true } });
      const blk = Buffer.alloc(512, 1);
      checkCondition(await run(ds, S.writeSame10({ lba: 0, blocks: 0 }), { dataOut: blk }), invalidCdb(7, 7));
      checkCondition(await run(ds, S.writeSame16({ lba: CAP + 1, blocks: 0 }), { dataOut: blk }), LBA_OOB);
      good(await run(ds, S.writeSame16({ lba: 0, blocks: 64 }), { dataOut: blk }));
      checkCondition(await run(ds, S.writeSame16({ lba: 0, blocks: 65 }), { dataOut: blk }), invalidCdb(10, 7));
      checkCondition(await run(ds, S.writeSame10({ lba: CAP - 1, blocks: 2 }), { dataOut: blk }), LBA_OOB);
      for (const d of [Buffer.alloc(256), Buffer.alloc(1024), Buffer.alloc(0)]) {
        checkCondition(await run(ds, S.writeSame10({ lba: 0, blocks: 1 }), { dataOut: d }), { key: IR, asc: S.Asc.INVALID_FIELD_IN_INFORMATION_UNIT });
      }
      checkCondition(await run(ds, S.writeSame10({ lba: 0, blocks: 1, wrprotect: 1 }), { dataOut: blk }), invalidCdb(1, 7));
    });

    it('WSNZ=0: 0 blocks writes to the end of the medium, within MAXIMUM WRITE SAME LENGTH', async () => {
      const ds = await ready({ limits: { maxWriteSame: 100 } });
      good(await run(ds, S.writeSame16({ lba: CAP - 3, blocks: 0 }), { dataOut: Buffer.alloc(512, 9) }));
      assert.ok(good(await run(ds, S.read10({ lba: CAP - 3, blocks: 3 }))).equals(Buffer.alloc(1536, 9)));
      good(await run(ds, S.writeSame10({ lba: CAP - 100, blocks: 0 }), { dataOut: Buffer.alloc(512, 9) }));
      checkCondition(await run(ds, S.writeSame10({ lba: CAP - 101, blocks: 0 }), { dataOut: Buffer.alloc(512, 9) }), invalidCdb(7, 7));
      checkCondition(await run(ds, S.writeSame10({ lba: CAP, blocks: 0 }), { dataOut: Buffer.alloc(512, 9) }), LBA_OOB);
    });

    it('UNMAP and ANCHOR on a thin LUN: deallocated / anchored, reads zeros whatever the data, GET LBA STATUS says so', async () => {
      const ds = await ready({ thin: true });
      good(await run(ds, S.write10({ lba: 0, blocks: 64 }), { dataOut: Buffer.alloc(64 * 512, 0xff) }));
      good(await run(ds, S.writeSame10({ lba: 8, blocks: 16, unmap: true }), { dataOut: Buffer.alloc(512, 0xff) }));
      assert.ok(good(await run(ds, S.read10({ lba: 8, blocks: 16 }))).equals(Buffer.alloc(16 * 512)));
      good(await run(ds, S.writeSame16({ lba: 32, blocks: 8, unmap: true, anchor: true, ndob: true })));
      const st = lbaStatus(good(await run(ds, S.getLbaStatus({ lba: 0 }))));
      assert.deepEqual(st.slice(0, 5), [
        [0, 8, 0],
        [8, 16, 1],
        [24, 8, 0],
        [32, 8, 2],
        [40, 24, 0],
      ]);
      // partial granule: zeroed but still mapped
      good(await run(ds, S.writeSame10({ lba: 1, blocks: 2, unmap: true }), { dataOut: Buffer.alloc(512, 0xff) }));
      assert.ok(
        good(await run(ds, S.read10({ lba: 0, blocks: 4 }))).equals(Buffer.concat([Buffer.alloc(512, 0xff), Buffer.alloc(1024), Buffer.alloc(512, 0xff)])),
      );
      checkCondition(await run(ds, S.writeSame10({ lba: 0, blocks: 1, anchor: true }), { dataOut: Buffer.alloc(512) }), invalidCdb(1, 4));
    });

    it('UNMAP and ANCHOR are refused on a thick LUN (LBPWS=0)', async () => {
      const ds = await ready();
      checkCondition(await run(ds, S.writeSame10({ lba: 0, blocks: 1, unmap: true }), { dataOut: Buffer.alloc(512) }), invalidCdb(1, 3));
      checkCondition(await run(ds, S.writeSame16({ lba: 0, blocks: 1, unmap: true, anchor: true }), { dataOut: Buffer.alloc(512) }), invalidCdb(1, 4));
      good(await run(ds, S.writeSame16({ lba: 0, blocks: 4, ndob: true })));
    });
  });

  describe('UNMAP', () => {
    function unmapCmd(descs: { lba: number | bigint; blocks: number }[], anchor = false) {
      const data = S.unmapParameterList(descs);
      return { cdb: S.unmap({ paramLen: data.length, anchor }), data };
    }

    it('deallocates (or anchors) every descriptor, then the blocks read zeros and GET LBA STATUS reports them', async () => {
      const ds = await ready({ thin: true });
      good(await run(ds, S.write16({ lba: 0, blocks: 256 }), { dataOut: Buffer.alloc(256 * 512, 0x61) }));
      const u = unmapCmd([
        { lba: 0, blocks: 16 },
        { lba: 64, blocks: 32 },
      ]);
      good(await run(ds, u.cdb, { dataOut: u.data }));
      const a = unmapCmd([{ lba: 128, blocks: 8 }], true);
      good(await run(ds, a.cdb, { dataOut: a.data }));
      const back = good(await run(ds, S.read16({ lba: 0, blocks: 256 })));
      assert.ok(back.subarray(0, 16 * 512).equals(Buffer.alloc(16 * 512)));
      assert.ok(back.subarray(16 * 512, 64 * 512).equals(Buffer.alloc(48 * 512, 0x61)));
      assert.deepEqual(lbaStatus(good(await run(ds, S.getLbaStatus({ lba: 60 })))).slice(0, 4), [
        [60, 4, 0],
        [64, 32, 1],
        [96, 32, 0],
        [128, 8, 2],
      ]);
      // 0 blocks, no descriptors, a 0 parameter list length: all fine
      for (const d of [[{ lba: CAP, blocks: 0 }], []]) {
        const z = unmapCmd(d);
        good(await run(ds, z.cdb, { dataOut: z.data }));
      }
      good(await run(ds, S.unmap({ paramLen: 0 })));
    });

    it('parameter list validation: short lists, lengths, reserved bytes, limits, range', async () => {
      const ds = await ready({ thin: true, limits: { maxUnmapDescriptors: 4, maxUnmapLbaCount: 100 } });
      checkCondition(await run(ds, S.unmap({ paramLen: 6 }), { dataOut: Buffer.alloc(6) }), PLL_ERROR);
      const u = unmapCmd([{ lba: 0, blocks: 8 }]);
      checkCondition(await run(ds, S.unmap({ paramLen: 24 }), { dataOut: u.data.subarray(0, 20) }), PLL_ERROR);
      // SBC-4 5.35.2: a descriptor cut short by the PARAMETER LIST LENGTH, or by a descriptor data length that is
      // not a multiple of 16, is ignored; the complete ones are processed
      const longer = Buffer.from(u.data);
      longer.writeUInt16BE(0x26, 0);
      longer.writeUInt16BE(0x20, 2); // the header announces two descriptors, the list holds one
      good(await run(ds, S.unmap({ paramLen: 24 }), { dataOut: longer }));
      const odd = unmapCmd([{ lba: 0, blocks: 8 }]).data;
      odd.writeUInt16BE(12, 2); // the only descriptor is incomplete: nothing to unmap
      good(await run(ds, S.unmap({ paramLen: 24 }), { dataOut: odd }));
      const rsv = Buffer.from(u.data);
      rsv[5] = 1;
      checkCondition(await run(ds, S.unmap({ paramLen: 24 }), { dataOut: rsv }), invalidParam(5, 0));
      const rsv2 = Buffer.from(u.data);
      rsv2[8 + 13] = 0x80;
      checkCondition(await run(ds, S.unmap({ paramLen: 24 }), { dataOut: rsv2 }), invalidParam(21, 7));
      const many = unmapCmd(Array.from({ length: 5 }, (_, i) => ({ lba: i * 10, blocks: 1 })));
      checkCondition(await run(ds, many.cdb, { dataOut: many.data }), invalidParam(2));
      const big = unmapCmd([
        { lba: 0, blocks: 60 },
        { lba: 100, blocks: 41 },
      ]);
      checkCondition(await run(ds, big.cdb, { dataOut: big.data }), invalidParam(24 + 8));
      const oob = unmapCmd([{ lba: CAP - 1, blocks: 2 }]);
      checkCondition(await run(ds, oob.cdb, { dataOut: oob.data }), LBA_OOB);
      // nothing was deallocated by the refused lists
      assert.equal(lbaStatus(good(await run(ds, S.getLbaStatus({ lba: 0 }))))[0]![2], 1);
    });

    it('is not implemented on a thick LUN', async () => {
      const ds = await ready();
      const u = unmapCmd([{ lba: 0, blocks: 1 }]);
      checkCondition(await run(ds, u.cdb, { dataOut: u.data }), { key: IR, asc: S.Asc.INVALID_COMMAND_OPERATION_CODE });
    });
  });

  describe('GET LBA STATUS', () => {
    it('starts at the LBA asked, reports runs to the end (thick: one mapped run); past the end is LBA OUT OF RANGE', async () => {
      const ds = await ready();
      assert.deepEqual(lbaStatus(good(await run(ds, S.getLbaStatus({ lba: 100, alloc: 24 })))), [[100, CAP - 100, 0]]);
      assert.deepEqual(lbaStatus(good(await run(ds, S.getLbaStatus({ lba: CAP - 1 })))), [[CAP - 1, 1, 0]]);
      checkCondition(await run(ds, S.getLbaStatus({ lba: CAP })), LBA_OOB);
      const thin = await ready({ thin: true });
      assert.deepEqual(lbaStatus(good(await run(thin, S.getLbaStatus({ lba: 5 })))), [[5, CAP - 5, 1]]);
      // the allocation length bounds the descriptors; PARAMETER DATA LENGTH says what was returned
      for (let i = 0; i < 10; i++) good(await run(thin, S.write10({ lba: i * 16, blocks: 8 }), { dataOut: Buffer.alloc(4096) }));
      const d = good(await run(thin, S.getLbaStatus({ lba: 0, alloc: 8 + 3 * 16 })));
      assert.equal(S.parseLbaStatus(d).descriptors.length, 3);
      assert.equal(d.length, 56);
      assert.equal(good(await run(thin, S.getLbaStatus({ lba: 0, alloc: 10 }))).length, 10);
    });
  });

  describe('COMPARE AND WRITE', () => {
    it('writes when the compare data matches; MISCOMPARE with the offset and nothing written when not', async () => {
      const ds = await ready();
      const a = Buffer.alloc(4 * 512, 0x41);
      const b = Buffer.alloc(4 * 512, 0x42);
      good(await run(ds, S.write16({ lba: 10, blocks: 4 }), { dataOut: a }));
      good(await run(ds, S.compareAndWrite({ lba: 10, blocks: 4 }), { dataOut: Buffer.concat([a, b]) }));
      assert.ok(good(await run(ds, S.read16({ lba: 10, blocks: 4 }))).equals(b));
      const cmp = Buffer.from(b);
      cmp[4 * 512 - 27] = 0x43;
      checkCondition(await run(ds, S.compareAndWrite({ lba: 10, blocks: 4 }), { dataOut: Buffer.concat([cmp, a]) }), MISCOMPARE(4 * 512 - 27));
      assert.ok(good(await run(ds, S.read16({ lba: 10, blocks: 4 }))).equals(b));
      good(
        await run(ds, S.compareAndWrite({ lba: 10, blocks: 1, fua: true, dpo: true }), { dataOut: Buffer.concat([b.subarray(0, 512), a.subarray(0, 512)]) }),
      );
    });

    it('MAXIMUM COMPARE AND WRITE LENGTH, Data-Out of exactly 2 × blocks, 0 blocks, range, WRPROTECT', async () => {
      const ds = await ready();
      checkCondition(await run(ds, S.compareAndWrite({ lba: 0, blocks: 129 }), { dataOut: Buffer.alloc(2 * 129 * 512) }), invalidCdb(13, 7));
      good(await run(ds, S.compareAndWrite({ lba: 0, blocks: 128 }), { dataOut: Buffer.alloc(2 * 128 * 512) }));
      checkCondition(await run(ds, S.compareAndWrite({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512) }), invalidCdb(13, 7));
      checkCondition(await run(ds, S.compareAndWrite({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(3 * 512) }), invalidCdb(13, 7));
      checkCondition(await run(ds, S.compareAndWrite({ lba: 0, blocks: 0 }), { dataOut: Buffer.alloc(512) }), invalidCdb(13, 7));
      good(await run(ds, S.compareAndWrite({ lba: 0, blocks: 0 })));
      checkCondition(await run(ds, S.compareAndWrite({ lba: CAP, blocks: 1 }), { dataOut: Buffer.alloc(1024) }), LBA_OOB);
      checkCondition(await run(ds, S.compareAndWrite({ lba: 0, blocks: 1, wrprotect: 3 }), { dataOut: Buffer.alloc(1024) }), invalidCdb(1, 7));
    });

    it('is atomic against other commands to the same blocks', async () => {
      const ds = await ready();
      good(await run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512, 0) }));
      // 20 racing increments through compare-and-write: every one that succeeds saw the previous value
      let value = 0;
      const attempts = Array.from({ length: 20 }, async () => {
        for (;;) {
          const cur = value;
          const r = await run(ds, S.compareAndWrite({ lba: 0, blocks: 1 }), { dataOut: Buffer.concat([Buffer.alloc(512, cur), Buffer.alloc(512, cur + 1)]) });
          if (r.status === S.ScsiStatus.GOOD) {
            value = cur + 1;
            return;
          }
          checkCondition(r, MISCOMPARE(0));
        }
      });
      await Promise.all(attempts);
      assert.equal(good(await run(ds, S.read10({ lba: 0, blocks: 1 })))[0], 20);
    });
  });

  describe('ORWRITE(16)', () => {
    it('ORs the data into the blocks', async () => {
      const ds = await ready();
      good(await run(ds, S.write16({ lba: CAP - 4, blocks: 4 }), { dataOut: Buffer.alloc(2048, 0) }));
      good(await run(ds, S.orWrite16({ lba: CAP - 4, blocks: 4 }), { dataOut: Buffer.alloc(2048, 0xa5) }));
      good(await run(ds, S.orWrite16({ lba: CAP - 4, blocks: 4, fua: true }), { dataOut: Buffer.alloc(2048, 0x5a) }));
      assert.ok(good(await run(ds, S.read16({ lba: CAP - 4, blocks: 4 }))).equals(Buffer.alloc(2048, 0xff)));
      checkCondition(await run(ds, S.orWrite16({ lba: CAP - 1, blocks: 2 }), { dataOut: Buffer.alloc(1024) }), LBA_OOB);
      checkCondition(await run(ds, S.orWrite16({ lba: 0, blocks: 1, orprotect: 1 }), { dataOut: Buffer.alloc(512) }), invalidCdb(1, 7));
      good(await run(ds, S.orWrite16({ lba: 0, blocks: 0 })));
    });
  });

  describe('PRE-FETCH', () => {
    it('GOOD without a read cache (RCD=1); CONDITION MET when RCD=0 and the range fits; checks range and MAXIMUM PREFETCH LENGTH', async () => {
      const ds = await ready({ limits: { readCacheBlocks: 16, maxPrefetch: 64 } });
      for (const pf of [S.preFetch10, S.preFetch16]) {
        good(await run(ds, pf({ lba: 0, blocks: 8 })));
        good(await run(ds, pf({ lba: 0, blocks: 8, immed: true, group: 3 })));
        checkCondition(await run(ds, pf({ lba: CAP, blocks: 1 })), LBA_OOB);
        good(await run(ds, pf({ lba: 0, blocks: 0 })));
      }
      checkCondition(await run(ds, S.preFetch10({ lba: 0, blocks: 65 })), invalidCdb(7, 7));
      const p = S.encodeModeParameters6({ select: true, pages: [S.encodeCachingPage({ wce: true, rcd: false })] });
      good(await run(ds, S.modeSelect6({ paramLen: p.length }), { dataOut: p }));
      assert.equal((await run(ds, S.preFetch16({ lba: 0, blocks: 16 }))).status, S.ScsiStatus.CONDITION_MET);
      assert.equal((await run(ds, S.preFetch16({ lba: 0, blocks: 17 }))).status, S.ScsiStatus.GOOD);
    });
  });

  describe('WRITE ATOMIC(16)', () => {
    it('writes at and below the atomic limits; length, alignment, granularity, boundary and range enforced', async () => {
      const ds = await ready({ limits: { maxAtomicTransfer: 64, atomicAlignment: 4, atomicGranularity: 2 } });
      const data = pattern(8, 8);
      good(await run(ds, S.writeAtomic16({ lba: 8, blocks: 8 }), { dataOut: data }));
      assert.ok(good(await run(ds, S.read16({ lba: 8, blocks: 8 }))).equals(data));
      checkCondition(await run(ds, S.writeAtomic16({ lba: 0, blocks: 66 }), { dataOut: Buffer.alloc(66 * 512) }), invalidCdb(12, 7));
      checkCondition(await run(ds, S.writeAtomic16({ lba: 2, blocks: 2 }), { dataOut: Buffer.alloc(1024) }), invalidCdb(2, 7));
      checkCondition(await run(ds, S.writeAtomic16({ lba: 4, blocks: 3 }), { dataOut: Buffer.alloc(1536) }), invalidCdb(12, 7));
      checkCondition(await run(ds, S.writeAtomic16({ lba: 4, blocks: 2, atomicBoundary: 2 }), { dataOut: Buffer.alloc(1024) }), invalidCdb(10, 7));
      checkCondition(await run(ds, S.writeAtomic16({ lba: CAP - 2, blocks: 4 }), { dataOut: Buffer.alloc(2048) }), LBA_OOB);
      checkCondition(await run(ds, S.writeAtomic16({ lba: 2n ** 64n - 4n, blocks: 2 }), { dataOut: Buffer.alloc(1024) }), LBA_OOB);
      checkCondition(await run(ds, S.writeAtomic16({ lba: 4, blocks: 2, wrprotect: 1 }), { dataOut: Buffer.alloc(1024) }), invalidCdb(1, 7));
      good(await run(ds, S.writeAtomic16({ lba: 0, blocks: 0 })));
      good(await run(ds, S.writeAtomic16({ lba: 4, blocks: 2, fua: true, dpo: true }), { dataOut: Buffer.alloc(1024) }));
      // a Data-Out short of the blocks cannot be written atomically: INVALID FIELD IN INFORMATION UNIT, nothing written
      checkCondition(await run(ds, S.writeAtomic16({ lba: 8, blocks: 4 }), { dataOut: Buffer.alloc(1024, 0xee) }), {
        key: IR,
        asc: S.Asc.INVALID_FIELD_IN_INFORMATION_UNIT,
      });
      checkCondition(await run(ds, S.writeAtomic16({ lba: 8, blocks: 2 })), { key: IR, asc: S.Asc.INVALID_FIELD_IN_INFORMATION_UNIT });
      assert.ok(good(await run(ds, S.read16({ lba: 8, blocks: 8 }))).equals(data));
    });
  });

  describe('READ DEFECT DATA', () => {
    it('(10) and (12): empty lists in the format asked, reserved format refused', async () => {
      const ds = await ready();
      for (const format of [0, 3, 4, 5]) {
        const d = good(await run(ds, S.readDefectData10({ format, reqPlist: true, reqGlist: true, alloc: 32 })));
        assert.equal(d.length, 4);
        assert.deepEqual([d[1]! & 7, (d[1]! >> 4) & 1, (d[1]! >> 3) & 1, d.readUInt16BE(2)], [format, 1, 1, 0]);
        const d12 = good(await run(ds, S.readDefectData12({ format, alloc: 32 })));
        assert.equal(d12.length, 8);
        assert.equal(d12.readUInt32BE(4), 0);
      }
      checkCondition(await run(ds, S.readDefectData10({ format: 7, alloc: 32 })), invalidCdb(2, 2));
      checkCondition(await run(ds, S.readDefectData12({ format: 7, alloc: 32 })), invalidCdb(1, 2));
      assert.equal(good(await run(ds, S.readDefectData10({ alloc: 2 }))).length, 2);
    });
  });

  describe('START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, no medium', () => {
    it('eject and load a removable medium; without medium, medium commands are NOT READY / MEDIUM NOT PRESENT, others work', async () => {
      const ds = await ready({ removable: true, thin: true });
      assert.equal(S.parseStandardInquiry(good(await run(ds, S.inquiry()))).rmb, true);
      good(await run(ds, S.startStopUnit({ loej: true, start: false, immed: true })));
      const cmds: [Buffer, Buffer?][] = [
        [S.testUnitReady()],
        [S.read10({ lba: 0, blocks: 1 })],
        [S.read16({ lba: 0, blocks: 1 })],
        [S.write10({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.readCapacity10()],
        [S.readCapacity16()],
        [S.synchronizeCache10()],
        [S.getLbaStatus({ lba: 0 })],
        [S.preFetch10({ lba: 0, blocks: 1, immed: true })],
        [S.verify16({ lba: 0, blocks: 1, bytchk: 1 }), Buffer.alloc(512)],
        [S.writeSame16({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.unmap({ paramLen: 24 }), S.unmapParameterList([{ lba: 0, blocks: 1 }])],
        [S.orWrite16({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.compareAndWrite({ lba: 0, blocks: 1 }), Buffer.alloc(1024)],
      ];
      for (const [cdb, dataOut] of cmds) checkCondition(await run(ds, cdb, dataOut ? { dataOut } : {}), NO_MEDIUM);
      good(await run(ds, S.inquiry()));
      good(await run(ds, S.reportLuns()));
      good(await run(ds, S.modeSense6({ page: 0x3f })));
      assert.equal(S.describeSense(S.decodeSense(good(await run(ds, S.requestSense())))), 'NOT READY/MEDIUM NOT PRESENT');
      good(await run(ds, S.startStopUnit({ loej: true, start: true })));
      good(await run(ds, S.testUnitReady()));
    });

    it('PREVENT from any nexus refuses eject and load with MEDIUM REMOVAL PREVENTED; ALLOW, logout and nexus loss clear it', async () => {
      const ds = await ready({ removable: true });
      const n2 = nexus(2);
      await clearUa(ds, n2);
      const eject = S.startStopUnit({ loej: true, start: false });
      const prevented = { key: IR, asc: S.Asc.MEDIUM_REMOVAL_PREVENTED };
      good(await run(ds, S.preventAllowMediumRemoval({ prevent: true })));
      checkCondition(await run(ds, eject), prevented);
      checkCondition(await run(ds, eject, { nexus: n2 }), prevented);
      good(await run(ds, S.testUnitReady()));
      good(await run(ds, S.preventAllowMediumRemoval({ prevent: false }), { nexus: n2 })); // only its own
      checkCondition(await run(ds, eject, { nexus: n2 }), prevented);
      good(await run(ds, S.preventAllowMediumRemoval({ prevent: false })));
      good(await run(ds, eject));
      checkCondition(await run(ds, S.testUnitReady()), NO_MEDIUM);
      good(await run(ds, S.preventAllowMediumRemoval({ prevent: true })));
      checkCondition(await run(ds, S.startStopUnit({ loej: true, start: true })), prevented);
      ds.nexusEnded(nexus(), 'logout');
      good(await run(ds, S.startStopUnit({ loej: true, start: true }), { nexus: n2 }));
      good(await run(ds, S.preventAllowMediumRemoval({ prevent: true }), { nexus: n2 }));
      ds.nexusEnded(n2, 'loss');
      await clearUa(ds, nexus(3));
      good(await run(ds, eject, { nexus: nexus(3) }));
      checkCondition(await run(ds, S.preventAllowMediumRemoval({ prevent: 2 })), invalidCdb(4, 1));
    });

    it('LUN RESET and target resets clear PREVENT', async () => {
      for (const fn of ['lun-reset', 'target-warm-reset', 'target-cold-reset'] as const) {
        const ds = await ready({ removable: true });
        good(await run(ds, S.preventAllowMediumRemoval({ prevent: true })));
        assert.equal(await ds.taskManagement(nexus(), fn, 0), 'complete');
        await clearUa(ds, nexus());
        good(await run(ds, S.startStopUnit({ loej: true, start: false })), fn);
      }
    });

    it('power conditions and START keep the medium; LOEJ on a fixed LUN is refused; STOP is left by the next access', async () => {
      const ds = await ready({ removable: true });
      for (let pc = 1; pc < 16; pc++) {
        good(await run(ds, S.startStopUnit({ immed: true, powerCondition: pc, loej: true, start: false })));
        good(await run(ds, S.testUnitReady()));
      }
      checkCondition(await run(ds, S.startStopUnit({ powerConditionModifier: 1 })), invalidCdb(3, 3));
      good(await run(ds, S.startStopUnit({ start: false })));
      assert.equal(ds.unit(0)!.power, 'stopped');
      good(await run(ds, S.testUnitReady()));
      assert.equal(ds.unit(0)!.power, 'active');
      const fixed = await ready();
      checkCondition(await run(fixed, S.startStopUnit({ loej: true, start: false })), invalidCdb(4, 1));
      good(await run(fixed, S.startStopUnit({ start: true })));
      checkCondition(await run(fixed, S.preventAllowMediumRemoval({ prevent: true })), { key: IR, asc: S.Asc.INVALID_COMMAND_OPERATION_CODE });
    });

    it('loading the medium raises NOT READY TO READY CHANGE on the other nexuses', async () => {
      const ds = await ready({ removable: true });
      const n2 = nexus(2);
      await clearUa(ds, n2);
      good(await run(ds, S.startStopUnit({ loej: true, start: false })));
      good(await run(ds, S.startStopUnit({ loej: true, start: true })));
      good(await run(ds, S.testUnitReady()));
      assert.deepEqual(await clearUa(ds, n2), [S.Asc.NOT_READY_TO_READY_CHANGE]);
    });
  });

  describe('write protection', () => {
    it('a read-only LUN refuses every medium write with DATA PROTECT / WRITE PROTECTED and still reads', async () => {
      const ds = await ready({ readOnly: true, thin: true });
      const wp = { key: DP, asc: S.Asc.WRITE_PROTECTED };
      const writes: [Buffer, Buffer?][] = [
        [S.write6({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.write10({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.write12({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.write16({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.writeVerify10({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.writeSame10({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.writeSame10({ lba: 0, blocks: 1, unmap: true })],
        [S.writeSame16({ lba: 0, blocks: 1, unmap: true })],
        [S.unmap({ paramLen: 24 }), S.unmapParameterList([{ lba: 0, blocks: 1 }])],
        [S.compareAndWrite({ lba: 0, blocks: 1 }), Buffer.alloc(1024)],
        [S.orWrite16({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.writeAtomic16({ lba: 0, blocks: 1 }), Buffer.alloc(512)],
        [S.sanitize({ sa: 2 })],
        [S.sanitize({ sa: 3 })],
      ];
      for (const [cdb, dataOut] of writes) checkCondition(await run(ds, cdb, dataOut ? { dataOut } : {}), wp);
      const ow = S.sanitizeOverwriteParameterList({ count: 1, pattern: Buffer.alloc(4) });
      checkCondition(await run(ds, S.sanitize({ sa: 1, paramLen: ow.length }), { dataOut: ow }), wp);
      good(await run(ds, S.read10({ lba: 0, blocks: 1 })));
      good(await run(ds, S.verify10({ lba: 0, blocks: 1 })));
      // a thick read-only LUN reports the protection before it looks at the UNMAP bit it does not support
      const thick = await ready({ readOnly: true });
      checkCondition(await run(thick, S.writeSame10({ lba: 0, blocks: 1, unmap: true })), wp);
    });
  });

  describe('SANITIZE', () => {
    it('OVERWRITE writes the pattern (INVERT alternates) everywhere; BLOCK ERASE deallocates; CRYPTO ERASE wipes', async () => {
      const thick = await ready();
      checkCondition(await run(thick, S.sanitize({ sa: 0x1f, paramLen: 8 }), { dataOut: Buffer.alloc(8) }), invalidCdb(7, 7));
      const thinLu = await ready({ thin: true });
      checkCondition(await run(thinLu, S.sanitize({ sa: 3, paramLen: 8 }), { dataOut: Buffer.alloc(8) }), invalidCdb(7, 7));
      const ds = await ready({ thin: true, backing: 'sparse' });
      good(await run(ds, S.write16({ lba: 0, blocks: 4 }), { dataOut: Buffer.alloc(2048, 0x61) }));
      const ow = S.sanitizeOverwriteParameterList({ count: 1, pattern: Buffer.from([1, 2, 3, 4]) });
      good(await run(ds, S.sanitize({ sa: 1, paramLen: ow.length }), { dataOut: ow }));
      const exp = Buffer.alloc(512);
      for (let i = 0; i < 512; i++) exp[i] = (i % 4) + 1;
      assert.ok(good(await run(ds, S.read16({ lba: CAP - 1, blocks: 1 }))).equals(exp));
      assert.deepEqual(lbaStatus(good(await run(ds, S.getLbaStatus({ lba: 0 })))), [[0, CAP, 0]]);
      const inv = S.sanitizeOverwriteParameterList({ count: 2, invert: true, pattern: Buffer.alloc(512, 0x0f) });
      good(await run(ds, S.sanitize({ sa: 1, paramLen: inv.length }), { dataOut: inv }));
      assert.ok(good(await run(ds, S.read16({ lba: 5, blocks: 1 }))).equals(Buffer.alloc(512, 0xf0)));
      good(await run(ds, S.sanitize({ sa: 2, ause: true })));
      assert.deepEqual(lbaStatus(good(await run(ds, S.getLbaStatus({ lba: 0 })))), [[0, CAP, 1]]);
      assert.ok(good(await run(ds, S.read16({ lba: 5, blocks: 1 }))).equals(Buffer.alloc(512)));
      good(await run(ds, S.write16({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512, 0x61) }));
      good(await run(ds, S.sanitize({ sa: 3 })));
      assert.ok(good(await run(ds, S.read16({ lba: 0, blocks: 1 }))).equals(Buffer.alloc(512)));
      good(await run(ds, S.sanitize({ sa: 0x1f })));
    });

    it('BLOCK ERASE and CRYPTO ERASE on a thick LUN: every block zeroed (written before, read GOOD after), still mapped; a parameter list is refused', async () => {
      for (const sa of [2, 3]) {
        const ds = await ready();
        checkCondition(await run(ds, S.sanitize({ sa, paramLen: 8 }), { dataOut: Buffer.alloc(8) }), invalidCdb(7, 7));
        good(await run(ds, S.write16({ lba: 0, blocks: 4 }), { dataOut: Buffer.alloc(2048, 0x61) }));
        good(await run(ds, S.write16({ lba: CAP - 4, blocks: 4 }), { dataOut: Buffer.alloc(2048, 0x61) }));
        good(await run(ds, S.sanitize({ sa })));
        assert.ok(good(await run(ds, S.read16({ lba: 0, blocks: 4 }))).equals(Buffer.alloc(2048)), `SA ${sa}: start wiped`);
        assert.ok(good(await run(ds, S.read16({ lba: CAP - 4, blocks: 4 }))).equals(Buffer.alloc(2048)), `SA ${sa}: end wiped`);
        // a fully provisioned LU has no deallocated LBA
        assert.deepEqual(lbaStatus(good(await run(ds, S.getLbaStatus({ lba: 0 })))), [[0, CAP, 0]]);
      }
    });

    it('CDB and parameter list checks: service actions, lengths, OVERWRITE COUNT, pattern length', async () => {
      const ds = await ready();
      for (const sa of [0, 4, 5, 0x10, 0x1e]) checkCondition(await run(ds, S.sanitize({ sa })), invalidCdb(1, 4));
      for (const len of [0, 1, 4, 517]) checkCondition(await run(ds, S.sanitize({ sa: 1, paramLen: len }), { dataOut: Buffer.alloc(len) }), invalidCdb(7, 7));
      checkCondition(await run(ds, S.sanitize({ sa: 0x1f, paramLen: 8 }), { dataOut: Buffer.alloc(8) }), invalidCdb(7, 7));
      const p = (o: Parameters<typeof S.sanitizeOverwriteParameterList>[0]) => S.sanitizeOverwriteParameterList(o);
      const zeroCount = p({ count: 0, pattern: Buffer.alloc(4) });
      checkCondition(await run(ds, S.sanitize({ sa: 1, paramLen: zeroCount.length }), { dataOut: zeroCount }), invalidParam(0, 4));
      const noPattern = Buffer.concat([p({ count: 1, pattern: Buffer.alloc(0) }), Buffer.alloc(4)]);
      checkCondition(await run(ds, S.sanitize({ sa: 1, paramLen: noPattern.length }), { dataOut: noPattern }), invalidParam(2));
      const tooLong = Buffer.alloc(512 + 4);
      tooLong[0] = 1;
      tooLong.writeUInt16BE(516, 2);
      checkCondition(await run(ds, S.sanitize({ sa: 1, paramLen: tooLong.length }), { dataOut: tooLong }), invalidParam(2));
      const short = p({ count: 1, pattern: Buffer.alloc(8) });
      checkCondition(await run(ds, S.sanitize({ sa: 1, paramLen: 10 }), { dataOut: short.subarray(0, 10) }), PLL_ERROR);
    });

    it('while it runs (IMMED) other commands get NOT READY / SANITIZE IN PROGRESS with progress; INQUIRY, REPORT LUNS, REQUEST SENSE are served; resets do not stop it', async () => {
      const ds = await ready({}, { sanitizeDurationMs: 300 });
      const ow = S.sanitizeOverwriteParameterList({ count: 1, pattern: Buffer.alloc(512, 0xee) });
      good(await run(ds, S.sanitize({ sa: 1, immed: true, paramLen: ow.length }), { dataOut: ow }));
      const inProgress = { key: S.SenseKey.NOT_READY, asc: S.Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS };
      const s = checkCondition(await run(ds, S.testUnitReady()), inProgress);
      assert.ok(s.senseKeySpecific?.progress !== undefined);
      checkCondition(await run(ds, S.read16({ lba: 0, blocks: 1 })), inProgress);
      checkCondition(await run(ds, S.startStopUnit({ immed: true, loej: false, start: false })), inProgress);
      good(await run(ds, S.inquiry()));
      good(await run(ds, S.reportLuns()));
      const rs = S.decodeSense(good(await run(ds, S.requestSense())));
      assert.equal(S.describeSense(rs), 'NOT READY/LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS');
      assert.ok(rs.senseKeySpecific?.progress !== undefined);
      assert.equal(await ds.taskManagement(nexus(), 'lun-reset', 0), 'complete');
      assert.equal(await ds.taskManagement(nexus(), 'target-warm-reset', 0), 'complete');
      const r = await run(ds, S.testUnitReady());
      assert.equal(S.decodeSense(r.sense!).key, S.SenseKey.UNIT_ATTENTION);
      checkCondition(await run(ds, S.testUnitReady()), inProgress);
      await ds.unit(0)!.sanitizeOp!.done;
      good(await run(ds, S.testUnitReady()));
      assert.ok(good(await run(ds, S.read16({ lba: 100, blocks: 1 }))).equals(Buffer.alloc(512, 0xee)));
    });

    it('without IMMED the command completes when the operation does; an ABORT TASK leaves the operation running', async () => {
      const ds = await ready({ thin: true }, { sanitizeDurationMs: 200 });
      const ow = S.sanitizeOverwriteParameterList({ count: 1, pattern: Buffer.alloc(4, 0x11) });
      const t0 = Date.now();
      good(await run(ds, S.sanitize({ sa: 1, paramLen: ow.length }), { dataOut: ow }));
      assert.ok(Date.now() - t0 >= 180);
      const pending = run(ds, S.sanitize({ sa: 3 }), { tag: 777 });
      await tick();
      assert.equal(await ds.taskManagement(nexus(), 'abort-task', 0, 777), 'complete');
      assert.deepEqual(await pending, { status: S.ScsiStatus.TASK_ABORTED, aborted: true });
      checkCondition(await run(ds, S.testUnitReady()), { key: S.SenseKey.NOT_READY, asc: S.Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS });
      await ds.unit(0)!.sanitizeOp!.done;
      assert.ok(good(await run(ds, S.read16({ lba: 0, blocks: 1 }))).equals(Buffer.alloc(512)));
    });

    it('a failed sanitize leaves the medium unusable until EXIT FAILURE MODE (AUSE=1) or a successful sanitize', async () => {
      const ds = await ready({}, { sanitizeDurationMs: 0 });
      const st = ds.unit(0)!.store;
      const fill = st.fill.bind(st);
      st.fill = async () => {
        throw new Error('EIO');
      };
      const ow = S.sanitizeOverwriteParameterList({ count: 1, pattern: Buffer.alloc(4) });
      checkCondition(await run(ds, S.sanitize({ sa: 1, paramLen: ow.length, ause: false }), { dataOut: ow }), {
        key: S.SenseKey.MEDIUM_ERROR,
        asc: S.Asc.SANITIZE_COMMAND_FAILED,
      });
      checkCondition(await run(ds, S.read10({ lba: 0, blocks: 1 })), { key: S.SenseKey.MEDIUM_ERROR, asc: S.Asc.SANITIZE_COMMAND_FAILED });
      checkCondition(await run(ds, S.sanitize({ sa: 0x1f })), invalidCdb(1, 4)); // AUSE was 0
      checkCondition(await run(ds, S.sanitize({ sa: 1, paramLen: ow.length, ause: true }), { dataOut: ow }), {
        key: S.SenseKey.MEDIUM_ERROR,
        asc: S.Asc.SANITIZE_COMMAND_FAILED,
      });
      good(await run(ds, S.sanitize({ sa: 0x1f })));
      good(await run(ds, S.read10({ lba: 0, blocks: 1 })));
      st.fill = fill;
      good(await run(ds, S.sanitize({ sa: 1, paramLen: ow.length }), { dataOut: ow }));
    });
  });
});
