/**
 * The backing-store interface behind a logical unit, and the provisioning map that thin stores share.
 *
 * Offsets and lengths are in bytes (numbers: LUN sizes stay far below 2^53). The device server only ever
 * asks for whole logical blocks; the stores do not need to know the block size, only the provisioning
 * granule (a power of two, a multiple of the logical block size) at which they track mapped, deallocated
 * and anchored state (SBC-4 4.7).
 */

/** Logical block provisioning state of a range (SBC-4 4.7.4, GET LBA STATUS PROVISIONING STATUS codes). */
export type ProvisioningState = 'mapped' | 'deallocated' | 'anchored';

export interface ProvisioningRun {
  state: ProvisioningState;
  /** Bytes from the queried offset that share `state` (at least 1 granule piece, at most the limit asked). */
  length: number;
}

/** What a logical unit needs from the bytes behind it. */
export interface BackingStore {
  readonly kind: string;
  /** Capacity in bytes. */
  readonly size: number;
  /** Provisioning granule in bytes (power of two). */
  readonly granuleSize: number;
  /** Thin stores track deallocated / anchored state; thick stores report everything mapped. */
  readonly thin: boolean;
  /** A copy of the bytes: later writes never change a buffer already returned. */
  read(offset: number, length: number): Promise<Buffer>;
  write(offset: number, data: Buffer): Promise<void>;
  /** Everything written so far is durable when this resolves (fsync for files). */
  flush(): Promise<void>;
  /**
   * Deallocates (or anchors) the range: afterwards it reads as zeros (LBPRZ). Whole granules change state;
   * the parts of partly covered granules are zeroed and keep their state. Thick stores zero the range.
   */
  deallocate(offset: number, length: number, anchor: boolean): Promise<void>;
  /** The state at `offset` and how far it extends, looking at most `limit` bytes ahead. */
  provisioning(offset: number, limit: number): ProvisioningRun;
  /** Writes `pattern` (one or more whole blocks, dividing the granule) over the whole medium; everything becomes mapped. */
  fill(pattern: Buffer, progress?: (fraction: number) => void): Promise<void>;
  /** Bytes of memory the store holds for data (for the sparse store: written granules only). */
  residentBytes(): number;
  /** Flushes and releases the store; later calls fail. */
  close(): Promise<void>;
}

export const PState = { MAPPED: 0, DEALLOCATED: 1, ANCHORED: 2 } as const;
export type PStateCode = (typeof PState)[keyof typeof PState];
const NAMES: ProvisioningState[] = ['mapped', 'deallocated', 'anchored'];
export const pstateName = (c: number): ProvisioningState => NAMES[c] ?? 'mapped';

/** Granules per page of the provisioning map. */
const PAGE = 4096;

/**
 * Per-granule provisioning state, one byte a granule, in pages allocated only where some granule differs
 * from the default state: an untouched thin LUN costs nothing whatever its size, and the worst case is one
 * byte per granule (the granule is chosen so that a LUN has at most 2^24 of them).
 */
export class ProvisionMap {
  private pages = new Map<number, Uint8Array>();
  constructor(
    readonly granules: number,
    private dflt: PStateCode,
  ) {}

  get defaultState(): PStateCode {
    return this.dflt;
  }

  /** Forgets every page: all granules take `state`. */
  reset(state: PStateCode): void {
    this.pages.clear();
    this.dflt = state;
  }

  get(g: number): PStateCode {
    const p = this.pages.get(Math.floor(g / PAGE));
    return (p ? p[g % PAGE]! : this.dflt) as PStateCode;
  }

