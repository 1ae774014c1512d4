/**
 * One logical unit: its configuration and Block Limits, its state (mode parameters, medium, PREVENT,
 * power condition, sanitize), its unit attentions and deferred errors per I_T nexus, its task set and range
 * locks, and the guarded medium access every command goes through.
 */
import { createHash } from 'node:crypto';
import { Asc, SenseKey } from '../../protocol/scsi/sense.js';
import type { Quirks } from './quirk-registry.js';
import { createBackingStore } from './backing/index.js';
import type { BackingStore } from './backing/store.js';
import { CheckCondition, TaskAborted, lbaOutOfRange, mediumNotPresent } from './check.js';
import type { BlockLimitsConfig, LunConfig } from './config.js';
import { MAX_LATENCY_MS } from './latency.js';
import { DEFAULT_MODE, type ModeState } from './modes.js';
import { Q } from './quirks.js';
import { PersistentReservations } from './reservations.js';
import { RangeLocks, TaskSet, type Task } from './taskset.js';

/** Bytes of the largest transfer a command may move (MAXIMUM TRANSFER LENGTH × block). */
const MAX_TRANSFER_BYTES = 8 * 1024 * 1024;
/** Most unit attentions kept per I_T nexus. */
const MAX_UA = 8;
/** Most deferred errors kept per I_T nexus. */
const MAX_DEFERRED = 4;
/**
 * Most I_T nexuses with pending unit attentions: a persistent reservation change establishes them for
 * registered nexuses that may not be logged in; beyond this the oldest queue is dropped.
 */
const MAX_UA_NEXUSES = 4096;

export type PowerCondition = 'active' | 'idle' | 'standby' | 'stopped';

/** A sanitize operation in progress (SBC-4 4.11). */
export interface SanitizeOp {
  sa: number;
  started: number;
  /** 0..1 of the work done. */
  workDone: number;
  /** Resolves when the operation ends (ok or failed). */
  done: Promise<void>;
  failed: boolean;
}

export function blockLimitsFor(
  blockSize: number,
  thin: boolean,
  granule: number,
  lbppbExponent: number,
  o: Partial<BlockLimitsConfig> = {},
): BlockLimitsConfig {
  const mib = (1024 * 1024) / blockSize;
  return {
    wsnz: false,
    maxCompareAndWrite: 128,
    optimalTransferGranularity: 2 ** lbppbExponent,
    maxTransfer: MAX_TRANSFER_BYTES / blockSize,
    optimalTransfer: mib,
    maxPrefetch: MAX_TRANSFER_BYTES / blockSize,
    maxUnmapLbaCount: thin ? 0x100000 : 0,
    maxUnmapDescriptors: thin ? 1024 : 0,
    optimalUnmapGranularity: thin ? granule / blockSize : 0,
    maxWriteSame: 0xffff,
    maxAtomicTransfer: mib,
    atomicAlignment: 1,
    atomicGranularity: 1,
    readCacheBlocks: mib,
    ...o,
  };
}

export class LogicalUnit {
  readonly lun: number;
  readonly blockSize: number;
  /** Capacity in logical blocks. */
  readonly blocks: number;
  readonly thin: boolean;
  readonly hwReadOnly: boolean;
  readonly removable: boolean;
  readonly lbppbExponent: number;
  readonly serial: string;
  /** 8-byte NAA 5 identifier of the LU. */
  readonly naa: Buffer;
  readonly store: BackingStore;
  readonly limits: BlockLimitsConfig;
  /** How long each command that moves blocks is held before it is processed (latency.ts). */
  readonly latencyMs: number;

  mode: ModeState = { ...DEFAULT_MODE };
  mediumPresent = true;
  power: PowerCondition = 'active';
  /** I_T nexuses that hold a PREVENT (SBC-4 5.15). */
  readonly prevent = new Set<string>();
  readonly taskSet: TaskSet;
  readonly locks = new RangeLocks();
  sanitizeOp: SanitizeOp | null = null;
  /** Set after a failed sanitize until a successful one or EXIT FAILURE MODE (when AUSE allowed it). */
  sanitizeFailure: { ause: boolean } | null = null;
  /** Registrations and the persistent reservation (SPC-5 reservations). */
  readonly pr = new PersistentReservations();
  /** The I_T nexus holding the LU with RESERVE(6) (SPC-2 logical unit reservation), or null. */
  spc2Holder: string | null = null;

