/**
 * A fake target for the harness's own tests: a loopback proxy in front of a real target (the reference
 * target, normally) that forwards every PDU but can change what the target answers to chosen commands:
 * rewrite the Data-In, replace the status and sense, never answer (a hang), close the connection, or
 * corrupt digests. It follows the login to learn the digests, and keeps sequence numbers consistent
 * (a replaced answer carries the StatSN, ExpCmdSN and MaxCmdSN of the real one).
 *
 * So a test can be shown failing against a target that is right in every respect but one.
 */
import * as net from 'node:net';
import {
  AnyPdu,
  DataIn,
  decodePdu,
  decodeText,
  describePdu,
  encodeHeader,
  frameEncoded,
  LoginResponse,
  Opcode,
  PduParser,
  RawPdu,
  RESERVED_TAG,
  ScsiCommand,
  ScsiResponse,
} from '../../../protocol/iscsi/index.js';

export interface Reply {
  status: number;
  /** Sense data (without the SenseLength prefix). */
  sense?: Buffer;
  /** Data-In to send instead of the target's. */
  data?: Buffer;
  /**
   * Answer as a target that took the command to need this many bytes (the SCSI-presented data transfer
   * length): the residual overflow or underflow is against it. Default: the data sent.
   */
  spdtl?: number;
}

export interface ProxyRule {
  /** The commands the rule applies to. */
  match: (cdb: Buffer) => boolean;
  /** Rewrite each Data-In data segment of the command (same length). */
  dataIn?: (data: Buffer, cdb: Buffer, bufferOffset: number) => Buffer;
  /** Replace the command's outcome (the target still executes it; its answer is swallowed). */
  reply?: (cdb: Buffer, real: { status: number; data: Buffer }) => Reply;
  /** Never answer the command. */
  drop?: boolean;
  /**
   * Send the target this CDB instead of the initiator's (`match` and `reply` still see the initiator's):
   * e.g. an opcode the target does not implement, so that a long command (a SANITIZE) is answered at once.
   */
  rewriteCdb?: (cdb: Buffer) => Buffer;
  /** Close the connection when the command arrives. */
  close?: boolean;
  /** Flip a bit of the header digest (or data digest) of each PDU answering the command. */
  corruptHeaderDigest?: boolean;
  corruptDataDigest?: boolean;
  /** Change the StatSN, ExpCmdSN or MaxCmdSN of each PDU answering the command (sequence-number defects). */
  numbers?: (n: { statSN: number; expCmdSN: number; maxCmdSN: number }) => void;
  /** Apply at most this many times (default: always). */
  times?: number;
}

interface Pending {
  cdb: Buffer;
  edtl: number;
  lun: bigint;
  rule: ProxyRule;
  /** Data-In collected (for `reply` with the real data). */
  data: Buffer[];
}

export class Proxy {
  private server!: net.Server;
  readonly rules: ProxyRule[] = [];
  /** Refuse (close at once) new connections while set. */
  refuseConnections = false;
  /** Called with every PDU that passes (for debugging a test). */
  log: ((dir: '>>' | '<<', text: string) => void) | undefined;
  /** Commands seen (CDB hex), for assertions. */
  readonly seen: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  private constructor(private readonly upstream: { host: string; port: number }) {}

