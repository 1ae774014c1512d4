/**
 * Buffers for data, lent and given back once done with: read data (the stores lend it, the transport gives
 * it back once its Data-In has gone out) and write data joined from its PDUs (the transport lends it, and
 * gives it back once a WRITE has stored it). A fresh buffer of a large transfer costs more than the copy itself: its pages are new to the process, and
 * on this project's machines the first touch of each 4 KiB page costs about as much as copying it five
 * times over (1 MiB: 0.18 ms to copy into a buffer used before, 0.7-0.85 ms into a fresh one). So
 * buffers of DATA_BUFFER_MIN bytes and more are kept and lent again, up to DATA_BUFFERS_KEPT bytes in all.
 *
 * Only a buffer lent here and not yet given back is taken back (by its ArrayBuffer: the transport may
 * hold a slice of it). A lent buffer never given back (a compare, a copy, a transport that does not
 * give back) is left to the garbage collector as any other.
 */

/** Buffers smaller than this are allocated as before (small buffers come from memory the process reuses anyway). */
export const DATA_BUFFER_MIN = 64 << 10;
/** Bytes of idle buffers kept for reuse, for the whole process. */
export const DATA_BUFFERS_KEPT = 32 << 20;

/** Idle buffers by length. */
const idle = new Map<number, Buffer[]>();
let idleBytes = 0;
/** Buffers lent and not yet given back, by their memory. */
const lent = new WeakMap<ArrayBufferLike, Buffer>();

/** A buffer of `length` bytes (its contents are undefined): one given back before, or a new one. */
export function lendDataBuffer(length: number): Buffer {
  if (length < DATA_BUFFER_MIN) return Buffer.allocUnsafe(length);
  let b = idle.get(length)?.pop();
  if (b) idleBytes -= length;
  else b = Buffer.allocUnsafeSlow(length);
  lent.set(b.buffer, b);
  return b;
}

/**
 * The data `data` (or a slice of it) is no longer needed: its buffer is kept for another transfer if it
 * was lent here. The caller must hold no other reference that it will still read or write.
 */
export function giveBackDataBuffer(data: Buffer): void {
  const b = lent.get(data.buffer);
  if (!b) return;
  lent.delete(data.buffer);
  if (idleBytes + b.length > DATA_BUFFERS_KEPT) return;
  let list = idle.get(b.length);
  if (!list) idle.set(b.length, (list = []));
  list.push(b);
  idleBytes += b.length;
}
