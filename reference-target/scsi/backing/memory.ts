/**
 * Memory store: the whole capacity is allocated up front (zero filled) in segments of at most 256 MiB, so
 * that LUNs larger than one Buffer can exist. Reads copy out, into buffers lent for reuse (data-buffers.ts).
 */
import { lendDataBuffer } from './data-buffers.js';
import { checkRange, granuleFor, PState, ProvisionMap, runFromMap, wholeGranules, type BackingStore, type ProvisioningRun } from './store.js';

const SEGMENT = 256 * 1024 * 1024;

export class MemoryStore implements BackingStore {
  readonly kind = 'memory';
  readonly granuleSize: number;
  private segs: Buffer[] = [];
  private map: ProvisionMap | null;
  private closed = false;

  constructor(
    readonly size: number,
    readonly thin: boolean,
    blockSize = 512,
  ) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`memory store: bad size ${size}`);
    this.granuleSize = granuleFor(size, blockSize);
    for (let off = 0; off < size; off += SEGMENT) this.segs.push(Buffer.alloc(Math.min(SEGMENT, size - off)));
    this.map = thin ? new ProvisionMap(Math.ceil(size / this.granuleSize), PState.DEALLOCATED) : null;
  }

  private live(): void {
    if (this.closed) throw new Error('memory store: closed');
  }

  /** Calls fn(segment, offsetInSegment, length, positionInRange) over the range. */
  private each(offset: number, length: number, fn: (s: Buffer, o: number, l: number, pos: number) => void): void {
    let pos = 0;
    while (pos < length) {
      const abs = offset + pos;
      const si = Math.floor(abs / SEGMENT);
      const o = abs - si * SEGMENT;
      const l = Math.min(SEGMENT - o, length - pos);
      fn(this.segs[si]!, o, l, pos);
      pos += l;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.live();
    checkRange(this, offset, length);
    const out = lendDataBuffer(length);
    this.each(offset, length, (s, o, l, pos) => s.copy(out, pos, o, o + l));
    return out;
  }

  async write(offset: number, data: Buffer): Promise<void> {
    this.live();
    checkRange(this, offset, data.length);
    this.each(offset, data.length, (s, o, l, pos) => data.copy(s, o, pos, pos + l));
    if (this.map && data.length > 0) {
      const g = this.granuleSize;
      this.map.set(Math.floor(offset / g), Math.ceil((offset + data.length) / g), PState.MAPPED);
    }
  }

  async flush(): Promise<void> {
    this.live();
  }

  async deallocate(offset: number, length: number, anchor: boolean): Promise<void> {
    this.live();
    checkRange(this, offset, length);
    this.each(offset, length, (s, o, l) => s.fill(0, o, o + l));
    if (this.map) {
      const { g0, g1 } = wholeGranules(this.granuleSize, offset, length);
      if (g1 > g0) {
        if (g0 === 0 && g1 === this.map.granules) this.map.reset(anchor ? PState.ANCHORED : PState.DEALLOCATED);
        else this.map.set(g0, g1, anchor ? PState.ANCHORED : PState.DEALLOCATED);
      }
    }
  }

  provisioning(offset: number, limit: number): ProvisioningRun {
    this.live();
    if (!this.map) return { state: 'mapped', length: Math.max(1, Math.min(limit, this.size - offset)) };
    return runFromMap(this.map, this.granuleSize, this.size, offset, limit);
  }

  async fill(pattern: Buffer, progress?: (fraction: number) => void): Promise<void> {
    this.live();
    let done = 0;
    for (const s of this.segs) {
      s.fill(pattern);
      done += s.length;
      progress?.(done / this.size);
      await new Promise<void>((r) => setImmediate(r));
    }
    this.map?.reset(PState.MAPPED);
  }

  residentBytes(): number {
    return this.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.segs = [];
  }
}
