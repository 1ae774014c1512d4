/**
 * Helpers for the reference target's iSCSI-side tests: start it in-process on a free loopback port with
 * its log captured, open sessions with the embedded initiator, write and read back block patterns, a
 * bare connection for logins that must be broken from the first PDU, and bounded waits.
 */
import { strict as assert } from 'node:assert';
import { Connection, Session, SessionOptions } from '../../../harness/initiator/index.js';
import { IscsiError } from '../../../protocol/errors.js';
import { AnyPdu, encodeText, KeyValue, LoginRequest, LoginResponse, Opcode, Reject, decodeText } from '../../../protocol/iscsi/index.js';
import * as scsi from '../../../protocol/scsi/index.js';
import { RunningTarget, startTarget, StartTargetOptions } from '../../../reference-target/index.js';

export { scsi };

export const IQN = 'iqn.2026-11.org.iscsi-test:iscsi-side';
export const INIT_A = 'iqn.2026-11.org.iscsi-test:init-a';
export const INIT_B = 'iqn.2026-11.org.iscsi-test:init-b';
export const BLOCK = 512;

export interface Ref {
  t: RunningTarget;
  logs: string[];
  /** waitLog looks at lines from here on: set it at the start of each test (`mark`). */
  from: number;
  stop(): Promise<void>;
}

/** Start looking for log lines from now on. */
export function mark(ref: Ref): void {
  ref.from = ref.logs.length;
}

type TargetSpec = StartTargetOptions['targets'][number];

/** Start the reference target on 127.0.0.1 and a free port, keeping its log lines (bounded). */
export async function startRef(
  o: { targets?: TargetSpec[]; target?: Partial<TargetSpec>; quirks?: string[]; server?: StartTargetOptions['server'] } = {},
): Promise<Ref> {
  const logs: string[] = [];
  let ref: Ref | undefined;
  const targets = o.targets ?? [{ iqn: IQN, luns: [{ lun: 0, backing: 'memory', size: 16 << 20 }], ...(o.target ?? {}) }];
  const t = await startTarget({
    address: '127.0.0.1',
    port: 0,
    targets,
    ...(o.quirks ? { quirks: o.quirks } : {}),
    ...(o.server ? { server: o.server } : {}),
    log: (line) => {
      logs.push(line);
      if (logs.length > 20_000) {
        logs.splice(0, 10_000);
        if (ref) ref.from = Math.max(0, ref.from - 10_000);
      }
    },
  });
  ref = { t, logs, from: 0, stop: () => t.stop() };
  return ref;
}

export function opts(ref: Ref, o: Partial<SessionOptions> = {}): SessionOptions {
  return {
    host: '127.0.0.1',
    port: ref.t.port,
    initiatorName: INIT_A,
    targetName: ref.t.iqns[0]!,
    timeoutMs: 5000,
    loginTimeoutMs: 5000,
    ...o,
  };
}

/** Log in and clear the power-on / reset unit attention with TEST UNIT READY (at most 5 tries). */
export async function open(ref: Ref, o: Partial<SessionOptions> = {}, track?: Session[]): Promise<Session> {
  const s = await Session.open(opts(ref, o));
  track?.push(s);
  if ((o.sessionType ?? 'Normal') === 'Normal') await clearUa(s);
  return s;
}

export async function clearUa(s: Session, lun = 0): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const r = await s.command({ cdb: scsi.testUnitReady(), lun });
    if (r.status === scsi.ScsiStatus.GOOD) return;
  }
}

