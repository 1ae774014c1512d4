/**
 * Read buffers lent by the stores and given back by the transport once the Data-In is out
 * (reference-target/scsi/backing/read-buffers.ts): the pool itself, and reads at depth over one
 * connection and several, each checked against what was written, while other reads reuse the buffers.
 */
import { strict as assert } from 'node:assert';
import { Session } from '../../../harness/initiator/index.js';
import { giveBackReadBuffer, lendReadBuffer, READ_BUFFER_MIN, READ_BUFFERS_KEPT } from '../../../reference-target/scsi/backing/read-buffers.js';
import { INIT_A, open, pattern, read, Ref, startRef, write } from './helpers.js';

const MIB = 1 << 20;

describe('reference target: read buffers lent for reuse (read-buffers.ts)', function () {
  this.timeout(30_000);

  it('a buffer given back (whole or as a slice) is lent again for a read of its length, once', () => {
    const a = lendReadBuffer(MIB + 512);
    giveBackReadBuffer(a.subarray(4096, 8192));
    const b = lendReadBuffer(MIB + 512);
    assert.equal(b.buffer, a.buffer, 'the buffer given back was not lent again');
    const c = lendReadBuffer(MIB + 512);
    assert.notEqual(c.buffer, a.buffer, 'a buffer lent twice at once');
    giveBackReadBuffer(b);
    giveBackReadBuffer(b);
    assert.equal(lendReadBuffer(MIB + 512).buffer, a.buffer);
    assert.notEqual(lendReadBuffer(MIB + 512).buffer, a.buffer, 'a buffer given back twice was lent twice');
  });

  it('buffers not lent here, and reads below READ_BUFFER_MIN, are never taken back', () => {
    const mine = Buffer.allocUnsafeSlow(2 * MIB + 1024);
    giveBackReadBuffer(mine);
    assert.notEqual(lendReadBuffer(2 * MIB + 1024).buffer, mine.buffer);
    const small = lendReadBuffer(READ_BUFFER_MIN - 512);
    giveBackReadBuffer(small);
    assert.notEqual(lendReadBuffer(READ_BUFFER_MIN - 512).buffer, small.buffer);
  });

  it('at most READ_BUFFERS_KEPT bytes are kept idle', () => {
    const len = 4 * MIB + 4096;
    const lentOut = Array.from({ length: READ_BUFFERS_KEPT / len + 4 }, () => lendReadBuffer(len));
    for (const b of lentOut) giveBackReadBuffer(b);
    const again = new Set(Array.from({ length: lentOut.length }, () => lendReadBuffer(len).buffer));
    const reused = lentOut.filter((b) => again.has(b.buffer)).length;
    assert.ok(reused <= READ_BUFFERS_KEPT / len, `${reused} buffers of ${len} bytes kept`);
    assert.ok(reused >= 1);
  });

  describe('over iSCSI', () => {
    let ref: Ref;
    const sessions: Session[] = [];
    before(async () => {
      ref = await startRef({ target: { luns: [{ lun: 0, backing: 'memory', size: 16 * MIB }] } });
    });
    after(async () => ref?.stop());
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
  });
});
