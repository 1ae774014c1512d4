/**
 * The write data of one task as it came: slices of the socket's input, kept rather than copied into a
 * buffer of the whole transfer (issue 12: a copy leaves its source to the garbage collector, and a
 * target holding its budget of data held up to twice as much). The data is joined once, when the task
 * runs (not at all when it came in one piece), and handed to the device server.
 *
 * A slice keeps its whole input chunk alive, so one is kept only when it is most of its chunk and not
 * small; other data is copied into staging buffers of the task (one open at a time, 64 KiB), so that
 * what a task holds stays within a third over the data it counts (and that one buffer), whatever sizes
 * the initiator's PDUs and TCP segments have.
 */
import { lendDataBuffer } from './scsi/index.js';

/** Slices smaller than this are copied (a kept slice costs an object and its chunk's allocation). */
const MIN_KEPT = 16 << 10;
/**
 * Sizes of the staging buffers small slices are copied into: the first after a kept slice is small (often
 * it takes only the last bytes of a PDU whose read ended there), each next one twice the last, up to STAGE.
 */
const FIRST_STAGE = 8 << 10;
const STAGE = 64 << 10;

interface Piece {
  offset: number;
  data: Buffer;
}

/** Whether a slice of input may be kept as it is: large, and at least three quarters of the chunk it keeps alive. */
function keepable(p: Buffer): boolean {
  return p.length >= MIN_KEPT && p.length * 4 >= p.buffer.byteLength * 3;
}

export class ReceivedData {
  private readonly pieces: Piece[] = [];
  private stage: Buffer | undefined;
  private stageOffset = 0;
  private stageFill = 0;
  private nextStage = FIRST_STAGE;

  /** `capacity`: bytes the task may hold (its EDTL, or its unasked part until it is granted). */
  constructor(public capacity: number) {}

  /** Take the data segment of a PDU (its `parts`) at `offset`; false when it does not fit the capacity. */
  add(offset: number, parts: readonly Buffer[]): boolean {
    let len = 0;
    for (const p of parts) len += p.length;
    if (offset < 0 || offset + len > this.capacity) return false;
    let at = offset;
    for (const p of parts) {
      if (keepable(p)) {
        this.seal();
        this.nextStage = FIRST_STAGE;
        this.pieces.push({ offset: at, data: p });
      } else {
        this.copy(at, p);
      }
      at += p.length;
    }
    return true;
  }

  private copy(offset: number, p: Buffer): void {
    let from = 0;
    // Bounded by the slice's length over the staging size.
    while (from < p.length) {
      if (!this.stage || this.stageOffset + this.stageFill !== offset + from || this.stageFill === this.stage.length) {
        this.seal();
        this.stage = Buffer.allocUnsafe(Math.min(this.nextStage, this.capacity - (offset + from)));
        this.nextStage = Math.min(STAGE, this.nextStage * 2);
        this.stageOffset = offset + from;
        this.stageFill = 0;
      }
      const n = p.copy(this.stage, this.stageFill, from);
      this.stageFill += n;
      from += n;
    }
  }

  /** Close the staging buffer: kept as a piece, copied to its exact size when mostly empty. */
  private seal(): void {
    const s = this.stage;
    if (!s) return;
    this.stage = undefined;
    if (this.stageFill === 0) return;
    const data = this.stageFill * 4 >= s.length * 3 ? s.subarray(0, this.stageFill) : Buffer.from(s.subarray(0, this.stageFill));
    this.pieces.push({ offset: this.stageOffset, data });
  }

  /**
   * The first `length` bytes as one buffer: a piece itself when one covers them, else joined once into a
   * buffer lent for reuse (scsi/backing/data-buffers.ts: a fresh one's pages cost more than the copy).
   */
  join(length: number): Buffer {
    this.seal();
    const first = this.pieces[0];
    if (this.pieces.length === 1 && first!.offset === 0 && first!.data.length >= length) return first!.data.subarray(0, length);
    const out = lendDataBuffer(length);
    for (const p of this.pieces) {
      if (p.offset < length) p.data.copy(out, p.offset, 0, Math.min(p.data.length, length - p.offset));
    }
    return out;
  }
}