  private ua = new Map<string, number[]>();
  private deferred = new Map<string, CheckCondition[]>();

  constructor(
    cfg: LunConfig,
    targetName: string,
    readonly quirks: Quirks,
    taskSetCapacity: number,
  ) {
    if (!Number.isInteger(cfg.lun) || cfg.lun < 0 || cfg.lun > 16383) throw new Error(`LUN ${cfg.lun}: must be 0..16383`);
    const bs = cfg.blockSize ?? 512;
    if (bs !== 512 && bs !== 4096) throw new Error(`LUN ${cfg.lun}: block size ${bs} is not 512 or 4096`);
    const lbppbe = cfg.lbppbExponent ?? 0;
    if (!Number.isInteger(lbppbe) || lbppbe < 0 || lbppbe > 15) throw new Error(`LUN ${cfg.lun}: lbppbExponent must be 0..15`);
    const blocks = Math.floor(cfg.size / bs);
    if (!Number.isSafeInteger(cfg.size) || blocks < 1) throw new Error(`LUN ${cfg.lun}: size ${cfg.size} holds no ${bs}-byte block`);
    this.lun = cfg.lun;
    this.blockSize = bs;
    this.blocks = blocks;
    this.thin = !!cfg.thin;
    this.hwReadOnly = !!cfg.readOnly;
    this.removable = !!cfg.removable;
    this.lbppbExponent = lbppbe;
    const latency = cfg.latencyMs ?? 0;
    if (!Number.isInteger(latency) || latency < 0 || latency > MAX_LATENCY_MS) throw new Error(`LUN ${cfg.lun}: latency must be 0..${MAX_LATENCY_MS} ms`);
    this.latencyMs = latency;
    const h = createHash('sha256').update(`${targetName}\0${cfg.lun}`).digest();
    this.serial = cfg.serial ?? h.subarray(0, 8).toString('hex');
    if (!/^[\x20-\x7e]{1,64}$/.test(this.serial)) throw new Error(`LUN ${cfg.lun}: serial must be 1..64 printable ASCII characters`);
    // NAA 5: 4-bit NAA, 24-bit company id (a locally administered CID), 36 bits derived from target and LUN
    this.naa = Buffer.alloc(8);
    this.naa.writeBigUInt64BE((5n << 60n) | (0x2a5e71n << 36n) | (h.readBigUInt64BE(8) & 0xfffffffffn));
    this.store =
      cfg.store ?? createBackingStore({ backing: cfg.backing, size: blocks * bs, blockSize: bs, thin: this.thin, ...(cfg.path ? { path: cfg.path } : {}) });
    if (this.store.size < blocks * bs) throw new Error(`LUN ${cfg.lun}: store of ${this.store.size} bytes is smaller than the LUN`);
    if (this.store.thin !== this.thin) throw new Error(`LUN ${cfg.lun}: store thin=${this.store.thin} but LUN thin=${this.thin}`);
    this.limits = blockLimitsFor(bs, this.thin, this.store.granuleSize, lbppbe, cfg.limits);
    this.taskSet = new TaskSet(taskSetCapacity);
  }

  has(q: string): boolean {
    return this.quirks.has(q);
  }

  // --- state --------------------------------------------------------------------------------------------

  /** WP as reported in the mode parameter header. */
  get writeProtected(): boolean {
    return this.hwReadOnly || this.mode.swp;
  }

  /** Sense format for CHECK CONDITION (Control mode page D_SENSE). */
  get descriptorSense(): boolean {
    return this.mode.dSense && !this.has(Q.FIXED_SENSE_ONLY);
  }

