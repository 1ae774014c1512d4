/**
 * The write data of a task kept as the slices it came in (received-data.ts): slices that are most of
 * their input chunk are kept without a copy, small ones are copied into staging buffers, and the data
 * is joined once, or not at all when it is one piece.
 */
import { strict as assert } from 'node:assert';
import { ReceivedData } from '../../../reference-target/received-data.js';

/** `n` bytes of a pattern, as a chunk of their own (as a socket read delivers them). */
function chunk(seed: number, n: number): Buffer {
  const b = Buffer.allocUnsafeSlow(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

describe('reference target: write data kept as received (received-data.ts)', () => {
  it('one PDU in one chunk: the task hands on that very slice, no copy', () => {
    const c = chunk(1, 65536 + 48);
    const data = c.subarray(48);
    const r = new ReceivedData(65536);
    assert.ok(r.add(0, [data]));
    const out = r.join(65536);
    assert.equal(out.buffer, c.buffer, 'the data was copied');
    assert.ok(out.equals(data));
  });

  it('large slices are kept, small ones copied; the joined data is the data sent, at its offsets', () => {
    const parts = [chunk(2, 100), chunk(3, 65536), chunk(4, 3000), chunk(5, 20000), chunk(6, 1)];
    const all = Buffer.concat(parts);
    const r = new ReceivedData(all.length + 10);
    let at = 0;
    for (const p of parts) {
      assert.ok(r.add(at, [p]));
      at += p.length;
    }
    assert.ok(r.join(all.length).equals(all));
  });

  it('a slice that is a small part of a large chunk is copied, so it does not keep the chunk alive', () => {
    const c = chunk(7, 65536);
    const r = new ReceivedData(20000);
    assert.ok(r.add(0, [c.subarray(0, 20000)]));
    const out = r.join(20000);
    assert.notEqual(out.buffer, c.buffer);
    assert.ok(out.equals(c.subarray(0, 20000)));
  });

  it('a PDU in several slices, in bytes one at a time: the data comes out whole, in few staging buffers', () => {
    const src = chunk(8, 200_000);
    const r = new ReceivedData(src.length);
    for (let i = 0; i < src.length; i++) assert.ok(r.add(i, [src.subarray(i, i + 1)]));
    assert.ok(r.join(src.length).equals(src));
  });

  it('data beyond the capacity is refused; the capacity grows when the task is granted', () => {
    const r = new ReceivedData(1000);
    assert.equal(r.add(900, [chunk(9, 200)]), false);
    r.capacity = 2000;
    assert.ok(r.add(0, [chunk(10, 1000)]));
    assert.ok(r.add(1000, [chunk(11, 1000)]));
    assert.ok(r.join(2000).equals(Buffer.concat([chunk(10, 1000), chunk(11, 1000)])));
  });
});
