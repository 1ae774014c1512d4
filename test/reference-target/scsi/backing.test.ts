import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStore, MemoryStore, ProvisionMap, PState, SparseStore, granuleFor, type BackingStore } from '../../../reference-target/scsi/index.js';
import { S, good, pattern, ready, run } from './helpers.js';

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;

const dirs: string[] = [];
function tmpFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scsi-store-'));
  dirs.push(dir);
  return path.join(dir, name);
}
after(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const makers: [string, (thin: boolean) => BackingStore][] = [
  ['memory', (thin) => new MemoryStore(4 * MiB, thin)],
  ['sparse', (thin) => new SparseStore(4 * MiB, thin)],
  ['file', (thin) => new FileStore(tmpFile('lun.img'), 4 * MiB, thin)],
];

describe('target/scsi backing stores', () => {
  for (const [kind, make] of makers) {
    describe(kind, () => {
      it('reads back a distinct pattern per block, across granule boundaries', async () => {
        const st = make(false);
        const data = pattern(3, 40);
        await st.write(3 * 512, data);
        assert.ok((await st.read(3 * 512, data.length)).equals(data));
        // partial granule reads at both ends
        const mid = await st.read(10 * 512, 7 * 512);
        assert.ok(mid.equals(data.subarray(7 * 512, 14 * 512)));
        // never-written blocks read as zeros
        assert.ok((await st.read(100 * 512, 512)).equals(Buffer.alloc(512)));
        await st.close();
      });

      it('hands out copies: a later write does not change a buffer already returned', async () => {
        const st = make(false);
        await st.write(0, Buffer.alloc(512, 0xaa));
        const got = await st.read(0, 512);
        await st.write(0, Buffer.alloc(512, 0x55));
        assert.equal(got[0], 0xaa);
        await st.close();
      });

      it('deallocates whole granules, zeroes partial ones, and reports the provisioning runs', async () => {
        const st = make(true);
        const g = st.granuleSize;
        assert.equal(st.provisioning(0, st.size).state, kind === 'file' ? 'deallocated' : 'deallocated');
        await st.write(0, Buffer.alloc(4 * g, 0x11));
        assert.deepEqual(st.provisioning(0, st.size), { state: 'mapped', length: 4 * g });
        await st.deallocate(g, g, false);
        await st.deallocate(2 * g, g, true);
        await st.deallocate(3 * g + 512, 512, false); // partial: zeroed, still mapped
        assert.deepEqual(st.provisioning(0, st.size), { state: 'mapped', length: g });
        assert.deepEqual(st.provisioning(g, st.size), { state: 'deallocated', length: g });
        assert.deepEqual(st.provisioning(2 * g, st.size), { state: 'anchored', length: g });
        assert.equal(st.provisioning(3 * g, st.size).state, 'mapped');
        const back = await st.read(0, 4 * g);
        assert.ok(back.subarray(0, g).equals(Buffer.alloc(g, 0x11)));
        assert.ok(back.subarray(g, 3 * g).equals(Buffer.alloc(2 * g)));
        assert.ok(back.subarray(3 * g, 3 * g + 512).equals(Buffer.alloc(512, 0x11)));
        assert.ok(back.subarray(3 * g + 512, 3 * g + 1024).equals(Buffer.alloc(512)));
        // writing into a deallocated granule maps it again
        await st.write(g, Buffer.alloc(512, 0x22));
        assert.equal(st.provisioning(g, g).state, 'mapped');
        await st.close();
      });

      it('fills the whole medium with a pattern and maps everything', async () => {
        const st = make(true);
        await st.fill(Buffer.alloc(512, 0x5a));
        assert.ok((await st.read(st.size - 1024, 1024)).equals(Buffer.alloc(1024, 0x5a)));
        assert.deepEqual(st.provisioning(0, st.size), { state: 'mapped', length: st.size });
        await st.deallocate(0, st.granuleSize, false);
        assert.ok((await st.read(0, 512)).equals(Buffer.alloc(512)));
        await st.close();
      });

      it('refuses ranges outside the store', async () => {
        const st = make(false);
        await assert.rejects(st.read(st.size - 512, 1024), RangeError);
        await assert.rejects(st.write(-512, Buffer.alloc(512)), RangeError);
        await st.close();
      });
    });
  }

  it('a 1 TiB sparse LUN holds nothing until written, then only the granules written', async () => {
    const st = new SparseStore(TiB, true);
    assert.equal(st.residentBytes(), 0);
    await st.write(TiB - 512, Buffer.alloc(512, 1));
    await st.write(0, Buffer.alloc(512, 2));
    assert.equal(st.residentBytes(), 2 * st.granuleSize);
    assert.ok(st.granuleSize <= 65536);
    await st.deallocate(0, st.granuleSize, false);
    assert.equal(st.residentBytes(), st.granuleSize);
    // a whole-medium pattern fill stays one pattern, not a terabyte
    await st.fill(Buffer.alloc(512, 0xaa));
    assert.equal(st.residentBytes(), 0);
    assert.ok((await st.read(TiB / 2, 512)).equals(Buffer.alloc(512, 0xaa)));
    await st.close();
  });

  it('a 1 TiB sparse LUN through the device server: READ CAPACITY, a write, resident size', async () => {
    const ds = await ready({ backing: 'sparse', size: TiB, thin: true });
    const rc = S.parseReadCapacity16(good(await run(ds, S.readCapacity16())));
    assert.equal(rc.lastLba, BigInt(TiB / 512 - 1));
    assert.equal(ds.unit(0)!.store.residentBytes(), 0);
    good(await run(ds, S.write16({ lba: TiB / 512 - 8, blocks: 8 }), { dataOut: pattern(0, 8) }));
    assert.equal(ds.unit(0)!.store.residentBytes(), ds.unit(0)!.store.granuleSize);
    await ds.close();
  });

  it('file store: a FUA write is on disk (read through a second descriptor) when GOOD comes back', async () => {
    const file = tmpFile('fua.img');
    const ds = await ready({ backing: 'file', path: file, size: 4 * MiB });
    const data = pattern(5, 4, 512, 77);
    let synced = 0;
    const st = ds.unit(0)!.store;
    const flush = st.flush.bind(st);
    st.flush = async () => {
      synced++;
      return flush();
    };
    good(await run(ds, S.write10({ lba: 5, blocks: 4, fua: true }), { dataOut: data }));
    assert.equal(synced, 1, 'fdatasync before GOOD');
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(data.length);
    fs.readSync(fd, buf, 0, buf.length, 5 * 512);
    fs.closeSync(fd);
    assert.ok(buf.equals(data));
    // SYNCHRONIZE CACHE flushes too; a plain write with WCE=1 does not
    good(await run(ds, S.write10({ lba: 9, blocks: 1 }), { dataOut: pattern(9, 1) }));
    assert.equal(synced, 1);
    good(await run(ds, S.synchronizeCache10()));
    assert.equal(synced, 2);
    await ds.close();
  });

  it('file store: deallocating the whole medium leaves a file of zeros of the same size', async () => {
    const file = tmpFile('erase.img');
    const st = new FileStore(file, 2 * MiB, true);
    await st.write(MiB, Buffer.alloc(4096, 0x33));
    await st.deallocate(0, 2 * MiB, false);
    assert.equal(fs.statSync(file).size, 2 * MiB);
    assert.ok((await st.read(MiB, 4096)).equals(Buffer.alloc(4096)));
    assert.deepEqual(st.provisioning(0, 2 * MiB), { state: 'deallocated', length: 2 * MiB });
    await st.close();
  });

  it('file store: created at the LUN size, kept when reopened', async () => {
    const file = tmpFile('keep.img');
    let st = new FileStore(file, 2 * MiB, false);
    assert.equal(fs.statSync(file).size, 2 * MiB);
    await st.write(512, pattern(1, 1));
    await st.close();
    st = new FileStore(file, 2 * MiB, true);
    assert.ok((await st.read(512, 512)).equals(pattern(1, 1)));
    assert.equal(st.provisioning(0, 512).state, 'mapped'); // an existing file is reported mapped
    await st.close();
    await assert.rejects(st.read(0, 512));
  });

  it('provision map: pages only where state differs, runs across pages', () => {
    const m = new ProvisionMap(3 * 4096 + 10, PState.DEALLOCATED);
    assert.equal(m.pageCount, 0);
    m.set(10, 20, PState.MAPPED);
    assert.equal(m.pageCount, 1);
    assert.deepEqual(m.run(0, 1e9), { state: PState.DEALLOCATED, count: 10 });
    assert.deepEqual(m.run(10, 1e9), { state: PState.MAPPED, count: 10 });
    m.set(10, 20, PState.DEALLOCATED);
    assert.equal(m.pageCount, 0);
    m.set(0, 3 * 4096 + 10, PState.ANCHORED);
    assert.deepEqual(m.run(5, 1e9), { state: PState.ANCHORED, count: 3 * 4096 + 5 });
    assert.deepEqual(m.run(5, 7), { state: PState.ANCHORED, count: 7 });
    m.reset(PState.MAPPED);
    assert.equal(m.pageCount, 0);
    assert.equal(m.get(100), PState.MAPPED);
  });

  it('granule: at least 4 KiB and one block, at most 2^24 granules a LUN', () => {
    assert.equal(granuleFor(MiB, 512), 4096);
    assert.equal(granuleFor(MiB, 4096), 4096);
    assert.equal(granuleFor(TiB, 512), 65536);
    assert.ok(TiB / granuleFor(TiB, 512) <= 2 ** 24);
  });
});