  static async start(upstream: { host: string; port: number }, rules: ProxyRule[] = []): Promise<Proxy> {
    const p = new Proxy(upstream);
    p.rules.push(...rules);
    p.server = net.createServer((c) => p.accept(c));
    await new Promise<void>((res, rej) => {
      p.server.once('error', rej);
      p.server.listen(0, '127.0.0.1', () => res());
    });
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  url(iqn: string, lun: number): string {
    return `iscsi://127.0.0.1:${this.port}/${iqn}/${lun}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private ruleFor(cdb: Buffer): ProxyRule | undefined {
    for (const r of this.rules) {
      if (!r.match(cdb)) continue;
      if (r.times !== undefined) {
        if (r.times <= 0) continue;
        r.times--;
      }
      return r;
    }
    return undefined;
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    if (this.refuseConnections) {
      client.destroy();
      return;
    }
    const target = net.connect(this.upstream);
    this.sockets.add(target);
    target.on('close', () => this.sockets.delete(target));
    const kill = () => {
      client.destroy();
      target.destroy();
    };
    client.on('error', kill);
    target.on('error', kill);
    client.on('close', kill);
    target.on('close', kill);
    const digests = { header: false, data: false };
    const negotiated = { header: false, data: false };
    const pending = new Map<number, Pending>();
    const big = 1 << 24;
    const frame = (pdu: AnyPdu, corrupt?: { header?: boolean; data?: boolean }, asItCame?: Buffer): Buffer[] => {
      const header = asItCame ? Buffer.from(asItCame) : encodeHeader(pdu);
      const out = frameEncoded(header, pdu.data, { headerDigest: digests.header, dataDigest: digests.data });
      if (corrupt?.header && digests.header) {
        const h = Buffer.from(out[0]!);
        h[h.length - 1]! ^= 0x01;
        out[0] = h;
      }
      if (corrupt?.data && digests.data && out.length > 1) {
        const last = Buffer.from(out[out.length - 1]!);
        last[last.length - 1]! ^= 0x01;
        out[out.length - 1] = last;
      }
      return out;
    };
    // One write per PDU, and no Nagle delay: a proxy must not slow the exchange down.
    client.setNoDelay(true);
    target.setNoDelay(true);
    const send = (sock: net.Socket, bufs: Buffer[]) => {
      sock.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
    };
    const up = new PduParser({ maxDataSegmentLength: big }, (raw: RawPdu) => {
      let pdu: AnyPdu;
      try {
        pdu = decodePdu(raw.header, raw.data);
      } catch {
        // A header the codec refuses (an AHS running past TotalAHSLength) goes on as it came: the target judges it.
        send(target, frameEncoded(Buffer.from(raw.header), raw.data, { headerDigest: digests.header, dataDigest: digests.data }));
        return;
      }
      this.log?.('>>', describePdu(pdu));
      if (pdu.opcode === Opcode.SCSI_COMMAND) {
        const cmd = pdu as ScsiCommand;
        this.seen.push(Buffer.from(cmd.cdb));
        const rule = this.ruleFor(cmd.cdb);
        if (rule?.close) {
          kill();
          return;
        }
        if (rule) pending.set(cmd.itt, { cdb: Buffer.from(cmd.cdb), edtl: cmd.expectedDataTransferLength, lun: cmd.lun, rule, data: [] });
        if (rule?.rewriteCdb) cmd.cdb = rule.rewriteCdb(Buffer.from(cmd.cdb));
      }
      // A wrong digest from the initiator goes on wrong: re-framing must not repair it. PDUs other than SCSI
      // commands (whose CDB a rule may rewrite) keep their header bytes as they came, reserved fields included.
      const corrupt = raw.dataDigestError || raw.headerDigestError ? { data: !!raw.dataDigestError, header: !!raw.headerDigestError } : undefined;
      send(target, frame(pdu, corrupt, pdu.opcode === Opcode.SCSI_COMMAND ? undefined : raw.header));
    });
    // The initiator's header digests are passed on as they came (right or wrong): the target judges them.
    up.verifyHeaderDigest = false;
    const loginText: Buffer[] = [];
    const down = new PduParser({ maxDataSegmentLength: big }, (raw: RawPdu) => {
      const pdu = decodePdu(raw.header, raw.data);
      this.log?.('<<', describePdu(pdu));
      if (pdu.opcode === Opcode.LOGIN_RESPONSE) {
        const lr = pdu as LoginResponse;
        // A long answer comes in pieces with C=1 (a key may be cut between two): read the text once whole.
        if (lr.data?.length) loginText.push(lr.data);
        const whole = lr.continue ? [] : loginText.splice(0);
        for (const [k, v] of whole.length ? decodeText(Buffer.concat(whole)) : []) {
          if (k === 'HeaderDigest') negotiated.header = v === 'CRC32C';
          if (k === 'DataDigest') negotiated.data = v === 'CRC32C';
        }
        send(client, frame(pdu));
        if (lr.transit && lr.nsg === 3 && lr.statusClass === 0) {
          // Digests apply from the next PDU on, both ways (RFC 7143 13.1).
          digests.header = negotiated.header;
          digests.data = negotiated.data;
          up.headerDigest = down.headerDigest = digests.header;
          up.dataDigest = down.dataDigest = digests.data;
        }
        return;
      }
      const itt = 'itt' in pdu ? (pdu as { itt: number }).itt : RESERVED_TAG;
      const p = pending.get(itt);
      if (!p || (pdu.opcode !== Opcode.DATA_IN && pdu.opcode !== Opcode.SCSI_RESPONSE)) {
        send(client, frame(pdu));
        return;
      }
      const r = p.rule;
      const final = pdu.opcode === Opcode.SCSI_RESPONSE || (pdu as DataIn).statusPresent;
      if (final) pending.delete(itt);
      const corrupt = { header: !!r.corruptHeaderDigest, data: !!r.corruptDataDigest };
      if (r.numbers) r.numbers(pdu as DataIn | ScsiResponse);
      if (r.drop) return;
      if (r.reply) {
        if (pdu.opcode === Opcode.DATA_IN && pdu.data) p.data.push(Buffer.from(pdu.data));
        if (!final) return;
        const realStatus = pdu.opcode === Opcode.SCSI_RESPONSE ? (pdu as ScsiResponse).status : (pdu as DataIn).status;
        const rep = r.reply(p.cdb, { status: realStatus, data: Buffer.concat(p.data) });
        const sn = pdu as { statSN: number; expCmdSN: number; maxCmdSN: number };
        const data = rep.data ?? Buffer.alloc(0);
        const n = Math.min(data.length, p.edtl);
        const spdtl = rep.spdtl ?? data.length;
        const under = p.edtl > spdtl;
        const over = spdtl > p.edtl;
        const residual = under ? p.edtl - spdtl : over ? spdtl - p.edtl : 0;
        if (rep.status === 0 && !rep.sense && n > 0) {
          const di: DataIn = {
            opcode: Opcode.DATA_IN,
            final: true,
            acknowledge: false,
            overflow: over,
            underflow: under,
            statusPresent: true,
            status: 0,
            lun: p.lun,
            itt,
            ttt: RESERVED_TAG,
            statSN: sn.statSN,
            expCmdSN: sn.expCmdSN,
            maxCmdSN: sn.maxCmdSN,
            dataSN: 0,
            bufferOffset: 0,
            residualCount: residual,
            data: data.subarray(0, n),
          };
          send(client, frame(di, corrupt));
          return;
        }
        if (n > 0) {
          const di: DataIn = {
            opcode: Opcode.DATA_IN,
            final: true,
            acknowledge: false,
            overflow: false,
            underflow: false,
            statusPresent: false,
            status: 0,
            lun: p.lun,
            itt,
            ttt: RESERVED_TAG,
            statSN: 0,
            expCmdSN: sn.expCmdSN,
            maxCmdSN: sn.maxCmdSN,
            dataSN: 0,
            bufferOffset: 0,
            residualCount: 0,
            data: data.subarray(0, n),
          };
          send(client, frame(di, corrupt));
        }
        const senseSeg = rep.sense ? Buffer.concat([Buffer.from([rep.sense.length >> 8, rep.sense.length & 0xff]), rep.sense]) : Buffer.alloc(0);
        const rsp: ScsiResponse = {
          opcode: Opcode.SCSI_RESPONSE,
          bidiOverflow: false,
          bidiUnderflow: false,
          overflow: over,
          underflow: under,
          response: 0,
          status: rep.status,
          itt,
          snackTag: 0,
          statSN: sn.statSN,
          expCmdSN: sn.expCmdSN,
          maxCmdSN: sn.maxCmdSN,
          expDataSN: n > 0 ? 1 : 0,
          bidiReadResidualCount: 0,
          residualCount: residual,
          data: senseSeg,
        };
        send(client, frame(rsp, corrupt));
        return;
      }
      if (r.dataIn && pdu.opcode === Opcode.DATA_IN && pdu.data && pdu.data.length) {
        const d = pdu as DataIn;
        d.data = r.dataIn(Buffer.from(pdu.data), p.cdb, d.bufferOffset);
      }
      send(client, frame(pdu, corrupt));
    });
    client.on('data', (b: Buffer) => {
      try {
        up.push(b);
      } catch (e) {
        this.log?.('>>', `proxy: ${(e as Error).message}`);
        kill();
      }
    });
    target.on('data', (b: Buffer) => {
      try {
        down.push(b);
      } catch (e) {
        this.log?.('<<', `proxy: ${(e as Error).message}`);
        kill();
      }
    });
  }
}

/** Fixed-format sense data (SPC-5) with a key and ASC/ASCQ. */
export function sense(key: number, ascAscq: number): Buffer {
  const b = Buffer.alloc(18);
  b[0] = 0x70;
  b[2] = key;
  b[7] = 10;
  b[12] = ascAscq >> 8;
  b[13] = ascAscq & 0xff;
  return b;
}
