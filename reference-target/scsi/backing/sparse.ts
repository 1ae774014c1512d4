/**
 * Sparse store: a map of granule-sized chunks, allocated only when written. Its resident size does not grow
 * with the LUN's size, only with the data written: a 1 TiB sparse LUN holds nothing until written. Unwritten
 * chunks read as zeros (or, after a SANITIZE OVERWRITE, as the overwrite pattern: the store keeps one
 * background pattern instead of materialising it); deallocating a whole chunk frees it.
 */
import { checkRange, forEachGranule, granuleFor, PState, ProvisionMap, runFromMap, wholeGranules, type BackingStore, type ProvisioningRun } from './store.js';

export class SparseStore implements BackingStore {
  readonly kind = 'sparse';
  readonly granuleSize: number;
  private chunks = new Map<number, Buffer>();
  /** Contents of mapped chunks that were never written (after a fill); null means zeros. */
  private background: Buffer | null = null;
  /** Thin: provisioning state. Thick: null (everything mapped). */
  private map: ProvisionMap | null;
  private closed = false;

  constructor(
    readonly size: number,
    readonly thin: boolean,
    blockSize = 512,
  ) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`sparse store: bad size ${size}`);
    this.granuleSize = granuleFor(size, blockSize);
    this.map = thin ? new ProvisionMap(Math.ceil(size / this.granuleSize), PState.DEALLOCATED) : null;
  }

  private live(): void {
    if (this.closed) throw new Error('sparse store: closed');
  }

  private chunkLen(g: number): number {
    return Math.min(this.granuleSize, this.size - g * this.granuleSize);
  }

  /** What an absent chunk reads as. */
  private absentIsBackground(g: number): boolean {
    return this.background !== null && (this.map === null || this.map.get(g) === PState.MAPPED);
  }

  private materialize(g: number): Buffer {
    let c = this.chunks.get(g);
    if (!c) {
      c = Buffer.alloc(this.chunkLen(g));
      if (this.absentIsBackground(g)) c.fill(this.background!);
      this.chunks.set(g, c);
    }
    return c;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.live();
    checkRange(this, offset, length);
    const out = Buffer.alloc(length);
    forEachGranule(this.granuleSize, offset, length, (g, inG, len, pos) => {
      const c = this.chunks.get(g);
      if (c) {
        c.copy(out, pos, inG, inG + len);
      } else if (this.absentIsBackground(g)) {
        const bg = this.background!;
        // the pattern divides the granule, so its phase at inG is inG % bg.length
        if (inG % bg.length === 0) out.fill(bg, pos, pos + len);
        else for (let i = 0; i < len; i++) out[pos + i] = bg[(inG + i) % bg.length]!;
      }
    });
    return out;
  }

  async write(offset: number, data: Buffer): Promise<void> {
    this.live();
    checkRange(this, offset, data.length);
    forEachGranule(this.granuleSize, offset, data.length, (g, inG, len, pos) => {
      if (inG === 0 && len === this.chunkLen(g)) {
        this.chunks.set(g, Buffer.from(data.subarray(pos, pos + len)));
      } else {
        data.copy(this.materialize(g), inG, pos, pos + len);
      }
      this.map?.set(g, g + 1, PState.MAPPED);
    });
  }

  async flush(): Promise<void> {
    this.live();
  }

  async deallocate(offset: number, length: number, anchor: boolean): Promise<void> {
    this.live();
    checkRange(this, offset, length);
    const state = anchor ? PState.ANCHORED : PState.DEALLOCATED;
    const { g0, g1, head, tail } = wholeGranules(this.granuleSize, offset, length);
    const zeroPart = (o: number, l: number) => {
      forEachGranule(this.granuleSize, o, l, (g, inG, len) => {
        const c = this.chunks.get(g);
        if (c) c.fill(0, inG, inG + len);
        else if (this.absentIsBackground(g)) this.materialize(g).fill(0, inG, inG + len);
      });
    };
    if (head) zeroPart(head[0], head[1]);
    if (tail) zeroPart(tail[0], tail[1]);
    if (g1 > g0) {
      const all = g0 === 0 && g1 === Math.ceil(this.size / this.granuleSize);
      if (this.map) {
        if (all) {
          this.chunks.clear();
          this.map.reset(state);
        } else {
          this.dropChunks(g0, g1);
          this.map.set(g0, g1, state);
        }
      } else if (all) {
        // thick: the range must read zeros afterwards
        this.chunks.clear();
        this.background = null;
      } else if (this.background) {
        zeroPart(g0 * this.granuleSize, (g1 - g0) * this.granuleSize);
      } else {
        this.dropChunks(g0, g1);
      }
    }
  }

  /** Frees the chunks of granules [g0, g1), walking whichever is smaller: the range or the chunk map. */
  private dropChunks(g0: number, g1: number): void {
    if (g1 - g0 <= this.chunks.size) {
      for (let g = g0; g < g1; g++) this.chunks.delete(g);
    } else {
      for (const g of [...this.chunks.keys()]) if (g >= g0 && g < g1) this.chunks.delete(g);
    }
  }

  provisioning(offset: number, limit: number): ProvisioningRun {
    this.live();
    if (!this.map) return { state: 'mapped', length: Math.max(1, Math.min(limit, this.size - offset)) };
    return runFromMap(this.map, this.granuleSize, this.size, offset, limit);
  }

  async fill(pattern: Buffer, progress?: (fraction: number) => void): Promise<void> {
    this.live();
    if (pattern.length === 0 || this.granuleSize % pattern.length !== 0) throw new RangeError('sparse store: pattern must divide the granule');
    this.chunks.clear();
    this.background = pattern.every((b) => b === 0) ? null : Buffer.from(pattern);
    this.map?.reset(PState.MAPPED);
    progress?.(1);
  }

  residentBytes(): number {
    let n = 0;
    for (const c of this.chunks.values()) n += c.length;
    return n;
  }

  /** Number of chunks held (tests). */
  get chunkCount(): number {
    return this.chunks.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.chunks.clear();
  }
}
