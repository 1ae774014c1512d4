/**
 * Helpers for driving the device server directly: nexuses, a command runner, sense checks decoded with
 * protocol/scsi, a store that can be paused (deterministic ordering and abort tests), and patterns.
 */
import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { Quirks } from '../../../reference-target/quirks.js';
import { MemoryStore } from '../../../reference-target/scsi/backing/memory.js';
import type { BackingStore, ProvisioningRun } from '../../../reference-target/scsi/backing/store.js';
import { createDeviceServer, type DeviceServerOptions, type LunConfig } from '../../../reference-target/scsi/index.js';
import type { ScsiDeviceServer } from '../../../reference-target/scsi/server.js';
import type { CommandResult, Nexus, TaskAttribute } from '../../../reference-target/scsi/types.js';

export { S };

export const TARGET = 'iqn.2026-11.org.iscsi-test:unit';

export function nexus(i = 1, isid = 1): Nexus {
  return {
    id: `n${i}-${isid}`,
    initiatorPort: `iqn.2026-11.org.iscsi-test:init${i},i,0x${isid.toString(16).padStart(12, '0')}`,
    initiatorName: `iqn.2026-11.org.iscsi-test:init${i}`,
    transportId: S.iscsiTransportId(`iqn.2026-11.org.iscsi-test:init${i}`, isid.toString(16).padStart(12, '0')),
    targetPort: `${TARGET},t,0x0001`,
    targetName: TARGET,
    relativeTargetPort: 1,
    targetPortGroup: 1,
  };
}

/** A device server with one LUN (default: 8 MiB memory, 512-byte blocks) and the given quirks. */
export function server(lun: Partial<LunConfig> = {}, o: Partial<Omit<DeviceServerOptions, 'quirks'>> & { quirks?: string[] | Quirks } = {}): ScsiDeviceServer {
  const { quirks: q, ...rest } = o;
  const quirks = Array.isArray(q) ? new Quirks(q) : q;
  return createDeviceServer({
    targetName: TARGET,
    sanitizeDurationMs: 0,
    ...rest,
    ...(quirks ? { quirks } : {}),
    luns: o.luns ?? [{ lun: 0, backing: 'memory', size: 8 * 1024 * 1024, ...lun }],
  }) as ScsiDeviceServer;
}

let tagSeq = 1;

export interface RunOpts {
  nexus?: Nexus;
  lun?: number;
  dataOut?: Buffer;
  dataInLength?: number;
  attr?: TaskAttribute;
  tag?: number;
}

export function run(ds: ScsiDeviceServer, cdb: Buffer, o: RunOpts = {}): Promise<CommandResult> {
  return ds.execute({
    nexus: o.nexus ?? nexus(),
    lun: o.lun ?? 0,
    cdb,
    ...(o.dataOut ? { dataOut: o.dataOut } : {}),
    dataInLength: o.dataInLength ?? 1 << 24,
    attr: o.attr ?? 'simple',
    tag: o.tag ?? tagSeq++,
  });
}

/** A server whose nexus 1 has consumed its power-on unit attention. */
export async function ready(lun: Partial<LunConfig> = {}, o: Parameters<typeof server>[1] = {}): Promise<ScsiDeviceServer> {
  const ds = server(lun, o);
  await clearUa(ds, nexus());
  return ds;
}

/** Sends TEST UNIT READY until no UNIT ATTENTION comes back (at most 10). */
export async function clearUa(ds: ScsiDeviceServer, n: Nexus, lun = 0): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await run(ds, S.testUnitReady(), { nexus: n, lun });
    if (r.status !== S.ScsiStatus.CHECK_CONDITION) return seen;
    const s = S.decodeSense(r.sense!);
    if (s.key !== S.SenseKey.UNIT_ATTENTION) return seen;
    seen.push(s.ascAscq);
  }
  return seen;
}

export function good(r: CommandResult, what = 'command'): Buffer {
  if (r.status !== S.ScsiStatus.GOOD) {
    const s = r.sense ? S.describeSense(S.decodeSense(r.sense)) : '';
    assert.fail(`${what}: expected GOOD, got ${S.statusName(r.status)} ${s}`);
  }
  return r.data ?? Buffer.alloc(0);
}

