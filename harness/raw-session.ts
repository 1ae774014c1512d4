/**
 * The RawSession adapter over the embedded initiator's Session (see session-api.ts for the interface).
 * One adapter per session (kept in a WeakMap), so that every watcher and alteration a test installs is
 * chained on the connection's single pair of hooks instead of replacing another's.
 */
import { type AnyPdu, encodeHeader, frameEncoded, Opcode, type RawPdu, type ScsiCommand, TaskAttr } from '../protocol/iscsi/index.js';
import { lunToBigInt } from '../protocol/scsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import type { Session } from './initiator/index.js';
import type { Altered, RawCommandFields, RawSession, SequenceNumbers, TestSession } from './session-api.js';

class RawSessionAdapter implements RawSession {
  private readonly watchers = new Set<(pdu: AnyPdu, raw: RawPdu) => void>();
  private readonly alterations: ((pdu: AnyPdu) => Altered)[] = [];
  private hooked = false;
  /** The harness's check of every PDU that leaves (the destructive-command guard), after the alterations. */
  guard: ((pdu: AnyPdu) => void) | undefined;

  constructor(private readonly s: Session) {}

  get session(): TestSession {
    return this.s;
  }
  get params() {
    return this.s.params;
  }
  get isOpen(): boolean {
    return this.s.isOpen;
  }
  get cmdSN(): number {
    return this.s.cmdSN;
  }
  get expCmdSN(): number {
    return this.s.expCmdSN;
  }
  get maxCmdSN(): number {
    return this.s.maxCmdSN;
  }
  get expStatSN(): number {
    return this.s.expStatSN;
  }

  numbers(): SequenceNumbers {
    return { cmdSN: this.s.cmdSN, expCmdSN: this.s.expCmdSN, maxCmdSN: this.s.maxCmdSN, expStatSN: this.s.expStatSN };
  }

  newItt(): number {
    return this.s.allocItt();
  }

  takeCmdSN(): number {
    return this.s.takeCmdSN();
  }

  scsiCommand(f: RawCommandFields): ScsiCommand {
    const cdb = Buffer.alloc(Math.max(16, f.cdb.length));
    f.cdb.copy(cdb);
    const immediate = f.immediate ?? false;
    const pdu: ScsiCommand = {
      opcode: Opcode.SCSI_COMMAND,
      final: f.final ?? true,
      read: f.read ?? false,
      write: f.write ?? false,
      attr: f.attr ?? TaskAttr.SIMPLE,
      lun: f.lun ?? lunToBigInt(this.s.options.lun ?? 0),
      itt: f.itt ?? this.newItt(),
      expectedDataTransferLength: f.expectedDataTransferLength ?? 0,
      cmdSN: f.cmdSN ?? (immediate ? this.s.cmdSN : this.takeCmdSN()),
      expStatSN: this.s.expStatSN,
      cdb,
    };
    if (immediate) pdu.immediate = true;
    if (f.data) pdu.data = f.data;
    return pdu;
  }

  send(pdu: AnyPdu): void {
    this.s.sendPdu(pdu);
  }

  sendBytes(...bufs: Buffer[]): void {
    this.s.sendRaw(...bufs);
  }

  frame(pdu: AnyPdu, o: { corruptHeaderDigest?: boolean; corruptDataDigest?: boolean } = {}): Buffer[] {
    const headerDigest = this.s.params.headerDigest;
    const dataDigest = this.s.params.dataDigest;
    if (o.corruptHeaderDigest && !headerDigest) throw new IscsiError('E_RANGE', 'a wrong header digest needs HeaderDigest=CRC32C negotiated');
    if (o.corruptDataDigest && !(dataDigest && pdu.data?.length))
      throw new IscsiError('E_RANGE', 'a wrong data digest needs DataDigest=CRC32C negotiated and a data segment');
    const bufs = frameEncoded(encodeHeader(pdu), pdu.data, { headerDigest, dataDigest });
    if (o.corruptHeaderDigest) bufs[0] = flipLastBit(bufs[0]!);
    // The data digest ends the last piece (after the padding).
    if (o.corruptDataDigest) bufs[bufs.length - 1] = flipLastBit(bufs[bufs.length - 1]!);
    return bufs;
  }

  watch(fn: (pdu: AnyPdu, raw: RawPdu) => void): () => void {
    this.install();
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  alter(fn: (pdu: AnyPdu) => Altered): () => void {
    this.install();
    this.alterations.push(fn);
    return () => {
      const i = this.alterations.indexOf(fn);
      if (i >= 0) this.alterations.splice(i, 1);
    };
  }

  waitFor(pred: (p: AnyPdu) => boolean, timeoutMs: number, what?: string, signal?: AbortSignal): Promise<AnyPdu> {
    return this.s.waitFor(pred, timeoutMs, what, signal);
  }

  /** Chain the watchers and alterations on the connection's hooks, keeping whatever was there. */
  install(): void {
    if (this.hooked) return;
    this.hooked = true;
    const hooks = this.s.hooks;
    const received = hooks.onReceive;
    hooks.onReceive = (pdu, raw) => {
      for (const w of [...this.watchers]) w(pdu, raw);
      return received ? received(pdu, raw) : undefined;
    };
    const sending = hooks.beforeSend;
    hooks.beforeSend = (pdu) => {
      let out: Altered = pdu;
      for (const a of [...this.alterations]) {
        if (out === null || Buffer.isBuffer(out) || Array.isArray(out)) break;
        out = a(out);
      }
      if (out === null) return out;
      // Bytes sent in place of a PDU are checked as the PDU they replace.
      if (Buffer.isBuffer(out) || Array.isArray(out)) {
        this.guard?.(pdu);
        return out;
      }
      this.guard?.(out);
      return sending ? sending(out) : out;
    };
  }
}

function flipLastBit(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c[c.length - 1]! ^= 0x01;
  return c;
}

const adapters = new WeakMap<Session, RawSessionAdapter>();

function adapterOf(s: Session): RawSessionAdapter {
  let a = adapters.get(s);
  if (!a) adapters.set(s, (a = new RawSessionAdapter(s)));
  return a;
}

/** The one RawSession of an initiator session. */
export function rawSessionOf(s: Session): RawSession {
  return adapterOf(s);
}

/**
 * Check every PDU the session sends, whoever built it, after the test's alterations (the context's
 * destructive-command guard): `check` throws to refuse one.
 */
export function guardSession(s: Session, check: (pdu: AnyPdu) => void): void {
  const a = adapterOf(s);
  a.guard = check;
  a.install();
}