  get sanitizing(): boolean {
    return this.sanitizeOp !== null && !this.has(Q.SANITIZE_NOT_EXCLUSIVE);
  }

  /** Progress of the running sanitize (0..65535) from elapsed time and work done. */
  sanitizeProgress(durationMs: number): number {
    const op = this.sanitizeOp;
    if (!op) return 0;
    const t = durationMs > 0 ? Math.min(1, (Date.now() - op.started) / durationMs) : 1;
    return Math.floor(Math.min(t, op.workDone) * 0xffff);
  }

  // --- unit attentions and deferred errors (SAM-5 5.14, SPC-5 sense data) -----------------------------------------

  /** Establishes a UA for one I_T nexus. A 29h (reset) UA replaces the queue unless one is already pending. */
  establishUa(itKey: string, ascAscq: number): void {
    if (this.has(Q.NO_UA)) return;
    const q = this.ua.get(itKey) ?? [];
    // the reset family ranks above every other unit attention (SAM-5 5.14): it is reported first
    if (ascAscq >> 8 === 0x29 && !this.has(Q.UA_RESET_QUEUED_LAST)) {
      if (q.some((c) => c >> 8 === 0x29)) return;
      this.ua.set(itKey, [ascAscq]);
      if (this.ua.size > MAX_UA_NEXUSES) this.ua.delete(this.ua.keys().next().value!);
      return;
    }
    if (q.includes(ascAscq)) return;
    q.push(ascAscq);
    if (q.length > MAX_UA)
      q.splice(
        q.findIndex((c) => c >> 8 !== 0x29),
        1,
      );
    this.ua.set(itKey, q);
    if (this.ua.size > MAX_UA_NEXUSES) this.ua.delete(this.ua.keys().next().value!);
  }

  pendingUa(itKey: string): number | undefined {
    return this.ua.get(itKey)?.[0];
  }

  consumeUa(itKey: string): void {
    const q = this.ua.get(itKey);
    if (!q) return;
    q.shift();
    if (q.length === 0) this.ua.delete(itKey);
  }

  clearUa(itKey: string): void {
    this.ua.delete(itKey);
  }

  addDeferred(itKey: string, c: CheckCondition): void {
    const q = this.deferred.get(itKey) ?? [];
    if (q.length < MAX_DEFERRED) q.push(new CheckCondition(c.key, c.ascAscq, { ...c.detail, deferred: true }));
    this.deferred.set(itKey, q);
  }

  takeDeferred(itKey: string): CheckCondition | undefined {
    const q = this.deferred.get(itKey);
    const c = q?.shift();
    if (q && q.length === 0) this.deferred.delete(itKey);
    return c;
  }

  forgetNexus(itKey: string): void {
    this.ua.delete(itKey);
    this.deferred.delete(itKey);
    this.prevent.delete(itKey);
  }

  /** Logical unit reset state changes (SAM-5 6.3.3, SPC-5 mode parameters): mode pages to defaults, PREVENT cleared. */
  resetState(): void {
    if (this.has(Q.RESET_KEEPS_STATE)) return;
    this.mode = { ...DEFAULT_MODE };
    this.prevent.clear();
    this.deferred.clear();
    this.power = 'active';
  }

  // --- guards -------------------------------------------------------------------------------------------

  /** NOT READY when there is no medium; MEDIUM ERROR after a failed sanitize. */
  requireMedium(): void {
    if (!this.mediumPresent) throw mediumNotPresent();
    if (this.sanitizeFailure) throw new CheckCondition(SenseKey.MEDIUM_ERROR, Asc.SANITIZE_COMMAND_FAILED);
    // SBC-4 4.20: a command that needs the medium brings a LU in a low power condition back to active
    if (this.power !== 'active') this.power = 'active';
  }

