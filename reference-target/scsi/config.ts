/** Configuration of the device server and its logical units. */
import type { Quirks } from './quirk-registry.js';
import type { BackingStore } from './backing/store.js';

export interface LunConfig {
  lun: number;
  backing: 'memory' | 'sparse' | 'file';
  /** File path (file backing). */
  path?: string;
  /** Capacity in bytes (rounded down to whole logical blocks). */
  size: number;
  /** Logical block length, 512 (default) or 4096. */
  blockSize?: 512 | 4096;
  /** Thin provisioned (LBPME=1, UNMAP, WRITE SAME with UNMAP, LBPRZ=1). */
  thin?: boolean;
  /** Write protected (WP bit; every medium write gets DATA PROTECT / WRITE PROTECTED). */
  readOnly?: boolean;
  /** Removable medium (RMB=1, START STOP UNIT LOEJ, PREVENT ALLOW MEDIUM REMOVAL). */
  removable?: boolean;
  /** LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (READ CAPACITY(16)), default 0. */
  lbppbExponent?: number;
  /** Unit serial number (VPD 80h); derived from the target name and LUN when absent. */
  serial?: string;
  /** Overrides of the Block Limits the LU advertises and enforces. */
  limits?: Partial<BlockLimitsConfig>;
  /** Milliseconds the device server holds each command that moves logical blocks before processing it (a slow medium; default 0, see latency.ts). */
  latencyMs?: number;
  /** A ready-made store (tests, custom stores); `backing`/`path` are then ignored. */
  store?: BackingStore;
}

/** What the Block Limits VPD page (SBC-4 6.6.4) advertises; every value is enforced. */
export interface BlockLimitsConfig {
  /** WSNZ: WRITE SAME with NUMBER OF LOGICAL BLOCKS 0 is refused (default: allowed, meaning "to the end", within MAXIMUM WRITE SAME LENGTH). */
  wsnz: boolean;
  maxCompareAndWrite: number;
  optimalTransferGranularity: number;
  maxTransfer: number;
  optimalTransfer: number;
  maxPrefetch: number;
  maxUnmapLbaCount: number;
  maxUnmapDescriptors: number;
  optimalUnmapGranularity: number;
  maxWriteSame: number;
  maxAtomicTransfer: number;
  atomicAlignment: number;
  atomicGranularity: number;
  /** Blocks the emulated read cache holds (PRE-FETCH CONDITION MET when RCD=0 and the range fits). */
  readCacheBlocks: number;
}

export interface DeviceServerOptions {
  targetName: string;
  luns: LunConfig[];
  quirks?: Quirks;
  /** T10 VENDOR IDENTIFICATION (8 ASCII characters at most). */
  vendor?: string;
  /** PRODUCT IDENTIFICATION (16 at most). */
  product?: string;
  /** PRODUCT REVISION LEVEL (4 at most). */
  revision?: string;
  /**
   * Duration of a sanitize operation in ms (default 8000): a real SANITIZE takes long, and initiators (and
   * libiscsi's Sanitize.Reset) observe SANITIZE IN PROGRESS meanwhile. The work itself takes what it takes.
   */
  sanitizeDurationMs?: number;
  /** PROTOCOL IDENTIFIER for the target port designators of VPD 83h (default 5, iSCSI). */
  protocolIdentifier?: number;
  /** Most tasks a LU's task set holds before TASK SET FULL (default 1024). */
  taskSetCapacity?: number;
}