/** A deterministic byte pattern. */
export function pattern(seed: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

export async function write(s: Session, lba: number, data: Buffer, lun = 0): Promise<void> {
  const r = await s.command({ cdb: scsi.write10({ lba, blocks: data.length / BLOCK }), dataOut: data, lun });
  assert.equal(r.status, scsi.ScsiStatus.GOOD, `WRITE(10) LBA ${lba}: status 0x${r.status.toString(16)} ${r.sense ? scsi.describeSense(r.sense) : ''}`);
}

export async function read(s: Session, lba: number, blocks: number, lun = 0): Promise<Buffer> {
  const r = await s.command({ cdb: scsi.read10({ lba, blocks }), dataIn: blocks * BLOCK, lun });
  assert.equal(r.status, scsi.ScsiStatus.GOOD, `READ(10) LBA ${lba}: status 0x${r.status.toString(16)}`);
  return Buffer.from(r.data);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait until a log line matches (bounded). */
export async function waitLog(ref: Ref, re: RegExp, timeoutMs = 2000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const hit = ref.logs.slice(ref.from).find((l) => re.test(l));
    if (hit) return hit;
    if (Date.now() > until)
      assert.fail(`no log line matching ${re} within ${timeoutMs} ms; last lines:\n${ref.logs.slice(Math.max(ref.from, ref.logs.length - 8)).join('\n')}`);
    await sleep(10);
  }
}

/** Resolves with the first matching PDU, or undefined when none arrives within `ms`. */
export async function maybe(s: Session, pred: (p: AnyPdu) => boolean, ms: number): Promise<AnyPdu | undefined> {
  try {
    return await s.waitFor(pred, ms);
  } catch (e) {
    if (e instanceof IscsiError && e.code === 'ISCSI_E_TIMEOUT') return undefined;
    throw e;
  }
}

export const isReject = (p: AnyPdu): p is Reject => p.opcode === Opcode.REJECT;

// ---------------------------------------------------------------------------------------------
// A bare connection for logins broken on purpose: every field chosen by the test.

let isidSeq = 0x1000;

export class Bare {
  readonly c: Connection;
  private readonly queue: AnyPdu[] = [];
  private waiter: ((p: AnyPdu | undefined) => void) | undefined;
  readonly isid = 0x80_0000_0000 + isidSeq++;

  private constructor(c: Connection) {
    this.c = c;
    c.on('pdu', (p: AnyPdu) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(p);
      } else this.queue.push(p);
    });
    c.on('closed', () => {
      const w = this.waiter;
      this.waiter = undefined;
      w?.(undefined);
    });
  }

  static async connect(ref: Ref): Promise<Bare> {
    return new Bare(await Connection.connect({ host: '127.0.0.1', port: ref.t.port }));
  }

  /** The next PDU, or undefined if the connection closed or nothing came within ms. */
  next(ms = 2000): Promise<AnyPdu | undefined> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    if (this.c.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, ms);
      this.waiter = (p) => {
        clearTimeout(t);
        resolve(p);
      };
    });
  }

  async response(ms = 2000): Promise<LoginResponse> {
    const p = await this.next(ms);
    assert.ok(p, `no Login Response within ${ms} ms (closed: ${this.c.closed})`);
    assert.equal(p.opcode, Opcode.LOGIN_RESPONSE, `expected a Login Response, got opcode 0x${p.opcode.toString(16)}`);
    return p as LoginResponse;
  }

  /** True once the target has closed the connection (bounded wait). */
  async closed(ms = 2000): Promise<boolean> {
    const until = Date.now() + ms;
    while (!this.c.closed && Date.now() < until) await sleep(10);
    return this.c.closed;
  }

  login(pairs: KeyValue[], f: Partial<LoginRequest> = {}): void {
    this.c.send(loginRequest(pairs, { isid: this.isid, ...f }));
  }

  destroy(): void {
    this.c.destroy();
  }
}

export function loginRequest(pairs: KeyValue[], f: Partial<LoginRequest> = {}): LoginRequest {
  const csg = f.csg ?? 0;
  return {
    opcode: Opcode.LOGIN_REQUEST,
    immediate: true,
    transit: true,
    continue: false,
    csg,
    nsg: csg === 0 ? 1 : 3,
    versionMax: 0,
    versionMin: 0,
    isid: 0x80_0000_0001,
    tsih: 0,
    itt: 1,
    cid: 0,
    cmdSN: 1,
    expStatSN: 0,
    data: encodeText(pairs),
    ...f,
  };
}

export const pairsOf = (p: AnyPdu): KeyValue[] => (p.data && p.data.length ? decodeText(p.data) : []);
export const keyOf = (p: AnyPdu, k: string): string | undefined => pairsOf(p).find(([n]) => n === k)?.[1];
export const status = (r: LoginResponse): number => (r.statusClass << 8) | r.statusDetail;
export const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