export interface SenseExpect {
  key: number;
  asc: number;
  /** Field pointer byte (and bit), or null for "no SKS". */
  field?: { byte: number; bit?: number; cd?: boolean } | null;
  information?: bigint | number | null;
  format?: 'fixed' | 'descriptor';
}

export function checkCondition(r: CommandResult, e: SenseExpect): S.Sense {
  assert.equal(S.statusName(r.status), 'CHECK CONDITION', `status (sense ${r.sense ? S.describeSense(S.decodeSense(r.sense)) : '-'})`);
  assert.ok(r.sense, 'sense data present');
  const s = S.decodeSense(r.sense!);
  assert.equal(S.describeSense(s), S.describeSense({ key: e.key, ascAscq: e.asc }));
  if (e.format) assert.equal(s.format, e.format);
  if (e.field === null) {
    assert.ok(!s.senseKeySpecific?.sksv, 'no sense-key-specific data');
  } else if (e.field) {
    const f = s.senseKeySpecific?.field;
    assert.ok(f, 'field pointer present');
    assert.equal(f.fieldPointer, e.field.byte, 'field pointer byte');
    if (e.field.bit !== undefined) {
      assert.ok(f.bpv, 'bit pointer valid');
      assert.equal(f.bitPointer, e.field.bit, 'bit pointer');
    }
    assert.equal(f.cd, e.field.cd ?? true, 'C/D');
  }
  if (e.information === null) assert.equal(s.information, undefined, 'no INFORMATION');
  else if (e.information !== undefined) assert.equal(s.information, BigInt(e.information), 'INFORMATION');
  return s;
}

export const invalidCdb = (byte: number, bit?: number): SenseExpect => ({
  key: S.SenseKey.ILLEGAL_REQUEST,
  asc: S.Asc.INVALID_FIELD_IN_CDB,
  field: bit === undefined ? { byte } : { byte, bit },
});
export const invalidParam = (byte: number, bit?: number): SenseExpect => ({
  key: S.SenseKey.ILLEGAL_REQUEST,
  asc: S.Asc.INVALID_FIELD_IN_PARAMETER_LIST,
  field: bit === undefined ? { byte, cd: false } : { byte, bit, cd: false },
});
export const LBA_OOB: SenseExpect = { key: S.SenseKey.ILLEGAL_REQUEST, asc: S.Asc.LBA_OUT_OF_RANGE };
export const PLL_ERROR: SenseExpect = { key: S.SenseKey.ILLEGAL_REQUEST, asc: S.Asc.PARAMETER_LIST_LENGTH_ERROR };
export const NO_MEDIUM: SenseExpect = { key: S.SenseKey.NOT_READY, asc: S.Asc.MEDIUM_NOT_PRESENT };
export const MISCOMPARE = (information: number | null): SenseExpect => ({ key: S.SenseKey.MISCOMPARE, asc: S.Asc.MISCOMPARE_DURING_VERIFY, information });

/** `blocks` blocks where every block carries its own LBA and a seed: any misplaced block is detected. */
export function pattern(lba: number, blocks: number, bs = 512, seed = 0): Buffer {
  const b = Buffer.alloc(blocks * bs);
  for (let i = 0; i < blocks; i++) {
    const blk = b.subarray(i * bs, (i + 1) * bs);
    for (let j = 0; j < bs; j += 4) blk.writeUInt32BE(((lba + i) * 2654435761 + j * 40503 + seed) >>> 0, j);
    blk.writeUInt32BE(lba + i, 0);
  }
  return b;
}

/** A memory store whose reads and writes can be held until released (deterministic concurrency tests). */
export class PausableStore implements BackingStore {
  readonly kind = 'pausable';
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  /** Operations that reached the gate while it was closed. */
  waiting = 0;
  readonly log: string[] = [];

  constructor(readonly inner: MemoryStore = new MemoryStore(8 * 1024 * 1024, false)) {}

  get size(): number {
    return this.inner.size;
  }
  get granuleSize(): number {
    return this.inner.granuleSize;
  }
  get thin(): boolean {
    return this.inner.thin;
  }

  pause(): void {
    if (this.gate) return;
    this.gate = new Promise((r) => (this.open = r));
  }

  resume(): void {
    const o = this.open;
    this.gate = null;
    this.open = null;
    o?.();
  }

