/**
 * A slow medium, on purpose (the `Latency=` option of a LUN): the device server holds every command that
 * moves logical blocks for that many milliseconds before it processes it, as a disk that seeks would. Without
 * it every command of the memory-backed reference target ends at once, and nothing could show what a target
 * does with a task its device server is still running (ABORT TASK of a running task, RFC 7143 11.5.1). An
 * abort ends the wait at once.
 */
import { lookupCdb } from '../../protocol/scsi/cdbcodec.js';
import type { Task } from './taskset.js';

/** The most a LUN may hold a command (one minute: longer would look like a hung target to any initiator). */
export const MAX_LATENCY_MS = 60_000;

/** Whether the command reads or writes logical blocks (the catalogue counts its transfer in blocks). */
export function movesBlocks(cdb: Buffer): boolean {
  const t = lookupCdb(cdb)?.transfer;
  return !!t && 'unit' in t && t.unit === 'blocks';
}

/** Wait `ms`, or until the task is aborted. */
export function holdTask(task: Task, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stop = task.onAbort(done);
  });
}
