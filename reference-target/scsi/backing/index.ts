/** Backing stores behind one interface, and the factory that builds one from a LUN's configuration. */
import { FileStore } from './file.js';
import { MemoryStore } from './memory.js';
import { SparseStore } from './sparse.js';
import type { BackingStore } from './store.js';

export { FileStore } from './file.js';
export { MemoryStore } from './memory.js';
export { SparseStore } from './sparse.js';
export { giveBackDataBuffer, lendDataBuffer, DATA_BUFFER_MIN } from './data-buffers.js';
export { granuleFor, ProvisionMap, PState, type BackingStore, type ProvisioningRun, type ProvisioningState } from './store.js';

export interface BackingConfig {
  backing: 'memory' | 'sparse' | 'file';
  /** File path (file backing). */
  path?: string;
  /** Bytes. */
  size: number;
  blockSize: number;
  thin: boolean;
}

/** Builds the store a LUN configuration asks for. File stores open (and create or extend) the file now. */
export function createBackingStore(c: BackingConfig): BackingStore {
  switch (c.backing) {
    case 'memory':
      return new MemoryStore(c.size, c.thin, c.blockSize);
    case 'sparse':
      return new SparseStore(c.size, c.thin, c.blockSize);
    case 'file':
      if (!c.path) throw new Error('file backing needs a path');
      return new FileStore(c.path, c.size, c.thin, c.blockSize);
    default:
      throw new Error(`unknown backing ${String((c as { backing: unknown }).backing)}`);
  }
}
