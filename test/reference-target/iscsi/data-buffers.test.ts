/**
 * Data buffers lent for reuse (reference-target/scsi/backing/data-buffers.ts): read data given back by
 * the transport once its Data-In is out, joined write data once its WRITE has stored it. The pool itself,
 * and reads and writes at depth over several sessions, each checked, while others reuse the buffers.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../../harness/initiator/index.js';
import { giveBackDataBuffer, lendDataBuffer, DATA_BUFFER_MIN, DATA_BUFFERS_KEPT } from '../../../reference-target/scsi/backing/data-buffers.js';
import { clearUa, INIT_A, open, pattern, read, Ref, startRef, write } from './helpers.js';

const MIB = 1 << 20;

describe('reference target: data buffers lent for reuse (data-buffers.ts)', function () {
  this.timeout(30_000);

  it('a buffer given back (whole or as a slice) is lent again for a read of its length, once', () => {
    const a = lendDataBuffer(MIB + 512);
    giveBackDataBuffer(a.subarray(4096, 8192));
    const b = lendDataBuffer(MIB + 512);
    assert.equal(b.buffer, a.buffer, 'the buffer given back was not lent again');
    const c = lendDataBuffer(MIB + 512);
    assert.notEqual(c.buffer, a.buffer, 'a buffer lent twice at once');
    giveBackDataBuffer(b);
    giveBackDataBuffer(b);
    assert.equal(lendDataBuffer(MIB + 512).buffer, a.buffer);
    assert.notEqual(lendDataBuffer(MIB + 512).buffer, a.buffer, 'a buffer given back twice was lent twice');
  });

  it('buffers not lent here, and reads below DATA_BUFFER_MIN, are never taken back', () => {
    const mine = Buffer.allocUnsafeSlow(2 * MIB + 1024);
    giveBackDataBuffer(mine);
    assert.notEqual(lendDataBuffer(2 * MIB + 1024).buffer, mine.buffer);
    const small = lendDataBuffer(DATA_BUFFER_MIN - 512);
    giveBackDataBuffer(small);
    assert.notEqual(lendDataBuffer(DATA_BUFFER_MIN - 512).buffer, small.buffer);
  });

  it('at most DATA_BUFFERS_KEPT bytes are kept idle', () => {
    const len = 4 * MIB + 4096;
    const lentOut = Array.from({ length: DATA_BUFFERS_KEPT / len + 4 }, () => lendDataBuffer(len));
    for (const b of lentOut) giveBackDataBuffer(b);
    const again = new Set(Array.from({ length: lentOut.length }, () => lendDataBuffer(len).buffer));
    const reused = lentOut.filter((b) => again.has(b.buffer)).length;
    assert.ok(reused <= DATA_BUFFERS_KEPT / len, `${reused} buffers of ${len} bytes kept`);
    assert.ok(reused >= 1);
  });

  describe('over iSCSI', () => {
    let ref: Ref;
    let dir = '';
    const sessions: Session[] = [];
    before(async () => {
      // LUN 0 in memory, LUN 1 a file: its writes of 1 MiB wait for the thread pool, while other tasks lend buffers.
      dir = mkdtempSync(join(tmpdir(), 'iscsi-data-buffers-'));
      ref = await startRef({
        target: {
          luns: [
            { lun: 0, backing: 'memory', size: 32 * MIB },
            { lun: 1, backing: 'file', path: join(dir, 'lun1.img'), size: 32 * MIB },
          ],
        },
      });
    });
    after(async () => {
      await ref?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    afterEach(() => {
      for (const s of sessions.splice(0)) s.destroy();
    });

    it('1 MiB and 64 KiB reads 16 at a time on three sessions each return what was written, the buffers going round', async () => {
      const all = await Promise.all([0, 1, 2].map((i) => open(ref, { initiatorName: `${INIT_A}-${i}` }, sessions)));
      const regions = 12;
      const written = Array.from({ length: regions }, (_, r) => pattern(500 + r, MIB));
      for (let r = 0; r < regions; r++) await write(all[0]!, r * 2048, written[r]!);
      let checked = 0;
      await Promise.all(
        all.flatMap((s, i) =>
          Array.from({ length: 16 }, async (_, w) => {
            for (let k = 0; k < 12; k++) {
              const r = (i * 7 + w * 3 + k) % regions;
              const small = (w + k) % 3 === 0;
              const lba = r * 2048 + (small ? 128 * (k % 16) : 0);
              const got = await read(s, lba, small ? 128 : 2048);
              const want = written[r]!.subarray((lba - r * 2048) * 512, (lba - r * 2048) * 512 + got.length);
              assert.ok(got.equals(want), `session ${i} read ${small ? '64 KiB' : '1 MiB'} at LBA ${lba}: not what was written`);
              checked++;
            }
          }),
        ),
      );
      assert.equal(checked, 3 * 16 * 12);
    });

    it('1 MiB writes 8 at a time on three sessions (joined from their PDUs) are stored whole, each read back', async () => {
      const all = await Promise.all([0, 1, 2].map((i) => open(ref, { initiatorName: `${INIT_A}-w${i}`, lun: 1 }, sessions)));
      for (const s of all) await clearUa(s, 1);
      const patterns = Array.from({ length: 5 }, (_, k) => pattern(900 + k, MIB));
      let checked = 0;
      await Promise.all(
        all.flatMap((s, i) =>
          Array.from({ length: 8 }, async (_, w) => {
            const lba = (i * 8 + w) * 2048;
            for (let k = 0; k < 6; k++) {
              const data = patterns[(i + w + k) % patterns.length]!;
              await write(s, lba, data, 1);
              assert.ok((await read(s, lba, 2048, 1)).equals(data), `session ${i} wrote 1 MiB at LBA ${lba} and read back other data`);
              checked++;
            }
          }),
        ),
      );
      assert.equal(checked, 3 * 8 * 6);
    });
  });
});