  /** DATA PROTECT for any medium write on a write-protected LU (SBC-4 4.12). */
  requireWritable(): void {
    if (this.has(Q.WP_IGNORED)) return;
    if (this.hwReadOnly) throw new CheckCondition(SenseKey.DATA_PROTECT, Asc.WRITE_PROTECTED);
    if (this.mode.swp) throw new CheckCondition(SenseKey.DATA_PROTECT, Asc.SOFTWARE_WRITE_PROTECTED);
  }

  /**
   * SBC-4 4.5: LBA OUT OF RANGE when LBA + blocks exceeds the capacity. With the quirk no-lba-range-check the
   * range is accepted (the caller clamps it with `clamp`).
   */
  checkRange(lba: bigint, blocks: bigint): void {
    if (lba + blocks > BigInt(this.blocks) && !this.has(Q.NO_LBA_RANGE_CHECK)) throw lbaOutOfRange();
  }

  /** The part of [lba, lba+blocks) inside the medium, as numbers. */
  clamp(lba: bigint, blocks: bigint): { lba: number; blocks: number } {
    const cap = BigInt(this.blocks);
    if (lba >= cap) return { lba: this.blocks, blocks: 0 };
    const end = lba + blocks > cap ? cap : lba + blocks;
    return { lba: Number(lba), blocks: Number(end - lba) };
  }

  // --- medium I/O ---------------------------------------------------------------------------------------

  /** Takes the range lock for [lba, lba+blocks) for the task (released by the returned function). */
  lock(task: Task | null, lba: bigint, blocks: bigint, exclusive: boolean): Promise<() => void> {
    return this.locks.acquire(lba, lba + (blocks > 0n ? blocks : 1n), exclusive, task, () => new TaskAborted());
  }

  /** Reads blocks; the part past the end (quirk no-lba-range-check) reads as zeros. */
  async readBlocks(lba: bigint, blocks: bigint): Promise<Buffer> {
    const bs = this.blockSize;
    const total = Number(blocks) * bs;
    const c = this.clamp(lba, blocks);
    if (c.blocks === Number(blocks)) return this.io(() => this.store.read(c.lba * bs, c.blocks * bs), 'read');
    const out = Buffer.alloc(total);
    if (c.blocks > 0) (await this.io(() => this.store.read(c.lba * bs, c.blocks * bs), 'read')).copy(out);
    return out;
  }

  /** Writes whole or partial data starting at lba; bytes past the end of the medium are dropped. */
  async writeBytes(lba: bigint, data: Buffer): Promise<void> {
    const bs = this.blockSize;
    const c = this.clamp(lba, BigInt(Math.ceil(data.length / bs)));
    const n = Math.min(data.length, c.blocks * bs);
    if (n <= 0) return;
    const off = c.lba * bs;
    if (n % bs === 0) {
      await this.io(() => this.store.write(off, n === data.length ? data : data.subarray(0, n)), 'write');
      return;
    }
    // a trailing partial block (data-out shorter than the CDB asked): read-modify-write the last block
    const whole = n - (n % bs);
    const lastOff = off + whole;
    const last = await this.io(() => this.store.read(lastOff, bs), 'read');
    data.copy(last, 0, whole, n);
    if (whole > 0) await this.io(() => this.store.write(off, data.subarray(0, whole)), 'write');
    await this.io(() => this.store.write(lastOff, last), 'write');
  }

  async deallocate(lba: number, blocks: number, anchor: boolean): Promise<void> {
    if (blocks <= 0) return;
    await this.io(() => this.store.deallocate(lba * this.blockSize, blocks * this.blockSize, anchor), 'write');
  }

  async flush(): Promise<void> {
    await this.io(() => this.store.flush(), 'write');
  }

  /** Maps store failures to MEDIUM ERROR sense (SBC-4 4.18: UNRECOVERED READ ERROR / WRITE ERROR). */
  async io<T>(fn: () => Promise<T>, kind: 'read' | 'write'): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof CheckCondition || e instanceof TaskAborted) throw e;
      throw new CheckCondition(SenseKey.MEDIUM_ERROR, kind === 'read' ? Asc.UNRECOVERED_READ_ERROR : Asc.WRITE_ERROR);
    }
  }
}