  /** Sets granules [g0, g1) to `state`. */
  set(g0: number, g1: number, state: PStateCode): void {
    let g = Math.max(0, g0);
    const end = Math.min(g1, this.granules);
    while (g < end) {
      const pi = Math.floor(g / PAGE);
      const pStart = pi * PAGE;
      const pEnd = Math.min(pStart + PAGE, this.granules);
      const to = Math.min(end, pEnd);
      let page = this.pages.get(pi);
      if (g === pStart && to === pEnd) {
        // the whole page
        if (state === this.dflt) this.pages.delete(pi);
        else this.pages.set(pi, new Uint8Array(pEnd - pStart).fill(state));
      } else {
        if (!page) {
          if (state === this.dflt) {
            g = to;
            continue;
          }
          page = new Uint8Array(pEnd - pStart).fill(this.dflt);
          this.pages.set(pi, page);
        }
        page.fill(state, g - pStart, to - pStart);
        if (page.every((x) => x === this.dflt)) this.pages.delete(pi);
      }
      g = to;
    }
  }

  /** The state of granule g and the number of granules from g (at most `max`) that share it. */
  run(g: number, max: number): { state: PStateCode; count: number } {
    const state = this.get(g);
    const end = Math.min(this.granules, g + Math.max(1, max));
    let i = g;
    while (i < end) {
      const pi = Math.floor(i / PAGE);
      const pEnd = Math.min((pi + 1) * PAGE, end);
      const page = this.pages.get(pi);
      if (!page) {
        if (state !== this.dflt) break;
        i = pEnd;
        continue;
      }
      const base = pi * PAGE;
      while (i < pEnd && page[i - base] === state) i++;
      if (i < pEnd) break;
    }
    return { state, count: i - g };
  }

  /** Number of pages held (for tests of the memory bound). */
  get pageCount(): number {
    return this.pages.size;
  }
}

/**
 * The provisioning granule for a LUN of `size` bytes: at least 4 KiB and one logical block, and large enough
 * that the LUN has at most 2^24 granules (so the provisioning map never exceeds 16 MiB).
 */
export function granuleFor(size: number, blockSize: number): number {
  let g = Math.max(4096, blockSize);
  while (size / g > 2 ** 24) g *= 2;
  return g;
}

/** Checks a request against the store's size (the device server checks LBAs first: this is a safety net). */
export function checkRange(store: { size: number; kind: string }, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > store.size) {
    throw new RangeError(`${store.kind} store: range ${offset}+${length} outside 0..${store.size}`);
  }
}

/**
 * Walks [offset, offset+length) granule by granule: `fn(granuleIndex, offsetInGranule, pieceLength,
 * positionInRange)`. Bounded by the range length.
 */
export function forEachGranule(granule: number, offset: number, length: number, fn: (g: number, inG: number, len: number, pos: number) => void): void {
  let pos = 0;
  while (pos < length) {
    const abs = offset + pos;
    const g = Math.floor(abs / granule);
    const inG = abs - g * granule;
    const len = Math.min(granule - inG, length - pos);
    fn(g, inG, len, pos);
    pos += len;
  }
}

/** Splits a byte range into the whole granules it covers and the partial pieces at its ends. */
export function wholeGranules(
  granule: number,
  offset: number,
  length: number,
): { g0: number; g1: number; head: [number, number] | null; tail: [number, number] | null } {
  const end = offset + length;
  const g0 = Math.ceil(offset / granule);
  const g1 = Math.floor(end / granule);
  if (g1 <= g0) return { g0: 0, g1: 0, head: length > 0 ? [offset, length] : null, tail: null };
  const head: [number, number] | null = g0 * granule > offset ? [offset, g0 * granule - offset] : null;
  const tail: [number, number] | null = end > g1 * granule ? [g1 * granule, end - g1 * granule] : null;
  return { g0, g1, head, tail };
}

/** Provisioning answer for a thin store from its map. */
export function runFromMap(map: ProvisionMap, granule: number, size: number, offset: number, limit: number): ProvisioningRun {
  const g = Math.floor(offset / granule);
  const maxG = Math.ceil((offset + Math.max(1, limit)) / granule) - g;
  const r = map.run(g, maxG);
  const end = Math.min(size, (g + r.count) * granule, offset + Math.max(1, limit));
  return { state: pstateName(r.state), length: Math.max(1, end - offset) };
}