  private async pass(what: string): Promise<void> {
    this.log.push(what);
    while (this.gate) {
      this.waiting++;
      await this.gate;
      this.waiting--;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    await this.pass(`read ${offset / 512}`);
    return this.inner.read(offset, length);
  }
  async write(offset: number, data: Buffer): Promise<void> {
    await this.pass(`write ${offset / 512}`);
    return this.inner.write(offset, data);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  deallocate(offset: number, length: number, anchor: boolean): Promise<void> {
    return this.inner.deallocate(offset, length, anchor);
  }
  provisioning(offset: number, limit: number): ProvisioningRun {
    return this.inner.provisioning(offset, limit);
  }
  fill(pattern: Buffer, progress?: (f: number) => void): Promise<void> {
    return this.inner.fill(pattern, progress);
  }
  residentBytes(): number {
    return this.inner.residentBytes();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Lets pending promise callbacks and immediates run. */
export const tick = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

// --- reservations ---------------------------------------------------------------------------------------

export interface PrOutOpts {
  rk?: bigint;
  sark?: bigint;
  type?: number;
  scope?: number;
  allTgPt?: boolean;
  aptpl?: boolean;
  specIpt?: boolean;
  /** PARAMETER LIST LENGTH (default: the list's length, 24). */
  paramLen?: number;
  /** The Data-Out (default: the 24-byte basic list built from the options). */
  data?: Buffer;
  lun?: number;
  tag?: number;
}

/** PERSISTENT RESERVE OUT from nexus `n` with service action `sa` (S.PrOutSa). */
export function prOut(ds: ScsiDeviceServer, n: Nexus, sa: number, o: PrOutOpts = {}): Promise<CommandResult> {
  const list =
    o.data ??
    S.proutParameterList({
      key: o.rk ?? 0n,
      saKey: o.sark ?? 0n,
      ...(o.allTgPt ? { allTgPt: true } : {}),
      ...(o.aptpl ? { aptpl: true } : {}),
      ...(o.specIpt ? { spec_i_pt: true } : {}),
    });
  const cdb = S.persistentReserveOut({ sa, type: o.type ?? 0, scope: o.scope ?? 0, paramLen: o.paramLen ?? list.length });
  return run(ds, cdb, { nexus: n, dataOut: list, ...(o.lun !== undefined ? { lun: o.lun } : {}), ...(o.tag !== undefined ? { tag: o.tag } : {}) });
}

/** REGISTER AND IGNORE EXISTING KEY with `key` (GOOD expected). */
export async function prRegister(ds: ScsiDeviceServer, n: Nexus, key: bigint): Promise<void> {
  good(await prOut(ds, n, S.PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY, { sark: key }), 'REGISTER AND IGNORE EXISTING KEY');
}

/** REGISTER then RESERVE with `type` from `n` (GOOD expected). */
export async function prReserve(ds: ScsiDeviceServer, n: Nexus, key: bigint, type: number): Promise<void> {
  await prRegister(ds, n, key);
  good(await prOut(ds, n, S.PrOutSa.RESERVE, { rk: key, type }), 'RESERVE');
}

export async function prReadKeys(ds: ScsiDeviceServer, n: Nexus): Promise<S.PrReadKeys> {
  return S.parseReadKeys(good(await run(ds, S.persistentReserveIn({ sa: S.PrInSa.READ_KEYS }), { nexus: n }), 'READ KEYS'));
}

export async function prReadReservation(ds: ScsiDeviceServer, n: Nexus): Promise<S.PrReadReservation> {
  return S.parseReadReservation(good(await run(ds, S.persistentReserveIn({ sa: S.PrInSa.READ_RESERVATION }), { nexus: n }), 'READ RESERVATION'));
}

export const isConflict = (r: CommandResult): boolean => r.status === S.ScsiStatus.RESERVATION_CONFLICT;

export function conflict(r: CommandResult, what = 'command'): void {
  if (!isConflict(r)) {
    const s = r.sense ? S.describeSense(S.decodeSense(r.sense)) : '';
    assert.fail(`${what}: expected RESERVATION CONFLICT, got ${S.statusName(r.status)} ${s}`);
  }
  assert.equal(r.sense, undefined, 'RESERVATION CONFLICT carries no sense data');
}
