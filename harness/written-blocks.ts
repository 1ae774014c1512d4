/**
 * What a test wrote, for the read-back check the runner makes after a body that passed: the data pattern
 * tests write (different in every block and on every call, so stale data cannot pass for new), the blocks
 * remembered (bounded), and the comparison of what reads back.
 */
import { randomBytes } from 'node:crypto';

interface Written {
  data: Buffer;
  what: string;
}

/** Most blocks whose written content a test remembers for the read-back check. */
export const MAX_REMEMBERED = 65536;
/** One nonce per process: patterns differ between runs. */
const RUN_NONCE = randomBytes(4).readUInt32BE(0);
let generation = 0;

/**
 * Data for `blocks` blocks of `bs` bytes starting at `lba`: each block starts with its LBA, the run nonce
 * and a write generation, the rest is pseudo-random from those.
 */
export function blockPattern(lba: number, blocks: number, bs: number): Buffer {
  const gen = ++generation;
  const buf = Buffer.allocUnsafe(bs * blocks);
  for (let i = 0; i < blocks; i++) {
    const off = i * bs;
    const l = lba + i;
    buf.writeUInt32BE(Math.floor(l / 2 ** 32) >>> 0, off);
    buf.writeUInt32BE(l >>> 0, off + 4);
    buf.writeUInt32BE(RUN_NONCE, off + 8);
    buf.writeUInt32BE(gen >>> 0, off + 12);
    let x = (l * 2654435761 + gen * 40503 + RUN_NONCE) >>> 0 || 1;
    for (let j = off + 16; j + 4 <= off + bs; j += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buf.writeUInt32BE(x >>> 0, j);
    }
  }
  return buf;
}

export class WrittenBlocks {
  private readonly written = new Map<number, Written>();
  /** False once a block was not remembered because the table was full. */
  complete = true;

  /** Remember that `data` (whole blocks of `bs` bytes) was written at `lba`. */
  remember(lba: number, data: Buffer, bs: number, what: string): void {
    for (let i = 0; i * bs < data.length; i++) {
      if (this.written.size >= MAX_REMEMBERED && !this.written.has(lba + i)) {
        this.complete = false;
        return;
      }
      this.written.set(lba + i, { data: Buffer.from(data.subarray(i * bs, (i + 1) * bs)), what });
    }
  }

  forget(lba: number, blocks: number): void {
    for (let i = 0; i < blocks; i++) this.written.delete(lba + i);
  }

  get size(): number {
    return this.written.size;
  }

  /** The remembered blocks as runs of consecutive LBAs, at most `chunk` blocks each, in LBA order. */
  runs(chunk: number): { lba: number; blocks: number }[] {
    const lbas = [...this.written.keys()].sort((a, b) => a - b);
    const out: { lba: number; blocks: number }[] = [];
    for (let i = 0; i < lbas.length;) {
      let n = 1;
      while (i + n < lbas.length && n < chunk && lbas[i + n] === lbas[i]! + n) n++;
      out.push({ lba: lbas[i]!, blocks: n });
      i += n;
    }
    return out;
  }

  /** What is wrong with `data` read back from `lba` (blocks of `bs` bytes), or undefined when it matches. */
  mismatch(lba: number, data: Buffer, blocks: number, bs: number): string | undefined {
    for (let k = 0; k < blocks; k++) {
      const w = this.written.get(lba + k)!;
      const got = data.subarray(k * bs, (k + 1) * bs);
      if (got.equals(w.data)) continue;
      let at = 0;
      while (at < bs && got[at] === w.data[at]) at++;
      return `data integrity: LBA ${lba + k} does not read back what ${w.what} wrote (first difference at byte ${at} of the block${got.length < bs ? `; only ${got.length} bytes came back` : ''})`;
    }
    return undefined;
  }
}
