import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LunConfig } from '../../../reference-target/scsi/index.js';
import { S, checkCondition, good, invalidCdb, LBA_OOB, pattern, ready, run } from './helpers.js';

const MiB = 1024 * 1024;

const READS = [
  (lba: number, blocks: number) => (blocks <= 256 && lba < 2 ** 21 ? S.read6({ lba, blocks }) : S.read10({ lba, blocks })),
  (lba: number, blocks: number) => S.read10({ lba, blocks }),
  (lba: number, blocks: number) => S.read12({ lba, blocks }),
  (lba: number, blocks: number) => S.read16({ lba, blocks }),
];
const WRITES = [
  (lba: number, blocks: number) => S.write6({ lba, blocks }),
  (lba: number, blocks: number) => S.write10({ lba, blocks }),
  (lba: number, blocks: number) => S.write12({ lba, blocks }),
  (lba: number, blocks: number) => S.write16({ lba, blocks }),
];

const dirs: string[] = [];
after(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function backings(): [string, Partial<LunConfig>][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scsi-rw-'));
  dirs.push(dir);
  return [
    ['memory 512', { backing: 'memory', size: 4 * MiB }],
    ['sparse 512 thin', { backing: 'sparse', size: 4 * MiB, thin: true }],
    ['file 512', { backing: 'file', path: path.join(dir, 'a.img'), size: 4 * MiB }],
    ['memory 4096', { backing: 'memory', size: 4 * MiB, blockSize: 4096 }],
    ['sparse 4096', { backing: 'sparse', size: 4 * MiB, blockSize: 4096 }],
    ['file 4096 thin', { backing: 'file', path: path.join(dir, 'b.img'), size: 4 * MiB, blockSize: 4096, thin: true }],
  ];
}

describe('target/scsi READ and WRITE', () => {
  for (const [name, cfg] of backings()) {
    it(`${name}: every WRITE size writes a distinct pattern per block that every READ size reads back`, async () => {
      const ds = await ready(cfg);
      const bs = cfg.blockSize ?? 512;
      const blocks = (4 * MiB) / bs;
      let seed = 1;
      for (const [wi, w] of WRITES.entries()) {
        for (const [lba, n] of [
          [0, 1],
          [7, 33],
          [blocks - 5, 5],
          [blocks - 256, 256],
        ] as [number, number][]) {
          const data = pattern(lba, n, bs, seed++);
          good(await run(ds, w(lba, n), { dataOut: data }), `write ${wi} ${lba}+${n}`);
          for (const [ri, r] of READS.entries()) {
            const got = good(await run(ds, r(lba, n)), `read ${ri}`);
            assert.ok(got.equals(data), `${name}: write ${wi} read ${ri} at ${lba}+${n}`);
          }
        }
      }
      await ds.close();
    });
  }

  it('READ(6)/WRITE(6) with TRANSFER LENGTH 0 move 256 blocks', async () => {
    const ds = await ready();
    const data = pattern(0, 256);
    const w = S.write6({ lba: 0, blocks: 256 });
    assert.equal(w[4], 0);
    good(await run(ds, w, { dataOut: data }));
    assert.equal(good(await run(ds, S.read6({ lba: 0, blocks: 256 }))).length, 256 * 512);
  });

  it('0 blocks is no transfer and no error; LBA past the end is LBA OUT OF RANGE even for 0 blocks', async () => {
    const ds = await ready();
    const cap = 16384;
    assert.equal(good(await run(ds, S.read10({ lba: 0, blocks: 0 }))).length, 0);
    good(await run(ds, S.read16({ lba: cap, blocks: 0 })));
    checkCondition(await run(ds, S.read10({ lba: cap + 1, blocks: 0 })), LBA_OOB);
    checkCondition(await run(ds, S.write16({ lba: cap + 1, blocks: 0 })), LBA_OOB);
    good(await run(ds, S.write10({ lba: 0, blocks: 0 })));
  });

  it('one block past the end at every CDB size, LBA 2^31, 2^63 and -1 are LBA OUT OF RANGE', async () => {
    const ds = await ready();
    const cap = 16384;
    for (const n of [1, 2, 256]) {
      for (const r of READS) checkCondition(await run(ds, r(cap + 1 - n, n)), LBA_OOB);
      for (const w of WRITES) checkCondition(await run(ds, w(cap + 1 - n, n), { dataOut: Buffer.alloc(n * 512) }), LBA_OOB);
    }
    checkCondition(await run(ds, S.read10({ lba: 0x80000000, blocks: 1 })), LBA_OOB);
    checkCondition(await run(ds, S.read10({ lba: 0xffffffff, blocks: 1 })), LBA_OOB);
    checkCondition(await run(ds, S.read16({ lba: 2n ** 63n, blocks: 1 })), LBA_OOB);
    checkCondition(await run(ds, S.read16({ lba: 2n ** 64n - 1n, blocks: 1 })), LBA_OOB);
    checkCondition(await run(ds, S.read6({ lba: cap, blocks: 1 })), LBA_OOB);
  });

  it('RDPROTECT / WRPROTECT without protection information are INVALID FIELD IN CDB (byte 1 bit 7); DPO and FUA are accepted', async () => {
    const ds = await ready();
    for (let p = 1; p < 8; p++) {
      checkCondition(await run(ds, S.read10({ lba: 0, blocks: 1, rdprotect: p })), invalidCdb(1, 7));
      checkCondition(await run(ds, S.read16({ lba: 0, blocks: 1, rdprotect: p })), invalidCdb(1, 7));
      checkCondition(await run(ds, S.write12({ lba: 0, blocks: 1, wrprotect: p }), { dataOut: Buffer.alloc(512) }), invalidCdb(1, 7));
    }
    for (const f of [{ dpo: true }, { fua: true }, { dpo: true, fua: true }]) {
      good(await run(ds, S.read10({ lba: 0, blocks: 1, ...f })));
      good(await run(ds, S.write16({ lba: 0, blocks: 1, ...f }), { dataOut: Buffer.alloc(512) }));
    }
  });

  it('MAXIMUM TRANSFER LENGTH: at the limit GOOD, one more INVALID FIELD IN CDB at the length field', async () => {
    const ds = await ready({ size: 16 * MiB });
    const max = S.parseBlockLimits(good(await run(ds, S.inquiry({ evpd: true, page: 0xb0 })))).maximumTransferLength!;
    assert.equal(good(await run(ds, S.read10({ lba: 0, blocks: max }))).length, max * 512);
    checkCondition(await run(ds, S.read10({ lba: 0, blocks: max + 1 })), invalidCdb(7, 7));
    checkCondition(await run(ds, S.read12({ lba: 0, blocks: max + 1 })), invalidCdb(6, 7));
    checkCondition(await run(ds, S.write16({ lba: 0, blocks: max + 1 }), { dataOut: Buffer.alloc(512) }), invalidCdb(10, 7));
    good(await run(ds, S.write16({ lba: 0, blocks: max }), { dataOut: Buffer.alloc(max * 512) }));
  });

  it('a Data-Out shorter than the CDB asks writes only what came (partial last block kept), and reports the length', async () => {
    const ds = await ready();
    good(await run(ds, S.write10({ lba: 10, blocks: 4 }), { dataOut: Buffer.alloc(2048, 0x61) }));
    const r1 = await run(ds, S.write10({ lba: 10, blocks: 2 }), { dataOut: Buffer.alloc(512, 0x62) });
    good(r1);
    assert.equal(r1.transferLength, 1024);
    const r2 = await run(ds, S.write10({ lba: 12, blocks: 1 }), { dataOut: Buffer.alloc(200, 0x63) });
    good(r2);
    assert.equal(r2.transferLength, 512);
    const back = good(await run(ds, S.read10({ lba: 10, blocks: 4 })));
    assert.ok(back.subarray(0, 512).equals(Buffer.alloc(512, 0x62)));
    assert.ok(back.subarray(512, 1024).equals(Buffer.alloc(512, 0x61)));
    assert.ok(back.subarray(1024, 1224).equals(Buffer.alloc(200, 0x63)));
    assert.ok(back.subarray(1224, 2048).equals(Buffer.alloc(824, 0x61)));
    // more than asked: only the CDB's blocks are written
    const r3 = await run(ds, S.write10({ lba: 20, blocks: 1 }), { dataOut: Buffer.alloc(1024, 0x64) });
    assert.equal(r3.transferLength, 512);
    assert.ok(good(await run(ds, S.read10({ lba: 21, blocks: 1 }))).equals(Buffer.alloc(512)));
    // nothing at all
    assert.equal((await run(ds, S.write10({ lba: 30, blocks: 1 }))).transferLength, 512);
  });

  it('READ CAPACITY (10) and (16): last LBA, block length, FFFFFFFFh past 32 bits, any allocation length', async () => {
    const ds = await ready();
    assert.deepEqual(S.parseReadCapacity10(good(await run(ds, S.readCapacity10()))), { lastLba: 16383, blockLength: 512 });
    const full = good(await run(ds, S.readCapacity16()));
    assert.equal(full.length, 32);
    for (let alloc = 0; alloc < 16; alloc++) assert.equal(good(await run(ds, S.readCapacity16({ alloc }))).length, alloc);
    const big = await ready({ backing: 'sparse', size: 2 ** 33 * 512, lbppbExponent: 3 });
    assert.equal(S.parseReadCapacity10(good(await run(big, S.readCapacity10()))).lastLba, 0xffffffff);
    const rc = S.parseReadCapacity16(good(await run(big, S.readCapacity16())));
    assert.equal(rc.lastLba, 2n ** 33n - 1n);
    assert.equal(rc.lbppbExponent, 3);
    assert.equal(rc.protEn, false);
    good(await run(big, S.read16({ lba: 2n ** 33n - 1n, blocks: 1 })));
  });

  it('SYNCHRONIZE CACHE (10/16): range checked, 0 blocks means to the end, IMMED returns at once', async () => {
    const ds = await ready();
    good(await run(ds, S.synchronizeCache10()));
    good(await run(ds, S.synchronizeCache16({ lba: 16383, blocks: 1 })));
    good(await run(ds, S.synchronizeCache16({ lba: 16384, blocks: 0 })));
    checkCondition(await run(ds, S.synchronizeCache10({ lba: 16383, blocks: 2 })), LBA_OOB);
    checkCondition(await run(ds, S.synchronizeCache16({ lba: 16385, blocks: 0 })), LBA_OOB);
    good(await run(ds, S.synchronizeCache10({ immed: true })));
  });

  it('WCE=0 makes every write durable before GOOD', async () => {
    const ds = await ready();
    const st = ds.unit(0)!.store;
    let flushes = 0;
    const f = st.flush.bind(st);
    st.flush = async () => {
      flushes++;
      return f();
    };
    good(await run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512) }));
    assert.equal(flushes, 0);
    const p = S.encodeModeParameters6({ select: true, pages: [S.encodeCachingPage({ wce: false, rcd: true })] });
    good(await run(ds, S.modeSelect6({ paramLen: p.length }), { dataOut: p }));
    const after = flushes;
    good(await run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512) }));
    assert.equal(flushes, after + 1);
  });
});
